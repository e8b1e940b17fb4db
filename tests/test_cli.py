"""The hrd-cases command: init and demo are safe to run twice."""

from __future__ import annotations

import stat

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from hrd_cases import create_app
from hrd_cases.db import database_of
from hrd_cases.demo import DEMO_ACCOUNTS, DEMO_DELEGATIONS
from hrd_cases.models import Delegation, User
from hrd_cases.settings import Settings


def test_init_twice_creates_the_keyring_once_and_never_rewrites_it(
    settings: Settings, tmp_path
) -> None:
    instance = tmp_path / "instance"
    app = create_app(
        settings.replace(
            instance_path=instance,
            keyring_file=instance / "keyring.json",
            database_url=f"sqlite:///{tmp_path / 'init.sqlite3'}",
        )
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    keyring = instance / "keyring.json"
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
    original = keyring.read_bytes()
    assert "created" in first.output

    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert "kept existing" in second.output
    assert keyring.read_bytes() == original


def test_init_refuses_a_keyring_readable_by_others(settings: Settings, tmp_path) -> None:
    instance = tmp_path / "instance"
    app = create_app(
        settings.replace(
            instance_path=instance,
            keyring_file=instance / "keyring.json",
            database_url=f"sqlite:///{tmp_path / 'init.sqlite3'}",
        )
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    (instance / "keyring.json").chmod(0o644)
    result = runner.invoke(args=["init"])
    assert result.exit_code != 0
    assert "chmod 600" in str(result.exception)


def _counts(app: Flask) -> tuple[int, int]:
    with database_of(app).session() as session:
        return (
            session.scalar(select(func.count()).select_from(Delegation)) or 0,
            session.scalar(select(func.count()).select_from(User)) or 0,
        )


def test_demo_twice_creates_no_duplicates(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert _counts(app) == (len(DEMO_DELEGATIONS), len(DEMO_ACCOUNTS))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "0 delegations, 0 accounts and 0 cases created" in second.output
    assert _counts(app) == (len(DEMO_DELEGATIONS), len(DEMO_ACCOUNTS))


def test_demo_prints_every_login(runner: FlaskCliRunner) -> None:
    output = runner.invoke(args=["demo"]).output
    for account in DEMO_ACCOUNTS:
        assert account.email in output
        assert account.password in output


def test_demo_logins_work(app: Flask, runner: FlaskCliRunner, client, auth) -> None:
    runner.invoke(args=["demo"])
    account = DEMO_ACCOUNTS[0]
    assert auth.login(account.email, account.password).status_code == 302
    assert client.get("/").status_code == 200


def test_demo_is_refused_in_production(settings: Settings) -> None:
    app = create_app(settings.replace(env="production"))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "refusing to load demo data" in result.output
