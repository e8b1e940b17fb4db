"""A killed export leaves no partial file at the target path: `hrd-cases export quarterly`
killed with SIGKILL leaves either nothing (or the previous export, intact) or the complete new
file there, whenever the kill lands."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.exports.quarter import parse_quarter
from hrd_cases.exports.releases import releasable_from, release_quarter
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests.support.app import TEST_SECRET_KEY
from tests.support.factories import make_case, make_delegation, strategy_catalogue

QUARTER = "2026Q4"
# Runs the real command, but the export's fsync announces itself and then blocks: the kill
# then lands after the bytes were written and before the rename, the worst moment.
STALL_AT_FSYNC = """
import os, sys, time
marker = sys.argv.pop(1)
real_fsync = os.fsync
def stalled(fd):
    if os.fstat(fd).st_size > 0:
        open(marker, "w").close()
        time.sleep(60)
    return real_fsync(fd)
os.fsync = stalled
from hrd_cases.cli import main
sys.argv[0] = "hrd-cases"
main()
"""


@pytest.fixture
def environment(app: Flask, db: Session, vault: RecordVault, tmp_path: Path) -> Iterator[dict]:
    delegation = make_delegation(db, country="KE")
    for _ in range(6):
        make_case(db, vault, delegation=delegation)
    # Downloads serve a stored release (issue 14): release the quarter as on the first day it
    # may be released.
    quarter = parse_quarter(QUARTER)
    release_quarter(
        db,
        quarter,
        actor=None,
        via="cli",
        catalogue=strategy_catalogue(),
        k=5,
        p=2,
        lag_days=30,
        today=releasable_from(quarter, 30),
    )
    settings: Settings = app.extensions["hrd_settings"]
    yield {
        **os.environ,
        "HRD_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": settings.database_url,
        "HRD_KEYRING_FILE": str(settings.keyring_file),
        "HRD_INSTANCE_PATH": str(tmp_path),
    }


def _export_args(out: Path) -> list[str]:
    return ["export", "quarterly", QUARTER, "--format", "csv", "--out", str(out)]


def _complete_export(environment: dict, out: Path) -> bytes:
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(Path(sys.executable).with_name("hrd-cases")), *_export_args(out)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.parametrize("previous", [False, True], ids=["no previous file", "previous file"])
def test_export_killed_between_write_and_rename(
    environment: dict, tmp_path: Path, previous: bool
) -> None:
    target = tmp_path / "exports" / "q.csv"
    target.parent.mkdir()
    expected = _complete_export(environment, tmp_path / "reference.csv")
    old = b"previous complete export\n"
    if previous:
        target.write_bytes(old)
    marker = tmp_path / "stalled"
    export = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", STALL_AT_FSYNC, str(marker), *_export_args(target)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert export.poll() is None, export.stderr.read()
        assert time.monotonic() < deadline, "the export never reached its fsync"
        time.sleep(0.01)
    staged = [p for p in target.parent.iterdir() if p != target]
    assert [p.read_bytes() for p in staged] == [expected]  # fully written, not yet renamed
    export.send_signal(signal.SIGKILL)
    export.wait()

    if previous:
        assert target.read_bytes() == old  # the previous export is intact
    else:
        assert not target.exists()
    assert all(p.name.endswith(".part") for p in target.parent.iterdir() if p != target)


def test_export_killed_at_random_moments_never_leaves_a_partial_target(
    environment: dict, tmp_path: Path
) -> None:
    expected = _complete_export(environment, tmp_path / "reference.csv")
    rng = random.Random(9)  # noqa: S311 - kill timings, not secrets
    for attempt in range(4):
        target = tmp_path / f"q{attempt}.csv"
        export = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).with_name("hrd-cases")), *_export_args(target)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, 2.5))
        export.send_signal(signal.SIGKILL)
        export.wait()
        assert not target.exists() or target.read_bytes() == expected
