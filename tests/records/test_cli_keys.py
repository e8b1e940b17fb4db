"""The key-management and erasure commands, run as an operator would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from hrd_cases import create_app
from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import database_of
from hrd_cases.models import Defender
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
