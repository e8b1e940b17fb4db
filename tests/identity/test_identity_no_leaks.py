"""The security-key pages and ceremonies leak nothing: no canary name, e-mail, key name or
ceremony state in the logs or the audit details, and the refusal pages say nothing specific."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import AuditEntry, Role
from hrd_cases.settings import Settings
from tests.support.access import fresh
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user
from tests.support.soft_authenticator import SoftAuthenticator


def test_key_ceremonies_leak_no_canary(
    app: Flask, db: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = make_user(
        db, Role.ANALYST, display_name="Wanjiru CANARYdisplay", email="canary.person@example.org"
    )
    db.commit()
    browser = app.test_client()
    actions = AuthActions(browser, app)
    actions.login(user.email)
    key = SoftAuthenticator(origin=settings.webauthn_origin, rp_id=settings.webauthn_rp_id)
    token = actions.csrf_token("/account/security")
    headers = {"X-CSRFToken": token}
    options = browser.post("/account/security-keys/options", headers=headers, json={})
    state_marker = json.loads(options.get_data(as_text=True))["challenge"]
    answer = json.loads(key.register(options.get_data(as_text=True)))
    registered = browser.post(
        "/account/security-keys",
        headers=headers,
        json={"credential": answer, "name": "CANARYkeyname"},
    )
    assert registered.status_code == 200

    attacker = app.test_client()
    attacker_actions = AuthActions(attacker, app)
    attacker_actions.password_step(user.email, DEFAULT_PASSWORD)
    headers = {"X-CSRFToken": attacker_actions.csrf_token("/login/key")}
    request_options = attacker.post("/login/key/options", headers=headers, json={})
    wrong = key.assertion(request_options.get_data(as_text=True), origin="https://evil.example")
    refused = attacker.post("/login/key", headers=headers, json={"credential": json.loads(wrong)})
    assert refused.status_code == 401
    body = refused.get_data(as_text=True)
    assert "origin" not in body and "CANARY" not in body

    audit_text = json.dumps(
        [[e.action, e.details] for e in fresh(db).scalars(select(AuditEntry))], default=str
    )
    assert "wrong_origin" in audit_text  # the refusal is there, with its reason only
    for secret in ("CANARY", "canary.person", state_marker):
        assert secret not in audit_text
        assert secret not in caplog.text
