"""Cases: the clear categories that feed aggregates, and a narrative under the case's own key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, enum_type, utcnow
from hrd_cases.domain.vocabulary import (
    ClosureOutcome,
    ProfileCategory,
    RiskLevel,
    ThreatType,
)
from hrd_cases.models.defender import Defender
from hrd_cases.models.keys import DataKey
from hrd_cases.models.user import Delegation, User

if TYPE_CHECKING:
    from hrd_cases.models.action import Consent, Hearing, Referral, Statement, TimelineEvent
    from hrd_cases.models.attachment import Attachment
    from hrd_cases.models.history import CaseNote


class Case(Base):
    __tablename__ = "cases"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("narrative", "closure_reason")
    # The case list pages newest first within a scope (a delegation, or one country of an
    # officer's): these give that order straight from the index, so a page reads 25 rows
    # instead of sorting every case in scope. (delegation_id, country) answers the list's
    # country filter options from the index alone.
    __table_args__ = (
        Index("ix_cases_delegation_id_opened_at", "delegation_id", "opened_at", "reference"),
        Index("ix_cases_country_opened_at", "country", "opened_at", "reference"),
        Index("ix_cases_delegation_id_country", "delegation_id", "country"),
        # "My cases": a focal point's assigned cases, newest first, from the index alone.
        Index("ix_cases_assigned_to_id_opened_at", "assigned_to_id", "opened_at", "reference"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. KE-2026-0007
    # country and opened_at are copied onto case_profile_categories and case_threats (see
    # there): change them together.
    country: Mapped[str] = mapped_column(String(2), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="RESTRICT"))
    risk_level: Mapped[RiskLevel] = mapped_column(enum_type(RiskLevel, "risk_level"))
    # The strategy template the case was opened under: its rules apply until the case closes,
    # whatever newer version comes into force meanwhile.
    template_code: Mapped[str] = mapped_column(String(16))
    template_version: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The focal point answerable for the case, within its delegation: whoever opened it until
    # someone reassigns it (workflow.case_steps.reassign_case). NULL only when nobody is (a
    # case logged from the command line, or an account deleted since).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data_key_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("data_keys.id", ondelete="RESTRICT"), unique=True
    )
    narrative_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closure_outcome: Mapped[ClosureOutcome | None] = mapped_column(
        enum_type(ClosureOutcome, "closure_outcome")
    )
    closure_reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    data_key: Mapped[DataKey] = relationship(lazy="joined")
    delegation: Mapped[Delegation] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    defender_links: Mapped[list[CaseDefender]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    profile_categories: Mapped[list[CaseProfileCategory]] = relationship(
        cascade="all, delete-orphan", order_by="CaseProfileCategory.category"
    )
    threats: Mapped[list[CaseThreat]] = relationship(
        cascade="all, delete-orphan", order_by="CaseThreat.threat"
    )
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Referral.created_at"
    )
    timeline: Mapped[list[TimelineEvent]] = relationship(
        cascade="all, delete-orphan", order_by="TimelineEvent.id"
    )
    hearings: Mapped[list[Hearing]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Hearing.scheduled_for"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Consent.recorded_at"
    )
    statements: Mapped[list[Statement]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Statement.created_at"
    )
    # Read only (files are added and removed by workflow.attachments, and the database
    # cascades their deletion): it lets the case page load its file list with the case.
    attachments: Mapped[list[Attachment]] = relationship(
        viewonly=True, order_by="[Attachment.created_at.desc(), Attachment.id]"
    )

    # Follow-up notes, newest first (issue 16), as the case page and the API list them.
    notes: Mapped[list[CaseNote]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="[CaseNote.written_at.desc(), CaseNote.id]",
    )

    def key_holder(self) -> DataKey:
        return self.data_key

    @property
    def defenders(self) -> list[Defender]:
        return [link.defender for link in self.defender_links]


class CaseDefender(Base):
    """A defender concerned by a case (a case may concern several, or an organisation)."""

    __tablename__ = "case_defenders"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    defender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("defenders.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    # Keyed MAC of (case_id, defender_id), checked on read (records.defenders): a row
    # re-pointed in the database fails loudly. NULL only on rows from before it existed,
    # until `hrd-cases keys relink` signs them; they fail the check meanwhile.
    link_mac: Mapped[bytes | None] = mapped_column(LargeBinary(32))

    case: Mapped[Case] = relationship(back_populates="defender_links")
    defender: Mapped[Defender] = relationship(lazy="joined")


class CaseProfileCategory(Base):
    """``country`` and ``opened_at`` are copies of the case's, so that the quarterly export
    counts a quarter with one index range scan instead of one join per case (issue 8: ~2 s
    per table at 1,000,000 cases on SQLite). Whoever writes a row sets them from its case."""

    __tablename__ = "case_profile_categories"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[ProfileCategory] = mapped_column(
        enum_type(ProfileCategory, "profile_category"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_case_profile_categories_quarter", "opened_at", "country", "category"),
    )


class CaseThreat(Base):
    """``country`` and ``opened_at`` copy the case's, as in CaseProfileCategory."""

    __tablename__ = "case_threats"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    threat: Mapped[ThreatType] = mapped_column(
        enum_type(ThreatType, "threat_type"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_case_threats_quarter", "opened_at", "country", "threat"),)


class CaseReferenceCounter(Base):
    """Next number of ``CC-YYYY-NNNN`` references, per country and year."""

    __tablename__ = "case_reference_counters"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
