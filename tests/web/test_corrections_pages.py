"""Issue 16, part A, on the HTML pages: a focal point corrects the defender and the case from
the correction page, the corrected name is found by the case list's name search and the old
one no longer, an officer reads the history, notes are added from the case page, and every
new step refuses the outsider (404), the wrong role (403), a template rule (beside the field)
and a missing CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Case, CaseNote, FieldVersion, Role, TimelineEvent, User
from hrd_cases.records import RecordVault
from hrd_cases.web.case_views import prefix
from tests.support.access import fresh, sign_in
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_delegation, make_user

NAME = "Zq Amani Beforename-Otieno"
NEW_NAME = "Zq Amani Aftername-Otieno"
LOCATION = "Zq Kibera"
NARRATIVE = "Zq narrative: followed after the hearing"
NOTE = "Zq note: the family moved to a safer place"


@dataclass
class Pages:
    case: Case
    defender: str
    focal: User
    fp: FlaskClient
    colleague: FlaskClient
    officer: FlaskClient
    other_fp: FlaskClient
    other_officer: FlaskClient
    analyst: FlaskClient
    admin: FlaskClient

    @property
    def url(self) -> str:
        return f"/cases/{self.case.reference}"


@pytest.fixture
def pages(app: Flask, db: Session, vault: RecordVault) -> Pages:
    kenya = make_delegation(db, code="DEL-KE", name="EU Delegation to Kenya", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    users = {
        "colleague": make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Cole"),
        "officer": make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name="Olu"),
        "other_fp": make_user(
            db, Role.FOCAL_POINT, delegation=make_delegation(db, code="DEL-KE-B", country="KE")
        ),
        "other_officer": make_user(db, Role.PROTECTION_OFFICER, countries=("UG",)),
        "analyst": make_user(db, Role.ANALYST),
        "admin": make_user(db, Role.ADMIN),
    }
    case = make_case(
        db,
        vault,
        delegation=kenya,
        actor=focal,
        defender={"name": NAME, "location": LOCATION},
        narrative=NARRATIVE,
    )
    browsers = {role: sign_in(app, user.email) for role, user in users.items()}
    return Pages(case, case.defenders[0].reference, focal, sign_in(app, focal.email), **browsers)


def token(browser: FlaskClient, page: str) -> str:
    return AuthActions(browser, browser.application).csrf_token(page)


def defender_form(pages: Pages, **changes: str) -> dict[str, str]:
    values = {"name": NAME, "location": LOCATION, **changes}
    key = prefix("d", pages.defender)
    fields = {f"{key}-{name}": value for name, value in values.items()}
    return {**fields, f"{key}-csrf_token": token(pages.fp, f"{pages.url}/corrections")}


def case_form(pages: Pages, browser: FlaskClient | None = None, **changes: object) -> dict:
    values: dict[str, object] = {
        "risk_level": "high",
        "profile_categories": ["journalist_media"],
        "threats": ["judicial_harassment"],
        "narrative": NARRATIVE,
        **changes,
    }
    return {**values, "csrf_token": token(browser or pages.fp, f"{pages.url}/corrections")}


def name_search(browser: FlaskClient, name: str) -> str:
    response = browser.post("/cases", data={"name": name, "csrf_token": token(browser, "/cases")})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_name_corrected_on_the_page_is_found_and_the_old_one_not(
    pages: Pages, db: Session
) -> None:
    reference = pages.case.reference
    assert reference in name_search(pages.fp, NAME)
    form = pages.fp.get(f"{pages.url}/corrections")
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert f'value="{NAME}"' in body and NARRATIVE in body  # filled with the values now
    assert NAME not in body.split("<title>")[1].split("</title>")[0]
    response = pages.fp.post(
        f"{pages.url}/corrections/defenders/{pages.defender}",
        data=defender_form(pages, name=NEW_NAME, contact_details="Zq +254 700 1"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{pages.url}/history")
    assert NEW_NAME not in response.headers["Location"]
    history = pages.fp.get(f"{pages.url}/history").get_data(as_text=True)
    assert "Corrected: Full name, Contact details." in history
    assert NEW_NAME in history and NAME in history
    for browser in (pages.fp, pages.officer):
        assert reference in name_search(browser, NEW_NAME)
        assert reference in name_search(browser, "aftername-otieno")
        assert reference not in name_search(browser, NAME)
        assert reference not in name_search(browser, "Beforename-Otieno")
    page = pages.fp.get(pages.url).get_data(as_text=True)
    assert NEW_NAME in page and "Defender corrected" in page
    assert NAME not in page  # the old name is only in the history


def test_the_case_fields_are_corrected_and_an_officer_reads_the_history(
    pages: Pages, db: Session
) -> None:
    response = pages.fp.post(
        f"{pages.url}/corrections/case",
        data=case_form(
            pages,
            risk_level="critical",
            threats=["surveillance", "travel_ban"],
            narrative="Zq narrative, corrected",
        ),
    )
    assert response.status_code == 302
    flashed = pages.fp.get(response.headers["Location"]).get_data(as_text=True)
    assert "Corrected: Risk level, Threats suffered, Narrative." in flashed
    history = pages.officer.get(f"{pages.url}/history")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert NARRATIVE in text and "Zq narrative, corrected" in text
    assert "Fiona Focal" in text and "Judicial harassment" in text and "Travel ban" in text
    # Nothing changed: nothing recorded.
    again = pages.fp.post(
        f"{pages.url}/corrections/case",
        data=case_form(
            pages,
            risk_level="critical",
            threats=["surveillance", "travel_ban"],
            narrative="Zq narrative, corrected",
        ),
    )
    assert again.status_code == 302
    assert "Nothing was changed" in pages.fp.get(again.headers["Location"]).get_data(as_text=True)
    assert len(fresh(db).scalars(select(FieldVersion)).all()) == 3


def test_a_template_rule_answers_beside_the_field_and_keeps_what_was_typed(
    pages: Pages, db: Session
) -> None:
    # Kenya's template requires a location and a narrative at intake.
    response = pages.fp.post(
        f"{pages.url}/corrections/defenders/{pages.defender}",
        data=defender_form(pages, name=NEW_NAME, location=""),
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    key = prefix("d", pages.defender)
    assert f'id="{key}-location-error"' in body and "template requires this" in body
    assert f'value="{NEW_NAME}"' in body  # what was typed stays
    empty_name = pages.fp.post(
        f"{pages.url}/corrections/defenders/{pages.defender}",
        data=defender_form(pages, name=""),
    )
    assert empty_name.status_code == 422
    assert f'id="{key}-name-error"' in empty_name.get_data(as_text=True)
    narrative = pages.fp.post(f"{pages.url}/corrections/case", data=case_form(pages, narrative=""))
    assert narrative.status_code == 422
    assert 'id="narrative-error"' in narrative.get_data(as_text=True)
    assert fresh(db).scalars(select(FieldVersion)).all() == []


def test_notes_from_the_case_page_newest_first(pages: Pages, db: Session) -> None:
    def add(browser: FlaskClient, text: str):
        return browser.post(
            f"{pages.url}/notes",
            data={"note-text": text, "note-csrf_token": token(browser, pages.url)},
        )

    assert add(pages.fp, "Zq first note").status_code == 302
    response = add(pages.colleague, NOTE)
    assert response.status_code == 302 and response.headers["Location"].endswith("#case-notes")
    page = pages.officer.get(pages.url).get_data(as_text=True)
    assert page.index(NOTE) < page.index("Zq first note")  # newest first
    notes_section = page.split('id="case-notes"')[1].split("</section>")[0]
    assert "Cole" in notes_section and "Fiona Focal" in notes_section
    assert "Add a note" not in notes_section  # officers read notes, never add them
    timeline = page.split('id="timeline"')[1]
    assert "Case note added" in timeline and NOTE not in timeline
    empty = add(pages.fp, "   ")
    assert empty.status_code == 422
    body = empty.get_data(as_text=True)
    assert 'id="note-text-error"' in body
    assert re.search(r'<details class="panel" open>\s*<summary>Add a note', body)
    assert len(fresh(db).scalars(select(CaseNote)).all()) == 2


def test_attacks_on_the_correction_and_note_steps(pages: Pages, db: Session) -> None:
    url = pages.url
    posts = {
        f"{url}/corrections/defenders/{pages.defender}": lambda b: {
            f"{prefix('d', pages.defender)}-name": NEW_NAME,
            f"{prefix('d', pages.defender)}-location": LOCATION,
            f"{prefix('d', pages.defender)}-csrf_token": token(b, "/"),
        },
        f"{url}/corrections/case": lambda b: {
            "risk_level": "low",
            "narrative": "Zq",
            "csrf_token": token(b, "/"),
        },
        f"{url}/notes": lambda b: {"note-text": "Zq intruder", "note-csrf_token": token(b, "/")},
    }
    for path, data in posts.items():
        for outsider in (pages.other_fp, pages.other_officer):
            assert outsider.post(path, data=data(outsider)).status_code == 404, path
        assert pages.officer.post(path, data=data(pages.officer)).status_code == 403, path
        for no_case_role in (pages.analyst, pages.admin):
            assert no_case_role.post(path, data=data(no_case_role)).status_code == 403, path
        # The focal point without the form's CSRF token is refused.
        without = {k: v for k, v in data(pages.fp).items() if not k.endswith("csrf_token")}
        assert pages.fp.post(path, data=without).status_code == 400, path
    assert pages.officer.get(f"{url}/corrections").status_code == 403
    assert pages.other_fp.get(f"{url}/corrections").status_code == 404
    assert pages.other_fp.get(f"{url}/history").status_code == 404
    assert pages.other_officer.get(f"{url}/history").status_code == 404
    for no_case_role in (pages.analyst, pages.admin):
        assert no_case_role.get(f"{url}/history").status_code == 403
        assert no_case_role.get(f"{url}/corrections").status_code == 403
    db = fresh(db)
    assert db.scalars(select(FieldVersion)).all() == []
    assert db.scalars(select(CaseNote)).all() == []
    kinds = set(db.scalars(select(TimelineEvent.kind)))
    assert not {"defender.corrected", "case.corrected", "case.note_added"} & kinds
    assert pages.case.reference in name_search(pages.fp, NAME)
