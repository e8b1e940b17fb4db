"""Evidence files on a case. The content, the original file name and the title are encrypted
under the case's data key; only size, category, content type and timestamps are clear."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hrd_cases.db import Base, UTCDateTime, enum_type, utcnow
from hrd_cases.domain.vocabulary import AttachmentCategory, AttachmentLink
from hrd_cases.models.case import Case
from hrd_cases.models.keys import DataKey


class Attachment(Base):
    __tablename__ = "attachments"
    encrypted_fields: ClassVar[tuple[str, ...]] = ("title", "filename")

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # The case as a whole, or one of its actions: a kind and an id, without a foreign key,
    # so that any kind of action (notes included) can hold files without a schema change.
    link_kind: Mapped[AttachmentLink] = mapped_column(enum_type(AttachmentLink, "attachment_link"))
    link_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    category: Mapped[AttachmentCategory] = mapped_column(
        enum_type(AttachmentCategory, "attachment_category")
    )
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)  # plaintext bytes, after metadata removal
    chunk_count: Mapped[int] = mapped_column(Integer)
    storage: Mapped[str] = mapped_column(String(16))  # "database" or "filesystem"
    title_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    filename_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship()

    __table_args__ = (Index("ix_attachments_case_id_created_at", "case_id", "created_at"),)

    def key_holder(self) -> DataKey:
        return self.case.data_key


class AttachmentChunk(Base):
    """One sealed chunk (nonce | ciphertext | tag) of an attachment kept in the database."""

    __tablename__ = "attachment_chunks"

    attachment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[bytes] = mapped_column(LargeBinary())
