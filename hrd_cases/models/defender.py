"""Defenders: every identifying field encrypted under the defender's own data key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, utcnow
from hrd_cases.models.keys import DataKey

CIPHERTEXT = LargeBinary()


class Defender(Base):
    __tablename__ = "defenders"
    # Read and written only through hrd_cases.records (the vault); see DESIGN.md.
    encrypted_fields: ClassVar[tuple[str, ...]] = (
        "name",
        "other_names",
        "contact_details",
        "location",
        "organisation",
        "date_of_birth",
        "personal_notes",
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # A reference safe to write in a ticket or a CLI call: random, says nothing about the person.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    data_key_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("data_keys.id", ondelete="RESTRICT"), unique=True
    )
    name_ciphertext: Mapped[bytes | None] = mapped_column(CIPHERTEXT)
    other_names_ciphertext: Mapped[bytes | None] = mapped_column(CIPHERTEXT)
    contact_details_ciphertext: Mapped[bytes | None] = mapped_column(CIPHERTEXT)
    location_ciphertext: Mapped[bytes | None] = mapped_column(CIPHERTEXT)
    organisation_ciphertext: Mapped[bytes | None] = mapped_column(CIPHERTEXT)
    date_of_birth_ciphertext: Mapped[bytes | None] = mapped_column(CIPHERTEXT)
    personal_notes_ciphertext: Mapped[bytes | None] = mapped_column(CIPHERTEXT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    data_key: Mapped[DataKey] = relationship(lazy="joined")
    name_tokens: Mapped[list[DefenderNameToken]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    def key_holder(self) -> DataKey:
        return self.data_key


class DefenderNameToken(Base):
    """Blind-index tokens (truncated HMACs) of a defender's names; never the names."""

    __tablename__ = "defender_name_tokens"

    defender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("defenders.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[bytes] = mapped_column(LargeBinary(8), primary_key=True)

    __table_args__ = (Index("ix_defender_name_tokens_token", "token"),)
