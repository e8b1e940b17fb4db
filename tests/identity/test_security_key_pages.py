"""Security keys through the HTML pages (JSON ceremonies behind them) and the JSON API, with
the per-role policy: a key is offered first, TOTP is refused under the policy, a recovery code
leads to registering a new key, the last factor stays."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.auth.service import replace_recovery_codes
from hrd_cases.models import Role, User
from hrd_cases.settings import Settings
from tests.support.access import fresh
from tests.support.api import Api, data_of, errors_of, token_for
from tests.support.app import AuthActions, empty_all_tables
from tests.support.factories import make_user
from tests.support.soft_authenticator import SoftAuthenticator


def _csrf(client: FlaskClient, path: str) -> str:
    return AuthActions(client, client.application).csrf_token(path)


def _ceremony(client: FlaskClient, page: str, options_url: str, finish_url: str, answer, **extra):  # type: ignore[no-untyped-def]
    token = _csrf(client, page)
    headers = {"X-CSRFToken": token}
    options = client.post(options_url, headers=headers, json={})
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = json.loads(answer(options.get_data(as_text=True)))
    return client.post(finish_url, headers=headers, json={"credential": credential, **extra})


def _register_from_account_page(client: FlaskClient, authenticator: SoftAuthenticator, name: str):  # type: ignore[no-untyped-def]
    return _ceremony(
        client,
        "/account/security",
        "/account/security-keys/options",
        "/account/security-keys",
        authenticator.register,
        name=name,
    )


def test_keys_from_the_account_page_then_sign_in_with_a_key_first(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    browser = app.test_client()
    assert AuthActions(browser, app).login(user.email).status_code == 302
    page = browser.get("/account/security")
    assert page.status_code == 200 and "security_key.js" in page.get_data(as_text=True)
    authenticator = SoftAuthenticator(
        origin=settings.webauthn_origin, rp_id=settings.webauthn_rp_id
    )
    answer = _register_from_account_page(browser, authenticator, "blue key")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["redirect"] == "/account/security"
    assert "blue key" in browser.get("/account/security").get_data(as_text=True)

    fresh_browser = app.test_client()
    first = AuthActions(fresh_browser, app).password_step(
        user.email, "correct horse battery staple"
    )
    assert first.headers["Location"] == "/login/key"  # offered first
    signed = _ceremony(
        fresh_browser, "/login/key", "/login/key/options", "/login/key", authenticator.assertion
    )
    assert signed.status_code == 200 and signed.get_json() == {"redirect": "/"}
    assert fresh_browser.get("/").status_code == 200


def test_a_refused_key_at_sign_in_is_a_clear_401_and_signs_nobody_in(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    browser = app.test_client()
    AuthActions(browser, app).login(user.email)
    good = SoftAuthenticator(origin=settings.webauthn_origin, rp_id=settings.webauthn_rp_id)
    _register_from_account_page(browser, good, "k")
    attacker = app.test_client()
    AuthActions(attacker, app).password_step(user.email, "correct horse battery staple")
    wrong = SoftAuthenticator(origin="https://evil.example", rp_id=settings.webauthn_rp_id)
    wrong.credential_id = good.credential_id  # claims the right key, signs with another
    refused = _ceremony(attacker, "/login/key", "/login/key/options", "/login/key", wrong.assertion)
    assert refused.status_code == 401
    assert "not accepted" in refused.get_json()["error"]
    assert attacker.get("/").status_code == 302


def test_policy_refuses_totp_and_a_recovery_code_forces_a_new_key(
    settings: Settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    policy = settings.replace(security_key_required_roles=("protection_officer",))
    app = create_app(policy)
    try:
        with app.extensions["hrd_db"].session() as db:
            db.info["app"] = app
            officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
            codes = replace_recovery_codes(db, officer)
            db.commit()
            email, officer_id = officer.email, officer.id
        auth_browser = app.test_client()
        actions = AuthActions(auth_browser, app)
        # No key yet: TOTP passes once, then a key must be registered before anything else.
        response = actions.login(email)
        assert response.headers["Location"] == "/login/register-key"
        assert auth_browser.get("/").status_code == 302  # not signed in yet
        key = SoftAuthenticator(origin=policy.webauthn_origin, rp_id=policy.webauthn_rp_id)
        done = _ceremony(
            auth_browser,
            "/login/register-key",
            "/login/register-key/options",
            "/login/register-key",
            key.register,
            name="officer key",
        )
        assert done.status_code == 200 and done.get_json()["redirect"] == "/"
        assert auth_browser.get("/").status_code == 200

        # With a key, TOTP is refused even though the secret is still there.
        other = app.test_client()
        other_actions = AuthActions(other, app)
        assert (
            other_actions.password_step(email, "correct horse battery staple").headers["Location"]
            == "/login/key"
        )
        refused = other_actions.second_factor_step(other_actions.next_code(email))
        assert refused.status_code == 401
        # A recovery code (lost key) is accepted, and leads to registering a new key.
        recovered = other_actions.second_factor_step(codes[0])
        assert recovered.headers["Location"] == "/login/register-key"
        assert other.get("/").status_code == 302
        with app.extensions["hrd_db"].session() as db:
            user = db.get(User, officer_id)
            assert user is not None and len(user.security_keys) == 1
    finally:
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()


def test_register_at_sign_in_needs_the_second_step_first(app: Flask, db: Session) -> None:
    """Without the policy, nobody reaches forced registration with a password alone."""
    user = make_user(db, Role.ANALYST)
    db.commit()
    browser = app.test_client()
    AuthActions(browser, app).password_step(user.email, "correct horse battery staple")
    assert browser.get("/login/register-key").headers["Location"] == "/login"


def test_the_api_lists_registers_and_removes_keys_like_the_page(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.FOCAL_POINT)
    db.commit()
    api = Api(app.test_client(), token_for(db, user))
    assert data_of(api.get("/account/security-keys")) == []
    key = SoftAuthenticator(origin=settings.webauthn_origin, rp_id=settings.webauthn_rp_id)
    begun = data_of(api.post("/account/security-keys/registration"))
    finish = {
        "state": begun["state"],
        "credential": json.loads(key.register(json.dumps(begun["options"]))),
        "name": "api key",
    }
    created = data_of(api.post("/account/security-keys", json=finish), 201)
    assert created["name"] == "api key" and created["sign_count"] == 0
    # The same answer again (its ceremony is spent), or a state no ceremony issued: a rule of
    # the earlier step (409, named), never a field error the document could have prevented.
    again = api.post("/account/security-keys", json=finish)
    errors_of(again, 409)
    assert again.get_json()["meta"]["rule"] == "account.key_registration"
    forged = api.post("/account/security-keys", json={**finish, "state": "0" * 64})
    errors_of(forged, 409)
    assert forged.get_json()["meta"]["rule"] == "account.key_registration"
    listed = data_of(api.get("/account/security-keys"))
    assert [k["name"] for k in listed] == ["api key"]
    remaining = data_of(api.call("DELETE", f"/account/security-keys/{created['id']}"))
    assert remaining == []
    assert fresh(db).get(User, user.id).security_keys == []  # type: ignore[union-attr]
    errors_of(api.call("DELETE", "/account/security-keys/999999"), 404)
