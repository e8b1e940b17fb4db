"""Per-record data keys, stored only wrapped by a key-encryption key (KEK) of the keyring."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hrd_cases.db import Base, UTCDateTime, utcnow


class DataKey(Base):
    """One AES-256 data key. ``wrapped_key`` is NULL once erased: crypto-shredding."""

    __tablename__ = "data_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Which kind of record the key protects ("defenders", "cases"); not the record itself.
    purpose: Mapped[str] = mapped_column(String(32))
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # Rotation walks the keys of one KEK version batch by batch. One column on purpose:
        # on SQLite the index is then (kek_version, rowid), in the table's physical order.
        Index("ix_data_keys_kek_version", "kek_version"),
    )

    @property
    def is_erased(self) -> bool:
        return self.wrapped_key is None


class KekRetirement(Base):
    """An erasure epoch: KEK versions up to ``kek_version`` must be rotated away and retired
    by ``due_at``, so that copies made before an erasure (WAL, dead tuples, backups, which
    hold the erased data key wrapped under one of them) can no longer yield it.

    One open row per KEK version: erasures while it is open share its (earliest) date.
    """

    __tablename__ = "kek_retirements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kek_version: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The primary KEK the keys were moved to, and when the old versions left the keyring.
    rotated_to: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
