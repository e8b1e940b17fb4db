"""Case notes (issue 16): dated, attributed follow-up notes, encrypted under the case's key.

The timeline says that a note was added and by whom; only readers of the case see its text.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import ValidationFailed
from hrd_cases.models import CaseNote, User
from hrd_cases.records import RecordVault
from hrd_cases.records.vault import clean_texts
from hrd_cases.workflow.service import ensure_open, record_step

NOTE_REQUIRED = "Write the note before saving it."


def add_note(
    session: Session, vault: RecordVault, actor: User, reference: str, text: str | None
) -> CaseNote:
    """A follow-up note on an open case in the actor's scope (focal points)."""
    text = clean_texts("case_notes", {"text": (text or "").strip() or None})["text"]
    if text is None:
        raise ValidationFailed({"text": [NOTE_REQUIRED]})
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_UPDATE, lock=True)
        ensure_open(case)
        # Sealing under an erased case key is refused by the vault (record.erased).
        note = CaseNote(id=uuid.uuid4(), case=case, author_id=actor.id, written_at=utcnow())
        vault.seal(note, {"text": text})
        session.add(note)
        record_step(session, case, actor, "case.note_added", "case.note", item=("note", note.id))
    return note
