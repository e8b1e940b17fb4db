"""Dates, numbers and money per locale (issue 21, item 5): a stored UTC instant shown at its
wall-clock time in the delegation's zone, in each language's own pattern; English keeps the
ISO house style; amounts through Babel's currency format. Stored values are not touched."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from hrd_cases.i18n.formatting import date_label, moment_label

MOMENT = datetime(2026, 12, 15, 6, 30, tzinfo=UTC)  # 09:30 in Nairobi (UTC+3)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2026-12-15 09:30 Nairobi (EAT, UTC+3)"),
        ("fr", "15 déc. 2026, 09:30 Nairobi (EAT, UTC+3)"),
        ("es", "15 dic 2026, 9:30 Nairobi (EAT, UTC+3)"),
        ("pt", "15 de dez. de 2026 09:30 Nairobi (EAT, UTC+3)"),
    ],
)
def test_an_instant_in_the_delegations_zone(app: Flask, language: str, expected: str) -> None:
    with app.test_request_context("/"), force_locale(language):
        assert moment_label(MOMENT, "Africa/Nairobi") == expected


def test_arabic_writes_its_own_digits_and_months(app: Flask) -> None:
    with app.test_request_context("/"), force_locale("ar"):
        label = moment_label(MOMENT, "Africa/Nairobi")
        assert "ديسمبر" in label and "Nairobi (EAT, UTC+3)" in label
        assert date_label(date(2026, 12, 15)) != "2026-12-15"


def test_dates_numbers_and_money_in_templates(app: Flask) -> None:
    source = (
        '{{ date_label(day) }}|{{ format_decimal(12345.5) }}|{{ format_currency(10000, "EUR") }}'
    )
    rendered = {}
    for language in ("en", "fr", "es"):
        with app.test_request_context("/"), force_locale(language):
            rendered[language] = render_template_string(source, day=date(2026, 3, 1))
    assert rendered["en"] == "2026-03-01|12,345.5|€10,000.00"
    assert rendered["fr"] == "1 mars 2026|12\u202f345,5|10\u202f000,00\u00a0€"
    assert rendered["es"] == "1 mar 2026|12.345,5|10.000,00\u00a0€"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "2026-12-15 06:30:07 UTC"), ("fr", "15 déc. 2026, 06:30:07 UTC")],
)
def test_audit_moments_keep_their_seconds(app: Flask, language: str, expected: str) -> None:
    """The audit screens order entries a second apart: their times keep the seconds."""
    with app.test_request_context("/"), force_locale(language):
        assert moment_label(MOMENT.replace(second=7), seconds=True) == expected
