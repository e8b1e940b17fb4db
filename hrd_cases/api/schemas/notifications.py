"""Notifications: a case reference and what waits, never content."""

from __future__ import annotations

from marshmallow import fields, validate

from hrd_cases.api.schemas.common import OutputSchema, StrictSchema


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


_DELIVERY = fields.String(validate=validate.OneOf(["immediate", "digest", "off"]))


class PreferencesSchema(OutputSchema):
    """E-mail delivery per kind; account and security messages always go at once."""

    awaiting_decision = fields.String(required=True)
    decided = fields.String(required=True)
    deadline = fields.String(required=True)
    hearing_tomorrow = fields.String(required=True)
    case_reassigned = fields.String(required=True)


class PreferencesInputSchema(StrictSchema):
    awaiting_decision = _DELIVERY
    decided = _DELIVERY
    deadline = _DELIVERY
    hearing_tomorrow = _DELIVERY
    case_reassigned = _DELIVERY


class FailedMessageSchema(OutputSchema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
