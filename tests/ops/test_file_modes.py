"""Issue 15: the SQLite database (with its -wal and -shm), the keyring and backups are
created 0600 whatever the umask, and so is a restored database: they hold wrapped keys,
ciphertexts, the audit log and account e-mails."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import create_db_engine
from hrd_cases.ops.backup import backup, restore
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests.support.factories import make_case


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default, which gives 0644 files
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_wal_are_private(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "new.sqlite3"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        for name in ("new.sqlite3", "new.sqlite3-wal", "new.sqlite3-shm"):
            assert mode(tmp_path / name) == 0o600, name
    finally:
        engine.dispose()


def test_an_existing_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    create_db_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600


def test_keyring_backup_and_restored_database_are_private(
    app: Flask,
    db: Session,
    vault: RecordVault,
    settings: Settings,
    tmp_path: Path,
    permissive_umask: None,
) -> None:
    keyring_file = tmp_path / "keyring.json"
    FileKeyProvider.create(keyring_file)
    assert mode(keyring_file) == 0o600
    make_case(db, vault, defender={"name": "Zq File Mode"})
    out = tmp_path / "b.backup"
    backup(settings.database_url, vault.keyring(), out)
    assert mode(out) == 0o600
    if not settings.is_sqlite:
        return  # PostgreSQL's files belong to the server; the keyring and backup are ours
    restored = tmp_path / "restored.sqlite3"
    restore(f"sqlite:///{restored}", vault.keyring(), out)
    assert mode(restored) == 0o600
    engine = create_db_engine(f"sqlite:///{restored}")
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE data_keys SET rotated_at = NULL"))
        assert mode(Path(f"{restored}-wal")) == 0o600
    finally:
        engine.dispose()
