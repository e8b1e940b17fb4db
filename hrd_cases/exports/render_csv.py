"""CSV in tidy long form: one observation per line, for pivot tables and scripts.

    table,region,country,measure,value,flag,status

``value`` is the number (empty where suppressed or not applicable), ``flag`` says why it is
empty (``suppressed``, ``not_applicable``), ``status`` marks every line as a release version
or a PROVISIONAL preview. Region rows have an empty country, the all-countries row empty
region and country. The metadata (method, k, p, definitions) follows as ``table`` = ``about``
lines, whose value is text. UTF-8 with a byte-order mark (for spreadsheets), CRLF line ends,
byte-for-byte reproducible.
"""

from __future__ import annotations

import csv
import io

from hrd_cases.exports.definitions import NOT_APPLICABLE_MARK, SUPPRESSED_MARK
from hrd_cases.exports.neutralise import neutralise
from hrd_cases.exports.report import QuarterlyReport, Row, Table

HEADER = ("table", "region", "country", "measure", "value", "flag", "status")
ALL = "All"


def render_csv(report: QuarterlyReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    status = "PROVISIONAL" if report.status == "provisional" else f"release v{report.version}"

    def line(*cells: object) -> None:
        writer.writerow([neutralise(c) for c in cells])

    line(*HEADER)
    if report.headline is not None:
        _headline(line, report, status)
    for table in report.tables:
        _table(line, table, status)
    about = [
        ("status", report.status_line),
        ("language", report.language),
        *(("summary", sentence) for sentence in report.headline_summary),
        ("title", report.title),
        ("quarter", report.quarter.label),
        ("period", report.period_text),
        ("k", report.k),
        ("p", report.p),
        *(("method", paragraph) for paragraph in report.method),
        *((f"definition: {term}", text) for term, text in report.definitions),
    ]
    for measure, value in about:
        line("about", "", "", measure, value, "", status)
    return buffer.getvalue().encode("utf-8-sig")


def _flagged(cell: object) -> tuple[object, str]:
    if cell == SUPPRESSED_MARK:
        return "", "suppressed"
    if cell == NOT_APPLICABLE_MARK:
        return "", "not_applicable"
    return cell, ""


def _headline(line, report: QuarterlyReport, status: str) -> None:
    """``headline`` lines by region, then ``headline: previous quarter``, ``change`` and
    ``year to date`` lines for the same measures (codes, as in every table's ``measure``)."""
    headline = report.headline
    if headline is None:
        return
    keys = [m.key for m in headline.measures]
    blocks: list[tuple[str, tuple[Row, ...] | None]] = [
        ("headline", headline.rows),
        (f"headline {headline.previous_quarter}", headline.previous),
        (f"headline year to date {'+'.join(headline.year_quarters)}", headline.year_to_date),
    ]
    for name, rows in blocks:
        for row in rows or ():
            region, country = _place(row)
            for key, cell in zip(keys, row.cells, strict=True):
                line(name, region, country, key, *_flagged(cell), status)


def _table(line, table: Table, status: str) -> None:
    name = f"{table.spec.number} {table.spec.key}"
    for row in (*table.by_country, *table.by_region, table.total):
        region, country = _place(row)
        for column, cell in zip(table.spec.columns, row.cells, strict=True):
            line(name, region, country, column.key, *_flagged(cell), status)


def _place(row: Row) -> tuple[str, str]:
    if row.level == "country":
        return row.region or "", row.code
    if row.level == "region":
        return row.code, ""
    return ALL, ALL
