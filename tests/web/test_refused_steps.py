"""Issue 16, item 6: a step the workflow refuses keeps everything. On every step panel the
case page answers 422 with that panel open, the values typed, and the message beside the
field it concerns, in words a person uses (no internal field or rule names). Item 8:
risk level, mechanism and observed/not observed start empty and are required."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models import Hearing, Referral, Statement
from tests.support.access import fresh, sign_in
from tests.support.api import World, data_of
from tests.support.api import world as world  # the API tests' world, as a fixture here
from tests.support.app import AuthActions

INTERNAL_NAMES = ("assistance_types", "amount_eur", "max_grant", "required_fields", "_")


def _post(
    browser: FlaskClient, app: Flask, url: str, data: dict, page: str, prefix: str | None = None
):
    """A form as the page sends it: a per-item form's fields and token carry its prefix."""
    token = AuthActions(browser, app).csrf_token(page)
    if prefix:
        fields = {f"{prefix}-{k}": v for k, v in data.items()}
        return browser.post(url, data={**fields, f"{prefix}-csrf_token": token})
    return browser.post(url, data={**data, "csrf_token": token})


def _refused(response, panel: str) -> str:
    """422, and the panel is on the page: open when it folds (a <details>)."""
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    tag = re.search(rf'<(\w+)[^>]*id="panel-{re.escape(panel)}"[^>]*>', page)
    assert tag, panel
    if tag.group(1) == "details":
        assert re.search(r"\bopen\b", tag.group(0)), tag.group(0)
    return page


def _message_beside(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]+)</p>', page)
    assert match, f"no message beside {field_id}"
    message = match.group(1)
    # Words a person uses: no internal field or rule name.
    assert not any(name in message for name in INTERNAL_NAMES if name != "_"), message
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", message), message
    assert re.search(rf'id="{re.escape(field_id)}"[^>]*aria-invalid="true"', page) or (
        f'aria-describedby="{field_id}-error"' in page
    ), field_id
    return message


@pytest.fixture
def owner(app: Flask, world: World) -> FlaskClient:
    return sign_in(app, world.users["owner"].email)


def test_a_grant_above_the_ceiling_keeps_the_referral_panel(
    app: Flask, world: World, owner: FlaskClient, db: Session
) -> None:
    url = f"/cases/{world.case.reference}"
    typed = {
        "mechanism": "eu_emergency_fund",
        "assistance_types": ["legal", "medical"],
        "amount_eur": "12000",
        "justification": "Zq typed: relocation and a lawyer",
    }
    page = _refused(_post(owner, app, f"{url}/referrals", typed, url), "referral")
    assert re.search(r'id="panel-referral" open', page)
    assert _message_beside(page, "amount_eur") == (
        "The EU emergency fund grants at most EUR 10,000 under the Kenya strategy."
    )
    # Every typed value is still there.
    assert 'value="12000"' in page and "Zq typed: relocation and a lawyer" in page
    assert re.search(r'<option value="eu_emergency_fund" selected>', page)
    assert re.search(r'value="legal"[^>]*checked', page)
    assert re.search(r'value="medical"[^>]*checked', page)
    # The form's address names the panel: the browser shows it, and its message, on reply.
    assert f'action="{url}/referrals#panel-referral"' in page
    assert fresh(db).scalars(select(Referral)).all() == []

    missing = dict(typed, amount_eur="4000", assistance_types=[])
    page = _refused(_post(owner, app, f"{url}/referrals", missing, url), "referral")
    assert "asks for at least one assistance type for a referral" in _message_beside(
        page, "assistance_types"
    )


def test_hearing_panels_keep_what_was_typed(
    app: Flask, world: World, owner: FlaskClient, db: Session
) -> None:
    url = f"/cases/{world.case.reference}"
    typed = {"scheduled_for": "2020-03-04T09:30", "court": "Zq Milimani court", "charges": "Zq"}
    page = _refused(_post(owner, app, f"{url}/hearings", typed, url), "hearing")
    assert "Tick the box to confirm" in _message_beside(page, "scheduled_for")
    assert 'value="2020-03-04T09:30"' in page and 'value="Zq Milimani court"' in page

    # A hearing tomorrow: its observation is refused before the day, beside "observed".
    tomorrow = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    _post(owner, app, f"{url}/hearings", {**typed, "scheduled_for": tomorrow}, url)
    hearing = fresh(db).scalars(select(Hearing)).one()
    prefix = f"o{hearing.id.hex}"
    observation = {"observed": "yes", "observers": ["EU"]}
    page = _refused(
        _post(owner, app, f"{url}/hearings/{hearing.id}/observation", observation, url, prefix),
        f"observation-{hearing.id}",
    )
    assert "once it has begun" in _message_beside(page, f"{prefix}-observed")
    assert re.search(rf'id="{prefix}-observed"[^>]*>\s*<option value="">', page)
    assert re.search(r'<option value="yes" selected>', page)

    # Rescheduling to the same date: beside the new date, in the reschedule panel.
    prefix = f"rs{hearing.id.hex}"
    reschedule = {
        "scheduled_for": _nairobi(hearing.scheduled_for),
        "reason": "Zq the judge is away",
    }
    page = _refused(
        _post(owner, app, f"{url}/hearings/{hearing.id}/reschedule", reschedule, url, prefix),
        f"reschedule-{hearing.id}",
    )
    assert "different from the current one" in _message_beside(page, f"{prefix}-scheduled_for")
    assert "Zq the judge is away" in page


def _nairobi(moment) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Africa/Nairobi")).strftime("%Y-%m-%dT%H:%M")


def test_consent_statement_and_publication_panels(
    app: Flask, world: World, owner: FlaskClient, db: Session
) -> None:
    url = f"/cases/{world.case.reference}"
    future = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d")
    typed = {"scopes": ["public_statement"], "given_on": future, "notes": "Zq consent notes"}
    page = _refused(_post(owner, app, f"{url}/consents", typed, url), "consent")
    assert "cannot be in the future" in _message_beside(page, "given_on")
    assert "Zq consent notes" in page

    # Submitting without consent: refused beside the button, in the statement's item.
    _post(owner, app, f"{url}/statements", {"level": "local_eu_statement", "text": "Zq t"}, url)
    statement = fresh(db).scalars(select(Statement)).one()
    response = _post(owner, app, f"{url}/statements/{statement.id}/submit", {}, url)
    page = _refused(response, f"submit-{statement.id}")
    refusal = re.search(rf'id="refusal-submit-{statement.id}">([^<]+)<', page)
    assert refusal and "record their consent" in refusal.group(1)
    assert "local_eu_statement" not in refusal.group(1)


def test_every_refusal_the_api_gives_carries_the_field(world: World) -> None:
    answer = world.api["owner"].post(
        f"/cases/{world.case.reference}/referrals",
        {"mechanism": "eu_emergency_fund", "assistance_types": ["legal"], "amount_eur": 12000},
    )
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["meta"]["rule"] == "referral.max_grant"
    assert body["errors"]["amount_eur"] == [
        "The EU emergency fund grants at most EUR 10,000 under the Kenya strategy."
    ]
    assert body["errors"]["message"]  # the rule's own text, as before


def test_consequential_choices_start_empty_and_are_required(
    app: Flask, world: World, owner: FlaskClient, db: Session
) -> None:
    new = owner.get("/cases/new").get_data(as_text=True)
    assert re.search(r'id="risk_level"[^>]*>\s*<option value="">Choose…</option>', new)
    assert not re.search(r'<option value="(low|medium|high|critical)" selected>', new)
    refused = _post(owner, app, "/cases/new", {"name": "Zq Person", "risk_level": ""}, "/cases/new")
    assert refused.status_code == 422
    assert _message_beside(refused.get_data(as_text=True), "risk_level") == "Choose a risk level."

    url = f"/cases/{world.case.reference}"
    page = owner.get(url).get_data(as_text=True)
    assert re.search(r'id="mechanism"[^>]*>\s*<option value="">Choose…</option>', page)
    assert not re.search(r'id="mechanism"[^>]*>\s*<option value="[a-z_]+" selected', page)
    # Assessment starts empty too; the current level is said beside it.
    assert re.search(r'id="risk_level"[^>]*>\s*<option value="">Choose…</option>', page)
    assert "Currently high" in page
    no_mechanism = {"mechanism": "", "assistance_types": ["legal"]}
    page = _refused(_post(owner, app, f"{url}/referrals", no_mechanism, url), "referral")
    assert _message_beside(page, "mechanism") == "Choose a mechanism."

    # The API has no default either: each is required.
    for path, body, field in (
        ("/cases", {"country": "KE", "defender": {"name": "Zq"}}, "risk_level"),
        (f"/cases/{world.case.reference}/referrals", {"assistance_types": ["legal"]}, "mechanism"),
    ):
        answer = world.api["owner"].post(path, body)
        assert answer.status_code == 422 and field in answer.get_json()["errors"], path
    hearing = data_of(
        world.api["owner"].post(
            f"/cases/{world.case.reference}/hearings",
            {"scheduled_for": (utcnow() + timedelta(days=10)).isoformat(), "court": "Zq c"},
        ),
        201,
    )
    answer = world.api["owner"].post(f"/hearings/{hearing['id']}/observation", {"observers": []})
    assert answer.status_code == 422 and "observed" in answer.get_json()["errors"]
