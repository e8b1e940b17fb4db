"""The audit chain attacked: edited, deleted and reordered rows are found and named."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.db import begin_write, database_of
from hrd_cases.models import AuditChainHead, AuditEntry


def _append(db: Session, count: int) -> None:
    for i in range(count):
        begin_write(db)
        audit.record(
            db, "test.event", object_type="case", object_id=f"KE-2026-{i:04d}", details={"n": i}
        )
        db.commit()


def test_a_clean_chain_verifies(db: Session) -> None:
    _append(db, 5)
    assert audit.verify_chain(db) == (5, None)


def test_entries_link_to_their_predecessor(db: Session) -> None:
    _append(db, 3)
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash


def test_edited_row_is_named(db: Session) -> None:
    _append(db, 5)
    db.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(outcome="failure"))
    db.commit()
    checked, problem = audit.verify_chain(db)
    assert checked == 2
    assert problem is not None and problem.seq == 3 and "hash" in problem.reason


def test_edited_details_are_detected(db: Session) -> None:
    _append(db, 4)
    db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(details={"n": 99}))
    db.commit()
    assert audit.verify_chain(db)[1].seq == 2


def test_deleted_row_is_named(db: Session) -> None:
    _append(db, 5)
    db.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    db.commit()
    problem = audit.verify_chain(db)[1]
    assert problem is not None and problem.seq == 2 and "missing" in problem.reason


def test_deleted_last_row_is_detected_through_the_head(db: Session) -> None:
    _append(db, 3)
    db.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    db.commit()
    problem = audit.verify_chain(db)[1]
    assert problem is not None and problem.seq is None


def test_reordered_rows_are_named(db: Session) -> None:
    _append(db, 4)
    # Swap the contents of rows 2 and 3 while keeping the sequence numbers in place.
    rows = {e.seq: e for e in db.scalars(select(AuditEntry)).all()}
    two, three = rows[2], rows[3]
    swapped = {
        c: (getattr(three, c), getattr(two, c))
        for c in ("action", "object_id", "at", "details", "prev_hash", "entry_hash")
    }
    db.execute(delete(AuditEntry).where(AuditEntry.seq.in_([2, 3])))
    db.flush()
    for seq, index in ((2, 0), (3, 1)):
        values = {c: v[index] for c, v in swapped.items()}
        db.add(AuditEntry(seq=seq, actor_id=None, object_type="case", outcome="success", **values))
    db.commit()
    problem = audit.verify_chain(db)[1]
    assert problem is not None and problem.seq == 2


def test_rolled_back_transaction_leaves_no_entry(db: Session) -> None:
    begin_write(db)
    audit.record(db, "test.event")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert audit.verify_chain(db) == (0, None)


def test_details_refuse_structured_values(db: Session) -> None:
    with pytest.raises(TypeError):
        audit.record(db, "test.event", details={"blob": {"name": "x"}})
    db.rollback()


def test_concurrent_writers_leave_a_valid_chain(app: Flask) -> None:
    """8 threads appending at once: the head-row lock serialises them on both backends."""
    database = database_of(app)
    errors: list[BaseException] = []
    per_thread = 15

    def writer(n: int) -> None:
        try:
            for i in range(per_thread):
                with database.session() as session:
                    begin_write(session)
                    audit.record(session, "test.concurrent", object_id=f"{n}-{i}")
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        assert audit.verify_chain(session) == (8 * per_thread, None)
        head = session.get(AuditChainHead, 1)
        assert head is not None and head.last_seq == 8 * per_thread
