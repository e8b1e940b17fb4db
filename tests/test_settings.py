from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from hrd_cases.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError


def test_production_without_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY is missing"):
        Settings.load(environ={"HRD_ENV": "production"}, instance_path=tmp_path)


def test_production_ignores_a_secret_file_left_by_a_development_instance(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("x" * 64)
    with pytest.raises(SettingsError, match="SECRET_KEY is missing"):
        Settings.load(environ={"HRD_ENV": "production"}, instance_path=tmp_path)


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET_KEY, "short-secret"])
def test_production_refuses_default_or_short_secret(tmp_path: Path, secret: str) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.load(
            environ={"HRD_ENV": "production", "SECRET_KEY": secret}, instance_path=tmp_path
        )


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    settings = Settings.load(
        environ={"HRD_ENV": "production", "SECRET_KEY": "s" * 48}, instance_path=tmp_path
    )
    assert settings.is_production


def test_unknown_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="HRD_ENV must be one of"):
        Settings.load(environ={"HRD_ENV": "staging"}, instance_path=tmp_path)


def test_environment_overrides_file_defaults(tmp_path: Path) -> None:
    settings = Settings.load(
        environ={
            "DATABASE_URL": "postgresql://u:p@db:5432/hrd",
            "REDIS_URL": "redis://r:6379/0",
            "HRD_KEYRING_FILE": str(tmp_path / "k.json"),
        },
        instance_path=tmp_path,
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/hrd"
    assert settings.ratelimit_storage_uri == "redis://r:6379/0"
    assert settings.keyring_file == tmp_path / "k.json"
    assert settings.session_idle_minutes == 30  # from config/settings.toml


def test_default_database_is_sqlite_under_instance(tmp_path: Path) -> None:
    settings = Settings.load(environ={}, instance_path=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'hrd_cases.sqlite3'}"


def test_settings_are_immutable(tmp_path: Path) -> None:
    settings = Settings.load(environ={}, instance_path=tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.secret_key = "changed"
    assert settings.replace(suppression_k=7).suppression_k == 7
    assert settings.suppression_k == 5


def test_unknown_key_in_settings_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[default]\nsupression_k = 3\n")
    with pytest.raises(SettingsError, match="unknown keys: supression_k"):
        Settings.load(environ={}, config_dir=tmp_path, instance_path=tmp_path)


def test_command_line_exits_non_zero_with_one_line_in_production(tmp_path: Path) -> None:
    environ = {"HRD_ENV": "production", "HRD_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-c", "from hrd_cases.cli import main; main()", "serve"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr
