"""Disclosure control: exact outputs on hand-made tables, and properties over random ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hrd_cases.exports.regions import REGIONS
from hrd_cases.exports.suppression import (
    ALL_ROW,
    COUNTRY,
    REGION,
    TOTAL,
    Grid,
    Protected,
    protect,
    suppress,
)


def _grid(counts: dict[tuple[str, str], int], columns=("a", "b", "c"), regions=None) -> Grid:
    region_of = regions or {country: "Africa" for country, _ in counts}
    return Grid(tuple(columns), (tuple(columns),), counts, region_of)


def _shown(protected: Protected, row, columns) -> list[object]:
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
    """Two countries of one region: KE (a=2, b=1, c=1), UG (a=1), k=2."""
    grid = _grid({("KE", "a"): 2, ("KE", "b"): 1, ("KE", "c"): 1, ("UG", "a"): 1})
    protected = protect(grid, k=2)
    columns = ("a", "b", "c", TOTAL)
    # UG a=1 alone in column a (with the published total 3) forces KE a=2; UG's total 1 is
    # primary, alone in the total column, so KE's total 4 goes too.
    assert _shown(protected, (COUNTRY, "KE"), columns) == ["x", "x", "x", "x"]
    assert _shown(protected, (COUNTRY, "UG"), columns) == ["x", 0, 0, "x"]
    assert _shown(protected, (REGION, "Africa"), columns) == [3, "x", "x", 5]
    assert _shown(protected, ALL_ROW, columns) == [3, "x", "x", 5]
    assert _shown(protected, (REGION, "Asia"), columns) == [0, 0, 0, 0]


def test_region_of_one_country_is_protected_like_the_country() -> None:
    # NP is alone in Asia: Asia's cells equal NP's, so they must be suppressed alike.
    regions = {"NP": "Asia", "KE": "Africa", "UG": "Africa"}
    counts = {("NP", "a"): 3, ("NP", "b"): 9, ("KE", "a"): 8, ("KE", "b"): 9, ("UG", "a"): 7}
    protected = protect(_grid(counts, ("a", "b"), regions), k=5)
    for column in ("a", "b", TOTAL):
        assert protected.is_suppressed(((COUNTRY, "NP"), column)) == protected.is_suppressed(
            ((REGION, "Asia"), column)
        )
    assert protected.is_suppressed(((COUNTRY, "NP"), "a"))


COUNTRIES = ("AF", "CN", "CO", "KE", "NP", "TR", "UG", "FR", "AU", "ZZ")


@st.composite
def grids(draw) -> tuple[Grid, int]:
    columns = tuple(
        draw(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=6, unique=True))
    )
    countries = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=8, unique=True))
    region_of = {c: draw(st.sampled_from(REGIONS)) for c in countries}
    small = st.integers(0, 12) | st.integers(0, 3) | st.integers(0, 200)
    counts = {(c, col): draw(small) for c in countries for col in columns}
    with_total = draw(st.booleans())
    grid = Grid(columns, (columns,) if with_total else (), counts, region_of)
    return grid, draw(st.integers(2, 11))


@settings(max_examples=300, deadline=None)
@given(grids())
def test_properties_of_every_protected_grid(case: tuple[Grid, int]) -> None:
    grid, k = case
    protected = protect(grid, k)
    hidden = protected.primary | protected.secondary
    for cell, value in protected.values.items():
        # No published cell holds a count from 1 to k-1; a zero is never suppressed.
        if cell not in hidden:
            assert not 0 < value < k
        else:
            assert value > 0
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


@settings(max_examples=100, deadline=None)
@given(grids())
def test_protection_is_deterministic(case: tuple[Grid, int]) -> None:
    grid, k = case
    first, second = protect(grid, k), protect(grid, k)
    assert (first.primary, first.secondary) == (second.primary, second.secondary)
