"""Server-side sessions: a new token at every sign-in, and every way a session must end
(logout, password change elsewhere, deactivation, role change, second-factor reset, idle and
absolute timeouts) really refuses the old cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hrd_cases.auth import accounts
from hrd_cases.auth.service import hash_token
from hrd_cases.db import utcnow
from hrd_cases.models import Role
from hrd_cases.settings import Settings
from tests.support.access import (
    allow_new_sign_in,
    client_with_cookie,
    decode_session,
    is_signed_in,
    reload_user,
    session_cookie,
    session_token_of,
    sessions_of,
    shift_session,
    sign_in,
)
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "plum orchard lantern 1987 river"


def change_password(browser: FlaskClient, current: str, new: str) -> TestResponse:
    token = AuthActions(browser, browser.application).csrf_token("/account/password")
    return browser.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": token,
        },
    )


def test_every_sign_in_gets_a_new_session_token(
    app: Flask, db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    client.get("/login")
    before = session_cookie(client)
    assert auth.password_step(user.email, DEFAULT_PASSWORD).status_code == 302
    pending = session_cookie(client)
    assert pending is not None
    assert "_user_id" not in decode_session(app, pending)  # not signed in between the steps
    assert auth.second_factor_step(auth.next_code(user.email)).status_code == 302
    first_cookie = session_cookie(client)
    first_token = session_token_of(client)
    assert first_cookie not in (before, pending)
    assert first_token is not None
    assert "pending_user_id" not in decode_session(app, first_cookie or "")

    auth.logout()
    assert auth.login(user.email).status_code == 302
    second_token = session_token_of(client)
    assert second_token is not None and second_token != first_token

    rows = sessions_of(db, user)
    assert [r.token_hash for r in rows] == [hash_token(first_token), hash_token(second_token)]
    assert rows[0].ended_at is not None and rows[0].end_reason == "logout"
    assert rows[1].ended_at is None
    # Only the hash is stored: the database alone does not let anyone use the session.
    assert all(first_token not in r.token_hash and second_token not in r.token_hash for r in rows)


def test_a_cookie_copied_before_sign_in_is_not_signed_in_afterwards(
    app: Flask, db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    """Session fixation: a cookie planted before sign-in gains nothing from the sign-in."""
    user = make_user(db, Role.ANALYST)
    client.get("/login")
    planted = session_cookie(client)
    assert auth.password_step(user.email, DEFAULT_PASSWORD).status_code == 302
    pending = session_cookie(client)
    assert auth.second_factor_step(auth.next_code(user.email)).status_code == 302
    assert is_signed_in(client)
    for value in (planted, pending):
        assert value is not None
        assert not is_signed_in(client_with_cookie(app, value))


def test_the_old_cookie_is_refused_after_logout(
    app: Flask, db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    user = make_user(db, Role.ANALYST)
    assert auth.login(user.email).status_code == 302
    cookie = session_cookie(client)
    assert cookie is not None
    assert is_signed_in(client_with_cookie(app, cookie))  # the copy works while signed in
    assert auth.logout().status_code == 302
    leftover = client_with_cookie(app, cookie)
    response = leftover.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert leftover.get("/account/password").status_code == 302
    assert sessions_of(db, user)[0].end_reason == "logout"


def test_logout_ends_every_session_of_the_user(app: Flask, db: Session) -> None:
    """Signing out on one device signs out everywhere (a forgotten embassy PC included);
    other users stay signed in."""
    user, other = make_user(db, Role.ANALYST), make_user(db, Role.ANALYST)
    browser_a, browser_b = sign_in(app, user.email), sign_in(app, user.email)
    browser_other = sign_in(app, other.email)
    token = AuthActions(browser_a, app).csrf_token("/")
    assert browser_a.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not is_signed_in(browser_a)
    assert not is_signed_in(browser_b)
    assert is_signed_in(browser_other)


def test_a_password_change_signs_out_the_other_browsers_only(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    browser_a = sign_in(app, user.email)
    browser_b = sign_in(app, user.email)
    response = change_password(browser_a, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert is_signed_in(browser_a)
    assert not is_signed_in(browser_b)
    reasons = sorted(str(r.end_reason) for r in sessions_of(db, user) if r.ended_at)
    assert reasons == ["password_changed"]
    # The old password no longer works, the new one does.
    allow_new_sign_in(db, user)
    assert AuthActions(app.test_client(), app).login(user.email).status_code == 401
    assert sign_in(app, user.email, NEW_PASSWORD)


def test_a_refused_password_change_ends_nothing(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    browser_a = sign_in(app, user.email)
    browser_b = sign_in(app, user.email)
    assert change_password(browser_a, "not my password at all", NEW_PASSWORD).status_code == 422
    assert is_signed_in(browser_a) and is_signed_in(browser_b)


@pytest.mark.parametrize("change", ["deactivate", "role", "second_factor_reset"])
def test_account_changes_end_every_session(app: Flask, db: Session, change: str) -> None:
    user = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    browsers = [sign_in(app, user.email), sign_in(app, user.email)]
    cookies = [session_cookie(b) for b in browsers]
    user = reload_user(db, user.id)
    if change == "deactivate":
        accounts.set_active(db, user, False)
    elif change == "role":
        accounts.change_role(db, user, Role.ANALYST)
    else:
        accounts.reset_second_factor(db, user)
    for browser, cookie in zip(browsers, cookies, strict=True):
        assert not is_signed_in(browser)
        assert cookie is not None
        assert not is_signed_in(client_with_cookie(app, cookie))
    assert all(r.ended_at is not None for r in sessions_of(db, user))


def test_reactivation_does_not_revive_old_sessions(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    accounts.set_active(db, reload_user(db, user.id), False)
    accounts.set_active(db, reload_user(db, user.id), True)
    assert not is_signed_in(browser)


def test_idle_timeout(app: Flask, db: Session, settings: Settings) -> None:
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    token = session_token_of(browser)
    assert token is not None
    idle = timedelta(minutes=settings.session_idle_minutes)

    shift_session(db, hash_token(token), last_seen_at=idle - timedelta(minutes=1))
    assert is_signed_in(browser)  # 29 minutes idle: still fine, and the activity counts
    assert sessions_of(db, user)[0].ended_at is None

    shift_session(db, hash_token(token), last_seen_at=idle + timedelta(minutes=1))
    assert not is_signed_in(browser)
    row = sessions_of(db, user)[0]
    assert row.end_reason == "idle_timeout"
    # An ended session stays ended, even if its clock is wound back.
    shift_session(db, hash_token(token), last_seen_at=timedelta(0))
    assert not is_signed_in(browser)


def test_activity_postpones_the_idle_timeout(app: Flask, db: Session, settings: Settings) -> None:
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    token = session_token_of(browser)
    assert token is not None
    idle = timedelta(minutes=settings.session_idle_minutes)
    shift_session(db, hash_token(token), last_seen_at=idle - timedelta(minutes=2))
    assert is_signed_in(browser)
    assert utcnow() - sessions_of(db, user)[0].last_seen_at < timedelta(minutes=1)
    # Another 28 minutes later the session is still alive: the clock restarted at the visit.
    shift_session(db, hash_token(token), last_seen_at=idle - timedelta(minutes=2))
    assert is_signed_in(browser)


def test_absolute_timeout(app: Flask, db: Session, settings: Settings) -> None:
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    token = session_token_of(browser)
    assert token is not None
    limit = timedelta(hours=settings.session_absolute_hours)

    shift_session(db, hash_token(token), created_at=limit - timedelta(hours=1))
    assert is_signed_in(browser)

    # Active a second ago, but signed in 13 hours ago: over.
    shift_session(
        db, hash_token(token), created_at=limit + timedelta(hours=1), last_seen_at=timedelta(0)
    )
    assert not is_signed_in(browser)
    assert sessions_of(db, user)[0].end_reason == "absolute_timeout"


def test_a_half_finished_sign_in_dies_with_the_old_password(app: Flask, db: Session) -> None:
    """Someone holding the old password and the user's phone (seized device) passed the
    password step; the user changes the password from another browser to lock them out."""
    user = make_user(db, Role.ANALYST)
    intruder = app.test_client()
    intruder_auth = AuthActions(intruder, app)
    assert intruder_auth.password_step(user.email, DEFAULT_PASSWORD).status_code == 302
    owner = sign_in(app, user.email)
    assert change_password(owner, DEFAULT_PASSWORD, NEW_PASSWORD).status_code == 302
    # The pending attempt is void: the second step sends the intruder back to the start, and a
    # code posted anyway (with a token from the sign-in page) does not sign in.
    step = intruder.get("/login/verify")
    assert step.status_code == 302 and step.headers["Location"].endswith("/login")
    intruder.post(
        "/login/verify",
        data={
            "code": intruder_auth.next_code(user.email),
            "csrf_token": intruder_auth.csrf_token("/login"),
        },
    )
    assert not is_signed_in(intruder)


def test_session_cookie_flags(app: Flask, db: Session, client: FlaskClient) -> None:
    user = make_user(db, Role.ANALYST)
    response = AuthActions(client, app).login(user.email)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if "session" in c.split("=")[0]]
    assert cookies, response.headers
    for cookie in cookies:
        lowered = cookie.lower()
        assert "httponly" in lowered
        assert "samesite=lax" in lowered or "samesite=strict" in lowered
        assert "path=/" in lowered
        assert "domain=" not in lowered


def test_last_seen_is_written_at_most_once_a_minute_and_idle_still_expires(
    app: Flask, db: Session, settings: Settings
) -> None:
    """Every page would otherwise be a write (a write lock on SQLite): activity within a
    minute of the last recorded one is not recorded again, and an idle session still ends."""
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    token = session_token_of(browser)
    assert token is not None
    shift_session(db, hash_token(token), last_seen_at=timedelta(seconds=20))
    assert is_signed_in(browser)
    age = utcnow() - sessions_of(db, user)[0].last_seen_at
    assert age >= timedelta(seconds=19)  # not rewritten: within the minute
    shift_session(db, hash_token(token), last_seen_at=timedelta(seconds=90))
    assert is_signed_in(browser)
    assert utcnow() - sessions_of(db, user)[0].last_seen_at < timedelta(seconds=60)  # recorded
    idle = timedelta(minutes=settings.session_idle_minutes)
    shift_session(db, hash_token(token), last_seen_at=idle + timedelta(seconds=1))
    assert not is_signed_in(browser)
    assert sessions_of(db, user)[0].end_reason == "idle_timeout"
