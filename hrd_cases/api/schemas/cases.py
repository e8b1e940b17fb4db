"""Cases and defenders: intake, update, listing filters, name search, and what is shown."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import ValidationError, fields, validate, validates_schema

from hrd_cases.api.schemas.actions import (
    ConsentSchema,
    HearingSchema,
    ReferralSchema,
    StatementSchema,
)
from hrd_cases.api.schemas.casework import CaseDefenderCorrectionSchema, NoteSchema
from hrd_cases.api.schemas.common import (
    Country,
    Flag,
    OutputSchema,
    PageQuerySchema,
    StrictSchema,
    Text,
    When,
)
from hrd_cases.domain.states import CaseState, Stage
from hrd_cases.domain.text_input import SEARCH_NAME_RULE, rule_for
from hrd_cases.domain.vocabulary import ClosureOutcome, ProfileCategory, RiskLevel, ThreatType
from hrd_cases.reads.lists import CaseOrder
from hrd_cases.records.defenders import ErasureReason


def _enum_list(enum_class, **kwargs):
    return fields.List(
        fields.Enum(enum_class, by_value=True),
        validate=validate.Length(max=len(enum_class)),
        **kwargs,
    )


# Input -----------------------------------------------------------------------------------------
class DefenderInputSchema(StrictSchema):
    """Who the defender is. Every field is encrypted under the defender's own key."""

    name = Text(required=True, min_length=1, rule=rule_for("defenders", "name"))
    other_names = Text(
        rule=rule_for("defenders", "other_names"),
        allow_none=True,
        metadata={"description": "separated by ;"},
    )
    contact_details = Text(rule=rule_for("defenders", "contact_details"), allow_none=True)
    location = Text(rule=rule_for("defenders", "location"), allow_none=True)
    organisation = Text(rule=rule_for("defenders", "organisation"), allow_none=True)
    date_of_birth = Text(rule=rule_for("defenders", "date_of_birth"), allow_none=True)
    personal_notes = Text(rule=rule_for("defenders", "personal_notes"), allow_none=True)


class CaseCreateSchema(StrictSchema):
    """Intake, by a focal point, for their own delegation (whose country the case concerns)."""

    country = Country(required=True)
    risk_level = fields.Enum(RiskLevel, by_value=True, required=True)
    defender = fields.Nested(DefenderInputSchema, required=True)
    profile_categories = _enum_list(ProfileCategory, load_default=list)
    threats = _enum_list(ThreatType, load_default=list)
    narrative = Text(rule=rule_for("cases", "narrative"), allow_none=True, load_default=None)


class CaseUpdateSchema(StrictSchema):
    """Fields of an open case that can change; at least one must be given. A correction
    keeps each earlier value, encrypted, in the case's history (``GET .../history``)."""

    OPENAPI_EXTRA: ClassVar[dict[str, object]] = {"minProperties": 1}

    risk_level = fields.Enum(
        RiskLevel, by_value=True, metadata={"description": "recorded as a (re-)assessment"}
    )
    narrative = Text(rule=rule_for("cases", "narrative"), allow_none=True)
    profile_categories = _enum_list(ProfileCategory)
    threats = _enum_list(ThreatType)
    defender = fields.Nested(
        CaseDefenderCorrectionSchema,
        metadata={"description": "identity and contact corrections; the name is re-indexed"},
    )

    @validates_schema
    def _something(self, data: dict, **kwargs: object) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.")


class CaseListQuerySchema(PageQuerySchema):
    country = Country()
    risk_level = fields.Enum(RiskLevel, by_value=True)
    status = fields.Enum(CaseState, by_value=True)
    stage = fields.Enum(Stage, by_value=True)
    mine = fields.Boolean(
        load_default=False,
        truthy={"true", "1"},
        falsy={"false", "0"},
        metadata={"description": "only the cases assigned to the caller"},
    )
    sort = fields.Enum(
        CaseOrder,
        by_value=True,
        load_default=CaseOrder.OPENED,
        metadata={
            "description": "opened: newest first; risk: critical first; deadline: soonest "
            "open deadline first, cases without one last"
        },
    )
    opened_from = When(metadata={"description": "opened at or after"})
    opened_before = When(metadata={"description": "opened strictly before"})


class DefenderSearchSchema(StrictSchema):
    """A name search: POST only, so that a name never travels in a URL (logs, history)."""

    name = Text(required=True, min_length=1, rule=SEARCH_NAME_RULE)
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=50))


class ErasureInputSchema(StrictSchema):
    """Crypto-shred one defender of the case; the reason comes from a fixed list (free text
    could itself carry personal data into the audit log)."""

    reason = fields.Enum(ErasureReason, by_value=True, required=True)
    include_case_content = Flag(
        load_default=False,
        metadata={"description": "also destroy the case's content (narrative, reports...)"},
    )


# Output ----------------------------------------------------------------------------------------
class DefenderSchema(OutputSchema):
    """A defender as shown to roles that read cases in scope; ``erased`` means the personal
    data was destroyed (crypto-shredded) and every other field is null."""

    reference = fields.String(required=True)
    erased = fields.Boolean(required=True)
    name = fields.String(allow_none=True)
    other_names = fields.String(allow_none=True)
    contact_details = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    date_of_birth = fields.String(allow_none=True)
    personal_notes = fields.String(allow_none=True)


class DeadlineSchema(OutputSchema):
    kind = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    overdue = fields.Boolean(required=True)
    subject_id = fields.String(allow_none=True)


class TemplateRefSchema(OutputSchema):
    code = fields.String(required=True)
    version = fields.Integer(required=True)


class UserRefSchema(OutputSchema):
    """A staff member named on a case (never a defender)."""

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class AssignmentSchema(OutputSchema):
    """Who a case is assigned to, and the focal points it may be reassigned to."""

    assigned_to = fields.Nested(UserRefSchema, allow_none=True, required=True)
    choices = fields.List(fields.Nested(UserRefSchema), required=True)


class AssignmentInputSchema(StrictSchema):
    """Reassign a case to another active focal point of its delegation."""

    assignee_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class CaseSummarySchema(OutputSchema):
    """A case's clear categories: never a name or a narrative."""

    reference = fields.String(required=True)
    country = fields.String(required=True)
    delegation = fields.String(required=True)
    risk_level = fields.Enum(RiskLevel, by_value=True, required=True)
    stage = fields.Enum(Stage, by_value=True, required=True)
    status = fields.Enum(CaseState, by_value=True, required=True)
    template = fields.Nested(TemplateRefSchema, required=True)
    profile_categories = fields.List(fields.Enum(ProfileCategory, by_value=True), required=True)
    threats = fields.List(fields.Enum(ThreatType, by_value=True), required=True)
    opened_at = fields.AwareDateTime(required=True)
    assessed_at = fields.AwareDateTime(allow_none=True, required=True)
    closed_at = fields.AwareDateTime(allow_none=True, required=True)
    reopened_at = fields.AwareDateTime(allow_none=True, required=True)
    closure_outcome = fields.Enum(ClosureOutcome, by_value=True, allow_none=True, required=True)
    assigned_to = fields.Nested(UserRefSchema, allow_none=True, required=True)
    awaiting_decision = fields.Boolean(
        required=True, metadata={"description": "a referral awaits its decision"}
    )


class CaseListItemSchema(CaseSummarySchema):
    """A case in a listing, with its primary defender's name for a reader in scope (null
    when erased) and its soonest open deadline."""

    defender_name = fields.String(allow_none=True, required=True)
    next_deadline = fields.AwareDateTime(allow_none=True, required=True)
    overdue = fields.Boolean(required=True)


class CaseDetailSchema(CaseSummarySchema):
    """A case with its decrypted content and its actions (each read is audited)."""

    narrative = fields.String(allow_none=True)
    closure_reason = fields.String(allow_none=True)
    content_erased = fields.Boolean()
    defenders = fields.List(fields.Nested(DefenderSchema))
    referrals = fields.List(fields.Nested(ReferralSchema))
    hearings = fields.List(fields.Nested(HearingSchema))
    consents = fields.List(fields.Nested(ConsentSchema))
    statements = fields.List(fields.Nested(StatementSchema))
    deadlines = fields.List(fields.Nested(DeadlineSchema))
    notes = fields.List(fields.Nested(NoteSchema), metadata={"description": "newest first"})


class DefenderMatchSchema(OutputSchema):
    reference = fields.String(required=True)
    name = fields.String(required=True)
    cases = fields.List(fields.String(), required=True)


class TimelineEventSchema(OutputSchema):
    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    subject_type = fields.String(allow_none=True, required=True)
    subject_id = fields.String(allow_none=True, required=True)
    details = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        required=True,
        metadata={"description": "categories only (states, levels, counts), never content"},
    )


class ErasureSchema(OutputSchema):
    """What an erasure did, with both dates: unreadable in the application now; unrecoverable
    from every copy (backups, database logs) once the old KEK is retired."""

    reference = fields.String(required=True, metadata={"description": "the defender"})
    unreadable_since = fields.AwareDateTime(required=True)
    unrecoverable_from_copies_by = fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "when the erasure epoch retires the old KEK (null: done)"},
    )
    message = fields.String(required=True)
