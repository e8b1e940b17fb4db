"""Actions on a case (referrals and their approvals) and the case timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, utcnow
from hrd_cases.models.case import Case
from hrd_cases.models.keys import DataKey
from hrd_cases.vocabulary import AssistanceType, Mechanism, enum_values
from hrd_cases.workflow.engine import ReferralState


def _enum(enum_class, name: str) -> Enum:  # type: ignore[no-untyped-def]
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        length=32,
        values_callable=enum_values,
        validate_strings=True,
    )


class Referral(Base):
    """A request for assistance from a protection mechanism (four-eyes approved)."""

    __tablename__ = "referrals"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("justification",)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    mechanism: Mapped[Mechanism] = mapped_column(_enum(Mechanism, "mechanism"))
    amount_eur: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[ReferralState] = mapped_column(_enum(ReferralState, "referral_state"), index=True)
    approvals_required: Mapped[int] = mapped_column(Integer)
    justification_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(back_populates="referrals")
    assistance: Mapped[list[ReferralAssistance]] = relationship(
        cascade="all, delete-orphan",
        order_by="ReferralAssistance.assistance_type",
        lazy="selectin",
    )
    decisions: Mapped[list[ReferralDecision]] = relationship(
        cascade="all, delete-orphan",
        order_by="ReferralDecision.decided_at",
        lazy="selectin",
    )

    __table_args__ = (
        CheckConstraint("amount_eur IS NULL OR amount_eur >= 0", name="amount_not_negative"),
    )

    def key_holder(self) -> DataKey:
        return self.case.data_key

    @property
    def assistance_types(self) -> list[AssistanceType]:
        return [a.assistance_type for a in self.assistance]


class ReferralAssistance(Base):
    __tablename__ = "referral_assistance"

    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    assistance_type: Mapped[AssistanceType] = mapped_column(
        _enum(AssistanceType, "assistance_type"), primary_key=True
    )


class ReferralDecision(Base):
    """One protection officer's decision. One per officer per referral (unique), so a
    double click or a race cannot count an officer twice."""

    __tablename__ = "referral_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approve: Mapped[bool]
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("referral_id", "officer_id"),)


class TimelineEvent(Base):
    """What happened to a case, in order, by whom. Details hold categories, never content."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(48))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
