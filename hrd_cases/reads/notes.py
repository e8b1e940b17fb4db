"""A case's follow-up notes, newest first, decrypted for readers of the case: the case page
gets them with its own load (``reads.case_view``), the API's note list here; both through
:func:`note_views`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_scope, require
from hrd_cases.crypto import ErasedError
from hrd_cases.db import write_transaction
from hrd_cases.domain.errors import NotFound
from hrd_cases.models import Case, CaseNote, User
from hrd_cases.records import RecordVault


@dataclass(frozen=True, slots=True)
class NoteView:
    id: uuid.UUID
    written_at: datetime
    author: User
    text: str | None  # None: erased with the case's content


def note_views(
    vault: RecordVault, notes: Iterable[CaseNote], unwrapped: dict[uuid.UUID, bytes]
) -> list[NoteView]:
    """Notes as shown, in the order given (the relationship's: newest first)."""
    shown = []
    for note in notes:
        try:
            text = vault.open_field(note, "text", unwrapped=unwrapped)
        except ErasedError:
            text = None
        shown.append(NoteView(note.id, note.written_at, note.author, text))
    return shown


def case_notes(session: Session, vault: RecordVault, user: User, reference: str) -> list[NoteView]:
    """Role without the right: Forbidden; absent or out of scope: NotFound (the same answer).
    Audited as a view of the case: the notes are its content."""
    require(user, Permission.CASE_READ)
    case = session.scalar(
        select(Case)
        .where(Case.reference == reference, case_scope(user))
        .options(selectinload(Case.notes).joinedload(CaseNote.author))
    )
    if case is None:
        raise NotFound("no such case")
    shown = note_views(vault, case.notes, {})
    with write_transaction(session):
        audit.record(
            session,
            "case.view",
            actor_id=user.id,
            object_type="case",
            object_id=case.reference,
            details={"part": "notes"},
        )
    return shown
