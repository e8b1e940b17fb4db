"""Which step raises which notification, for whom. Extend by adding a rule to TIMELINE_RULES
(events a step writes to the timeline) or a call to :func:`account_changed`.

Waiting for issue 16 (not built yet): "returned for revision" and "case reassigned" (to both
focal points), and the *assigned* focal point; until then a case's focal point is the one who
opened it (:func:`case_focal_points`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import (
    Case,
    Hearing,
    Referral,
    Role,
    Statement,
    User,
    UserCountry,
)
from hrd_cases.notify.outbox import Alert, Kind, notify

Subject = Referral | Statement | Hearing
Recipients = Callable[[Session, Case, Any], list[User]]


def _users(session: Session, ids: set[int | None]) -> list[User]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return []
    return list(session.scalars(select(User).where(User.id.in_(wanted), User.is_active)))


def case_focal_points(session: Session, case: Case) -> list[User]:
    """The focal points answerable for a case: whoever opened it (the assigned focal point
    replaces this once issue 16 adds assignment)."""
    return [u for u in _users(session, {case.created_by_id}) if u.role is Role.FOCAL_POINT]


def _requester_ids(subject: Subject) -> set[int | None]:
    if isinstance(subject, Referral):
        return {subject.requested_by_id, subject.created_by_id}
    if isinstance(subject, Statement):
        return {subject.submitted_by_id, subject.created_by_id}
    return {subject.created_by_id}


def deciders(session: Session, case: Case, subject: Subject) -> list[User]:
    """Officers covering the case's country, except the requester (four-eyes) and those who
    already decided."""
    excluded = _requester_ids(subject) | {d.officer_id for d in getattr(subject, "decisions", [])}
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
    transaction."""
    rule = TIMELINE_RULES.get(timeline_kind)
    if rule is None or subject_type not in _SUBJECT_MODELS:
        return
    key = subject_id if isinstance(subject_id, uuid.UUID) else uuid.UUID(str(subject_id))
    model = _SUBJECT_MODELS[subject_type]
    subject = session.identity_map.get(session.identity_key(model, key))  # no SQL
    if subject is None:
        session.flush()  # the subject may be new in this transaction
        subject = session.get(model, key)
    if subject is None:
        return
    due_at = _decision_due(case, subject_type, at) if rule.waiting else None
    notify(
        session,
        rule.recipients(session, case, subject),
        Alert(
            event=rule.event,
            kind=rule.kind,
            case=case,
            subject_type=subject_type,
            subject_id=subject.id,
            waiting_since=at if rule.waiting else None,
            due_at=due_at,
        ),
    )


def _decision_due(case: Case, subject_type: str, since: datetime) -> datetime | None:
    """When the decision is due by the case's own template; None outside an app (scripts
    that drive services without one still notify, without the deadline)."""
    if not has_app_context():
        return None
    catalogue = current_app.extensions["hrd_strategies"]
    rules = catalogue.template(case.template_code, case.template_version).deadlines
    hours = (
        rules.referral_decision_hours
        if subject_type == "referral"
        else rules.statement_decision_hours
    )
    return since + timedelta(hours=hours)


# Account changes ---------------------------------------------------------------------------
ACCOUNT_EVENTS = frozenset(
    {"sign_in_new_origin", "password_changed", "second_factor_reset", "api_token_created"}
)


def account_changed(session: Session, user: User, event: str) -> None:
    """A security message to the account's owner, always immediate, in the caller's
    transaction."""
    if event not in ACCOUNT_EVENTS:
        raise ValueError(f"unknown account event {event!r}")
    notify(session, [user], Alert(event=event, kind=Kind.SECURITY))
