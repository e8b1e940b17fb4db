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


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/json"),
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("html", "text/html"),
    ],
)
def test_analyst_downloads_every_format(world: World, fmt: str, media_type: str) -> None:
    quarter = this_quarter()
    response = world.api["analyst"].get(f"/exports/quarterly/{quarter}?format={fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == media_type
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"hrd-quarterly-{quarter}" in disposition
    body = response.get_data()
    for secret in (DEFENDER_NAME, DEFENDER_LOCATION, NARRATIVE):
        assert secret.encode() not in body
    if fmt == "json":
        assert response.get_json()["quarter"] == quarter
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_same_as_of_date_gives_the_same_bytes(world: World) -> None:
    path = f"/exports/quarterly/{this_quarter()}?format=csv&as_of={utcnow().date()}"
    first, second = (world.api["analyst"].get(path) for _ in range(2))
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()


def test_other_roles_are_refused_and_the_refusal_is_audited(db: Session, world: World) -> None:
    for role in ("owner", "officer", "admin"):
        errors_of(world.api[role].get(f"/exports/quarterly/{this_quarter()}"), 403)
    errors_of(world.api["anonymous"].get(f"/exports/quarterly/{this_quarter()}"), 401)
    outcomes = (
        fresh(db)
        .scalars(select(AuditEntry.outcome).where(AuditEntry.action == "export.quarterly"))
        .all()
    )
    assert len(outcomes) == 3 and {str(o) for o in outcomes} == {"refused"}


def test_bad_export_requests_are_422(world: World) -> None:
    api = world.api["analyst"]
    quarter = this_quarter()
    for path in (
        "/exports/quarterly/2026Q5",
        "/exports/quarterly/1999Q1",
        "/exports/quarterly/someday",
        f"/exports/quarterly/{quarter}?format=pdf",
        f"/exports/quarterly/{quarter}?as_of=yesterday",
        f"/exports/quarterly/{quarter}?as_of=9999-12-31",
        f"/exports/quarterly/{quarter}?k=1",  # k is the instance's setting, not the caller's
        "/exports/quarterly/2199Q4",  # the as-of date (today) is before it starts
    ):
        errors_of(api.get(path), 422)
