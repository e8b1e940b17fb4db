"""Calendar quarters (``2026Q3``) and the export's time window."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hrd_cases.domain.errors import DomainError

_QUARTER = re.compile(r"(?P<year>\d{4})-?Q(?P<number>[1-4])")


class ExportError(DomainError):
    """An export request that cannot be served; the message is one line, with no data in it."""


class ReleaseNotFound(ExportError):
    """A well-formed request for a release, or a version of one, that does not exist."""


class ReleaseConflict(ExportError):
    """Refused by where the quarter's releases stand, not by the request: a quarter not yet
    closed, already released, not yet released, or released before a language existed. Time,
    a release or a revision changes the answer."""


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next_first_day(self) -> date:
        """The first day after the quarter (the window's exclusive end)."""
        if self.number == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.number + 1, 1)

    @property
    def last_day(self) -> date:
        return self.next_first_day - timedelta(days=1)

    def __str__(self) -> str:
        return self.label


def parse_quarter(text: str) -> Quarter:
    """``2026Q3`` (also ``2026-Q3``, any case) -> Quarter; anything else is an ExportError."""
    match = _QUARTER.fullmatch(text.strip().upper())
    if match is None:
        # Echo the input only when it is short and plain: it may reach logs.
        shown = text if len(text) <= 16 and text.isprintable() else "the value given"
        raise ExportError(
            f"invalid quarter {shown!r}: expected YYYYQn with n from 1 to 4, e.g. 2026Q3"
        )
    year = int(match["year"])
    if year < 2000:
        raise ExportError(f"invalid quarter {text!r}: year before 2000")
    return Quarter(year, int(match["number"]))


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """Events counted: ``start <= at < end`` (UTC). The end is the quarter's end, or the end of
    the as-of day when that comes first, so the same as-of date gives the same figures even
    after later events are recorded."""

    start: datetime
    end: datetime


def export_window(quarter: Quarter, as_of: date) -> Window:
    if as_of < quarter.first_day:
        raise ExportError(
            f"as-of date {as_of.isoformat()} is before {quarter.label} starts "
            f"({quarter.first_day.isoformat()})"
        )
    end_day = min(quarter.next_first_day, as_of + timedelta(days=1))
    return Window(utc_midnight(quarter.first_day), utc_midnight(end_day))
