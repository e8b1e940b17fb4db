"""Nothing secret or personal reaches the logs or the audit trail: a whole sign-in and
case-reading workflow runs with canary values, then logs and audit rows are searched."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.auth import accounts
from hrd_cases.auth.service import replace_recovery_codes
from hrd_cases.models import AuditEntry, Role
from hrd_cases.records import RecordVault
from tests.support.access import allow_new_sign_in, fresh, session_token_of, wrong_code
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_user, totp_secret_of

PASSWORD = "CANARYpw sunflower harbour 77"
NEW_PASSWORD = "CANARYnewpw granite meadow 31"
WRONG_PASSWORDS = ("CANARYpassword123", "CANARYpassword456 ünïcödé")
UNKNOWN_EMAIL = "canary.unknown.person@example.org"
DEFENDER = {
    "name": "CANARYname Zq",
    "other_names": "CANARYalias Zq",
    "contact_details": "CANARYphone +254 700 000 001",
    "location": "CANARYlocation Kibera",
    "organisation": "CANARYorg Haki",
    "personal_notes": "CANARYnotes children at school",
}
NARRATIVE = "CANARYnarrative threatened by officials"
DISPLAY_NAME = "Wanjiru CANARYdisplay"
CORRECTED_NAME = "CANARYcorrected Zq"
NOTE = "CANARYnote moved to a safe house"


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="hrd_cases")
    return caplog


def test_workflow_leaks_no_secret_to_logs_or_audit(
    app: Flask, db: Session, vault: RecordVault, captured: pytest.LogCaptureFixture
) -> None:
    @app.get("/__test_boom")
    def boom() -> str:
        decrypted = vault.open(case.defenders[0])  # personal data in a local variable
        raise RuntimeError(f"could not render {decrypted}")

    user = make_user(db, Role.FOCAL_POINT, password=PASSWORD, display_name=DISPLAY_NAME)
    case = make_case(
        db, vault, delegation=user.delegation, actor=user, defender=DEFENDER, narrative=NARRATIVE
    )
    recovery_codes = replace_recovery_codes(db, user)
    db.commit()
    secrets: list[str] = [
        PASSWORD,
        NEW_PASSWORD,
        *WRONG_PASSWORDS,
        *DEFENDER.values(),
        NARRATIVE,
        CORRECTED_NAME,
        NOTE,
        totp_secret_of(vault, user),
        *recovery_codes,
    ]

    client = app.test_client()
    auth = AuthActions(client, app)
    # Failed attempts, with canary-looking input.
    for wrong in WRONG_PASSWORDS:
        response = auth.password_step(user.email, wrong)
        assert response.status_code == 401
        assert wrong not in response.get_data(as_text=True)  # never echoed back
    assert auth.password_step(UNKNOWN_EMAIL, WRONG_PASSWORDS[0]).status_code == 401
    assert auth.password_step(user.email, PASSWORD).status_code == 302
    bad_code = wrong_code(totp_secret_of(vault, user))
    assert auth.second_factor_step(bad_code).status_code == 401

    # Sign in, read the case, list cases, hit an error, change password, sign out.
    code = auth.next_code(user.email)
    secrets.append(code)
    assert auth.second_factor_step(code).status_code == 302
    token = session_token_of(client)
    assert token is not None
    secrets.append(token)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert DEFENDER["name"] in page and NARRATIVE in page  # the canaries did flow
    # Lists and the home show the name (issue 16) to this reader: never in an address,
    # a title, a log line or the audit entry of the listing.
    for path in ("/cases", "/cases?sort=deadline&mine=1", "/"):
        listing = client.get(path)
        assert listing.status_code == 200
        html = listing.get_data(as_text=True)
        assert DEFENDER["name"] in html, path
        assert DEFENDER["name"] not in html.split("<title>")[1].split("</title>")[0]
        addresses = [part.split('"')[0] for part in html.split('href="')[1:]]
        assert addresses and not any("CANARY" in address for address in addresses), path
    # Issue 16: a correction of the name and a note through the pages, the history read.
    page_token = auth.csrf_token(f"/cases/{case.reference}/corrections")
    key = f"d{case.defenders[0].reference}".replace("-", "")
    corrected = client.post(
        f"/cases/{case.reference}/corrections/defenders/{case.defenders[0].reference}",
        data={
            **{f"{key}-{name}": value for name, value in DEFENDER.items()},
            f"{key}-name": CORRECTED_NAME,
            f"{key}-csrf_token": page_token,
        },
    )
    assert corrected.status_code == 302, corrected.get_data(as_text=True)
    noted = client.post(
        f"/cases/{case.reference}/notes",
        data={"note-text": NOTE, "note-csrf_token": page_token},
    )
    assert noted.status_code == 302
    history = client.get(f"/cases/{case.reference}/history").get_data(as_text=True)
    assert DEFENDER["name"] in history and CORRECTED_NAME in history
    assert NOTE in client.get(f"/cases/{case.reference}").get_data(as_text=True)
    failing = client.get("/__test_boom")
    assert failing.status_code == 500
    assert not any(value in failing.get_data(as_text=True) for value in DEFENDER.values())
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": auth.csrf_token("/account/password"),
        },
    )
    assert response.status_code == 302
    assert auth.logout().status_code == 302

    # A recovery-code sign-in and an API token round trip.
    allow_new_sign_in(db, user)
    assert auth.password_step(user.email, NEW_PASSWORD).status_code == 302
    assert auth.second_factor_step(recovery_codes[0]).status_code == 302
    auth.logout()
    row, api_token = accounts.create_api_token(db, user, "CANARYtokenname", days=7, max_days=90)
    secrets.append(api_token)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 200
    accounts.revoke_api_token(db, row.id)
    revoked = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert revoked.status_code == 401

    # Logs: the error above was logged (so the check below is not vacuous), without values.
    hrd_records = [r for r in captured.records if r.name.startswith("hrd_cases")]
    assert any("RuntimeError" in r.getMessage() for r in hrd_records)
    log_text = captured.text + "\n".join(r.getMessage() for r in captured.records)
    for secret in secrets:
        assert secret not in log_text, secret
        assert secret.casefold() not in log_text.casefold(), secret
    assert "canary" not in log_text.casefold()

    # Audit: every column of every row, serialised.
    entries = fresh(db).scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert len(entries) >= 10
    dumped = json.dumps(
        [
            {
                column.key: getattr(entry, column.key)
                for column in inspect(AuditEntry).column_attrs
                if column.key != "at"  # timestamps: digits that could collide with a code
            }
            for entry in entries
        ],
        default=str,
        ensure_ascii=False,
    )
    for secret in secrets:
        assert secret.casefold() not in dumped.casefold(), secret
    assert "canary" not in dumped.casefold()
    assert UNKNOWN_EMAIL not in dumped
    actions = {entry.action for entry in entries}
    assert {"login.failure", "login.success", "case.view", "session.end"} <= actions
    assert "account.password.change" in actions

    checked, problem = audit.verify_chain(fresh(db))
    assert problem is None, str(problem)
    assert checked == len(entries)
