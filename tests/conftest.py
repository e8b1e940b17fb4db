"""Shared fixtures, in the style of Flask's tutorial: app, db, client, runner, auth.

The backend is chosen by DATABASE_URL: unset means a throwaway SQLite file; a PostgreSQL URL
means a database created for this run and dropped after it, so runs never share tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import migrate as dbschema
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests import pg
from tests.support.app import TEST_SECRET_KEY, AuthActions, empty_all_tables


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("DATABASE_URL")
    return f"hrd_cases database backend: {'PostgreSQL' if pg.is_postgres(url) else 'SQLite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if pg.is_postgres(os.environ.get("DATABASE_URL")):
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: set DATABASE_URL=postgresql://... to run")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the head revision, private to this test run."""
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_test") as url:
            dbschema.upgrade(url)
            yield url
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hrd_cases.sqlite3'}"
    dbschema.upgrade(url)
    yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    instance = tmp_path_factory.mktemp("instance")
    FileKeyProvider.create(instance / "keyring.json")
    return Settings.load(
        environ={"SECRET_KEY": TEST_SECRET_KEY},
        env="test",
        instance_path=instance,
        database_url=database_url,
        keyring_file=instance / "keyring.json",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    empty_all_tables(app)
    app.extensions["hrd_db"].engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session of its own, outside any app context: an app context left pushed would be
    shared by every test-client request (one ``g``, one request session), hiding bugs."""
    with app.extensions["hrd_db"].session() as session:
        session.info["app"] = app
        yield session


@pytest.fixture
def vault(app: Flask) -> RecordVault:
    return app.extensions["hrd_vault"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def auth(client: FlaskClient, app: Flask) -> AuthActions:
    return AuthActions(client, app)


@pytest.fixture
def unique_name() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
