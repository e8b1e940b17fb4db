"""CSRF: every state-changing HTML route refuses a request without a valid token (and changes
nothing); the API, which is exempt, accepts bearer tokens only and never a cookie."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.auth.passwords import verify_password
from hrd_cases.models import Role, User
from tests.support.access import build_url, is_signed_in, reload_user, sessions_of, sign_in
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NEW_PASSWORD = "plum orchard lantern 1987 river"


def unsafe_html_requests(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] == "api":
            continue
        for method in sorted((rule.methods or set()) & UNSAFE_METHODS):
            found.append((method, build_url(rule)))
    return found


def assert_unchanged(app: Flask, db: Session, user: User, browser: FlaskClient) -> None:
    assert is_signed_in(browser)
    fresh_user = reload_user(db, user.id)
    assert verify_password(
        app.extensions["hrd_password_hasher"], fresh_user.password_hash, DEFAULT_PASSWORD
    )
    assert [r.ended_at for r in sessions_of(db, user)] == [None]


def test_every_unsafe_html_route_requires_a_csrf_token(app: Flask, db: Session) -> None:
    user = make_user(db, Role.FOCAL_POINT)
    browser = sign_in(app, user.email)
    auth = AuthActions(browser, app)
    last_step = reload_user(db, user.id).totp_last_step
    covered = set()
    for method, url in unsafe_html_requests(app):
        # Everything a real form would send, except the token.
        payload = {
            "email": user.email,
            "password": DEFAULT_PASSWORD,
            "code": auth.next_code(user.email),
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        }
        for data in (payload, {**payload, "csrf_token": ""}, {**payload, "csrf_token": "x"}):
            response = browser.open(url, method=method, data=data)
            assert response.status_code == 400, (method, url, response.status_code)
            assert_unchanged(app, db, user, browser)
        covered.add(url)
    assert {
        "/logout",
        "/login",
        "/account/password",
        "/login/verify",
        "/cases",  # the name search
        "/cases/new",
        "/cases/x/referrals",
        "/cases/x/close",
        "/exports",
    } <= covered, covered
    assert reload_user(db, user.id).totp_last_step == last_step


def test_a_token_from_another_browser_is_refused(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    victim = sign_in(app, user.email)
    attacker = app.test_client()
    attackers_token = AuthActions(attacker, app).csrf_token("/login")
    response = victim.post("/logout", data={"csrf_token": attackers_token})
    assert response.status_code == 400
    response = victim.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": attackers_token,
        },
    )
    assert response.status_code == 400
    assert_unchanged(app, db, user, victim)


def test_the_same_requests_work_with_the_token(app: Flask, db: Session) -> None:
    """Control: the refusals above are about the token, not about the requests."""
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    auth = AuthActions(browser, app)
    token = auth.csrf_token("/account/password")
    response = browser.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert browser.post("/logout", data={"csrf_token": auth.csrf_token("/")}).status_code == 302
    assert not is_signed_in(browser)


def test_the_api_takes_a_bearer_token_without_csrf(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    _, token = accounts.create_api_token(db, user, "cli", days=30, max_days=90)
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["data"]["email"] == user.email


def test_a_signed_in_browser_cookie_never_authenticates_the_api(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    token = AuthActions(browser, app).csrf_token("/")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api":
            continue
        url = build_url(rule)
        for method in sorted((rule.methods or set()) - {"OPTIONS"}):
            # With the session cookie, and even with a valid CSRF token: still no.
            for data in (None, {"csrf_token": token}):
                response = browser.open(url, method=method, data=data)
                assert response.status_code == 401, (method, url)
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                checked += 1
    assert checked >= 2
    assert is_signed_in(browser)


def test_the_bearer_decides_who_the_api_caller_is_not_the_cookie(app: Flask, db: Session) -> None:
    browser_user, token_user = make_user(db, Role.ANALYST), make_user(db, Role.ADMIN)
    browser = sign_in(app, browser_user.email)
    _, token = accounts.create_api_token(db, token_user, "cli", days=30, max_days=90)
    response = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["data"]["email"] == token_user.email
