"""Deadlines from the template, the overdue list, and the demo built through the services."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.db import database_of, utcnow
from hrd_cases.domain.states import Stage
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism, RiskLevel
from hrd_cases.models import Case, Referral, Role, TimelineEvent, User
from hrd_cases.workflow.case_steps import case_stage
from hrd_cases.workflow.deadlines import DeadlineKind, case_deadlines, overdue_for
from hrd_cases.workflow.referrals import ReferralInput, create_referral, decide_referral
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue


def _age(db: Session, case: Case, hours: float) -> None:
    db.execute(
        update(Case).where(Case.id == case.id).values(opened_at=utcnow() - timedelta(hours=hours))
    )
    db.commit()
    db.expire_all()


def test_critical_case_must_be_referred_within_the_template_hours(db, vault) -> None:
    colombia = make_delegation(db, country="CO")  # Colombia: critical within 12 hours
    focal = make_user(db, Role.FOCAL_POINT, delegation=colombia)
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("CO",))
    case = make_case(db, vault, delegation=colombia, actor=focal, risk_level=RiskLevel.CRITICAL)
    [due] = case_deadlines(strategy_catalogue(), case)
    assert due.kind is DeadlineKind.REFERRAL_DUE
    assert timedelta(hours=11, minutes=59) < due.due_at - case.opened_at <= timedelta(hours=12)
    assert overdue_for(db, strategy_catalogue(), officer) == []
    _age(db, case, 13)
    assert [d.case_reference for d in overdue_for(db, strategy_catalogue(), officer)] == [
        case.reference
    ]
    # The focal point of another delegation sees nothing of it.
    stranger = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="CO"))
    assert overdue_for(db, strategy_catalogue(), stranger) == []


def test_low_risk_has_no_referral_deadline_where_the_template_says_so(db, vault) -> None:
    kenya = make_delegation(db, country="KE")
    case = make_case(db, vault, delegation=kenya, risk_level=RiskLevel.LOW)
    assert case_deadlines(strategy_catalogue(), case) == []


def test_requested_referral_must_be_decided_in_time_and_list_is_most_overdue_first(
    db,
    vault,
) -> None:
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    old = make_case(db, vault, delegation=kenya, actor=focal, risk_level=RiskLevel.CRITICAL)
    _age(db, old, 100)
    recent = make_case(db, vault, delegation=kenya, actor=focal)
    referral = create_referral(
        db,
        vault,
        strategy_catalogue(),
        focal,
        recent.reference,
        ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,)),
    )
    db.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(requested_at=utcnow() - timedelta(hours=49))
    )  # Kenya v2: 48 hours
    db.commit()
    items = overdue_for(db, strategy_catalogue(), officer)
    assert [(d.kind, d.case_reference) for d in items] == [
        (DeadlineKind.REFERRAL_DUE, old.reference),
        (DeadlineKind.REFERRAL_DECISION, recent.reference),
    ]
    other = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    decide_referral(db, officer, referral.id, approve=True)
    decide_referral(db, other, referral.id, approve=True)
    assert [d.case_reference for d in overdue_for(db, strategy_catalogue(), officer)] == [
        old.reference
    ]


def test_demo_builds_every_stage_with_timelines_and_a_valid_audit_chain(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with database_of(app).session() as session:
        cases = session.scalars(select(Case)).all()
        countries = {c.country for c in cases}
        assert {"AF", "NP", "TR", "CN", "IN", "KE", "CO", "UG"} <= countries
        stages = {(c.country, case_stage(c)) for c in cases}
        for country in countries:
            assert {
                (country, s)
                for s in (
                    Stage.INTAKE,
                    Stage.ASSESSMENT,
                    Stage.PROTECTION,
                    Stage.ADVOCACY,
                    Stage.CLOSED,
                )
            } <= stages, country
        assert ("TR", Stage.MONITORING) in stages and ("AF", Stage.MONITORING) not in stages
        officer = session.scalar(select(User).where(User.email == "officer.one@demo.hrd-cases.eu"))
        assert len(overdue_for(session, strategy_catalogue(), officer)) >= 8
        # A finished case's timeline lists every step in order, with actor and time.
        closed = next(c for c in cases if case_stage(c) is Stage.CLOSED and c.country == "TR")
        events = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.case_id == closed.id)
            .order_by(TimelineEvent.id)
        ).all()
        assert [e.kind for e in events][:3] == ["case.opened", "case.assessed", "referral.drafted"]
        assert events[-1].kind == "case.closed"
        assert all(e.at is not None for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(
            e.actor_id is not None for e in events if not e.kind.endswith(("approved", "rejected"))
        )
        assert audit.verify_chain(session)[1] is None
    again = runner.invoke(args=["demo"])
    assert "0 delegations, 0 accounts and 0 cases created" in again.output
    with database_of(app).session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == len(cases)


def test_deadlines_command(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["deadlines", "--user", "focal.kenya@demo.hrd-cases.eu"])
    assert result.exit_code == 0, result.output
    assert "overdue item(s)" in result.output and "KE-2026-" in result.output
    assert "NP-2026-" not in result.output  # another delegation's cases
    unknown = runner.invoke(args=["deadlines", "--user", "nobody@example.org"])
    assert unknown.exit_code != 0


def test_referral_clock_restarts_when_the_risk_is_reassessed(db, vault) -> None:
    from hrd_cases.workflow.case_steps import assess_case

    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = make_case(db, vault, delegation=kenya, actor=focal, risk_level=RiskLevel.LOW)
    _age(db, case, 24 * 8)
    assess_case(db, focal, case.reference, RiskLevel.CRITICAL)  # raised on day 8
    [due] = case_deadlines(strategy_catalogue(), db.get(Case, case.id))
    assert due.due_at > utcnow() + timedelta(hours=23)  # a real 24-hour window, not overdue
