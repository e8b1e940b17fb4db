"""Attack tests: another delegation's case (or an officer not covering its country) through
every API route that names a case or an action on one, discovered from the URL map so that
routes added later are covered too. Out of scope must read exactly like absent, change
nothing, and show nothing."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.models import AuditEntry, TimelineEvent
from tests.support.access import fresh
from tests.support.api import (
    ABSENT_ID,
    ABSENT_REFERENCE,
    DEFENDER_NAME,
    NARRATIVE,
    World,
    data_of,
)

# A valid body for each step, so that what refuses the request is the scope, not validation.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "api.update_case_view": {"risk_level": "low"},
    "api.close_case": {"outcome": "resolved"},
    "api.create_referral": {"mechanism": "eu_hrd_mechanism", "assistance_types": ["legal"]},
    "api.decide_referral": {"approve": True},
    "api.return_referral": {"reason": "r"},
    "api.revise_referral": {"mechanism": "eu_hrd_mechanism", "assistance_types": ["legal"]},
    "api.schedule_hearing": {"scheduled_for": "2026-12-01T09:00:00Z", "court": "c"},
    "api.observe_hearing": {"observed": False},
    "api.file_hearing_report": {"report": "r"},
    "api.record_hearing_outcome": {"outcome": "other"},
    "api.reschedule_hearing": {"scheduled_for": "2026-12-02T09:00:00Z", "reason": "r"},
    "api.cancel_hearing": {"reason": "r"},
    "api.record_consent": {"scopes": ["public_statement"], "given_on": "2026-01-01T00:00:00Z"},
    "api.draft_statement": {"level": "local_eu_statement", "text": "t"},
    "api.decide_statement": {"approve": True},
    "api.return_statement": {"reason": "r"},
    "api.revise_statement": {"level": "local_eu_statement", "text": "t"},
    "api.publish_statement": {},
    "api.erase_defender_view": {"reason": "safety"},
    "api.correct_defender": {"contact_details": "c"},
    "api.create_note": {"text": "t"},
    "api.reassign_case": {"assignee_id": 1},
}
ID_ARGUMENTS = ("referral_id", "hearing_id", "consent_id", "statement_id", "attachment_id")


def action_ids(world: World) -> dict[str, str]:
    owner, reference = world.api["owner"], world.case.reference
    evidence = {
        "title": "t",
        "category": "other",
        "file": (io.BytesIO(b"plain evidence\n"), "e.txt"),
    }
    return {
        "attachment_id": data_of(
            owner.post(
                f"/cases/{reference}/attachments",
                data=evidence,
                content_type="multipart/form-data",
            ),
            201,
        )["attachment"]["id"],
        "referral_id": data_of(
            owner.post(f"/cases/{reference}/referrals", VALID_BODIES["api.create_referral"]), 201
        )["id"],
        "hearing_id": data_of(
            owner.post(f"/cases/{reference}/hearings", VALID_BODIES["api.schedule_hearing"]), 201
        )["id"],
        "consent_id": data_of(
            owner.post(f"/cases/{reference}/consents", VALID_BODIES["api.record_consent"]), 201
        )["id"],
        "statement_id": data_of(
            owner.post(f"/cases/{reference}/statements", VALID_BODIES["api.draft_statement"]),
            201,
        )["id"],
    }


def scoped_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every API route naming a case or an action."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        if "reference" in rule.arguments or set(ID_ARGUMENTS) & set(rule.arguments):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, rule.rule))
    return found


def fill(rule: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        rule = rule.replace(f"<{name}>", value)
    assert "<" not in rule, rule
    return rule.removeprefix("/api/v1")


def test_every_case_route_hides_another_delegations_case(
    app: Flask, db: Session, world: World
) -> None:
    ids = action_ids(world)
    real = {
        "reference": world.case.reference,
        "defender_reference": world.case.defenders[0].reference,
        **ids,
    }
    absent = {
        "reference": ABSENT_REFERENCE,
        "defender_reference": "HRD-AAAAA-AAAAA",
        **dict.fromkeys(ID_ARGUMENTS, ABSENT_ID),
    }
    routes = scoped_routes(app)
    assert len({endpoint for endpoint, _, _ in routes}) >= 20, routes  # not a vacuous pass
    events_before = fresh(db).scalar(select(func.count()).select_from(TimelineEvent))
    checked = 0
    for endpoint, method, rule in routes:
        body = VALID_BODIES.get(endpoint) if method != "GET" else None
        for role in ("other_focal_point", "other_officer", "analyst", "admin"):
            api = world.api[role]
            hidden = api.call(method, fill(rule, real), body)
            missing = api.call(method, fill(rule, absent), body)
            where = f"{role} {method} {rule}"
            assert hidden.status_code in (403, 404), (where, hidden.get_json())
            if role in ("analyst", "admin"):
                assert hidden.status_code == 403, where  # no case route at all
            if method == "GET":
                assert hidden.status_code == (404 if role.startswith("other") else 403), where
            # Out of scope reads exactly like absent: same status, same body.
            assert hidden.status_code == missing.status_code, where
            assert hidden.get_data() == missing.get_data(), where
            text = hidden.get_data(as_text=True)
            assert DEFENDER_NAME not in text and NARRATIVE not in text, where
            assert world.case.reference not in text, where
            checked += 1
    assert checked >= 80
    events_after = fresh(db).scalar(select(func.count()).select_from(TimelineEvent))
    assert events_after == events_before  # nothing changed
    viewers = set(db.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "case.view")))
    assert viewers == set()


def test_references_match_exactly(world: World) -> None:
    api = world.api["owner"]
    reference = world.case.reference
    for probe in (reference.lower(), f"{reference}%25", f"{reference[:-1]}_", reference + "%20"):
        response = api.get(f"/cases/{probe}")
        assert response.status_code == 404, probe
        assert DEFENDER_NAME not in response.get_data(as_text=True)
