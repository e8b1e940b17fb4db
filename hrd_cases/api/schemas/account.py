"""The caller's own account."""

from __future__ import annotations

from marshmallow import fields, validate

from hrd_cases.api.schemas.common import Flag, OutputSchema, StrictSchema
from hrd_cases.auth.accounts import CALENDAR_COURT_EXPLANATION
from hrd_cases.domain.languages import LANGUAGE_CODES
from hrd_cases.models import Role


class MeSchema(OutputSchema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    delegation = fields.String(allow_none=True, required=True)
    countries = fields.List(fields.String(), required=True)
    permissions = fields.List(fields.String(), required=True)


class CalendarSettingsSchema(OutputSchema):
    shows_court = fields.Boolean(
        required=True, metadata={"description": CALENDAR_COURT_EXPLANATION}
    )


class CalendarSettingsInputSchema(StrictSchema):
    shows_court = Flag(required=True, metadata={"description": CALENDAR_COURT_EXPLANATION})


LANGUAGE_DESCRIPTION = (
    "The interface language of the caller's pages and e-mails (a language code), or null to "
    "follow the browser's Accept-Language."
)


class LanguageSettingsSchema(OutputSchema):
    language = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(LANGUAGE_CODES),
        metadata={"description": LANGUAGE_DESCRIPTION, "enum": [*LANGUAGE_CODES, None]},
    )


class LanguageSettingsInputSchema(StrictSchema):
    language = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(LANGUAGE_CODES),
        metadata={"description": LANGUAGE_DESCRIPTION, "enum": [*LANGUAGE_CODES, None]},
    )


class SecurityKeySchema(OutputSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True, required=True)
    sign_count = fields.Integer(required=True)
    backup_eligible = fields.Boolean(required=True)
    backup_state = fields.Boolean(required=True)


class KeyRegistrationOptionsSchema(OutputSchema):
    options = fields.Dict(
        required=True,
        metadata={"description": "PublicKeyCredentialCreationOptions, binary fields base64url"},
    )
    state = fields.String(
        required=True, metadata={"description": "Signed ceremony state: send it back to finish"}
    )


class KeyRegistrationSchema(StrictSchema):
    state = fields.String(required=True, validate=validate.Length(max=2000))
    credential = fields.Dict(
        required=True,
        metadata={"description": "The browser's PublicKeyCredential as WebAuthn-3 toJSON()"},
    )
    name = fields.String(load_default="", validate=validate.Length(max=80))
