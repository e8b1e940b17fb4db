"""The notifications revision, with data: delegations that exist get their capital's time
zone; downgrade drops the new tables and columns and keeps every delegation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from hrd_cases.db import create_db_engine
from hrd_cases.db import migrate as dbschema
from tests import pg

REVISION = "1f8beb2f5bd8"
# Whatever it follows today (re-pointed when main gains a revision).
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
        with pg.temporary_database(server_url, prefix="hrd_notify_migration") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path / 'notify.sqlite3'}"


def test_upgrade_fills_time_zones_and_downgrade_keeps_delegations(url: str) -> None:
    dbschema.upgrade(url, PREVIOUS)
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            for code, country in (("KE-D", "KE"), ("CO-D", "CO"), ("US-D", "US")):
                connection.execute(
                    text(
                        "INSERT INTO delegations (code, name, country, created_at) "
                        "VALUES (:code, :code, :country, CURRENT_TIMESTAMP)"
                    ),
                    {"code": code, "country": country},
                )
        dbschema.upgrade(url, REVISION)
        with engine.connect() as connection:
            zones = dict(connection.execute(text("SELECT code, time_zone FROM delegations")).all())
            assert zones == {
                "KE-D": "Africa/Nairobi",
                "CO-D": "America/Bogota",
                "US-D": "America/New_York",
            }
            user = connection.execute(
                text(
                    "INSERT INTO users (email, display_name, role, password_hash, is_active, "
                    "created_at, failed_login_count) VALUES ('a@example.org', 'A', 'admin', "
                    "'x', true, CURRENT_TIMESTAMP, 0)"
                )
            )
            assert user.rowcount == 1
            connection.execute(
                text(
                    "INSERT INTO notifications (user_id, event, kind, created_at, email_state) "
                    "SELECT id, 'password_changed', 'security', CURRENT_TIMESTAMP, 'none' "
                    "FROM users"
                )
            )
            connection.commit()
        assert {"notifications", "outbox_messages", "notification_preferences"} <= set(
            inspect(engine).get_table_names()
        )
        engine.dispose()
        dbschema.downgrade(url, PREVIOUS)
        tables = set(inspect(engine).get_table_names())
        assert not {"notifications", "outbox_messages", "notification_preferences"} & tables
        columns = {c["name"] for c in inspect(engine).get_columns("delegations")}
        assert "time_zone" not in columns
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM delegations")).scalar() == 3
        engine.dispose()
        dbschema.upgrade(url, REVISION)  # and up again
        with engine.connect() as connection:
            again = dict(connection.execute(text("SELECT code, time_zone FROM delegations")).all())
        assert again["KE-D"] == "Africa/Nairobi"
    finally:
        engine.dispose()
