"""The caller's notifications: the same reads and service as the HTML list."""

from __future__ import annotations

from flask import Response

from hrd_cases.api import bp
from hrd_cases.api.account import EVERY_ROLE
from hrd_cases.api.inputs import json_body
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.notifications import (
    FailedMessageSchema,
    NotificationSchema,
    PreferencesInputSchema,
    PreferencesSchema,
)
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_actor, current_session
from hrd_cases.http.errors import envelope
from hrd_cases.notify import inbox
from hrd_cases.notify.worker import failed_messages


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


@operation(
    bp,
    "/me/notification-preferences",
    "GET",
    summary="My e-mail preferences",
    tag="account",
    roles=EVERY_ROLE,
    response=PreferencesSchema,
)
def my_preferences() -> Response:
    """Immediate, digest (07:00 in the delegation's time zone) or off, per kind."""
    prefs = inbox.preferences(current_session(), current_actor())
    return envelope(PreferencesSchema().dump({k: v.value for k, v in prefs.items()}))


@operation(
    bp,
    "/me/notification-preferences",
    "PATCH",
    summary="Change my e-mail preferences",
    tag="account",
    roles=EVERY_ROLE,
    body=PreferencesInputSchema,
    response=PreferencesSchema,
)
def change_my_preferences() -> Response:
    """Kinds left out keep their setting; security messages cannot be switched off."""
    choices = json_body(PreferencesInputSchema())
    prefs = inbox.set_preferences(current_session(), current_actor(), choices)
    return envelope(PreferencesSchema().dump({k: v.value for k, v in prefs.items()}))


@operation(
    bp,
    "/admin/outbox/failed",
    "GET",
    summary="E-mails not delivered",
    tag="admin",
    roles=("admin",),
    response=FailedMessageSchema,
    many=True,
)
def failed_emails() -> Response:
    """What the worker gave up on (newest first, at most 100), as on the admin's page."""
    require(current_actor(), Permission.ADMIN_USERS)
    rows = failed_messages(current_session())
    return envelope(
        FailedMessageSchema(many=True).dump(
            [
                {
                    "id": m.id,
                    "user_id": m.user_id,
                    "attempts": m.attempts,
                    "last_error": m.last_error,
                    "created_at": m.created_at,
                }
                for m in rows
            ]
        )
    )
