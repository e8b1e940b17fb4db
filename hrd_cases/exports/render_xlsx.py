"""XLSX (openpyxl): an "About" sheet with the metadata, method and definitions, then one sheet
per table. Byte-reproducible: the document dates are the as-of date and the zip entries carry
that date too (openpyxl would stamp the time of writing into both)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime, time

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from hrd_cases.exports.neutralise import neutralise
from hrd_cases.exports.report import NOT_AVAILABLE, QuarterlyReport, Row, Table, change
from hrd_cases.exports.texts import guidance

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def render_xlsx(report: QuarterlyReport) -> bytes:
    t = report.t
    workbook = Workbook()
    about = workbook.create_sheet(t("About"), 0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    _about(about, report)
    if report.headline is not None:
        _headline(workbook.create_sheet(t("Headline")), report)
    for table in report.tables:
        sheet = workbook.create_sheet(t("Table {number}", number=table.spec.number))
        _table(sheet, table, report)
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
    t = report.t
    lines: list[tuple[object, ...]] = [
        (report.status_line,),
        (report.title,),
        (t("Quarter"), report.quarter.label),
        (t("Period"), report.period_text),
        ("k", report.k),
        ("p", report.p),
        (),
        (t("Disclosure control"),),
        *((t("Method"), paragraph) for paragraph in report.method),
        (),
        (t("Withheld figures: what may and may not be said"),),
        *(("", text) for text in guidance(report)),
        (),
        (t("Definitions"),),
        *report.definitions,
        (),
        (t("Tables"),),
        *((t("Table {number}", number=x.spec.number), x.spec.title) for x in report.tables),
    ]
    for number, values in enumerate(lines, start=1):
        _put(sheet, number, values, bold=len(values) == 1)
        if len(values) == 2:
            sheet.cell(row=number, column=2).alignment = WRAP
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 110


def _headline(sheet: Worksheet, report: QuarterlyReport) -> None:
    """The all-countries figures with their comparisons, then the regions, and a chart of
    the defenders registered by region."""
    headline, t = report.headline, report.t
    if headline is None:
        return
    _put(sheet, 1, (report.status_line,), bold=True)
    _put(sheet, 2, (t("Headline figures"),), bold=True)
    _put(sheet, 3, (t("Summary"), " ".join(report.headline_summary)))
    sheet.cell(row=3, column=2).alignment = WRAP
    sheet.merge_cells(start_row=3, start_column=2, end_row=3, end_column=6)
    sheet.row_dimensions[3].height = 90
    year = t("Year to date ({quarters})", quarters=", ".join(headline.year_quarters))
    header = (
        t("All countries"),
        report.quarter.label,
        headline.previous_quarter,
        t("Change"),
        year,
    )
    _put(sheet, 5, header, bold=True)
    sheet.freeze_panes = "B6"
    row = 6
    for index, measure in enumerate(headline.measures):
        now = headline.total.cells[index]
        before = headline.previous[-1].cells[index] if headline.previous else NOT_AVAILABLE
        ytd = headline.year_to_date[-1].cells[index] if headline.year_to_date else NOT_AVAILABLE
        _put(sheet, row, (measure.label, now, before, change(now, before), ytd))
        for column in range(2, 6):
            sheet.cell(row=row, column=column).number_format = "#,##0"
        sheet.cell(row=row, column=4).number_format = "+#,##0;-#,##0;0"
        row += 1
    row += 1
    _put(sheet, row, (t("By region"), *(m.label for m in headline.measures)), bold=True)
    first = row + 1
    for region in headline.rows:
        row += 1
        _put(sheet, row, (region.label, *region.cells), bold=region.level == "all")
        for column in range(2, 2 + len(headline.measures)):
            sheet.cell(row=row, column=column).number_format = "#,##0"
    sheet.column_dimensions["A"].width = 40
    for index in range(len(headline.measures)):
        sheet.column_dimensions[get_column_letter(2 + index)].width = 16
    chart = BarChart()
    chart.type = "bar"
    chart.title = headline.measures[0].label
    chart.legend = None
    chart.add_data(
        Reference(sheet, min_col=2, min_row=first - 1, max_row=row - 1), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=row - 1))
    chart.width, chart.height = 18, 8
    sheet.add_chart(chart, f"A{row + 2}")


NUMBER_FORMATS = {"count": "#,##0", "amount": "#,##0", "median_days": "0.0", "share_percent": "0.0"}


def _table(sheet: Worksheet, table: Table, report: QuarterlyReport) -> None:
    spec, t = table.spec, report.t
    _put(sheet, 1, (report.status_line,), bold=True)  # every sheet says whether it is a release
    _put(sheet, 2, (t("Table {number}", number=spec.number), spec.title), bold=True)
    _put(sheet, 3, (t("Definition"), spec.definition))
    _put(sheet, 4, (t("Summary"), table.summary))
    number = 6
    # The country header stays in view while scrolling down, the labels while scrolling right.
    sheet.freeze_panes = f"B{number + 1}"
    region_block = (0, 0)
    for is_region, heading, rows in (
        (False, t("Country"), table.by_country),
        (True, t("Region"), table.by_region),
    ):
        _put(sheet, number, (heading, *(c.label for c in spec.columns)), bold=True)
        number += 1
        first = number
        for row in (*rows, table.total):
            _put(sheet, number, _values(row), bold=row.level == "all")
            for index, column in enumerate(spec.columns, start=2):
                sheet.cell(row=number, column=index).number_format = NUMBER_FORMATS[column.kind]
            number += 1
        if is_region:
            region_block = (first, number - 2)  # the regions, without the all-countries row
        number += 1
    sheet.column_dimensions["A"].width = 34
    for index in range(len(spec.columns)):
        sheet.column_dimensions[get_column_letter(2 + index)].width = 16
    _chart(sheet, table, region_block, number + 1, t)


def _chart(
    sheet: Worksheet, table: Table, rows: tuple[int, int], anchor_row: int, t: Callable[..., str]
) -> None:
    """A native bar chart of the regions' first count (or total): suppressed cells, text in
    the sheet, are left out of the chart by the spreadsheet itself."""
    keys = [c.key for c in table.spec.columns]
    column = 2 + (keys.index("total") if "total" in keys else 0)
    first, last = rows
    chart = BarChart()
    chart.type = "bar"
    chart.title = t("Table {number} by region", number=table.spec.number)
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
