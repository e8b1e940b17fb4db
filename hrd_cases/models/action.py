"""Actions on a case (referrals and their approvals) and the case timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, enum_type, utcnow
from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ConsentScope,
    HearingOutcome,
    Mechanism,
    StatementLevel,
)
from hrd_cases.models.case import Case
from hrd_cases.models.keys import DataKey

if TYPE_CHECKING:
    from hrd_cases.models.user import User


class Referral(Base):
    """A request for assistance from a protection mechanism (four-eyes approved)."""

    __tablename__ = "referrals"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("justification",)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    mechanism: Mapped[Mechanism] = mapped_column(enum_type(Mechanism, "mechanism"))
    amount_eur: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[ReferralState] = mapped_column(
        enum_type(ReferralState, "referral_state"), index=True
    )
    approvals_required: Mapped[int] = mapped_column(Integer)
    justification_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Issue 16: returned for revision, withdrawn by the requester. Each edit after a return
    # starts a new revision; only the current revision's decisions count.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

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
        back_populates="referral",
    )

    __table_args__ = (
        CheckConstraint("amount_eur IS NULL OR amount_eur >= 0", name="amount_not_negative"),
    )

    def key_holder(self) -> DataKey:
        return self.case.data_key

    @property
    def current_decisions(self) -> list[ReferralDecision]:
        """The decisions on the revision now awaiting (earlier ones were cleared by an edit)."""
        return [d for d in self.decisions if d.round == self.revision]

    @property
    def approvals_given(self) -> int:
        return sum(1 for d in self.current_decisions if d.approve)

    @property
    def assistance_types(self) -> list[AssistanceType]:
        return [a.assistance_type for a in self.assistance]


class ReferralAssistance(Base):
    __tablename__ = "referral_assistance"

    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    assistance_type: Mapped[AssistanceType] = mapped_column(
        enum_type(AssistanceType, "assistance_type"), primary_key=True
    )


class ReferralDecision(Base):
    """One protection officer's decision. One per officer per referral (unique), so a
    double click or a race cannot count an officer twice."""

    __tablename__ = "referral_decisions"
    # Why (issue 16): required on a rejection, optional on an approval.
    encrypted_fields: ClassVar[tuple[str, ...]] = ("reason",)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approve: Mapped[bool]
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    # The referral's revision this decision was given on; ``returned``: sent back for revision
    # (then ``approve`` is false and the reason says what to change).
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    returned: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    referral: Mapped[Referral] = relationship(back_populates="decisions")

    def key_holder(self) -> DataKey:
        return self.referral.case.data_key

    __table_args__ = (UniqueConstraint("referral_id", "officer_id", "round"),)


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
    # Read-only: the case page loads the actors' names with the events (no query per name).
    actor: Mapped[User | None] = relationship(viewonly=True)


class Hearing(Base):
    """A court hearing in a case: scheduled -> observed | not observed -> report filed."""

    __tablename__ = "hearings"
    # The court is encrypted too: court + date + country could be matched against public
    # dockets to find the defender in a database dump.
    # change_reason: why it was last rescheduled or cancelled (issue 16).
    encrypted_fields: ClassVar[tuple[str, ...]] = ("court", "charges", "report", "change_reason")

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    court_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    state: Mapped[HearingState] = mapped_column(
        enum_type(HearingState, "hearing_state"), index=True
    )
    outcome: Mapped[HearingOutcome | None] = mapped_column(
        enum_type(HearingOutcome, "hearing_outcome")
    )
    charges_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    report_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    change_reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(back_populates="hearings")
    observers: Mapped[list[HearingObserver]] = relationship(
        cascade="all, delete-orphan", order_by="HearingObserver.embassy", lazy="selectin"
    )

    def key_holder(self) -> DataKey:
        return self.case.data_key

    @property
    def observer_codes(self) -> list[str]:
        return [o.embassy for o in self.observers]


class HearingObserver(Base):
    """An embassy attending a hearing: "EU" (the Delegation) or a Member State code."""

    __tablename__ = "hearing_observers"

    hearing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hearings.id", ondelete="CASCADE"), primary_key=True
    )
    embassy: Mapped[str] = mapped_column(String(8), primary_key=True)


class Consent(Base):
    """A defender's recorded consent, with its scope; revocable, never edited."""

    __tablename__ = "consents"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("notes",)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    given_on: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())

    case: Mapped[Case] = relationship(back_populates="consents")
    scope_rows: Mapped[list[ConsentScopeGrant]] = relationship(
        cascade="all, delete-orphan", order_by="ConsentScopeGrant.scope", lazy="selectin"
    )

    def key_holder(self) -> DataKey:
        return self.case.data_key

    @property
    def scopes(self) -> set[ConsentScope]:
        return {row.scope for row in self.scope_rows}

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ConsentScopeGrant(Base):
    __tablename__ = "consent_scopes"

    consent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[ConsentScope] = mapped_column(
        enum_type(ConsentScope, "consent_scope"), primary_key=True
    )


class Statement(Base):
    """A public statement or demarche: draft -> submitted -> approved | rejected -> published
    | withdrawn. The text stays encrypted until it is published (then it is public)."""

    __tablename__ = "statements"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("draft",)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[StatementLevel] = mapped_column(enum_type(StatementLevel, "statement_level"))
    state: Mapped[StatementState] = mapped_column(
        enum_type(StatementState, "statement_state"), index=True
    )
    approvals_required: Mapped[int] = mapped_column(Integer)
    draft_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    published_text: Mapped[str | None] = mapped_column(Text)
    publication_url: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(back_populates="statements")
    decisions: Mapped[list[StatementDecision]] = relationship(
        cascade="all, delete-orphan",
        order_by="StatementDecision.decided_at",
        lazy="selectin",
        back_populates="statement",
    )

    def key_holder(self) -> DataKey:
        return self.case.data_key

    @property
    def current_decisions(self) -> list[StatementDecision]:
        """The decisions on the revision now awaiting (earlier ones were cleared by an edit)."""
        return [d for d in self.decisions if d.round == self.revision]

    @property
    def approvals_given(self) -> int:
        return sum(1 for d in self.current_decisions if d.approve)


class StatementDecision(Base):
    __tablename__ = "statement_decisions"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("reason",)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approve: Mapped[bool]
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    # The statement's revision this decision was given on; ``returned``: sent back for revision
    # (then ``approve`` is false and the reason says what to change).
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    returned: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    statement: Mapped[Statement] = relationship(back_populates="decisions")

    def key_holder(self) -> DataKey:
        return self.statement.case.data_key

    __table_args__ = (UniqueConstraint("statement_id", "officer_id", "round"),)
