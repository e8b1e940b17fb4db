"""Protected figures -> the report every renderer prints: pure, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pycountry

from hrd_cases.exports.definitions import (
    DEFINITIONS,
    FAMILY_COLUMNS,
    FAMILY_PARTITIONS,
    NOT_APPLICABLE_MARK,
    SUPPRESSED_MARK,
    TABLES,
    Column,
    TableSpec,
    method_statement,
)
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
    # The unprotected grids, for the audit and the tests; never rendered.
    protected: Mapping[str, tuple[Grid, Protected]] = field(default_factory=dict, repr=False)

    @property
    def status_line(self) -> str:
        """Printed at the top of every page and sheet."""
        if self.status == PROVISIONAL:
            return (
                f"PROVISIONAL PREVIEW, NOT A RELEASE: {self.quarter.label} is not released; "
                "these figures will change and must not be published or quoted."
            )
        text = f"Release {self.quarter.label}, version {self.version}"
        text += f", released {self.released_on.isoformat()}." if self.released_on else "."
        if self.revision_reason:
            text += f" Revision: {self.revision_reason}"
        return text

    @property
    def period_text(self) -> str:
        last = (self.window.end.date()).toordinal() - 1
        return f"{self.window.start.date().isoformat()} to {date.fromordinal(last).isoformat()}"


def country_label(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code.isalpha() and len(code) == 2 else None
    if country is None:
        return code  # shown as stored; renderers neutralise formula-like text
    name = getattr(country, "common_name", None) or country.name
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
            listed=listed,
            regions=region_map.regions,
        )
        moved: frozenset[CellKey] = frozenset()
        if changed_since is not None:
            moved = moved_cells(grid, changed_since.get(family, {}), k)
        protected[family] = (grid, protect(grid, k, p, also_primary=moved))
    tables = tuple(
        _table(spec, *protected[spec.family], raw, quarter, k, listed, region_of) for spec in TABLES
    )
    return QuarterlyReport(
        quarter=quarter,
        as_of=as_of,
        window=window,
        k=k,
        p=p,
        method=method_statement(k, p),
        definitions=DEFINITIONS,
        tables=tables,
        protected=protected,
    )


def _table(
    spec: TableSpec,
    grid: Grid,
    protected: Protected,
    raw: RawFigures,
    quarter: Quarter,
    k: int,
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
    return Table(spec, by_country, by_region, total, suppressed, _summary(spec, total, quarter, k))


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


def _number(value: Cell) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _summary(spec: TableSpec, total: Row, quarter: Quarter, k: int) -> str:
    """A factual paragraph from the all-countries row only (published figures only)."""
    cells = dict(zip((c.key for c in spec.columns), total.cells, strict=True))
    labels = {c.key: c.label for c in spec.columns}
    period = f"In {quarter.label}"
    if spec.key == "decision_timeliness":
        decided = cells["total"]
        if decided == SUPPRESSED_MARK:
            return f"{period}, the number of referrals decided is suppressed (fewer than {k})."
        text = f"{period}, {_number(decided)} referrals were decided"
        if isinstance(cells["share_within_deadline"], float):
            text += f"; {cells['share_within_deadline']}% within the template deadline"
        if isinstance(cells["median_intake_to_decision"], float):
            text += (
                f"; the median time from intake to decision was "
                f"{cells['median_intake_to_decision']} days"
            )
        return text + "."
    if spec.key == "delivery_timeliness":
        delivered = cells["delivered"]
        if delivered == SUPPRESSED_MARK:
            return f"{period}, the number of referrals delivered is suppressed (fewer than {k})."
        text = f"{period}, {_number(delivered)} referrals were delivered"
        if isinstance(cells["median_decision_to_delivery"], float):
            text += (
                f"; the median time from decision to delivery was "
                f"{cells['median_decision_to_delivery']} days"
            )
        return text + "."
    total_value = cells.get("total")
    if total_value == SUPPRESSED_MARK:
        return f"{period}, the total is suppressed (fewer than {k} {spec.unit} or protecting one)."
    text = f"{period}, {_number(total_value or 0)} {spec.unit} were recorded ({spec.title.lower()})"
    ranked = sorted(
        (
            (value, position, key)
            for position, (key, value) in enumerate(cells.items())
            if key != "total"
            and isinstance(value, int)
            and value > 0
            and next(c for c in spec.columns if c.key == key).kind == "count"
        ),
        key=lambda item: (-item[0], item[1]),
    )
    if ranked:
        listed = ", ".join(f"{labels[key]} ({_number(value)})" for value, _, key in ranked[:3])
        text += f"; the most frequent: {listed}"
    if spec.key == "referral_decisions" and isinstance(cells["amount_approved"], int):
        text += f"; EUR {cells['amount_approved']:,} approved in total"
    return text + "."
