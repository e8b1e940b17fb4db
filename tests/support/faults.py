"""Fault injection: the database connection dies just before a chosen statement.

On PostgreSQL this is a real fault: another connection terminates the request's backend with
pg_terminate_backend (waiting until it is gone), and the statement then fails in the driver
exactly as it would after a crash or failover. SQLite has no server to lose, so the driver's
own OperationalError is raised at that point instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url


@dataclass
class Fault:
    fired: int = 0


@contextmanager
def connection_dies_before(
    engine: Engine, matches: Callable[[str], bool], *, times: int = 1
) -> Iterator[Fault]:
    fault = Fault()
    postgres = engine.dialect.name == "postgresql"

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if fault.fired >= times or not matches(statement):
            return
        fault.fired += 1
        if postgres:
            _terminate(engine, conn.connection.dbapi_connection.info.backend_pid)
        else:
            raise sqlite3.OperationalError("disk I/O error (injected)")

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield fault
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def _terminate(engine: Engine, pid: int) -> None:
    import psycopg

    url = make_url(engine.url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        # The timeout makes the call wait until the backend has really exited.
        terminated = admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
        assert terminated == (True,)


def statement_starts(prefix: str) -> Callable[[str], bool]:
    return lambda statement: statement.lstrip().upper().startswith(prefix.upper())
