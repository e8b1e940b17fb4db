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


def test_analyst_sees_a_marked_preview_then_releases_and_downloads(
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
    assert "provisional preview only" in html
    token = AuthActions(browser, app).csrf_token("/exports")
    for fmt in ("csv", "json", "xlsx", "html"):
        response = browser.post(
            "/exports",
            data={"quarter": quarter, "fmt": fmt, "download": "Download", "csrf_token": token},
        )
        assert response.status_code == 200, fmt
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and f"PROVISIONAL-{quarter}" in disposition
        assert disposition.endswith(f'.{fmt}"')
        assert "no-store" in response.headers["Cache-Control"]
        assert b"Zq" not in response.data and b"Export-Page" not in response.data
    previews = (
        fresh(db).scalars(select(AuditEntry).where(AuditEntry.action == "export.preview")).all()
    )
    assert len(previews) == 4 and all(e.actor_id == analyst.id for e in previews)
    # The open quarter cannot be released: one line, beside the form.
    refused = browser.post(
        "/exports",
        data={"quarter": quarter, "fmt": "csv", "release": "Release", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "cannot be released before" in refused.get_data(as_text=True)
    # The previous quarter has closed long enough ago: the button releases it.
    year, number = int(quarter[:4]), int(quarter[-1])
    closed = f"{year}Q{number - 1}" if number > 1 else f"{year - 1}Q4"
    released = browser.post(
        "/exports",
        data={"quarter": closed, "fmt": "csv", "release": "Release", "csrf_token": token},
    )
    assert released.status_code == 302
    listing = browser.get("/exports").get_data(as_text=True)
    assert f"{closed} (released)" in listing
    first, second = (
        browser.post(
            "/exports",
            data={"quarter": closed, "fmt": "xlsx", "download": "Download", "csrf_token": token},
        )
        for _ in range(2)
    )
    assert first.status_code == second.status_code == 200
    assert f"hrd-release-{closed}-v1" in first.headers["Content-Disposition"]
    assert first.data == second.data


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
