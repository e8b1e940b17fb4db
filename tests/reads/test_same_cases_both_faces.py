"""Acceptance 5 of issue 13: the pages and the API list the same cases in the same order for
the same filters, over a seeded set where several cases share their opening instant (only
the tie-break orders them) and span several countries (the officer's per-country paging)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role, User
from hrd_cases.records import RecordVault
from tests.support.access import sign_in
from tests.support.api import token_for
from tests.support.factories import make_delegation, make_user
from tests.support.scenarios import cases_with_ties

PAGE_SIZE = 25  # the pages' size; the API is asked for the same
LINK = re.compile(r'href="/cases/([A-Z]{2}-[0-9]{4}-[0-9]{1,8})"')

FILTERS = [
    ("", ""),
    ("country=KE", "country=KE"),
    ("risk=high", "risk_level=high"),
    ("country=UG&risk=low", "country=UG&risk_level=low"),
]


@pytest.fixture
def seeded(db: Session, vault: RecordVault) -> tuple[list[str], User]:
    kenya = make_delegation(db, code="DEL-KE", country="KE")
    uganda = make_delegation(db, code="DEL-UG", country="UG")
    focal = {
        "DEL-KE": make_user(db, Role.FOCAL_POINT, delegation=kenya),
        "DEL-UG": make_user(db, Role.FOCAL_POINT, delegation=uganda),
    }
    references = cases_with_ties(db, vault, [kenya, uganda], focal)
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE", "UG"))
    return references, officer


@pytest.mark.parametrize(("page_query", "api_query"), FILTERS)
def test_pages_and_api_list_the_same_cases_in_the_same_order(
    app: Flask, db: Session, seeded: tuple[list[str], User], page_query: str, api_query: str
) -> None:
    references, officer = seeded
    browser = sign_in(app, officer.email)
    token = token_for(db, officer)
    page = browser.get(f"/cases?{page_query}")
    assert page.status_code == 200
    on_page = LINK.findall(page.get_data(as_text=True))
    answer = app.test_client().get(
        f"/api/v1/cases?{api_query}&per_page={PAGE_SIZE}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.get_json()
    in_api = [c["reference"] for c in answer.get_json()["data"]]
    assert on_page == in_api
    assert set(in_api) <= set(references)
    if not page_query:
        assert sorted(in_api) == sorted(references)  # the whole seeded set, nothing else


def test_the_order_is_newest_first_with_ties_broken_by_reference(
    app: Flask, db: Session, seeded: tuple[list[str], User]
) -> None:
    _references, officer = seeded
    token = token_for(db, officer)
    rows = (
        app.test_client()
        .get("/api/v1/cases?per_page=100", headers={"Authorization": f"Bearer {token}"})
        .get_json()["data"]
    )
    keys = [(row["opened_at"], row["reference"]) for row in rows]
    assert keys == sorted(keys, reverse=True)
    tied = [key for key in keys if sum(1 for other in keys if other[0] == key[0]) > 1]
    assert len(tied) >= 8  # the seeded set really has ties for the tie-break to decide


def test_pages_of_two_agree_page_by_page(
    app: Flask, db: Session, seeded: tuple[list[str], User]
) -> None:
    """Paging cuts the same list in the same places on both faces (page size 2 on the API,
    compared with the page list cut into twos)."""
    references, officer = seeded
    token = token_for(db, officer)
    browser = sign_in(app, officer.email)
    whole = LINK.findall(browser.get("/cases").get_data(as_text=True))
    client = app.test_client()
    paged: list[str] = []
    for number in range(1, len(references) // 2 + 1):
        answer = client.get(
            f"/api/v1/cases?per_page=2&page={number}",
            headers={"Authorization": f"Bearer {token}"},
        )
        paged.extend(c["reference"] for c in answer.get_json()["data"])
    assert paged == whole
