"""Without Chromium the browser tests fail in CI (CI=1, set by .ci/run), and only skip on a
developer's machine: a green CI run always means the journey really ran."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/browser/test_journey.py::test_the_console_watch_catches_a_csp_violation"


def run_without_chromium(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HRD_CHROMIUM": str(tmp_path / "no-chromium")}
    env.pop("CI", None)
    if ci:
        env["CI"] = "1"
    return subprocess.run(  # noqa: S603 - our own interpreter and test file
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", TARGET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_missing_chromium_fails_in_ci(tmp_path: Path) -> None:
    result = run_without_chromium(tmp_path, ci=True)
    assert result.returncode != 0, result.stdout
    assert "no-chromium is missing" in result.stdout
    assert "1 error" in result.stdout and " skipped" not in result.stdout.splitlines()[-1]


def test_missing_chromium_skips_outside_ci(tmp_path: Path) -> None:
    result = run_without_chromium(tmp_path, ci=False)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
