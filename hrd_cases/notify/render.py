"""Rendering an outbox message: subject, plain text and HTML, from the package's templates.

A message is built from its notifications' columns only (reference, event, dates, link): no
decrypted field is within reach here, so none can leak into an e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from jinja2 import Environment, PackageLoader, select_autoescape

from hrd_cases.domain.languages import DEFAULT_LANGUAGE, RIGHT_TO_LEFT, is_right_to_left
from hrd_cases.models import Notification, OutboxMessage, User
from hrd_cases.notify import texts

_templates = Environment(
    loader=PackageLoader("hrd_cases.notify", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a message or of the in-app list."""

    headline: str
    reference: str | None
    since: str | None
    deadline: str | None
    due_note: str | None
    link: str


def user_zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.delegation.time_zone if user.delegation else "UTC")


def local_time(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """In the reader's zone, named by its UTC offset: a zone's name ("Africa/Nairobi") is a
    place, and messages name none."""
    if moment is None:
        return None
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def due_note(due_at: datetime | None, now: datetime) -> str | None:
    """ "due in 6 h", "due in 2 d" or "overdue by 3 h"."""
    if due_at is None:
        return None
    seconds = (due_at - now).total_seconds()
    if seconds < 0:
        return texts.overdue_by_hours(max(1, round(-seconds / 3600)))
    hours = round(seconds / 3600)
    if hours > 48:
        return texts.due_in_days(round(hours / 24))
    return texts.due_in_hours(max(hours, 1) if seconds > 0 else 0)


def case_link(base_url: str, reference: str | None) -> str:
    base = base_url.rstrip("/")
    return f"{base}/cases/{reference}" if reference else f"{base}/notifications"


def item_of(notification: Notification, base_url: str, zone: ZoneInfo, now: datetime) -> Item:
    return Item(
        headline=texts.headline(
            notification.event,
            reference=notification.case_reference,
            subject_type=notification.subject_type,
            deadline=notification.deadline_kind,
        ),
        reference=notification.case_reference,
        since=local_time(notification.waiting_since, zone),
        deadline=local_time(notification.due_at, zone),
        due_note=due_note(notification.due_at, now),
        link=case_link(base_url, notification.case_reference),
    )


# Events whose subject says how long is left; a hearing's date is in the body only.
TIMED_EVENTS = frozenset({"awaiting_decision", "deadline_warning", "deadline_overdue"})


def subject_line(item: Item, event: str) -> str:
    note = f" ({item.due_note})" if item.due_note and event in TIMED_EVENTS else ""
    return f"[{texts.PRODUCT}] {item.headline}{note}"


def build_email(
    message: OutboxMessage, *, sender: str, base_url: str, now: datetime
) -> EmailMessage:
    """The e-mail for one outbox row, in its recipient's language; its Message-ID is the
    row's idempotency key."""
    language = message.user.preferred_language or DEFAULT_LANGUAGE.value
    with force_locale(language):
        return _build_email(message, sender=sender, base_url=base_url, now=now, language=language)


def _build_email(
    message: OutboxMessage, *, sender: str, base_url: str, now: datetime, language: str
) -> EmailMessage:
    user = message.user
    zone = user_zone(user)
    items = [item_of(n, base_url, zone, now) for n in message.notifications]
    if message.is_digest:
        subject = f"[{texts.PRODUCT}] " + texts.digest_subject(len(items))
        template = "digest"
    else:
        first = message.notifications[0] if items else None
        subject = subject_line(items[0], first.event) if first else f"[{texts.PRODUCT}]"
        template = "message"
    security = any(n.kind == "security" for n in message.notifications)
    context = {
        "items": items,
        "texts": texts,
        "security": security,
        "subject": subject,
        "inbox": case_link(base_url, None),
        "language": language,
        "direction": "rtl" if is_right_to_left(language) else "ltr",
    }
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = sender
    email["To"] = Address(addr_spec=user.email)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message.idempotency_key
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    email.set_content(_templates.get_template(f"{template}.txt").render(context))
    email.add_alternative(
        _templates.get_template(f"{template}.html").render(context), subtype="html"
    )
    return email


def build_link_email(
    message: OutboxMessage,
    *,
    purpose: str,
    link: str,
    expires_at: datetime,
    sender: str,
    now: datetime,
) -> EmailMessage:
    """An account link's e-mail: the link, until when it works, and nothing about any case,
    in the recipient's language (English until they choose one). Called by the worker with
    the token it has just decrypted; never stored rendered."""
    zone = user_zone(message.user)
    language = message.user.preferred_language or DEFAULT_LANGUAGE.value
    with force_locale(language):
        subject = f"[{texts.PRODUCT}] {texts.LINK_SUBJECTS[purpose]}"
        context = {
            "texts": texts,
            "subject": subject,
            "language": language,
            "direction": "rtl" if language in RIGHT_TO_LEFT else "ltr",
            "intro": str(texts.LINK_INTROS[purpose]),
            "link": link,
            "valid_until": texts.LINK_VALID_UNTIL % {"until": local_time(expires_at, zone)},
        }
        plain = _templates.get_template("link.txt").render(context)
        html = _templates.get_template("link.html").render(context)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = sender
    email["To"] = Address(addr_spec=message.user.email)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message.idempotency_key
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(plain)
    email.add_alternative(html, subtype="html")
    return email
