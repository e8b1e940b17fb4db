"""A key rotation killed with SIGKILL half-way (a real process, as an operator would run it)
completes when the command is run again: every data key ends on the new KEK and every record
decrypts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import database_of, utcnow
from hrd_cases.models import DataKey, Defender
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests.support.app import TEST_SECRET_KEY, empty_all_tables
from tests.support.factories import make_case

BULK_DEFENDERS = 3000
HRD_CASES = Path(sys.executable).with_name("hrd-cases")


@pytest.fixture
def rotation_app(settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    keyring_file = tmp_path / "keyring.json"
    FileKeyProvider.create(keyring_file)
    app = create_app(settings.replace(keyring_file=keyring_file))
    yield app
    empty_all_tables(app)
    database_of(app).engine.dispose()


def _bulk_defenders(session: Session, vault: RecordVault, count: int) -> dict[str, str]:
    """Defenders sealed by the real vault, inserted in bulk (intake one by one is too slow
    to give the rotation enough keys to be killed half-way)."""
    names, keys, rows = {}, [], []
    for i in range(count):
        data_key = vault.create_data_key("defenders")
        defender = Defender(id=uuid.uuid4(), reference=f"HRD-K{i:05d}", data_key=data_key)
        vault.seal(defender, {"name": f"Bulk Defender {i}"})
        keys.append(
            {
                "id": data_key.id,
                "purpose": "defenders",
                "kek_version": data_key.kek_version,
                "wrapped_key": data_key.wrapped_key,
                "created_at": utcnow(),
            }
        )
        rows.append(
            {
                "id": defender.id,
                "reference": defender.reference,
                "data_key_id": data_key.id,
                "name_ciphertext": defender.name_ciphertext,
                "created_at": utcnow(),
            }
        )
        names[defender.reference] = f"Bulk Defender {i}"
    session.execute(insert(DataKey), keys)
    session.execute(insert(Defender), rows)
    session.commit()
    return names


def _environment(app: Flask, tmp_path: Path) -> dict[str, str]:
    settings: Settings = app.extensions["hrd_settings"]
    return {
        **os.environ,
        "HRD_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": settings.database_url,
        "HRD_KEYRING_FILE": str(settings.keyring_file),
        "HRD_INSTANCE_PATH": str(tmp_path),
    }


def _on_version(session: Session, version: int) -> int:
    session.rollback()  # a fresh snapshot each time
    return (
        session.scalar(
            select(func.count())
            .select_from(DataKey)
            .where(DataKey.kek_version == version, DataKey.wrapped_key.is_not(None))
        )
        or 0
    )


def test_killed_rotation_completes_on_rerun(rotation_app: Flask, tmp_path: Path) -> None:
    vault: RecordVault = rotation_app.extensions["hrd_vault"]
    with database_of(rotation_app).session() as session:
        names = _bulk_defenders(session, vault, BULK_DEFENDERS)
        for i in range(3):
            case = make_case(session, vault, defender={"name": f"Case Defender {i}"})
            names[case.defenders[0].reference] = f"Case Defender {i}"
        total = _on_version(session, 1)

        rotation = subprocess.Popen(  # noqa: S603 - our own console script
            [str(HRD_CASES), "keys", "rotate", "--batch-size", "1"],
            env=_environment(rotation_app, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while _on_version(session, 2) == 0 and rotation.poll() is None:
            assert time.monotonic() < deadline, "rotation never started"
            time.sleep(0.005)
        rotation.send_signal(signal.SIGKILL)
        rotation.wait()
        assert rotation.returncode == -signal.SIGKILL, rotation.stderr.read()
        moved = _on_version(session, 2)
        assert 0 < moved < total, f"killed too late or too early: {moved} of {total}"
        keyring = FileKeyProvider(rotation_app.extensions["hrd_settings"].keyring_file).load()
        assert (keyring.primary, keyring.versions()) == (2, (1, 2))  # saved before any move

        rerun = subprocess.run(  # noqa: S603
            [str(HRD_CASES), "keys", "rotate"],
            env=_environment(rotation_app, tmp_path),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert f"resumed onto the primary version 2: {total - moved} data keys" in rerun.stdout
        assert _on_version(session, 1) == 0
        assert _on_version(session, 2) == total

        retired = subprocess.run(  # noqa: S603 - the old KEK can go: nothing uses it
            [str(HRD_CASES), "keys", "retire", "1"],
            env=_environment(rotation_app, tmp_path),
            capture_output=True,
            text=True,
            check=False,
        )
        assert retired.returncode == 0, retired.stderr
        vault.reload()
        session.rollback()
        opened = {
            d.reference: vault.open_field(d, "name") for d in session.scalars(select(Defender))
        }
        assert opened == names
