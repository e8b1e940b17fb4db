"""PostgreSQL helpers for tests: reachability and throwaway databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

from hrd_cases.settings import normalise_database_url


def is_postgres(url: str | None) -> bool:
    return bool(url) and normalise_database_url(url or "").startswith("postgresql")


def _admin_connection(server_url: str):
    import psycopg

    url = make_url(normalise_database_url(server_url)).set(drivername="postgresql")
    try:
        return psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
        )
    except psycopg.OperationalError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        message = (
            f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {reason}"
        )
        if os.environ.get("CI"):
            # In CI a PostgreSQL run must never quietly turn into a skipped one.
            pytest.exit(message, returncode=3)
        pytest.skip(message)


@contextmanager
def temporary_database(server_url: str, *, prefix: str) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin_connection(server_url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(normalise_database_url(server_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with _admin_connection(server_url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
