"""The key-management and erasure commands, run as an operator would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from hrd_cases import create_app
from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import database_of, utcnow
from hrd_cases.models import CaseDefender, Defender, KekRetirement
from hrd_cases.settings import Settings
from tests.support.app import empty_all_tables
from tests.support.factories import make_case


@pytest.fixture
def app_with_cases(settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    keyring_file = tmp_path / "keyring.json"
    FileKeyProvider.create(keyring_file)
    app = create_app(settings.replace(keyring_file=keyring_file))
    with database_of(app).session() as session:
        for i in range(3):
            make_case(session, app.extensions["hrd_vault"], defender={"name": f"Name {i}"})
    yield app
    empty_all_tables(app)
    database_of(app).engine.dispose()


def test_status_rotate_retire(app_with_cases: Flask) -> None:
    runner = app_with_cases.test_cli_runner()
    status = runner.invoke(args=["keys", "status"])
    assert status.exit_code == 0, status.output
    assert "version 1: 6 data keys (primary)" in status.output

    rotated = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])
    assert rotated.exit_code == 0, rotated.output
    assert "started with a new primary version 2: 6 data keys re-wrapped" in rotated.output

    status = runner.invoke(args=["keys", "status"]).output
    assert "version 1: 0 data keys" in status and "version 2: 6 data keys (primary)" in status

    retired = runner.invoke(args=["keys", "retire", "1"])
    assert retired.exit_code == 0, retired.output
    assert "versions now: 2" in retired.output


def test_retire_refusal_is_one_line(app_with_cases: Flask) -> None:
    result = app_with_cases.test_cli_runner().invoke(args=["keys", "retire", "1"])
    assert result.exit_code != 0
    assert "primary" in result.output and "Traceback" not in result.output


def test_keyring_readable_by_others_is_refused_with_a_reason(app_with_cases: Flask) -> None:
    app_with_cases.extensions["hrd_settings"].keyring_file.chmod(0o644)
    result = app_with_cases.test_cli_runner().invoke(args=["keys", "status"])
    assert result.exit_code != 0
    assert "chmod 600" in result.output


def test_defender_erase_command(app_with_cases: Flask) -> None:
    with database_of(app_with_cases).session() as session:
        reference = session.scalars(select(Defender.reference)).first()
    runner = app_with_cases.test_cli_runner()
    result = runner.invoke(args=["defender", "erase", reference, "--reason", "safety", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"erased {reference}" in result.output
    with database_of(app_with_cases).session() as session:
        defender = session.scalar(select(Defender).where(Defender.reference == reference))
        assert defender is not None and defender.erased_at is not None
    unknown = runner.invoke(args=["defender", "erase", "HRD-NOPE", "--reason", "safety", "--yes"])
    assert unknown.exit_code != 0 and "no defender HRD-NOPE" in unknown.output
    free_text = runner.invoke(args=["defender", "erase", reference, "--reason", "Ahmed asked"])
    assert free_text.exit_code != 0  # reasons come from a fixed list


def test_audit_verify_command(app_with_cases: Flask) -> None:
    result = app_with_cases.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain intact: 3 entries" in result.output


def test_erasure_states_both_dates_and_the_epoch_retires_the_old_key(
    app_with_cases: Flask,
) -> None:
    database = database_of(app_with_cases)
    with database.session() as session:
        reference = session.scalars(select(Defender.reference)).first()
    runner = app_with_cases.test_cli_runner()
    erased = runner.invoke(args=["defender", "erase", reference, "--reason", "safety", "--yes"])
    assert erased.exit_code == 0, erased.output
    with database.session() as session:
        epoch = session.scalars(select(KekRetirement)).one()
    assert epoch.kek_version == 1
    assert "unreadable in the application now" in erased.output
    assert f"by {epoch.due_at:%Y-%m-%d %H:%M} UTC" in erased.output

    waiting = runner.invoke(args=["keys", "retire-erased"])
    assert waiting.exit_code == 0, waiting.output
    assert "no erasure epoch is due" in waiting.output
    assert f"next erasure epoch due {epoch.due_at:%Y-%m-%d %H:%M} UTC" in waiting.output
    assert "version 1: 5 data keys (primary)" in runner.invoke(args=["keys", "status"]).output

    with database.session() as session:  # the timer runs on the due date
        session.execute(update(KekRetirement).values(due_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    done = runner.invoke(args=["keys", "retire-erased", "--batch-size", "2"])
    assert done.exit_code == 0, done.output
    assert "1 erasure epochs done: retired key versions 1; primary is now 2" in done.output
    status = runner.invoke(args=["keys", "status"]).output
    assert "version 2: 5 data keys (primary)" in status and "version 1" not in status
    again = runner.invoke(args=["keys", "retire-erased"])
    assert "no erasure epoch is due" in again.output and "next" not in again.output


def test_upgrade_commands_reindex_and_relink(app_with_cases: Flask) -> None:
    runner = app_with_cases.test_cli_runner()
    with database_of(app_with_cases).session() as session:
        session.execute(update(CaseDefender).values(link_mac=None))  # as the migration leaves
        session.commit()
    relinked = runner.invoke(args=["keys", "relink"])
    assert relinked.exit_code == 0, relinked.output
    assert "signed 3 case-defender links" in relinked.output
    assert "signed 0 case-defender links" in runner.invoke(args=["keys", "relink"]).output
    reindexed = runner.invoke(args=["keys", "reindex"])
    assert reindexed.exit_code == 0, reindexed.output
    assert "re-indexed the names of 3 defenders" in reindexed.output
