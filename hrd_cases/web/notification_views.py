"""In-app notifications: the list (with the unread count in every page's header), marking
read singly or all at once, and e-mail preferences. Plain forms: works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hrd_cases.current import current_session
from hrd_cases.models import Delivery, Role, User
from hrd_cases.notify import inbox, texts
from hrd_cases.notify.outbox import CHOOSABLE_KINDS
from hrd_cases.notify.worker import failed_messages

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_notifications() -> dict[str, int]:
    """The header's count: one COUNT on an index, only for a signed-in user."""
    if not getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": 0}
    counted = getattr(current_user, "unread_notifications", None)
    if counted is None:  # a user not loaded through the session cookie
        counted = inbox.unread_count(current_session(), current_user)
    return {"unread_notifications": counted}


def _user() -> User:
    return current_user._get_current_object()


@bp.get("")
def notification_list():
    user, session = _user(), current_session()
    return render_template(
        "notifications.html",
        entries=inbox.inbox(session, user, ""),
        preferences=inbox.preferences(session, user),
        kinds=[k.value for k in CHOOSABLE_KINDS],
        deliveries=[d.value for d in Delivery],
        failed=failed_messages(session) if user.role is Role.ADMIN else None,
        texts=texts,
    )


@bp.post("/<int:notification_id>/read")
def read_one(notification_id: int):
    inbox.mark_read(current_session(), _user(), notification_id)
    flash(str(texts.MARKED_READ), "success")
    return redirect(url_for("notifications.notification_list"))


@bp.post("/read-all")
def read_all():
    inbox.mark_all_read(current_session(), _user())
    flash(str(texts.ALL_MARKED_READ), "success")
    return redirect(url_for("notifications.notification_list"))


@bp.post("/preferences")
def save_preferences():
    choices = {k.value: request.form[k.value] for k in CHOOSABLE_KINDS if k.value in request.form}
    inbox.set_preferences(current_session(), _user(), choices)
    flash(str(texts.PREFERENCES_SAVED), "success")
    return redirect(url_for("notifications.notification_list"))
