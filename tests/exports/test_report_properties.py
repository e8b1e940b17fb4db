"""Properties of whole reports built from random case sets (no database): what an analyst
sees, table by table, obeys the disclosure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from hrd_cases.exports.definitions import FAMILY_COLUMNS
from hrd_cases.exports.quarter import Quarter, Window
from hrd_cases.exports.queries import RawFigures
from hrd_cases.exports.report import build_report

COUNTRIES = ("KE", "UG", "TZ", "NP", "IN", "AF", "CO", "BR", "TR", "FR", "AU", "=1")
cases = st.lists(
    st.tuples(
        st.sampled_from(COUNTRIES),
        st.lists(st.sampled_from(FAMILY_COLUMNS["profiles"]), min_size=1, max_size=3, unique=True),
        st.sampled_from(["approved", "rejected", None]),
        st.booleans(),  # decided within the deadline
    ),
    max_size=120,
)


def _raw(case_set) -> RawFigures:
    raw = RawFigures()
    profiles: dict[tuple[str, str], int] = {}
    decisions: dict[tuple[str, str], int] = {}
    for country, categories, decision, on_time in case_set:
        for category in categories:
            profiles[(country, category)] = profiles.get((country, category), 0) + 1
        if decision:
            for column in (decision, "within_deadline" if on_time else "after_deadline"):
                decisions[(country, column)] = decisions.get((country, column), 0) + 1
            raw.intake_to_decision.setdefault(country, []).append(3600)
            if decision == "approved":
                raw.amount_approved[country] = raw.amount_approved.get(country, 0) + 1000
    raw.counts = {"profiles": profiles, "decisions": decisions}
    return raw


@settings(max_examples=150, deadline=None)
@given(cases, st.integers(2, 8))
def test_every_printed_table_obeys_the_rules(case_set, k: int) -> None:
    raw = _raw(case_set)
    window = Window(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
    report = build_report(
        raw, quarter=Quarter(2026, 3), as_of=date(2026, 9, 30), window=window, k=k
    )
    for table in report.tables:
        count_positions = [i for i, c in enumerate(table.columns) if c.kind == "count"]
        has_total = any(c.key == "total" for c in table.columns)
        for row in (*table.by_country, *table.by_region, table.total):
            counts = [row.cells[i] for i in count_positions]
            assert not any(isinstance(v, int) and 0 < v < k for v in counts)
            if has_total:
                assert sum(v == "x" for v in counts) != 1, (table.spec.key, row)
            # Derived figures are hidden with their base count.
            for column, value in zip(table.columns, row.cells, strict=True):
                if column.kind == "amount" and value != "x":
                    assert row.cells[0] != "x"
        for i in count_positions:
            country_column = [r.cells[i] for r in (*table.by_country, table.total)]
            region_column = [r.cells[i] for r in (*table.by_region, table.total)]
            assert sum(v == "x" for v in country_column) != 1
            assert sum(v == "x" for v in region_column) != 1
        # Published totals equal the sum of the true values of their cells.
        if has_total and table.spec.family == "profiles":
            true_total = sum(raw.counts["profiles"].values())
            assert table.total.cells[-1] in ("x", true_total)
