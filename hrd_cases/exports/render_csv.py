"""CSV: one file, the metadata header then one block per table (see DEFINITIONS, "CSV
layout"). One file rather than a zip: it opens directly in a spreadsheet, and it is byte-for-byte
reproducible (no archive timestamps)."""

from __future__ import annotations

import csv
import io

from hrd_cases.exports.neutralise import neutralise
from hrd_cases.exports.report import QuarterlyReport, Row, Table


def render_csv(report: QuarterlyReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def line(*cells: object) -> None:
        writer.writerow([neutralise(c) for c in cells])

    line(report.title)
    line("Status", report.status_line)
    line("Quarter", report.quarter.label)
    line("Period", report.period_text)
    line("As of", report.as_of.isoformat())
    line("k", report.k)
    line("p", report.p)
    for paragraph in report.method:
        line("Method", paragraph)
    for term, text in report.definitions:
        line("Definition", term, text)
    for table in report.tables:
        line()
        _table(line, table)
    return buffer.getvalue().encode("utf-8-sig")


def _table(line, table: Table) -> None:  # type: ignore[no-untyped-def]
    spec = table.spec
    line(f"Table {spec.number}", spec.title)
    line("Summary", table.summary)
    for heading, rows in (("Country", table.by_country), ("Region", table.by_region)):
        line(heading, *(c.label for c in spec.columns))
        for row in (*rows, table.total):
            _row(line, row)
        if heading == "Country":
            line()


def _row(line, row: Row) -> None:  # type: ignore[no-untyped-def]
    line(row.label, *row.cells)
