"""The test suite's own attacker: reads the published JSON and nothing else.

It builds one integer program per table family from what a reader of the JSON knows (every
published figure; the equations its documented shape implies: each row's sums, each column's
countries to the all-countries row, a region's countries to the region row, the regions to the
all-countries row; the stated inequalities; the floor of a hidden cell under the stated
method), and asks HiGHS for the minimum and maximum of every hidden count. It deliberately
shares no code with ``hrd_cases.exports``: an error in the production audit cannot hide here.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import highspy

CellId = tuple[str, str, str, str]  # family, level, code, column
LIMIT = 10**9


@dataclass(frozen=True)
class Finding:
    cell: CellId
    low: int
    high: int | None


@dataclass
class Program:
    published: dict[CellId, int]
    hidden: set[CellId]
    equations: list[tuple[list[CellId], CellId]]
    at_most: list[tuple[CellId, CellId]]

    def floor(self, cell: CellId) -> int:
        """The method (JSON 'method'): a zero is hidden only as a member of a sum whose total
        is hidden; every other hidden count is at least 1."""
        for members, total in self.equations:
            if cell in members and total in self.hidden:
                return 0
        return 1


def program_from_json(
    *documents: bytes | Mapping[str, Any], cases_opened: int | None = None
) -> Program:
    """One program over one or several releases (a release and its revision: their cells are
    distinct quantities, but the attacker sees both; the difference is handled by the caller
    adding the equations that link them, if any). ``cases_opened``: the figure the analyst's
    home page shows for the quarter (all countries), which the attacker knows too."""
    program = Program({}, set(), [], [])
    for number, document in enumerate(documents):
        data = json.loads(document) if isinstance(document, bytes) else document
        prefix = f"v{number}:" if len(documents) > 1 else ""
        for table in data["tables"]:
            _read_table(program, table, prefix)
        if data.get("headline"):
            _read_headline(program, data["headline"], prefix)
    if cases_opened is not None:
        known(program, ("registrations", "all", "", "cases_opened"), cases_opened)
    return program


def known(program: Program, cell: CellId, value: int) -> None:
    """A figure published elsewhere (the home page): no longer an unknown of the program."""
    program.hidden.discard(cell)
    if cell in program.published:
        assert program.published[cell] == value, f"{cell}: two values"
    program.published[cell] = value


def _read_headline(program: Program, headline: Mapping[str, Any], prefix: str) -> None:
    """Each headline figure is the cell of a table it names: the same unknown, or the same
    published value (the amount is not a count: the attacker leaves it aside)."""
    for row in headline["rows"]:
        for measure in headline["measures"]:
            if measure["kind"] != "count":
                continue
            cell = (prefix + measure["family"], row["level"], row["code"] or "", measure["column"])
            value = row["values"][measure["key"]]
            if value == "x":
                assert cell in program.hidden, f"{cell} hidden in the headline only"
            else:
                known(program, cell, value)


def _read_table(program: Program, table: Mapping[str, Any], prefix: str) -> None:
    family = prefix + table["family"]
    counts = [c["key"] for c in table["columns"] if c["kind"] == "count"]
    rows = [*table["by_country"], *table["by_region"], table["total"]]

    def cell(row: Mapping[str, Any], column: str) -> CellId:
        return (family, row["level"], row["code"] or "", column)

    for row in rows:
        for column in counts:
            value = row["values"][column]
            key = cell(row, column)
            if value == "x":
                assert key not in program.published, (
                    f"{key} published in one table, hidden in another"
                )
                program.hidden.add(key)
            else:
                assert isinstance(value, int)
                if key in program.published:
                    assert program.published[key] == value, f"{key}: two values"
                program.published[key] = value
    for row in rows:
        for *members, total in table["row_sums"]:
            program.equations.append(([cell(row, m) for m in members], cell(row, total)))
        for small, large in table.get("at_most", []):
            program.at_most.append((cell(row, small), cell(row, large)))
    all_row = table["total"]
    for column in counts:
        program.equations.append(
            ([cell(r, column) for r in table["by_country"]], cell(all_row, column))
        )
        program.equations.append(
            ([cell(r, column) for r in table["by_region"]], cell(all_row, column))
        )
        for region in table["by_region"]:
            members = [
                cell(r, column) for r in table["by_country"] if r["region"] == region["code"]
            ]
            program.equations.append((members, cell(region, column)))


def attack(program: Program) -> dict[CellId, Finding]:
    """Tightest integer bounds of every hidden cell, from one program over all of them."""
    cells = sorted(program.hidden)
    if not cells:
        return {}
    index = {c: i for i, c in enumerate(cells)}
    with contextlib.redirect_stdout(io.StringIO()):
        solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    n = len(cells)
    solver.addVars(n, [float(program.floor(c)) for c in cells], [float(LIMIT)] * n)
    solver.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kInteger] * n)

    def add(terms: Iterable[tuple[CellId, float]], equal: bool) -> None:
        columns, coefficients, constant = [], [], 0.0
        for c, coefficient in terms:
            if c in index:
                columns.append(index[c])
                coefficients.append(coefficient)
            else:
                constant += coefficient * program.published.get(c, 0)
        if columns:
            lower = -constant if equal else -highspy.kHighsInf
            solver.addRow(lower, -constant, len(columns), columns, coefficients)
        else:
            assert (constant == 0) if equal else (constant <= 0), "published figures disagree"

    for members, total in program.equations:
        add([*((m, 1.0) for m in members), (total, -1.0)], equal=True)
    for small, large in program.at_most:
        add([(small, 1.0), (large, -1.0)], equal=False)
    findings = {}
    for c in cells:
        solver.changeColsCost(n, list(range(n)), [0.0] * n)
        solver.changeColCost(index[c], 1.0)
        bounds = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            solver.changeObjectiveSense(sense)
            solver.run()
            assert solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
            bounds.append(round(solver.getInfo().objective_function_value))
        findings[c] = Finding(c, bounds[0], None if bounds[1] >= LIMIT else bounds[1])
    return findings


def pinned(findings: Mapping[CellId, Finding]) -> list[Finding]:
    return [f for f in findings.values() if f.high is not None and f.low == f.high]


def narrowed(
    findings: Mapping[CellId, Finding], truth: Mapping[CellId, int], k: int, p: int
) -> list[Finding]:
    """Primary cells (true value 1 to k-1) whose interval misses [max(1, v-p), v+p]."""
    found = []
    for cell, finding in findings.items():
        value = truth[cell]
        if not 0 < value < k:
            continue
        low, high = max(1, value - p), value + p
        if finding.low > low or (finding.high is not None and finding.high < high):
            found.append(finding)
    return found
