"""Helpers for the operations tests: a second, empty database and a dump of everything
decryptable, to compare instances record by record."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.crypto import ErasedError
from hrd_cases.db import Base, database_of
from hrd_cases.models import Case, Consent, Defender, Hearing, Referral, Statement, User
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests import pg

ENCRYPTED_MODELS = (Defender, Case, Referral, Hearing, Consent, Statement, User)


@contextmanager
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the backend under test (no tables at all)."""
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_restore") as url:
            yield url
        return
    yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


@contextmanager
def app_on(settings: Settings, database_url: str) -> Iterator[Flask]:
    """An app with the same keyring and settings on another database."""
    app = create_app(settings.replace(database_url=database_url))
    try:
        yield app
    finally:
        database_of(app).engine.dispose()


def everything_decrypted(session: Session, vault: RecordVault) -> dict[tuple[str, str], object]:
    """Every encrypted record of the instance, opened: {(table, id): fields or 'ERASED'}."""
    vault.reload()
    opened: dict[tuple[str, str], object] = {}
    for model in ENCRYPTED_MODELS:
        for record in session.scalars(select(model)):
            if model is User and record.data_key is None:
                continue
            try:
                opened[(model.__tablename__, str(record.id))] = vault.open(record)
            except ErasedError:
                opened[(model.__tablename__, str(record.id))] = "ERASED"
    return opened


def row_counts(session: Session, *, skip: tuple[str, ...] = ()) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
        if table.name not in skip
    }
