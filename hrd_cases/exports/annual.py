"""The annual report for the Foreign Affairs Council conclusions, built from the four released
quarters of a year (their stored JSON, hash-checked): published figures only, so it discloses
nothing the releases do not. A year's figure is the sum of its quarters' published figures,
withheld ('x') when any of them is withheld, since the sum would give it away.

    export = annual_export(session, 2026, "docx", actor=analyst, via="web", language="fr")

Rendering is deterministic: the same four releases give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, time
from html import escape
from typing import Any

from docx import Document
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.audit.log import Outcome
from hrd_cases.auth.permissions import Permission, has_permission
from hrd_cases.db import write_transaction
from hrd_cases.domain.errors import Forbidden
from hrd_cases.exports.definitions import HEADLINE_MEASURES, NOT_APPLICABLE_MARK, SUPPRESSED_MARK
from hrd_cases.exports.labels import ENGLISH, check_language, number, tr
from hrd_cases.exports.neutralise import neutralise
from hrd_cases.exports.quarter import ExportError, Quarter, ReleaseConflict
from hrd_cases.exports.releases import released_documents
from hrd_cases.exports.render_xlsx import _with_fixed_zip_dates
from hrd_cases.exports.service import EXPORT_FORMATS, ExportFile, export_format
from hrd_cases.models import User

ANNUAL_ACTION = "export.annual"
ANNUAL_TITLE = "Annual report {year}: protection of human rights defenders"
Cell = int | str


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    rows: tuple[tuple[str, str, tuple[Cell, ...]], ...]  # (code, label, Q1..Q4 then year)


@dataclass(frozen=True, slots=True)
class AnnualReport:
    year: int
    language: str
    quarters: tuple[str, ...]
    versions: tuple[int, ...]
    sections: tuple[Section, ...]
    summary: tuple[str, ...]

    def t(self, message: str, **values: object) -> str:
        return tr(self.language, message, **values)

    @property
    def title(self) -> str:
        return self.t(ANNUAL_TITLE, year=self.year)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.quarters, self.t("Year {year}", year=self.year))

    @property
    def sources(self) -> str:
        return self.t(
            "Built from the releases {releases}; a year's figure is the sum of its quarters' "
            "published figures, and is withheld ('{mark}') when any of them is.",
            releases=", ".join(
                self.t("{quarter} version {version}", quarter=q, version=v)
                for q, v in zip(self.quarters, self.versions, strict=True)
            ),
            mark=SUPPRESSED_MARK,
        )


def _year_sum(cells: Sequence[Any]) -> Cell:
    if any(c == SUPPRESSED_MARK for c in cells):
        return SUPPRESSED_MARK
    if any(not isinstance(c, int) for c in cells):
        return NOT_APPLICABLE_MARK
    return sum(cells)


def _cell(value: Any) -> Cell:
    return value if isinstance(value, int) or value == SUPPRESSED_MARK else NOT_APPLICABLE_MARK


def build_annual(
    documents: Mapping[str, Mapping[str, Any]], year: int, language: str
) -> AnnualReport:
    """The report from the four quarters' JSON documents (English, as stored)."""
    quarters = tuple(Quarter(year, n).label for n in range(1, 5))
    t = lambda message, **values: tr(language, message, **values)  # noqa: E731
    sections: list[Section] = []
    # The headline: every measure for all countries, then the defenders registered by region.
    rows = []
    for measure in HEADLINE_MEASURES:
        cells = []
        for label in quarters:
            headline = documents[label].get("headline")
            total = (
                next((r for r in headline["rows"] if r["level"] == "all"), None)
                if headline
                else None
            )
            cells.append(_cell(total["values"].get(measure.key)) if total else NOT_APPLICABLE_MARK)
        rows.append((measure.key, t(measure.label), (*cells, _year_sum(cells))))
    sections.append(Section("headline", t("Headline figures"), tuple(rows)))
    regions: list[str] = []
    for label in quarters:
        headline = documents[label].get("headline") or {"rows": []}
        for row in headline["rows"]:
            if row["level"] == "region" and row["code"] not in regions:
                regions.append(row["code"])
    region_rows = []
    for region in regions:
        cells = []
        for label in quarters:
            headline = documents[label].get("headline") or {"rows": []}
            found = next((r for r in headline["rows"] if r["code"] == region), None)
            cells.append(
                _cell(found["values"]["defenders_registered"]) if found else NOT_APPLICABLE_MARK
            )
        region_rows.append((region, t(region), (*cells, _year_sum(cells))))
    sections.append(
        Section(
            "defenders_by_region",
            t("{measure}, by region", measure=t("Defenders at risk registered")),
            tuple(region_rows),
        )
    )
    # Every table's all-countries counts.
    first = documents[quarters[0]]
    for table in first["tables"]:
        table_rows = []
        for column in table["columns"]:
            if column["kind"] != "count":
                continue
            cells = []
            for label in quarters:
                match = next(
                    (x for x in documents[label]["tables"] if x["key"] == table["key"]), None
                )
                cells.append(
                    _cell(match["total"]["values"].get(column["key"]))
                    if match
                    else NOT_APPLICABLE_MARK
                )
            table_rows.append((column["key"], t(column["label"]), (*cells, _year_sum(cells))))
        title = t("Table {number}", number=table["number"]) + ". " + t(table["title"])
        sections.append(Section(table["key"], title, tuple(table_rows)))
    report = AnnualReport(
        year,
        language,
        quarters,
        tuple(int(documents[q]["version"]) for q in quarters),
        tuple(sections),
        (),
    )
    return AnnualReport(
        year, language, quarters, report.versions, report.sections, _sentences(report)
    )


def _sentences(report: AnnualReport) -> tuple[str, ...]:
    year = {code: cells[-1] for code, _, cells in report.sections[0].rows}

    def f(key: str) -> str | None:
        value = year[key]
        return number(report.language, value) if isinstance(value, int) else None

    t, parts = report.t, []
    defenders, women = f("defenders_registered"), f("women_defenders")
    if defenders is not None and women is not None:
        parts.append(
            t(
                "In {year}, delegations registered {n} defenders at risk, {women} of them women "
                "human rights defenders.",
                year=report.year,
                n=defenders,
                women=women,
            )
        )
    elif defenders is not None:
        parts.append(
            t(
                "In {year}, delegations registered {n} defenders at risk.",
                year=report.year,
                n=defenders,
            )
        )
    opened, closed = f("cases_opened"), f("cases_closed")
    if opened is not None and closed is not None:
        parts.append(
            t("{opened} cases were opened and {closed} closed.", opened=opened, closed=closed)
        )
    for key, message in (
        ("referrals_requested", "Protection mechanisms received {n} requests for support."),
        ("referrals_delivered", "Support was delivered for {n} referrals."),
        ("hearings_observed", "Delegations observed {n} trial hearings."),
        ("statements_published", "The EU published {n} public statements and démarches."),
    ):
        value = f(key)
        if value is not None:
            parts.append(t(message, n=value))
    approved, amount = f("referrals_approved"), f("amount_granted")
    if approved is not None and amount is not None:
        parts.append(t("{n} were approved, for EUR {amount} in all.", n=approved, amount=amount))
    parts.append(
        t(
            "Figures shown as '{mark}' are withheld to protect the defenders concerned; do not "
            "estimate them from the others.",
            mark=SUPPRESSED_MARK,
        )
    )
    return tuple(parts)


def annual_export(
    session: Session,
    year: int,
    fmt: str,
    *,
    actor: User | None,
    via: str,
    language: str = ENGLISH,
) -> ExportFile:
    export_as = export_format(fmt)
    language = check_language(language)
    if not 2000 <= year <= 2199:
        raise ExportError(f"invalid year {year}: expected 2000 to 2199")
    details: dict[str, str | int | bool | None] = {
        "format": export_as.name,
        "language": language,
        "via": via,
    }
    if actor is not None and not has_permission(actor, Permission.EXPORT_AGGREGATES):
        _audit(session, actor, year, Outcome.REFUSED, details)
        raise Forbidden(f"role {actor.role.value} lacks {Permission.EXPORT_AGGREGATES.value}")
    quarters = tuple(Quarter(year, n) for n in range(1, 5))
    documents = released_documents(session, quarters)
    missing = [q.label for q in quarters if q.label not in documents]
    if missing:
        raise ReleaseConflict(
            f"the annual report for {year} needs its four quarters released: "
            f"{', '.join(missing)} not released"
        )
    report = build_annual(documents, year, language)
    body = RENDERERS[export_as.name](report)
    details["sha256"] = hashlib.sha256(body).hexdigest()
    _audit(session, actor, year, Outcome.SUCCESS, details)
    suffix = "" if language == ENGLISH else f"-{language}"
    return ExportFile(
        f"hrd-annual-{year}{suffix}.{export_as.extension}", export_as.content_type, body
    )


def _audit(
    session: Session,
    actor: User | None,
    year: int,
    outcome: Outcome,
    details: dict[str, str | int | bool | None],
) -> None:
    with write_transaction(session):
        audit.record(
            session,
            ANNUAL_ACTION,
            actor_id=actor.id if actor else None,
            object_type="annual_report",
            object_id=str(year),
            outcome=outcome,
            details=details,
        )


def _shown(report: AnnualReport, cell: Cell) -> str:
    return number(report.language, cell) if isinstance(cell, int) else str(cell)


def render_annual_json(report: AnnualReport) -> bytes:
    document = {
        "format_version": 1,
        "kind": "annual",
        "year": report.year,
        "language": report.language,
        "title": report.title,
        "releases": [
            {"quarter": q, "version": v}
            for q, v in zip(report.quarters, report.versions, strict=True)
        ],
        "columns": [*report.quarters, "year"],
        "summary": list(report.summary),
        "sources": report.sources,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "rows": [
                    {"code": code, "label": label, "values": list(cells)}
                    for code, label, cells in s.rows
                ],
            }
            for s in report.sections
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_annual_csv(report: AnnualReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["section", "code", "period", "value", "flag"])
    for section in report.sections:
        for code, _, cells in section.rows:
            for period, cell in zip([*report.quarters, str(report.year)], cells, strict=True):
                flag = {SUPPRESSED_MARK: "suppressed", NOT_APPLICABLE_MARK: "not_available"}.get(
                    str(cell), ""
                )
                writer.writerow(
                    [neutralise(section.key), neutralise(code), period, "" if flag else cell, flag]
                )
    return buffer.getvalue().encode("utf-8-sig")


def render_annual_html(report: AnnualReport) -> bytes:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(report.language)}"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title>",
        "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:60rem;margin:2rem auto;"
        "font-size:14px}table{border-collapse:collapse;width:100%;margin-bottom:1rem}"
        "th,td{border:1px solid #bbb;padding:.2rem .4rem}td.n{text-align:right}"
        "th{background:#e8ecf4;text-align:left}h2{border-bottom:2px solid #003399}"
        "@media print{body{margin:0;max-width:none}}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f"<p>{escape(' '.join(report.summary))}</p>",
        f"<p>{escape(report.sources)}</p>",
    ]
    for section in report.sections:
        parts.append(f"<h2>{escape(section.title)}</h2><table><thead><tr><th></th>")
        parts.extend(f'<th scope="col">{escape(c)}</th>' for c in report.columns)
        parts.append("</tr></thead><tbody>")
        for _, label, cells in section.rows:
            shown = "".join(f'<td class="n">{escape(_shown(report, c))}</td>' for c in cells)
            parts.append(f'<tr><th scope="row">{escape(label)}</th>{shown}</tr>')
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "\n".join(parts).encode("utf-8")


def _stamp(report: AnnualReport) -> datetime:
    return datetime.combine(Date(report.year, 12, 31), time.min)


def render_annual_xlsx(report: AnnualReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.t("Year {year}", year=report.year)
    bold = Font(bold=True)
    sheet.cell(row=1, column=1, value=neutralise(report.title)).font = bold
    sheet.cell(row=2, column=1, value=neutralise(" ".join(report.summary))).alignment = Alignment(
        wrap_text=True, vertical="top"
    )
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    sheet.row_dimensions[2].height = 90
    sheet.cell(row=3, column=1, value=neutralise(report.sources))
    row = 5
    for section in report.sections:
        sheet.cell(row=row, column=1, value=neutralise(section.title)).font = bold
        for index, heading in enumerate(report.columns, start=2):
            sheet.cell(row=row, column=index, value=heading).font = bold
        for _, label, cells in section.rows:
            row += 1
            sheet.cell(row=row, column=1, value=neutralise(label))
            for index, cell in enumerate(cells, start=2):
                sheet.cell(row=row, column=index, value=cell).number_format = "#,##0"
        row += 2
    sheet.freeze_panes = "B5"
    sheet.column_dimensions["A"].width = 60
    stamp = _stamp(report)
    workbook.properties.created = workbook.properties.modified = stamp
    workbook.properties.creator = "hrd_cases"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _with_fixed_zip_dates(buffer.getvalue(), stamp)


def render_annual_docx(report: AnnualReport) -> bytes:
    document = Document()
    document.add_heading(report.title, level=0)
    for sentence in report.summary:
        document.add_paragraph(sentence)
    document.add_paragraph(report.sources)
    for section in report.sections:
        document.add_heading(section.title, level=1)
        grid = document.add_table(rows=1, cols=len(report.columns) + 1)
        grid.style = "Light List Accent 1"
        for cell, text in zip(grid.rows[0].cells, ("", *report.columns), strict=True):
            cell.text = text
        for _, label, cells in section.rows:
            values = (label, *(_shown(report, c) for c in cells))
            for cell, text in zip(grid.add_row().cells, values, strict=True):
                cell.text = text
    stamp = _stamp(report)
    properties = document.core_properties
    properties.created = properties.modified = properties.last_printed = stamp
    properties.author = properties.last_modified_by = "hrd_cases"
    properties.title = report.title
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_fixed_zip_dates(buffer.getvalue(), stamp)


RENDERERS = {
    "json": render_annual_json,
    "csv": render_annual_csv,
    "html": render_annual_html,
    "xlsx": render_annual_xlsx,
    "docx": render_annual_docx,
}
assert set(RENDERERS) == set(EXPORT_FORMATS)  # noqa: S101 - a format added must be rendered here
