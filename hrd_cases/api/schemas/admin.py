"""Account administration through the API: the same fields as the admin pages."""

from __future__ import annotations

from marshmallow import fields, validate

from hrd_cases.api.schemas.common import OutputSchema, StrictSchema
from hrd_cases.models import Role


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
    role = fields.Enum(Role, by_value=True, required=True)
    delegation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    countries = fields.List(
        fields.String(validate=validate.Length(equal=2)),
        load_default=list,
        validate=validate.Length(max=250),
    )


class InvitationInputSchema(ScopeInputSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))


class IssuedLinkSchema(OutputSchema):
    """A single-use link, answered once: only its hash is stored."""

    account = fields.Nested(AccountSchema, required=True)
    purpose = fields.String(required=True)
    link = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class SessionsEndedSchema(OutputSchema):
    account = fields.Nested(AccountSchema, required=True)
    sessions_ended = fields.Integer(required=True)
