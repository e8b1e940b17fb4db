"""Acceptance 3: a flipped byte, a chunk swapped with another file's, a truncated file and a
file moved to another case are each refused cleanly (409, no byte of content sent) and
audited; ``hrd-cases attachments verify`` names each broken file by case reference."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hrd_cases.models import Attachment, AttachmentChunk, AuditEntry, Case
from hrd_cases.records import RecordVault
from tests.support.attachments import Setup, upload
from tests.support.factories import make_case

# Just over two chunks: three sealed chunks, so there is a middle and an end to attack.
TWO_AND_A_BIT = b"evidence line\n" * (2 * 1024 * 1024 // 14 + 100)


def _add(setup: Setup, db: Session, content: bytes, reference: str | None = None) -> uuid.UUID:
    reference = reference or setup.case.reference
    assert upload(setup.client, reference, content, "e.txt").status_code == 302
    db.commit()
    return db.scalars(select(Attachment.id).order_by(Attachment.created_at.desc())).first()  # type: ignore[return-value]


def _chunk(db: Session, attachment_id: uuid.UUID, index: int) -> bytes:
    db.commit()  # a fresh snapshot: the app has written (audit entries) since the last read
    return db.scalar(
        select(AttachmentChunk.body).where(
            AttachmentChunk.attachment_id == attachment_id, AttachmentChunk.index == index
        )
    )  # type: ignore[return-value]


def _set_chunk(db: Session, attachment_id: uuid.UUID, index: int, body: bytes) -> None:
    db.execute(
        update(AttachmentChunk)
        .where(AttachmentChunk.attachment_id == attachment_id, AttachmentChunk.index == index)
        .values(body=body)
    )
    db.commit()


def flip_a_byte(db: Session, setup: Setup, target: uuid.UUID, other: uuid.UUID) -> str:
    body = bytearray(_chunk(db, target, 1))
    body[500] ^= 0x01
    _set_chunk(db, target, 1, bytes(body))
    return setup.case.reference


def swap_with_another_file(db: Session, setup: Setup, target: uuid.UUID, other: uuid.UUID) -> str:
    _set_chunk(db, target, 0, _chunk(db, other, 0))  # same case, same key, other file
    return setup.case.reference


def truncate(db: Session, setup: Setup, target: uuid.UUID, other: uuid.UUID) -> str:
    db.commit()
    last = db.scalar(
        select(func.max(AttachmentChunk.index)).where(AttachmentChunk.attachment_id == target)
    )
    db.execute(
        delete(AttachmentChunk).where(
            AttachmentChunk.attachment_id == target, AttachmentChunk.index == last
        )
    )
    db.commit()
    return setup.case.reference


def move_to_another_case(db: Session, setup: Setup, target: uuid.UUID, other: uuid.UUID) -> str:
    vault: RecordVault = db.info["app"].extensions["hrd_vault"]
    db.commit()
    second = make_case(db, vault, delegation=setup.user.delegation, actor=setup.user)
    db.execute(update(Attachment).where(Attachment.id == target).values(case_id=second.id))
    db.commit()
    return second.reference


@pytest.mark.parametrize(
    "attack", [flip_a_byte, swap_with_another_file, truncate, move_to_another_case]
)
def test_damage_is_refused_cleanly_audited_and_reported(
    focal: Setup,
    db: Session,
    runner: FlaskCliRunner,
    attack: Callable[[Session, Setup, uuid.UUID, uuid.UUID], str],
) -> None:
    target = _add(focal, db, TWO_AND_A_BIT)
    other = _add(focal, db, b"another file, same case\n" * 50000)
    untouched = focal.client.get(f"/cases/{focal.case.reference}/attachments/{target}")
    assert untouched.status_code == 200 and untouched.get_data() == TWO_AND_A_BIT
    reference = attack(db, focal, target, other)

    answer = focal.client.get(f"/cases/{reference}/attachments/{target}")
    assert answer.status_code == 409
    page = answer.get_data()
    assert b"failed its integrity check" in page
    assert b"evidence line" not in page  # not one byte of the content
    assert answer.headers.get("Content-Disposition") is None

    db.commit()
    failures = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "attachment.download", AuditEntry.outcome == "failure"
        )
    ).all()
    assert [f.object_id for f in failures] == [str(target)]
    assert failures[0].actor_id == focal.user.id

    report = runner.invoke(args=["attachments", "verify"])
    assert report.exit_code == 1
    assert f"BROKEN {reference} {target}:" in report.output
    assert str(other) not in report.output  # the other file is intact
    assert "2 file(s) checked: 1 broken, 0 erased" in report.output


def test_verify_passes_on_intact_files(focal: Setup, db: Session, runner: FlaskCliRunner) -> None:
    _add(focal, db, TWO_AND_A_BIT)
    report = runner.invoke(args=["attachments", "verify"])
    assert report.exit_code == 0, report.output
    assert "1 file(s) checked: 0 broken, 0 erased" in report.output
    assert db.scalar(select(func.count()).select_from(Case)) == 1


@pytest.mark.parametrize("attack", [flip_a_byte, truncate])
def test_a_one_chunk_file_is_checked_before_it_is_sent_too(
    focal: Setup, db: Session, attack: Callable[[Session, Setup, uuid.UUID, uuid.UUID], str]
) -> None:
    """A file of one chunk is sent from the check's own plaintext (no second read): the check
    still refuses a damaged or missing chunk before any byte goes out."""
    small = b"one short statement\n" * 2000  # 40 KB: one chunk
    target = _add(focal, db, small)
    first = focal.client.get(f"/cases/{focal.case.reference}/attachments/{target}")
    assert first.status_code == 200 and first.get_data() == small
    if attack is flip_a_byte:
        body = bytearray(_chunk(db, target, 0))
        body[500] ^= 0x01
        _set_chunk(db, target, 0, bytes(body))
    else:
        attack(db, focal, target, target)
    answer = focal.client.get(f"/cases/{focal.case.reference}/attachments/{target}")
    assert answer.status_code == 409
    assert b"one short statement" not in answer.get_data()
    assert answer.headers.get("Content-Disposition") is None
