"""The one clock: stored times are UTC (DESIGN.md, style)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current UTC time; pass the function itself as a column default, never its result."""
    return datetime.now(UTC)
