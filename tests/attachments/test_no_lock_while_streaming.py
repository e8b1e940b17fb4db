"""While a client is still sending its file, the upload holds no database lock: other users'
writes go through at once (on SQLite a held write lock would stall them, then fail), and the
case's row is not locked either."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.current import current_attachment_config
from hrd_cases.db import begin_write, database_of
from hrd_cases.domain.vocabulary import AttachmentCategory, RiskLevel
from hrd_cases.models import Attachment, Case
from hrd_cases.records import RecordVault
from hrd_cases.workflow.attachments import NewAttachment, add_attachment
from tests.support.factories import make_case, make_user


def test_other_writes_go_through_while_a_file_streams_in(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    user = make_user(db)
    case = make_case(db, vault, delegation=user.delegation, actor=user)
    written_meanwhile: list[bool] = []

    def slow_client() -> Iterator[bytes]:
        yield b"first part of a statement\n" * 1000
        # Mid-upload: another connection takes the write lock and changes this very case.
        with database_of(app).session() as other:
            begin_write(other)
            other.execute(
                update(Case).where(Case.id == case.id).values(risk_level=RiskLevel.CRITICAL)
            )
            other.commit()
            written_meanwhile.append(True)
        yield b"second part of a statement\n" * 1000

    with app.app_context(), database_of(app).session() as session:
        actor = session.get(type(user), user.id)
        assert actor is not None
        add_attachment(
            session,
            vault,
            actor,
            case.reference,
            NewAttachment(title="t", filename="s.txt", category=AttachmentCategory.OTHER),
            slow_client(),
            current_attachment_config(),
        )
    assert written_meanwhile == [True]
    db.commit()
    assert db.scalar(select(Case.risk_level).where(Case.id == case.id)) is RiskLevel.CRITICAL
    assert db.scalar(select(Attachment.size)) == 26 * 1000 + 27 * 1000
