"""Server-side sign-in sessions, recovery codes, API tokens and instance flags."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, utcnow
from hrd_cases.models.keys import DataKey
from hrd_cases.models.user import User


class UserSession(Base):
    """One signed-in browser. The cookie holds a random token; only its hash is stored, so a
    database reader cannot hijack a session. Ending a row signs that browser out."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # Keyed hash of the address and browser a sign-in came from: a new one is notified to the
    # user (issue 18). Never the address itself.
    origin_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A personal access token for the JSON API: random, stored hashed, expiring, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The first characters of the token, shown in listings so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class InstanceFlag(Base):
    """Facts about this installation, e.g. that it holds demo data and must never run as
    production."""

    __tablename__ = "instance_flags"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    value: Mapped[int | None] = mapped_column(Integer)


class AccountLink(Base):
    """A single-use link that lets someone set a password without an admin ever knowing it:
    an invitation, a second-factor re-enrolment or a password reset. Only the token's hash is
    stored, so a database reader cannot use a pending link."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invitation | enrolment | password_reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a newer link of the same purpose replaces this one, or the account changes.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Only while the link waits for its e-mail: the token, encrypted under the user's data
    # key, for the worker to put in the message. Cleared once sent, used or revoked.
    token_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    encrypted_fields: ClassVar[tuple[str, ...]] = ("token",)

    def key_holder(self) -> DataKey:
        return self.user.key_holder()
