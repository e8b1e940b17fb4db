"""Issue 16, acceptance 1: in Chromium with the browser's time zone set to Africa/Nairobi, a
focal point schedules a hearing at 09:30 local time; the page shows 09:30 with the zone's
label, the database holds 06:30 UTC, and the .ics parsed with icalendar gives the same
instant. The hearing form with its zone label is screenshotted and checked with axe-core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Hearing, Role
from hrd_cases.records import RecordVault
from tests.browser.conftest import REPORT_CSP, PageProblems
from tests.browser.test_journey import Journey, follow
from tests.support.factories import make_case, make_delegation, make_user

NAIROBI = "Africa/Nairobi"


class NairobiJourney(Journey):
    def context(self, *, javascript: bool = True):
        context = self.browser.new_context(
            base_url=self.base,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 900},
            timezone_id=NAIROBI,
        )
        context.add_init_script(REPORT_CSP)
        context.set_default_timeout(15_000)
        return context


def test_a_hearing_typed_at_0930_in_nairobi(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    kenya = make_delegation(db, code="EU-KE", name="EU Delegation to Kenya", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    case = make_case(db, vault, delegation=kenya, actor=focal)
    journey = NairobiJourney(live_server, playwright_browser, vault, problems)
    page = journey.sign_in(focal)
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == NAIROBI

    day = (datetime.now(ZoneInfo(NAIROBI)) + timedelta(days=5)).date()
    page.goto(f"/cases/{case.reference}#hearings")
    page.locator("summary", has_text="Schedule a hearing").click()
    field = page.get_by_label("Date and time")
    assert "Local time in Nairobi (EAT, UTC+3)" in page.locator("#scheduled_for-hint").inner_text()
    field.fill(f"{day:%Y-%m-%d}T09:30")
    page.get_by_label("Court").fill("Zq Milimani Law Courts")
    journey.shot(page, "hearing-form-time-zone")
    follow(page.get_by_role("button", name="Schedule hearing"))

    heading = page.locator("#hearings h3").first.inner_text()
    assert f"{day:%Y-%m-%d} 09:30 Nairobi (EAT, UTC+3)" in heading
    db.rollback()
    stored = db.scalar(select(Hearing.scheduled_for).where(Hearing.case_id == case.id))
    assert stored == datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)

    feed = page.context.request.get(f"{live_server}/calendar.ics")
    assert feed.status == 200
    (event,) = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == NAIROBI and (start.hour, start.minute) == (9, 30)
    assert start.astimezone(UTC) == stored

    assert problems.messages == []
    assert journey.axe == {"hearing-form-time-zone": []}  # axe-core: no violation at all
