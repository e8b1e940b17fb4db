"""Issue 16's revision with data, on the suite's backend: hearings keep their rows through
upgrade, downgrade (a cancelled one becomes "not observed", the reason column goes) and
upgrade again. Delegation time zones come from the notifications revision before it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from hrd_cases.db import create_db_engine, utcnow
from hrd_cases.db import migrate as dbschema
from hrd_cases.models import Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow import hearings
from tests import pg
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

REVISION = "6a1c2e9f4b70"
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
        with pg.temporary_database(server_url, prefix="hrd_hearing_migration") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path / 'hearings.sqlite3'}"


def _states(engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, state FROM hearings")).all()
    # A UUID is 32 hex digits on SQLite and a uuid on PostgreSQL: compare in one form.
    return {str(row[0]).replace("-", ""): row[1] for row in rows}


def test_hearing_changes_upgrade_downgrade_and_upgrade_again(
    app: Flask, url: str, vault: RecordVault
) -> None:
    # The data is written by today's models, so at the head; the later revisions' downgrades
    # then carry it back to this revision before the test looks at it.
    dbschema.upgrade(url)
    engine = create_db_engine(url)
    try:
        with Session(engine) as db:
            db.info["app"] = app  # the factories hash passwords with the app's hasher
            kenya = make_delegation(db, country="KE")
            assert kenya.time_zone == "Africa/Nairobi"
            focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
            case = make_case(db, vault, delegation=kenya, actor=focal)
            catalogue = strategy_catalogue()
            kept, dropped = (
                hearings.schedule_hearing(
                    db,
                    vault,
                    catalogue,
                    focal,
                    case.reference,
                    scheduled_for=utcnow() + timedelta(days=days),
                    court="Zq court",
                )
                for days in (3, 4)
            )
            hearings.reschedule_hearing(
                db, vault, focal, kept.id, scheduled_for=utcnow() + timedelta(days=5), reason="r"
            )
            hearings.cancel_hearing(db, vault, focal, dropped.id, reason="charges dropped")
            kept_id, dropped_id = kept.id.hex, dropped.id.hex
        engine.dispose()
        dbschema.downgrade(url, REVISION)
        before = _states(engine)
        assert before == {kept_id: "scheduled", dropped_id: "cancelled"}
        engine.dispose()

        dbschema.downgrade(url, PREVIOUS)
        columns = {c["name"] for c in inspect(engine).get_columns("hearings")}
        assert not {"change_reason_ciphertext", "cancelled_at"} & columns
        assert _states(engine) == {kept_id: "scheduled", dropped_id: "not_observed"}
        engine.dispose()

        dbschema.upgrade(url, REVISION)
        columns = {c["name"] for c in inspect(engine).get_columns("hearings")}
        assert {"change_reason_ciphertext", "cancelled_at"} <= columns
        assert set(_states(engine)) == {kept_id, dropped_id}
    finally:
        engine.dispose()
