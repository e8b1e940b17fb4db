"""Spreadsheet formula neutralisation (CSV and XLSX): text that a spreadsheet could evaluate
as a formula (OWASP "CSV injection") gets a leading apostrophe. Numbers stay numbers."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
