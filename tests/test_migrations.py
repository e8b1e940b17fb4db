"""Migrations: the head revision matches the models, and every revision upgrades, downgrades
and upgrades again (after SecureDrop's tests/test_alembic.py). Runs on the suite's backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import hrd_cases.models  # noqa: F401 - registers every table
from hrd_cases.db import Base, create_db_engine
from hrd_cases.db import migrate as dbschema
from tests import pg


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_migration") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def _revisions_base_to_head() -> list[str]:
    script = ScriptDirectory.from_config(dbschema.alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _schema_diff(url: str) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_there_is_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(dbschema.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "branched migrations: merge them"


def test_head_revision_matches_the_models(empty_database_url: str) -> None:
    dbschema.upgrade(empty_database_url)
    assert _schema_diff(empty_database_url) == []


def test_a_model_change_without_a_revision_is_detected(empty_database_url: str) -> None:
    """The comparison above can fail: a table missing from the database shows up as a diff."""
    dbschema.upgrade(empty_database_url)
    dbschema.downgrade(empty_database_url, "base")
    diff = _schema_diff(empty_database_url)
    added = {
        entry[1].name for entry in diff if isinstance(entry, tuple) and entry[0] == "add_table"
    }
    assert set(Base.metadata.tables) <= added


def test_every_revision_upgrades_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    revisions = _revisions_base_to_head()
    assert revisions, "no migrations found"
    previous = "base"
    for revision in revisions:
        dbschema.upgrade(empty_database_url, revision)
        tables_after_upgrade = _tables(empty_database_url)
        dbschema.downgrade(empty_database_url, previous)
        dbschema.upgrade(empty_database_url, revision)
        assert _tables(empty_database_url) == tables_after_upgrade, revision
        previous = revision
    assert _schema_diff(empty_database_url) == []
    dbschema.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}


def test_calendar_court_opt_in_revision_keeps_users_and_starts_off(
    empty_database_url: str,
) -> None:
    """4c0a7e2d9b15 adds users.calendar_shows_court: existing accounts keep their rows and
    start with the court hidden; the downgrade drops only the column."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    revision = "4c0a7e2d9b15"
    # Whatever it follows today: revisions of parallel work are re-chained when they land.
    found = ScriptDirectory.from_config(dbschema.alembic_config("sqlite://")).get_revision(revision)
    assert found is not None
    before = str(found.down_revision)
    dbschema.upgrade(empty_database_url, before)
    engine = create_db_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, display_name, role, password_hash, is_active, "
                    "created_at, failed_login_count) VALUES ('old@example.org', 'Old', 'analyst', "
                    "'x', :yes, '2026-01-01 00:00:00', 0)"
                ),
                {"yes": True},
            )
        dbschema.upgrade(empty_database_url, revision)
        with engine.begin() as connection:
            shows = connection.execute(
                text("SELECT calendar_shows_court FROM users WHERE email = 'old@example.org'")
            ).scalar_one()
            assert shows in (False, 0)
            connection.execute(text("UPDATE users SET calendar_shows_court = :yes"), {"yes": True})
        dbschema.downgrade(empty_database_url, before)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT email FROM users")).scalars().all() == [
                "old@example.org"
            ]
        assert "calendar_shows_court" not in {
            c["name"] for c in inspect(engine).get_columns("users")
        }
        dbschema.upgrade(empty_database_url, revision)
    finally:
        engine.dispose()


def test_account_links_revision_keeps_data_across_downgrade_and_upgrade(
    empty_database_url: str,
) -> None:
    """a19c0de5e7a1 adds account_links, audit_checkpoints and the audit viewer's indexes:
    rows of the tables it does not own survive a downgrade and an upgrade, and its own
    tables come back empty and usable."""
    from sqlalchemy import text

    dbschema.upgrade(empty_database_url, "a19c0de5e7a1")
    engine = create_db_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, display_name, role, password_hash, is_active, "
                    "failed_login_count, created_at) VALUES ('a@example.org', 'A', 'admin', "
                    "'x', true, 0, CURRENT_TIMESTAMP)"
                )
            )
            user_id = connection.execute(text("SELECT id FROM users")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO account_links (user_id, purpose, token_hash, created_at, "
                    "expires_at) VALUES (:u, 'invitation', :h, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"u": user_id, "h": "a" * 64},
            )
            connection.execute(
                text(
                    "INSERT INTO audit_entries (seq, at, actor_id, action, outcome, details, "
                    "prev_hash, entry_hash) VALUES (1, CURRENT_TIMESTAMP, :u, 'user.invite', "
                    "'success', '{}', :p, :e)"
                ),
                {"u": user_id, "p": "0" * 64, "e": "e" * 64},
            )
        dbschema.downgrade(empty_database_url, "a19c0de5e7a1-1")  # whatever precedes it
        assert "account_links" not in _tables(empty_database_url)
        assert "audit_checkpoints" not in _tables(empty_database_url)
        dbschema.upgrade(empty_database_url, "a19c0de5e7a1")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
            assert connection.execute(text("SELECT count(*) FROM audit_entries")).scalar_one() == 1
            assert connection.execute(text("SELECT count(*) FROM account_links")).scalar_one() == 0
            indexes = {i["name"] for i in inspect(connection).get_indexes("audit_entries")}
            assert {"ix_audit_entries_actor_id_seq", "ix_audit_entries_object_seq"} <= indexes
    finally:
        engine.dispose()


def test_the_quarterly_releases_revision_with_data(empty_database_url: str) -> None:
    """Issue 14: a stored release survives upgrade, goes with its files on downgrade, and the
    tables come back empty on the next upgrade."""
    from sqlalchemy import text

    dbschema.upgrade(empty_database_url, "a14f7e2c9b31")
    engine = create_db_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO quarterly_releases (id, quarter, version, released_at, k, p, "
                    "content_sha256, true_counts) VALUES (1, '2026Q3', 1, '2026-10-31 00:00:00', "
                    "5, 2, :digest, '{}')"
                ),
                {"digest": "0" * 64},
            )
            connection.execute(
                text(
                    "INSERT INTO quarterly_release_files (release_id, format, body, sha256) "
                    "VALUES (1, 'json', :body, :digest)"
                ),
                {"body": b"{}", "digest": "1" * 64},
            )
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT quarter, version, k, p FROM quarterly_releases")
            ).one()
            assert tuple(stored) == ("2026Q3", 1, 5, 2)
    finally:
        engine.dispose()
    dbschema.downgrade(empty_database_url, "a14f7e2c9b31-1")
    assert not {"quarterly_releases", "quarterly_release_files"} & _tables(empty_database_url)
    dbschema.upgrade(empty_database_url, "a14f7e2c9b31")
    engine = create_db_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM quarterly_releases")).scalar()
            assert count == 0
    finally:
        engine.dispose()


def test_the_delegation_partners_and_link_emails_revision_with_data(
    empty_database_url: str,
) -> None:
    """b7d3e5a1c942: delegations, links and outbox rows survive an upgrade; the partners and
    a pending link e-mail go on downgrade (with the token it held), the rest stays; an upgrade
    again gives back empty, usable columns and table."""
    from sqlalchemy import text

    mine = "b7d3e5a1c942"
    script = ScriptDirectory.from_config(dbschema.alembic_config("sqlite://"))
    revision = script.get_revision(mine)
    assert revision is not None and isinstance(revision.down_revision, str)
    before = revision.down_revision
    dbschema.upgrade(empty_database_url, before)
    engine = create_db_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO delegations (code, name, country, time_zone, created_at) "
                    "VALUES ('EUDEL-KE', 'EU Delegation to Kenya', 'KE', 'Africa/Nairobi', "
                    "CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO users (email, display_name, role, password_hash, is_active, "
                    "failed_login_count, created_at) VALUES ('a@example.org', 'A', 'admin', "
                    "'x', true, 0, CURRENT_TIMESTAMP)"
                )
            )
            user_id = connection.execute(text("SELECT id FROM users")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO account_links (user_id, purpose, token_hash, created_at, "
                    "expires_at) VALUES (:u, 'invitation', :h, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"u": user_id, "h": "a" * 64},
            )
            connection.execute(
                text(
                    "INSERT INTO outbox_messages (idempotency_key, user_id, is_digest, state, "
                    "attempts, next_attempt_at, created_at) VALUES ('<n@x>', :u, false, "
                    "'sent', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"u": user_id},
            )
        dbschema.upgrade(empty_database_url, mine)
        with engine.begin() as connection:
            link_id = connection.execute(text("SELECT id FROM account_links")).scalar_one()
            assert connection.execute(
                text("SELECT token_ciphertext FROM account_links")
            ).scalar_one() is None
            delegation_id = connection.execute(text("SELECT id FROM delegations")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO delegation_observation_partners (delegation_id, embassy) "
                    "VALUES (:d, 'EU'), (:d, 'DE')"
                ),
                {"d": delegation_id},
            )
            connection.execute(
                text("UPDATE account_links SET token_ciphertext = :c"), {"c": b"\x01sealed"}
            )
            connection.execute(
                text(
                    "INSERT INTO outbox_messages (idempotency_key, user_id, is_digest, state, "
                    "attempts, next_attempt_at, created_at, account_link_id) VALUES "
                    "('<l@x>', :u, false, 'queued', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :l)"
                ),
                {"u": user_id, "l": link_id},
            )
        dbschema.downgrade(empty_database_url, before)
        assert "delegation_observation_partners" not in _tables(empty_database_url)
        with engine.begin() as connection:
            keys = connection.execute(text("SELECT idempotency_key FROM outbox_messages"))
            assert [k for (k,) in keys] == ["<n@x>"]  # the pending link e-mail went
            assert connection.execute(text("SELECT count(*) FROM account_links")).scalar_one() == 1
            assert connection.execute(text("SELECT count(*) FROM delegations")).scalar_one() == 1
            columns = {c["name"] for c in inspect(connection).get_columns("account_links")}
            assert "token_ciphertext" not in columns
        dbschema.upgrade(empty_database_url, mine)
        with engine.begin() as connection:
            assert (
                connection.execute(
                    text("SELECT count(*) FROM delegation_observation_partners")
                ).scalar_one()
                == 0
            )
            assert connection.execute(
                text("SELECT account_link_id FROM outbox_messages")
            ).scalar_one() is None
    finally:
        engine.dispose()
