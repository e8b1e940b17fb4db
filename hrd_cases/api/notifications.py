"""The caller's notifications: the same reads and service as the HTML list."""

from __future__ import annotations

from flask import Response

from hrd_cases.api import bp
from hrd_cases.api.account import EVERY_ROLE
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.notifications import NotificationSchema
from hrd_cases.current import current_actor, current_session
from hrd_cases.http.errors import envelope
from hrd_cases.notify import inbox


def _present(entry: inbox.InboxEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "event": entry.event,
        "headline": entry.item.headline,
        "case_reference": entry.item.reference,
        "waiting_since": entry.item.since,
        "deadline": entry.item.deadline,
        "due": entry.item.due_note,
        "link": entry.item.link,
        "created_at": entry.created_at,
        "read": entry.read,
    }


@operation(
    bp,
    "/me/notifications",
    "GET",
    summary="My notifications",
    tag="account",
    roles=EVERY_ROLE,
    response=NotificationSchema,
    many=True,
)
def my_notifications() -> Response:
    """Newest first (at most 50), with the unread count in meta. Links are site paths."""
    user, session = current_actor(), current_session()
    entries = inbox.inbox(session, user, "")
    return envelope(
        NotificationSchema(many=True).dump([_present(e) for e in entries]),
        meta={"unread": inbox.unread_count(session, user)},
    )


@operation(
    bp,
    "/me/notifications/<int:notification_id>/read",
    "POST",
    summary="Mark one of my notifications read",
    tag="account",
    roles=EVERY_ROLE,
    response=NotificationSchema,
)
def read_my_notification(notification_id: int) -> Response:
    """Another user's notification is absent (404)."""
    user, session = current_actor(), current_session()
    inbox.mark_read(session, user, notification_id)
    (entry,) = inbox.inbox(session, user, "", only_id=notification_id)
    return envelope(NotificationSchema().dump(_present(entry)))
