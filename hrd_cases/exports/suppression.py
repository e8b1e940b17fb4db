"""Disclosure control for count tables: pure functions, no database.

A table family is a grid of counts by country and column, with the rows and columns it implies:
each region's row (the sum of its countries), the all-countries row, and a total column when
the columns partition a whole. Every sum that is published is an equation that could be
solved for a hidden cell, so protection is judged on the equations, by an attacker:

1. Primary: a count from 1 to k-1 is suppressed (0 is published).
2. Quick secondary: an equation (cells + the total they sum to) with exactly one suppressed
   cell would give that cell away by subtraction, so another cell of it is suppressed: the
   smallest non-zero published one, country cells before aggregates, then the fixed order.
3. Zeros: where the total of an equation is suppressed, its zero members are suppressed too,
   so that 'x' there does not mean 'at least 1' (otherwise a total with as many 'x' members
   as its value would give each of them away).
4. Audit: the attacker's tightest integer bounds on every hidden cell (``disclosure_audit``).
   While a primary cell can be narrowed inside [max(1, v - p), v + p], or any hidden cell is
   pinned to one value, one more published cell of a constraint it is in is suppressed (the
   smallest non-zero one; totals first when the attacker's lower bound is too high), and the
   audit runs again. Suppressing everything non-zero always passes, so the loop ends.

Equations: each row's partitions with the row total; each column's countries with the column
total (all countries), each region's countries with the region's cell, the regions with the
column total. So a region table cannot be subtracted from the country table either.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TypeVar

from hrd_cases.exports.disclosure_audit import (
    Bounds,
    Constraints,
    attacker_bounds,
    failing_cells,
    failures,
)
from hrd_cases.exports.regions import default_regions

TOTAL = "total"
COUNTRY, REGION, ALL = "country", "region", "all"
RowKey = tuple[str, str]  # (level, code): ("country", "KE"), ("region", "Africa"), ("all", "")
CellKey = tuple[RowKey, str]  # (row, column)
ALL_ROW: RowKey = (ALL, "")

MIN_K = 2
DEFAULT_P = 2
C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Grid:
    """Counts by country for one family of tables, before any suppression."""

    columns: tuple[str, ...]
    # Each partition lists columns that add up to the row total; none: no total column.
    partitions: tuple[tuple[str, ...], ...]
    counts: Mapping[tuple[str, str], int]  # (country, column) -> count; absent means 0
    region_of: Mapping[str, str]  # country -> region
    # (small, large) column pairs: small <= large in every row (within deadline <= decided).
    at_most: tuple[tuple[str, str], ...] = ()
    # The countries listed in every table of a release, whatever their counts in this one:
    # a row's presence then says nothing about this table. None: those with a count here.
    listed: tuple[str, ...] | None = None
    regions: tuple[str, ...] = field(default_factory=lambda: default_regions().regions)

    @property
    def has_total(self) -> bool:
        return bool(self.partitions)

    @property
    def all_columns(self) -> tuple[str, ...]:
        return (*self.columns, TOTAL) if self.has_total else self.columns

    @property
    def countries(self) -> tuple[str, ...]:
        """The listed countries (by default those with at least one count), in code order."""
        if self.listed is not None:
            return tuple(sorted(self.listed))
        return tuple(sorted({country for (country, _), n in self.counts.items() if n}))

    def rows(self) -> tuple[RowKey, ...]:
        countries = tuple((COUNTRY, c) for c in self.countries)
        regions = tuple((REGION, r) for r in self.regions)
        return (*countries, *regions, ALL_ROW)


@dataclass(frozen=True, slots=True)
class Protected:
    """A grid's every cell with its value and whether it may be published."""

    values: dict[CellKey, int]
    primary: frozenset[CellKey]
    secondary: frozenset[CellKey]  # includes zeros hidden with their suppressed total
    equations: tuple[tuple[CellKey, ...], ...]
    at_most: tuple[tuple[CellKey, CellKey], ...] = ()
    k: int = 5
    p: int = DEFAULT_P

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
        if not count or column not in grid.columns:
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
        for region in grid.regions:
            members = countries_by_region.get(region, [])
            found.append((*((row, column) for row in members), ((REGION, region), column)))
        found.append((*(((REGION, r), column) for r in grid.regions), (ALL_ROW, column)))
    return found


def moved_cells(
    grid: Grid, previous_counts: Mapping[tuple[str, str], int], k: int
) -> frozenset[CellKey]:
    """The cells of ``grid`` whose value moved by 1 to k-1 since ``previous_counts`` (the
    previous version's counts by country and column, over the same listed countries)."""
    listed = set(grid.countries)
    before = Grid(
        grid.columns,
        grid.partitions,
        {
            key: n
            for key, n in previous_counts.items()
            if key[0] in listed and key[1] in grid.columns
        },
        grid.region_of,
        grid.at_most,
        grid.listed,
        grid.regions,
    )
    old, new = cell_values(before), cell_values(grid)
    return frozenset(cell for cell, value in new.items() if 0 < abs(value - old[cell]) < k)


def inequalities(grid: Grid) -> tuple[tuple[CellKey, CellKey], ...]:
    return tuple(
        ((row, small), (row, large)) for row in grid.rows() for small, large in grid.at_most
    )


def protect(
    grid: Grid, k: int, p: int = DEFAULT_P, also_primary: frozenset[CellKey] = frozenset()
) -> Protected:
    """``also_primary``: cells protected like small counts whatever their value (a revision's
    cells that moved by a small amount since the previous version)."""
    values = cell_values(grid)
    eqs = equations(grid)
    at_most = inequalities(grid)
    primary, secondary = suppress(values, eqs, k, is_aggregate=_is_aggregate)
    primary = primary | {cell for cell in also_primary if cell in values and values[cell] > 0}
    constraints = Constraints(tuple(eqs), at_most)
    hidden = _until_the_audit_passes(values, primary, set(primary | secondary), constraints, p)
    return Protected(values, primary, frozenset(hidden - primary), tuple(eqs), at_most, k, p)


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


def hidden_floors(hidden: set[C], eqs: Iterable[Sequence[C]]) -> dict[C, int]:
    """What the attacker knows of each hidden cell's least value, under rule 3."""
    floors = dict.fromkeys(hidden, 1)
    for *members, total in eqs:
        if total in hidden:
            for cell in members:
                if cell in hidden:
                    floors[cell] = 0
    return floors


def known_zeros(
    values: Mapping[C, int],
    hidden: AbstractSet[C],
    to_hide: AbstractSet[C],
    eqs: Sequence[Sequence[C]],
) -> set[C]:
    """The cells a reader would know are 0 with ``to_hide`` hidden too: published zeros, the
    members of a sum known to be 0, the sum of members known to be 0 (a region with no listed
    country)."""
    found: set[C] = {
        cell
        for cell, value in values.items()
        if value == 0 and cell not in hidden and cell not in to_hide
    }
    changed = True
    while changed:
        changed = False
        for *members, total in eqs:
            if total in found:
                fresh = [cell for cell in members if cell not in found]
                found.update(fresh)
                changed = changed or bool(fresh)
            elif all(cell in found for cell in members):
                found.add(total)
                changed = True
    return found


def _hide_zeros(values: Mapping[C, int], hidden: set[C], eqs: Sequence[Sequence[C]]) -> None:
    """Rule 3, to a fixed point (a hidden zero region cell is itself a total). A zero the
    reader knows is 0 anyway stays published: hiding it would hide nothing."""
    while True:
        to_hide: set[C] = {
            cell
            for *members, total in eqs
            if total in hidden
            for cell in members
            if cell not in hidden and values[cell] == 0
        }
        known: set[C] = known_zeros(values, hidden, to_hide, eqs)
        fresh = to_hide - known
        if not fresh:
            return
        hidden.update(fresh)


def audit(
    values: Mapping[C, int],
    primary: Iterable[C],
    hidden: set[C],
    constraints: Constraints[C],
    p: int,
    cache: dict | None = None,
) -> tuple[dict[C, Bounds], list[C]]:
    """(the attacker's bounds, the hidden cells they narrow too far)."""
    floors = hidden_floors(hidden, constraints.equations)
    bounds = attacker_bounds(values, hidden, constraints, floors, cache)
    return bounds, failures(values, primary, bounds, p)


def _until_the_audit_passes(
    values: Mapping[C, int],
    primary: frozenset[C],
    hidden: set[C],
    constraints: Constraints[C],
    p: int,
) -> set[C]:
    order = {cell: position for position, cell in enumerate(values)}
    eqs = constraints.equations
    linked: dict[C, list[tuple[C, ...]]] = {}
    for members in (*eqs, *constraints.at_most):
        for cell in members:
            linked.setdefault(cell, []).append(tuple(members))
    # Every hidden cell is tested once; after that only the cells that failed and those hidden
    # since (see failing_cells: more hidden cells never narrow a range), so each pass costs
    # the handful of integer programs that can still change the outcome.
    to_test: set[C] = set()
    tested: set[C] = set()
    while True:
        _hide_zeros(values, hidden, eqs)
        floors = hidden_floors(hidden, eqs)
        to_test |= hidden - tested
        tested |= hidden
        failing = failing_cells(values, primary, hidden, constraints, floors, p, only=to_test)
        if not failing:
            return hidden
        to_test = set(failing)
        added = 0
        for cell in failing:
            # Totals first for a primary cell (hiding the total lets its members be 0).
            too_high = cell in primary
            chosen = _next_to_hide(cell, values, hidden, linked, order, totals_first=too_high)
            if chosen is not None:
                hidden.add(chosen)
                added += 1
        if not added:
            # Unreachable: with every non-zero cell hidden, all bounds open upwards.
            raise RuntimeError("disclosure control: nothing left to suppress, yet the audit fails")


def _next_to_hide(
    cell: C,
    values: Mapping[C, int],
    hidden: set[C],
    linked: Mapping[C, list[tuple[C, ...]]],
    order: Mapping[C, int],
    *,
    totals_first: bool,
) -> C | None:
    """A published non-zero cell sharing a constraint with ``cell``, else with the hidden cells
    linked to it (breadth first): ties broken by value, then aggregates last, then order."""
    seen = {cell}
    frontier = [cell]
    while frontier:
        candidates: dict[C, bool] = {}
        following: list[C] = []
        for current in frontier:
            for members in linked.get(current, []):
                for position, other in enumerate(members):
                    if other in hidden:
                        if other not in seen:
                            seen.add(other)
                            following.append(other)
                    elif values[other] > 0:
                        is_total = position == len(members) - 1
                        candidates[other] = candidates.get(other, False) or is_total
        if candidates:
            return min(
                candidates,
                key=lambda c: (
                    not (totals_first and candidates[c]),
                    values[c],
                    _is_aggregate(c) if isinstance(c, tuple) else False,
                    order[c],
                ),
            )
        frontier = following
    return None
