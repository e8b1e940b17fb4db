"""Issue 16, item 10: lists people can read. The primary defender's name is shown to readers
in scope only (focal points of the delegation, officers covering the country), decrypted with
one data-key unwrap per case; lists sort by opened date, risk and deadline and filter by stage
and risk, on the page and the API alike (the same read)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism, RiskLevel
from hrd_cases.models import AuditEntry, Case, Delegation, Role, User
from hrd_cases.reads.lists import CaseFilters, CaseOrder, list_cases, primary_names
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import ErasureReason, erase_defender
from hrd_cases.workflow import referrals
from hrd_cases.workflow.referrals import ReferralInput
from tests.support.access import fresh, sign_in
from tests.support.api import Api, data_of, errors_of, token_for
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

NAMES = ("Zq Amani Lowrisk", "Zq Baraka Critical", "Zq Chausiku Medium")


Listed = tuple[Delegation, User, list[Case]]


@pytest.fixture
def listed(db: Session, vault: RecordVault) -> Listed:
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    risks = (RiskLevel.LOW, RiskLevel.CRITICAL, RiskLevel.MEDIUM)
    cases = [
        make_case(db, vault, delegation=kenya, actor=focal, defender={"name": n}, risk_level=r)
        for n, r in zip(NAMES, risks, strict=True)
    ]
    return kenya, focal, cases


def test_names_reach_readers_in_scope_on_both_faces(
    app: Flask, db: Session, vault: RecordVault, listed: Listed
) -> None:
    _, focal, _ = listed
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    for user in (focal, officer):
        page = sign_in(app, user.email).get("/cases").get_data(as_text=True)
        assert all(name in page for name in NAMES), user.role
        shown = data_of(Api(app.test_client(), token_for(db, user)).get("/cases"))
        assert {c["defender_name"] for c in shown} == set(NAMES)
    # Each listing is audited, without any name.
    entries = fresh(db).scalars(select(AuditEntry).where(AuditEntry.action == "case.list_names"))
    recorded = [e.details for e in entries]
    assert recorded and all(d == {"shown": 3} for d in recorded)
    assert not any(n in str(recorded) for n in NAMES)


def test_names_never_reach_other_delegations_officers_elsewhere_analysts_or_admins(
    app: Flask, db: Session, vault: RecordVault, listed: Listed
) -> None:
    _, _, cases = listed
    strangers = [
        make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="KE")),
        make_user(db, Role.PROTECTION_OFFICER, countries=("UG",)),
    ]
    barred = [make_user(db, Role.ANALYST), make_user(db, Role.ADMIN), make_user(db, Role.AUDITOR)]
    for user in strangers:
        page = sign_in(app, user.email).get("/cases").get_data(as_text=True)
        assert not any(name in page for name in NAMES)
        answer = Api(app.test_client(), token_for(db, user)).get("/cases")
        assert data_of(answer) == [] and not any(n in answer.get_data(as_text=True) for n in NAMES)
    for user in barred:
        browser = sign_in(app, user.email)
        for path in ("/cases", "/cases?sort=risk", "/"):
            answer = browser.get(path)
            assert not any(n in answer.get_data(as_text=True) for n in NAMES), (user.role, path)
        assert browser.get("/cases").status_code == 403
        if user.role is not Role.AUDITOR:
            errors_of(Api(app.test_client(), token_for(db, user)).get("/cases"), 403)
    # The read itself refuses, whatever cases a caller hands it.
    for user in (*strangers, *barred):
        assert primary_names(db, vault, user, cases) == {}


def test_an_erased_defender_lists_without_a_name(
    app: Flask, db: Session, vault: RecordVault, listed: Listed
) -> None:
    _, focal, cases = listed
    erase_defender(
        db,
        cases[0].defenders[0].reference,
        ErasureReason.DEFENDER_REQUEST,
        actor_id=focal.id,
        retire_within=timedelta(days=30),
    )
    page = sign_in(app, focal.email).get("/cases").get_data(as_text=True)
    assert NAMES[0] not in page and NAMES[1] in page and "name not shown" in page


def test_one_data_key_unwrap_per_case_on_a_full_page(
    db: Session, vault: RecordVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    for n in range(30):
        make_case(db, vault, delegation=kenya, actor=focal, defender={"name": f"Zq Person {n}"})
    unwraps: list[str] = []
    real_unwrap = vault._unwrap

    def counted(data_key, where):  # type: ignore[no-untyped-def]
        unwraps.append(where)
        return real_unwrap(data_key, where)

    monkeypatch.setattr(vault, "_unwrap", counted)
    listing = list_cases(
        fresh(db), strategy_catalogue(), focal, CaseFilters(), page=1, page_size=25, vault=vault
    )
    assert len(listing.rows) == 25 and all(r.name for r in listing.rows)
    assert len(unwraps) == 25 and all(w.startswith("defenders#") for w in unwraps)


def test_sorted_by_risk_and_deadline_filtered_by_stage_on_both_faces(
    app: Flask, db: Session, vault: RecordVault, listed: Listed
) -> None:
    _, focal, cases = listed
    low, critical, medium = cases
    # The medium case's referral was requested 40 hours ago: its decision is due in 8 hours
    # (Kenya: 48); the critical case must be referred within 24 hours of intake.
    referral = referrals.create_referral(
        db,
        vault,
        strategy_catalogue(),
        focal,
        medium.reference,
        ReferralInput(Mechanism.EU_HRD_MECHANISM, [AssistanceType.LEGAL]),
    )
    db.execute(
        update(referrals.Referral)
        .where(referrals.Referral.id == referral.id)
        .values(requested_at=utcnow() - timedelta(hours=40))
    )
    db.commit()
    by_risk = [c.reference for c in (critical, medium, low)]
    by_deadline = [c.reference for c in (medium, critical, low)]  # low has none: last
    api = Api(app.test_client(), token_for(db, focal))
    assert [c["reference"] for c in data_of(api.get("/cases?sort=risk"))] == by_risk
    shown = data_of(api.get("/cases?sort=deadline"))
    assert [c["reference"] for c in shown] == by_deadline
    assert shown[2]["next_deadline"] is None and shown[0]["awaiting_decision"] is True
    protection = data_of(api.get("/cases?stage=protection"))
    assert [c["reference"] for c in protection] == [medium.reference]
    browser = sign_in(app, focal.email)
    for sort, expected in (("risk", by_risk), ("deadline", by_deadline)):
        page = browser.get(f"/cases?sort={sort}").get_data(as_text=True)
        positions = [page.index(f">{ref}<") for ref in expected]
        assert positions == sorted(positions), sort
    page = browser.get("/cases?stage=protection").get_data(as_text=True)
    assert "protection: awaiting decision" in page and low.reference not in page
    # Risk order pages in SQL like the default order.
    one = list_cases(
        fresh(db),
        strategy_catalogue(),
        focal,
        CaseFilters(),
        page=2,
        page_size=1,
        order=CaseOrder.RISK,
    )
    assert [r.case.reference for r in one.rows] == [medium.reference] and one.pages == 3
    assert db.get(Case, low.id) is not None
