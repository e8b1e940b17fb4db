"""XLSX (openpyxl): an "About" sheet with the metadata, method and definitions, then one sheet
per table. Byte-reproducible: the document dates are the as-of date and the zip entries carry
that date too (openpyxl would stamp the time of writing into both)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from hrd_cases.exports.neutralise import neutralise
from hrd_cases.exports.report import QuarterlyReport, Row, Table

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def render_xlsx(report: QuarterlyReport) -> bytes:
    workbook = Workbook()
    about = workbook.create_sheet("About", 0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    _about(about, report)
    for table in report.tables:
        _table(workbook.create_sheet(f"Table {table.spec.number}"), table, report.status_line)
    stamp = datetime.combine(report.as_of, time.min)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = "hrd_cases"
    workbook.properties.title = f"{report.title}, {report.quarter.label}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter directly: openpyxl's save_workbook() resets "modified" to now.
        ExcelWriter(workbook, archive).save()
    return _with_fixed_zip_dates(buffer.getvalue(), stamp)


def _with_fixed_zip_dates(data: bytes, stamp: datetime) -> bytes:
    date_time = (stamp.year, stamp.month, stamp.day, 0, 0, 0)
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(entry.filename))
    return output.getvalue()


def _put(sheet: Worksheet, row: int, values: tuple[object, ...], *, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=neutralise(value))
        if bold:
            cell.font = BOLD


def _about(sheet: Worksheet, report: QuarterlyReport) -> None:
    lines: list[tuple[object, ...]] = [
        (report.status_line,),
        (report.title,),
        ("Quarter", report.quarter.label),
        ("Period", report.period_text),
        ("As of", report.as_of.isoformat()),
        ("k", report.k),
        ("p", report.p),
        (),
        ("Disclosure control",),
        *(("Method", paragraph) for paragraph in report.method),
        (),
        ("Definitions",),
        *report.definitions,
        (),
        ("Tables",),
        *((f"Table {t.spec.number}", t.spec.title) for t in report.tables),
    ]
    for number, values in enumerate(lines, start=1):
        _put(sheet, number, values, bold=len(values) == 1)
        if len(values) == 2:
            sheet.cell(row=number, column=2).alignment = WRAP
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 110


NUMBER_FORMATS = {"count": "#,##0", "amount": "#,##0", "median_days": "0.0", "share_percent": "0.0"}


def _table(sheet: Worksheet, table: Table, status_line: str) -> None:
    spec = table.spec
    _put(sheet, 1, (status_line,), bold=True)  # every sheet says whether it is a release
    _put(sheet, 2, (f"Table {spec.number}", spec.title), bold=True)
    _put(sheet, 3, ("Definition", spec.definition))
    _put(sheet, 4, ("Summary", table.summary))
    number = 6
    # The country header stays in view while scrolling down, the labels while scrolling right.
    sheet.freeze_panes = f"B{number + 1}"
    region_block = (0, 0)
    for heading, rows in (("Country", table.by_country), ("Region", table.by_region)):
        _put(sheet, number, (heading, *(c.label for c in spec.columns)), bold=True)
        number += 1
        first = number
        for row in (*rows, table.total):
            _put(sheet, number, _values(row), bold=row.level == "all")
            for index, column in enumerate(spec.columns, start=2):
                sheet.cell(row=number, column=index).number_format = NUMBER_FORMATS[column.kind]
            number += 1
        if heading == "Region":
            region_block = (first, number - 2)  # the regions, without the all-countries row
        number += 1
    sheet.column_dimensions["A"].width = 34
    for index in range(len(spec.columns)):
        sheet.column_dimensions[get_column_letter(2 + index)].width = 16
    _chart(sheet, table, region_block, number + 1)


def _chart(sheet: Worksheet, table: Table, rows: tuple[int, int], anchor_row: int) -> None:
    """A native bar chart of the regions' first count (or total): suppressed cells, text in
    the sheet, are left out of the chart by the spreadsheet itself."""
    keys = [c.key for c in table.spec.columns]
    column = 2 + (keys.index("total") if "total" in keys else 0)
    first, last = rows
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"Table {table.spec.number} by region"
    chart.y_axis.title = table.spec.columns[column - 2].label
    chart.legend = None
    data = Reference(sheet, min_col=column, min_row=first - 1, max_row=last)
    categories = Reference(sheet, min_col=1, min_row=first, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.width, chart.height = 18, 8
    sheet.add_chart(chart, f"A{anchor_row}")


def _values(row: Row) -> tuple[object, ...]:
    return (row.label, *row.cells)
