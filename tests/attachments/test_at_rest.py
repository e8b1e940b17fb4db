"""Acceptance 1 and 7: canaries in a text file, a JPEG and a PDF (content, metadata, title
and file name) are found nowhere at rest: not in the SQLite file and its WAL, a pg_dump, the
storage directory, a backup (sealed or opened with the keyring), nor the logs. A backup
restored into an empty instance serves byte-identical downloads."""

from __future__ import annotations

import logging
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.db import database_of
from hrd_cases.models import Attachment
from hrd_cases.ops import backup_format
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests.support.access import sign_in
from tests.support.attachments import (
    CANARY,
    Setup,
    canary_image,
    canary_pdf,
    canary_text,
    csrf_token,
    upload,
)
from tests.support.factories import make_case, make_user
from tests.support.ops import app_on, empty_database_url

NEEDLE = CANARY.encode()


def _database_bytes(app: Flask) -> bytes:
    url = make_url(app.extensions["hrd_settings"].database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to check a PostgreSQL dump"
    plain_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(  # noqa: S603 - fixed program, URL from test settings
        [pg_dump, "--data-only", "--dbname", plain_url],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert b"COPY public.attachment_chunks" in dump.stdout  # the dump really holds the chunks
    return dump.stdout


def _readable(snapshot: bytes, tmp_path: Path) -> bytes:
    """A PostgreSQL snapshot is pg_dump's compressed custom format: searching it would prove
    nothing, so it is turned back into plain SQL first (the SQLite snapshot is the file)."""
    if not snapshot.startswith(b"PGDMP"):
        assert snapshot.startswith(b"SQLite format 3")
        return snapshot
    dump = tmp_path / "snapshot.dump"
    dump.write_bytes(snapshot)
    pg_restore = shutil.which("pg_restore")
    assert pg_restore, "pg_restore is needed to read a PostgreSQL snapshot"
    plain = subprocess.run(  # noqa: S603 - fixed program, our own file
        [pg_restore, "--data-only", "--file", "-", str(dump)],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    assert b"COPY public.attachment_chunks" in plain
    return plain


def _upload_canaries(client: FlaskClient, reference: str) -> None:
    for content, name in (
        (canary_text(), f"{CANARY}Witness.txt"),
        (canary_image(), f"{CANARY}Photo.jpg"),
        (canary_pdf(), f"{CANARY}Summons.pdf"),
    ):
        answer = upload(client, reference, content, name, title=f"{CANARY}Title {name}")
        assert answer.status_code == 302, answer.get_data(as_text=True)


def _downloads(client: FlaskClient, db: Session, reference: str) -> dict[uuid.UUID, bytes]:
    db.commit()
    ids = db.scalars(select(Attachment.id).order_by(Attachment.id)).all()
    assert len(ids) == 3
    got = {}
    for attachment_id in ids:
        answer = client.get(f"/cases/{reference}/attachments/{attachment_id}")
        assert answer.status_code == 200
        got[attachment_id] = answer.get_data()
    return got


def test_no_canary_in_the_database_a_backup_or_the_logs_and_restore_is_identical(
    app: Flask,
    db: Session,
    vault: RecordVault,
    settings: Settings,
    focal: Setup,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _upload_canaries(focal.client, focal.case.reference)
    before = _downloads(focal.client, db, focal.case.reference)
    assert NEEDLE in before[next(iter(before))] or any(NEEDLE in b for b in before.values())

    assert NEEDLE not in _database_bytes(app)

    out = tmp_path / "hrd.backup"
    made = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert NEEDLE not in out.read_bytes()
    with out.open("rb") as stream:  # opened with the keyring: the snapshot itself
        _, chunks = backup_format.open_backup(stream, vault.keyring())
        snapshot = _readable(b"".join(chunks), tmp_path)
    assert len(snapshot) > 10_000 and NEEDLE not in snapshot

    with empty_database_url(tmp_path) as target_url, app_on(settings, target_url) as target:
        restored = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert restored.exit_code == 0, restored.output
        browser = sign_in(target, focal.user.email)
        with database_of(target).session() as session:
            after = _downloads(browser, session, focal.case.reference)
        assert after == before  # byte-identical downloads from the restored instance

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert CANARY not in logged


def test_filesystem_storage_holds_nothing_readable_and_round_trips(
    db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "files"
    app = create_app(
        settings.replace(attachment_storage="filesystem", attachment_directory=str(directory))
    )
    try:
        db.info["app"] = app
        user = make_user(db)
        case = make_case(db, vault, delegation=user.delegation, actor=user)
        browser = sign_in(app, user.email)
        _upload_canaries(browser, case.reference)
        stored = sorted(directory.iterdir())
        assert len(stored) == 3 and all(p.suffix == ".chunks" for p in stored)
        assert all(p.stat().st_mode & 0o077 == 0 for p in stored)  # owner only
        assert NEEDLE not in b"".join(p.read_bytes() for p in stored)
        assert NEEDLE not in _database_bytes(app)
        downloads = _downloads(browser, db, case.reference)
        text = next(b for b in downloads.values() if b.startswith(b"Statement of"))
        assert text == canary_text()

        flipped = bytearray(stored[0].read_bytes())
        flipped[40] ^= 0xFF
        stored[0].write_bytes(bytes(flipped))
        damaged = uuid.UUID(hex=stored[0].stem)
        answer = browser.get(f"/cases/{case.reference}/attachments/{damaged}")
        assert answer.status_code == 409
        report = app.test_cli_runner().invoke(args=["attachments", "verify"])
        assert f"BROKEN {case.reference} {damaged}" in report.output
        assert report.output.count("BROKEN") == 1

        removed = browser.post(
            f"/cases/{case.reference}/attachments/{damaged}/remove",
            data={"csrf_token": csrf_token(browser, f"/cases/{case.reference}")},
        )
        assert removed.status_code == 302
        assert not stored[0].exists() and len(list(directory.iterdir())) == 2
    finally:
        database_of(app).engine.dispose()
