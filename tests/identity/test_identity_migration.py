"""The identity revision (security keys, single sign-on subjects) with data, up and down."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from hrd_cases.db import create_db_engine
from hrd_cases.db import migrate as dbschema
from tests import pg

REVISION = "e86639f16367"
PREVIOUS = "6a1c2e9f4b70"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_identity_mig") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'identity.sqlite3'}"


def _run(url: str, sql: str, **params: object) -> list[tuple]:  # type: ignore[type-arg]
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_identity_revision_keeps_accounts_and_carries_keys_up_and_down(
    database_url: str,
) -> None:
    dbschema.upgrade(database_url, PREVIOUS)
    _run(
        database_url,
        "INSERT INTO users (email, display_name, role, password_hash, is_active, created_at,"
        " failed_login_count) VALUES ('kept@example.org', 'Kept', 'admin', 'x', true,"
        " CURRENT_TIMESTAMP, 0)",
    )
    user_id = _run(database_url, "SELECT id FROM users")[0][0]
    _run(
        database_url,
        "INSERT INTO user_sessions (user_id, token_hash, created_at, last_seen_at)"
        " VALUES (:u, 'abc', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        u=user_id,
    )

    dbschema.upgrade(database_url, REVISION)
    assert _run(database_url, "SELECT email FROM users") == [("kept@example.org",)]
    assert _run(database_url, "SELECT count(*) FROM user_sessions") == [(1,)]
    _run(
        database_url,
        "INSERT INTO security_keys (user_id, name, credential_id, public_key, sign_count,"
        " backup_eligible, backup_state, transports, created_at) VALUES (:u, 'blue key',"
        " :cred, :pk, 7, true, false, 'usb', CURRENT_TIMESTAMP)",
        u=user_id,
        cred=b"\x01\x02",
        pk=b"\x03",
    )
    bind = (
        "INSERT INTO oidc_identities (user_id, issuer, subject, bound_at)"
        " VALUES (:u, 'https://idp', :s, CURRENT_TIMESTAMP)"
    )
    _run(database_url, bind, u=user_id, s="s1")
    # The (issuer, subject) pair names one account only, and an account one subject per issuer.
    with pytest.raises(Exception, match=r"(?i)unique"):
        _run(database_url, bind, u=user_id, s="s2")
    assert _run(database_url, "SELECT name, sign_count FROM security_keys") == [("blue key", 7)]

    dbschema.downgrade(database_url, PREVIOUS)
    assert _run(database_url, "SELECT email FROM users") == [("kept@example.org",)]
    assert _run(database_url, "SELECT count(*) FROM user_sessions") == [(1,)]
    dbschema.upgrade(database_url, "head")
    assert _run(database_url, "SELECT count(*) FROM security_keys") == [(0,)]
    assert _run(database_url, "SELECT count(*) FROM oidc_identities") == [(0,)]
