"""Disclosure control: exact outputs on hand-made tables, and properties over random ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hrd_cases.exports.disclosure_audit import Constraints, attacker_bounds, failures
from hrd_cases.exports.regions import default_regions
from hrd_cases.exports.suppression import (
    ALL_ROW,
    COUNTRY,
    REGION,
    TOTAL,
    Grid,
    Protected,
    hidden_floors,
    protect,
    suppress,
)


def _grid(counts: dict[tuple[str, str], int], columns=("a", "b", "c"), regions=None) -> Grid:  # type: ignore[no-untyped-def]
    region_of = regions or dict.fromkeys((country for country, _ in counts), "Africa")
    return Grid(tuple(columns), (tuple(columns),), counts, region_of)


def _shown(protected: Protected, row, columns) -> list[object]:  # type: ignore[no-untyped-def]
    return [
        "x" if protected.is_suppressed((row, c)) else protected.values[(row, c)] for c in columns
    ]


def test_primary_suppresses_one_to_k_minus_one_and_publishes_zero() -> None:
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "t": 10}
    primary, secondary = suppress(values, [], k=5)
    assert primary == {"b", "c"}
    assert secondary == frozenset()


def test_one_suppressed_cell_in_a_row_takes_the_smallest_other_nonzero_cell() -> None:
    # a + b + c = t; only b is below k: the smallest non-zero other member (c = 6, before
    # a = 7 and the total) is suppressed with it.
    values = {"a": 7, "b": 2, "c": 6, "t": 15}
    primary, secondary = suppress(values, [("a", "b", "c", "t")], k=5)
    assert (primary, secondary) == ({"b"}, {"c"})


def test_ties_are_broken_by_the_fixed_cell_order() -> None:
    values = {"a": 6, "b": 2, "c": 6, "t": 14}
    assert suppress(values, [("a", "b", "c", "t")], k=5)[1] == {"a"}


def test_when_the_other_members_are_zero_the_total_is_suppressed() -> None:
    values = {"a": 0, "b": 3, "c": 0, "t": 3}
    assert suppress(values, [("a", "b", "c", "t")], k=5) == ({"b", "t"}, frozenset())
    values = {"a": 0, "b": 3, "c": 0, "t": 3}
    assert suppress(values, [("a", "b", "c", "t")], k=3) == (frozenset(), frozenset())


def test_hand_made_country_and_region_table() -> None:
    """Two countries of one region: KE (a=2, b=1, c=1), UG (a=1), k=2, p=2."""
    grid = _grid({("KE", "a"): 2, ("KE", "b"): 1, ("KE", "c"): 1, ("UG", "a"): 1})
    protected = protect(grid, k=2)
    columns = ("a", "b", "c", TOTAL)
    # Before the audit, column a's published 3 would leave UG's 1 in [1, 2]: inside [1, 3].
    # So every count goes, and with the totals hidden, UG's zeros too (an 'x' may be 0).
    assert _shown(protected, (COUNTRY, "KE"), columns) == ["x", "x", "x", "x"]
    assert _shown(protected, (COUNTRY, "UG"), columns) == ["x", "x", "x", "x"]
    assert _shown(protected, ALL_ROW, columns) == ["x", "x", "x", "x"]
    # Asia and Pacific has no listed country: a reader knows its zeros, so hiding them would
    # hide nothing.
    assert _shown(protected, (REGION, "Asia and Pacific"), columns) == [0, 0, 0, 0]


def test_the_total_with_as_many_hidden_cells_as_its_value_is_hidden() -> None:
    """The issue's table 6b: 8 deliveries over 8 countries of 1 each. Published, the 8
    pins each country to 1; hidden, with its zeros, it pins nothing."""
    codes = ("AF", "CN", "CO", "IN", "KE", "NP", "TR", "UG")
    regions = dict.fromkeys(codes, "Asia and Pacific")
    grid = Grid(("delivered",), (), {(c, "delivered"): 1 for c in codes}, regions)
    protected = protect(grid, k=5)
    assert protected.is_suppressed((ALL_ROW, "delivered"))
    assert _exact_failures(protected) == []


def _exact_failures(protected: Protected) -> list[object]:
    """The production audit's exact bounds (min and max programs, not the loop's feasibility
    questions) on a protected grid."""
    hidden = set(protected.primary | protected.secondary)
    bounds = attacker_bounds(
        protected.values,
        hidden,
        Constraints(protected.equations, protected.at_most),
        hidden_floors(hidden, protected.equations),
    )
    return failures(protected.values, protected.primary, bounds, protected.p)


COUNTRIES = ("AF", "CN", "CO", "KE", "NP", "TR", "UG", "FR", "AU", "ZZ")


@st.composite
def grids(draw) -> tuple[Grid, int]:  # type: ignore[no-untyped-def]
    columns = tuple(
        draw(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=6, unique=True))
    )
    countries = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=8, unique=True))
    region_of = {c: draw(st.sampled_from(default_regions().regions)) for c in countries}
    small = st.integers(0, 12) | st.integers(0, 3) | st.integers(0, 200)
    counts = {(c, col): draw(small) for c in countries for col in columns}
    with_total = draw(st.booleans())
    grid = Grid(columns, (columns,) if with_total else (), counts, region_of)
    return grid, draw(st.integers(2, 11))


@settings(max_examples=40, deadline=None)
@given(grids())
def test_properties_of_every_protected_grid(case: tuple[Grid, int]) -> None:
    grid, k = case
    protected = protect(grid, k)
    hidden = protected.primary | protected.secondary
    floors = hidden_floors(set(hidden), protected.equations)
    for cell, value in protected.values.items():
        # No published cell holds a count from 1 to k-1; a hidden zero is one the reader
        # cannot assume to be at least 1.
        if cell not in hidden:
            assert not 0 < value < k
        elif value == 0:
            assert floors[cell] == 0
    assert _exact_failures(protected) == []
    for equation in protected.equations:
        # No row, column or region group holds exactly one suppressed cell.
        assert sum(cell in hidden for cell in equation) != 1
        # Published totals equal the sum of published plus suppressed cells.
        *members, total = equation
        assert protected.values[total] == sum(protected.values[m] for m in members)
    rows = grid.rows()
    all_columns = grid.all_columns
    for row in rows:
        # Printed rows of the table (with their total) hold 0 or >= 2 suppressed cells.
        if grid.has_total:
            assert sum((row, c) in hidden for c in all_columns) != 1
    for column in all_columns:
        # Printed columns: the country table (countries + total), the region table.
        country_cells = [(r, column) for r in rows if r[0] == COUNTRY] + [(ALL_ROW, column)]
        region_cells = [(r, column) for r in rows if r[0] == REGION] + [(ALL_ROW, column)]
        assert sum(c in hidden for c in country_cells) != 1
        assert sum(c in hidden for c in region_cells) != 1


@settings(max_examples=10, deadline=None)
@given(grids())
def test_protection_is_deterministic(case: tuple[Grid, int]) -> None:
    grid, k = case
    first, second = protect(grid, k), protect(grid, k)
    assert (first.primary, first.secondary) == (second.primary, second.secondary)
