"""The preferred-language revision with data: existing accounts keep every column and start
with no preference (they follow their browser); a downgrade drops only the new column and
keeps the accounts; upgrading again works and stores a preference."""

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

REVISION = "b21e4a7c0d15"
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
        with pg.temporary_database(server_url, prefix="hrd_language_migration") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path / 'language.sqlite3'}"


def _columns(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("users")}
    finally:
        engine.dispose()


def _users(url: str, columns: str) -> list[tuple[object, ...]]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(f"SELECT {columns} FROM users ORDER BY email"))]  # noqa: S608, E501 - fixed column names
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_with_accounts(url: str) -> None:
    dbschema.upgrade(url, PREVIOUS)
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            for email, role in (("a@example.org", "admin"), ("b@example.org", "analyst")):
                connection.execute(
                    text(
                        "INSERT INTO users (email, display_name, role, password_hash, "
                        "is_active, created_at, failed_login_count, calendar_shows_court) "
                        "VALUES (:email, :email, :role, 'x', true, CURRENT_TIMESTAMP, 0, false)"
                    ),
                    {"email": email, "role": role},
                )
    finally:
        engine.dispose()
    before = _users(url, "email, role, password_hash, is_active")

    dbschema.upgrade(url, REVISION)
    assert "preferred_language" in _columns(url)
    assert _users(url, "email, role, password_hash, is_active") == before
    assert _users(url, "preferred_language") == [(None,), (None,)]
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE users SET preferred_language = 'ar' WHERE email = 'a@example.org'")
            )
    finally:
        engine.dispose()

    dbschema.downgrade(url, PREVIOUS)
    assert "preferred_language" not in _columns(url)
    assert _users(url, "email, role, password_hash, is_active") == before

    dbschema.upgrade(url, "head")
    assert _users(url, "preferred_language") == [(None,), (None,)]
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE users SET preferred_language = 'fr' WHERE email = 'b@example.org'")
            )
    finally:
        engine.dispose()
    assert _users(url, "preferred_language") == [(None,), ("fr",)]
