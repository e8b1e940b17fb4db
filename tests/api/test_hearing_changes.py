"""Issue 16: a scheduled hearing can be rescheduled (with the reason, encrypted; the old date
stays on the timeline) or cancelled, on both faces; attack tests for both steps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Hearing, TimelineEvent
from tests.support.access import fresh, sign_in
from tests.support.api import World, data_of, errors_of, rule_of
from tests.support.app import AuthActions

REASON = "Zq canary: the judge was taken ill"
NAIROBI = ZoneInfo("Africa/Nairobi")


def _schedule(world: World, when: datetime) -> str:
    body = {"scheduled_for": when.isoformat(), "court": "Zq court"}
    answer = world.api["owner"].post(f"/cases/{world.case.reference}/hearings", body)
    return data_of(answer, 201)["id"]


def test_reschedule_and_cancel_through_the_api(app: Flask, world: World, db: Session) -> None:
    owner = world.api["owner"]
    first = datetime.now(NAIROBI).replace(microsecond=0, second=0) + timedelta(days=10)
    hid = _schedule(world, first)
    later = first + timedelta(days=7)
    assert errors_of(
        owner.post(f"/hearings/{hid}/reschedule", {"scheduled_for": later.isoformat()}), 422
    )
    same = owner.post(
        f"/hearings/{hid}/reschedule", {"scheduled_for": first.isoformat(), "reason": REASON}
    )
    assert rule_of(same) == "trial_observation.reschedule_same_date"
    moved = data_of(
        owner.post(
            f"/hearings/{hid}/reschedule", {"scheduled_for": later.isoformat(), "reason": REASON}
        )
    )
    assert moved["scheduled_for"].startswith(later.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
    assert "change_reason" not in moved  # encrypted texts only through the case read
    case = data_of(owner.get(f"/cases/{world.case.reference}"))
    (shown,) = [h for h in case["hearings"] if h["id"] == hid]
    assert shown["change_reason"] == REASON
    events = data_of(owner.get(f"/cases/{world.case.reference}/timeline"))
    (event,) = [e for e in events if e["kind"] == "hearing.rescheduled"]
    assert event["details"]["from"] == f"{first:%Y-%m-%d %H:%M} Nairobi (EAT, UTC+3)"
    assert event["details"]["to"] == f"{later:%Y-%m-%d %H:%M} Nairobi (EAT, UTC+3)"
    assert REASON not in str(events)

    # Over 30 days back needs the confirmation, as when scheduling.
    old = (first - timedelta(days=60)).isoformat()
    refused = owner.post(f"/hearings/{hid}/reschedule", {"scheduled_for": old, "reason": "r"})
    assert rule_of(refused) == "trial_observation.past_hearing_unconfirmed"

    cancelled = data_of(owner.post(f"/hearings/{hid}/cancellation", {"reason": REASON}))
    assert cancelled["state"] == "cancelled" and cancelled["cancelled_at"]
    again = owner.post(
        f"/hearings/{hid}/reschedule", {"scheduled_for": first.isoformat(), "reason": "r"}
    )
    assert rule_of(again) == "hearing.transition"
    assert rule_of(owner.post(f"/hearings/{hid}/cancellation", {"reason": "r"})) == (
        "hearing.transition"
    )
    assert rule_of(owner.post(f"/hearings/{hid}/observation", {"observed": False})) == (
        "hearing.transition"
    )
    # Off the calendar; the reason is ciphertext at rest.
    calendar = sign_in(app, world.users["owner"].email).get("/calendar.ics")
    assert calendar.status_code == 200
    assert "BEGIN:VCALENDAR" in calendar.get_data(as_text=True)
    assert world.case.reference not in calendar.get_data(as_text=True)
    stored = fresh(db).scalar(select(Hearing.change_reason_ciphertext))
    assert stored is not None and REASON.encode() not in stored


def test_other_roles_and_other_delegations_are_refused(world: World, db: Session) -> None:
    hid = _schedule(world, datetime.now(UTC) + timedelta(days=3))
    body = {"scheduled_for": (datetime.now(UTC) + timedelta(days=4)).isoformat(), "reason": "r"}
    for role in ("officer", "analyst", "admin"):
        errors_of(world.api[role].post(f"/hearings/{hid}/reschedule", body), 403)
        errors_of(world.api[role].post(f"/hearings/{hid}/cancellation", {"reason": "r"}), 403)
    errors_of(world.api["other_focal_point"].post(f"/hearings/{hid}/reschedule", body), 404)
    errors_of(
        world.api["other_focal_point"].post(f"/hearings/{hid}/cancellation", {"reason": "r"}), 404
    )
    kinds = set(fresh(db).scalars(select(TimelineEvent.kind)))
    assert not {"hearing.rescheduled", "hearing.cancelled"} & kinds


def test_reschedule_and_cancel_through_the_page(app: Flask, world: World, db: Session) -> None:
    reference = world.case.reference
    hid = _schedule(world, datetime.now(UTC) + timedelta(days=3))
    url = f"/cases/{reference}"
    browser = sign_in(app, world.users["owner"].email)
    page = browser.get(url).get_data(as_text=True)
    assert "Reschedule this hearing" in page and "Cancel this hearing" in page
    token = AuthActions(browser, app).csrf_token(url)
    key = f"rs{hid.replace('-', '')}"
    day = (datetime.now(NAIROBI) + timedelta(days=20)).date()
    answer = browser.post(
        f"{url}/hearings/{hid}/reschedule",
        data={f"{key}-csrf_token": token, f"{key}-scheduled_for": f"{day}T09:30"},
    )
    assert answer.status_code == 422  # no reason: the panel comes back with its values
    body = answer.get_data(as_text=True)
    assert f'value="{day}T09:30"' in body and f'id="{key}-reason-error"' in body
    answer = browser.post(
        f"{url}/hearings/{hid}/reschedule",
        data={
            f"{key}-csrf_token": token,
            f"{key}-scheduled_for": f"{day}T09:30",
            f"{key}-reason": REASON,
        },
    )
    assert answer.status_code == 302
    hearing = fresh(db).get(Hearing, uuid.UUID(hid))
    assert hearing is not None
    assert hearing.scheduled_for == datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
    shown = browser.get(url).get_data(as_text=True)
    assert "Hearing rescheduled." in shown and REASON in shown
    assert f"{day} 09:30 Nairobi (EAT, UTC+3)" in shown

    cx = f"cx{hid.replace('-', '')}"
    answer = browser.post(
        f"{url}/hearings/{hid}/cancel", data={f"{cx}-csrf_token": token, f"{cx}-reason": REASON}
    )
    assert answer.status_code == 302
    assert fresh(db).get(Hearing, hearing.id).state.value == "cancelled"
    shown = browser.get(url).get_data(as_text=True)
    assert "Hearing cancelled." in shown and "Reason for cancelling" in shown
    assert "Reschedule this hearing" not in shown
    # The officer (wrong role) is refused on the page too.
    officer = sign_in(app, world.users["officer"].email)
    officer_token = AuthActions(officer, app).csrf_token(url)
    refused = officer.post(
        f"{url}/hearings/{hid}/cancel",
        data={f"{cx}-csrf_token": officer_token, f"{cx}-reason": "r"},
    )
    assert refused.status_code == 403
