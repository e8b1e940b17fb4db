"""A Word brief for Council drafters (python-docx): the headline figures, one plain paragraph
per table that can be pasted as it is, what may and may not be said about suppressed figures,
and the method as an annex. Every page carries the release status in its header."""

from __future__ import annotations

import io
from datetime import datetime, time

from docx import Document
from docx.shared import Pt

from hrd_cases.exports.definitions import SUPPRESSED_MARK
from hrd_cases.exports.labels import number
from hrd_cases.exports.render_xlsx import _with_fixed_zip_dates
from hrd_cases.exports.report import NOT_AVAILABLE, Cell, QuarterlyReport, change
from hrd_cases.exports.texts import guidance


def render_docx(report: QuarterlyReport) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    t = report.t
    header = document.sections[0].header.paragraphs[0]
    header.text = report.status_line  # on every page
    document.add_heading(
        t("Protecting human rights defenders: {quarter}", quarter=report.quarter.label), level=0
    )
    document.add_paragraph(report.status_line).runs[0].bold = True
    document.add_paragraph(t("Period: {period}.", period=report.period_text))
    document.add_heading(t("Headline figures"), level=1)
    if report.headline_summary:
        document.add_paragraph(" ".join(report.headline_summary))
    if report.headline is not None:
        _headline_table(document, report)
    document.add_heading(t("What the figures say"), level=1)
    for table in report.tables:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{table.spec.title}. ").bold = True
        paragraph.add_run(table.summary)
    document.add_heading(t("Withheld figures: what may and may not be said"), level=1)
    for text in guidance(report):
        document.add_paragraph(text, style="List Bullet")
    document.add_page_break()
    document.add_heading(t("Annex: method"), level=1)
    for text in report.method:
        document.add_paragraph(text)
    document.add_heading(t("Annex: definitions"), level=1)
    for term, text in report.definitions:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{term}. ").bold = True
        paragraph.add_run(text)
    stamp = datetime.combine(report.released_on or report.as_of, time.min)
    properties = document.core_properties
    properties.created = properties.modified = stamp
    properties.last_printed = stamp
    properties.author = properties.last_modified_by = "hrd_cases"
    properties.title = f"{report.title}, {report.quarter.label}"
    properties.revision = max(report.version, 1)
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_fixed_zip_dates(buffer.getvalue(), stamp)


def _shown(report: QuarterlyReport, value: Cell) -> str:
    if value == SUPPRESSED_MARK:
        return report.t("withheld")
    if isinstance(value, int | float):
        return number(report.language, value)
    return str(value)


def _headline_table(document, report: QuarterlyReport) -> None:
    headline, t = report.headline, report.t
    if headline is None:
        return
    year = t("Year to date ({quarters})", quarters=", ".join(headline.year_quarters))
    grid = document.add_table(rows=1, cols=5)
    grid.style = "Light List Accent 1"
    heading = (
        t("All countries"),
        report.quarter.label,
        headline.previous_quarter,
        t("Change"),
        year,
    )
    for cell, text in zip(grid.rows[0].cells, heading, strict=True):
        cell.text = text
    for index, measure in enumerate(headline.measures):
        now = headline.total.cells[index]
        before = headline.previous[-1].cells[index] if headline.previous else NOT_AVAILABLE
        ytd = headline.year_to_date[-1].cells[index] if headline.year_to_date else NOT_AVAILABLE
        moved = change(now, before)
        moved_text = _shown(report, moved)
        if isinstance(moved, int) and moved > 0:
            moved_text = "+" + moved_text
        values = (
            measure.label,
            _shown(report, now),
            _shown(report, before),
            moved_text,
            _shown(report, ytd),
        )
        for cell, text in zip(grid.add_row().cells, values, strict=True):
            cell.text = text
