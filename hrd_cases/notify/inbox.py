"""The in-app side, for the HTML pages and the JSON API alike: a user's notifications, the
unread count in the header, marking read, and e-mail preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import NotFound, ValidationFailed
from hrd_cases.models import Delivery, Notification, NotificationPreference, User
from hrd_cases.notify.outbox import CHOOSABLE_KINDS, Kind
from hrd_cases.notify.render import Item, item_of, user_zone

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class InboxEntry:
    id: int
    item: Item
    created_at: datetime
    read: bool
    kind: str
    event: str


def unread_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def inbox(
    session: Session,
    user: User,
    base_url: str,
    *,
    limit: int = PAGE_SIZE,
    only_id: int | None = None,
) -> list[InboxEntry]:
    """Newest first; links are paths of this site (base_url "" gives relative ones)."""
    statement = select(Notification).where(Notification.user_id == user.id)
    if only_id is not None:
        statement = statement.where(Notification.id == only_id)
    rows = session.scalars(statement.order_by(Notification.id.desc()).limit(limit)).all()
    zone, now = user_zone(user), utcnow()
    return [
        InboxEntry(
            id=n.id,
            item=item_of(n, base_url, zone, now),
            created_at=n.created_at,
            read=n.read_at is not None,
            kind=n.kind,
            event=n.event,
        )
        for n in rows
    ]


def mark_read(session: Session, user: User, notification_id: int) -> None:
    """Someone else's notification is absent (404), like an out-of-scope case."""
    with write_transaction(session):
        changed = session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.user_id == user.id)
            .values(read_at=func.coalesce(Notification.read_at, utcnow()))
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            raise NotFound("no such notification")


def mark_all_read(session: Session, user: User) -> int:
    with write_transaction(session):
        changed = session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
    return changed.rowcount  # type: ignore[attr-defined]


def preferences(session: Session, user: User) -> dict[str, Delivery]:
    chosen = dict(
        session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {k.value: chosen.get(k.value, Delivery.IMMEDIATE) for k in CHOOSABLE_KINDS}


def set_preferences(session: Session, user: User, choices: dict[str, str]) -> dict[str, Delivery]:
    """Security messages are not a choice: they always go at once."""
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Delivery] = {}
    for kind, value in choices.items():
        if kind not in {k.value for k in CHOOSABLE_KINDS}:
            errors[kind] = [
                "account and security messages are always sent"
                if kind == Kind.SECURITY.value
                else "unknown kind"
            ]
            continue
        try:
            parsed[kind] = Delivery(value)
        except ValueError:
            errors[kind] = ["one of immediate, digest, off"]
    if errors:
        raise ValidationFailed(errors)
    with write_transaction(session):
        for kind, delivery in parsed.items():
            row = session.get(NotificationPreference, (user.id, kind))
            if row is None:
                session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
            else:
                row.delivery = delivery
    return preferences(session, user)
