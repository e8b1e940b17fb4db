"""The quarterly export counts categories and threats from copies of their case's country and
opening date (one index range scan, no join): every service that writes those rows sets them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.db import database_of
from hrd_cases.domain.vocabulary import ProfileCategory, ThreatType
from hrd_cases.models import Case, CaseProfileCategory, CaseThreat, Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow.corrections import correct_case
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue


def _mismatches(db: Session) -> list[tuple[str, str]]:
    found = []
    for model in (CaseProfileCategory, CaseThreat):
        rows = db.execute(
            select(
                Case.reference, model.country, model.opened_at, Case.country, Case.opened_at
            ).join(Case, Case.id == model.case_id)
        ).all()
        assert rows, f"no {model.__tablename__} rows to check"
        found += [
            (model.__tablename__, reference)
            for reference, country, opened, case_country, case_opened in rows
            if (country, opened) != (case_country, case_opened)
        ]
    return found


def test_open_and_update_copy_the_case_country_and_opening(db: Session, vault: RecordVault) -> None:
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = make_case(db, vault, delegation=kenya, actor=focal)
    make_case(db, vault, delegation=make_delegation(db, country="UG"))
    correct_case(
        db,
        vault,
        strategy_catalogue(),
        focal,
        case.reference,
        {
            "profile_categories": [ProfileCategory.WOMAN_HRD.value, ProfileCategory.LAWYER.value],
            "threats": [ThreatType.SURVEILLANCE.value],
        },
    )
    db.expire_all()
    assert _mismatches(db) == []
    assert db.scalar(select(CaseThreat.threat).where(CaseThreat.case_id == case.id)) is (
        ThreatType.SURVEILLANCE
    )


def test_the_demo_moves_the_copies_with_the_opening_dates_it_shifts(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with database_of(app).session() as session:
        assert _mismatches(session) == []
