"""The caller's own account."""

from __future__ import annotations

from marshmallow import fields

from hrd_cases.api.schemas.common import Flag, OutputSchema, StrictSchema
from hrd_cases.auth.accounts import CALENDAR_COURT_EXPLANATION
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
