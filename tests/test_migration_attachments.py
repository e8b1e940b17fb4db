"""The attachments revision with data: upgrade keeps every existing record, a downgrade refuses
while evidence files exist (it would destroy them), and once they are removed it downgrades,
keeps the cases, and upgrades again to a working schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hrd_cases.current import current_attachment_config
from hrd_cases.db import create_db_engine, database_of
from hrd_cases.db import migrate as dbschema
from hrd_cases.domain.vocabulary import AttachmentCategory
from hrd_cases.models import Attachment, Case
from hrd_cases.settings import Settings
from hrd_cases.workflow.attachments import NewAttachment, add_attachment
from tests import pg
from tests.support.factories import make_case, make_user
from tests.support.ops import app_on

REVISION = "1c04e860ddc8"
PREVIOUS = "b7c3e1a9d2f4"


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_attach_migration") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'attachments-migration.sqlite3'}"


def _count(url: str, sql: str) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def test_upgrade_and_downgrade_with_data(settings: Settings, fresh_database_url: str) -> None:
    # Records are written through the services at head (the models always describe head); the
    # later revisions are then stepped down so that this revision's own downgrade is what runs.
    database_url = fresh_database_url
    dbschema.upgrade(database_url, "head")
    with app_on(settings, database_url) as app, database_of(app).session() as db, app.app_context():
        db.info["app"] = app
        vault = app.extensions["hrd_vault"]
        user = make_user(db)
        case = make_case(db, vault, delegation=user.delegation, actor=user)
        reference = case.reference
        add_attachment(
            db,
            vault,
            user,
            reference,
            NewAttachment(title="t", filename="f.txt", category=AttachmentCategory.OTHER),
            [b"a statement\n" * 1000],
            current_attachment_config(),
        )
    cases_before = _count(database_url, "SELECT count(*) FROM cases")
    dbschema.downgrade(database_url, REVISION)
    assert _count(database_url, "SELECT count(*) FROM attachments") == 1

    with pytest.raises(RuntimeError, match="1 evidence file"):
        dbschema.downgrade(database_url, PREVIOUS)
    assert _count(database_url, "SELECT count(*) FROM attachment_chunks") == 1  # untouched

    # The file is removed by hand here: the services speak head's schema, not this revision's.
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM attachment_chunks"))
            connection.execute(text("DELETE FROM attachments"))
    finally:
        engine.dispose()
    dbschema.downgrade(database_url, PREVIOUS)
    assert _count(database_url, "SELECT count(*) FROM cases") == cases_before

    dbschema.upgrade(database_url, "head")
    with app_on(settings, database_url) as app, database_of(app).session() as db:
        assert isinstance(db, Session)
        assert db.scalar(select(func.count()).select_from(Attachment)) == 0
        assert db.scalar(select(Case.reference)) == reference
