"""The audit log through the API: the same filters and rows as the viewer."""

from __future__ import annotations

from marshmallow import fields, validate

from hrd_cases.api.schemas.common import OutputSchema, StrictSchema


class AuditQuerySchema(StrictSchema):
    actor = fields.String(validate=validate.Length(max=254))
    action = fields.String(validate=validate.Length(max=64))
    case = fields.String(validate=validate.Length(max=32))
    since = fields.Date()
    until = fields.Date()
    outcome = fields.String(validate=validate.OneOf(("success", "failure", "refused")))
    before = fields.Integer(validate=validate.Range(min=1))
    limit = fields.Integer(validate=validate.Range(min=1, max=200))


class CaseAccessQuerySchema(StrictSchema):
    case = fields.String(required=True, validate=validate.Length(min=1, max=32))


class AuditEntrySchema(OutputSchema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    actor = fields.String(allow_none=True, required=True)
    action = fields.String(required=True)
    object_type = fields.String(allow_none=True, required=True)
    object_id = fields.String(allow_none=True, required=True)
    outcome = fields.String(required=True)
    details = fields.Dict(keys=fields.String(), required=True)
    entry_hash = fields.String(required=True)


class ChainStateSchema(OutputSchema):
    entries = fields.Integer(required=True)
    verified_up_to = fields.Integer(required=True)
    first_broken_entry = fields.Integer(allow_none=True, required=True)
    problem = fields.String(allow_none=True, required=True)
    last_full_walk = fields.DateTime(allow_none=True, required=True)
