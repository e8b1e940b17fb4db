"""Time-based events, raised by every worker about once a minute: deadlines 25% from due and
overdue, tomorrow's hearings, and daily digests at 07:00 in each user's delegation time zone.

Every raise carries a dedupe key (unique per user), so a second worker, or the next tick,
raising the same event changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from hrd_cases.db import Database, utcnow, write_transaction
from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.models import (
    Case,
    EmailState,
    Hearing,
    Notification,
    OutboxMessage,
    OutboxState,
    Referral,
    Statement,
    User,
)
from hrd_cases.notify.events import case_focal_points, deciders
from hrd_cases.notify.outbox import MESSAGE_ID_DOMAIN, Alert, Kind, notify
from hrd_cases.workflow.deadlines import Deadline, DeadlineKind, case_deadlines
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyCatalogue

WARNING_SHARE = 0.25  # warn when a quarter of the time allowed is left
LOOKBACK = timedelta(days=14)  # cases quiet for longer than this have no live deadline event


def tick(
    database: Database, catalogue: StrategyCatalogue, now: datetime, digest_hour: int = 7
) -> None:
    """One scheduler pass; each part commits on its own."""
    with database.session() as session:
        raise_deadline_events(session, catalogue, now)
    with database.session() as session:
        raise_hearing_reminders(session, now)
    with database.session() as session:
        queue_digests(session, now, digest_hour)


def _window(catalogue: StrategyCatalogue, case: Case, deadline: Deadline) -> timedelta:
    rules = template_of(catalogue, case).deadlines
    if deadline.kind is DeadlineKind.REFERRAL_DUE:
        return timedelta(hours=rules.referral_hours_by_risk.get(case.risk_level) or 0)
    if deadline.kind is DeadlineKind.REFERRAL_DECISION:
        return timedelta(hours=rules.referral_decision_hours)
    if deadline.kind is DeadlineKind.STATEMENT_DECISION:
        return timedelta(hours=rules.statement_decision_hours)
    return timedelta(days=rules.observation_report_days)


def _owers(session: Session, case: Case, deadline: Deadline) -> list[User]:
    """The people who owe the action."""
    if deadline.kind in (DeadlineKind.REFERRAL_DECISION, DeadlineKind.STATEMENT_DECISION):
        model = Referral if deadline.kind is DeadlineKind.REFERRAL_DECISION else Statement
        subject = next(
            (
                s
                for s in (case.referrals if model is Referral else case.statements)
                if str(s.id) == deadline.subject_id
            ),
            None,
        )
        return deciders(session, case, subject) if subject is not None else []
    if deadline.kind is DeadlineKind.OBSERVATION_REPORT:
        hearing = next((h for h in case.hearings if str(h.id) == deadline.subject_id), None)
        creator = session.get(User, hearing.created_by_id) if hearing else None
        return [creator] if creator else []
    return case_focal_points(session, case)


def raise_deadline_events(session: Session, catalogue: StrategyCatalogue, now: datetime) -> int:
    since = now - LOOKBACK
    live = or_(
        Case.opened_at >= since,
        Case.assessed_at >= since,
        Case.reopened_at >= since,
        exists().where(Referral.case_id == Case.id, Referral.state == ReferralState.REQUESTED),
        exists().where(Statement.case_id == Case.id, Statement.state == StatementState.SUBMITTED),
        exists().where(Hearing.case_id == Case.id, Hearing.state == HearingState.OBSERVED),
    )
    raised = 0
    with write_transaction(session):
        cases = session.scalars(
            select(Case)
            .where(Case.closed_at.is_(None), live)
            .options(
                selectinload(Case.referrals).selectinload(Referral.decisions),
                selectinload(Case.statements).selectinload(Statement.decisions),
                selectinload(Case.hearings),
            )
        ).all()
        for case in cases:
            for deadline in case_deadlines(catalogue, case):
                window = _window(catalogue, case, deadline)
                warn_at = deadline.due_at - window * WARNING_SHARE
                if now >= deadline.due_at:
                    event = "deadline_overdue"
                elif now >= warn_at:
                    event = "deadline_warning"
                else:
                    continue
                subject = deadline.subject_id or case.reference
                key = f"{event}:{deadline.kind.value}:{subject}:{deadline.due_at.isoformat()}"
                raised += notify(
                    session,
                    _owers(session, case, deadline),
                    Alert(
                        event=event,
                        kind=Kind.DEADLINE,
                        case=case,
                        subject_type=deadline.kind.value.split()[0],
                        subject_id=deadline.subject_id,
                        waiting_since=deadline.due_at - window,
                        due_at=deadline.due_at,
                        deadline_kind=deadline.kind.value,
                        dedupe_key=key,
                    ),
                )
    return raised


def raise_hearing_reminders(session: Session, now: datetime) -> int:
    """A hearing whose date, in its delegation's time zone, is tomorrow there."""
    raised = 0
    with write_transaction(session):
        hearings = session.scalars(
            select(Hearing)
            .where(
                Hearing.state == HearingState.SCHEDULED,
                Hearing.scheduled_for > now,
                Hearing.scheduled_for < now + timedelta(hours=60),
            )
            .options(selectinload(Hearing.case).selectinload(Case.delegation))
        ).all()
        for hearing in hearings:
            case = hearing.case
            if case.closed_at is not None:
                continue
            zone = ZoneInfo(case.delegation.time_zone)
            local_day = hearing.scheduled_for.astimezone(zone).date()
            if local_day != now.astimezone(zone).date() + timedelta(days=1):
                continue
            recipients = {u.id: u for u in case_focal_points(session, case)}
            creator = session.get(User, hearing.created_by_id)
            if creator is not None:
                recipients.setdefault(creator.id, creator)
            raised += notify(
                session,
                recipients.values(),
                Alert(
                    event="hearing_tomorrow",
                    kind=Kind.HEARING_TOMORROW,
                    case=case,
                    subject_type="hearing",
                    subject_id=hearing.id,
                    due_at=hearing.scheduled_for,
                    dedupe_key=f"hearing_tomorrow:{hearing.id}:{local_day.isoformat()}",
                ),
            )
    return raised


def digest_key(user_id: int, day: date) -> str:
    return f"<digest.{user_id}.{day.isoformat()}@{MESSAGE_ID_DOMAIN}>"


def queue_digests(session: Session, now: datetime, digest_hour: int = 7) -> int:
    """One digest per user per local day, from 07:00 in their delegation's zone, carrying
    every item pending then; items that arrive later wait for the next day's."""
    queued = 0
    with write_transaction(session):
        pending = session.scalars(
            select(Notification)
            .where(Notification.email_state == EmailState.DIGEST_PENDING)
            .options(selectinload(Notification.user).selectinload(User.delegation))
            .order_by(Notification.id)
        ).all()
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for notification in pending:
            by_user[notification.user_id].append(notification)
        for user_id, items in by_user.items():
            user = items[0].user
            zone = ZoneInfo(user.delegation.time_zone if user.delegation else "UTC")
            local = now.astimezone(zone)
            if local.hour < digest_hour:
                continue
            key = digest_key(user_id, local.date())
            if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
                continue  # today's digest went; these wait for tomorrow's
            message = OutboxMessage(
                idempotency_key=key,
                user_id=user_id,
                is_digest=True,
                state=OutboxState.QUEUED,
                attempts=0,
                next_attempt_at=utcnow(),  # ``now`` may be a test's or a late tick's clock
                created_at=utcnow(),
            )
            try:
                with session.begin_nested():
                    session.add(message)
                    session.flush()
            except IntegrityError:
                continue  # another worker queued it first
            for notification in items:
                notification.email_state = EmailState.DIGESTED
                notification.outbox = message
            queued += 1
    return queued
