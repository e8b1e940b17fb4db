"""The quarterly export over the API: analysts only, every format as an attachment, bad
input answered 422, refusals audited by the export service, never a name in the file."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models import AuditEntry
from tests.support.access import fresh
from tests.support.api import DEFENDER_LOCATION, DEFENDER_NAME, NARRATIVE, World, errors_of


def this_quarter() -> str:
    today = utcnow().date()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def previous_quarter() -> str:
    today = utcnow().date()
    number = (today.month - 1) // 3 + 1
    return f"{today.year}Q{number - 1}" if number > 1 else f"{today.year - 1}Q4"


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/json"),
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("html", "text/html"),
    ],
)
def test_analyst_releases_a_closed_quarter_and_downloads_every_format(
    world: World, fmt: str, media_type: str
) -> None:
    quarter = previous_quarter()  # closed more than 30 days ago
    api = world.api["analyst"]
    made = api.post(f"/exports/quarterly/{quarter}/releases", json={})
    assert made.status_code == 201, made.get_data(as_text=True)[:300]
    assert made.get_json()["data"]["version"] == 1
    response = api.get(f"/exports/quarterly/{quarter}?format={fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == media_type
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"hrd-release-{quarter}-v1" in disposition
    body = response.get_data()
    for secret in (DEFENDER_NAME, DEFENDER_LOCATION, NARRATIVE):
        assert secret.encode() not in body
    if fmt == "json":
        assert response.get_json()["quarter"] == quarter
        assert response.get_json()["status"] == "release"
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    again = api.get(f"/exports/quarterly/{quarter}?format={fmt}")
    assert again.get_data() == body
    # The same release in French: another stored file, same keys (issue 21 item 6).
    french = api.get(f"/exports/quarterly/{quarter}?format={fmt}&language=fr")
    assert french.status_code == 200 and french.get_data() != body
    assert f"hrd-release-{quarter}-v1-fr" in french.headers["Content-Disposition"]
    if fmt == "json":
        assert french.get_json()["language"] == "fr"
        assert french.get_json()["tables"][0]["key"] == "cases_by_profile"
    errors_of(api.get(f"/exports/quarterly/{quarter}?format={fmt}&language=de"), 422)
    # Released once: a second release without saying what changed is refused in one line, as
    # a state of the release (409), since the request itself was well formed.
    message = errors_of(api.post(f"/exports/quarterly/{quarter}/releases", json={}), 409)
    assert "already released" in str(message)
    # A revision's reason follows the input policy the document declares: one line, no
    # control characters (here a C1 "next line").
    bad_reason = {"reason": "late entries\u0085corrected"}
    refused = errors_of(api.post(f"/exports/quarterly/{quarter}/releases", json=bad_reason), 422)
    assert list(refused) == ["reason"]
    # A version it never had, or a quarter never released, does not exist: 404, in one line.
    missing = errors_of(api.get(f"/exports/quarterly/{quarter}?version=9999"), 404)
    assert missing == {"message": [f"{quarter} has no version 9999"]}
    missing = errors_of(api.get("/exports/quarterly/2199Q4"), 404)
    assert missing == {
        "message": ["2199Q4 is not released: only a released quarter can be downloaded"]
    }


def test_an_unclosed_quarter_is_refused_in_one_line(world: World) -> None:
    api = world.api["analyst"]
    quarter = this_quarter()
    for response, status in (
        (api.get(f"/exports/quarterly/{quarter}?format=csv"), 404),
        (api.post(f"/exports/quarterly/{quarter}/releases", json={}), 409),
    ):
        errors = errors_of(response, status)
        (message,) = errors["message"]
        assert quarter in message and "\n" not in message


def test_the_analysts_provisional_preview_is_marked(world: World) -> None:
    quarter = this_quarter()
    for fmt in ("json", "csv", "html"):
        response = world.api["analyst"].get(f"/exports/quarterly/{quarter}/preview?format={fmt}")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert b"PROVISIONAL PREVIEW, NOT A RELEASE" in response.get_data()
        assert "PROVISIONAL" in response.headers["Content-Disposition"]
    for role in ("owner", "officer", "admin"):
        errors_of(world.api[role].get(f"/exports/quarterly/{quarter}/preview"), 403)


def test_other_roles_are_refused_and_the_refusal_is_audited(db: Session, world: World) -> None:
    for role in ("owner", "officer", "admin"):
        errors_of(world.api[role].get(f"/exports/quarterly/{this_quarter()}"), 403)
    errors_of(world.api["anonymous"].get(f"/exports/quarterly/{this_quarter()}"), 401)
    outcomes = (
        fresh(db)
        .scalars(select(AuditEntry.outcome).where(AuditEntry.action == "export.download"))
        .all()
    )
    assert len(outcomes) == 3 and {str(o) for o in outcomes} == {"refused"}


def test_bad_export_requests_are_422(world: World) -> None:
    api = world.api["analyst"]
    quarter = previous_quarter()
    for path in (
        "/exports/quarterly/2026Q5",
        "/exports/quarterly/1999Q1",
        "/exports/quarterly/someday",
        f"/exports/quarterly/{quarter}?format=pdf",
        # The caller chooses no date: a release is what it is.
        f"/exports/quarterly/{quarter}?as_of=2026-01-01",
        f"/exports/quarterly/{quarter}?k=1",  # k is the instance's setting, not the caller's
    ):
        errors_of(api.get(path), 422)


def test_the_annual_report_through_the_api(world: World) -> None:
    """Issue 14 item 5, the API face: last year's four quarters released, then its report."""
    api = world.api["analyst"]
    year = utcnow().date().year - 1
    refused = errors_of(api.get(f"/exports/annual/{year}?format=json"), 409)
    assert f"{year}Q1, {year}Q2, {year}Q3, {year}Q4 not released" in str(refused)
    for number in range(1, 5):
        made = api.post(f"/exports/quarterly/{year}Q{number}/releases", json={})
        assert made.status_code == 201, made.get_data(as_text=True)[:300]
    response = api.get(f"/exports/annual/{year}?format=json&language=fr")
    assert response.status_code == 200
    assert response.get_json()["columns"][-1] == "year"
    assert response.get_json()["title"].startswith(f"Rapport annuel {year}")
    assert f"hrd-annual-{year}-fr.json" in response.headers["Content-Disposition"]
    errors_of(world.api["owner"].get(f"/exports/annual/{year}"), 403)
