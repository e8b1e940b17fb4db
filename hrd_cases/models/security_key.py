"""WebAuthn security keys and passkeys registered as a second factor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hrd_cases.db import Base, UTCDateTime, utcnow


class SecurityKey(Base):
    """One registered credential. Only public material is stored: the private key never leaves
    the authenticator, so nothing here needs encrypting."""

    __tablename__ = "security_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary())
    # The authenticator's signature counter: an assertion must carry a larger one (a smaller
    # or equal non-zero counter means a cloned key).
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    backup_state: Mapped[bool] = mapped_column(Boolean, default=False)
    transports: Mapped[str] = mapped_column(String(200), default="")
    # SHA-256 of the last accepted challenge: the same assertion presented twice is a replay,
    # even for passkeys whose counter stays at zero.
    last_challenge_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OidcIdentity(Base):
    """A single-sign-on identity bound to an account at its first sign-in through the provider.
    Subjects are unique per issuer only, so the pair is the identity. A table of its own, not
    columns on users: adding it never rebuilds (or locks) the users table."""

    __tablename__ = "oidc_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="oidc_subject_once"),
        # One identity per provider per account: a second subject cannot take it over.
        UniqueConstraint("user_id", "issuer", name="oidc_one_per_issuer"),
    )
