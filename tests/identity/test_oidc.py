"""Single sign-on against a real OpenID provider (`oidc-provider` under Node, on loopback):
the full sign-in, an unknown subject, tampered and replayed state, a wrong nonce, an expired
ID token, a rotated signing key, RP-initiated logout, and local passwords disabled per role.
Each refusal is a clear page (never a 500) and an audit entry."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from hrd_cases import create_app
from hrd_cases.auth import messages
from hrd_cases.models import AuditEntry, OidcIdentity, Role, User
from hrd_cases.settings import Settings
from tests.support.app import AuthActions, empty_all_tables
from tests.support.factories import make_user
from tests.support.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    POST_LOGOUT_URI,
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
            select(AuditEntry)
            .where(AuditEntry.action == "login.oidc.refused")
            .order_by(AuditEntry.seq)
        )
        return [str(e.details.get("reason")) for e in entries]


def _shows(response, message: str) -> bool:  # type: ignore[no-untyped-def]
    return str(escape(message)) in response.get_data(as_text=True)


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
        bound = db.scalars(select(OidcIdentity)).all()
        assert [(b.user_id, b.issuer, b.subject) for b in bound] == [
            (user.id, provider.issuer, "alice")
        ]

    # The next sign-in matches on the bound subject.
    again = sso_app.test_client()
    assert _sign_in_at_provider(again, "alice").headers["Location"] == "/login/verify"
    assert _refusals(sso_app) == []


def test_an_unknown_subject_is_politely_refused_and_audited(
    sso_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _user(sso_app, "unverified-bob")  # exists, but the provider does not vouch for the e-mail
    for login in ("stranger", "unverified-bob"):
        client = sso_app.test_client()
        refused = _sign_in_at_provider(client, login)
        assert refused.status_code == 403
        page = refused.get_data(as_text=True)
        assert "there is no account for you here" in page
        assert login not in page  # the page repeats nothing the provider said
        assert not _signed_in(client)
    assert _refusals(sso_app) == ["unknown_identity", "unknown_identity"]
    with sso_app.extensions["hrd_db"].session() as db:
        audit_text = str([e.details for e in db.scalars(select(AuditEntry))])
    for claim in ("stranger", "unverified-bob", "@example.org"):
        assert claim not in audit_text
        assert claim not in caplog.text


def test_tampered_and_replayed_state_are_refused_and_audited(sso_app: Flask) -> None:
    _user(sso_app, "carol")
    client = sso_app.test_client()
    callback = ProviderBrowser().follow_to_app(_start(client), "carol")
    path, _, query = callback.partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}
    tampered = client.get(f"{path}?{urlencode({**params, 'state': params['state'] + 'x'})}")
    assert tampered.status_code == 400
    assert _shows(tampered, messages.OIDC_FAILED)
    assert not _signed_in(client)

    fresh = sso_app.test_client()
    good = ProviderBrowser().follow_to_app(_start(fresh), "carol")
    assert fresh.get(good).status_code == 302
    replayed = fresh.get(good)  # the same state and code a second time
    assert replayed.status_code == 400
    assert _refusals(sso_app) == ["state_mismatch", "state_mismatch"]


def test_a_wrong_nonce_is_refused_and_audited(sso_app: Flask) -> None:
    _user(sso_app, "dave")
    client = sso_app.test_client()
    callback = ProviderBrowser().follow_to_app(_start(client), "dave")
    with client.session_transaction() as session:
        # The ID token now answers a different authorization request than the one stored.
        for key, value in session.items():
            if key.startswith("_state_"):
                value["data"]["nonce"] = "a-nonce-we-never-sent"
                session[key] = value
    refused = client.get(callback)
    assert refused.status_code == 400
    assert not _signed_in(client)
    assert _refusals(sso_app) == ["wrong_nonce"]


def test_an_expired_id_token_is_refused_and_audited(settings: Settings) -> None:
    slow_clock = TestProvider(keys=[signing_key("key-late")], clock_shift=-600, id_token_ttl=60)
    slow_clock.start()
    app = _app_for(settings, slow_clock.issuer)
    try:
        _user(app, "erin")
        client = app.test_client()
        refused = _sign_in_at_provider(client, "erin")
        assert refused.status_code == 400
        assert _shows(refused, messages.OIDC_FAILED)
        assert not _signed_in(client)
        assert _refusals(app) == ["expired_id_token"]
    finally:
        slow_clock.stop()
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()


def test_a_rotated_signing_key_is_fetched_and_accepted(settings: Settings) -> None:
    rotating = TestProvider(keys=[signing_key("old-key")])
    rotating.start()
    app = _app_for(settings, rotating.issuer)
    try:
        _user(app, "frank")
        first = _sign_in_at_provider(app.test_client(), "frank")
        assert first.headers["Location"] == "/login/verify"  # JWKS with old-key now cached
        rotating.restart(keys=[signing_key("new-key")])
        second = _sign_in_at_provider(app.test_client(), "frank")
        assert second.status_code == 302, second.get_data(as_text=True)
        assert second.headers["Location"] == "/login/verify"
        assert _refusals(app) == []
    finally:
        rotating.stop()
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()


def test_sign_out_also_ends_the_provider_session(sso_app: Flask, provider: TestProvider) -> None:
    user = _user(sso_app, "grace")
    client = sso_app.test_client()
    at_provider = ProviderBrowser()
    _sign_in_at_provider(client, "grace", at_provider)
    actions = AuthActions(client, sso_app)
    actions.second_factor_step(actions.next_code(user.email))
    assert _signed_in(client)

    out = actions.logout()
    assert out.status_code == 302
    location = out.headers["Location"]
    assert location.startswith(f"{provider.issuer}/session/end")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == [POST_LOGOUT_URI]
    assert "id_token_hint" not in query  # no claims in a URL
    assert not _signed_in(client)
    back = at_provider.follow_to_app(location, "grace")
    assert back.split("?")[0] == "/login"  # back on our sign-in page

    # The provider forgot the user: the next sign-in asks for the login again.
    at_provider.saw_login_form = False
    _sign_in_at_provider(sso_app.test_client(), "grace", at_provider)
    assert at_provider.saw_login_form


def test_local_passwords_can_be_disabled_per_role(
    settings: Settings, provider: TestProvider
) -> None:
    app = _app_for(settings, provider.issuer, oidc_password_disabled_roles=("protection_officer",))
    try:
        officer = _user(app, "henry", Role.PROTECTION_OFFICER, countries=("KE",))
        analyst = _user(app, "iris")
        client = app.test_client()
        refused = AuthActions(client, app).password_step(
            officer.email, "correct horse battery staple"
        )
        assert refused.status_code == 403
        assert _shows(refused, messages.LOCAL_SIGN_IN_DISABLED)
        assert not _signed_in(client)
        allowed = AuthActions(app.test_client(), app).password_step(
            analyst.email, "correct horse battery staple"
        )
        assert allowed.headers["Location"] == "/login/verify"
        assert _refusals(app) == ["password_disabled_for_role"]
    finally:
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()


def test_an_unreachable_provider_is_a_clear_page_not_a_500(settings: Settings) -> None:
    from tests.support.oidc import free_port

    app = _app_for(settings, f"http://127.0.0.1:{free_port()}")
    try:
        answer = app.test_client().get("/login/organisation")
        assert answer.status_code == 503
        assert _shows(answer, messages.OIDC_UNAVAILABLE)
        assert _refusals(app) == ["provider_unreachable"]
    finally:
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()


def test_provider_mfa_is_trusted_only_by_setting_and_claim(settings: Settings) -> None:
    from hrd_cases.auth.oidc import provider_did_mfa

    trusting = settings.replace(oidc_trust_provider_mfa=True, oidc_mfa_acr_values=("urn:mfa",))
    assert not provider_did_mfa(settings, {"amr": ["mfa"]})  # not trusted by default
    assert provider_did_mfa(trusting, {"amr": ["pwd", "mfa"]})
    assert provider_did_mfa(trusting, {"acr": "urn:mfa"})
    assert not provider_did_mfa(trusting, {"amr": ["pwd"], "acr": "1"})
    assert not provider_did_mfa(trusting, {"amr": "mfa"})  # amr must be a list


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(settings: Settings) -> None:
    """A forged signature: same key id as the cached JWKS, different key material."""
    forging = TestProvider(keys=[signing_key("shared-kid")])
    forging.start()
    app = _app_for(settings, forging.issuer)
    try:
        _user(app, "judy")
        assert _sign_in_at_provider(app.test_client(), "judy").status_code == 302
        forging.restart(keys=[signing_key("shared-kid")])  # new material, same kid
        client = app.test_client()
        refused = _sign_in_at_provider(client, "judy")
        assert refused.status_code == 400
        assert _shows(refused, messages.OIDC_FAILED)
        assert not _signed_in(client)
        assert _refusals(app) == ["bad_signature"]
    finally:
        forging.stop()
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()
