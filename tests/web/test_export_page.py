"""The analyst's export page: a quarter and a format in, an audited attachment out."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models import AuditEntry, Role
from hrd_cases.reads.lists import quarter_of
from hrd_cases.records import RecordVault
from tests.support.access import fresh, sign_in
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_delegation, make_user

NAME = "Zq Export-Page Defender"


def test_analyst_downloads_an_audited_export_without_names(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    kenya = make_delegation(db, country="KE")
    for _ in range(6):
        make_case(db, vault, delegation=kenya, defender={"name": NAME})
    analyst = make_user(db, Role.ANALYST)
    browser = sign_in(app, analyst.email)
    page = browser.get("/exports")
    assert page.status_code == 200
    quarter = quarter_of(utcnow().date()).replace("-", "")
    html = page.get_data(as_text=True)
    assert f'<option value="{quarter}"' in html and '<option value="xlsx"' in html
    token = AuthActions(browser, app).csrf_token("/exports")
    for fmt in ("csv", "json", "xlsx", "html"):
        response = browser.post(
            "/exports", data={"quarter": quarter, "fmt": fmt, "csrf_token": token}
        )
        assert response.status_code == 200, fmt
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and f"{quarter}" in disposition
        assert disposition.endswith(f'.{fmt}"')
        assert "no-store" in response.headers["Cache-Control"]
        assert b"Zq" not in response.data and b"Export-Page" not in response.data
    exports = (
        fresh(db).scalars(select(AuditEntry).where(AuditEntry.action == "export.quarterly")).all()
    )
    assert len(exports) == 4 and all(e.actor_id == analyst.id for e in exports)


def test_a_bad_choice_is_refused_beside_the_field(app: Flask, db: Session) -> None:
    browser = sign_in(app, make_user(db, Role.ANALYST).email)
    token = AuthActions(browser, app).csrf_token("/exports")
    response = browser.post(
        "/exports", data={"quarter": "1999Q1", "fmt": "pdf", "csrf_token": token}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="quarter-error"' in html and 'id="fmt-error"' in html


def test_only_analysts_reach_the_export_page(app: Flask, db: Session) -> None:
    for role in (Role.FOCAL_POINT, Role.PROTECTION_OFFICER, Role.ADMIN):
        browser = sign_in(app, make_user(db, role).email)
        assert browser.get("/exports").status_code == 403, role
        token = AuthActions(browser, app).csrf_token("/")
        response = browser.post(
            "/exports", data={"quarter": "2026Q1", "fmt": "csv", "csrf_token": token}
        )
        assert response.status_code == 403, role
