"""Notifications: a case reference and what waits, never content."""

from __future__ import annotations

from marshmallow import fields

from hrd_cases.api.schemas.common import OutputSchema


class NotificationSchema(OutputSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    event = fields.String(required=True)
    headline = fields.String(required=True)
    case_reference = fields.String(allow_none=True, required=True)
    waiting_since = fields.String(allow_none=True, required=True)
    deadline = fields.String(allow_none=True, required=True)
    due = fields.String(allow_none=True, required=True)
    link = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    read = fields.Boolean(required=True)
