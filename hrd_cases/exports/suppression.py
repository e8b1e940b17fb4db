"""Disclosure control for count tables: pure functions, no database.

A table family is a grid of counts by country and column, with the rows and columns it implies:
each region's row (the sum of its countries), the all-countries row, and a total column when
the columns partition a whole. Every sum that is published is an equation that could be
solved for a hidden cell, so the rule is applied to equations, not only to printed rows:

1. Primary: a count from 1 to k-1 is suppressed (0 is published).
2. Secondary: an equation (cells + the total they sum to) with exactly one suppressed cell
   would give that cell away by subtraction, so another cell of it is suppressed: the smallest
   non-zero published one, country cells before aggregates, then the fixed cell order. Repeat
   until no equation holds exactly one suppressed cell.

Equations: each row's partitions with the row total; each column's countries with the column
total (all countries), each region's countries with the region's cell, the regions with the
column total. So a region table cannot be subtracted from the country table either.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from hrd_cases.exports.regions import REGIONS

TOTAL = "total"
COUNTRY, REGION, ALL = "country", "region", "all"
RowKey = tuple[str, str]  # (level, code): ("country", "KE"), ("region", "Africa"), ("all", "")
CellKey = tuple[RowKey, str]  # (row, column)
ALL_ROW: RowKey = (ALL, "")

MIN_K = 2
C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Grid:
    """Counts by country for one family of tables, before any suppression."""

    columns: tuple[str, ...]
    # Each partition lists columns that add up to the row total; none: no total column.
    partitions: tuple[tuple[str, ...], ...]
    counts: Mapping[tuple[str, str], int]  # (country, column) -> count; absent means 0
    region_of: Mapping[str, str]  # country -> region

    @property
    def has_total(self) -> bool:
        return bool(self.partitions)

    @property
    def all_columns(self) -> tuple[str, ...]:
        return (*self.columns, TOTAL) if self.has_total else self.columns

    @property
    def countries(self) -> tuple[str, ...]:
        """Countries with at least one count, in code order."""
        return tuple(sorted({country for (country, _), n in self.counts.items() if n}))

    def rows(self) -> tuple[RowKey, ...]:
        countries = tuple((COUNTRY, c) for c in self.countries)
        regions = tuple((REGION, r) for r in REGIONS)
        return (*countries, *regions, ALL_ROW)


@dataclass(frozen=True, slots=True)
class Protected:
    """A grid's every cell with its value and whether it may be published."""

    values: dict[CellKey, int]
    primary: frozenset[CellKey]
    secondary: frozenset[CellKey]
    equations: tuple[tuple[CellKey, ...], ...]

    def is_suppressed(self, cell: CellKey) -> bool:
        return cell in self.primary or cell in self.secondary


def cell_values(grid: Grid) -> dict[CellKey, int]:
    """Every cell of the family, in the fixed order used to break ties."""
    values: dict[CellKey, int] = {}
    for row in grid.rows():
        for column in grid.all_columns:
            values[(row, column)] = 0
    for (country, column), count in grid.counts.items():
        if count < 0:
            raise ValueError("counts cannot be negative")
        if not count:
            continue
        region = grid.region_of[country]
        targets = [(COUNTRY, country), (REGION, region), ALL_ROW]
        for row in targets:
            values[(row, column)] += count
            if grid.has_total and column in grid.partitions[0]:
                values[(row, TOTAL)] += count
    return values


def equations(grid: Grid) -> list[tuple[CellKey, ...]]:
    """Each equation lists its member cells, then the cell they sum to (last)."""
    found: list[tuple[CellKey, ...]] = []
    rows = grid.rows()
    if grid.has_total:
        for row in rows:
            for partition in grid.partitions:
                found.append((*((row, c) for c in partition), (row, TOTAL)))
    countries_by_region: dict[str, list[RowKey]] = {}
    for level, code in rows:
        if level == COUNTRY:
            countries_by_region.setdefault(grid.region_of[code], []).append((level, code))
    for column in grid.all_columns:
        found.append((*((row, column) for row in rows if row[0] == COUNTRY), (ALL_ROW, column)))
        for region in REGIONS:
            members = countries_by_region.get(region, [])
            found.append((*((row, column) for row in members), ((REGION, region), column)))
        found.append((*(((REGION, r), column) for r in REGIONS), (ALL_ROW, column)))
    return found


def protect(grid: Grid, k: int) -> Protected:
    values = cell_values(grid)
    eqs = equations(grid)
    primary, secondary = suppress(values, eqs, k, is_aggregate=_is_aggregate)
    return Protected(values, primary, secondary, tuple(eqs))


def suppress(
    values: Mapping[C, int],
    eqs: Iterable[Sequence[C]],
    k: int,
    *,
    is_aggregate: Callable[[C], bool] = lambda _: False,
) -> tuple[frozenset[C], frozenset[C]]:
    """(primary, secondary) suppressed cells; see the module docstring for the rule.
    ``values`` is ordered: its order breaks ties. ``is_aggregate`` marks the cells (totals)
    to suppress last among equal values."""
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    order = {cell: position for position, cell in enumerate(values)}
    primary = {cell for cell, value in values.items() if 0 < value < k}
    hidden = set(primary)
    eq_list = [tuple(eq) for eq in eqs]
    changed = True
    while changed:
        changed = False
        for eq in eq_list:
            if sum(cell in hidden for cell in eq) != 1:
                continue
            candidates = [cell for cell in eq if cell not in hidden and values[cell] > 0]
            # Never empty: the one hidden cell is non-zero, so its total (or, if it is the
            # total, one of its members) is non-zero and published.
            chosen = min(candidates, key=lambda c: (values[c], is_aggregate(c), order[c]))
            hidden.add(chosen)
            changed = True
    return frozenset(primary), frozenset(hidden - primary)


def _is_aggregate(cell: CellKey) -> bool:
    (level, _), column = cell
    return level != COUNTRY or column == TOTAL
