"""Acceptance 3 of issue 13: the case page and the API's case read cost a fixed, small number
of SQL statements whatever the case holds (counted on the engine, login and audit included)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role, User
from hrd_cases.records import RecordVault
from tests.support.access import sign_in
from tests.support.api import token_for
from tests.support.factories import make_delegation, make_user
from tests.support.scenarios import BusyCase, busy_case, counted_statements

# Issue 17 listed the files within eight; issue 16 adds the notes (one statement); issue 19
# the delegation's own observation partners (one small statement).
MAX_STATEMENTS = 10


def _busy(db: Session, vault: RecordVault) -> tuple[User, BusyCase]:
    kenya = make_delegation(db, code="DEL-KE-A", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = busy_case(db, vault, kenya, focal)
    assert (case.referrals, case.hearings, case.statements, case.consents) == (3, 3, 2, 2)
    assert case.timeline_events == 20
    return focal, case


def test_the_case_page_costs_at_most_nine_statements(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    focal, case = _busy(db, vault)
    browser = sign_in(app, focal.email)
    browser.get(f"/cases/{case.reference}")  # the first page of a session may warm caches
    with counted_statements(app.extensions["hrd_db"].engine) as seen:
        page = browser.get(f"/cases/{case.reference}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Legal costs 3000" in body and "High Court 15" in body  # everything is shown
    assert "Draft private_demarche" in body and "Consent for public_statement" in body
    assert len(seen) <= MAX_STATEMENTS, "\n".join(seen)


def test_the_api_case_read_costs_at_most_nine_statements(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    focal, case = _busy(db, vault)
    token = token_for(db, focal)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get(f"/api/v1/cases/{case.reference}", headers=headers)
    with counted_statements(app.extensions["hrd_db"].engine) as seen:
        answer = client.get(f"/api/v1/cases/{case.reference}", headers=headers)
    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert len(data["referrals"]) == 3 and len(data["hearings"]) == 3
    assert len(data["statements"]) == 2 and len(data["consents"]) == 2
    assert {r["justification"] for r in data["referrals"]} == {
        "Legal costs 1000",
        "Legal costs 2000",
        "Legal costs 3000",
    }
    assert len(seen) <= MAX_STATEMENTS, "\n".join(seen)
