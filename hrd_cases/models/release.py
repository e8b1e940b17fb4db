"""Frozen quarterly releases: a quarter's protected tables, computed and audited once, and the
bytes of every format rendered from them. Later downloads serve these bytes (after checking
their hash), so that nobody can difference two days' figures of the same quarter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, utcnow


class QuarterlyRelease(Base):
    """One version of a quarter's release. Version 1 is the release; a later version is an
    explicit, audited revision that states what changed."""

    __tablename__ = "quarterly_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7))  # 2026Q3
    version: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    k: Mapped[int] = mapped_column(Integer)
    p: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)  # a revision: what changed and why
    # SHA-256 of the JSON document, which holds every published figure and the method.
    content_sha256: Mapped[str] = mapped_column(String(64))
    # The unprotected counts by family, country and column (counts only, no case): needed to
    # audit a revision together with this version. Never rendered, never served.
    true_counts: Mapped[str] = mapped_column(Text)

    files: Mapped[list[ReleaseFile]] = relationship(
        back_populates="release", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (UniqueConstraint("quarter", "version", name="uq_quarterly_release_version"),)


class ReleaseFile(Base):
    """The bytes of one format of a release, as served, and their SHA-256."""

    __tablename__ = "quarterly_release_files"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("quarterly_releases.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(8), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))

    release: Mapped[QuarterlyRelease] = relationship(back_populates="files")
