"""JSON: metadata (quarter, as-of date, k, method, definitions) and every table, with
suppressed cells as the string "x" and not-applicable figures as null."""

from __future__ import annotations

import json
from typing import Any

from hrd_cases.exports.definitions import FAMILY_AT_MOST, NOT_APPLICABLE_MARK, row_sums
from hrd_cases.exports.report import Cell, QuarterlyReport, Row, Table, change

# 2: "p", each table's "family", "row_sums" and "at_most" (the equations a reader may use),
# each country row's "region"; every table lists the same countries.
# 3: "language", "headline" (each measure names the family and column of the table cell it
# repeats; comparisons with earlier releases), "headline_summary", table 7.
FORMAT_VERSION = 3


def render_json(report: QuarterlyReport) -> bytes:
    document = {
        "format_version": FORMAT_VERSION,
        "title": report.title,
        "status": report.status,
        "version": report.version,
        "released_on": report.released_on.isoformat() if report.released_on else None,
        "revision_reason": report.revision_reason,
        "status_line": report.status_line,
        "quarter": report.quarter.label,
        "period": {
            "start": report.window.start.isoformat(),
            "end_exclusive": report.window.end.isoformat(),
        },
        "as_of": report.as_of.isoformat(),
        "k": report.k,
        "p": report.p,
        "method": list(report.method),
        "definitions": {term: text for term, text in report.definitions},
        "cell_values": {
            "x": "suppressed (disclosure control)",
            "null": "not applicable (no case to base a median or share on)",
        },
        "language": report.language,
        "headline_summary": list(report.headline_summary),
        "headline": _headline(report),
        "tables": [_table(t) for t in report.tables],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _value(cell: Cell) -> Any:
    return None if cell == NOT_APPLICABLE_MARK else cell


def _row(row: Row, keys: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {"level": row.level, "code": row.code or None, "label": row.label}
    if row.region is not None:
        found["region"] = row.region
    found["values"] = dict(zip(keys, (_value(c) for c in row.cells), strict=True))
    return found


def _table(table: Table) -> dict[str, Any]:
    spec = table.spec
    keys = [c.key for c in spec.columns]
    return {
        "number": spec.number,
        "key": spec.key,
        "family": spec.family,
        "title": spec.title,
        "unit": spec.unit,
        "definition": spec.definition,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in spec.columns],
        "row_sums": [list(equation) for equation in row_sums(spec)],
        "at_most": [list(pair) for pair in FAMILY_AT_MOST.get(spec.family, ())],
        "summary": table.summary,
        "suppressed_cells": table.suppressed_cells,
        "by_country": [_row(r, keys) for r in table.by_country],
        "by_region": [_row(r, keys) for r in table.by_region],
        "total": _row(table.total, keys),
    }


def _headline(report: QuarterlyReport) -> dict[str, Any] | None:
    headline = report.headline
    if headline is None:
        return None
    keys = [m.key for m in headline.measures]

    def rows(found: tuple[Row, ...] | None) -> list[dict[str, Any]] | None:
        return None if found is None else [_row(r, keys) for r in found]

    change_rows = None
    if headline.previous is not None:
        change_rows = [
            {
                "level": now.level,
                "code": now.code or None,
                "label": now.label,
                "values": {
                    key: _value(change(a, b))
                    for key, a, b in zip(keys, now.cells, before.cells, strict=True)
                },
            }
            for now, before in zip(headline.rows, headline.previous, strict=True)
        ]
    return {
        "measures": [
            {
                "key": m.key,
                "label": m.label,
                "kind": m.kind,
                "family": m.family,
                "column": m.column,
            }
            for m in headline.measures
        ],
        "rows": rows(headline.rows),
        "previous_quarter": headline.previous_quarter,
        "previous": rows(headline.previous),
        "change": change_rows,
        "year_quarters": list(headline.year_quarters),
        "year_to_date": rows(headline.year_to_date),
        "missing_for_year": list(headline.missing_for_year),
    }
