"""Issue 16, item 5: an officer returns a referral or a statement for revision with a reason
(encrypted, shown to the requester and the other approvers); the requester edits and
resubmits it, which clears earlier approvals; whoever returned it never approves it; a
requester withdraws a referral before its decision. Both faces, attacked: out of scope
404, wrong role 403, template rule 409 naming it (with the field), missing CSRF refused."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import (
    AuditEntry,
    Notification,
    NotificationEvent,
    Referral,
    ReferralDecision,
    StatementDecision,
    TimelineEvent,
)
from hrd_cases.notify.events import expand_pending
from tests.support.access import fresh, sign_in
from tests.support.api import World, data_of, errors_of, rule_of
from tests.support.app import AuthActions

GRANT = {"mechanism": "eu_emergency_fund", "assistance_types": ["legal"], "amount_eur": 6000}
RETURN_REASON = "Zq canary: attach the quote from the lawyer and lower the amount"
STATEMENT_RETURN = "Zq canary: name no place in the second paragraph"


def _request(world: World, body: dict | None = None) -> str:
    answer = world.api["owner"].post(f"/cases/{world.case.reference}/referrals", body or GRANT)
    return data_of(answer, 201)["id"]


def _referral_of(world: World, reader: str, rid: str) -> dict:
    case = data_of(world.api[reader].get(f"/cases/{world.case.reference}"))
    (referral,) = [r for r in case["referrals"] if r["id"] == rid]
    return referral


def test_return_edit_resubmit_clears_approvals_and_the_returner_never_approves(
    world: World, db: Session, app: Flask
) -> None:
    rid = _request(world)
    officer, officer_two, owner = (world.api[k] for k in ("officer", "officer_two", "owner"))
    approve = {"approve": True, "confirmed_amount_eur": 6000}
    assert data_of(officer_two.post(f"/referrals/{rid}/decisions", approve))["approvals_given"] == 1

    # A return needs a reason, said beside the field.
    refused = officer.post(f"/referrals/{rid}/return", {"reason": "   "})
    assert rule_of(refused) == "referral.reason_required"
    assert errors_of(refused, 409)["reason"] == [
        "Say what to change: the requester sees this reason."
    ]
    returned = data_of(officer.post(f"/referrals/{rid}/return", {"reason": RETURN_REASON}))
    assert returned["state"] == "returned" and returned["returned_at"] is not None
    # Back with the requester: nobody decides on it now.
    assert rule_of(officer_two.post(f"/referrals/{rid}/decisions", approve)) == (
        "referral.transition"
    )

    # The requester's task list now says it needs them, and no longer that it waits on
    # the officers (issue 16 item 9: "returned items" under "needs you").
    tasks = data_of(owner.get("/tasks"))
    assert [(t["kind"], t["case"]["reference"]) for t in tasks["needs_you"]] == [
        ("returned_referral", world.case.reference)
    ]
    assert tasks["waiting"] == []

    # The reason reaches the requester, their colleague and the other approver.
    for reader in ("owner", "owner_colleague", "officer_two"):
        decisions = _referral_of(world, reader, rid)["decisions"]
        assert [(d["returned"], d["reason"]) for d in decisions][-1] == (True, RETURN_REASON)

    # Edited and requested again: a new revision, the earlier approval cleared.
    revised = data_of(
        owner.post(
            f"/referrals/{rid}/revision",
            {**GRANT, "amount_eur": 4500, "justification": "Zq canary quote attached"},
        )
    )
    assert revised["state"] == "requested"
    assert revised["revision"] == 2 and revised["approvals_given"] == 0
    event = (
        fresh(db)
        .scalars(select(TimelineEvent).where(TimelineEvent.kind == "referral.revised"))
        .one()
    )
    assert event.details == {"fields": "amount_eur, justification", "revision": 2}

    # An approval confirmed for the amount before the edit is refused: it changed.
    stale = officer_two.post(f"/referrals/{rid}/decisions", approve)
    assert rule_of(stale) == "referral.amount_unconfirmed"
    assert "confirmed_amount_eur" in errors_of(stale, 409)

    # Whoever returned it never approves it (they may still reject or return it again).
    mine = officer.post(f"/referrals/{rid}/decisions", {"approve": True})
    assert rule_of(mine) == "referral.returned_or_edited"
    assert fresh(db).get(Referral, _uuid(rid)).state.value == "requested"

    # The approvals of the new revision count afresh; the officer who approved before may
    # approve again.
    approve_new = {"approve": True, "confirmed_amount_eur": 4500}
    again = data_of(officer_two.post(f"/referrals/{rid}/decisions", approve_new))
    assert again["approvals_given"] == 1 and again["state"] == "requested"
    decisions = fresh(db).scalars(select(ReferralDecision).order_by(ReferralDecision.id)).all()
    assert [(d.round, d.approve, d.returned) for d in decisions] == [
        (1, True, False),
        (1, False, True),
        (2, True, False),
    ]
    # Every step is audited; the reason is ciphertext at rest and nowhere in clear text.
    actions = set(fresh(db).scalars(select(AuditEntry.action)))
    assert {"referral.return", "referral.revise", "referral.decide"} <= actions
    stored = [d.reason_ciphertext for d in decisions if d.returned]
    assert stored and all(b"Zq canary" not in (c or b"") for c in stored)
    assert "Zq canary" not in repr(fresh(db).scalars(select(TimelineEvent.details)).all())
    assert "Zq canary" not in repr(fresh(db).scalars(select(AuditEntry.details)).all())


def test_returned_for_revision_notifies_requester_and_focal_point_without_content(
    world: World, db: Session, app: Flask
) -> None:
    rid = _request(world)
    data_of(world.api["officer"].post(f"/referrals/{rid}/return", {"reason": RETURN_REASON}))
    sources = fresh(db).scalars(select(NotificationEvent.source)).all()
    assert "referral.returned" in sources
    with app.app_context():
        expand_pending(db, app.extensions["hrd_strategies"])
        db.commit()
    returned = fresh(db).scalars(select(Notification).where(Notification.event == "returned"))
    rows = returned.all()
    assert {n.user_id for n in rows} == {world.users["owner"].id}  # requester = focal point
    for row in rows:
        assert row.case_reference == world.case.reference and row.subject_id == rid
        assert "Zq" not in repr(vars(row))


def test_a_referral_is_withdrawn_before_its_decision_and_not_after(world: World) -> None:
    rid = _request(world)
    owner, officer = world.api["owner"], world.api["officer"]
    # Wrong role: officers do not withdraw; focal points do not return.
    errors_of(officer.post(f"/referrals/{rid}/withdrawal"), 403)
    errors_of(owner.post(f"/referrals/{rid}/return", {"reason": "r"}), 403)
    errors_of(officer.post(f"/referrals/{rid}/revision", GRANT), 403)
    # Out of scope reads like absent.
    errors_of(world.api["other_focal_point"].post(f"/referrals/{rid}/withdrawal"), 404)
    errors_of(world.api["other_officer"].post(f"/referrals/{rid}/return", {"reason": "r"}), 404)

    withdrawn = data_of(owner.post(f"/referrals/{rid}/withdrawal"))
    assert withdrawn["state"] == "withdrawn" and withdrawn["withdrawn_at"] is not None
    assert rule_of(officer.post(f"/referrals/{rid}/decisions", {"approve": False, "reason": "x"}))
    assert rule_of(owner.post(f"/referrals/{rid}/withdrawal")) == "referral.transition"

    # Once decided, it can no longer be withdrawn, edited or returned.
    decided = _request(world, {"mechanism": "eu_hrd_mechanism", "assistance_types": ["legal"]})
    officer.post(f"/referrals/{decided}/decisions", {"approve": False, "reason": "Zq no"})
    assert rule_of(owner.post(f"/referrals/{decided}/withdrawal")) == "referral.transition"
    assert rule_of(owner.post(f"/referrals/{decided}/revision", GRANT)) == "referral.transition"
    returned = world.api["officer_two"].post(f"/referrals/{decided}/return", {"reason": "r"})
    assert rule_of(returned) == "referral.transition"


def test_a_revision_obeys_the_template_and_says_so_beside_the_field(world: World) -> None:
    rid = _request(world)
    data_of(world.api["officer"].post(f"/referrals/{rid}/return", {"reason": RETURN_REASON}))
    too_much = world.api["owner"].post(f"/referrals/{rid}/revision", {**GRANT, "amount_eur": 12000})
    assert rule_of(too_much) == "referral.max_grant"
    errors = errors_of(too_much, 409)
    assert errors["amount_eur"] == [
        "The EU emergency fund grants at most EUR 10,000 under the Kenya strategy."
    ]
    missing = world.api["owner"].post(
        f"/referrals/{rid}/revision", {"mechanism": "eu_hrd_mechanism", "assistance_types": []}
    )
    assert rule_of(missing) == "referral.required_fields"
    assert errors_of(missing, 409)["assistance_types"] == [
        "The Kenya strategy asks for at least one assistance type for a referral."
    ]
    assert data_of(world.api["owner"].get(f"/cases/{world.case.reference}"))["referrals"][0][
        "state"
    ] == ("returned")


def test_a_statement_is_returned_edited_and_submitted_again(world: World, db: Session) -> None:
    owner, officer, officer_two = (world.api[k] for k in ("owner", "officer", "officer_two"))
    reference = world.case.reference
    owner.post(
        f"/cases/{reference}/consents",
        {"scopes": ["public_statement"], "given_on": "2026-01-01T00:00:00Z"},
    )
    sid = data_of(
        owner.post(
            f"/cases/{reference}/statements", {"level": "local_eu_statement", "text": "Zq v1"}
        ),
        201,
    )["id"]
    data_of(owner.post(f"/statements/{sid}/submission"))
    data_of(officer_two.post(f"/statements/{sid}/decisions", {"approve": True}))
    errors_of(owner.post(f"/statements/{sid}/return", {"reason": "r"}), 403)
    returned = data_of(officer.post(f"/statements/{sid}/return", {"reason": STATEMENT_RETURN}))
    assert returned["state"] == "returned"
    level_refused = owner.post(
        f"/statements/{sid}/revision", {"level": "not_a_level", "text": "Zq v2"}
    )
    errors_of(level_refused, 422)
    revised = data_of(
        owner.post(f"/statements/{sid}/revision", {"level": "local_eu_statement", "text": "Zq v2"})
    )
    assert revised["state"] == "submitted"
    assert revised["revision"] == 2 and revised["approvals_given"] == 0
    assert rule_of(officer.post(f"/statements/{sid}/decisions", {"approve": True})) == (
        "statement.returned_or_edited"
    )
    case = data_of(owner.get(f"/cases/{reference}"))
    (statement,) = case["statements"]
    assert statement["draft"] == "Zq v2"
    assert [d["reason"] for d in statement["decisions"] if d["returned"]] == [STATEMENT_RETURN]
    stored = fresh(db).scalars(select(StatementDecision.reason_ciphertext)).all()
    assert all(b"Zq canary" not in (c or b"") for c in stored)


def test_the_page_returns_shows_the_reason_and_takes_the_edit(
    app: Flask, world: World, db: Session
) -> None:
    rid = _request(world)
    url = f"/cases/{world.case.reference}"
    officer = sign_in(app, world.users["officer"].email)
    token = AuthActions(officer, app).csrf_token(url)
    decide = f"{url}/referrals/{rid}/decision"
    # Without a reason: 422, the decision panel kept, the message beside the reason.
    refused = officer.post(decide, data={"csrf_token": token, "decision": "return"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f'id="reason-{rid.replace("-", "")}-error"' in page
    assert "Say what to change" in page
    officer.post(decide, data={"csrf_token": token, "decision": "return", "reason": RETURN_REASON})
    assert fresh(db).get(Referral, _uuid(rid)).state.value == "returned"

    owner = sign_in(app, world.users["owner"].email)
    page = owner.get(url).get_data(as_text=True)
    assert "Returned for revision" in page and f"Reason: {RETURN_REASON}" in page
    key = f"revise-{rid}"
    assert f'id="panel-{key}" open' in page  # the edit panel waits, open, prefilled
    prefix = "rv" + rid.replace("-", "")
    assert f'id="{prefix}-amount_eur"' in page and 'value="6000"' in page
    token = AuthActions(owner, app).csrf_token(url)
    revise = f"{url}/referrals/{rid}/revision"
    body = {
        f"{prefix}-csrf_token": token,
        f"{prefix}-mechanism": "eu_emergency_fund",
        f"{prefix}-assistance_types": ["legal"],
        f"{prefix}-amount_eur": "12000",
        f"{prefix}-justification": "Zq typed justification",
    }
    too_much = owner.post(revise, data=body)
    assert too_much.status_code == 422
    page = too_much.get_data(as_text=True)
    assert f'id="panel-{key}" open' in page and 'value="12000"' in page
    assert "Zq typed justification" in page
    assert f'id="{prefix}-amount_eur-error"' in page
    assert "grants at most EUR 10,000 under the Kenya strategy" in page
    assert "max_grant" not in page and "amount_eur is" not in page
    done = owner.post(revise, data={**body, f"{prefix}-amount_eur": "4000"})
    assert done.status_code == 302
    referral = fresh(db).get(Referral, _uuid(rid))
    assert referral.state.value == "requested" and referral.revision == 2
    # The returner is not offered approval, and a forced approval is refused.
    page = officer.get(url).get_data(as_text=True)
    assert "You returned this referral" in page
    forced = officer.post(
        decide,
        data={
            "csrf_token": AuthActions(officer, app).csrf_token(url),
            "decision": "approve",
            "confirmed": "yes",
            "confirmed_amount_eur": "4000",
        },
    )
    assert forced.status_code == 422
    assert "whoever returned or edited" in forced.get_data(as_text=True).lower()


def test_withdrawing_a_referral_on_the_page_asks_first(app: Flask, world: World, db: Session):
    rid = _request(world)
    url = f"/cases/{world.case.reference}"
    owner = sign_in(app, world.users["owner"].email)
    token = AuthActions(owner, app).csrf_token(url)
    withdraw = f"{url}/referrals/{rid}/withdraw"
    summary = owner.post(withdraw, data={"csrf_token": token})
    assert summary.status_code == 200
    text = summary.get_data(as_text=True)
    assert "Withdraw this referral?" in text and "EU emergency fund" in text
    assert fresh(db).get(Referral, _uuid(rid)).state.value == "requested"
    # Without the CSRF token, even the confirmed step changes nothing.
    assert owner.post(withdraw, data={"confirmed": "yes"}).status_code == 400
    assert fresh(db).get(Referral, _uuid(rid)).state.value == "requested"
    # The wrong role is refused, the outsider sees nothing.
    officer = sign_in(app, world.users["officer"].email)
    officer_token = AuthActions(officer, app).csrf_token(url)
    assert officer.post(withdraw, data={"csrf_token": officer_token}).status_code == 403
    outsider = sign_in(app, world.users["other_focal_point"].email)
    outsider_token = AuthActions(outsider, app).csrf_token("/")
    assert outsider.post(withdraw, data={"csrf_token": outsider_token}).status_code == 404
    done = owner.post(withdraw, data={"csrf_token": token, "confirmed": "yes"})
    assert done.status_code == 302
    assert fresh(db).get(Referral, _uuid(rid)).state.value == "withdrawn"


def test_new_steps_refuse_a_missing_csrf_token_and_change_nothing(
    app: Flask, world: World, db: Session
) -> None:
    rid = _request(world)
    url = f"/cases/{world.case.reference}"
    officer = sign_in(app, world.users["officer"].email)
    for data in ({"decision": "return", "reason": "r"}, {"decision": "return", "csrf_token": ""}):
        assert officer.post(f"{url}/referrals/{rid}/decision", data=data).status_code == 400
    owner = sign_in(app, world.users["owner"].email)
    prefix = "rv" + rid.replace("-", "")
    revision = {f"{prefix}-mechanism": "eu_hrd_mechanism", f"{prefix}-assistance_types": "legal"}
    assert owner.post(f"{url}/referrals/{rid}/revision", data=revision).status_code == 400
    referral = fresh(db).get(Referral, _uuid(rid))
    assert referral.state.value == "requested" and referral.mechanism.value == "eu_emergency_fund"
    assert fresh(db).scalars(select(ReferralDecision)).all() == []


def _uuid(text: str):
    import uuid

    return uuid.UUID(text)
