"""Security keys in Debian's Chromium with the DevTools protocol's virtual authenticator
(WebAuthn.enable, WebAuthn.addVirtualAuthenticator through Playwright's CDP session).

A protection officer, whose role requires keys, passes TOTP one last time and must register a
key; signs out; signs in with the key; removes the authenticator app; a TOTP code is then
refused. A second virtual authenticator holding a different credential (same credential id,
another private key) is refused by the server, and the refusal is audited.
The relying party is http://localhost:<port> (an RP ID cannot be an IP address).
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from hrd_cases import create_app
from hrd_cases.models import AuditEntry, Role, User
from hrd_cases.settings import Settings
from tests.browser.conftest import REPORT_CSP, SCREENSHOTS, PageProblems, totp_code
from tests.support.app import empty_all_tables
from tests.support.factories import DEFAULT_PASSWORD, make_user, totp_secret_of

VIRTUAL_KEY = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def key_site(settings: Settings) -> Iterator[tuple[str, Flask]]:
    port = _free_port()
    base = f"http://localhost:{port}"
    app = create_app(
        settings.replace(
            webauthn_rp_id="localhost",
            webauthn_origin=base,
            security_key_required_roles=("protection_officer", "admin"),
        )
    )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()


def _virtual_authenticator(page) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_KEY})
    return cdp, added["authenticatorId"]


def _password_step(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/login")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_security_key_journey_in_chromium(
    playwright_browser, key_site: tuple[str, Flask], problems: PageProblems
) -> None:  # type: ignore[no-untyped-def]
    base, app = key_site
    with app.extensions["hrd_db"].session() as db:
        db.info["app"] = app
        officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
        db.commit()
        email, officer_id = officer.email, officer.id
        secret = totp_secret_of(app.extensions["hrd_vault"], officer)

    context = playwright_browser.new_context(base_url=base)  # type: ignore[attr-defined]
    context.add_init_script(REPORT_CSP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems.watch(page)
    cdp, authenticator_id = _virtual_authenticator(page)

    # 1. TOTP one last time, then the policy asks for a key before anything else.
    _password_step(page, email)
    assert page.url.endswith("/login/verify")
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/login/register-key")
    page.get_by_label("Name for this key").fill("Blue USB key")
    _shot(page, "15-security-key-registration")
    with page.expect_navigation(url=f"{base}/"):
        page.get_by_role("button", name="Register a security key").click()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1

    # 2. Sign out; 3. sign in with the key (offered first).
    _sign_out(page)
    _password_step(page, email)
    assert page.url.endswith("/login/key")
    _shot(page, "16-sign-in-with-security-key")
    with page.expect_navigation(url=f"{base}/"):
        page.get_by_role("button", name="Use your security key").click()
    assert "Signed in." in page.content()

    # 4. Remove the authenticator app under the key-required policy.
    page.goto("/account/security")
    assert "Blue USB key" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Remove the authenticator app").click()
    assert "Authenticator app removed." in page.content()
    with app.extensions["hrd_db"].session() as db:
        user = db.get(User, officer_id)
        assert user is not None and not user.has_totp and len(user.security_keys) == 1
        credential_id = user.security_keys[0].credential_id

    # 5. A TOTP code from the old secret is now refused.
    _sign_out(page)
    _password_step(page, email)
    with page.expect_navigation():
        page.get_by_role("link", name="Use a code instead").click()
    page.get_by_label("Recovery code").fill(totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/login/verify")
    assert "That code is not right" in page.content()  # the wrong-code message (issue 19)
    context.close()

    # 6. Another authenticator with a different credential for the same id: refused.
    other = playwright_browser.new_context(base_url=base)  # type: ignore[attr-defined]
    other.set_default_timeout(15_000)
    intruder = other.new_page()
    other_cdp, other_id = _virtual_authenticator(intruder)
    impostor_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    other_cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": other_id,
            "credential": {
                "credentialId": base64.b64encode(credential_id).decode(),
                "isResidentCredential": False,
                "rpId": "localhost",
                "privateKey": base64.b64encode(impostor_key).decode(),
                "signCount": 100,
            },
        },
    )
    _password_step(intruder, email)
    assert intruder.url.endswith("/login/key")
    intruder.get_by_role("button", name="Use your security key").click()
    status = intruder.locator("#key-status")
    status.filter(has_text="not accepted").wait_for()
    intruder.goto("/")
    assert "/login" in intruder.url  # not signed in
    other.close()
    with app.extensions["hrd_db"].session() as db:
        reasons = [
            e.details.get("reason")
            for e in db.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "account.security_key.authentication.refused"
                )
            )
        ]
    assert reasons == ["bad_signature"], reasons
    csp = [m for m in problems.messages if "CSP violation" in m or "page error" in m]
    assert csp == []
