"""Acceptance 1: an attacker who reads only the published JSON cannot narrow a suppressed
count inside its protection interval, nor pin any suppressed cell to one value.

Against the suppression before issue 14 (no equation with exactly one hidden cell), this
attacker pinned 33 of the 268 hidden count cells of the demo data exactly, and narrowed 20
more to [1, 2] (2026Q4, k = 5)."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from hrd_cases.exports.render_json import render_json
from hrd_cases.exports.report import QuarterlyReport
from hrd_cases.exports.service import compute_report
from tests.exports._support import this_quarter, today
from tests.exports.attacker import CellId, attack, narrowed, pinned, program_from_json
from tests.factories import strategy_catalogue


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
    assert findings, "nothing suppressed: the test would prove nothing"
    assert pinned(findings) == []
    assert narrowed(findings, truth(report), report.k, report.p) == []


def test_attacker_on_the_demo_data(
    app: Flask, db: Session, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    for k, p in ((5, 2),):
        report = compute_report(
            db, quarter=this_quarter(), as_of=today(), k=k, p=p, catalogue=strategy_catalogue()
        )
        assert_attacker_fails(report)
