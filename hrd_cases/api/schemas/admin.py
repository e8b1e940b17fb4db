"""Account administration through the API: the same fields as the admin pages."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import fields, validate

from hrd_cases.api.schemas.common import Country, OutputSchema, StrictSchema, Text
from hrd_cases.auth.delegations import EU_DELEGATION
from hrd_cases.domain.text_input import FieldRule, TextKind
from hrd_cases.domain.vocabulary import COUNTRY_CODES
from hrd_cases.models import Role
from hrd_cases.timezones import time_zone_names


class AccountSchema(OutputSchema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    delegation = fields.String(allow_none=True, required=True)
    countries = fields.List(fields.String(), required=True)
    is_active = fields.Boolean(required=True)
    has_second_factor = fields.Boolean(required=True)
    has_password = fields.Boolean(required=True)
    open_sessions = fields.Integer(required=True)
    pending_link = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class ScopeInputSchema(StrictSchema):
    """What a role needs, declared for clients (resolve_scope checks it in code): a focal point
    belongs to a delegation, a protection officer covers at least one country."""

    OPENAPI_EXTRA: ClassVar[dict[str, object]] = {
        "allOf": [
            {
                "if": {"properties": {"role": {"const": Role.FOCAL_POINT.value}}},
                "then": {
                    "required": ["delegation"],
                    "properties": {"delegation": {"type": "string", "pattern": r"\S"}},
                },
            },
            {
                "if": {"properties": {"role": {"const": Role.PROTECTION_OFFICER.value}}},
                "then": {"required": ["countries"], "properties": {"countries": {"minItems": 1}}},
            },
        ]
    }

    role = fields.Enum(Role, by_value=True, required=True)
    delegation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    countries = fields.List(Country(), load_default=list, validate=validate.Length(max=250))


class InvitationInputSchema(ScopeInputSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))


class IssuedLinkSchema(OutputSchema):
    """A single-use link, answered once (only its hash is stored), or, where e-mail is
    configured, sent to the account's address and never answered (``link`` is null)."""

    account = fields.Nested(AccountSchema, required=True)
    purpose = fields.String(required=True)
    delivery = fields.String(required=True, validate=validate.OneOf(["answer", "email"]))
    link = fields.String(required=True, allow_none=True)
    expires_at = fields.DateTime(required=True)


class SessionsEndedSchema(OutputSchema):
    account = fields.Nested(AccountSchema, required=True)
    sessions_ended = fields.Integer(required=True)


class TokenSchema(OutputSchema):
    """A token as listed: never its value or hash."""

    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    owner = fields.String(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True, required=True)
    revoked_at = fields.DateTime(allow_none=True, required=True)
    state = fields.String(required=True)


class TokenInputSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    days = fields.Integer(required=True, validate=validate.Range(min=1))


class CreatedTokenSchema(OutputSchema):
    """The one answer that carries a token's value."""

    token = fields.Nested(TokenSchema, required=True)
    value = fields.String(required=True)


class DelegationMemberSchema(OutputSchema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    is_active = fields.Boolean(required=True)


class DelegationSchema(OutputSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    time_zone = fields.String(required=True, metadata={"description": "IANA time zone"})
    observation_partners = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Embassies sharing trial observation: EU or country codes"},
    )
    users = fields.List(fields.Nested(DelegationMemberSchema), required=True)
    created_at = fields.DateTime(required=True)


class DelegationUpdateSchema(StrictSchema):
    """Every editable field (the code never changes)."""

    name = Text(required=True, min_length=1, rule=FieldRule(TextKind.LINE, 200))
    country = Country(required=True)
    time_zone = fields.String(
        required=True,
        validate=validate.OneOf(time_zone_names()),
        metadata={"description": "IANA time zone, e.g. Africa/Nairobi", "example": "UTC"},
    )
    observation_partners = fields.List(
        fields.String(validate=validate.OneOf((EU_DELEGATION, *COUNTRY_CODES))),
        load_default=list,
        validate=validate.Length(max=40),
        metadata={"description": "EU (the Delegation) or Member State country codes"},
    )


class DelegationInputSchema(DelegationUpdateSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp("^[A-Za-z0-9-]{1,32}$"),
        metadata={"example": "EUDEL-KE"},
    )
