"""Writing notifications and their outbox rows, in the caller's transaction.

The caller commits: the step, its timeline event, its audit entry and these rows commit together
or not at all, so a step that rolls back sends nothing and a committed step is never forgotten.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models import (
    Case,
    Delivery,
    EmailState,
    Notification,
    NotificationPreference,
    OutboxMessage,
    OutboxState,
    User,
)

MESSAGE_ID_DOMAIN = "hrd-cases.invalid"


class Kind(enum.StrEnum):
    """Preference kinds: a user chooses immediate, digest or off for each."""

    AWAITING_DECISION = "awaiting_decision"
    DECIDED = "decided"
    DEADLINE = "deadline"
    HEARING_TOMORROW = "hearing_tomorrow"
    CASE_REASSIGNED = "case_reassigned"  # raised once issue 16 adds reassignment
    SECURITY = "security"  # account changes: always immediate, preferences do not apply


CHOOSABLE_KINDS: tuple[Kind, ...] = tuple(k for k in Kind if k is not Kind.SECURITY)


@dataclass(frozen=True, slots=True)
class Alert:
    """What a notification says: an event about a case reference, and nothing else."""

    event: str
    kind: Kind
    case: Case | None = None
    subject_type: str | None = None
    subject_id: object = None
    waiting_since: datetime | None = None
    due_at: datetime | None = None
    deadline_kind: str | None = None
    dedupe_key: str | None = None


def new_message_id() -> str:
    """The idempotency key of one e-mail, sent as its Message-ID."""
    return f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>"


def preferences_of(session: Session, user_ids: Iterable[int], kind: Kind) -> dict[int, Delivery]:
    ids = list(user_ids)
    if kind is Kind.SECURITY or not ids:
        return {}
    rows = session.execute(
        select(NotificationPreference.user_id, NotificationPreference.delivery).where(
            NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind.value
        )
    )
    return {user_id: delivery for user_id, delivery in rows}


def notify(session: Session, users: Iterable[User], alert: Alert) -> list[Notification]:
    """An in-app notification for each user and, by their preference, an e-mail now (an
    outbox row), in their next digest, or none. Security alerts always go at once."""
    recipients = {u.id: u for u in users if u.is_active}
    deliveries = preferences_of(session, recipients, alert.kind)
    created = []
    for user_id in sorted(recipients):
        if alert.dedupe_key is not None and _already_raised(session, user_id, alert.dedupe_key):
            continue
        delivery = deliveries.get(user_id, Delivery.IMMEDIATE)
        notification = Notification(
            user_id=user_id,
            event=alert.event,
            kind=alert.kind.value,
            case_id=alert.case.id if alert.case else None,
            case_reference=alert.case.reference if alert.case else None,
            subject_type=alert.subject_type,
            subject_id=None if alert.subject_id is None else str(alert.subject_id),
            waiting_since=alert.waiting_since,
            due_at=alert.due_at,
            deadline_kind=alert.deadline_kind,
            dedupe_key=alert.dedupe_key,
            created_at=utcnow(),
            email_state={
                Delivery.IMMEDIATE: EmailState.QUEUED,
                Delivery.DIGEST: EmailState.DIGEST_PENDING,
                Delivery.OFF: EmailState.NONE,
            }[delivery],
        )
        if delivery is Delivery.IMMEDIATE:
            notification.outbox = OutboxMessage(
                idempotency_key=new_message_id(),
                user_id=user_id,
                is_digest=False,
                state=OutboxState.QUEUED,
                attempts=0,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        if alert.dedupe_key is not None:
            # Two workers' schedulers may raise the same event at once: the unique key lets
            # one win; the loser's savepoint rolls back alone.
            try:
                with session.begin_nested():
                    session.add(notification)
                    session.flush()
            except IntegrityError:
                continue
        else:
            session.add(notification)
        created.append(notification)
    return created


def _already_raised(session: Session, user_id: int, dedupe_key: str) -> bool:
    return (
        session.scalar(
            select(Notification.id).where(
                Notification.user_id == user_id, Notification.dedupe_key == dedupe_key
            )
        )
        is not None
    )
