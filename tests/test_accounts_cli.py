"""Account administration from the command line, and start-up refusals."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.models import ApiToken, Role, User, UserSession
from hrd_cases.settings import Settings, SettingsError
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user

STRONG = "a long and unusual passphrase 42"


def test_user_and_delegation_commands(app: Flask, runner: FlaskCliRunner, db: Session) -> None:
    made = runner.invoke(
        args=[
            "delegation",
            "create",
            "--code",
            "eudel-ke",
            "--name",
            "EU Delegation to Kenya",
            "--country",
            "ke",
            "--time-zone",
            "Africa/Nairobi",
            "--partner",
            "eu",
            "--partner",
            "DE",
        ]
    )
    assert made.exit_code == 0, made.output
    listed = runner.invoke(args=["delegation", "list"]).output
    assert "EUDEL-KE" in listed and "Africa/Nairobi" in listed
    bad_country = runner.invoke(
        args=[
            "delegation",
            "create",
            "--code",
            "X",
            "--name",
            "X",
            "--country",
            "Kenya",
            "--time-zone",
            "UTC",
        ]
    )
    assert bad_country.exit_code != 0 and "ISO 3166-1" in bad_country.output
    # A new delegation names its time zone: it places hearings and digests.
    no_zone = runner.invoke(
        args=["delegation", "create", "--code", "Y", "--name", "Y", "--country", "KE"]
    )
    assert no_zone.exit_code != 0 and "--time-zone" in no_zone.output
    bad_zone = runner.invoke(
        args=[
            "delegation",
            "create",
            "--code",
            "Y",
            "--name",
            "Y",
            "--country",
            "KE",
            "--time-zone",
            "Africa/Atlantis",
        ]
    )
    assert bad_zone.exit_code != 0 and "IANA" in bad_zone.output

    created = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "Focal@Example.org",
            "--name",
            "Focal",
            "--role",
            "focal_point",
            "--delegation",
            "EUDEL-KE",
            "--password",
            STRONG,
        ]
    )
    assert created.exit_code == 0, created.output
    weak = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "w@example.org",
            "--name",
            "W",
            "--role",
            "analyst",
            "--password",
            "password1234",
        ]
    )
    assert weak.exit_code != 0 and "password:" in weak.output
    officer = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "o@example.org",
            "--name",
            "O",
            "--role",
            "protection_officer",
            "--password",
            STRONG,
        ]
    )
    assert officer.exit_code != 0 and "at least one country" in officer.output
    listing = runner.invoke(args=["user", "list"]).output
    assert "focal@example.org" in listing and "no 2FA yet" in listing

    assert runner.invoke(args=["user", "disable", "focal@example.org"]).exit_code == 0
    user = db.scalar(select(User).where(User.email == "focal@example.org"))
    assert user is not None and not user.is_active
    assert runner.invoke(args=["user", "enable", "focal@example.org"]).exit_code == 0
    db.rollback()  # end this session's read snapshot before looking again
    db.refresh(user)
    assert user.is_active
    missing = runner.invoke(args=["user", "disable", "nobody@example.org"])
    assert missing.exit_code != 0 and "no account" in missing.output


def test_reset_2fa_ends_sessions_and_forces_enrolment(
    app: Flask,
    runner: FlaskCliRunner,
    db: Session,
    client,
    auth: AuthActions,
) -> None:
    user = make_user(db, Role.ANALYST)
    assert auth.login(user.email).status_code == 302
    result = runner.invoke(args=["user", "reset-2fa", user.email])
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302  # signed out
    db.expire_all()
    assert (
        db.scalar(
            select(UserSession).where(
                UserSession.user_id == user.id, UserSession.ended_at.is_(None)
            )
        )
        is None
    )
    step = auth.password_step(user.email, DEFAULT_PASSWORD)
    assert step.headers["Location"].endswith("/login/enrol")


def test_token_commands(app: Flask, runner: FlaskCliRunner, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    created = runner.invoke(args=["token", "create", "--user", user.email, "--name", "ci"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("hrdpat_")
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row is not None and token not in (row.token_hash, row.prefix)
    assert f"{row.id}" in runner.invoke(args=["token", "list"]).output
    assert runner.invoke(args=["token", "revoke", str(row.id)]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    too_long = runner.invoke(args=["token", "create", "--user", user.email, "--days", "400"])
    assert too_long.exit_code != 0


def test_outdated_password_hash_is_upgraded_at_sign_in(
    app: Flask, db: Session, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, salt_len=8)
    user.password_hash = weak.hash(DEFAULT_PASSWORD)
    db.commit()
    assert app.extensions["hrd_password_hasher"].check_needs_rehash(user.password_hash)
    assert auth.login(user.email).status_code == 302
    db.expire_all()
    upgraded = db.get(User, user.id)
    assert upgraded is not None and upgraded.password_hash != weak.hash(DEFAULT_PASSWORD)
    assert not app.extensions["hrd_password_hasher"].check_needs_rehash(upgraded.password_hash)


def test_production_refuses_a_demo_database(settings: Settings, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    with pytest.raises(SettingsError, match="holds demo data"):
        create_app(settings.replace(env="production", secret_key="p" * 48))


def test_production_with_several_workers_refuses_in_memory_rate_limits(tmp_path) -> None:
    environ = {"HRD_ENV": "production", "SECRET_KEY": "s" * 48, "WEB_CONCURRENCY": "4"}
    with pytest.raises(SettingsError, match="REDIS_URL"):
        Settings.load(environ=environ, instance_path=tmp_path)
    ok = Settings.load(
        environ={**environ, "REDIS_URL": "redis://127.0.0.1:6379/0"}, instance_path=tmp_path
    )
    assert ok.ratelimit_storage_uri.startswith("redis://")
