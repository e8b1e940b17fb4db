"""Account throttling: failures per account, whatever the address, pause that account only;
unknown emails throttle nobody; a throttled answer looks like any other failure."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.auth import service
from hrd_cases.auth.service import check_password
from hrd_cases.db import utcnow
from hrd_cases.models import AuditEntry, Role, User
from hrd_cases.settings import Settings
from tests import pg
from tests.support.access import fresh, is_signed_in, reload_user, strip_csrf
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user

WRONG = "definitely not the password"
ON_POSTGRES = pg.is_postgres(os.environ.get("DATABASE_URL"))


def fail_until_throttled(auth: AuthActions, email: str, settings: Settings) -> None:
    for _ in range(settings.login_failure_limit):
        assert auth.password_step(email, WRONG).status_code == 401


def audit_actions(db: Session, user_id: int | None = None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.seq)
    if user_id is not None:
        query = query.where(AuditEntry.object_id == str(user_id))
    return list(fresh(db).scalars(query))


def test_five_failures_refuse_even_the_right_password_and_code(
    db: Session, client: FlaskClient, auth: AuthActions, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    for _ in range(settings.login_failure_limit - 1):
        assert auth.password_step(user.email, WRONG).status_code == 401
    assert reload_user(db, user.id).throttled_until is None
    assert auth.password_step(user.email, WRONG).status_code == 401

    throttled_until = reload_user(db, user.id).throttled_until
    assert throttled_until is not None
    remaining = throttled_until - utcnow()
    assert timedelta(seconds=settings.login_throttle_seconds - 30) < remaining
    assert remaining <= timedelta(seconds=settings.login_throttle_seconds)

    response = auth.login(user.email)  # right password; a code would be next
    assert response.status_code == 401
    assert "Sign-in failed." in response.get_data(as_text=True)
    assert client.get("/login/verify").headers["Location"] == "/login"  # no pending step
    assert not is_signed_in(client)
    assert "login.throttled" in audit_actions(db, user.id)
    assert "login.success" not in audit_actions(db, user.id)


def test_a_pending_second_factor_is_refused_once_the_account_is_throttled(
    app: Flask, db: Session, client: FlaskClient, auth: AuthActions, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    assert auth.password_step(user.email, DEFAULT_PASSWORD).status_code == 302
    # Meanwhile someone else hammers the account from another browser.
    fail_until_throttled(AuthActions(app.test_client(), app), user.email, settings)
    response = auth.second_factor_step(auth.next_code(user.email))
    assert response.status_code != 302 or response.headers["Location"] != "/"
    assert not is_signed_in(client)
    assert "login.success" not in audit_actions(db, user.id)


def test_throttling_one_account_leaves_the_others_alone(
    db: Session, client: FlaskClient, auth: AuthActions, app: Flask, settings: Settings
) -> None:
    victim, bystander = make_user(db, Role.ANALYST), make_user(db, Role.ANALYST)
    fail_until_throttled(auth, victim.email, settings)
    # Same browser, same address: the bystander's account is not paused.
    assert auth.login(bystander.email).status_code == 302
    assert is_signed_in(client)
    assert reload_user(db, bystander.id).throttled_until is None


def test_the_account_signs_in_again_once_the_pause_is_over(
    db: Session, client: FlaskClient, auth: AuthActions, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    fail_until_throttled(auth, user.email, settings)
    assert auth.login(user.email).status_code == 401
    fresh(db).execute(
        update(User)
        .where(User.id == user.id)
        .values(throttled_until=utcnow() - timedelta(seconds=1))
    )
    db.commit()
    assert auth.login(user.email).status_code == 302
    assert is_signed_in(client)
    after = reload_user(db, user.id)
    assert after.throttled_until is None
    assert after.failed_login_count == 0


def test_unknown_emails_never_throttle_a_real_account(
    db: Session, client: FlaskClient, auth: AuthActions, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST, email="amina@example.org")
    near_misses = ["amina@example.com", "amina@example.org.", "amina+x@example.org", "amina"]
    for i in range(settings.login_failure_limit * 2):
        email = near_misses[i % len(near_misses)]
        assert auth.password_step(email, WRONG).status_code == 401
    after = reload_user(db, user.id)
    assert after.throttled_until is None
    assert after.failed_login_count == 0
    assert auth.login(user.email).status_code == 302
    assert is_signed_in(client)


def test_failures_outside_the_window_do_not_add_up(
    db: Session, client: FlaskClient, auth: AuthActions, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    for _ in range(settings.login_failure_limit - 1):
        assert auth.password_step(user.email, WRONG).status_code == 401
    window = timedelta(seconds=settings.login_failure_window_seconds + 1)
    fresh(db).execute(
        update(User).where(User.id == user.id).values(failed_login_window_start=utcnow() - window)
    )
    db.commit()
    assert auth.password_step(user.email, WRONG).status_code == 401
    assert reload_user(db, user.id).throttled_until is None
    assert auth.login(user.email).status_code == 302


def test_a_throttled_answer_is_indistinguishable_from_a_wrong_password(
    db: Session, auth: AuthActions, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    wrong = auth.password_step(user.email, WRONG)
    fail_until_throttled(auth, user.email, settings)
    throttled = auth.password_step(user.email, DEFAULT_PASSWORD)
    assert reload_user(db, user.id).throttled_until is not None
    assert wrong.status_code == throttled.status_code == 401
    assert strip_csrf(wrong.get_data(as_text=True)) == strip_csrf(throttled.get_data(as_text=True))


def test_a_throttled_account_costs_as_much_as_an_unknown_email(
    db: Session, auth: AuthActions, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db, Role.ANALYST)
    fail_until_throttled(auth, user.email, settings)
    calls: list[str] = []
    original = service.verify_password

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("verify")
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "verify_password", counting)
    assert auth.password_step("nobody@example.org", WRONG).status_code == 401
    unknown_cost = len(calls)
    calls.clear()
    assert auth.password_step(user.email, WRONG).status_code == 401
    assert unknown_cost == 1
    assert len(calls) == unknown_cost


def test_too_many_sign_in_posts_from_one_address_are_refused(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    limit = 30  # settings.login_rate_limit = "30 per minute"
    token = auth.csrf_token()
    data = {"email": "nobody@example.org", "password": WRONG, "csrf_token": token}
    statuses = [client.post("/login", data=data).status_code for _ in range(limit)]
    assert set(statuses) == {401}
    assert client.post("/login", data=data).status_code == 429
    # Another address is not affected by the first one's attempts.
    other = app.test_client()
    other_token = AuthActions(other, app).csrf_token()
    response = other.post(
        "/login",
        data={**data, "csrf_token": other_token},
        environ_base={"REMOTE_ADDR": "192.0.2.77"},
    )
    assert response.status_code == 401


def test_concurrent_wrong_passwords_still_throttle(
    app: Flask, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db, Role.ANALYST)
    attempts = settings.login_failure_limit
    barrier = threading.Barrier(attempts if ON_POSTGRES else 1)
    original = service.verify_password

    def in_step(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        barrier.wait(timeout=30)
        return result

    monkeypatch.setattr(service, "verify_password", in_step)
    hasher = app.extensions["hrd_password_hasher"]
    errors: list[BaseException] = []

    def guess() -> None:
        with app.extensions["hrd_db"].session() as session:
            try:
                check_password(session, hasher, settings, user.email, WRONG)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert reload_user(db, user.id).throttled_until is not None
