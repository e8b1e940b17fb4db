"""Trial calendar: upcoming hearings in the user's scope, as a page and an iCalendar file.

The file carries case references and times, never a defender's name, and the court only for
a user who chose so (account page or API: the court with the date and reference is what the
court's encryption protects, and the file leaves the system). Event UIDs name the configured
public host, never the request's Host header. It is served to the signed-in session only,
as a download to import: calendar apps subscribe by fetching a URL
from their own servers without the session, and a secret subscription URL would be a
long-lived credential that shares courts and dates with a third party's sync service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from icalendar import Calendar, Event

from hrd_cases.auth.accounts import CALENDAR_COURT_EXPLANATION, set_calendar_shows_court
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_session, current_settings, current_vault
from hrd_cases.domain.local_time import to_local
from hrd_cases.models import User
from hrd_cases.reads.lists import UpcomingHearing, upcoming_hearings
from hrd_cases.web.forms import CalendarPrivacyForm

bp = Blueprint("calendar", __name__)
HEARING_HOURS = 2  # a nominal length: the court's schedule is rarely known


@bp.get("/calendar")
def calendar():
    user: User = current_user._get_current_object()
    require(user, Permission.CASE_READ)
    found = upcoming_hearings(current_session(), current_vault(), user)
    return render_template("calendar.html", hearings=found)


@bp.get("/calendar.ics")
def calendar_feed():
    user: User = current_user._get_current_object()
    require(user, Permission.CASE_READ)
    # Without the user's opt-in the courts are not even decrypted for the file.
    found = upcoming_hearings(
        current_session(), current_vault(), user, with_courts=user.calendar_shows_court
    )
    body = ical(found, host=current_settings().public_host, with_courts=user.calendar_shows_court)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="hrd-hearings.ics"'},
    )


@bp.route("/account/calendar", methods=["GET", "POST"])
def calendar_privacy() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    require(user, Permission.CASE_READ)  # only case readers have a trial calendar
    form = CalendarPrivacyForm(shows_court=user.calendar_shows_court)
    if form.validate_on_submit():
        set_calendar_shows_court(current_session(), user, bool(form.shows_court.data))
        flash(_("Calendar setting saved."), "success")
        return redirect(url_for("calendar.calendar_privacy"))
    return render_template(
        "calendar_privacy.html", form=form, explanation=CALENDAR_COURT_EXPLANATION
    )


def ical(hearings: list[UpcomingHearing], *, host: str, with_courts: bool = False) -> bytes:
    """Each hearing at its wall-clock time in its delegation's zone (DTSTART;TZID=...), with
    that zone's VTIMEZONE, so any calendar shows the instant the focal point typed."""
    calendar = Calendar()
    calendar.add("prodid", "-//hrd_cases//trial calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Trial observation")
    stamp = datetime.now(UTC)
    domain = host.split(":")[0] or "hrd_cases"
    for item in hearings:
        hearing = item.hearing
        reference = hearing.case.reference
        start = to_local(hearing.scheduled_for, hearing.case.delegation.time_zone)
        event = Event()
        event.add("uid", f"{hearing.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(hours=HEARING_HOURS))
        event.add("summary", f"Hearing, case {reference}")
        if with_courts:  # only behind the user's own opt-in
            event.add("location", item.court or "court not recorded")
        event.add("description", f"Trial observation for case {reference}.")
        event.add("class", "CONFIDENTIAL")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
