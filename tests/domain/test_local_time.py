"""Local times the API answers are RFC 3339 date-times even where the zone's offset had
seconds (local mean time before about 1900): found by the strict fuzz (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hrd_cases.domain.local_time import to_local, to_local_whole_minutes


def test_an_offset_with_seconds_becomes_whole_minutes_at_the_same_instant() -> None:
    moment = datetime(1900, 8, 16, 12, 46, 22, 300000, tzinfo=UTC)
    assert to_local(moment, "Africa/Nairobi").utcoffset() == timedelta(hours=2, seconds=1636)
    local = to_local_whole_minutes(moment, "Africa/Nairobi")
    assert local == moment
    assert local.isoformat() == "1900-08-16T15:13:22.300000+02:27"


def test_a_whole_minute_offset_keeps_the_zone() -> None:
    moment = datetime(2026, 12, 15, 6, 30, tzinfo=UTC)
    local = to_local_whole_minutes(moment, "Asia/Kathmandu")
    assert local.isoformat() == "2026-12-15T12:15:00+05:45" and local.tzname() == "+0545"
