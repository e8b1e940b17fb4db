"""Acceptance 1: an attacker who reads only the published JSON cannot narrow a suppressed
count inside its protection interval, nor pin any suppressed cell to one value.

Against the suppression before issue 14 (no equation with exactly one hidden cell), this
attacker pinned 33 of the 268 hidden count cells of the demo data exactly, and narrowed 20
more to [1, 2] (2026Q4, k = 5)."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from hrd_cases.exports.definitions import FAMILY_COLUMNS
from hrd_cases.exports.quarter import Quarter, export_window
from hrd_cases.exports.queries import RawFigures
from hrd_cases.exports.render_json import render_json
from hrd_cases.exports.report import QuarterlyReport, build_report
from hrd_cases.exports.service import compute_report
from tests.exports.attacker import CellId, attack, narrowed, pinned, program_from_json
from tests.support.exports import this_quarter, today
from tests.support.factories import strategy_catalogue


def truth(report: QuarterlyReport, prefix: str = "") -> dict[CellId, int]:
    """The true counts, keyed as the attacker keys the JSON's cells."""
    found = {}
    for family, (_, protected) in report.protected.items():
        for ((level, code), column), value in protected.values.items():
            found[(prefix + family, level, code, column)] = value
    return found


def assert_attacker_fails(report: QuarterlyReport) -> None:
    document = json.loads(render_json(report))
    findings = attack(program_from_json(document))
    primaries = [c for c, v in truth(report).items() if 0 < v < report.k]
    assert set(primaries) <= set(findings), "a small count is published"
    assert pinned(findings) == []
    assert narrowed(findings, truth(report), report.k, report.p) == []


def test_attacker_on_the_demo_data(app: Flask, db: Session, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    for k, p in ((5, 2),):
        report = compute_report(
            db, quarter=this_quarter(), as_of=today(), k=k, p=p, catalogue=strategy_catalogue()
        )
        assert_attacker_fails(report)


def test_attacker_with_the_home_page_counts_on_the_demo_release(
    app: Flask, db: Session, runner: FlaskCliRunner
) -> None:
    """The attacker also reads the analyst's home page: for a released quarter it shows the
    release's own figure for cases opened (all countries), so the program gains nothing, and
    a figure withheld by the release is withheld on the page too."""
    import re

    from hrd_cases.exports.releases import download_release, releasable_from, release_quarter
    from hrd_cases.models import Role
    from tests.support.access import sign_in
    from tests.support.factories import make_user

    assert runner.invoke(args=["demo"]).exit_code == 0
    quarter = this_quarter()
    release_quarter(
        db,
        quarter,
        actor=None,
        via="cli",
        catalogue=strategy_catalogue(),
        k=5,
        p=2,
        lag_days=30,
        today=releasable_from(quarter, 30),
    )
    document = json.loads(download_release(db, quarter, "json", actor=None, via="cli").body)
    page = sign_in(app, make_user(db, Role.ANALYST).email).get("/").get_data(as_text=True)
    label = f"{quarter.year}-Q{quarter.number}"
    shown = re.search(rf"<tr><td>{label}</td><td>([^<]*)</td>\s*<td>released", page)
    assert shown is not None, "the released quarter is marked as such on the home page"
    headline_total = next(r for r in document["headline"]["rows"] if r["level"] == "all")
    published = headline_total["values"]["cases_opened"]
    assert shown.group(1) == ("suppressed" if published == "x" else str(published))
    # The attacker's program with the page's figure added as known, whatever it shows.
    cases_opened = None if shown.group(1) == "suppressed" else int(shown.group(1))
    findings = attack(program_from_json(document, cases_opened=cases_opened))
    # The demo's events all lie before today: the whole quarter's figures are today's.
    report = compute_report(
        db, quarter=quarter, as_of=today(), k=5, p=2, catalogue=strategy_catalogue()
    )
    assert render_json(report).count(b'"x"') == json.dumps(document).count('"x"')
    assert pinned(findings) == []
    assert narrowed(findings, truth(report), 5, 2) == []
    assert any(c[0] == "registrations" for c in findings), "the headline's family is audited"


# Skewed data: many counts from 1 to 4, single-country regions, columns where the total equals
# the number of hidden cells, and a quarter with a single case.
SINGLE_COUNTRY_REGIONS = ("AU", "US", "TR")  # alone in their EEAS divisions here
MANY_IN_ONE_REGION = ("KE", "UG", "TZ", "NG", "SN")  # Africa
SMALL = st.integers(1, 4)


@st.composite
def skewed_figures(draw) -> RawFigures:  # type: ignore[no-untyped-def]
    raw = RawFigures()
    if draw(st.booleans()) and draw(st.booleans()):
        # A quarter with a single case: one profile, one threat.
        country = draw(st.sampled_from((*SINGLE_COUNTRY_REGIONS, *MANY_IN_ONE_REGION)))
        raw.counts["profiles"] = {(country, draw(st.sampled_from(FAMILY_COLUMNS["profiles"]))): 1}
        raw.counts["threats"] = {(country, draw(st.sampled_from(FAMILY_COLUMNS["threats"]))): 1}
        return raw
    countries = draw(
        st.lists(
            st.sampled_from((*SINGLE_COUNTRY_REGIONS, *MANY_IN_ONE_REGION)),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    for family in ("profiles", "statements", "deliveries", "decisions", "registrations"):
        columns = FAMILY_COLUMNS[family]
        used = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=3, unique=True))
        ones = draw(st.booleans())  # every cell 1: totals equal to the number of cells
        counts = {}
        for country in countries:
            for column in used:
                value = 1 if ones else draw(SMALL | st.integers(0, 12))
                if value:
                    counts[(country, column)] = value
        if family == "decisions":
            # approved + rejected = within + after: keep the two partitions consistent.
            counts = {key: n for key, n in counts.items() if key[1] in ("approved", "rejected")}
            for country in countries:
                decided = sum(n for (c, _), n in counts.items() if c == country)
                within = draw(st.integers(0, decided))
                for column, n in (
                    ("within_deadline", within),
                    ("after_deadline", decided - within),
                ):
                    if n:
                        counts[(country, column)] = n
        if family == "registrations":
            # The women among the defenders registered are some of them.
            for country in countries:
                women = counts.get((country, "women_defenders"), 0)
                defenders = counts.get((country, "defenders_registered"), 0)
                if women > defenders:
                    counts[(country, "defenders_registered")] = women
        raw.counts[family] = counts
    return raw


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(skewed_figures(), st.sampled_from(((5, 2), (3, 1), (4, 3))))
def test_attacker_on_skewed_data(raw: RawFigures, k_and_p: tuple[int, int]) -> None:
    k, p = k_and_p
    quarter = Quarter(2026, 3)
    window = export_window(quarter, quarter.last_day)
    report = build_report(raw, quarter=quarter, as_of=quarter.last_day, window=window, k=k, p=p)
    assert_attacker_fails(report)
