"""The application shell: health check, deny-by-default login gate, sign-in and errors."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.auth.gate import PUBLIC_ENDPOINTS
from hrd_cases.models import Role
from hrd_cases.settings import Settings
from tests.support.access import build_url
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user


def test_healthz_answers_without_login(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_healthz_reports_an_unreachable_database(settings: Settings, tmp_path) -> None:
    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    app = create_app(settings.replace(database_url=f"sqlite:///{missing}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_every_endpoint_outside_the_allow_list_requires_login(
    app: Flask, client: FlaskClient
) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        # Any value the converters accept (a uuid route must match): the gate runs first.
        url = build_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (rule.rule, method)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]
            checked += 1
    assert checked >= 2


def test_allow_list_is_small_and_explicit() -> None:
    assert {
        "static",
        "health.healthz",
        "auth.login",
        "auth.second_factor",
        "auth.enrol",
        "auth.account_link",  # issue 19: a single-use link, checked by the view
        "auth.forgot_password",  # issue 19: one answer for every address
        "auth.security_key_sign_in",
        "auth.security_key_sign_in_options",
        "auth.security_key_sign_in_finish",
        "auth.register_key_at_sign_in",
        "auth.register_key_at_sign_in_options",
        "auth.register_key_at_sign_in_finish",
        "auth.oidc_start",
        "auth.oidc_callback",
        "language.switch",  # issue 21: the footer's switcher sets a cookie before sign-in
    } == PUBLIC_ENDPOINTS


def test_second_steps_without_a_password_step_go_back_to_sign_in(client: FlaskClient) -> None:
    for path in ("/login/verify", "/login/enrol", "/login/key", "/login/register-key"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/login")


def test_login_page_renders_with_csrf_token(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)


def test_sign_in_and_out(db: Session, client: FlaskClient, auth: AuthActions) -> None:
    user = make_user(db, Role.ANALYST, email="Analyst@Example.org")
    response = auth.login("analyst@example.ORG", DEFAULT_PASSWORD)
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert user.display_name in home.get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(
    db: Session, client: FlaskClient, auth: AuthActions
) -> None:
    make_user(db, Role.ANALYST, email="known@example.org")
    wrong = auth.login("known@example.org", "not the password at all")
    unknown = auth.login("nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "Sign-in failed." in wrong.get_data(as_text=True)
    assert "Sign-in failed." in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in(db: Session, auth: AuthActions) -> None:
    make_user(db, Role.ANALYST, email="gone@example.org", is_active=False)
    assert auth.login("gone@example.org", DEFAULT_PASSWORD).status_code == 401


def test_login_without_csrf_token_is_refused(db: Session, client: FlaskClient) -> None:
    make_user(db, Role.ANALYST, email="csrf@example.org")
    response = client.post(
        "/login", data={"email": "csrf@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_unknown_page_is_a_plain_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page?name=Secret%20Person")
    assert response.status_code == 404
    assert "Secret Person" not in response.get_data(as_text=True)


def test_unexpected_error_page_leaks_nothing(app: Flask, client: FlaskClient, caplog) -> None:
    # Personal data reaches an exception through variables, never through source code.
    decrypted_name = "-".join(["CANARY", "Secret", "Defender"])

    @app.get("/boom")
    def boom():
        raise RuntimeError(f"could not process {decrypted_name}")

    import hrd_cases.auth.gate as gate

    original = gate.PUBLIC_ENDPOINTS
    gate.PUBLIC_ENDPOINTS = original | {"boom"}
    try:
        response = client.get("/boom")
    finally:
        gate.PUBLIC_ENDPOINTS = original
    assert response.status_code == 500
    assert "CANARY" not in response.get_data(as_text=True)
    assert "CANARY" not in caplog.text
    assert "RuntimeError" in caplog.text
