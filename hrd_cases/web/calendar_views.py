"""Trial calendar: upcoming hearings in the user's scope, as a page and an iCalendar file.

The file carries case references and courts, never a defender's name. It is served to the
signed-in session only, as a download to import: calendar apps subscribe by fetching a URL
from their own servers without the session, and a secret subscription URL would be a
long-lived credential that shares courts and dates with a third party's sync service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_session, current_vault
from hrd_cases.models import User
from hrd_cases.reads.lists import UpcomingHearing, upcoming_hearings

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
    found = upcoming_hearings(current_session(), current_vault(), user)
    body = ical(found, host=request.host)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="hrd-hearings.ics"'},
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


def ical(hearings: list[UpcomingHearing], *, host: str) -> str:
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
            f"UID:{hearing.id}@{host.split(':')[0] or 'hrd_cases'}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(hearing.scheduled_for)}",
            f"DTEND:{_stamp(hearing.scheduled_for + timedelta(hours=HEARING_HOURS))}",
            f"SUMMARY:{_escape(f'Hearing, case {reference}')}",
            f"LOCATION:{_escape(item.court or 'court not recorded')}",
            f"DESCRIPTION:{_escape(f'Trial observation for case {reference}.')}",
            "CLASS:CONFIDENTIAL",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
