"""Referrals: template guards, four-eyes in the service layer, and racing decisions."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.db import database_of, utcnow
from hrd_cases.domain.errors import Forbidden, InvalidTransition, NotFound
from hrd_cases.domain.states import ReferralState
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism
from hrd_cases.models import Role, TimelineEvent, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.referrals import (
    ReferralInput,
    create_referral,
    decide_referral,
    mark_delivered,
    submit_referral,
)
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

GRANT = ReferralInput(
    Mechanism.EU_HRD_MECHANISM,
    (AssistanceType.LEGAL, AssistanceType.DIGITAL_SECURITY),
    amount_eur=4000,
    justification="Detained; lawyer needed.",
)


def _setup(db: Session, vault: RecordVault, country: str = "KE"):
    delegation = make_delegation(db, country=country)
    focal = make_user(db, Role.FOCAL_POINT, delegation=delegation)
    officers = [make_user(db, Role.PROTECTION_OFFICER, countries=(country,)) for _ in range(3)]
    case = make_case(db, vault, delegation=delegation, actor=focal)
    return case, focal, officers


def _refer(
    db: Session,
    vault: RecordVault,
    focal: User,
    reference: str,
    data: ReferralInput = GRANT,
    **kwargs,
):
    return create_referral(db, vault, strategy_catalogue(), focal, reference, data, **kwargs)


def test_referral_needs_the_templates_number_of_distinct_officers(db, vault) -> None:
    case, focal, (one, two, _) = _setup(db, vault, "KE")  # Kenya v2: two approvals
    referral = _refer(db, vault, focal, case.reference)
    assert (referral.state, referral.approvals_required) == (ReferralState.REQUESTED, 2)
    assert decide_referral(db, one, referral.id, approve=True).state is ReferralState.REQUESTED
    assert decide_referral(db, two, referral.id, approve=True).state is ReferralState.APPROVED
    assert mark_delivered(db, focal, referral.id).state is ReferralState.DELIVERED
    assert vault.open_field(referral, "justification") == "Detained; lawyer needed."
    kinds = db.scalars(
        select(TimelineEvent.kind)
        .where(TimelineEvent.case_id == case.id)
        .order_by(TimelineEvent.id)
    ).all()
    assert kinds == [
        "case.opened",
        "referral.drafted",
        "referral.requested",
        "referral.approval",
        "referral.approval",
        "referral.approved",
        "referral.delivered",
    ]


def test_requester_cannot_approve_their_own_request(db, vault) -> None:
    """Four-eyes in the service layer: even a requester who is also an officer is refused."""
    case, focal, (officer, *_) = _setup(db, vault, "NP")
    # An account that may both request and decide (as a misconfigured role would allow).
    referral = _refer(db, vault, focal, case.reference)
    referral.requested_by_id = officer.id
    db.commit()
    with pytest.raises(InvalidTransition) as raised:
        decide_referral(db, officer, referral.id, approve=True)
    assert raised.value.rule == "referral.four_eyes"
    assert "four-eyes" in str(raised.value)
    db.expire_all()
    assert (
        decide_referral(db, _other_officer(db, "NP"), referral.id, approve=True).state
        is ReferralState.APPROVED
    )


def _other_officer(db: Session, country: str) -> User:
    return make_user(db, Role.PROTECTION_OFFICER, countries=(country,))


def test_an_officer_counts_once(db, vault) -> None:
    case, focal, (one, *_) = _setup(db, vault, "KE")
    referral = _refer(db, vault, focal, case.reference)
    decide_referral(db, one, referral.id, approve=True)
    with pytest.raises(InvalidTransition) as raised:
        decide_referral(db, one, referral.id, approve=True)
    assert raised.value.rule == "referral.one_decision_per_officer"


def test_a_rejection_rejects(db, vault) -> None:
    case, focal, (one, two, _) = _setup(db, vault, "KE")
    referral = _refer(db, vault, focal, case.reference)
    decide_referral(db, one, referral.id, approve=True)
    assert (
        decide_referral(db, two, referral.id, approve=False, reason="r", vault=vault).state
        is ReferralState.REJECTED
    )
    with pytest.raises(InvalidTransition, match="not awaiting a decision"):
        decide_referral(db, _other_officer(db, "KE"), referral.id, approve=True)
    with pytest.raises(InvalidTransition) as raised:
        mark_delivered(db, focal, referral.id)
    assert raised.value.rule == "referral.transition"


def test_grant_above_the_template_maximum_is_refused(db, vault) -> None:
    case, focal, _ = _setup(db, vault, "NP")  # Nepal: EUR 5,000
    with pytest.raises(InvalidTransition) as raised:
        _refer(
            db,
            vault,
            focal,
            case.reference,
            ReferralInput(Mechanism.EU_EMERGENCY_FUND, (AssistanceType.MEDICAL,), 6000),
        )
    assert raised.value.rule == "referral.max_grant"
    assert "EUR 6,000 is above the Nepal maximum of EUR 5,000" in str(raised.value)


def test_mechanism_not_used_in_the_country_is_refused(db, vault) -> None:
    case, focal, _ = _setup(db, vault, "AF")
    with pytest.raises(InvalidTransition) as raised:
        _refer(
            db,
            vault,
            focal,
            case.reference,
            ReferralInput(
                Mechanism.SHELTER_CITY, (AssistanceType.URGENT_RELOCATION,), justification="x"
            ),
        )
    assert raised.value.rule == "referral.mechanism_not_allowed"


def test_required_fields_come_from_the_template(db, vault) -> None:
    case, focal, _ = _setup(db, vault, "CO")  # Colombia requires the amount
    with pytest.raises(InvalidTransition) as raised:
        _refer(
            db,
            vault,
            focal,
            case.reference,
            ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,)),
        )
    assert raised.value.rule == "referral.required_fields"
    assert "requires amount_eur for referral" in str(raised.value)


def test_a_closed_case_accepts_no_referral(db, vault) -> None:
    case, focal, _ = _setup(db, vault, "KE")
    case.closed_at = utcnow()
    db.commit()
    with pytest.raises(InvalidTransition) as raised:
        _refer(db, vault, focal, case.reference)
    assert raised.value.rule == "case.closed"


def test_draft_then_submit(db, vault) -> None:
    case, focal, _ = _setup(db, vault, "KE")
    draft = _refer(db, vault, focal, case.reference, submit=False)
    assert draft.state is ReferralState.DRAFT
    assert submit_referral(db, focal, draft.id).state is ReferralState.REQUESTED
    with pytest.raises(InvalidTransition, match="requested cannot become requested"):
        submit_referral(db, focal, draft.id)


def test_scope_and_roles_are_enforced_by_the_service(db, vault) -> None:
    case, focal, _ = _setup(db, vault, "KE")
    referral = _refer(db, vault, focal, case.reference)
    stranger = make_user(db, Role.PROTECTION_OFFICER, countries=("NP",))
    with pytest.raises(NotFound):
        decide_referral(db, stranger, referral.id, approve=True)
    analyst = make_user(db, Role.ANALYST)
    with pytest.raises(Forbidden):
        decide_referral(db, analyst, referral.id, approve=True)
    other_focal = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="KE"))
    with pytest.raises(NotFound):
        _refer(db, vault, other_focal, case.reference)
    with pytest.raises(Forbidden):  # focal points request, they never decide
        decide_referral(db, focal, referral.id, approve=True)


def _race(app: Flask, officers: list[User], referral_id) -> list[str]:
    database = database_of(app)
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []

    def decide(officer_id: int) -> None:
        with database.session() as session:
            officer = session.get(User, officer_id)
            barrier.wait()
            try:
                decide_referral(session, officer, referral_id, approve=True)
                outcomes.append("ok")
            except InvalidTransition as exc:
                outcomes.append(exc.rule)

    threads = [threading.Thread(target=decide, args=(o.id,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("run", range(20))
def test_racing_officers_never_produce_two_transitions(app: Flask, db, vault, run: int) -> None:
    case, focal, officers = _setup(db, vault, "NP")  # Nepal: one approval is enough
    referral = _refer(db, vault, focal, case.reference)
    outcomes = _race(app, officers, referral.id)
    assert sorted(outcomes) == ["ok", "referral.transition", "referral.transition"]
    db.expire_all()
    approved_events = db.scalar(
        select(func.count())
        .select_from(TimelineEvent)
        .where(TimelineEvent.kind == "referral.approved", TimelineEvent.case_id == case.id)
    )
    assert approved_events == 1
    assert len(db.get(type(referral), referral.id).decisions) == 1


def test_whoever_edited_a_referral_never_approves_it(db, vault) -> None:
    """Issue 16: an approval must come from someone who did not shape what is approved. No
    role both edits and decides today, so the edit is recorded as the timeline records one
    (the guard reads the "revised" events), by a user who could later hold both."""
    case, focal, (one, two, _) = _setup(db, vault, "KE")
    referral = _refer(db, vault, focal, case.reference)
    db.add(
        TimelineEvent(
            case_id=case.id,
            at=utcnow(),
            actor_id=one.id,
            kind="referral.revised",
            subject_type="referral",
            subject_id=str(referral.id),
            details={"fields": "amount_eur", "revision": 1},
        )
    )
    db.commit()
    with pytest.raises(InvalidTransition) as refused:
        decide_referral(db, one, referral.id, approve=True, confirmed_amount_eur=4000)
    assert refused.value.rule == "referral.returned_or_edited"
    # Another officer, who neither requested nor edited it, may approve.
    assert decide_referral(db, two, referral.id, approve=True).approvals_given == 1
