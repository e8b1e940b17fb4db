"""Database plumbing: declarative base, engines tuned per backend, one session per request.

Plain SQLAlchemy 2 rather than Flask-SQLAlchemy: services, the CLI and benchmark scripts take a
``Session`` argument and run the same way with or without a request.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, g
from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from hrd_cases.domain.clock import utcnow

__all__ = ["utcnow"]  # re-exported: models and services take the clock from here too
log = logging.getLogger(__name__)

# Stable constraint names, so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_type(enum_class: type[enum.Enum], name: str) -> Enum:
    """A string enum column: stored as its values (portable VARCHAR plus a CHECK constraint,
    not a native enum type), so adding a member needs no ALTER TYPE on PostgreSQL."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite drops the offset otherwise)."""

    impl = DateTime
    cache_ok = True

    def __init__(self, timezone: bool = True) -> None:  # always aware; the flag is for Alembic
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create_db_engine(database_url: str) -> Engine:
    """An engine with the settings each backend needs to be safe under concurrent use."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            private_sqlite_file(Path(url.database))
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        event.listen(engine, "connect", _configure_sqlite_connection)
        # pysqlite's own transaction handling defers BEGIN; take it over so that a
        # transaction starts when SQLAlchemy says, and writers queue on busy_timeout.
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,  # a restarted database must not fail the next request
        pool_recycle=1800,
        pool_timeout=10,
        hide_parameters=True,  # SQL errors must not carry values into logs
    )


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would follow the umask, often 0644),
    and tighten an existing one: it holds wrapped keys, ciphertexts and the audit log. SQLite
    gives its ``-wal`` and ``-shm`` files the main file's permissions."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return
    except FileNotFoundError:
        return  # no such directory: SQLite's own error will say so
    os.close(descriptor)
    os.chmod(path, 0o600)  # the umask could have removed our own bits


def _configure_sqlite_connection(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Freed space (an erased key, a deleted token) is overwritten with zeros instead of
    # lingering in the file: set explicitly, whatever this SQLite was compiled with.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass(frozen=True, slots=True)
class ScrubResult:
    backend: str
    complete: bool  # SQLite: the WAL was emptied; PostgreSQL: every table was vacuumed


def scrub_freed_copies(session: Session, tables: Sequence[str]) -> ScrubResult:
    """After an erasure or a retention run, drop the old row versions that still hold what
    was destroyed, outside any transaction (call it after the commit).

    SQLite: ``wal_checkpoint(TRUNCATE)`` copies the committed pages (zeroed by
    ``secure_delete``) into the main file and truncates the ``-wal`` file, which held the
    previous page images. A reader holding an old snapshot makes it incomplete (it is logged;
    the next checkpoint finishes it). PostgreSQL: ``VACUUM`` of each table prunes the dead
    tuples (and their TOAST) so no page keeps a readable old version; WAL archives and
    replicas are beyond its reach, which is what the KEK retirement of the erasure epoch covers.
    """
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind  # a session may be bound
    # to a connection (tests) rather than the engine
    backend = engine.dialect.name
    raw = engine.raw_connection()
    try:
        if backend == "sqlite":
            cursor = raw.cursor()
            busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
            complete = busy == 0
        else:
            raw.rollback()
            driver = raw.driver_connection
            if driver is None:  # a live pooled connection always has one
                raise RuntimeError("no driver connection to vacuum with")
            driver.autocommit = True  # VACUUM cannot run inside a transaction block
            try:
                with driver.cursor() as cursor:
                    for table in tables:
                        if not table.replace("_", "").isalnum():
                            raise ValueError(f"not a table name: {table!r}")
                        cursor.execute(f"VACUUM {table}")
            finally:
                driver.autocommit = False
            complete = True
    finally:
        raw.close()
    if not complete:
        log.warning("after an erasure, the SQLite WAL could not be emptied yet (a reader is busy)")
    return ScrubResult(backend, complete)


def _begin_sqlite_transaction(connection) -> None:
    # begin_write() asks for BEGIN IMMEDIATE through an execution option.
    connection.exec_driver_sql(connection.get_execution_options().get("hrd_sqlite_begin", "BEGIN"))


@dataclass(frozen=True, slots=True)
class Database:
    """The application's engine and session factory (one per app)."""

    engine: Engine
    session_factory: sessionmaker[Session]

    @classmethod
    def connect(cls, database_url: str) -> Database:
        engine = create_db_engine(database_url)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session outside a request (CLI, scripts), rolled back on error, always closed."""
        session = self.session_factory()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not reachable" for /healthz
            return False
        return True


def init_database(app: Flask, database_url: str) -> Database:
    database = Database.connect(database_url)
    app.extensions["hrd_db"] = database
    app.teardown_appcontext(_close_request_session)
    return database


def _close_request_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is not None or session.in_transaction():
            # Services commit their own work; anything still open here is unfinished.
            session.rollback()
    finally:
        session.close()


def begin_write(session: Session) -> None:
    """Start a transaction that will write, so that it cannot fail half-way on a lock.

    On SQLite a deferred transaction that read first cannot always upgrade to a writer (the
    snapshot is stale once another connection has committed), so writers take the write lock
    up front with BEGIN IMMEDIATE and queue on busy_timeout. On PostgreSQL this only ends any
    read-only transaction the request had open. Nothing unsaved may be pending.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() called with unsaved changes in the session")
    if session.in_transaction():
        session.commit()  # only reads so far; expire_on_commit=False keeps loaded objects
    options = {"hrd_sqlite_begin": "BEGIN IMMEDIATE"}
    session.connection(execution_options=options)


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """A service's unit of work: write lock up front, commit at the end, roll back on any
    error, so a refused step leaves nothing behind and holds no lock."""
    begin_write(session)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def database_of(app: Flask) -> Database:
    """The database of ``app`` outside its context (tests, scripts); in a request or command
    use ``hrd_cases.current.current_database``."""
    database: Database = app.extensions["hrd_db"]
    return database
