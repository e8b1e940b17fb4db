"""Issue 16's assignment revision with data, on the suite's backend: upgrade, downgrade and
upgrade again. Upgrading fills each case's assignee from whoever opened it, when that account
is a focal point of the case's own delegation; otherwise the case starts unassigned."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text, update
from sqlalchemy.orm import Session

from hrd_cases.db import create_db_engine
from hrd_cases.db import migrate as dbschema
from hrd_cases.models import Case, Role, User
from hrd_cases.records import RecordVault
from tests import pg
from tests.support.factories import make_case, make_delegation, make_user

REVISION = "b5d2f0c3a817"
PREVIOUS = str(
    ScriptDirectory.from_config(dbschema.alembic_config("sqlite://"))
    .get_revision(REVISION)
    .down_revision
)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_assignment_migration") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path / 'assignment.sqlite3'}"


def _assignees(engine) -> dict[str, int | None]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT reference, assigned_to_id FROM cases")).all()
    return {row[0]: row[1] for row in rows}


def test_assignment_upgrade_downgrade_and_upgrade_again(
    app: Flask, url: str, vault: RecordVault
) -> None:
    dbschema.upgrade(url, REVISION)
    engine = create_db_engine(url)
    try:
        with Session(engine) as db:
            db.info["app"] = app  # the factories hash passwords with the app's hasher
            kenya, nepal = make_delegation(db, country="KE"), make_delegation(db, country="NP")
            opener = make_user(db, Role.FOCAL_POINT, delegation=kenya)
            mover = make_user(db, Role.FOCAL_POINT, delegation=kenya)
            colleague = make_user(db, Role.FOCAL_POINT, delegation=kenya)
            opened = make_case(db, vault, delegation=kenya, actor=opener)
            moved = make_case(db, vault, delegation=kenya, actor=mover)
            from_cli = make_case(db, vault, delegation=kenya, actor=None)
            reassigned = make_case(db, vault, delegation=kenya, actor=opener)
            # Reassigned, then the revision is undone: the opener is the best guess again.
            db.execute(
                update(Case).where(Case.id == reassigned.id).values(assigned_to_id=colleague.id)
            )
            refs = opened.reference, moved.reference, from_cli.reference, reassigned.reference
            opener_id, mover_id, colleague_id, nepal_id = (
                opener.id,
                mover.id,
                colleague.id,
                nepal.id,
            )
            db.commit()
        assert _assignees(engine) == {
            refs[0]: opener_id,
            refs[1]: mover_id,
            refs[2]: None,
            refs[3]: colleague_id,
        }
        engine.dispose()

        dbschema.downgrade(url, PREVIOUS)
        assert "assigned_to_id" not in {c["name"] for c in inspect(engine).get_columns("cases")}
        with Session(engine) as db:  # meanwhile, one opener moves to another delegation
            db.execute(update(User).where(User.id == mover_id).values(delegation_id=nepal_id))
            db.commit()
        engine.dispose()

        dbschema.upgrade(url, REVISION)
        assert "assigned_to_id" in {c["name"] for c in inspect(engine).get_columns("cases")}
        assert _assignees(engine) == {
            refs[0]: opener_id,
            refs[1]: None,  # its opener now belongs to another delegation
            refs[2]: None,
            refs[3]: opener_id,
        }
        indexes = {i["name"] for i in inspect(engine).get_indexes("cases")}
        assert "ix_cases_assigned_to_id_opened_at" in indexes
    finally:
        engine.dispose()
