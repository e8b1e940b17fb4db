"""The attacker's audit: the tightest integer bounds an outsider can put on each hidden cell.

The attacker knows every published figure, every equation linking them (row totals, region
rows, the all-countries row, tables sharing a total), the inequalities (decided within the
deadline <= decided), and a floor for each hidden cell (at least 1, or at least 0 where the
method may hide a zero: see ``suppression``). Each hidden cell's bounds are the minimum and the
maximum of an integer program, solved exactly by HiGHS (``highspy``). Hidden cells that share
no constraint cannot inform each other, so each connected group is solved on its own: small
programs, whatever the size of the table.

Protection: for a primary cell of true value v, the attacker's interval must contain
[max(1, v - p), v + p]; and no hidden cell may be pinned to a single value.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Generic, TypeVar

import highspy

C = TypeVar("C", bound=Hashable)
# Far above any count: a maximum at this ceiling means the attacker has no upper bound.
CEILING = 10**9
# A relaxation's value this close to an integer is that integer (the data are integers).
INTEGRAL = 1e-6
_OPTIMAL = highspy.HighsModelStatus.kOptimal


@dataclass(frozen=True, slots=True)
class Bounds:
    low: int
    high: int | None  # None: no upper bound

    @property
    def pinned(self) -> bool:
        return self.high is not None and self.low == self.high

    def covers(self, low: int, high: int) -> bool:
        return self.low <= low and (self.high is None or self.high >= high)


@dataclass(frozen=True, slots=True)
class Constraints(Generic[C]):
    """``equations``: members then the cell they sum to (last). ``at_most``: (small, large)."""

    equations: tuple[tuple[C, ...], ...]
    at_most: tuple[tuple[C, C], ...] = ()


def protection_interval(value: int, p: int) -> tuple[int, int]:
    return max(1, value - p), value + p


def attacker_bounds(
    values: Mapping[C, int],
    hidden: Iterable[C],
    constraints: Constraints[C],
    floors: Mapping[C, int],
    cache: dict[tuple[frozenset[C], frozenset[C]], dict[C, Bounds]] | None = None,
) -> dict[C, Bounds]:
    """Exact integer bounds of every hidden cell, given the published values of the others.
    ``cache``: a group's bounds depend only on its cells and their floors (the published cells
    of its constraints are fixed once the group is), so repeated audits reuse them."""
    hidden_set = set(hidden)
    groups = _groups(hidden_set, constraints)
    found: dict[C, Bounds] = {}
    for cells in groups:
        key = (frozenset(cells), frozenset(c for c in cells if floors.get(c, 1) == 0))
        if cache is not None and key in cache:
            found.update(cache[key])
            continue
        solved = _solve_group(cells, values, hidden_set, constraints, floors)
        if cache is not None:
            cache[key] = solved
        found.update(solved)
    return found


def failing_cells(
    values: Mapping[C, int],
    primary: Iterable[C],
    hidden: Iterable[C],
    constraints: Constraints[C],
    floors: Mapping[C, int],
    p: int,
    cache: dict[tuple[frozenset[C], frozenset[C]], list[C]] | None = None,
    only: AbstractSet[C] | None = None,
) -> list[C]:
    """The hidden cells the attacker narrows too far, by feasibility alone (faster than the
    exact bounds): a primary cell fails unless values at both ends of its protection interval
    are possible, any other hidden cell unless a value other than its own is.

    ``only``: test these hidden cells alone (the others are known to pass). Hiding one more
    cell or lowering a floor only adds solutions to the attacker's program, so a cell that
    passed keeps passing; the suppression loop re-tests only what failed or is newly hidden."""
    primary_set = set(primary)
    hidden_set = set(hidden)
    failing: list[C] = []
    for cells in _groups(hidden_set, constraints):
        if only is not None and not any(cell in only for cell in cells):
            continue
        key = (frozenset(cells), frozenset(c for c in cells if floors.get(c, 1) == 0))
        if cache is not None and only is None and key in cache:
            failing.extend(cache[key])
            continue
        model, index = _group_model(cells, values, hidden_set, constraints, floors)
        relaxed, _ = _group_model(cells, values, hidden_set, constraints, floors, integer=False)
        # Any solution found answers every question it happens to answer: start with the
        # truth, the smallest and the largest sums, then keep each one a question produced.
        solutions = [[float(values[c]) for c in cells]]
        count = len(cells)
        model.changeColsCost(count, list(range(count)), [1.0] * count)
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            model.changeObjectiveSense(sense)
            model.run()
            if model.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                solutions.append(list(model.getSolution().col_value))
        model.changeColsCost(count, list(range(count)), [0.0] * count)
        pair = (model, relaxed)
        found = []
        for cell in cells:
            if only is not None and cell not in only:
                continue
            value = values[cell]
            tests: list[tuple[tuple[float, float], ...]]
            if cell in primary_set:
                low, high = protection_interval(value, p)
                tests = [((float(low), float(low)),), ((float(high), float(high)),)]
            else:
                tests = [((float(value + 1), float(CEILING)), (0.0, float(value - 1)))]
            for alternatives in tests:
                if not any(
                    _seen(solutions, index[cell], bounds)
                    or _possible(pair, index[cell], bounds, floors.get(cell, 1), solutions)
                    for bounds in alternatives
                ):
                    found.append(cell)
                    break
        if cache is not None and only is None:
            cache[key] = found
        failing.extend(found)
    order = {cell: position for position, cell in enumerate(values)}
    return sorted(failing, key=order.__getitem__)


def _seen(solutions: list[list[float]], position: int, bounds: tuple[float, float]) -> bool:
    return any(bounds[0] - 0.5 < s[position] < bounds[1] + 0.5 for s in solutions)


def _possible(
    pair, position: int, bounds: tuple[float, float], floor: int, solutions: list[list[float]]
) -> bool:
    """Whether an integer solution has the cell at ``position`` within ``bounds``. The linear
    relaxation answers first, exactly, in two cases: it has no solution (then no integer one
    exists), or the vertex the simplex method returns is integral (an integer solution). The
    tables' equations are totally unimodular for most families, so their vertices are
    integral and the integer program is only solved for the rest."""
    model, relaxed = pair
    low, high = max(bounds[0], float(floor)), bounds[1]
    if low > high:
        return False
    relaxed.changeColBounds(position, low, high)
    relaxed.run()
    status = relaxed.getModelStatus()
    found = list(relaxed.getSolution().col_value) if status == _OPTIMAL else []
    relaxed.changeColBounds(position, float(floor), float(CEILING))
    if status == highspy.HighsModelStatus.kInfeasible:
        return False
    if found and all(abs(value - round(value)) < INTEGRAL for value in found):
        solutions.append([float(round(value)) for value in found])
        return True
    model.changeColBounds(position, low, high)
    model.run()
    feasible = model.getModelStatus() == highspy.HighsModelStatus.kOptimal
    if feasible:
        solutions.append(list(model.getSolution().col_value))
    model.changeColBounds(position, float(floor), float(CEILING))
    return feasible


def failures(
    values: Mapping[C, int],
    primary: Iterable[C],
    bounds: Mapping[C, Bounds],
    p: int,
) -> list[C]:
    """The hidden cells the attacker narrows too far, in the order of ``values``."""
    primary_set = set(primary)
    failing = []
    for cell in values:
        if cell not in bounds:
            continue
        found = bounds[cell]
        if found.pinned or (
            cell in primary_set and not found.covers(*protection_interval(values[cell], p))
        ):
            failing.append(cell)
    return failing


def _groups(hidden: set[C], constraints: Constraints[C]) -> list[list[C]]:
    parent: dict[C, C] = {cell: cell for cell in hidden}

    def root(cell: C) -> C:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for members in (*constraints.equations, *constraints.at_most):
        linked = [cell for cell in members if cell in hidden]
        for other in linked[1:]:
            parent[root(other)] = root(linked[0])
    grouped: dict[C, list[C]] = {}
    for cell in hidden:
        grouped.setdefault(root(cell), []).append(cell)
    return list(grouped.values())


def _solve_group(
    cells: Sequence[C],
    values: Mapping[C, int],
    hidden: set[C],
    constraints: Constraints[C],
    floors: Mapping[C, int],
) -> dict[C, Bounds]:
    model, index = _group_model(cells, values, hidden, constraints, floors)
    count = len(cells)
    found: dict[C, Bounds] = {}
    for cell in cells:
        position = index[cell]
        model.changeColsCost(count, list(range(count)), [0.0] * count)
        model.changeColCost(position, 1.0)
        low = _optimum(model, highspy.ObjSense.kMinimize)
        high = _optimum(model, highspy.ObjSense.kMaximize)
        found[cell] = Bounds(low, None if high >= CEILING else high)
    return found


def _group_model(
    cells: Sequence[C],
    values: Mapping[C, int],
    hidden: set[C],
    constraints: Constraints[C],
    floors: Mapping[C, int],
    *,
    integer: bool = True,
):
    index = {cell: position for position, cell in enumerate(cells)}
    with contextlib.redirect_stdout(io.StringIO()):  # the solver's banner is not our output
        model = highspy.Highs()
    model.setOptionValue("output_flag", False)
    model.setOptionValue("mip_rel_gap", 0.0)
    # Small programs solved many times over: threads and presolve cost more than they save.
    model.setOptionValue("threads", 1)
    model.setOptionValue("presolve", "off")
    count = len(cells)
    model.addVars(count, [float(floors.get(c, 1)) for c in cells], [float(CEILING)] * count)
    if integer:
        model.changeColsIntegrality(
            count,
            list(range(count)),
            # The stub asks for a uint8 array; highspy converts the list of enum values.
            [highspy.HighsVarType.kInteger] * count,  # type: ignore[arg-type]
        )
    for *members, total in constraints.equations:
        terms = [(cell, 1.0) for cell in members] + [(total, -1.0)]
        _add_row(model, terms, index, hidden, values, equal=True)
    for small, large in constraints.at_most:
        _add_row(model, [(small, 1.0), (large, -1.0)], index, hidden, values, equal=False)
    return model, index


def _add_row(model, terms, index, hidden, values, *, equal: bool) -> None:
    """sum(coefficient * cell) = 0 (or <= 0), published cells moved to the right-hand side."""
    columns: list[int] = []
    coefficients: list[float] = []
    constant = 0.0
    for cell, coefficient in terms:
        if cell in index:
            columns.append(index[cell])
            coefficients.append(coefficient)
        elif cell in hidden:
            return  # belongs to another group: never shares a constraint with this one
        else:
            constant += coefficient * values[cell]
    if not columns:
        return
    lower = -constant if equal else -highspy.kHighsInf
    model.addRow(lower, -constant, len(columns), columns, coefficients)


def _optimum(model, sense) -> int:
    model.changeObjectiveSense(sense)
    model.run()
    status = model.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        # The published figures are the true ones, so the program always has a solution.
        raise RuntimeError(
            f"disclosure audit: solver ended with {model.modelStatusToString(status)}"
        )
    return round(model.getInfo().objective_function_value)
