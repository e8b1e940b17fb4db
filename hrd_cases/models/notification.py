"""Notifications (in-app), their e-mail outbox, and each user's delivery preferences.

A notification names a case reference and what waits, never content: the columns below are
all there is, so nothing else can reach a message (issue 18).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, enum_type, utcnow
from hrd_cases.models.access import AccountLink
from hrd_cases.models.user import User


class Delivery(enum.StrEnum):
    """How a user wants e-mail for one kind of notification."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"


class EmailState(enum.StrEnum):
    """Where a notification stands for e-mail."""

    NONE = "none"  # preference off: in-app only
    QUEUED = "queued"  # an immediate outbox message carries it
    DIGEST_PENDING = "digest_pending"  # waits for the user's next 07:00 digest
    DIGESTED = "digested"  # a digest message carries it


class OutboxState(enum.StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"  # a worker holds it until lease_until
    HANDING_OVER = "handing_over"  # the final dot may have reached the server: never resent
    SENT = "sent"
    FAILED = "failed"


class NotificationEvent(Base):
    """What a step wrote in its own transaction: one row, whatever the number of recipients.
    The worker expands it into notifications and outbox rows (``expanded_at``), so a step pays
    for one insert (scripts/bench_notify.py) and a rolled-back step leaves nothing."""

    __tablename__ = "notification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # timeline kind or account event
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject_type: Mapped[str | None] = mapped_column(String(20))
    subject_id: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_notification_events_expanded_at_id", "expanded_at", "id"),)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # What happened (notify.events: "awaiting_decision", "approved", "deadline_warning"...)
    # and the preference kind it falls under ("awaiting_decision", "decided", "deadline"...).
    event: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    case_reference: Mapped[str | None] = mapped_column(String(16))
    subject_type: Mapped[str | None] = mapped_column(String(20))
    subject_id: Mapped[str | None] = mapped_column(String(40))
    deadline_kind: Mapped[str | None] = mapped_column(String(32))  # workflow.deadlines kind
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_state: Mapped[EmailState] = mapped_column(enum_type(EmailState, "email_state"))
    # Time-based events are raised by every worker's scheduler: this key makes the second
    # raise of the same event for the same user a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(160))
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )

    user: Mapped[User] = relationship()
    outbox: Mapped[OutboxMessage | None] = relationship(back_populates="notifications")

    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_id_dedupe_key"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_email_state_user_id", "email_state", "user_id"),
    )


class OutboxMessage(Base):
    """One e-mail to send: rendered at delivery time from its notifications."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Doubles as the Message-ID: the same message is recognisable wherever it arrives.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_digest: Mapped[bool] = mapped_column(default=False)
    state: Mapped[OutboxState] = mapped_column(enum_type(OutboxState, "outbox_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))  # the error's class, no text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set for an account link's e-mail (an invitation, a re-enrolment, a password reset),
    # which carries no notification.
    account_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_links.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship()
    account_link: Mapped[AccountLink | None] = relationship()
    notifications: Mapped[list[Notification]] = relationship(
        back_populates="outbox", order_by="Notification.id"
    )

    __table_args__ = (
        Index("ix_outbox_messages_state_next_attempt_at", "state", "next_attempt_at"),
    )


class NotificationPreference(Base):
    """A user's e-mail delivery for one kind; no row means immediate."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(enum_type(Delivery, "delivery"))
