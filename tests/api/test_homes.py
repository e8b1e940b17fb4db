"""The homes on the API (issue 16, item 9, both faces): the officer's queue sorted by waiting
time, deadline and risk with each case's risk level and defender; the focal point's task
list with what needs them, what waits on others and what was decided with reasons. The same
reads as the pages; other roles are refused."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism, RiskLevel
from hrd_cases.models import Referral, Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow import referrals
from hrd_cases.workflow.referrals import ReferralInput
from tests.support.api import Api, data_of, errors_of, token_for
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

REASON = "Zq covered by the UN fund already"


def test_queue_and_task_list(app: Flask, db: Session, vault: RecordVault) -> None:
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    olu, oda = (make_user(db, Role.PROTECTION_OFFICER, countries=("KE",)) for _ in range(2))
    grant = ReferralInput(Mechanism.EU_HRD_MECHANISM, [AssistanceType.LEGAL], amount_eur=2500)
    refs = {}
    for risk, hours in ((RiskLevel.LOW, 30), (RiskLevel.CRITICAL, 3)):
        case = make_case(
            db,
            vault,
            delegation=kenya,
            actor=focal,
            risk_level=risk,
            defender={"name": f"Zq {risk}"},
        )
        referral = referrals.create_referral(
            db, vault, strategy_catalogue(), focal, case.reference, grant
        )
        db.execute(
            update(Referral)
            .where(Referral.id == referral.id)
            .values(requested_at=utcnow() - timedelta(hours=hours))
        )
        refs[risk] = (case.reference, referral.id)
    db.commit()
    referrals.decide_referral(
        db, oda, refs[RiskLevel.LOW][1], approve=False, reason=REASON, vault=vault
    )

    officer = Api(app.test_client(), token_for(db, olu))
    queue = data_of(officer.get("/approval-queue?sort=risk"))
    assert [i["case"]["reference"] for i in queue] == [refs[RiskLevel.CRITICAL][0]]
    item = queue[0]
    assert item["case"] == {
        "reference": refs[RiskLevel.CRITICAL][0],
        "risk_level": "critical",
        "defender_name": "Zq critical",
    }
    assert item["amount_eur"] == 2500 and item["approvals"] == 0 and not item["mine"]
    errors_of(officer.get("/approval-queue?sort=size"), 422)

    mine = Api(app.test_client(), token_for(db, focal))
    tasks = data_of(mine.get("/tasks"))
    assert [w["case"]["reference"] for w in tasks["waiting"]] == [refs[RiskLevel.CRITICAL][0]]
    assert {u["id"] for u in tasks["waiting"][0]["may_decide"]} == {olu.id, oda.id}
    (decided,) = tasks["decided"]
    assert decided["case"]["reference"] == refs[RiskLevel.LOW][0] and decided["approve"] is False
    assert decided["reasons"] == [
        {
            "officer": {"id": oda.id, "display_name": oda.display_name},
            "approve": False,
            "reason": REASON,
        }
    ]
    assert tasks["unassigned"] == 0

    errors_of(mine.get("/approval-queue"), 403)
    errors_of(officer.get("/tasks"), 403)
    for role in (Role.ANALYST, Role.ADMIN):
        other = Api(app.test_client(), token_for(db, make_user(db, role)))
        errors_of(other.get("/approval-queue"), 403)
        errors_of(other.get("/tasks"), 403)
    stranger = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="KE"))
    elsewhere = Api(app.test_client(), token_for(db, stranger))
    assert data_of(elsewhere.get("/tasks")) == {
        "needs_you": [],
        "waiting": [],
        "decided": [],
        "unassigned": 0,
    }
    uganda = Api(
        app.test_client(), token_for(db, make_user(db, Role.PROTECTION_OFFICER, countries=("UG",)))
    )
    assert data_of(uganda.get("/approval-queue")) == []
