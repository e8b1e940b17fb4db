"""Issue 16, item 9 in Chromium: the focal point's home as a task list, with JavaScript off.
What needs them (overdue first), what waits on officers (who, since when), what was decided
with its reasons, their cases by stage with who is who; screenshotted as
docs/screenshots/focal-point-home.png and checked with axe-core (no violation at all)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    Mechanism,
    RiskLevel,
    StatementLevel,
    consent_scope_for,
)
from hrd_cases.models import Case, Hearing, Referral, Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow import consent, hearings, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from tests.browser.conftest import PageProblems
from tests.browser.test_journey import Journey
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

REJECTION = "The statement names the village: rewrite it without the location."
APPROVAL = "Approved for the lawyer's fees; the phone comes from the digital fund."


def test_the_focal_point_sees_what_to_do_next(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    catalogue = strategy_catalogue()
    kenya = make_delegation(db, code="EU-KE", name="EU Delegation to Kenya", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    olu, oda, obi = (
        make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name=name)
        for name in ("Olu Officer", "Oda Officer", "Obi Officer")
    )

    def case(name: str, risk: RiskLevel, days_old: float = 0) -> Case:
        opened = make_case(
            db, vault, delegation=kenya, actor=focal, defender={"name": name}, risk_level=risk
        )
        if days_old:
            db.execute(
                update(Case)
                .where(Case.id == opened.id)
                .values(opened_at=utcnow() - timedelta(days=days_old))
            )
            db.commit()
        return opened

    grant = ReferralInput(
        Mechanism.EU_EMERGENCY_FUND, [AssistanceType.LEGAL], amount_eur=3000, justification="Fees."
    )
    # Needs her: a critical case unreferred for two days (the template says 24 hours) ...
    late = case("Amani Wanjiru", RiskLevel.CRITICAL, days_old=2)
    # ... a hearing whose date passed unrecorded, and a draft referral to finish.
    heard = case("Baraka Odhiambo", RiskLevel.HIGH, days_old=20)
    hearing = hearings.schedule_hearing(
        db,
        vault,
        catalogue,
        focal,
        heard.reference,
        scheduled_for=utcnow() + timedelta(days=3),
        court="Milimani Law Courts",
    )
    db.execute(
        update(Hearing)
        .where(Hearing.id == hearing.id)
        .values(scheduled_for=utcnow() - timedelta(days=2))
    )
    db.commit()
    drafted = case("Chausiku Mwangi", RiskLevel.MEDIUM, days_old=3)
    referrals.create_referral(db, vault, catalogue, focal, drafted.reference, grant, submit=False)
    # Waiting on officers: a referral requested 30 hours ago, approved by one of two.
    waiting = case("Dalmas Kiprono", RiskLevel.HIGH, days_old=4)
    pending = referrals.create_referral(db, vault, catalogue, focal, waiting.reference, grant)
    referrals.decide_referral(db, olu, pending.id, approve=True, vault=vault)
    db.execute(
        update(Referral)
        .where(Referral.id == pending.id)
        .values(requested_at=utcnow() - timedelta(hours=30))
    )
    db.commit()
    # Decided: a statement rejected with its reason, a referral approved with one.
    spoken = case("Esther Njeri", RiskLevel.MEDIUM, days_old=6)
    level = StatementLevel.LOCAL_EU_STATEMENT
    consent.record_consent(
        db,
        vault,
        focal,
        spoken.reference,
        scopes=[consent_scope_for(level)],
        given_on=utcnow() - timedelta(days=1),
    )
    statement = statements.draft_statement(
        db, vault, catalogue, focal, spoken.reference, level=level, text="The EU is concerned."
    )
    statements.submit_statement(db, focal, statement.id)
    statements.decide_statement(db, oda, statement.id, approve=False, reason=REJECTION, vault=vault)
    funded = case("Faith Achieng", RiskLevel.HIGH, days_old=8)
    approved = referrals.create_referral(db, vault, catalogue, focal, funded.reference, grant)
    for officer in (oda, obi):
        referrals.decide_referral(
            db, officer, approved.id, approve=True, reason=APPROVAL, vault=vault
        )

    journey = Journey(live_server, playwright_browser, vault, problems)
    page = journey.sign_in(focal, javascript=False)
    needs = page.locator("table.tasks").first.inner_text()
    assert needs.index(late.reference) < needs.index(drafted.reference)  # overdue first
    assert "Hearing date passed" in needs and heard.reference in needs
    assert "Amani Wanjiru" in needs and "overdue since" in needs
    waiting_on = page.locator("table.tasks").nth(1).inner_text()
    assert waiting.reference in waiting_on and "Olu Officer" in waiting_on
    assert "Oda Officer" in waiting_on and "Nairobi (EAT, UTC+3)" in waiting_on
    decided = page.locator("ul.decided").inner_text()
    assert REJECTION in decided and APPROVAL in decided
    stages = page.locator("section", has=page.locator("#stages-title")).inner_text()
    assert "protection: awaiting decision" in stages
    assert "Amani" not in page.title() and "Amani" not in page.url
    journey.shot(page, "focal-point-home")
    assert problems.messages == []
    assert journey.axe == {"focal-point-home": []}  # axe-core: no violation at all
