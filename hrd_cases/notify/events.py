"""Which step raises which notification, for whom. Extend by adding a rule to TIMELINE_RULES
(events a step writes to the timeline) or a call to :func:`account_changed`.

A case's focal point is its *assigned* one (:func:`case_focal_points`); "case reassigned"
goes to both the previous and the new assignee (:func:`case_reassigned`); "returned for
revision" goes to the requester and the assigned focal point.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow, write_transaction
from hrd_cases.models import (
    Case,
    Hearing,
    NotificationEvent,
    Referral,
    Role,
    Statement,
    User,
    UserCountry,
)
from hrd_cases.notify.outbox import Alert, Kind, notify

if TYPE_CHECKING:  # workflow imports this module: no cycle at run time
    from hrd_cases.workflow.templates import StrategyCatalogue

Subject = Referral | Statement | Hearing
Recipients = Callable[[Session, Case, Any], list[User]]


def _users(session: Session, ids: set[int | None]) -> list[User]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return []
    return list(session.scalars(select(User).where(User.id.in_(wanted), User.is_active)))


def case_focal_points(session: Session, case: Case) -> list[User]:
    """The focal point answerable for a case: its assignee (workflow.case_steps)."""
    return [u for u in _users(session, {case.assigned_to_id}) if u.role is Role.FOCAL_POINT]


def _requester_ids(subject: Subject) -> set[int | None]:
    if isinstance(subject, Referral):
        return {subject.requested_by_id, subject.created_by_id}
    if isinstance(subject, Statement):
        return {subject.submitted_by_id, subject.created_by_id}
    return {subject.created_by_id}


def deciders(session: Session, case: Case, subject: Subject) -> list[User]:
    """Officers covering the case's country, except the requester (four-eyes) and those who
    already decided."""
    # Decisions on earlier revisions were cleared by an edit: those officers decide again.
    excluded = _requester_ids(subject) | {
        d.officer_id for d in getattr(subject, "current_decisions", [])
    }
    officers = session.scalars(
        select(User)
        .join(UserCountry, UserCountry.user_id == User.id)
        .where(
            UserCountry.country == case.country,
            User.role == Role.PROTECTION_OFFICER,
            User.is_active,
        )
    )
    return [o for o in officers if o.id not in excluded]


def requester_and_focal_points(session: Session, case: Case, subject: Subject) -> list[User]:
    ids = _requester_ids(subject) | {u.id for u in case_focal_points(session, case)}
    return _users(session, ids)


@dataclass(frozen=True, slots=True)
class EventRule:
    event: str
    kind: Kind
    recipients: Recipients
    waiting: bool = False  # says since when it waits, and until when (the decision deadline)


TIMELINE_RULES: dict[str, EventRule] = {
    "referral.requested": EventRule("awaiting_decision", Kind.AWAITING_DECISION, deciders, True),
    "statement.submitted": EventRule("awaiting_decision", Kind.AWAITING_DECISION, deciders, True),
    "referral.approved": EventRule("approved", Kind.DECIDED, requester_and_focal_points),
    "referral.rejected": EventRule("rejected", Kind.DECIDED, requester_and_focal_points),
    "statement.approved": EventRule("approved", Kind.DECIDED, requester_and_focal_points),
    "statement.rejected": EventRule("rejected", Kind.DECIDED, requester_and_focal_points),
    # Issue 16: back with the requester; the reason is on the case page, never in the message.
    "referral.returned": EventRule("returned", Kind.DECIDED, requester_and_focal_points),
    "statement.returned": EventRule("returned", Kind.DECIDED, requester_and_focal_points),
}

_SUBJECT_MODELS: dict[str, type[Referral] | type[Statement] | type[Hearing]] = {
    "referral": Referral,
    "statement": Statement,
    "hearing": Hearing,
}


def on_timeline_event(
    session: Session,
    case: Case,
    timeline_kind: str,
    subject_type: str | None,
    subject_id: object,
    at: datetime,
) -> None:
    """Called by every step's timeline write (workflow.service.add_event), in its
    transaction: one row if the event notifies anyone; the worker fans it out."""
    if timeline_kind not in TIMELINE_RULES or subject_type not in _SUBJECT_MODELS:
        return
    session.add(
        NotificationEvent(
            source=timeline_kind,
            case_id=case.id,
            subject_type=subject_type,
            subject_id=None if subject_id is None else str(subject_id),
            at=at,
        )
    )


# Reassignment ------------------------------------------------------------------------------
CASE_REASSIGNED = "case.reassigned"


def case_reassigned(
    session: Session, case: Case, previous_id: int | None, assignee_id: int
) -> None:
    """One event for both focal points, in the step's transaction. Both ids are kept on the
    event: by the time the worker expands it the case may have moved on again."""
    session.add(
        NotificationEvent(
            source=CASE_REASSIGNED,
            case_id=case.id,
            user_id=previous_id,
            subject_type="user",
            subject_id=str(assignee_id),
            at=utcnow(),
        )
    )


def _expand_reassignment(session: Session, event: NotificationEvent) -> None:
    case = session.get(Case, event.case_id) if event.case_id is not None else None
    if case is None or event.subject_id is None:
        return
    focal_points = [
        u
        for u in _users(session, {event.user_id, int(event.subject_id)})
        if u.role is Role.FOCAL_POINT
    ]
    notify(
        session, focal_points, Alert(event="case_reassigned", kind=Kind.CASE_REASSIGNED, case=case)
    )


# Account changes ---------------------------------------------------------------------------
ACCOUNT_EVENTS = frozenset(
    {"sign_in_new_origin", "password_changed", "second_factor_reset", "api_token_created"}
)


def account_changed(session: Session, user: User, event: str) -> None:
    """A security message to the account's owner, always immediate, in the caller's
    transaction."""
    if event not in ACCOUNT_EVENTS:
        raise ValueError(f"unknown account event {event!r}")
    session.add(NotificationEvent(source=event, user_id=user.id, at=utcnow()))


# Fan-out (the worker) ----------------------------------------------------------------------
def expand_pending(session: Session, catalogue: StrategyCatalogue, *, limit: int = 200) -> int:
    """Turn recorded events into notifications and outbox rows, in one transaction with
    marking them expanded: an event is expanded once, by one worker (SKIP LOCKED on
    PostgreSQL, the write lock on SQLite)."""
    with write_transaction(session):
        events = session.scalars(
            select(NotificationEvent)
            .where(NotificationEvent.expanded_at.is_(None))
            .order_by(NotificationEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for event in events:
            _expand(session, catalogue, event)
            event.expanded_at = utcnow()
    return len(events)


def _expand(session: Session, catalogue: StrategyCatalogue, event: NotificationEvent) -> None:
    if event.source in ACCOUNT_EVENTS:
        user = session.get(User, event.user_id) if event.user_id is not None else None
        if user is not None:
            notify(session, [user], Alert(event=event.source, kind=Kind.SECURITY))
        return
    if event.source == CASE_REASSIGNED:
        _expand_reassignment(session, event)
        return
    rule = TIMELINE_RULES.get(event.source)
    case = session.get(Case, event.case_id) if event.case_id is not None else None
    model = _SUBJECT_MODELS.get(event.subject_type or "")
    if rule is None or case is None or model is None or event.subject_id is None:
        return
    subject = session.get(model, uuid.UUID(event.subject_id))
    if subject is None:
        return
    notify(
        session,
        rule.recipients(session, case, subject),
        Alert(
            event=rule.event,
            kind=rule.kind,
            case=case,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            waiting_since=event.at if rule.waiting else None,
            due_at=_decision_due(catalogue, case, event.subject_type, event.at)
            if rule.waiting
            else None,
        ),
    )


def _decision_due(
    catalogue: StrategyCatalogue, case: Case, subject_type: str | None, since: datetime
) -> datetime:
    """When the decision is due by the case's own template."""
    rules = catalogue.template(case.template_code, case.template_version).deadlines
    hours = (
        rules.referral_decision_hours
        if subject_type == "referral"
        else rules.statement_decision_hours
    )
    return since + timedelta(hours=hours)
