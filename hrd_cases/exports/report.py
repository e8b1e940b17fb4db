"""Protected figures -> the report every renderer prints: pure, no database."""

from __future__ import annotations

import functools
import gettext
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pycountry

from hrd_cases.exports.definitions import (
    FAMILY_AT_MOST,
    FAMILY_COLUMNS,
    FAMILY_PARTITIONS,
    HEADLINE_MEASURES,
    NOT_APPLICABLE_MARK,
    SUPPRESSED_MARK,
    TABLES,
    Column,
    HeadlineMeasure,
    TableSpec,
)
from hrd_cases.exports.labels import ENGLISH, tr
from hrd_cases.exports.quarter import Quarter, Window
from hrd_cases.exports.queries import RawFigures
from hrd_cases.exports.regions import RegionMap, default_regions
from hrd_cases.exports.suppression import (
    ALL,
    ALL_ROW,
    COUNTRY,
    DEFAULT_P,
    REGION,
    CellKey,
    Grid,
    Protected,
    RowKey,
    moved_cells,
    protect,
)

Cell = int | float | str  # a number, SUPPRESSED_MARK or NOT_APPLICABLE_MARK
TITLE = "Quarterly aggregate export: protection of human rights defenders"
PROVISIONAL = "provisional"
NOT_AVAILABLE = NOT_APPLICABLE_MARK  # a comparison with a quarter that has no release


@dataclass(frozen=True, slots=True)
class Row:
    level: str  # country | region | all
    code: str
    label: str
    cells: tuple[Cell, ...]
    region: str | None = None  # a country row's region


@dataclass(frozen=True, slots=True)
class Table:
    spec: TableSpec
    by_country: tuple[Row, ...]
    by_region: tuple[Row, ...]
    total: Row
    suppressed_cells: int
    summary: str

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.spec.columns


@dataclass(frozen=True, slots=True)
class Headline:
    """The headline figures by region and for all countries (``rows``: cells in the order of
    ``measures``), compared with the previous quarter's release and summed over the year's
    releases so far. Comparisons use published figures only: a sum with a withheld figure in
    it is withheld, so nothing is learnt from them that the releases do not say."""

    measures: tuple[HeadlineMeasure, ...]
    rows: tuple[Row, ...]  # the regions, then all countries
    previous_quarter: str
    previous: tuple[Row, ...] | None  # None: that quarter has no release with a headline
    year_quarters: tuple[str, ...]
    year_to_date: tuple[Row, ...] | None  # None: a quarter of the year so far is missing
    missing_for_year: tuple[str, ...] = ()

    @property
    def total(self) -> Row:
        return self.rows[-1]

    def value(self, measure: str, row: Row | None = None) -> Cell:
        keys = [m.key for m in self.measures]
        return (row or self.total).cells[keys.index(measure)]


@dataclass(frozen=True, slots=True)
class QuarterlyReport:
    quarter: Quarter
    as_of: date
    window: Window
    k: int
    method: tuple[str, ...]
    definitions: tuple[tuple[str, str], ...]
    tables: tuple[Table, ...]
    p: int = DEFAULT_P
    # "release" (frozen; version and date below) or "provisional" (an analyst's preview).
    status: str = "release"
    version: int = 1
    released_on: date | None = None
    revision_reason: str | None = None
    title: str = TITLE
    headline: Headline | None = None
    headline_summary: tuple[str, ...] = ()
    language: str = ENGLISH
    # The unprotected grids, for the audit and the tests; never rendered.
    protected: Mapping[str, tuple[Grid, Protected]] = field(default_factory=dict, repr=False)

    @property
    def status_line(self) -> str:
        """Printed at the top of every page and sheet."""
        language, quarter = self.language, self.quarter.label
        if self.status == PROVISIONAL:
            return tr(
                language,
                "PROVISIONAL PREVIEW, NOT A RELEASE: {quarter} is not released; these figures "
                "will change and must not be published or quoted.",
                quarter=quarter,
            )
        if self.released_on:
            text = tr(
                language,
                "Release {quarter}, version {version}, released {date}.",
                quarter=quarter,
                version=self.version,
                date=self.released_on.isoformat(),
            )
        else:
            text = tr(
                language,
                "Release {quarter}, version {version}.",
                quarter=quarter,
                version=self.version,
            )
        if self.revision_reason:
            # The reason is the analyst's own words, printed as written.
            text += " " + tr(language, "Revision: {reason}", reason=self.revision_reason)
        return text

    @property
    def period_text(self) -> str:
        last = (self.window.end.date()).toordinal() - 1
        return tr(
            self.language,
            "{start} to {end}",
            start=self.window.start.date().isoformat(),
            end=date.fromordinal(last).isoformat(),
        )

    def t(self, message: str, **values: object) -> str:
        """``message`` in this report's language."""
        return tr(self.language, message, **values)


@functools.cache
def _country_names(language: str) -> gettext.NullTranslations:
    """ISO 3166 names as pycountry's own catalogues translate them (Turquie, Kenya)."""
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def country_label(code: str, language: str = ENGLISH) -> str:
    country = pycountry.countries.get(alpha_2=code) if code.isalpha() and len(code) == 2 else None
    if country is None:
        return code  # shown as stored; renderers neutralise formula-like text
    name = getattr(country, "common_name", None) or country.name
    if language != ENGLISH:
        catalogue = _country_names(language)
        name = catalogue.gettext(getattr(country, "common_name", None) or country.name)
        if name == (getattr(country, "common_name", None) or country.name):
            name = catalogue.gettext(country.name)
    return f"{name} ({code})"


def _median_days(seconds: Sequence[int]) -> float | str:
    if not seconds:
        return NOT_APPLICABLE_MARK
    ordered = sorted(seconds)
    middle = len(ordered) // 2
    odd = len(ordered) % 2
    median2 = 2 * ordered[middle] if odd else ordered[middle - 1] + ordered[middle]
    # Integer seconds halved once: the same float on every database and platform.
    return round(median2 / 2 / 86_400, 1)


def _rows_countries(
    row: RowKey, countries: Sequence[str], region_of: Mapping[str, str]
) -> list[str]:
    level, code = row
    if level == COUNTRY:
        return [code]
    if level == REGION:
        return [c for c in countries if region_of[c] == code]
    return list(countries)


def build_report(
    raw: RawFigures,
    *,
    quarter: Quarter,
    as_of: date,
    window: Window,
    k: int,
    p: int = DEFAULT_P,
    changed_since: Mapping[str, Mapping[tuple[str, str], int]] | None = None,
    regions: RegionMap | None = None,
    earlier: Mapping[str, Mapping[str, Any]] | None = None,
) -> QuarterlyReport:
    """``changed_since``: the true counts of the previous version of this release (a
    revision): every cell whose count moved by 1 to k-1 is protected like a small count, so
    that the difference between the two versions discloses nothing."""
    # Every table lists the same countries (any figure in the quarter), so that a row's
    # presence in one table says nothing about its counts there.
    listed = tuple(
        sorted(
            {
                country
                for family, columns in FAMILY_COLUMNS.items()
                for (country, column), n in raw.counts.get(family, {}).items()
                if n and column in columns
            }
        )
    )
    region_map = regions or default_regions()
    region_of = {country: region_map.region_of(country) for country in listed}
    protected: dict[str, tuple[Grid, Protected]] = {}
    for family, columns in FAMILY_COLUMNS.items():
        counts = {
            key: n
            for key, n in raw.counts.get(family, {}).items()
            if n and key[1] in columns and key[0] in region_of
        }
        grid = Grid(
            columns,
            FAMILY_PARTITIONS[family],
            counts,
            region_of,
            at_most=FAMILY_AT_MOST.get(family, ()),
            listed=listed,
            regions=region_map.regions,
        )
        moved: frozenset[CellKey] = frozenset()
        if changed_since is not None:
            moved = moved_cells(grid, changed_since.get(family, {}), k)
        protected[family] = (grid, protect(grid, k, p, also_primary=moved))
    tables = tuple(_table(spec, *protected[spec.family], raw, listed, region_of) for spec in TABLES)
    report = QuarterlyReport(
        quarter=quarter,
        as_of=as_of,
        window=window,
        k=k,
        p=p,
        method=(),
        definitions=(),
        tables=tables,
        headline=_headline(tables, quarter, earlier or {}),
        protected=protected,
    )
    from hrd_cases.exports.texts import localised  # the texts read this module's types

    return localised(report, ENGLISH)


def _table(
    spec: TableSpec,
    grid: Grid,
    protected: Protected,
    raw: RawFigures,
    all_countries: Sequence[str],
    region_of: Mapping[str, str],
) -> Table:

    def row(key: RowKey) -> Row:
        level, code = key
        label = {COUNTRY: country_label(code), REGION: code, ALL: "All countries"}[level]
        members = _rows_countries(key, all_countries, region_of)
        cells = tuple(_cell(c, key, protected, raw, members) for c in spec.columns)
        region = region_of[code] if level == COUNTRY else None
        return Row(level, code, label, cells, region)

    rows = grid.rows()
    by_country = tuple(row(r) for r in rows if r[0] == COUNTRY)
    by_region = tuple(row(r) for r in rows if r[0] == REGION)
    total = row(ALL_ROW)
    suppressed = sum(
        1 for r in (*by_country, *by_region, total) for cell in r.cells if cell == SUPPRESSED_MARK
    )
    return Table(spec, by_country, by_region, total, suppressed, summary="")


def _cell(
    column: Column, row: RowKey, protected: Protected, raw: RawFigures, members: Sequence[str]
) -> Cell:
    if column.kind == "count":
        cell = (row, column.key)
        return SUPPRESSED_MARK if protected.is_suppressed(cell) else protected.values[cell]
    # Derived figures follow the count they rest on (DESIGN: sums and medians suppressed
    # where their count is).
    if column.kind == "amount":
        base = (row, "approved")
        # Each grant has a ceiling, so a country's amount would bound its hidden count from
        # below: amounts are published for all countries together only.
        if row != ALL_ROW or protected.is_suppressed(base):
            return SUPPRESSED_MARK
        return sum(raw.amount_approved.get(c, 0) for c in members)
    if column.kind == "median_days":
        base_column = "total" if column.key == "median_intake_to_decision" else "delivered"
        if protected.is_suppressed((row, base_column)):
            return SUPPRESSED_MARK
        source = (
            raw.intake_to_decision
            if column.key == "median_intake_to_decision"
            else raw.decision_to_delivery
        )
        return _median_days([s for c in members for s in source.get(c, [])])
    if column.kind == "share_percent":
        within, decided = (row, "within_deadline"), (row, "total")
        if protected.is_suppressed(within) or protected.is_suppressed(decided):
            return SUPPRESSED_MARK
        if not protected.values[decided]:
            return NOT_APPLICABLE_MARK
        return round(100 * protected.values[within] / protected.values[decided], 1)
    raise ValueError(f"unknown column kind {column.kind!r}")


def _headline(
    tables: Sequence[Table], quarter: Quarter, earlier: Mapping[str, Mapping[str, Any]]
) -> Headline:
    by_source: dict[tuple[str, str], tuple[Table, int]] = {}
    for table in tables:
        for position, column in enumerate(table.spec.columns):
            by_source.setdefault((table.spec.family, column.key), (table, position))
    rows: list[Row] = []
    template = tables[0]
    for source_row in (*template.by_region, template.total):
        cells: list[Cell] = []
        for measure in HEADLINE_MEASURES:
            table, position = by_source[(measure.family, measure.column)]
            row = next(
                r
                for r in (*table.by_region, table.total)
                if (r.level, r.code) == (source_row.level, source_row.code)
            )
            cells.append(row.cells[position])
        rows.append(Row(source_row.level, source_row.code, source_row.label, tuple(cells)))
    previous_quarter = _previous(quarter)
    previous = _earlier_rows(rows, earlier.get(previous_quarter.label))
    year_quarters = tuple(Quarter(quarter.year, n).label for n in range(1, quarter.number + 1))
    missing = tuple(q for q in year_quarters[:-1] if _earlier_rows(rows, earlier.get(q)) is None)
    year_to_date = None
    if not missing:
        parts = [_earlier_rows(rows, earlier.get(q)) for q in year_quarters[:-1]]
        year_to_date = tuple(
            Row(
                row.level,
                row.code,
                row.label,
                tuple(
                    _sum([row.cells[i], *(part[n].cells[i] for part in parts if part)])
                    for i in range(len(HEADLINE_MEASURES))
                ),
            )
            for n, row in enumerate(rows)
        )
    return Headline(
        HEADLINE_MEASURES,
        tuple(rows),
        previous_quarter.label,
        previous,
        year_quarters,
        year_to_date,
        missing,
    )


def _previous(quarter: Quarter) -> Quarter:
    if quarter.number == 1:
        return Quarter(quarter.year - 1, 4)
    return Quarter(quarter.year, quarter.number - 1)


def _sum(cells: Sequence[Cell]) -> Cell:
    """A sum of published figures; withheld if any is (it would give the withheld one away)."""
    if any(c == SUPPRESSED_MARK for c in cells):
        return SUPPRESSED_MARK
    if any(not isinstance(c, int) for c in cells):
        return NOT_AVAILABLE
    return sum(c for c in cells if isinstance(c, int))


def _earlier_rows(
    rows: Sequence[Row], headline: Mapping[str, Any] | None
) -> tuple[Row, ...] | None:
    """An earlier release's headline figures, aligned on this one's rows and measures."""
    if headline is None:
        return None
    published = {(r["level"], r["code"] or ""): r["values"] for r in headline["rows"]}
    found = []
    for row in rows:
        values = published.get((row.level, row.code), {})
        cells: tuple[Cell, ...] = tuple(
            NOT_AVAILABLE if values.get(m.key) is None else values[m.key] for m in HEADLINE_MEASURES
        )
        found.append(Row(row.level, row.code, row.label, cells))
    return tuple(found)


def change(now: Cell, before: Cell) -> Cell:
    """Quarter on quarter: the difference of two published figures, else not shown."""
    if isinstance(now, int) and isinstance(before, int):
        return now - before
    return SUPPRESSED_MARK if SUPPRESSED_MARK in (now, before) else NOT_AVAILABLE


def with_language(report: QuarterlyReport, language: str) -> QuarterlyReport:
    from hrd_cases.exports.texts import localised

    return localised(report, language)
