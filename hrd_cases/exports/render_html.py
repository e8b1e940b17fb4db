"""A printable, self-contained HTML report: inline SVG bar charts generated here, no script,
no external resource. Its <style> element means it must be served as a download, not as a
page under the app's CSP."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from hrd_cases.exports.definitions import NOT_APPLICABLE_MARK, SUPPRESSED_MARK
from hrd_cases.exports.report import NOT_AVAILABLE, Cell, QuarterlyReport, Row, Table, change
from hrd_cases.exports.texts import guidance

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; margin: 2rem auto;
  max-width: 60rem; line-height: 1.4; font-size: 14px; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
  border-bottom: 2px solid #003399; padding-bottom: .2rem; } h3 { font-size: 1rem; }
.meta { color: #444; } .summary { background: #f2f5fb; border-left: 4px solid #003399;
  padding: .5rem .8rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: 12px; width: 100%; }
th, td { border: 1px solid #bbb; padding: .2rem .4rem; } td.n { text-align: right; }
th { background: #e8ecf4; text-align: left; vertical-align: bottom; }
tr.all td { font-weight: bold; background: #f6f6f6; }
td.x { color: #8a1c1c; text-align: center; }
dl dt { font-weight: bold; } dl dd { margin: 0 0 .5rem 1rem; }
section { page-break-inside: avoid; } @media print { body { margin: 0; max-width: none; } }
p.status { border: 2px solid #003399; padding: .4rem .6rem; font-weight: bold; }
p.status.provisional { border-color: #8a1c1c; color: #8a1c1c; background: #fff4f4; }
table { table-layout: auto; max-width: 100%; } td, th { overflow-wrap: anywhere; }
@media print { p.status.provisional { position: fixed; top: 0; left: 0; right: 0; margin: 0; }
  body.provisional { padding-top: 3.5rem; } }
"""
BAR_COLOUR = "#003399"
CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP = 720, 260, 18, 6


def render_html(report: QuarterlyReport) -> bytes:
    t = report.t
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(report.language)}"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}, {escape(report.quarter.label)}</title>",
        f'<style>{STYLE}</style></head><body class="{escape(report.status)}">',
        # A fixed element repeats on every printed page: a provisional preview stays marked.
        f'<p class="status {escape(report.status)}">{escape(report.status_line)}</p>',
        f"<h1>{escape(report.title)}</h1>",
        '<p class="meta">'
        + escape(
            t(
                "Quarter {quarter} ({period}). Disclosure control with k = {k}: '{mark}' marks "
                "a withheld figure.",
                quarter=report.quarter.label,
                period=report.period_text,
                k=report.k,
                mark=SUPPRESSED_MARK,
            )
        )
        + "</p>",
    ]
    parts.extend(_headline(report))
    parts.append(f"<h2>{escape(t('Withheld figures: what may and may not be said'))}</h2><ul>")
    parts.extend(f"<li>{escape(text)}</li>" for text in guidance(report))
    parts.append("</ul>")
    for table in report.tables:
        parts.append(_table(table, t))
    parts.append(f"<h2>{escape(t('Method'))}</h2>")
    parts.extend(f"<p>{escape(p)}</p>" for p in report.method)
    parts.append(f"<h2>{escape(t('Definitions'))}</h2><dl>")
    for term, text in report.definitions:
        parts.append(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>")
    parts.append("</dl></body></html>\n")
    return "\n".join(parts).encode("utf-8")


def _headline(report: QuarterlyReport) -> list[str]:
    headline, t = report.headline, report.t
    if headline is None:
        return []
    year_heading = t("Year to date ({quarters})", quarters=", ".join(headline.year_quarters))
    parts = [
        f'<section id="headline"><h2>{escape(t("Headline figures"))}</h2>',
        '<p class="summary">' + escape(" ".join(report.headline_summary)) + "</p>",
        "<table><thead><tr>",
        f'<th scope="col">{escape(t("All countries"))}</th>',
        f'<th scope="col">{escape(report.quarter.label)}</th>',
        f'<th scope="col">{escape(headline.previous_quarter)}</th>',
        f'<th scope="col">{escape(t("Change"))}</th>',
        f'<th scope="col">{escape(year_heading)}</th>',
        "</tr></thead><tbody>",
    ]
    for index, measure in enumerate(headline.measures):
        now = headline.total.cells[index]
        before = headline.previous[-1].cells[index] if headline.previous else NOT_AVAILABLE
        year = headline.year_to_date[-1].cells[index] if headline.year_to_date else NOT_AVAILABLE
        parts.append(
            f'<tr><th scope="row">{escape(measure.label)}</th>{_cell(now)}{_cell(before)}'
            f"{_cell(change(now, before), signed=True)}{_cell(year)}</tr>"
        )
    parts.append("</tbody></table>")
    parts.append(f"<h3>{escape(t('By region'))}</h3><table><thead><tr><th></th>")
    parts.extend(f'<th scope="col">{escape(r.label)}</th>' for r in headline.rows)
    parts.append("</tr></thead><tbody>")
    for index, measure in enumerate(headline.measures):
        cells = "".join(_cell(r.cells[index]) for r in headline.rows)
        parts.append(f'<tr><th scope="row">{escape(measure.label)}</th>{cells}</tr>')
    parts.append("</tbody></table></section>")
    return parts


def _table(table: Table, t: Callable[..., str]) -> str:
    spec = table.spec
    parts = [
        f'<section id="table-{escape(spec.number)}">',
        f"<h2>{escape(t('Table {number}', number=spec.number))}. {escape(spec.title)}</h2>",
        f'<p class="summary">{escape(table.summary)}</p>',
        _chart(table, t),
        f"<p>{escape(spec.definition)}</p>",
    ]
    for heading, first, rows in (
        (t("By country"), t("Country"), table.by_country),
        (t("By region"), t("Region"), table.by_region),
    ):
        parts.append(f"<h3>{escape(heading)}</h3><table><thead><tr><th>{escape(first)}</th>")
        parts.extend(f"<th>{escape(c.label)}</th>" for c in spec.columns)
        parts.append("</tr></thead><tbody>")
        parts.extend(_row(row) for row in (*rows, table.total))
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts)


def _cell(value: Cell, *, signed: bool = False) -> str:
    if value == SUPPRESSED_MARK:
        return '<td class="x">x</td>'
    text = f"{value:,}" if isinstance(value, int) else str(value)
    if signed and isinstance(value, int) and value > 0:
        text = "+" + text
    return f'<td class="n">{escape(text)}</td>'


def _row(row: Row) -> str:
    css = ' class="all"' if row.level == "all" else ""
    cells = "".join(_cell(c) for c in row.cells)
    return f"<tr{css}><td>{escape(row.label)}</td>{cells}</tr>"


def _chart_data(table: Table, t: Callable[..., str]) -> tuple[str, list[tuple[str, Cell]]]:
    """Categories of the all-countries row, or for single-measure tables the regions."""
    spec = table.spec
    counts = [
        (c.label, v)
        for c, v in zip(spec.columns, table.total.cells, strict=True)
        if c.kind == "count" and c.key not in {"total", "within_deadline", "after_deadline"}
    ]
    if len(counts) >= 2:
        return t("All countries, by category"), counts
    first = next(i for i, c in enumerate(spec.columns) if c.kind == "count")
    caption = t("{measure}, by region", measure=spec.columns[first].label)
    return caption, [(r.label, r.cells[first]) for r in table.by_region]


def _chart(table: Table, t: Callable[..., str]) -> str:
    caption, data = _chart_data(table, t)
    numbers = [v for _, v in data if isinstance(v, int | float)]
    scale = max(numbers, default=0) or 1
    height = len(data) * (BAR_HEIGHT + GAP) + GAP
    bar_room = CHART_WIDTH - LABEL_WIDTH - 70
    title = t("Table {number}: {caption}", number=table.spec.number, caption=caption)
    parts = [
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(data):
        y = GAP + index * (BAR_HEIGHT + GAP)
        middle = y + BAR_HEIGHT - 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" font-size="12" text-anchor="end" '
            f'font-family="sans-serif">{escape(label)}</text>'
        )
        if isinstance(value, int | float):
            width = round(bar_room * value / scale, 1)
            shown = f"{value:,}" if isinstance(value, int) else str(value)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_COLOUR}"/>'
                f'<text x="{LABEL_WIDTH + width + 6}" y="{middle}" font-size="12" '
                f'font-family="sans-serif">{escape(shown)}</text>'
            )
        else:
            text = t("withheld") if value == SUPPRESSED_MARK else NOT_APPLICABLE_MARK
            parts.append(
                f'<text x="{LABEL_WIDTH + 6}" y="{middle}" font-size="12" fill="#8a1c1c" '
                f'font-style="italic" font-family="sans-serif">{text}</text>'
            )
    parts.append(f"</svg><figcaption>{escape(title)}</figcaption></figure>")
    return "".join(parts)
