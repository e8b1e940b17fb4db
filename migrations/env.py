"""Alembic environment wired to hrd_cases' models and database URL."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

import hrd_cases.models  # noqa: F401 - registers every table on Base.metadata
from hrd_cases.db import Base, create_db_engine
from hrd_cases.settings import Settings

config = context.config
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.load().database_url


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable, url)
        return
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection, url)
    finally:
        engine.dispose()


def _run(connection, url: str) -> None:
    sqlite = url.startswith("sqlite")
    if sqlite:
        # Batch mode recreates a table with DROP TABLE, which fails (or cascades) while other
        # rows reference it; SQLite only honours this pragma outside a transaction, so it goes
        # to the driver directly (hrd_cases' engine emits its own BEGIN on first use).
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        driver = connection.connection.dbapi_connection
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        driver.execute("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"migration left {len(broken)} rows with a broken foreign key")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
