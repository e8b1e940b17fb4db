"""Database plumbing: backend settings, UTC datetimes, session per request."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from hrd_cases.current import current_session
from hrd_cases.db import create_db_engine
from hrd_cases.models import Delegation, Role, User
from tests.support.factories import make_delegation, make_user


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    finally:
        engine.dispose()


def test_postgresql_engines_are_pooled_with_pre_ping() -> None:
    engine = create_db_engine("postgresql+psycopg://user@db.invalid/hrd")  # never connects
    assert engine.pool.size() == 10
    assert engine.pool._pre_ping is True  # a restarted server must not fail the next request
    assert engine.dialect.driver == "psycopg"


def test_foreign_keys_are_enforced(db: Session) -> None:
    db.add(
        User(
            email="x@example.org",
            display_name="X",
            role=Role.FOCAL_POINT,
            password_hash="x",
            delegation_id=999_999,
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_focal_point_needs_a_delegation(db: Session) -> None:
    db.add(User(email="y@example.org", display_name="Y", role=Role.FOCAL_POINT, password_hash="x"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_datetimes_come_back_aware_in_utc(db: Session) -> None:
    delegation = make_delegation(db)
    db.expire_all()
    loaded = db.get(Delegation, delegation.id)
    assert loaded is not None
    assert loaded.created_at.utcoffset().total_seconds() == 0


def test_naive_datetimes_are_refused(db: Session) -> None:
    db.add(Delegation(code="NAIVE", name="n", country="KE", created_at=datetime(2026, 1, 1)))
    with pytest.raises(StatementError):
        db.commit()
    db.rollback()


def test_email_uniqueness_is_case_insensitive(db: Session) -> None:
    make_user(db, Role.ANALYST, email="Same@Example.org")
    with pytest.raises(IntegrityError):
        make_user(db, Role.ANALYST, email="same@example.ORG")
    db.rollback()


def test_request_session_is_rolled_back_and_closed_on_error(app: Flask) -> None:
    with pytest.raises(RuntimeError), app.app_context():
        session = current_session()
        session.add(Delegation(code="HALF", name="half-written", country="KE"))
        session.flush()
        raise RuntimeError("request failed midway")
    with app.app_context():
        assert current_session().scalar(select(Delegation).where(Delegation.code == "HALF")) is None


def test_uncommitted_work_is_discarded_at_teardown(app: Flask) -> None:
    with app.app_context():
        session = current_session()
        session.add(Delegation(code="UNCOMMITTED", name="n", country="KE"))
        session.flush()
    with app.app_context():
        found = current_session().scalar(select(Delegation).where(Delegation.code == "UNCOMMITTED"))
        assert found is None


def test_begin_write_takes_the_sqlite_write_lock_up_front(tmp_path: Path) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import sessionmaker

    from hrd_cases.db import begin_write

    engine = create_db_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    statements: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: statements.append(statement),
    )
    try:
        with sessionmaker(engine)() as session:
            session.execute(text("SELECT 1"))  # a read transaction is already open
            begin_write(session)
            session.execute(text("SELECT 2"))
            session.commit()
            session.execute(text("SELECT 3"))  # later transactions are deferred again
            session.commit()
    finally:
        engine.dispose()
    assert statements == ["BEGIN", "SELECT 1", "BEGIN IMMEDIATE", "SELECT 2", "BEGIN", "SELECT 3"]


def test_begin_write_refuses_unsaved_changes(db: Session) -> None:
    from hrd_cases.db import begin_write

    db.add(Delegation(code="PENDING", name="n", country="KE"))
    with pytest.raises(RuntimeError, match="unsaved changes"):
        begin_write(db)
    db.rollback()
