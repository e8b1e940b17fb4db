"""The second factor: each TOTP code works once, stale codes fail, recovery codes are single
use, and wrong codes feed the account throttle."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.auth import service
from hrd_cases.auth.service import replace_recovery_codes, verify_second_factor
from hrd_cases.auth.totp import current_step
from hrd_cases.models import AuditEntry, RecoveryCode, Role, User
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests import pg
from tests.support.access import code_for_step, fresh, is_signed_in, reload_user, wrong_code
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user, totp_secret_of

ON_POSTGRES = pg.is_postgres(os.environ.get("DATABASE_URL"))


def password_step_ok(auth: AuthActions, email: str) -> None:
    response = auth.password_step(email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/verify"


def test_a_code_is_refused_the_second_time(
    db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    password_step_ok(auth, user.email)
    code = auth.next_code(user.email)
    assert auth.second_factor_step(code).status_code == 302
    assert is_signed_in(client)
    assert auth.logout().status_code == 302
    assert not is_signed_in(client)

    password_step_ok(auth, user.email)
    replay = auth.second_factor_step(code)
    assert replay.status_code == 401
    assert not is_signed_in(client)
    # The refusal was not a fluke of the pending step: the next fresh code still works.
    assert auth.second_factor_step(auth.next_code(user.email)).status_code == 302
    assert is_signed_in(client)


def test_a_code_from_another_browser_is_refused_once_used(app: Flask, db: Session) -> None:
    """A phishing proxy relaying a code the user already typed gets nothing."""
    user = make_user(db, Role.ANALYST)
    victim, attacker = app.test_client(), app.test_client()
    victim_auth, attacker_auth = AuthActions(victim, app), AuthActions(attacker, app)
    password_step_ok(victim_auth, user.email)
    password_step_ok(attacker_auth, user.email)
    code = victim_auth.next_code(user.email)
    assert victim_auth.second_factor_step(code).status_code == 302
    assert attacker_auth.second_factor_step(code).status_code == 401
    assert not is_signed_in(attacker)


def test_a_code_two_steps_old_is_refused(
    db: Session, vault: RecordVault, client: FlaskClient, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    secret = totp_secret_of(vault, user)
    password_step_ok(auth, user.email)
    assert auth.second_factor_step(code_for_step(secret, current_step() - 2)).status_code == 401
    assert not is_signed_in(client)
    # Control: a fresh code from the same secret is accepted on the same pending step.
    assert auth.second_factor_step(code_for_step(secret, current_step())).status_code == 302


def test_an_older_code_cannot_follow_a_newer_one(
    db: Session, vault: RecordVault, client: FlaskClient, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    secret = totp_secret_of(vault, user)
    centre = current_step()
    password_step_ok(auth, user.email)
    assert auth.second_factor_step(code_for_step(secret, centre + 1)).status_code == 302
    auth.logout()
    password_step_ok(auth, user.email)
    # Still inside the time window and never used, but earlier than the last accepted step.
    assert auth.second_factor_step(code_for_step(secret, centre)).status_code == 401
    assert not is_signed_in(client)


def test_a_recovery_code_works_exactly_once(
    db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    codes = replace_recovery_codes(db, user)
    db.commit()

    password_step_ok(auth, user.email)
    assert auth.second_factor_step(codes[0]).status_code == 302
    assert is_signed_in(client)
    auth.logout()

    password_step_ok(auth, user.email)
    assert auth.second_factor_step(codes[0]).status_code == 401
    # Retyped differently (upper case, spaces instead of hyphens): still the same used code.
    assert auth.second_factor_step(codes[0].upper().replace("-", " ")).status_code == 401
    assert not is_signed_in(client)
    assert auth.second_factor_step(codes[1]).status_code == 302

    used = fresh(db).scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_not(None)
        )
    )
    assert len(list(used)) == 2
    uses = fresh(db).scalars(
        select(AuditEntry).where(AuditEntry.action == "account.recovery_code.use")
    )
    assert len(list(uses)) == 2


def test_replaced_recovery_codes_stop_working(
    db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    old = replace_recovery_codes(db, user)
    db.commit()
    replace_recovery_codes(db, user)
    db.commit()
    password_step_ok(auth, user.email)
    assert auth.second_factor_step(old[0]).status_code == 401
    assert not is_signed_in(client)


def test_recovery_codes_of_another_user_are_refused(
    db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    user, other = make_user(db, Role.ANALYST), make_user(db, Role.ANALYST)
    replace_recovery_codes(db, user)
    theirs = replace_recovery_codes(db, other)
    db.commit()
    password_step_ok(auth, user.email)
    assert auth.second_factor_step(theirs[0]).status_code == 401
    assert not is_signed_in(client)


def test_wrong_codes_feed_the_account_throttle(
    db: Session, vault: RecordVault, client: FlaskClient, auth: AuthActions, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    bad = wrong_code(totp_secret_of(vault, user))
    password_step_ok(auth, user.email)
    for _ in range(settings.login_failure_limit - 1):
        assert auth.second_factor_step(bad).status_code == 401
    assert reload_user(db, user.id).throttled_until is None
    last = auth.second_factor_step(bad)
    assert last.status_code == 302
    assert last.headers["Location"] == "/login"  # pending step dropped
    assert reload_user(db, user.id).throttled_until is not None
    assert not is_signed_in(client)

    # Now even the right password and a fresh right code are refused.
    assert auth.password_step(user.email, DEFAULT_PASSWORD).status_code == 401
    assert auth.login(user.email).status_code == 401
    assert not is_signed_in(client)
    failures = fresh(db).scalars(
        select(AuditEntry).where(
            AuditEntry.action == "login.failure", AuditEntry.object_id == str(user.id)
        )
    )
    reasons = [entry.details.get("reason") for entry in failures]
    assert reasons.count("second_factor") == settings.login_failure_limit


# Concurrency ----------------------------------------------------------------------------------
def _run_twice_in_step(
    app: Flask, hook_name: str, attempt: Callable[[Session], bool], monkeypatch: pytest.MonkeyPatch
) -> list[bool]:
    """Run ``attempt`` in two threads, each with its own database session, and try to make both
    pass the point where ``service.<hook_name>`` is called before either goes on. Code without
    a lock lets them both through (and fails the caller's assertion); code with one makes
    the second wait, the rendezvous time out, and the attempts run one after the other.
    (SQLite's BEGIN IMMEDIATE always serialises, so there nobody waits.)"""
    barrier = threading.Barrier(2 if ON_POSTGRES else 1)
    original = getattr(service, hook_name)

    def hooked(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        # Without a lock both threads meet here and the race is forced. With the row lock
        # the other thread is blocked before this point: the wait times out and the first
        # thread carries on (serialised, which is the fix).
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return result

    monkeypatch.setattr(service, hook_name, hooked)
    results: list[bool] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.extensions["hrd_db"].session() as session:
            try:
                results.append(attempt(session))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_the_same_code_sent_twice_at_once_is_accepted_once(
    app: Flask, db: Session, vault: RecordVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db, Role.ANALYST)
    code = code_for_step(totp_secret_of(vault, user), current_step())

    def attempt(session: Session) -> bool:
        me = session.get(User, user.id)
        assert me is not None
        return verify_second_factor(session, vault, me, code) is not None

    results = _run_twice_in_step(app, "verify_totp", attempt, monkeypatch)
    assert sorted(results) == [False, True]


def test_the_same_recovery_code_sent_twice_at_once_is_accepted_once(
    app: Flask, db: Session, vault: RecordVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db, Role.ANALYST)
    codes = replace_recovery_codes(db, user)
    db.commit()

    def attempt(session: Session) -> bool:
        me = session.get(User, user.id)
        assert me is not None
        return verify_second_factor(session, vault, me, codes[0]) is not None

    results = _run_twice_in_step(app, "find_matching_code", attempt, monkeypatch)
    assert sorted(results) == [False, True]
