"""Acceptance 2 of issue 15: the same hostile text sent to the HTML form and to the JSON API
gets the same refusal (the policy of ``domain.text_input``, applied by the services), and a
decomposed and a composed accent find the same defender on both faces."""

from __future__ import annotations

import html
import json
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.domain import text_input
from hrd_cases.domain.errors import ValidationFailed
from hrd_cases.domain.vocabulary import RiskLevel, ThreatType
from hrd_cases.models import Defender, Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import IntakeInput, open_case
from tests.support.access import fresh, sign_in
from tests.support.api import Api, token_for
from tests.support.app import AuthActions
from tests.support.factories import make_delegation, make_user, strategy_catalogue

# What Kenya's template requires at intake, besides the name.
REQUIRED = {"location": "Kisumu", "narrative": "Followed after the march", "risk_level": "high"}

HOSTILE_NAMES = [
    pytest.param("Amina\x00Diallo", text_input.MESSAGE_CONTROL_SINGLE_LINE, id="nul"),
    pytest.param("\u200b\u200c\u200d", text_input.MESSAGE_NO_LETTER, id="zero-width-only"),
    pytest.param("\u202eollaiD animA", text_input.MESSAGE_BIDI, id="rtl-override"),
]


@dataclass
class Faces:
    browser: FlaskClient
    api: Api
    delegation_id: int


@pytest.fixture
def faces(app: Flask, db: Session) -> Faces:
    kenya = make_delegation(db, code="DEL-KE", country="KE")
    focal_point = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    browser = sign_in(app, focal_point.email)
    return Faces(browser, Api(app.test_client(), token_for(db, focal_point)), kenya.id)


def html_intake(faces: Faces, raw_name: bytes):  # type: ignore[no-untyped-def]
    """POST the intake form with the name's bytes exactly as given (a browser could send any)."""
    token = AuthActions(faces.browser, faces.browser.application).csrf_token("/cases/new")
    body = urlencode({**REQUIRED, "threats": "surveillance", "csrf_token": token}).encode()
    body += b"&name=" + b"".join(b"%%%02X" % byte for byte in raw_name)
    return faces.browser.post(
        "/cases/new", data=body, content_type="application/x-www-form-urlencoded"
    )


def api_intake(faces: Faces, raw_json_name: str):  # type: ignore[no-untyped-def]
    """POST /api/v1/cases with the name written as raw JSON text (so "\\ud800" stays lone)."""
    payload = {
        "country": "KE",
        "risk_level": "high",
        "threats": ["surveillance"],
        "narrative": REQUIRED["narrative"],
        "defender": {"name": "@NAME@", "location": REQUIRED["location"]},
    }
    body = json.dumps(payload).replace('"@NAME@"', raw_json_name)
    return faces.api.client.post(
        "/api/v1/cases", data=body, content_type="application/json", headers=faces.api.headers()
    )


def defenders(db: Session) -> int:
    return fresh(db).scalar(select(func.count()).select_from(Defender)) or 0


def assert_same_refusal(faces: Faces, db: Session, raw_name: bytes, raw_json: str, message: str):  # type: ignore[no-untyped-def]
    before = defenders(db)
    page = html_intake(faces, raw_name)
    assert page.status_code == 422
    assert html.escape(message) in page.get_data(as_text=True)
    api = api_intake(faces, raw_json)
    assert api.status_code == 422, api.get_data(as_text=True)
    assert api.get_json()["errors"] == {"defender.name": [message]}
    assert defenders(db) == before  # nothing stored by either face


@pytest.mark.parametrize(("name", "message"), HOSTILE_NAMES)
def test_hostile_names_get_the_same_refusal_on_both_faces(
    faces: Faces, db: Session, name: str, message: str
) -> None:
    assert_same_refusal(faces, db, name.encode(), json.dumps(name), message)


def test_a_lone_surrogate_gets_the_same_refusal_on_both_faces(faces: Faces, db: Session) -> None:
    # A form post cannot carry a lone surrogate: browsers submit form values as USVStrings
    # (WHATWG), which turns a lone surrogate typed or pasted into a field into U+FFFD, sent as
    # EF BF BD. JSON can carry one ("\ud800"). Both are refused in the same words.
    assert_same_refusal(
        faces, db, "Amina \ufffd".encode(), '"Amina \\ud800"', text_input.MESSAGE_INVALID_UNICODE
    )


def test_the_service_refuses_without_any_form_or_schema(
    db: Session, vault: RecordVault, faces: Faces
) -> None:
    """The policy holds for a caller that skips both faces (a script, a future endpoint)."""
    for name, message in (
        ("Amina\x00Diallo", text_input.MESSAGE_CONTROL_SINGLE_LINE),
        ("\u200b", text_input.MESSAGE_NO_LETTER),
        ("\u202eAmina", text_input.MESSAGE_BIDI),
        ("Amina\ud800", text_input.MESSAGE_INVALID_UNICODE),
    ):
        intake = IntakeInput(
            delegation_id=faces.delegation_id,
            country="KE",
            risk_level=RiskLevel.HIGH,
            defender={"name": name, "location": "Kisumu"},
            threats=[ThreatType.SURVEILLANCE],
            narrative="Followed",
        )
        with pytest.raises(ValidationFailed) as refused:
            open_case(db, vault, strategy_catalogue(), None, intake)
        assert refused.value.messages == {"name": [message]}
    assert defenders(db) == 0


def search_html(faces: Faces, name: str) -> str:
    token = AuthActions(faces.browser, faces.browser.application).csrf_token("/cases")
    response = faces.browser.post("/cases", data={"name": name, "csrf_token": token})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def search_api(faces: Faces, name: str) -> list[str]:
    response = faces.api.post("/defenders/search", {"name": name})
    assert response.status_code == 200, response.get_json()
    return [match["reference"] for match in response.get_json()["data"]]


def test_decomposed_and_composed_accents_find_the_same_defender(
    faces: Faces, db: Session, vault: RecordVault
) -> None:
    composed = "Zq Jos\u00e9 Ng\u0169g\u0129"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    # Opened through the form with the decomposed spelling ...
    page = html_intake(faces, decomposed.encode())
    assert page.status_code == 302, page.get_data(as_text=True)
    case_reference = page.headers["Location"].rsplit("/", 1)[-1]
    stored = fresh(db).scalars(select(Defender)).one()
    # ... it is stored in the composed (NFC) form, so decryption round-trips one spelling.
    assert vault.open_field(stored, "name") == composed
    # Both spellings find it on both faces.
    for spelling in (composed, decomposed):
        assert search_api(faces, spelling) == [stored.reference]
        assert case_reference in search_html(faces, spelling)
    # The same through the API with the composed spelling: a second defender, same answers.
    created = api_intake(faces, json.dumps(composed.replace("Zq", "Zz")))
    assert created.status_code == 201, created.get_json()
    for spelling in (composed.replace("Zq", "Zz"), decomposed.replace("Zq", "Zz")):
        assert len(search_api(faces, spelling)) == 1
