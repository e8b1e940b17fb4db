"""Times in a delegation's IANA zone: entered and shown there, stored in UTC.

A focal point in Nairobi types 09:30 and means 09:30 in Nairobi; an observer's calendar must
then show the same instant. Pure: the standard library's zoneinfo only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

PAST_HEARING_CONFIRMATION = timedelta(days=30)


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def to_utc(local: datetime, zone_name: str) -> datetime:
    """A wall-clock time typed in ``zone_name`` (naive), as an aware UTC datetime.

    An aware value is already an instant and is only converted."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(zone_name))
    return local.astimezone(UTC)


def to_local(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(zone(zone_name))


def to_local_whole_minutes(moment: datetime, zone_name: str) -> datetime:
    """The same instant in the zone, with a whole-minute offset: RFC 3339 (JSON's date-time)
    has no seconds in an offset, which local mean time before about 1900 has (Nairobi
    +02:27:16). Only then does the wall clock move, by those seconds."""
    local = to_local(moment, zone_name)
    offset = local.utcoffset() or timedelta()
    whole = timedelta(minutes=int(offset.total_seconds() // 60))
    return local if whole == offset else moment.astimezone(timezone(whole))


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(zone_name: str, at: datetime | None = None) -> str:
    """ "Nairobi (EAT, UTC+3)"; a zone without a letter abbreviation gives its offset only
    ("Kathmandu (UTC+5:45)"). The abbreviation and offset are those in force at ``at``."""
    local = (at or datetime.now(UTC)).astimezone(zone(zone_name))
    city = zone_name.rsplit("/", 1)[-1].replace("_", " ")
    offset = _offset(local.utcoffset())
    abbreviation = local.tzname() or ""
    if zone_name in ("", "UTC"):
        return "UTC"
    if not abbreviation or abbreviation[0] in "+-":
        return f"{city} ({offset})"
    return f"{city} ({abbreviation}, {offset})"


def local_label(moment: datetime, zone_name: str, *, with_date: bool = True) -> str:
    """ "2026-12-15 09:30 Nairobi (EAT, UTC+3)" (or without the date)."""
    local = to_local(moment, zone_name)
    shown = local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")
    return f"{shown} {zone_label(zone_name, moment)}"


def form_value(moment: datetime, zone_name: str) -> str:
    """The value of a datetime-local input showing ``moment`` in the zone."""
    return to_local(moment, zone_name).strftime("%Y-%m-%dT%H:%M")
