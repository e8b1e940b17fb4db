"""The homes as the API gives them: a focal point's task list and an officer's queue (the same
reads as the home pages, ``reads.lists``)."""

from __future__ import annotations

from marshmallow import fields, validate

from hrd_cases.api.schemas.cases import UserRefSchema
from hrd_cases.api.schemas.common import OutputSchema, StrictSchema
from hrd_cases.domain.vocabulary import Mechanism, RiskLevel, StatementLevel
from hrd_cases.reads.lists import QueueOrder, TaskKind


class QueueQuerySchema(StrictSchema):
    sort = fields.Enum(
        QueueOrder,
        by_value=True,
        load_default=QueueOrder.WAITING,
        metadata={
            "description": "waiting: longest waiting first; deadline: soonest decision "
            "deadline first; risk: critical cases first, then by deadline"
        },
    )


class CaseRefSchema(OutputSchema):
    """The case an item belongs to, with its primary defender's name for this reader (null
    when erased)."""

    reference = fields.String(required=True)
    risk_level = fields.Enum(RiskLevel, by_value=True, required=True)
    defender_name = fields.String(allow_none=True, required=True)


class QueueItemSchema(OutputSchema):
    """A referral or statement awaiting the officer's decision."""

    kind = fields.String(required=True, validate=validate.OneOf(["referral", "statement"]))
    id = fields.UUID(required=True)
    case = fields.Nested(CaseRefSchema, required=True)
    mechanism = fields.Enum(Mechanism, by_value=True, allow_none=True, required=True)
    amount_eur = fields.Integer(allow_none=True, required=True)
    level = fields.Enum(StatementLevel, by_value=True, allow_none=True, required=True)
    requester = fields.Nested(UserRefSchema, allow_none=True, required=True)
    waiting_since = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    overdue = fields.Boolean(required=True)
    approvals = fields.Integer(required=True)
    approvals_required = fields.Integer(required=True)
    mine = fields.Boolean(
        required=True, metadata={"description": "you requested or drafted it: four-eyes"}
    )
    decided = fields.Boolean(required=True, metadata={"description": "you already decided"})


class TaskSchema(OutputSchema):
    kind = fields.Enum(TaskKind, by_value=True, required=True)
    case = fields.Nested(CaseRefSchema, required=True)
    due_at = fields.AwareDateTime(allow_none=True, required=True)
    since = fields.AwareDateTime(required=True)
    overdue = fields.Boolean(required=True)


class WaitingSchema(OutputSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["referral", "statement"]))
    id = fields.UUID(required=True)
    case = fields.Nested(CaseRefSchema, required=True)
    since = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    overdue = fields.Boolean(required=True)
    approvals = fields.Integer(required=True)
    approvals_required = fields.Integer(required=True)
    approved_by = fields.List(fields.Nested(UserRefSchema), required=True)
    may_decide = fields.List(fields.Nested(UserRefSchema), required=True)


class DecisionReasonSchema(OutputSchema):
    officer = fields.Nested(UserRefSchema, allow_none=True, required=True)
    approve = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, required=True)


class DecidedSchema(OutputSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["referral", "statement"]))
    id = fields.UUID(required=True)
    case = fields.Nested(CaseRefSchema, required=True)
    approve = fields.Boolean(required=True)
    decided_at = fields.AwareDateTime(required=True)
    reasons = fields.List(fields.Nested(DecisionReasonSchema), required=True)


class TaskListSchema(OutputSchema):
    """A focal point's home: their open cases and the delegation's unassigned ones."""

    needs_you = fields.List(fields.Nested(TaskSchema), required=True)
    waiting = fields.List(fields.Nested(WaitingSchema), required=True)
    decided = fields.List(fields.Nested(DecidedSchema), required=True)
    unassigned = fields.Integer(required=True)
