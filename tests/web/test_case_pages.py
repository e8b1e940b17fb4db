"""The HTML workflow through the test client: every panel's POST handler, PRG, flashes,
errors beside fields, and the rules the services enforce (four-eyes, consent) surfacing as
friendly messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.models import (
    Case,
    Defender,
    Hearing,
    KekRetirement,
    Referral,
    Role,
    Statement,
    User,
)
from hrd_cases.records import RecordVault
from tests.support.access import fresh, sign_in
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_delegation, make_user
from tests.support.scenarios import busy_case

NAME = "Zq Wanjiku Test-Defender"
NARRATIVE = "Zq narrative: threatened after the march"
COURT = "Milimani Law Courts, Nairobi"


@dataclass
class Team:
    focal_point: User
    officer_a: User
    officer_b: User
    fp: FlaskClient
    a: FlaskClient
    b: FlaskClient


@pytest.fixture
def team(app: Flask, db: Session) -> Team:
    kenya = make_delegation(db, code="DEL-KE", name="EU Delegation to Kenya", country="KE")
    focal_point = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    officer_a = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name="Olu A")
    officer_b = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name="Oda B")
    return Team(
        focal_point,
        officer_a,
        officer_b,
        sign_in(app, focal_point.email),
        sign_in(app, officer_a.email),
        sign_in(app, officer_b.email),
    )


def post(browser: FlaskClient, url: str, data: dict | None = None, *, page: str = "/"):
    token = AuthActions(browser, browser.application).csrf_token(page)
    return browser.post(url, data={**(data or {}), "csrf_token": token})


def prefixed_post(browser: FlaskClient, url: str, prefix: str, data: dict, *, page: str):
    token = AuthActions(browser, browser.application).csrf_token(page)
    fields = {f"{prefix}-{k}": v for k, v in data.items()}
    return browser.post(url, data={**fields, f"{prefix}-csrf_token": token})


def case_id(db: Session, reference: str):
    return fresh(db).scalar(select(Case.id).where(Case.reference == reference))


def flashes(browser: FlaskClient, url: str) -> str:
    return browser.get(url).get_data(as_text=True)


def open_by_form(team: Team) -> str:
    response = post(
        team.fp,
        "/cases/new",
        {
            "name": NAME,
            "location": "Kibera",
            "risk_level": "high",
            "profile_categories": ["journalist_media", "woman_hrd"],
            "threats": ["judicial_harassment"],
            "narrative": NARRATIVE,
        },
        page="/cases/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"KE-\d{4}-\d{4}", reference)
    return reference


def test_intake_errors_sit_beside_fields_and_keep_what_was_typed(team: Team) -> None:
    response = post(
        team.fp,
        "/cases/new",
        {"name": NAME, "risk_level": "critical", "threats": ["surveillance"], "narrative": ""},
        page="/cases/new",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # Kenya's template requires location, narrative and threats at intake.
    assert 'id="location-error"' in page and 'id="narrative-error"' in page
    # In words a person uses, beside the field (issue 16).
    assert "The Kenya strategy asks for the defender&#39;s location when a case is opened." in page
    assert 'aria-invalid="true"' in page
    assert f'value="{NAME}"' in page  # nothing typed is lost
    assert re.search(r'value="surveillance"[^>]*checked', page)
    assert re.search(r'<option value="critical" selected>', page)
    assert NAME not in page.split("<title>")[1].split("</title>")[0]


def test_intake_opens_a_case_and_flashes(team: Team, db: Session) -> None:
    reference = open_by_form(team)
    page = team.fp.get(f"/cases/{reference}").get_data(as_text=True)
    assert f"Case {reference} opened." in page
    assert NAME in page and NARRATIVE in page
    assert NAME not in page.split("<title>")[1].split("</title>")[0]
    case = fresh(db).scalar(select(Case).where(Case.reference == reference))
    assert case is not None and case.delegation_id == team.focal_point.delegation_id


def test_officers_cannot_open_the_intake_form(team: Team) -> None:
    assert team.a.get("/cases/new").status_code == 403


def test_the_whole_workflow_through_the_forms(team: Team, db: Session) -> None:
    reference = open_by_form(team)
    url = f"/cases/{reference}"

    # Referral: requested by the focal point, approved by two officers (Kenya needs two).
    response = post(
        team.fp,
        f"{url}/referrals",
        {
            "mechanism": "eu_hrd_mechanism",
            "assistance_types": ["legal", "digital_security"],
            "amount_eur": "4000",
        },
        page=url,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}#referrals")
    assert "Referral requested." in flashes(team.fp, url)
    referral = fresh(db).scalar(select(Referral))
    assert referral is not None and referral.state is ReferralState.REQUESTED

    officer_page = team.a.get(url).get_data(as_text=True)
    assert "Requested by <strong>Fiona Focal</strong>" in officer_page
    decide = f"{url}/referrals/{referral.id}/decision"
    # Approving an amount asks for confirmation first, repeating amount and mechanism.
    confirm = post(team.a, decide, {"decision": "approve"}, page=url)
    assert confirm.status_code == 200
    summary = confirm.get_data(as_text=True)
    assert "Approve this grant?" in summary
    assert "EUR 4,000 from the EU HRD mechanism" in summary
    assert 'name="confirmed_amount_eur" value="4000"' in summary
    assert fresh(db).get(Referral, referral.id).decisions == []  # nothing decided yet
    confirmed = {"decision": "approve", "confirmed": "yes", "confirmed_amount_eur": "4000"}
    assert post(team.a, decide, confirmed, page=url).status_code == 302
    assert "Your approval was recorded." in flashes(team.a, url)
    # The same officer twice: refused by the service, shown as a friendly message.
    again = post(team.a, decide, confirmed, page=url)
    assert again.status_code == 422
    assert "already decided" in again.get_data(as_text=True)
    assert post(team.b, decide, confirmed, page=url).status_code == 302
    assert fresh(db).get(Referral, referral.id).state is ReferralState.APPROVED

    # Hearing: scheduled (yesterday 09:30 in Nairobi, the Kenyan delegation's zone, so it
    # has taken place), observed, reported.
    nairobi = ZoneInfo("Africa/Nairobi")
    typed = (datetime.now(nairobi) - timedelta(days=1)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    response = post(
        team.fp,
        f"{url}/hearings",
        {
            "scheduled_for": typed.strftime("%Y-%m-%dT%H:%M"),
            "court": COURT,
            "charges": "Unlawful assembly",
        },
        page=url,
    )
    assert response.status_code == 302
    hearing = fresh(db).scalar(select(Hearing))
    assert hearing is not None
    assert hearing.scheduled_for == typed.astimezone(UTC)  # stored as 06:30 UTC
    assert hearing.scheduled_for.hour == 6
    assert f"{typed:%Y-%m-%d} 09:30 Nairobi (EAT, UTC+3)" in team.fp.get(url).get_data(as_text=True)
    prefix = f"o{hearing.id.hex}"
    response = prefixed_post(
        team.fp,
        f"{url}/hearings/{hearing.id}/observation",
        prefix,
        {"observed": "yes", "observers": ["EU", "DE"], "outcome": "postponed"},
        page=url,
    )
    assert response.status_code == 302
    assert "Observation recorded." in flashes(team.fp, url)
    response = prefixed_post(
        team.fp,
        f"{url}/hearings/{hearing.id}/report",
        f"r{hearing.id.hex}",
        {"report": "Zq report: the court adjourned"},
        page=url,
    )
    assert response.status_code == 302
    assert fresh(db).get(Hearing, hearing.id).state is HearingState.REPORT_FILED

    # Statement: refused without consent, then consent, approval and publication.
    post(team.fp, f"{url}/statements", {"level": "local_eu_statement", "text": "Zq text"}, page=url)
    statement = fresh(db).scalar(select(Statement))
    assert statement is not None
    refused = post(team.fp, f"{url}/statements/{statement.id}/submit", page=url)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Not done:" in page and "record their consent" in page
    assert f'id="refusal-submit-{statement.id}"' in page  # beside the button it concerns
    assert "Consent for public statement: missing or revoked" in page
    response = post(
        team.fp,
        f"{url}/consents",
        {"scopes": ["public_statement"], "given_on": "2026-01-02"},
        page=url,
    )
    assert response.status_code == 302
    assert "Consent recorded." in flashes(team.fp, url)
    post(team.fp, f"{url}/statements/{statement.id}/submit", page=url)
    assert "Statement submitted for approval." in flashes(team.fp, url)
    for officer in (team.a, team.b):
        post(
            officer, f"{url}/statements/{statement.id}/decision", {"decision": "approve"}, page=url
        )
    assert fresh(db).get(Statement, statement.id).state is StatementState.APPROVED
    page = team.fp.get(url).get_data(as_text=True)
    assert "Consent: active, covers this level" in page
    response = prefixed_post(
        team.fp,
        f"{url}/statements/{statement.id}/publish",
        f"p{statement.id.hex}",
        {"publication_url": "https://example.org/statement"},
        page=url,
    )
    assert response.status_code == 302
    assert "Statement published." in flashes(team.fp, url)

    # Closure (Kenya requires an outcome): refused beside the field, then confirmed.
    response = post(team.fp, f"{url}/close", {"outcome": "", "reason": "Zq why"}, page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="outcome-error"' in page and "asks for an outcome to close a case" in page
    assert "Zq why" in page and "requires outcome" not in page
    confirm = post(team.fp, f"{url}/close", {"outcome": "risk_reduced"}, page=url)
    assert confirm.status_code == 200 and "Close this case?" in confirm.get_data(as_text=True)
    assert fresh(db).get(Case, case_id(db, reference)).closed_at is None
    post(team.fp, f"{url}/close", {"outcome": "risk_reduced", "confirmed": "yes"}, page=url)
    page = flashes(team.fp, url)
    assert "Case closed." in page and "Reopen case" in page
    post(team.fp, f"{url}/reopen", page=url)
    assert "Case reopened." in flashes(team.fp, url)

    # The timeline holds every step, by whom.
    timeline = team.fp.get(url).get_data(as_text=True).split('id="timeline"')[1]
    for kind in (
        "Case opened",
        "Referral requested",
        "Referral approved",
        "Hearing report filed",
        "Consent recorded",
        "Statement published",
        "Case closed",
        "Case reopened",
    ):
        assert kind in timeline, kind
    assert "by Olu A" in timeline


def test_a_form_error_re_renders_the_case_with_the_values(team: Team) -> None:
    reference = open_by_form(team)
    url = f"/cases/{reference}"
    response = post(
        team.fp,
        f"{url}/hearings",
        {"scheduled_for": "not a date", "court": COURT, "charges": "Zq charges"},
        page=url,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="scheduled_for-error"' in page
    assert f'value="{COURT}"' in page and "Zq charges" in page
    # A mechanism the template does not use fails beside its field.
    response = post(team.fp, f"{url}/referrals", {"mechanism": "not-one"}, page=url)
    assert response.status_code == 422
    assert 'id="mechanism-error"' in response.get_data(as_text=True)


def test_panels_follow_role_and_template(team: Team, app: Flask, db: Session) -> None:
    reference = open_by_form(team)
    fp_page = team.fp.get(f"/cases/{reference}").get_data(as_text=True)
    officer_page = team.a.get(f"/cases/{reference}").get_data(as_text=True)
    for text in ("Request referral", "Schedule hearing", "Record consent", "Close case"):
        assert text in fp_page, text
        assert text not in officer_page, text
    # Afghanistan's template enables no trial observation: no hearing panel at all.
    kabul = make_delegation(db, code="DEL-AF", country="AF")
    focal_af = make_user(db, Role.FOCAL_POINT, delegation=kabul)
    vault: RecordVault = app.extensions["hrd_vault"]
    case = make_case(db, vault, delegation=kabul, actor=focal_af)
    page = sign_in(app, focal_af.email).get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Request referral" in page
    assert "Schedule hearing" not in page and 'id="hearings"' not in page


def test_erasure_needs_the_typed_reference(team: Team, db: Session) -> None:
    reference = open_by_form(team)
    url = f"/cases/{reference}"
    defender = fresh(db).scalar(select(Defender))
    assert defender is not None
    action = f"{url}/defenders/{defender.reference}/erase"
    prefix = "e" + defender.reference.replace("-", "")
    before = team.fp.get(url).get_data(as_text=True)
    assert "retired, within 7 days" in before  # the erase panel says what will happen, when
    response = prefixed_post(
        team.fp, action, prefix, {"reason": "defender_request", "confirmation": "yes"}, page=url
    )
    assert response.status_code == 422
    assert f"Type {defender.reference} exactly" in response.get_data(as_text=True)
    assert fresh(db).get(Defender, defender.id).erased_at is None
    response = prefixed_post(
        team.fp,
        action,
        prefix,
        {"reason": "defender_request", "confirmation": defender.reference},
        page=url,
    )
    # A second step says what will happen; nothing is erased before it is confirmed.
    assert response.status_code == 200
    summary = response.get_data(as_text=True)
    assert "Erase this defender&#39;s personal data?" in summary
    assert "narrative, reports and drafts are kept" in summary and NAME not in summary
    assert fresh(db).get(Defender, defender.id).erased_at is None
    token = AuthActions(team.fp, team.fp.application).csrf_token(url)
    response = team.fp.post(
        action,
        data={
            f"{prefix}-reason": "defender_request",
            f"{prefix}-confirmation": defender.reference,
            f"{prefix}-csrf_token": token,
            "confirmed": "yes",
        },
    )
    assert response.status_code == 302
    page = flashes(team.fp, url)
    assert "Personal data erased" in page and NAME not in page
    # Both dates, truthfully: unreadable now, unrecoverable from copies after the retirement.
    retire_by = fresh(db).scalar(select(KekRetirement.due_at))
    assert retire_by is not None
    assert "unreadable in the application now" in page
    assert f"retired, by {retire_by:%Y-%m-%d %H:%M} UTC" in page
    assert "cannot be recovered" not in page
    # Officers never get the erase panel, and cannot post to it.
    assert post(team.a, action, {}, page=url).status_code == 403


def test_an_item_of_another_case_is_not_found(team: Team, app: Flask, db: Session) -> None:
    first, second = open_by_form(team), open_by_form(team)
    post(
        team.fp,
        f"/cases/{first}/referrals",
        {"mechanism": "eu_hrd_mechanism", "assistance_types": ["legal"]},
        page=f"/cases/{first}",
    )
    referral = fresh(db).scalar(select(Referral))
    assert referral is not None
    response = post(
        team.a, f"/cases/{second}/referrals/{referral.id}/decision", {"decision": "approve"}
    )
    assert response.status_code == 404
    assert fresh(db).get(Referral, referral.id).state is ReferralState.REQUESTED


POST_FORM = re.compile(r'<form method="post"[^>]*>(.*?)</form>', re.DOTALL)
CSRF_INPUT = re.compile(r'<input type="hidden" name="((?:(\w+)-)?csrf_token)" value="([^"]+)">')
FIELD_NAME = re.compile(r'name="(\w+)-(?!csrf_token)\w+"')


def test_every_form_of_a_busy_case_carries_its_csrf_token(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    """Forms are built only for the panels the page shows (issue 13): each form it does show
    still has a token, under its own prefix when its fields have one."""
    kenya = make_delegation(db, code="DEL-KE-A", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = busy_case(db, vault, kenya, focal)
    page = sign_in(app, focal.email).get(f"/cases/{case.reference}").get_data(as_text=True)
    forms = POST_FORM.findall(page)
    assert len(forms) > 20  # the panels of 3 referrals, 3 hearings, 2 statements, 2 consents
    for form in forms:
        tokens = CSRF_INPUT.findall(form)
        assert len(tokens) == 1, form
        _, token_prefix, _ = tokens[0]
        assert {token_prefix or None} >= {p or None for p in FIELD_NAME.findall(form)}, form
