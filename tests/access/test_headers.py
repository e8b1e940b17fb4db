"""Security headers on every kind of response: pages, redirects, errors (400 to 500), JSON,
static files; HSTS and the __Host- cookie in production only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hrd_cases import create_app
from hrd_cases.models import Role
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests.support.access import sign_in
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_user

BOOM = "/__test_boom"


def responses(app: Flask, db: Session, vault: RecordVault) -> Iterator[tuple[str, TestResponse]]:
    @app.get(BOOM)
    def boom() -> str:
        raise RuntimeError("boom")

    focal_point = make_user(db, Role.FOCAL_POINT)
    analyst = make_user(db, Role.ANALYST)
    case = make_case(db, vault, delegation=focal_point.delegation, actor=focal_point)
    anonymous = app.test_client()
    yield "login page", anonymous.get("/login")
    yield "redirect to sign-in", anonymous.get("/")
    yield "healthz", anonymous.get("/healthz")
    yield "404", anonymous.get("/no/such/page")
    yield "405", anonymous.get("/logout")
    yield "static", anonymous.get("/static/app.css")
    yield "static 404", anonymous.get("/static/no-such-file.css")
    yield "api 401", anonymous.get("/api/v1/me")
    yield "api 404", anonymous.get("/api/v1/no-such-thing")
    yield "csrf 400", anonymous.post("/login", data={"email": "a@b.c", "password": "x"})
    browser = sign_in(app, focal_point.email)
    yield "home signed in", browser.get("/")
    yield "case list", browser.get("/cases")
    yield "case page", browser.get(f"/cases/{case.reference}")
    yield "security keys page", browser.get("/account/security")
    yield "key sign-in without a password step", anonymous.get("/login/key")
    yield "key options without a password step", anonymous.post("/login/key/options")
    yield "case 404", browser.get("/cases/KE-2099-9999")
    yield "500", browser.get(BOOM)
    yield "403", sign_in(app, analyst.email).get("/cases")
    limited = app.test_client()
    token = AuthActions(limited, app).csrf_token()
    data = {"email": "nobody@example.org", "password": "wrong password", "csrf_token": token}
    statuses = {limited.post("/login", data=data).status_code for _ in range(31)}
    assert 429 in statuses
    yield "429", limited.post("/login", data=data)


def test_every_response_carries_the_security_headers(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    seen_statuses = set()
    names = []
    for name, response in responses(app, db, vault):
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, name
        assert "default-src 'self'" in csp, name
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, name
        assert "object-src 'none'" in csp, name
        assert headers.get("X-Content-Type-Options") == "nosniff", name
        assert headers.get("Referrer-Policy") == "no-referrer", name
        assert "Strict-Transport-Security" not in headers, name  # not outside production
        if name not in ("static", "static 404"):
            assert "no-store" in headers.get("Cache-Control", ""), name
        seen_statuses.add(response.status_code)
        names.append(name)
    assert {200, 302, 400, 401, 403, 404, 405, 429, 500} <= seen_statuses
    assert len(names) == 20


def test_case_pages_are_never_cached(app: Flask, db: Session, vault: RecordVault) -> None:
    focal_point = make_user(db, Role.FOCAL_POINT)
    case = make_case(db, vault, delegation=focal_point.delegation, actor=focal_point)
    response = sign_in(app, focal_point.email).get(f"/cases/{case.reference}")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]


@pytest.fixture
def production_app(app: Flask, settings: Settings) -> Iterator[Flask]:
    """A production app on the test database (requesting ``app`` empties it afterwards)."""
    production = create_app(settings.replace(env="production", secret_key="x" * 48))
    yield production
    production.extensions["hrd_db"].engine.dispose()


def test_hsts_in_production(production_app: Flask) -> None:
    client = production_app.test_client()
    checked = 0
    for path in ("/login", "/healthz", "/no/such/page", "/static/app.css", "/api/v1/me", "/"):
        response = client.get(path, base_url="https://localhost")
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert "includeSubDomains" in hsts, path
        max_age = int(hsts.split("max-age=")[1].split(";")[0])
        assert max_age >= 31536000, path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        checked += 1
    assert checked == 6


def test_production_session_cookie_is_host_only_and_secure(production_app: Flask) -> None:
    response = production_app.test_client().get("/login", base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookies = [c for c in cookies if c.startswith("__Host-session=")]
    assert session_cookies, cookies
    for cookie in session_cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert "secure" in attributes
        assert "httponly" in attributes
        assert "path=/" in attributes
        assert not any(a.startswith("domain=") for a in attributes)
        assert "samesite=lax" in attributes or "samesite=strict" in attributes
    assert not any(c.startswith("hrd_session=") for c in cookies)
