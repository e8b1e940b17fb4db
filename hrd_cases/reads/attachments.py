"""A case's evidence files as the case page and the API list them: names decrypted, newest
first. Both faces use this read; the case page gets the rows with the case view's own load
(``Case.attachments``), so listing them costs no statement of its own there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hrd_cases.auth.permissions import case_for
from hrd_cases.crypto import ErasedError
from hrd_cases.domain.vocabulary import AttachmentCategory, AttachmentLink
from hrd_cases.models import Attachment, Case, User
from hrd_cases.records.vault import RecordVault


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """An attachment as the case page and the API show it (names decrypted)."""

    id: uuid.UUID
    title: str | None
    filename: str | None
    category: AttachmentCategory
    content_type: str
    size: int
    link_kind: AttachmentLink
    link_id: uuid.UUID | None
    created_at: datetime


def view_of(
    row: Attachment, vault: RecordVault, unwrapped: dict[uuid.UUID, bytes] | None = None
) -> AttachmentView:
    try:
        names = vault.open(row, unwrapped=unwrapped)
    except ErasedError:
        names = {"title": None, "filename": None}
    return AttachmentView(
        id=row.id,
        title=names["title"],
        filename=names["filename"],
        category=row.category,
        content_type=row.content_type,
        size=row.size,
        link_kind=row.link_kind,
        link_id=row.link_id,
        created_at=row.created_at,
    )


def files_of(
    vault: RecordVault, case: Case, unwrapped: dict[uuid.UUID, bytes] | None = None
) -> list[AttachmentView]:
    """The files of a case already read in scope, newest first (``Case.attachments``); every
    one is under the case's key, unwrapped once (``unwrapped`` is the read's own cache)."""
    unwrapped = {} if unwrapped is None else unwrapped
    return [view_of(row, vault, unwrapped) for row in case.attachments]


def case_files(
    session: Session, vault: RecordVault, user: User, reference: str
) -> list[AttachmentView]:
    """The files of the case ``reference`` in ``user``'s scope (NotFound otherwise, the same
    answer as a case that does not exist)."""
    return files_of(vault, case_for(session, user, reference))
