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

from sqlalchemy import insert, select
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
    CASE_REASSIGNED = "case_reassigned"  # to the previous and the new assignee
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


_EMAIL_STATE = {
    Delivery.IMMEDIATE: EmailState.QUEUED,
    Delivery.DIGEST: EmailState.DIGEST_PENDING,
    Delivery.OFF: EmailState.NONE,
}


def notify(session: Session, users: Iterable[User], alert: Alert) -> int:
    """An in-app notification for each user and, by their preference, an e-mail now (an
    outbox row), in their next digest, or none. Security alerts always go at once. Returns
    how many notifications were written."""
    recipients = sorted({u.id for u in users if u.is_active})
    if not recipients:
        return 0
    deliveries = preferences_of(session, recipients, alert.kind)
    if alert.dedupe_key is None:
        return _insert_in_bulk(session, recipients, deliveries, alert)
    written = 0
    for user_id in recipients:
        if _already_raised(session, user_id, alert.dedupe_key):
            continue
        delivery = deliveries.get(user_id, Delivery.IMMEDIATE)
        notification = Notification(**_notification_values(user_id, delivery, alert))
        if delivery is Delivery.IMMEDIATE:
            notification.outbox = OutboxMessage(**_outbox_values(user_id))
        # Two workers' schedulers may raise the same event at once: the unique key lets one
        # win; the loser's savepoint rolls back alone.
        try:
            with session.begin_nested():
                session.add(notification)
                session.flush()
        except IntegrityError:
            continue
        written += 1
    return written


def _insert_in_bulk(
    session: Session, recipients: list[int], deliveries: dict[int, Delivery], alert: Alert
) -> int:
    """Two statements whatever the number of recipients: a step pays little for notifying
    (scripts/bench_notify.py)."""
    immediate = [
        u for u in recipients if deliveries.get(u, Delivery.IMMEDIATE) is Delivery.IMMEDIATE
    ]
    outbox_ids: dict[int, int] = {}
    if immediate:
        rows = [_outbox_values(user_id) for user_id in immediate]
        returned = session.execute(
            insert(OutboxMessage).returning(OutboxMessage.id, OutboxMessage.user_id), rows
        )
        outbox_ids = {user_id: message_id for message_id, user_id in returned}
    session.execute(
        insert(Notification),
        [
            {
                **_notification_values(user_id, deliveries.get(user_id, Delivery.IMMEDIATE), alert),
                "outbox_id": outbox_ids.get(user_id),
            }
            for user_id in recipients
        ],
    )
    return len(recipients)


def _notification_values(user_id: int, delivery: Delivery, alert: Alert) -> dict[str, object]:
    return {
        "user_id": user_id,
        "event": alert.event,
        "kind": alert.kind.value,
        "case_id": alert.case.id if alert.case else None,
        "case_reference": alert.case.reference if alert.case else None,
        "subject_type": alert.subject_type,
        "subject_id": None if alert.subject_id is None else str(alert.subject_id),
        "waiting_since": alert.waiting_since,
        "due_at": alert.due_at,
        "deadline_kind": alert.deadline_kind,
        "dedupe_key": alert.dedupe_key,
        "created_at": utcnow(),
        "email_state": _EMAIL_STATE[delivery],
    }


def _outbox_values(user_id: int) -> dict[str, object]:
    now = utcnow()
    return {
        "idempotency_key": new_message_id(),
        "user_id": user_id,
        "is_digest": False,
        "state": OutboxState.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _already_raised(session: Session, user_id: int, dedupe_key: str) -> bool:
    return (
        session.scalar(
            select(Notification.id).where(
                Notification.user_id == user_id, Notification.dedupe_key == dedupe_key
            )
        )
        is not None
    )


def queue_link_email(session: Session, user_id: int, account_link_id: int) -> None:
    """An account link's e-mail, in the caller's transaction: no in-app notification (the
    link is for someone who cannot sign in yet), immediate whatever the preferences."""
    session.add(OutboxMessage(**_outbox_values(user_id), account_link_id=account_link_id))
