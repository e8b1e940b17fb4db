"""Workflow steps on a case's actions: referrals (four-eyes decisions), hearings, consent,
statements. Each view validates its input, calls the one workflow service that owns the
step (guards, transaction, timeline, audit) and shows the action without its encrypted
content (which only the audited case read returns)."""

from __future__ import annotations

from flask import Response

from hrd_cases.api import bp, params, presenters
from hrd_cases.api.inputs import json_body, no_body
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.actions import (
    CancelHearingSchema,
    ConsentRecordSchema,
    ConsentSchema,
    DecisionSchema,
    HearingScheduleSchema,
    HearingSchema,
    ObservationSchema,
    OutcomeSchema,
    PublicationSchema,
    ReferralCreateSchema,
    ReferralDecisionSchema,
    ReferralRevisionSchema,
    ReferralSchema,
    ReportSchema,
    RescheduleSchema,
    ReturnSchema,
    StatementDraftSchema,
    StatementRevisionSchema,
    StatementSchema,
)
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_actor, current_session, current_strategies, current_vault
from hrd_cases.http.errors import envelope
from hrd_cases.workflow import consent, hearings, referrals, statements

FOCAL_POINT = ("focal_point",)
OFFICER = ("protection_officer",)

REFERRAL_OUT = ReferralSchema(exclude=("justification",))
HEARING_OUT = HearingSchema(exclude=("court", "charges", "report", "change_reason"))
CONSENT_OUT = ConsentSchema(exclude=("notes",))
STATEMENT_OUT = StatementSchema(exclude=("draft",))


def _step(rule: str, summary: str, tag: str, roles: tuple[str, ...], response, **options):
    return operation(
        bp,
        rule,
        "POST",
        summary=summary,
        tag=tag,
        roles=roles,
        response=response,
        refusals=(409,),
        **options,
    )


# Referrals -------------------------------------------------------------------------------------
@_step(
    "/cases/<reference>/referrals",
    "Request a referral to a protection mechanism",
    "referrals",
    FOCAL_POINT,
    ReferralSchema,
    body=ReferralCreateSchema,
    status=201,
)
def create_referral(reference: str) -> Response:
    """Requested at once unless ``submit`` is false (then a draft). The template decides the
    mechanisms allowed, the required fields, the maximum grant and the approvals needed."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.REFERRAL_REQUEST)
    data = json_body(ReferralCreateSchema())
    submit = data.pop("submit")
    referral = referrals.create_referral(
        current_session(),
        current_vault(),
        current_strategies(),
        user,
        reference,
        referrals.ReferralInput(**data),
        submit=submit,
    )
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)), status=201)


@_step(
    "/referrals/<referral_id>/submission",
    "Request a drafted referral",
    "referrals",
    FOCAL_POINT,
    ReferralSchema,
)
def submit_referral(referral_id: str) -> Response:
    """draft -> requested. No body."""
    user = current_actor()
    require(user, Permission.REFERRAL_REQUEST)
    referral_uuid = params.action_id(referral_id)
    no_body()
    referral = referrals.submit_referral(current_session(), user, referral_uuid)
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)))


@_step(
    "/referrals/<referral_id>/decisions",
    "Approve or reject a referral (four-eyes)",
    "referrals",
    OFFICER,
    ReferralSchema,
    body=ReferralDecisionSchema,
)
def decide_referral(referral_id: str) -> Response:
    """One officer's decision. Whoever requested or drafted it cannot decide (409
    referral.four_eyes), nor approve it after returning or editing it (409
    referral.returned_or_edited); the template names how many distinct approvals approve
    it; one rejection rejects it."""
    user = current_actor()
    require(user, Permission.REFERRAL_DECIDE)
    referral_uuid = params.action_id(referral_id)
    data = json_body(ReferralDecisionSchema())
    referral = referrals.decide_referral(
        current_session(),
        user,
        referral_uuid,
        approve=data["approve"],
        reason=data["reason"],
        vault=current_vault(),
        confirmed_amount_eur=data["confirmed_amount_eur"],
    )
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)))


@_step(
    "/referrals/<referral_id>/return",
    "Return a requested referral to its requester for revision, with the reason",
    "referrals",
    OFFICER,
    ReferralSchema,
    body=ReturnSchema,
)
def return_referral(referral_id: str) -> Response:
    """requested -> returned. The reason is encrypted and shown to the requester and the
    other approvers; the officer who returns it can no longer approve it."""
    user = current_actor()
    require(user, Permission.REFERRAL_DECIDE)
    referral_uuid = params.action_id(referral_id)
    data = json_body(ReturnSchema())
    referral = referrals.return_referral(
        current_session(), current_vault(), user, referral_uuid, reason=data["reason"]
    )
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)))


@_step(
    "/referrals/<referral_id>/revision",
    "Edit a referral before its decision, and request it again",
    "referrals",
    FOCAL_POINT,
    ReferralSchema,
    body=ReferralRevisionSchema,
)
def revise_referral(referral_id: str) -> Response:
    """draft | requested | returned: the edit starts a new revision, so approvals given so
    far no longer count; a returned or draft referral is requested again unless ``submit``
    is false. The template's rules apply as at the request."""
    user = current_actor()
    require(user, Permission.REFERRAL_REQUEST)
    referral_uuid = params.action_id(referral_id)
    data = json_body(ReferralRevisionSchema())
    submit = data.pop("submit")
    referral = referrals.revise_referral(
        current_session(),
        current_vault(),
        current_strategies(),
        user,
        referral_uuid,
        referrals.ReferralInput(**data),
        submit=submit,
    )
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)))


@_step(
    "/referrals/<referral_id>/withdrawal",
    "Withdraw a referral before its decision",
    "referrals",
    FOCAL_POINT,
    ReferralSchema,
)
def withdraw_referral(referral_id: str) -> Response:
    """draft | requested | returned -> withdrawn. No body."""
    user = current_actor()
    require(user, Permission.REFERRAL_REQUEST)
    referral_uuid = params.action_id(referral_id)
    no_body()
    referral = referrals.withdraw_referral(current_session(), user, referral_uuid)
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)))


@_step(
    "/referrals/<referral_id>/delivery",
    "Record that approved assistance was delivered",
    "referrals",
    FOCAL_POINT,
    ReferralSchema,
)
def deliver_referral(referral_id: str) -> Response:
    """approved -> delivered. No body."""
    user = current_actor()
    require(user, Permission.REFERRAL_REQUEST)
    referral_uuid = params.action_id(referral_id)
    no_body()
    referral = referrals.mark_delivered(current_session(), user, referral_uuid)
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)))


@_step(
    "/referrals/<referral_id>/closure",
    "Close a delivered or rejected referral",
    "referrals",
    FOCAL_POINT,
    ReferralSchema,
)
def close_referral(referral_id: str) -> Response:
    """delivered | rejected -> closed. No body."""
    user = current_actor()
    require(user, Permission.REFERRAL_REQUEST)
    referral_uuid = params.action_id(referral_id)
    no_body()
    referral = referrals.close_referral(current_session(), user, referral_uuid)
    return envelope(REFERRAL_OUT.dump(presenters.referral(referral)))


# Hearings --------------------------------------------------------------------------------------
@_step(
    "/cases/<reference>/hearings",
    "Schedule a hearing to observe",
    "hearings",
    FOCAL_POINT,
    HearingSchema,
    body=HearingScheduleSchema,
    status=201,
)
def schedule_hearing(reference: str) -> Response:
    """The court and the charges are encrypted (with the date and country they could point
    to the defender in a public docket)."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.HEARING_MANAGE)
    data = json_body(HearingScheduleSchema())
    hearing = hearings.schedule_hearing(
        current_session(), current_vault(), current_strategies(), user, reference, **data
    )
    return envelope(HEARING_OUT.dump(presenters.hearing(hearing)), status=201)


@_step(
    "/hearings/<hearing_id>/observation",
    "Record whether a hearing was observed, by whom, and its outcome",
    "hearings",
    FOCAL_POINT,
    HearingSchema,
    body=ObservationSchema,
)
def observe_hearing(hearing_id: str) -> Response:
    """scheduled -> observed | not_observed. Observers must share trial observation under
    the case's template."""
    user = current_actor()
    require(user, Permission.HEARING_MANAGE)
    hearing_uuid = params.action_id(hearing_id)
    data = json_body(ObservationSchema())
    hearing = hearings.record_observation(
        current_session(), current_strategies(), user, hearing_uuid, **data
    )
    return envelope(HEARING_OUT.dump(presenters.hearing(hearing)))


@_step(
    "/hearings/<hearing_id>/report",
    "File the observation report (encrypted)",
    "hearings",
    FOCAL_POINT,
    HearingSchema,
    body=ReportSchema,
)
def file_hearing_report(hearing_id: str) -> Response:
    """observed -> report_filed."""
    user = current_actor()
    require(user, Permission.HEARING_MANAGE)
    hearing_uuid = params.action_id(hearing_id)
    data = json_body(ReportSchema())
    hearing = hearings.file_report(
        current_session(), current_vault(), current_strategies(), user, hearing_uuid, data["report"]
    )
    return envelope(HEARING_OUT.dump(presenters.hearing(hearing)))


@_step(
    "/hearings/<hearing_id>/outcome",
    "Record a hearing's outcome once it has taken place",
    "hearings",
    FOCAL_POINT,
    HearingSchema,
    body=OutcomeSchema,
)
def record_hearing_outcome(hearing_id: str) -> Response:
    """Postponed, acquitted, convicted, dismissed or other; refused before the hearing."""
    user = current_actor()
    require(user, Permission.HEARING_MANAGE)
    hearing_uuid = params.action_id(hearing_id)
    data = json_body(OutcomeSchema())
    hearing = hearings.record_hearing_outcome(
        current_session(), user, hearing_uuid, data["outcome"]
    )
    return envelope(HEARING_OUT.dump(presenters.hearing(hearing)))


@_step(
    "/hearings/<hearing_id>/reschedule",
    "Move a scheduled hearing to a new date, with the reason (encrypted)",
    "hearings",
    FOCAL_POINT,
    HearingSchema,
    body=RescheduleSchema,
)
def reschedule_hearing(hearing_id: str) -> Response:
    """The old date stays on the timeline; a date over 30 days past needs confirm_past."""
    user = current_actor()
    require(user, Permission.HEARING_MANAGE)
    hearing_uuid = params.action_id(hearing_id)
    data = json_body(RescheduleSchema())
    hearing = hearings.reschedule_hearing(
        current_session(), current_vault(), user, hearing_uuid, **data
    )
    return envelope(HEARING_OUT.dump(presenters.hearing(hearing)))


@_step(
    "/hearings/<hearing_id>/cancellation",
    "Cancel a scheduled hearing, with the reason (encrypted)",
    "hearings",
    FOCAL_POINT,
    HearingSchema,
    body=CancelHearingSchema,
)
def cancel_hearing(hearing_id: str) -> Response:
    """scheduled -> cancelled: off the calendar and reminders, kept on the case."""
    user = current_actor()
    require(user, Permission.HEARING_MANAGE)
    hearing_uuid = params.action_id(hearing_id)
    data = json_body(CancelHearingSchema())
    hearing = hearings.cancel_hearing(
        current_session(), current_vault(), user, hearing_uuid, reason=data["reason"]
    )
    return envelope(HEARING_OUT.dump(presenters.hearing(hearing)))


# Consent ---------------------------------------------------------------------------------------
@_step(
    "/cases/<reference>/consents",
    "Record the defender's scoped consent",
    "consent",
    FOCAL_POINT,
    ConsentSchema,
    body=ConsentRecordSchema,
    status=201,
)
def record_consent(reference: str) -> Response:
    """What the defender agreed to (scopes) and when; notes are encrypted."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CONSENT_RECORD)
    data = json_body(ConsentRecordSchema())
    recorded = consent.record_consent(current_session(), current_vault(), user, reference, **data)
    return envelope(CONSENT_OUT.dump(presenters.consent(recorded)), status=201)


@_step(
    "/consents/<consent_id>/revocation",
    "Revoke a consent (immediate)",
    "consent",
    FOCAL_POINT,
    ConsentSchema,
)
def revoke_consent(consent_id: str) -> Response:
    """A statement not yet published can no longer be published under it. No body."""
    user = current_actor()
    require(user, Permission.CONSENT_RECORD)
    consent_uuid = params.action_id(consent_id)
    no_body()
    revoked = consent.revoke_consent(current_session(), user, consent_uuid)
    return envelope(CONSENT_OUT.dump(presenters.consent(revoked)))


# Statements ------------------------------------------------------------------------------------
@_step(
    "/cases/<reference>/statements",
    "Draft a public statement or demarche (text encrypted until published)",
    "statements",
    FOCAL_POINT,
    StatementSchema,
    body=StatementDraftSchema,
    status=201,
)
def draft_statement(reference: str) -> Response:
    """The level must be allowed by the case's template."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.STATEMENT_DRAFT)
    data = json_body(StatementDraftSchema())
    drafted = statements.draft_statement(
        current_session(), current_vault(), current_strategies(), user, reference, **data
    )
    return envelope(STATEMENT_OUT.dump(presenters.statement(drafted)), status=201)


@_step(
    "/statements/<statement_id>/submission",
    "Submit a statement for approval",
    "statements",
    FOCAL_POINT,
    StatementSchema,
)
def submit_statement(statement_id: str) -> Response:
    """draft -> submitted; refused without the defender's recorded, unrevoked consent
    covering the level (409 statement.consent: do no harm). No body."""
    user = current_actor()
    require(user, Permission.STATEMENT_DRAFT)
    statement_uuid = params.action_id(statement_id)
    no_body()
    submitted = statements.submit_statement(current_session(), user, statement_uuid)
    return envelope(STATEMENT_OUT.dump(presenters.statement(submitted)))


@_step(
    "/statements/<statement_id>/decisions",
    "Approve or reject a statement (four-eyes)",
    "statements",
    OFFICER,
    StatementSchema,
    body=DecisionSchema,
)
def decide_statement(statement_id: str) -> Response:
    """As for referrals: never on one's own statement; the template names the approvals."""
    user = current_actor()
    require(user, Permission.STATEMENT_DECIDE)
    statement_uuid = params.action_id(statement_id)
    data = json_body(DecisionSchema())
    decided = statements.decide_statement(
        current_session(),
        user,
        statement_uuid,
        approve=data["approve"],
        reason=data["reason"],
        vault=current_vault(),
    )
    return envelope(STATEMENT_OUT.dump(presenters.statement(decided)))


@_step(
    "/statements/<statement_id>/return",
    "Return a submitted statement to its requester for revision, with the reason",
    "statements",
    OFFICER,
    StatementSchema,
    body=ReturnSchema,
)
def return_statement(statement_id: str) -> Response:
    """submitted -> returned. The reason is encrypted and shown to the requester and the
    other approvers; the officer who returns it can no longer approve it."""
    user = current_actor()
    require(user, Permission.STATEMENT_DECIDE)
    statement_uuid = params.action_id(statement_id)
    data = json_body(ReturnSchema())
    returned = statements.return_statement(
        current_session(), current_vault(), user, statement_uuid, reason=data["reason"]
    )
    return envelope(STATEMENT_OUT.dump(presenters.statement(returned)))


@_step(
    "/statements/<statement_id>/revision",
    "Edit a statement before its decision, and submit it again",
    "statements",
    FOCAL_POINT,
    StatementSchema,
    body=StatementRevisionSchema,
)
def revise_statement(statement_id: str) -> Response:
    """draft | submitted | returned: the edit starts a new revision, so approvals given so
    far no longer count; a returned or draft statement is submitted again (consent is
    checked) unless ``submit`` is false."""
    user = current_actor()
    require(user, Permission.STATEMENT_DRAFT)
    statement_uuid = params.action_id(statement_id)
    data = json_body(StatementRevisionSchema())
    revised = statements.revise_statement(
        current_session(), current_vault(), current_strategies(), user, statement_uuid, **data
    )
    return envelope(STATEMENT_OUT.dump(presenters.statement(revised)))


@_step(
    "/statements/<statement_id>/publication",
    "Publish an approved statement",
    "statements",
    FOCAL_POINT,
    StatementSchema,
    body=PublicationSchema,
)
def publish_statement(statement_id: str) -> Response:
    """approved -> published; consent is checked again. The published text is public."""
    user = current_actor()
    require(user, Permission.STATEMENT_DRAFT)
    statement_uuid = params.action_id(statement_id)
    data = json_body(PublicationSchema())
    published = statements.publish_statement(
        current_session(), current_vault(), current_strategies(), user, statement_uuid, **data
    )
    return envelope(STATEMENT_OUT.dump(presenters.statement(published)))


@_step(
    "/statements/<statement_id>/withdrawal",
    "Withdraw a statement that is not published",
    "statements",
    FOCAL_POINT,
    StatementSchema,
)
def withdraw_statement(statement_id: str) -> Response:
    """draft | submitted | approved -> withdrawn. No body."""
    user = current_actor()
    require(user, Permission.STATEMENT_DRAFT)
    statement_uuid = params.action_id(statement_id)
    no_body()
    withdrawn = statements.withdraw_statement(current_session(), user, statement_uuid)
    return envelope(STATEMENT_OUT.dump(presenters.statement(withdrawn)))
