"""Append-only, hash-chained audit log (no personal data in any column)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hrd_cases.db import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    # The viewer's filters, each ending in seq: a filtered page is an index range read
    # newest first, whatever the log's length (scripts/bench_audit.py).
    __table_args__ = (
        Index("ix_audit_entries_actor_id_seq", "actor_id", "seq"),
        Index("ix_audit_entries_action_seq", "action", "seq"),
        Index("ix_audit_entries_object_seq", "object_type", "object_id", "seq"),
        Index("ix_audit_entries_outcome_seq", "outcome", "seq"),
    )


class AuditChainHead(Base):
    """One row: the last sequence number and hash. Updating it first in a transaction takes a
    row lock (PostgreSQL) or the write lock (SQLite), which serialises appends to the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class AuditCheckpoint(Base):
    """An entry up to which the chain was found intact, so the viewer checks only what came
    after it. ``full`` marks a walk from the first entry (an admin's "verify the whole chain"
    or ``hrd-cases audit verify``); others extend the last checkpoint."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
