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
from flask_login import current_user

from hrd_cases.auth.accounts import CALENDAR_COURT_EXPLANATION, set_calendar_shows_court
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_session, current_settings, current_vault
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
        flash("Calendar setting saved.", "success")
        return redirect(url_for("calendar.calendar_privacy"))
    return render_template(
        "calendar_privacy.html", form=form, explanation=CALENDAR_COURT_EXPLANATION
    )


def _escape(text: str) -> str:
    """RFC 5545 TEXT escaping."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (RFC 5545 3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return out


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ical(hearings: list[UpcomingHearing], *, host: str, with_courts: bool = False) -> str:
    now = _stamp(datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//hrd_cases//trial calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Trial observation",
    ]
    for item in hearings:
        hearing = item.hearing
        reference = hearing.case.reference
        lines += [
            "BEGIN:VEVENT",
            f"UID:{hearing.id}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(hearing.scheduled_for)}",
            f"DTEND:{_stamp(hearing.scheduled_for + timedelta(hours=HEARING_HOURS))}",
            f"SUMMARY:{_escape(f'Hearing, case {reference}')}",
            *([f"LOCATION:{_escape(item.court or 'court not recorded')}"] if with_courts else []),
            f"DESCRIPTION:{_escape(f'Trial observation for case {reference}.')}",
            "CLASS:CONFIDENTIAL",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
