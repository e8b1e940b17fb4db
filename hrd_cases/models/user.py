"""Accounts and delegations: who may sign in, and the scope their role gives them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql import false, text

from hrd_cases.db import Base, UTCDateTime, utcnow
from hrd_cases.models.keys import DataKey
from hrd_cases.models.security_key import SecurityKey
from hrd_cases.timezones import capital_time_zone


class Role(enum.StrEnum):
    FOCAL_POINT = "focal_point"
    PROTECTION_OFFICER = "protection_officer"
    ANALYST = "analyst"
    ADMIN = "admin"
    # A data-protection officer: reads the audit log and who accessed a case, never content.
    AUDITOR = "auditor"


def _capital_zone_of_row(context: DefaultExecutionContext) -> str:
    return capital_time_zone(context.get_current_parameters()["country"])


class Delegation(Base):
    """An EU Delegation or a Member State embassy; focal points belong to one."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2, upper case
    # IANA name; daily digests go out at 07:00 here. Defaults to the capital's zone.
    time_zone: Mapped[str] = mapped_column(
        String(64), default=_capital_zone_of_row, server_default="UTC"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="delegation")
    observation_partners: Mapped[list[DelegationObservationPartner]] = relationship(
        cascade="all, delete-orphan",
        order_by="DelegationObservationPartner.embassy",
        passive_deletes=True,
    )

    __table_args__ = (CheckConstraint("length(country) = 2", name="country_alpha2"),)

    @property
    def partner_codes(self) -> list[str]:
        return [p.embassy for p in self.observation_partners]


class DelegationObservationPartner(Base):
    """An embassy that shares trial observation with a delegation: "EU" (the Delegation) or a
    Member State's country code, as in a template's ``trial_observation.partners``."""

    __tablename__ = "delegation_observation_partners"

    delegation_id: Mapped[int] = mapped_column(
        ForeignKey("delegations.id", ondelete="CASCADE"), primary_key=True
    )
    embassy: Mapped[str] = mapped_column(String(8), primary_key=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored folded to lower case so uniqueness is case-insensitive on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="user_role",
            native_enum=False,
            length=32,
            values_callable=lambda roles: [r.value for r in roles],
        )
    )
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # Second factor. The TOTP secret is a credential: encrypted under the user's own data key.
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="RESTRICT"), unique=True
    )
    totp_secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last accepted RFC 6238 time step: a code for this step or an earlier one is a replay.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # Account throttling (per account, whatever the address): failures in the current window.
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    failed_login_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    throttled_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The trial calendar file shows each hearing's court only when its user chose so: the
    # court with the date and case reference is what the court's encryption protects.
    calendar_shows_court: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    # The interface language the user chose (a domain.languages code); None follows the
    # browser's Accept-Language. Not personal data of a defender: stored in the clear.
    preferred_language: Mapped[str | None] = mapped_column(String(8))

    delegation: Mapped[Delegation | None] = relationship(back_populates="users")
    data_key: Mapped[DataKey | None] = relationship()
    covered_countries: Mapped[list[UserCountry]] = relationship(
        cascade="all, delete-orphan", order_by="UserCountry.country"
    )
    security_keys: Mapped[list[SecurityKey]] = relationship(
        cascade="all, delete-orphan", order_by="SecurityKey.id", passive_deletes=True
    )

    __table_args__ = (
        # A focal point works for exactly one delegation; that is their whole scope.
        CheckConstraint(
            "role != 'focal_point' OR delegation_id IS NOT NULL", name="focal_point_delegation"
        ),
    )

    encrypted_fields: ClassVar[tuple[str, ...]] = ("totp_secret",)
    # Set on the instance loaded for a request: the token of the session it came from. A plain
    # attribute, not a column (so not annotated: an annotation would ask the ORM to map it).
    session_token = cast(str | None, None)
    # Set with the session lookup: the header's unread-notification count (not a column).
    unread_notifications = cast(int | None, None)

    def key_holder(self) -> DataKey:
        if self.data_key is None:
            raise ValueError("user has no data key yet")
        return self.data_key

    @property
    def has_second_factor(self) -> bool:
        return self.has_totp or bool(self.security_keys)

    @property
    def has_totp(self) -> bool:
        return self.totp_enrolled_at is not None

    @validates("email")
    def _fold_email(self, key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def country_codes(self) -> list[str]:
        return [c.country for c in self.covered_countries]

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Flask-Login keeps this in the signed cookie: the server-side session's token, never
        # the user id, so that ending the session server-side really signs the cookie out.
        if self.session_token is None:
            raise RuntimeError("user has no session token; sign in through auth.service")
        return self.session_token


class UserCountry(Base):
    """A country a protection officer covers."""

    __tablename__ = "user_countries"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
