"""``hrd-cases backup`` and ``restore``: consistent online snapshots, encrypted at once.

SQLite: the online backup API copies the database page by page into a private temporary file
(a consistent snapshot, while the application keeps writing). PostgreSQL: ``pg_dump
--format=custom`` reads everything in one repeatable-read snapshot and streams out. Either way
the snapshot is sealed with :mod:`hrd_cases.ops.backup_format` into a temporary file next to the
target, fsynced, then renamed into place: a killed backup never leaves a file at the target.

Restore authenticates the whole backup into a private temporary file before it touches the
database, and only ever restores into an empty database, so a damaged or wrong file cannot
leave a half-restored instance or mix two instances' records.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.crypto import Keyring
from hrd_cases.db import migrate as dbschema
from hrd_cases.db import private_sqlite_file, utcnow, write_transaction
from hrd_cases.ops.backup_format import (
    BackupFormatError,
    BackupHeader,
    new_header,
    open_backup,
    read_chunks,
    write_backup,
)

Progress = Callable[[int], None]
Start = Callable[[int, str], None]  # (total units, label)
SQLITE_PAGES_PER_STEP = 256


class BackupError(Exception):
    """An operator-facing failure; the message is one line and names no personal data."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    backend: str
    backup_id: str
    kek_version: int
    bytes_written: int
    kek_versions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RestoreResult:
    backend: str
    backup_id: str
    created_at: str
    revision: str | None


def _noop_start(total: int, label: str) -> None:
    return None


def _noop(count: int) -> None:
    return None


# Backup ------------------------------------------------------------------------------------
def backup(
    database_url: str,
    keyring: Keyring,
    out: Path,
    *,
    on_start: Start = _noop_start,
    on_progress: Progress = _noop,
) -> BackupResult:
    """Snapshot the database, encrypt it under a new backup key wrapped by the primary KEK,
    and write it atomically to ``out`` (refused if ``out`` exists: backups are never
    overwritten)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    out = out.resolve()
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name")
    if not out.parent.is_dir():
        raise BackupError(f"directory {out.parent} does not exist")
    header, key = new_header(
        keyring,
        backend=backend,
        created_at=utcnow().isoformat(timespec="seconds"),
        revision=_current_revision(database_url),
        kek_versions=_kek_versions_in_use(database_url, keyring),
    )
    with _private_tempdir() as workdir:
        if backend == "sqlite":
            snapshot = workdir / "snapshot.sqlite3"
            _sqlite_snapshot(url, snapshot, on_start, on_progress)
            on_start(snapshot.stat().st_size, "encrypting")
            with snapshot.open("rb") as source:
                _write_atomically(out, header, key, read_chunks(source), on_progress)
        else:
            _check_pg_tools("pg_dump", url)
            on_start(_pg_database_size(database_url), "dumping and encrypting")
            with _pg_dump(url, workdir / "pg_dump.log") as (dump_output, finished):
                _write_atomically(out, header, key, read_chunks(dump_output), on_progress, finished)
    return BackupResult(
        out,
        backend,
        header.backup_id,
        header.kek_version,
        out.stat().st_size,
        tuple(header.needed_versions()),
    )


def _kek_versions_in_use(database_url: str, keyring: Keyring) -> tuple[int, ...]:
    """KEK versions wrapping live data keys, plus the primary (a rotation running during the
    backup moves keys onto it). A restore refuses a backup that needs a retired one."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if "data_keys" not in inspect(connection).get_table_names():
                return (keyring.primary,)
            rows = connection.execute(
                text("SELECT DISTINCT kek_version FROM data_keys WHERE wrapped_key IS NOT NULL")
            )
            versions = {int(row[0]) for row in rows}
    finally:
        engine.dispose()
    return tuple(sorted(versions | {keyring.primary}))


def _current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        return dbschema.current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - one line for the operator, no SQL text
        raise BackupError(f"cannot read the database ({type(exc).__name__})") from None
    finally:
        engine.dispose()


@contextlib.contextmanager
def _private_tempdir() -> Iterator[Path]:
    """A 0700 directory for the plaintext-free but still private snapshot; always removed."""
    directory = Path(tempfile.mkdtemp(prefix="hrd-backup-"))
    try:
        os.chmod(directory, 0o700)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _write_atomically(
    out: Path,
    header: BackupHeader,
    key: bytes,
    chunks: Iterator[bytes],
    on_progress: Progress,
    check_source: Callable[[], None] = lambda: None,
) -> None:
    """Temporary file in the target directory, fsync, rename: all or nothing at ``out``."""
    temp = out.parent / f".{out.name}.{header.backup_id[:8]}.partial"
    descriptor = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write_backup(handle, header, key, chunks, on_progress)
            handle.flush()
            os.fsync(handle.fileno())
        check_source()  # a snapshot tool that failed late must not leave a short backup
        if out.exists():  # appeared meanwhile: never overwrite a backup
            raise BackupError(f"{out} appeared while the backup was written; not replaced")
        os.replace(temp, out)
        _fsync_directory(out.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _sqlite_snapshot(url: URL, target: Path, on_start: Start, on_progress: Progress) -> None:
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"database file {source_path} does not exist")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=10)
    destination = sqlite3.connect(target)
    try:
        # All pages in one step, i.e. one read transaction: a consistent snapshot that WAL
        # lets writers continue past. (Copying in several steps restarts whenever another
        # connection writes, and may never finish on a busy instance.)
        pages = source.execute("PRAGMA page_count").fetchone()[0]
        on_start(pages, "copying database pages")
        source.backup(destination, pages=-1)
        on_progress(pages)
    finally:
        destination.close()
        source.close()


def _pg_connection_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Arguments and environment for pg_dump/pg_restore: the password travels in the
    environment (not visible in the process list), never on the command line."""
    arguments = ["--dbname", str(url.database or "")]
    host = url.host or url.query.get("host")  # ?host=/var/run/postgresql: a Unix socket
    if host:
        arguments += ["--host", str(host)]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return arguments, environment


def _tool_major(tool: str) -> int:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} is not installed; install the PostgreSQL client (apt-get install "
            "postgresql-client) matching the server's major version"
        )
    output = subprocess.run(  # noqa: S603 - fixed argument list
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if match is None:
        raise BackupError(f"cannot tell the version of {tool}")
    return int(match.group(1))


def _check_pg_tools(tool: str, url: URL) -> None:
    """pg_dump refuses servers newer than itself; say so up front, in one line."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            server = int(connection.execute(text("SHOW server_version_num")).scalar_one())
    finally:
        engine.dispose()
    server_major, tool_major = server // 10000, _tool_major(tool)
    if tool_major < server_major:
        raise BackupError(
            f"{tool} is version {tool_major} but the server is {server_major}; install "
            f"postgresql-client-{server_major}"
        )


def _pg_database_size(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    finally:
        engine.dispose()


@contextlib.contextmanager
def _pg_dump(url: URL, log_path: Path) -> Iterator[tuple[IO[bytes], Callable[[], None]]]:
    """pg_dump's output stream and a check that it exited cleanly. Its messages go to a file
    (a full stderr pipe would stall it); only their first line is reported."""
    arguments, environment = _pg_connection_env(url)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--compress=6",
                *arguments,
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            env=environment,
        )
        if process.stdout is None:  # pragma: no cover - PIPE always gives a stream
            raise BackupError("pg_dump gave no output stream")

        def finished() -> None:
            if process.wait() != 0:
                # pg_dump's messages name objects and connection details, never row values.
                text = log_path.read_text(encoding="utf-8", errors="replace").strip()
                first = text.splitlines()[0] if text else "no message"
                raise BackupError(f"pg_dump failed: {first}")

        try:
            yield process.stdout, finished
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


# Restore -----------------------------------------------------------------------------------
def restore(
    database_url: str,
    keyring: Keyring,
    source: Path,
    *,
    on_start: Start = _noop_start,
    on_progress: Progress = _noop,
) -> RestoreResult:
    """Authenticate and decrypt ``source`` completely, then load it into an empty database."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    _refuse_non_empty(database_url)
    with _private_tempdir() as workdir:
        snapshot = workdir / "snapshot"
        with source.open("rb") as stream:
            header, chunks = open_backup(stream, keyring)
            if header.backend != backend:
                raise BackupError(
                    f"this is a {header.backend} backup; it cannot be restored into {backend}"
                )
            on_start(source.stat().st_size, "decrypting and checking")
            descriptor = os.open(snapshot, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                for chunk in chunks:  # raises on damage before anything reaches the database
                    handle.write(chunk)
                    on_progress(len(chunk) + 32)
        if backend == "sqlite":
            _sqlite_restore(url, snapshot, on_start, on_progress)
        else:
            _check_pg_tools("pg_restore", url)
            _pg_restore(url, snapshot)
    return RestoreResult(backend, header.backup_id, header.created_at, header.revision)


def _refuse_non_empty(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except Exception as exc:  # noqa: BLE001 - one line for the operator
        raise BackupError(f"cannot read the target database ({type(exc).__name__})") from None
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            f"refusing to restore: the target database is not empty ({len(tables)} tables); "
            "restore into a new, empty database"
        )


def _sqlite_restore(url: URL, snapshot: Path, on_start: Start, on_progress: Progress) -> None:
    source = sqlite3.connect(snapshot)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the decrypted snapshot fails SQLite's integrity check")
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        private_sqlite_file(target_path)  # 0600, like the original (and its -wal, -shm)
        target = sqlite3.connect(target_path, timeout=10)
        started, done = False, 0

        def progress(status: int, remaining: int, total: int) -> None:
            nonlocal started, done
            if not started:
                on_start(total, "writing database pages")
                started = True
            on_progress(total - remaining - done)
            done = total - remaining

        try:
            source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=progress)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


def _pg_restore(url: URL, snapshot: Path) -> None:
    arguments, environment = _pg_connection_env(url)
    completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [
            shutil.which("pg_restore") or "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing
            *arguments,
            str(snapshot),
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if completed.returncode != 0:
        first = completed.stderr.strip().splitlines()[0] if completed.stderr.strip() else ""
        raise BackupError(f"pg_restore failed: {first or 'no message'}")


def record_in_audit_log(
    session: Session, action: str, backup_id: str, *, details: dict[str, str | int] | None = None
) -> None:
    """Backups and restores are audited (the backup id, never a path that could name
    someone): a restored instance's log shows where its history was cut."""
    with write_transaction(session):
        audit.record(
            session,
            action,
            object_type="backup",
            object_id=backup_id,
            details=dict(details or {}),
        )


__all__ = [
    "BackupError",
    "BackupFormatError",
    "BackupResult",
    "RestoreResult",
    "backup",
    "record_in_audit_log",
    "restore",
]
