"""Issue 16, item 9: home pages as task lists. The focal point sees what needs them apart
from what waits on others (who may decide, since when), what was decided lately with its
reasons, and the stage "protection: awaiting decision"; the officer's queue shows the risk
level and sorts by deadline, waiting time and risk. Deadlines show in the viewer's zone."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism, RiskLevel, consent_scope_for
from hrd_cases.models import Hearing, Referral, Role
from hrd_cases.reads.lists import QueueOrder, TaskKind, approval_queue, focal_point_home
from hrd_cases.records import RecordVault
from hrd_cases.workflow import case_steps, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from tests.support.access import fresh, sign_in
from tests.support.factories import make_case, make_user, strategy_catalogue
from tests.support.notify import PUBLIC, World

REASON = "Zq the grant duplicates UN support"


def _section(page: str, title_id: str) -> str:
    return page.split(f'id="{title_id}"')[1].split("</section>")[0]


def test_the_focal_point_home_separates_what_needs_them_from_what_waits_on_others(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    world = World(db, vault)
    catalogue = strategy_catalogue()
    focal, officers = world.focal, world.officers
    # Needs them: a draft referral on a case whose hearing date has passed unrecorded.
    referrals.create_referral(
        db,
        vault,
        catalogue,
        focal,
        world.ref,
        ReferralInput(Mechanism.EU_HRD_MECHANISM, [AssistanceType.LEGAL]),
        submit=False,
    )
    hearing = world.schedule()
    db.execute(
        update(Hearing)
        .where(Hearing.id == hearing.id)
        .values(scheduled_for=utcnow() - timedelta(days=2))
    )
    # Waiting on others: a referral requested 10 hours ago, one officer has approved.
    waiting_case = make_case(
        db, vault, delegation=world.delegation, actor=focal, risk_level=RiskLevel.CRITICAL
    )
    pending = referrals.create_referral(
        db,
        vault,
        catalogue,
        focal,
        waiting_case.reference,
        ReferralInput(Mechanism.EU_HRD_MECHANISM, [AssistanceType.LEGAL]),
    )
    referrals.decide_referral(db, officers[0], pending.id, approve=True, vault=vault)
    since = utcnow() - timedelta(hours=10)
    db.execute(update(Referral).where(Referral.id == pending.id).values(requested_at=since))
    # Recently decided: a statement rejected with its reason.
    decided_case = make_case(db, vault, delegation=world.delegation, actor=focal)
    world.ref = decided_case.reference
    world.consent(consent_scope_for(PUBLIC))
    statement = world.draft()
    statements.submit_statement(db, focal, statement.id)
    statements.decide_statement(
        db, officers[1], statement.id, approve=False, reason=REASON, vault=vault
    )
    # Another focal point's case is not on this home.
    colleague = make_user(db, Role.FOCAL_POINT, delegation=world.delegation)
    theirs = make_case(db, vault, delegation=world.delegation, actor=colleague)
    db.commit()

    home = focal_point_home(fresh(db), vault, catalogue, focal)
    kinds = {(t.case.reference, t.kind) for t in home.needs_you}
    assert (world.case.reference, TaskKind.DRAFT_REFERRAL) in kinds
    assert (world.case.reference, TaskKind.HEARING_TO_REPORT) in kinds
    assert not any(t.case.reference == waiting_case.reference for t in home.needs_you)
    assert [w.case.reference for w in home.waiting] == [waiting_case.reference]
    item = home.waiting[0]
    assert item.approvals == 1 and [o.id for o in item.approved_by] == [officers[0].id]
    assert {o.id for o in item.may_decide} == {officers[1].id, officers[2].id}
    assert [(d.case.reference, d.approve) for d in home.decided] == [
        (decided_case.reference, False)
    ]  # the referral approved by one officer of two is still waiting, not decided
    (vote,) = home.decided[0].reasons
    assert (vote.officer_id, vote.approve, vote.reason) == (officers[1].id, False, REASON)
    assert vote.officer is not None and vote.officer.id == officers[1].id
    every = [r.case.reference for rows in home.by_stage.values() for r in rows]
    assert theirs.reference not in every

    page = sign_in(app, focal.email).get("/").get_data(as_text=True)
    needs, waiting = _section(page, "needs-title"), _section(page, "waiting-title")
    assert world.case.reference in needs and waiting_case.reference not in needs
    assert "Hearing date passed" in needs and "Draft referral" in needs
    assert waiting_case.reference in waiting and officers[0].display_name in waiting
    assert officers[2].display_name in waiting and "1 of" in waiting
    assert "Nairobi (EAT, UTC+3)" in waiting  # since when, in the viewer's delegation zone
    decided = _section(page, "decided-title")
    assert REASON in decided and "rejected" in decided
    stages = _section(page, "stages-title")
    assert "protection: awaiting decision" in stages
    assert theirs.reference not in page
    # Once reassigned to them, the colleague's home lists it and this one no longer does.
    case_steps.reassign_case(db, focal, waiting_case.reference, colleague.id)
    assert waiting_case.reference in sign_in(app, colleague.email).get("/").get_data(as_text=True)
    assert waiting_case.reference not in sign_in(app, focal.email).get("/").get_data(as_text=True)


def test_the_officer_queue_shows_risk_and_sorts_by_deadline_waiting_and_risk(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    world = World(db, vault)
    officer = world.officers[0]
    cases = {
        risk: make_case(db, vault, delegation=world.delegation, actor=world.focal, risk_level=risk)
        for risk in (RiskLevel.LOW, RiskLevel.CRITICAL, RiskLevel.MEDIUM)
    }
    hours_ago = {RiskLevel.LOW: 30, RiskLevel.CRITICAL: 2, RiskLevel.MEDIUM: 10}
    for risk, case in cases.items():
        referral = referrals.create_referral(
            db,
            vault,
            strategy_catalogue(),
            world.focal,
            case.reference,
            ReferralInput(Mechanism.EU_HRD_MECHANISM, [AssistanceType.LEGAL]),
        )
        db.execute(
            update(Referral)
            .where(Referral.id == referral.id)
            .values(requested_at=utcnow() - timedelta(hours=hours_ago[risk]))
        )
    db.commit()
    low, critical, medium = (cases[r].reference for r in cases)

    def order(by: QueueOrder) -> list[str]:
        return [
            i.case.reference
            for i in approval_queue(fresh(db), strategy_catalogue(), officer, order=by)
        ]

    assert order(QueueOrder.WAITING) == [low, medium, critical]
    assert order(QueueOrder.DEADLINE) == [low, medium, critical]  # same template, same hours
    assert order(QueueOrder.RISK) == [critical, medium, low]
    browser = sign_in(app, officer.email)
    page = browser.get("/?sort=risk").get_data(as_text=True)
    positions = [page.index(f">{ref}<") for ref in (critical, medium, low)]
    assert positions == sorted(positions)
    assert 'class="tag risk-critical">critical<' in page
    assert "Test Defender" in page  # who is who, for an officer covering the country
    default = browser.get("/?sort=nonsense").get_data(as_text=True)
    positions = [default.index(f">{ref}<") for ref in (low, medium, critical)]
    assert positions == sorted(positions)
