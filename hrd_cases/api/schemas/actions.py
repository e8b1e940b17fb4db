"""Actions on a case (referrals, hearings, consent, statements, closure): step inputs and
the action as shown. Encrypted fields (justification, court, charges, report, notes, draft)
are filled only in the case detail, whose every read is audited; step answers omit them."""

from __future__ import annotations

from marshmallow import fields, validate

from hrd_cases.api.schemas.common import (
    Flag,
    HttpsUrl,
    OutputSchema,
    StrictSchema,
    Text,
    When,
)
from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.domain.text_input import rule_for
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ClosureOutcome,
    ConsentScope,
    HearingOutcome,
    Mechanism,
    StatementLevel,
)

MAX_AMOUNT_EUR = 1_000_000_000  # far above any template's maximum, well inside 32 bits


# Input -----------------------------------------------------------------------------------------
class ReferralCreateSchema(StrictSchema):
    mechanism = fields.Enum(Mechanism, by_value=True, required=True)
    assistance_types = fields.List(
        fields.Enum(AssistanceType, by_value=True),
        load_default=list,
        validate=validate.Length(max=len(AssistanceType)),
    )
    amount_eur = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=MAX_AMOUNT_EUR)
    )
    justification = Text(
        rule=rule_for("referrals", "justification"), allow_none=True, load_default=None
    )
    submit = Flag(
        load_default=True, metadata={"description": "request at once (default) or keep a draft"}
    )


class DecisionSchema(StrictSchema):
    """One protection officer's decision; four-eyes: never on their own request."""

    approve = Flag(required=True)
    reason = Text(
        max_length=2000,
        allow_none=True,
        load_default=None,
        metadata={"description": "required when rejecting; shown to the requester (encrypted)"},
    )


class ReferralDecisionSchema(DecisionSchema):
    confirmed_amount_eur = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=MAX_AMOUNT_EUR),
        metadata={
            "description": "the amount the officer saw and approves: if the referral was "
            "revised to another amount since, the approval is refused (409 "
            "referral.amount_unconfirmed)"
        },
    )


class ReturnSchema(StrictSchema):
    """An officer sends an item back to its requester for revision."""

    reason = Text(
        required=True,
        min_length=1,
        max_length=2000,
        metadata={"description": "what to change; shown to the requester (encrypted)"},
    )


class ReferralRevisionSchema(StrictSchema):
    """The referral as edited: every field, as when it was requested."""

    mechanism = fields.Enum(Mechanism, by_value=True, required=True)
    assistance_types = fields.List(
        fields.Enum(AssistanceType, by_value=True),
        load_default=list,
        validate=validate.Length(max=len(AssistanceType)),
    )
    amount_eur = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=MAX_AMOUNT_EUR)
    )
    justification = Text(
        rule=rule_for("referrals", "justification"), allow_none=True, load_default=None
    )
    submit = Flag(
        load_default=True,
        metadata={"description": "request it again at once (default), or keep editing"},
    )


class StatementRevisionSchema(StrictSchema):
    level = fields.Enum(StatementLevel, by_value=True, required=True)
    text = Text(required=True, min_length=1, rule=rule_for("statements", "draft"))
    submit = Flag(
        load_default=True,
        metadata={"description": "submit it again at once (default), or keep editing"},
    )


class HearingScheduleSchema(StrictSchema):
    scheduled_for = When(
        required=True,
        metadata={"description": "with its offset, e.g. 2026-12-15T09:30:00+03:00 in Nairobi"},
    )
    court = Text(required=True, min_length=1, rule=rule_for("hearings", "court"))
    charges = Text(rule=rule_for("hearings", "charges"), allow_none=True, load_default=None)
    confirm_past = Flag(
        load_default=False,
        metadata={"description": "required true for a hearing more than 30 days in the past"},
    )


class RescheduleSchema(StrictSchema):
    scheduled_for = When(required=True, metadata={"description": "the new date, with its offset"})
    reason = Text(required=True, min_length=1, rule=rule_for("hearings", "change_reason"))
    confirm_past = Flag(
        load_default=False,
        metadata={"description": "required true for a date more than 30 days in the past"},
    )


class CancelHearingSchema(StrictSchema):
    reason = Text(required=True, min_length=1, rule=rule_for("hearings", "change_reason"))


class ObservationSchema(StrictSchema):
    observed = Flag(required=True)
    observers = fields.List(
        fields.String(validate=validate.Regexp(r"^(EU|[A-Z]{2})$")),
        load_default=list,
        validate=validate.Length(max=40),
        metadata={"description": "EU (the Delegation) or Member State codes"},
    )
    outcome = fields.Enum(HearingOutcome, by_value=True, allow_none=True, load_default=None)


class ReportSchema(StrictSchema):
    report = Text(required=True, min_length=1, rule=rule_for("hearings", "report"))


class OutcomeSchema(StrictSchema):
    outcome = fields.Enum(HearingOutcome, by_value=True, required=True)


class ConsentRecordSchema(StrictSchema):
    scopes = fields.List(
        fields.Enum(ConsentScope, by_value=True),
        required=True,
        validate=validate.Length(min=1, max=len(ConsentScope)),
    )
    given_on = When(required=True)
    notes = Text(rule=rule_for("consents", "notes"), allow_none=True, load_default=None)


class StatementDraftSchema(StrictSchema):
    level = fields.Enum(StatementLevel, by_value=True, required=True)
    text = Text(required=True, min_length=1, rule=rule_for("statements", "draft"))


class PublicationSchema(StrictSchema):
    publication_url = HttpsUrl(max_length=500, allow_none=True, load_default=None)


class ClosureSchema(StrictSchema):
    outcome = fields.Enum(ClosureOutcome, by_value=True, allow_none=True, load_default=None)
    reason = Text(rule=rule_for("cases", "closure_reason"), allow_none=True, load_default=None)


# Output ----------------------------------------------------------------------------------------
class DecisionOutSchema(OutputSchema):
    officer_id = fields.Integer(required=True)
    approve = fields.Boolean(required=True)
    returned = fields.Boolean(
        required=True, metadata={"description": "sent back to the requester for revision"}
    )
    revision = fields.Integer(
        required=True,
        metadata={"description": "the revision decided on; only the current one's count"},
    )
    decided_at = fields.AwareDateTime(required=True)
    reason = fields.String(
        allow_none=True, metadata={"description": "in the case read only (decrypted)"}
    )


class ReferralSchema(OutputSchema):
    id = fields.UUID(required=True)
    case = fields.String(required=True)
    mechanism = fields.Enum(Mechanism, by_value=True, required=True)
    assistance_types = fields.List(fields.Enum(AssistanceType, by_value=True), required=True)
    amount_eur = fields.Integer(allow_none=True, required=True)
    state = fields.Enum(ReferralState, by_value=True, required=True)
    approvals_required = fields.Integer(required=True)
    decisions = fields.List(fields.Nested(DecisionOutSchema), required=True)
    created_by_id = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    requested_at = fields.AwareDateTime(allow_none=True, required=True)
    decided_at = fields.AwareDateTime(allow_none=True, required=True)
    delivered_at = fields.AwareDateTime(allow_none=True, required=True)
    closed_at = fields.AwareDateTime(allow_none=True, required=True)
    revision = fields.Integer(
        required=True, metadata={"description": "1, and one more for each edit after a request"}
    )
    approvals_given = fields.Integer(
        required=True, metadata={"description": "approvals on the current revision"}
    )
    returned_at = fields.AwareDateTime(allow_none=True, required=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True, required=True)
    justification = fields.String(allow_none=True)


class HearingSchema(OutputSchema):
    id = fields.UUID(required=True)
    case = fields.String(required=True)
    scheduled_for = fields.AwareDateTime(required=True)
    time_zone = fields.String(required=True, metadata={"description": "the delegation's IANA zone"})
    scheduled_local = fields.AwareDateTime(
        required=True, metadata={"description": "the same instant in the delegation's zone"}
    )
    scheduled_label = fields.String(
        required=True, metadata={"description": 'e.g. "2026-12-15 09:30 Nairobi (EAT, UTC+3)"'}
    )
    state = fields.Enum(HearingState, by_value=True, required=True)
    outcome = fields.Enum(HearingOutcome, by_value=True, allow_none=True, required=True)
    observers = fields.List(fields.String(), required=True)
    observed_at = fields.AwareDateTime(allow_none=True, required=True)
    report_filed_at = fields.AwareDateTime(allow_none=True, required=True)
    cancelled_at = fields.AwareDateTime(allow_none=True, required=True)
    change_reason = fields.String(
        allow_none=True, metadata={"description": "why it was last rescheduled or cancelled"}
    )
    court = fields.String(allow_none=True)
    charges = fields.String(allow_none=True)
    report = fields.String(allow_none=True)


class ConsentSchema(OutputSchema):
    id = fields.UUID(required=True)
    case = fields.String(required=True)
    scopes = fields.List(fields.Enum(ConsentScope, by_value=True), required=True)
    given_on = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    revoked_at = fields.AwareDateTime(allow_none=True, required=True)
    active = fields.Boolean(required=True)
    notes = fields.String(allow_none=True)


class StatementSchema(OutputSchema):
    id = fields.UUID(required=True)
    case = fields.String(required=True)
    level = fields.Enum(StatementLevel, by_value=True, required=True)
    state = fields.Enum(StatementState, by_value=True, required=True)
    approvals_required = fields.Integer(required=True)
    decisions = fields.List(fields.Nested(DecisionOutSchema), required=True)
    created_at = fields.AwareDateTime(required=True)
    submitted_at = fields.AwareDateTime(allow_none=True, required=True)
    decided_at = fields.AwareDateTime(allow_none=True, required=True)
    published_at = fields.AwareDateTime(allow_none=True, required=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True, required=True)
    publication_url = fields.String(allow_none=True, required=True)
    published_text = fields.String(allow_none=True, required=True)
    revision = fields.Integer(
        required=True, metadata={"description": "1, and one more for each edit after submission"}
    )
    approvals_given = fields.Integer(
        required=True, metadata={"description": "approvals on the current revision"}
    )
    returned_at = fields.AwareDateTime(allow_none=True, required=True)
    draft = fields.String(allow_none=True)
