"""Steps on the case itself: intake changes, assessment, closure, reopening; the derived stage."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import Stage, derive_stage
from hrd_cases.domain.vocabulary import (
    ActionType,
    ClosureOutcome,
    RiskLevel,
)
from hrd_cases.models import Case, Role, User
from hrd_cases.notify.events import case_reassigned
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import (
    check_required,
    ensure_open,
    record_step,
    template_of,
)
from hrd_cases.workflow.templates import StrategyCatalogue


def case_stage(case: Case) -> Stage:
    return derive_stage(
        closed=case.closed_at is not None,
        referral_states=[r.state for r in case.referrals],
        hearing_states=[h.state for h in case.hearings],
        statement_states=[s.state for s in case.statements],
        assessed=case.assessed_at is not None,
    )


def assess_case(session: Session, actor: User, reference: str, risk_level: RiskLevel) -> Case:
    """Record a (re-)assessment of the risk; the risk level feeds deadlines and aggregates."""
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_UPDATE, lock=True)
        ensure_open(case)
        previous = case.risk_level
        case.risk_level, case.assessed_at = risk_level, utcnow()
        record_step(
            session,
            case,
            actor,
            "case.assessed",
            "case.assess",
            event_details={"from": previous.value, "to": risk_level.value},
            audit_details={"risk_level": risk_level.value},
        )
    return case


def check_closable(
    catalogue: StrategyCatalogue, case: Case, outcome: ClosureOutcome | None, reason: str | None
) -> None:
    """The closure's guards, also asked before the page's confirmation step so that a
    refusal is shown beside its field first (the step asks them again, under its lock)."""
    ensure_open(case)
    template = template_of(catalogue, case)
    if not template.enabled(ActionType.CLOSURE):
        raise InvalidTransition(
            f"the {template.name} template does not enable closure", rule="closure.disabled"
        )
    check_required(template, ActionType.CLOSURE, {"outcome": outcome, "reason": reason})


def close_case(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    reference: str,
    outcome: ClosureOutcome | None,
    reason: str | None = None,
) -> Case:
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_CLOSE, lock=True)
        check_closable(catalogue, case, outcome, reason)
        case.closed_at, case.closure_outcome = utcnow(), outcome
        vault.seal(case, {"closure_reason": reason})
        record_step(
            session,
            case,
            actor,
            "case.closed",
            "case.close",
            event_details={"outcome": outcome.value if outcome else None},
            audit_details={"outcome": outcome.value if outcome else None},
        )
    return case


def reopen_case(session: Session, actor: User, reference: str) -> Case:
    """The one step a closed case accepts."""
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_CLOSE, lock=True)
        if case.closed_at is None:
            raise InvalidTransition(f"case {case.reference} is not closed", rule="case.transition")
        case.closed_at, case.reopened_at = None, utcnow()
        # The previous closure stays in the timeline and the audit log, not on the open case.
        case.closure_outcome, case.closure_reason_ciphertext = None, None
        record_step(session, case, actor, "case.reopened", "case.reopen")
    return case


ASSIGNEE_OUTSIDE_DELEGATION = (
    "A case can only be assigned to an active focal point of its own delegation."
)


def assignable_focal_points(session: Session, case: Case) -> list[User]:
    """Who a case may be assigned to: the active focal points of its delegation."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.delegation_id == case.delegation_id,
                User.role == Role.FOCAL_POINT,
                User.is_active,
            )
            .order_by(User.display_name, User.id)
        )
    )


def reassign_case(session: Session, actor: User, reference: str, assignee_id: int) -> Case:
    """Make another focal point of the case's delegation answerable for it. Any focal point
    of that delegation may (Permission.CASE_ASSIGN); both the previous and the new assignee
    are told, by reference only (notify.events.case_reassigned)."""
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_ASSIGN, lock=True)
        ensure_open(case)
        assignee = session.get(User, assignee_id)
        if (
            assignee is None
            or not assignee.is_active
            or assignee.role is not Role.FOCAL_POINT
            or assignee.delegation_id != case.delegation_id
        ):
            # One answer for "no such user" and "another delegation's": no probing of accounts.
            raise InvalidTransition(ASSIGNEE_OUTSIDE_DELEGATION, rule="assignment.delegation")
        previous_id = case.assigned_to_id
        if previous_id == assignee.id:
            return case  # already theirs: nothing happened, nothing to record
        case.assigned_to_id = assignee.id
        record_step(
            session,
            case,
            actor,
            "case.reassigned",
            "case.reassign",
            event_details={"from": previous_id, "to": assignee.id},
            audit_details={"from": previous_id, "to": assignee.id},
        )
        case_reassigned(session, case, previous_id, assignee.id)
    return case
