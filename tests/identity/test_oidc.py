"""Single sign-on against a real OpenID provider (`oidc-provider` under Node, on loopback):
the full sign-in, an unknown subject, tampered and replayed state, a wrong nonce, an expired
ID token, a rotated signing key, RP-initiated logout, and local passwords disabled per role.
Each refusal is a clear page (never a 500) and an audit entry."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hrd_cases import create_app
from hrd_cases.models import AuditEntry, Role, User
from hrd_cases.settings import Settings
from tests.support.app import AuthActions, empty_all_tables
from tests.support.factories import make_user
from tests.support.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    ProviderBrowser,
    TestProvider,
    signing_key,
)


@pytest.fixture(scope="module")
def provider() -> Iterator[TestProvider]:
    running = TestProvider(keys=[signing_key("key-1")])
    running.start()
    yield running
    running.stop()


def _app_for(settings: Settings, issuer: str, **changes: object) -> Flask:
    return create_app(
        settings.replace(
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_leeway_seconds=30,
            **changes,
        )
    )


@pytest.fixture
def sso_app(settings: Settings, provider: TestProvider) -> Iterator[Flask]:
    app = _app_for(settings, provider.issuer)
    yield app
    empty_all_tables(app)
    app.extensions["hrd_db"].engine.dispose()


def _user(app: Flask, login: str, role: Role = Role.ANALYST, **fields: object) -> User:
    with app.extensions["hrd_db"].session() as db:
        db.info["app"] = app
        user = make_user(db, role, email=f"{login}@example.org", **fields)
        if role is Role.PROTECTION_OFFICER:
            pass
        db.commit()
        db.refresh(user)
        db.expunge(user)
        return user


def _start(client: FlaskClient) -> str:
    start = client.get("/login/organisation")
    assert start.status_code == 302, start.get_data(as_text=True)
    return start.headers["Location"]


def _sign_in_at_provider(client: FlaskClient, login: str, browser: ProviderBrowser | None = None):  # type: ignore[no-untyped-def]
    browser = browser or ProviderBrowser()
    callback = browser.follow_to_app(_start(client), login)
    return client.get(callback)


def _refusals(app: Flask) -> list[str]:
    with app.extensions["hrd_db"].session() as db:
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "login.oidc.refused").order_by(
                AuditEntry.seq
            )
        )
        return [str(e.details.get("reason")) for e in entries]


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def test_full_sign_in_binds_the_subject_and_still_asks_our_second_factor(
    sso_app: Flask, provider: TestProvider
) -> None:
    user = _user(sso_app, "alice")
    client = sso_app.test_client()
    page = client.get("/login")
    assert "Sign in with your organisation" in page.get_data(as_text=True)
    start = urlsplit(_start(client))
    query = parse_qs(start.query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["response_type"] == ["code"]

    callback = _sign_in_at_provider(client, "alice")
    assert callback.status_code == 302
    assert callback.headers["Location"] == "/login/verify"  # our own TOTP still applies
    assert not _signed_in(client)
    actions = AuthActions(client, sso_app)
    assert actions.second_factor_step(actions.next_code(user.email)).status_code == 302
    assert _signed_in(client)
    with sso_app.extensions["hrd_db"].session() as db:
        bound = db.get(User, user.id)
        assert bound is not None
        assert (bound.oidc_issuer, bound.oidc_subject) == (provider.issuer, "alice")

    # The next sign-in matches on the bound subject.
    again = sso_app.test_client()
    assert _sign_in_at_provider(again, "alice").headers["Location"] == "/login/verify"
    assert _refusals(sso_app) == []
