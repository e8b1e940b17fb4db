"""Dates and numbers as each language writes them (Babel), in the delegation's time zone.

English keeps the house style the screens had (ISO dates, 24-hour times: "2026-12-15 09:30
Nairobi (EAT, UTC+3)"); the other languages get their own CLDR patterns ("15 déc. 2026,
09:30"). Stored values are never touched: these only draw them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from flask_babel import get_locale

from hrd_cases.domain.languages import DEFAULT_LANGUAGE
from hrd_cases.domain.local_time import local_label, zone_label

DATE_SKELETON = "yMMMd"  # day, abbreviated month, year
TIME_SKELETON = "Hm"  # 24-hour time
SECONDS_SKELETON = "Hms"


def _locale_code() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else DEFAULT_LANGUAGE.value


def moment_label(moment: datetime, zone_name: str | None = None, *, seconds: bool = False) -> str:
    """A stored UTC instant at its wall-clock time in the zone, the zone named after it.
    ``seconds`` for the audit screens, where the order of entries a second apart matters."""
    locale = _locale_code()
    if locale == DEFAULT_LANGUAGE.value:
        if zone_name and not seconds:
            return local_label(moment, zone_name)
        if not zone_name:
            return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M{':%S' if seconds else ''}} UTC"
    zone = ZoneInfo(zone_name) if zone_name else UTC
    day = format_skeleton(DATE_SKELETON, moment, tzinfo=zone, locale=locale)
    time = format_skeleton(
        SECONDS_SKELETON if seconds else TIME_SKELETON, moment, tzinfo=zone, locale=locale
    )
    # The language's own way of joining a date and a time ("{1}, {0}", "{1} {0}", ...).
    joined = str(Locale.parse(locale).datetime_formats["medium"])
    shown = joined.replace("{1}", day).replace("{0}", time)
    return f"{shown} {zone_label(zone_name, moment) if zone_name else 'UTC'}"


def date_label(day: date | datetime) -> str:
    """A calendar day (a stored date, or the UTC day of an instant)."""
    if isinstance(day, datetime):
        day = day.astimezone(UTC).date()
    locale = _locale_code()
    if locale == DEFAULT_LANGUAGE.value:
        return day.isoformat()
    return babel_format_date(day, "medium", locale=locale)
