"""Issue 16, acceptance 1 (unit part): a hearing typed at 09:30 in the delegation's zone is
stored as the right UTC instant, shown as 09:30 with the zone's label, and written to the
.ics with a TZID and VTIMEZONE that any calendar resolves to the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.domain.local_time import local_label, to_utc, zone_label
from hrd_cases.models import Hearing, Role
from hrd_cases.records import RecordVault
from tests.support.access import sign_in
from tests.support.factories import make_case, make_delegation, make_user

ZONES = [
    # country, capital's zone, UTC hour and minute of 09:30 local, label
    ("CO", "America/Bogota", (14, 30), "Bogota (UTC-5)"),
    ("NP", "Asia/Kathmandu", (3, 45), "Kathmandu (UTC+5:45)"),
    ("KE", "Africa/Nairobi", (6, 30), "Nairobi (EAT, UTC+3)"),
]


@pytest.mark.parametrize(("country", "zone_name", "utc_time", "label"), ZONES)
def test_a_hearing_at_0930_local_is_stored_shown_and_exported_at_the_same_instant(
    app: Flask,
    db: Session,
    vault: RecordVault,
    country: str,
    zone_name: str,
    utc_time: tuple[int, int],
    label: str,
) -> None:
    delegation = make_delegation(db, country=country)
    assert delegation.time_zone == zone_name  # filled from the capital
    focal = make_user(db, Role.FOCAL_POINT, delegation=delegation)
    case = make_case(db, vault, delegation=delegation, actor=focal)
    day = (datetime.now(ZoneInfo(zone_name)) + timedelta(days=5)).date()
    typed = f"{day:%Y-%m-%d}T09:30"
    browser = sign_in(app, focal.email)
    page = browser.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f"Local time in {zone_label(zone_name)}" in page  # the form names the zone
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = browser.post(
        f"/cases/{case.reference}/hearings",
        data={"csrf_token": token, "scheduled_for": typed, "court": "Zq Court"},
    )
    assert answer.status_code == 302

    stored = db.scalar(select(Hearing.scheduled_for).where(Hearing.case_id == case.id))
    assert stored is not None
    assert (stored.hour, stored.minute) == utc_time
    assert stored == to_utc(datetime.fromisoformat(typed), zone_name)
    shown = browser.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f"{day:%Y-%m-%d} 09:30 {label}" in shown

    body = browser.get("/calendar.ics").get_data(as_text=True)
    assert f"DTSTART;TZID={zone_name}:{day:%Y%m%d}T093000" in body
    parsed = icalendar.Calendar.from_ical(body)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == [zone_name]
    (event,) = parsed.walk("VEVENT")
    assert event.decoded("dtstart").astimezone(UTC) == stored


def test_labels_name_the_zone_in_force_on_the_day() -> None:
    winter = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 7, 30, tzinfo=UTC)
    assert local_label(winter, "Europe/Brussels") == "2026-01-15 09:30 Brussels (CET, UTC+1)"
    assert local_label(summer, "Europe/Brussels") == "2026-07-15 09:30 Brussels (CEST, UTC+2)"
    assert local_label(winter, "UTC", with_date=False) == "08:30 UTC"


def test_the_api_takes_an_offset_and_answers_in_the_delegation_zone(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    from tests.support.api import token_for

    nepal = make_delegation(db, country="NP")
    focal = make_user(db, Role.FOCAL_POINT, delegation=nepal)
    case = make_case(db, vault, delegation=nepal, actor=focal)
    day = (datetime.now(UTC) + timedelta(days=5)).date()
    answer = app.test_client().post(
        f"/api/v1/cases/{case.reference}/hearings",
        json={"scheduled_for": f"{day:%Y-%m-%d}T09:30:00+05:45", "court": "Zq Court"},
        headers={"Authorization": f"Bearer {token_for(db, focal)}"},
    )
    assert answer.status_code == 201, answer.get_json()
    data = answer.get_json()["data"]
    assert data["time_zone"] == "Asia/Kathmandu"
    assert data["scheduled_for"].startswith(f"{day:%Y-%m-%d}T03:45:00")
    assert data["scheduled_local"].startswith(f"{day:%Y-%m-%d}T09:30:00+05:45")
    assert data["scheduled_label"] == f"{day:%Y-%m-%d} 09:30 Kathmandu (UTC+5:45)"
