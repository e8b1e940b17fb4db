"""What a case keeps beyond its current state: earlier versions of corrected fields, and
follow-up notes. Both are sealed under the data key of the record they belong to (the case's,
or a defender's), so crypto-shredding that key destroys every version and every note."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, utcnow
from hrd_cases.models.case import Case
from hrd_cases.models.defender import Defender
from hrd_cases.models.keys import DataKey

if TYPE_CHECKING:
    from hrd_cases.models.user import User


class FieldVersion(Base):
    """The value a field held before a correction replaced it, who replaced it and when.

    ``defender_id`` names the defender whose field it was (sealed under the defender's key);
    NULL means a field of the case itself (narrative, categories, threats, risk level), sealed
    under the case's key. The field's name is a category; its value is always encrypted, even
    for categories, so that the history of a case reads the same whatever the field.
    """

    __tablename__ = "field_versions"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("value",)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    defender_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("defenders.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(32))
    # NULL: the field was empty before the correction (or the version was erased).
    value_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    case: Mapped[Case] = relationship()
    defender: Mapped[Defender | None] = relationship()
    replaced_by: Mapped[User | None] = relationship(viewonly=True)

    __table_args__ = (Index("ix_field_versions_case_id_replaced_at", "case_id", "replaced_at"),)

    def key_holder(self) -> DataKey:
        if self.defender is not None:
            return self.defender.data_key
        return self.case.data_key


class CaseNote(Base):
    """A dated, attributed follow-up note on a case; its text under the case's key."""

    __tablename__ = "case_notes"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("text",)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # NULL once erased (crypto-shredding clears it with the case's other ciphertexts).
    text_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())

    case: Mapped[Case] = relationship(back_populates="notes")
    author: Mapped[User] = relationship(viewonly=True)

    __table_args__ = (Index("ix_case_notes_case_id_written_at", "case_id", "written_at"),)

    def key_holder(self) -> DataKey:
        return self.case.data_key
