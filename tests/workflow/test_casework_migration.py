"""Issue 16 part A's revision with data, on the suite's backend (SQLite, or PostgreSQL with
DATABASE_URL): a case with a corrected name and a note survives upgrade, downgrade (the
versions and notes go with their tables, the case and its current values stay) and upgrade
again, after which corrections and notes work as before."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from hrd_cases.db import create_db_engine
from hrd_cases.db import migrate as dbschema
from hrd_cases.models import Case, Role
from hrd_cases.reads.history import case_history
from hrd_cases.reads.notes import case_notes
from hrd_cases.records import RecordVault
from hrd_cases.workflow.corrections import correct_case
from hrd_cases.workflow.notes import add_note
from tests import pg
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

REVISION = "b2d4f6a8c0e1"
PREVIOUS = str(
    ScriptDirectory.from_config(dbschema.alembic_config("sqlite://"))
    .get_revision(REVISION)
    .down_revision
)
TABLES = {"field_versions", "case_notes"}


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_casework_migration") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path / 'casework.sqlite3'}"


def _count(engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608 - fixed names


def test_versions_and_notes_upgrade_downgrade_and_upgrade_again(
    app: Flask, url: str, vault: RecordVault
) -> None:
    # Data is written by today's models, so at the head; later revisions' downgrades carry it
    # back to this revision before the test looks at it (and up again before models use it).
    dbschema.upgrade(url)
    engine = create_db_engine(url)
    try:
        with Session(engine) as db:
            db.info["app"] = app  # the factories hash passwords with the app's hasher
            kenya = make_delegation(db, country="KE")
            focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
            case = make_case(db, vault, delegation=kenya, actor=focal, defender={"name": "Zq Old"})
            reference = case.reference
            correct_case(
                db,
                vault,
                strategy_catalogue(),
                focal,
                reference,
                {"risk_level": "critical"},
                defender_changes={"name": "Zq New"},
            )
            add_note(db, vault, focal, reference, "Zq note before the downgrade")
        engine.dispose()
        dbschema.downgrade(url, REVISION)
        assert (_count(engine, "field_versions"), _count(engine, "case_notes")) == (2, 1)
        engine.dispose()

        dbschema.downgrade(url, PREVIOUS)
        assert not TABLES & set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            risk = connection.execute(
                text("SELECT risk_level FROM cases WHERE reference = :r"), {"r": reference}
            ).scalar_one()
        assert risk == "critical"  # the corrected value itself stays
        engine.dispose()

        dbschema.upgrade(url, REVISION)
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert (_count(engine, "field_versions"), _count(engine, "case_notes")) == (0, 0)
        engine.dispose()
        dbschema.upgrade(url)
        with Session(engine) as db:
            db.info["app"] = app
            focal = db.merge(focal, load=True)
            add_note(db, vault, focal, reference, "Zq note after the upgrade")
            correct_case(
                db,
                vault,
                strategy_catalogue(),
                focal,
                reference,
                {},
                defender_changes={"name": "Zq Newer"},
            )
            history = case_history(db, vault, focal, reference)
            assert [
                (f.field, f.current, [v.value for v in f.versions]) for f in history.fields
            ] == [("name", "Zq Newer", ["Zq New"])]
            assert [n.text for n in case_notes(db, vault, focal, reference)] == [
                "Zq note after the upgrade"
            ]
            assert db.query(Case).count() == 1
    finally:
        engine.dispose()
