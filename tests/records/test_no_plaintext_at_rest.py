"""Acceptance: distinctive canaries in every encrypted field never reach the database files
(SQLite file and WAL) or a pg_dump, nor the logs."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hrd_cases.models import Defender
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import search_defenders
from tests.factories import make_case

CANARY = "Qz7Canary"


def _canaries() -> dict[str, str]:
    return {
        field: f"{CANARY}{field.title().replace('_', '')}" for field in Defender.encrypted_fields
    }


def _database_bytes(app: Flask) -> bytes:
    url = make_url(app.extensions["hrd_settings"].database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, (
        "pg_dump is needed to check a PostgreSQL dump (apt-get install postgresql-client)"
    )
    plain_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(  # noqa: S603 - fixed program, URL from test settings
        [pg_dump, "--data-only", "--dbname", plain_url],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert b"COPY public.defenders" in dump.stdout  # the dump really holds the table
    return dump.stdout


def test_no_canary_in_the_database_files_or_logs(
    app: Flask, db: Session, vault: RecordVault, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = _canaries()
    narrative = f"{CANARY}Narrative: detained at the border."
    case = make_case(db, vault, defender=canaries, narrative=narrative)
    # Exercise reads and search too: they must not write or log plaintext either.
    assert search_defenders(db, vault, canaries["name"])[0].defender.id == case.defenders[0].id
    assert vault.open_field(case, "narrative") == narrative
    db.commit()

    stored = _database_bytes(app)
    assert len(stored) > 0
    for value in [*canaries.values(), narrative]:
        assert value.encode() not in stored, value
    assert CANARY.encode() not in stored
    assert CANARY.encode("utf-16-le") not in stored
    assert CANARY not in caplog.text
