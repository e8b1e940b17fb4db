"""Every workflow step over the API: the allowed role walks the lifecycle, a refused role
gets 403, and the workflow's rules answer 409 naming the rule (four-eyes, consent, ...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.models import Role
from tests.support.access import reload_user
from tests.support.api import ABSENT_ID, World, data_of, errors_of, rule_of

REFERRAL = {
    "mechanism": "eu_hrd_mechanism",
    "assistance_types": ["legal", "digital_security"],
    "amount_eur": 4000,
    "justification": "Zq canary justification",
}
CONSENT = {"scopes": ["public_statement"], "given_on": "2026-01-05T10:00:00+00:00"}
STATEMENT = {"level": "local_eu_statement", "text": "Zq canary statement text"}


def test_referral_lifecycle_needs_two_distinct_officers(world: World) -> None:
    reference = world.case.reference
    owner, officer, officer_two = (world.api[r] for r in ("owner", "officer", "officer_two"))
    referral = data_of(owner.post(f"/cases/{reference}/referrals", REFERRAL), 201)
    assert referral["state"] == "requested" and referral["approvals_required"] == 2
    assert "justification" not in referral  # content only in the audited case read
    rid = referral["id"]
    after_one = data_of(officer.post(f"/referrals/{rid}/decisions", {"approve": True}))
    assert after_one["state"] == "requested" and len(after_one["decisions"]) == 1
    # The same officer cannot count twice.
    response = officer.post(f"/referrals/{rid}/decisions", {"approve": True})
    assert rule_of(response) == "referral.one_decision_per_officer"
    approved = data_of(officer_two.post(f"/referrals/{rid}/decisions", {"approve": True}))
    assert approved["state"] == "approved" and approved["decided_at"] is not None
    assert rule_of(owner.post(f"/referrals/{rid}/closure")) == "referral.transition"
    assert data_of(owner.post(f"/referrals/{rid}/delivery"))["state"] == "delivered"
    assert data_of(owner.post(f"/referrals/{rid}/closure"))["state"] == "closed"
    case = data_of(owner.get(f"/cases/{reference}"))
    assert case["referrals"][0]["justification"] == "Zq canary justification"
    assert case["stage"] == "protection"


def test_referral_steps_refuse_other_roles(world: World) -> None:
    reference = world.case.reference
    for role in ("officer", "analyst", "admin"):
        errors_of(world.api[role].post(f"/cases/{reference}/referrals", REFERRAL), 403)
    rid = data_of(world.api["owner"].post(f"/cases/{reference}/referrals", REFERRAL), 201)["id"]
    for role in ("owner", "analyst", "admin"):
        errors_of(world.api[role].post(f"/referrals/{rid}/decisions", {"approve": True}), 403)
    for step in ("submission", "delivery", "closure"):
        for role in ("officer", "analyst"):
            errors_of(world.api[role].post(f"/referrals/{rid}/{step}"), 403)
    # Out of scope is absent.
    errors_of(world.api["other_officer"].post(f"/referrals/{rid}/decisions", {"approve": 1}), 422)
    errors_of(
        world.api["other_officer"].post(f"/referrals/{rid}/decisions", {"approve": True}), 404
    )
    errors_of(
        world.api["officer"].post(f"/referrals/{ABSENT_ID}/decisions", {"approve": True}), 404
    )
    errors_of(world.api["officer"].post("/referrals/not-a-uuid/decisions", {"approve": True}), 404)


def test_four_eyes_refuses_a_self_approval(db: Session, world: World) -> None:
    """A focal point who requested a referral and later became an officer cannot approve it."""
    reference = world.case.reference
    requester = world.api["owner_colleague"]
    rid = data_of(requester.post(f"/cases/{reference}/referrals", REFERRAL), 201)["id"]
    accounts.change_role(
        db,
        reload_user(db, world.users["owner_colleague"].id),
        Role.PROTECTION_OFFICER,
        countries=("KE",),
    )
    response = requester.post(f"/referrals/{rid}/decisions", {"approve": True})
    assert rule_of(response) == "referral.four_eyes"
    assert "four-eyes" in response.get_json()["errors"]["message"][0]


def test_referral_rules_of_the_template(world: World) -> None:
    owner = world.api["owner"]
    reference = world.case.reference
    assert (
        rule_of(owner.post(f"/cases/{reference}/referrals", {**REFERRAL, "amount_eur": 10_001}))
        == "referral.max_grant"
    )
    assert (
        rule_of(owner.post(f"/cases/{reference}/referrals", {**REFERRAL, "assistance_types": []}))
        == "referral.required_fields"
    )
    errors_of(owner.post(f"/cases/{reference}/referrals", {**REFERRAL, "amount_eur": -1}), 422)
    errors_of(owner.post(f"/cases/{reference}/referrals", {**REFERRAL, "mechanism": "x"}), 422)
    draft = data_of(owner.post(f"/cases/{reference}/referrals", {**REFERRAL, "submit": False}), 201)
    assert draft["state"] == "draft"
    submitted = data_of(owner.post(f"/referrals/{draft['id']}/submission"))
    assert submitted["state"] == "requested"
    assert rule_of(owner.post(f"/referrals/{draft['id']}/submission")) == "referral.transition"
    rejected = data_of(
        world.api["officer"].post(
            f"/referrals/{draft['id']}/decisions", {"approve": False, "reason": "Zq not eligible"}
        )
    )
    assert rejected["state"] == "rejected"
    assert data_of(owner.post(f"/referrals/{draft['id']}/closure"))["state"] == "closed"


def test_hearing_lifecycle(world: World) -> None:
    reference = world.case.reference
    owner = world.api["owner"]
    # In three days: nothing about its course can be recorded yet (issue 16).
    coming = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    future = data_of(
        owner.post(f"/cases/{reference}/hearings", {"scheduled_for": coming, "court": "Zq c"}),
        201,
    )
    for step, payload in (
        ("outcome", {"outcome": "acquitted"}),
        ("observation", {"observed": True, "observers": ["EU"], "outcome": "acquitted"}),
        ("observation", {"observed": False}),
    ):
        answer = owner.post(f"/hearings/{future['id']}/{step}", payload)
        assert answer.status_code == 409
        assert rule_of(answer) == "trial_observation.outcome_before_hearing"
    # Two hours ago: it has taken place.
    when = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    hearing = data_of(
        owner.post(
            f"/cases/{reference}/hearings",
            {"scheduled_for": when, "court": "Zq Canary Court", "charges": "Zq charges"},
        ),
        201,
    )
    hid = hearing["id"]
    assert hearing["state"] == "scheduled" and "court" not in hearing
    assert rule_of(owner.post(f"/hearings/{hid}/outcome", {"outcome": "postponed"})) == (
        "trial_observation.outcome_before_hearing"
    )
    assert rule_of(owner.post(f"/hearings/{hid}/report", {"report": "Zq early"})) == (
        "hearing.transition"
    )
    response = owner.post(f"/hearings/{hid}/observation", {"observed": True, "observers": ["US"]})
    assert rule_of(response) == "trial_observation.partners"
    observed = data_of(
        owner.post(
            f"/hearings/{hid}/observation",
            {"observed": True, "observers": ["EU", "DE"], "outcome": "postponed"},
        )
    )
    assert observed["state"] == "observed" and observed["observers"] == ["DE", "EU"]
    filed = data_of(owner.post(f"/hearings/{hid}/report", {"report": "Zq canary report"}))
    assert filed["state"] == "report_filed"
    outcome = data_of(owner.post(f"/hearings/{hid}/outcome", {"outcome": "acquitted"}))
    assert outcome["outcome"] == "acquitted"
    case = data_of(owner.get(f"/cases/{reference}"))
    (held,) = [h for h in case["hearings"] if h["id"] == hid]
    assert held["report"] == "Zq canary report"
    assert held["court"] == "Zq Canary Court"
    assert case["stage"] == "monitoring"
    kinds = [e["kind"] for e in data_of(owner.get(f"/cases/{reference}/timeline"))]
    assert kinds[-4:] == [
        "hearing.scheduled",
        "hearing.observed",
        "hearing.report_filed",
        "hearing.outcome",
    ]


def test_hearing_steps_refuse_other_roles_and_bad_input(world: World) -> None:
    reference = world.case.reference
    body = {"scheduled_for": "2026-12-01T09:00:00+03:00", "court": "Zq court"}
    for role in ("officer", "analyst", "admin"):
        errors_of(world.api[role].post(f"/cases/{reference}/hearings", body), 403)
    owner = world.api["owner"]
    for bad in (
        {**body, "scheduled_for": "2026-12-01T09:00:00"},  # no offset
        {**body, "scheduled_for": "1800-01-01T00:00:00Z"},
        {**body, "scheduled_for": "tomorrow"},
        {**body, "court": ""},
        {**body, "court": "c" * 201},
        {"court": "Zq court"},
    ):
        errors_of(owner.post(f"/cases/{reference}/hearings", bad), 422)
    hid = data_of(owner.post(f"/cases/{reference}/hearings", body), 201)["id"]
    for step, payload in (
        ("observation", {"observed": False}),
        ("report", {"report": "r"}),
        ("outcome", {"outcome": "other"}),
    ):
        for role in ("officer", "analyst"):
            errors_of(world.api[role].post(f"/hearings/{hid}/{step}", payload), 403)
        errors_of(world.api["other_focal_point"].post(f"/hearings/{hid}/{step}", payload), 404)
    errors_of(owner.post(f"/hearings/{hid}/observation", {"observed": "perhaps"}), 422)
    errors_of(
        owner.post(f"/hearings/{hid}/observation", {"observed": True, "observers": ["eu"]}), 422
    )


def test_statement_needs_consent_and_two_approvals(world: World) -> None:
    reference = world.case.reference
    owner, officer, officer_two = (world.api[r] for r in ("owner", "officer", "officer_two"))
    statement = data_of(owner.post(f"/cases/{reference}/statements", STATEMENT), 201)
    sid = statement["id"]
    assert statement["state"] == "draft" and "draft" not in statement
    # Do no harm: no submission without the defender's recorded consent.
    response = owner.post(f"/statements/{sid}/submission")
    assert rule_of(response) == "statement.consent"
    consent = data_of(owner.post(f"/cases/{reference}/consents", CONSENT), 201)
    assert consent["active"] is True and consent["scopes"] == ["public_statement"]
    assert data_of(owner.post(f"/statements/{sid}/submission"))["state"] == "submitted"
    assert (
        data_of(officer.post(f"/statements/{sid}/decisions", {"approve": True}))["state"]
        == "submitted"
    )
    assert (
        data_of(officer_two.post(f"/statements/{sid}/decisions", {"approve": True}))["state"]
        == "approved"
    )
    errors_of(
        owner.post(f"/statements/{sid}/publication", {"publication_url": "http://x.example"}),
        422,
    )
    published = data_of(
        owner.post(
            f"/statements/{sid}/publication",
            {"publication_url": "https://eeas.europa.eu/delegations/kenya/statement"},
        )
    )
    assert published["state"] == "published"
    assert published["published_text"] == "Zq canary statement text"  # public from now on
    assert rule_of(owner.post(f"/statements/{sid}/withdrawal")) == "statement.transition"


def test_revoked_consent_stops_publication_and_statements_can_be_withdrawn(
    world: World,
) -> None:
    reference = world.case.reference
    owner = world.api["owner"]
    consent_id = data_of(owner.post(f"/cases/{reference}/consents", CONSENT), 201)["id"]
    sid = data_of(owner.post(f"/cases/{reference}/statements", STATEMENT), 201)["id"]
    data_of(owner.post(f"/statements/{sid}/submission"))
    for officer in ("officer", "officer_two"):
        data_of(world.api[officer].post(f"/statements/{sid}/decisions", {"approve": True}))
    revoked = data_of(owner.post(f"/consents/{consent_id}/revocation"))
    assert revoked["active"] is False and revoked["revoked_at"] is not None
    assert rule_of(owner.post(f"/consents/{consent_id}/revocation")) == "consent.transition"
    assert rule_of(owner.post(f"/statements/{sid}/publication", {})) == "statement.consent"
    assert data_of(owner.post(f"/statements/{sid}/withdrawal"))["state"] == "withdrawn"


def test_statement_and_consent_steps_refuse_other_roles(world: World) -> None:
    reference = world.case.reference
    owner = world.api["owner"]
    for role in ("officer", "analyst", "admin"):
        errors_of(world.api[role].post(f"/cases/{reference}/statements", STATEMENT), 403)
        errors_of(world.api[role].post(f"/cases/{reference}/consents", CONSENT), 403)
    consent_id = data_of(owner.post(f"/cases/{reference}/consents", CONSENT), 201)["id"]
    sid = data_of(owner.post(f"/cases/{reference}/statements", STATEMENT), 201)["id"]
    for role in ("officer", "analyst"):
        errors_of(world.api[role].post(f"/consents/{consent_id}/revocation"), 403)
        for step in ("submission", "withdrawal", "publication"):
            errors_of(world.api[role].post(f"/statements/{sid}/{step}"), 403)
    for role in ("owner", "analyst"):
        errors_of(world.api[role].post(f"/statements/{sid}/decisions", {"approve": True}), 403)
    errors_of(owner.post(f"/cases/{reference}/consents", {**CONSENT, "scopes": []}), 422)
    errors_of(owner.post(f"/cases/{reference}/consents", {**CONSENT, "scopes": ["all"]}), 422)
    errors_of(owner.post(f"/cases/{reference}/statements", {**STATEMENT, "level": "tweet"}), 422)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert (
        rule_of(owner.post(f"/cases/{reference}/consents", {**CONSENT, "given_on": future}))
        == "consent.date"
    )
