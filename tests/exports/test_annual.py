"""The annual report (issue 14 item 5): `hrd-cases export annual 2026`, the analyst's page and
the API, built from the four released quarters; published figures only."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.exports.annual import annual_export
from hrd_cases.exports.quarter import Quarter
from hrd_cases.exports.releases import download_release, releasable_from, release_quarter
from hrd_cases.exports.service import EXPORT_FORMATS
from hrd_cases.models import AuditEntry, Role
from hrd_cases.records import RecordVault
from tests.exports.test_no_plaintext_in_exports import _searchable
from tests.support.access import fresh, sign_in
from tests.support.app import AuthActions
from tests.support.exports import build_known_dataset, this_quarter
from tests.support.factories import make_user, strategy_catalogue


def _release_year(db: Session, year: int, upto: int = 4) -> None:
    for number in range(1, upto + 1):
        release_quarter(
            db,
            Quarter(year, number),
            actor=None,
            via="cli",
            catalogue=strategy_catalogue(),
            k=5,
            p=2,
            lag_days=30,
            today=releasable_from(Quarter(year, 4), 30),
        )


def test_the_annual_report_adds_up_the_four_releases(
    db: Session, vault: RecordVault, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    known = build_known_dataset(db, vault)
    year = this_quarter().year
    refused = runner.invoke(args=["export", "annual", str(year), "--out", str(tmp_path / "a.docx")])
    assert refused.exit_code != 0
    assert f"the annual report for {year} needs its four quarters released" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    _release_year(db, year)
    document = json.loads(annual_export(db, year, "json", actor=None, via="cli").body)
    assert document["columns"] == [f"{year}Q{n}" for n in range(1, 5)] + ["year"]
    quarters = {
        q: json.loads(download_release(db, q, "json", actor=None, via="cli").body)
        for q in document["columns"][:4]
    }
    headline = next(s for s in document["sections"] if s["key"] == "headline")
    for row in headline["rows"]:
        published = [
            next(r for r in quarters[q]["headline"]["rows"] if r["level"] == "all")["values"][
                row["code"]
            ]
            for q in document["columns"][:4]
        ]
        assert row["values"][:4] == published
        if "x" in published:
            assert row["values"][4] == "x", "a year's sum would give a withheld quarter away"
        else:
            assert row["values"][4] == sum(published)
    assert document["summary"][-1].startswith("Figures shown as 'x' are withheld")
    # Every format, in both languages, reproducible and free of any name.
    for name in EXPORT_FORMATS:
        for language in ("en", "fr"):
            first = annual_export(db, year, name, actor=None, via="cli", language=language)
            again = annual_export(db, year, name, actor=None, via="cli", language=language)
            assert first.body == again.body, (name, language)
            for secret in known.names:
                assert secret.encode() not in _searchable(name, first.body)
    french = json.loads(annual_export(db, year, "json", actor=None, via="cli", language="fr").body)
    assert french["title"].startswith(f"Rapport annuel {year}")
    out = tmp_path / "annual.docx"
    made = runner.invoke(
        args=["export", "annual", str(year), "--out", str(out), "--language", "fr"]
    )
    assert made.exit_code == 0, made.output
    assert out.read_bytes()[:2] == b"PK"
    entries = fresh(db).scalars(select(AuditEntry).where(AuditEntry.action == "export.annual"))
    assert sum(1 for _ in entries) >= 21


def test_the_annual_report_on_the_analysts_page(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    build_known_dataset(db, vault)
    year = this_quarter().year
    _release_year(db, year, upto=3)
    analyst = make_user(db, Role.ANALYST)
    browser = sign_in(app, analyst.email)
    page = browser.get("/exports").get_data(as_text=True)
    assert "Annual report for the Council conclusions" in page
    token = AuthActions(browser, app).csrf_token("/exports")
    form = {
        "annual-year": str(year),
        "annual-fmt": "html",
        "annual-language": "fr",
        "annual-csrf_token": token,
        "annual-annual": "Download",
    }
    missing = browser.post("/exports/annual", data=form)
    assert missing.status_code == 422
    assert f"{year}Q4 not released" in missing.get_data(as_text=True)
    release_quarter(
        db,
        Quarter(year, 4),
        actor=None,
        via="cli",
        catalogue=strategy_catalogue(),
        k=5,
        p=2,
        lag_days=30,
        today=releasable_from(Quarter(year, 4), 30),
    )
    response = browser.post("/exports/annual", data=form)
    assert response.status_code == 200
    assert f"hrd-annual-{year}-fr.html" in response.headers["Content-Disposition"]
    assert '<html lang="fr">' in response.get_data(as_text=True)
    no_csrf = browser.post(
        "/exports/annual", data={k: v for k, v in form.items() if "csrf" not in k}
    )
    assert no_csrf.status_code in (400, 422)
    officer = sign_in(app, make_user(db, Role.PROTECTION_OFFICER, countries=("KE",)).email)
    theirs = {**form, "annual-csrf_token": AuthActions(officer, app).csrf_token("/")}
    assert officer.post("/exports/annual", data=theirs).status_code == 403
