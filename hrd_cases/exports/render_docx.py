"""A Word brief for Council drafters (python-docx): the headline figures, one plain paragraph
per table that can be pasted as it is, what may and may not be said about suppressed figures,
and the method as an annex. Every page carries the release status in its header."""

from __future__ import annotations

import io
from datetime import datetime, time

from docx import Document
from docx.shared import Pt

from hrd_cases.exports.definitions import SUPPRESSED_MARK
from hrd_cases.exports.render_xlsx import _with_fixed_zip_dates
from hrd_cases.exports.report import QuarterlyReport

SUPPRESSED_GUIDANCE = (
    "Figures shown as 'x' are withheld to protect the defenders concerned: they may be small "
    "(from 1 to {k_minus_one}), or hidden so that a small figure cannot be worked out from the "
    "others, and some may be zero.",
    "Do not say or imply a withheld figure, a range for it, or that it is small, and do not "
    "compute one by subtracting published figures: the published figures are built so that "
    "this does not work, and a guess can still point at a person.",
    "It is correct to say that a figure is not published for the protection of defenders, and "
    "to quote any published total, including totals that contain withheld figures.",
)


def render_docx(report: QuarterlyReport) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    header = document.sections[0].header.paragraphs[0]
    header.text = report.status_line  # on every page
    document.add_heading(f"Protecting human rights defenders: {report.quarter.label}", level=0)
    document.add_paragraph(report.status_line).runs[0].bold = True
    document.add_paragraph(f"Period: {report.period_text}.")
    document.add_heading("Headline figures", level=1)
    headline = document.add_table(rows=1, cols=2)
    headline.style = "Light List Accent 1"
    headline.rows[0].cells[0].text = "Figure (all countries)"
    headline.rows[0].cells[1].text = "Value"
    for table in report.tables:
        label, value = _headline(table)
        cells = headline.add_row().cells
        cells[0].text = label
        cells[1].text = value
    document.add_heading("What the figures say", level=1)
    for table in report.tables:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{table.spec.title}. ").bold = True
        paragraph.add_run(table.summary)
    document.add_heading("Withheld figures: what may and may not be said", level=1)
    for text in SUPPRESSED_GUIDANCE:
        document.add_paragraph(text.format(k_minus_one=report.k - 1), style="List Bullet")
    document.add_page_break()
    document.add_heading("Annex: method", level=1)
    for text in report.method:
        document.add_paragraph(text)
    document.add_heading("Annex: definitions", level=1)
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


def _headline(table) -> tuple[str, str]:
    keys = [c.key for c in table.spec.columns]
    key = "total" if "total" in keys else keys[0]
    label = next(c.label for c in table.spec.columns if c.key == key)
    value = table.total.cells[keys.index(key)]
    shown = (
        "withheld"
        if value == SUPPRESSED_MARK
        else f"{value:,}"
        if isinstance(value, int)
        else str(value)
    )
    return f"{label} (Table {table.spec.number})", shown
