"""Object scope on every case route: a case outside a user's scope looks exactly like an
absent one, and roles without case.read never see names or narratives.

The routes are discovered from the URL map, so a case route added later is covered too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from hrd_cases.current import current_attachment_config
from hrd_cases.domain.vocabulary import AttachmentCategory
from hrd_cases.models import AuditEntry, Case, Role, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.attachments import NewAttachment, add_attachment
from tests.support.access import build_url, fresh, sign_in, strip_csrf
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_delegation, make_user

DEFENDER_NAME = "Zq Amani Owino-Test"
NARRATIVE = "Zq narrative: followed home after the hearing"
ABSENT_REFERENCE = "KE-2099-9999"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


EVIDENCE = b"Zq evidence file: the letter left at the office\n"


@dataclass
class World:
    case: Case
    users: dict[str, User]
    browsers: dict[str, FlaskClient]
    attachment_id: str


@pytest.fixture
def world(app: Flask, db: Session, vault: RecordVault) -> World:
    kenya = make_delegation(db, code="DEL-KE-A", country="KE")
    # Same country, other delegation: a focal point's scope is the delegation, not the country.
    kenya_b = make_delegation(db, code="DEL-KE-B", country="KE")
    users = {
        "owner": make_user(db, Role.FOCAL_POINT, delegation=kenya),
        "other_focal_point": make_user(db, Role.FOCAL_POINT, delegation=kenya_b),
        "covering_officer": make_user(db, Role.PROTECTION_OFFICER, countries=("UG", "KE")),
        "other_officer": make_user(db, Role.PROTECTION_OFFICER, countries=("UG", "TZ")),
        "analyst": make_user(db, Role.ANALYST),
        "admin": make_user(db, Role.ADMIN),
    }
    case = make_case(
        db,
        vault,
        delegation=kenya,
        actor=users["owner"],
        defender={"name": DEFENDER_NAME},
        narrative=NARRATIVE,
    )
    browsers = {role: sign_in(app, user.email) for role, user in users.items()}
    with app.app_context():
        attachment, _ = add_attachment(
            db,
            vault,
            users["owner"],
            case.reference,
            NewAttachment(title="Letter", filename="letter.txt", category=AttachmentCategory.OTHER),
            [EVIDENCE],
            current_attachment_config(),
        )
    return World(case, users, browsers, str(attachment.id))


def case_rules(app: Flask) -> list[Rule]:
    # The HTML routes (browser sessions). The API's case routes take bearer tokens, never
    # cookies: tests/api/test_scope.py walks them the same way, from the URL map.
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if ("reference" in rule.arguments or rule.endpoint.startswith("cases."))
        and not rule.endpoint.startswith("api.")
    ]
    endpoints = {rule.endpoint for rule in rules}
    # Guard against a vacuous pass: the routes that exist today must be found.
    assert {
        "cases.case_list",
        "cases.case_detail",
        "case_actions.request_referral",
        "case_actions.decide_referral",
        "case_actions.schedule_hearing",
        "case_actions.record_consent",
        "case_actions.publish_statement",
        "case_actions.close_case",
        "case_actions.erase",
    } <= endpoints, endpoints
    return rules


def requests_for(
    app: Flask, reference: str, attachment_id: str | None = None
) -> list[tuple[Rule, str, str]]:
    found = []
    known = {"reference": reference}
    if attachment_id:
        known["attachment_id"] = attachment_id
    for rule in case_rules(app):
        url = build_url(rule, **known)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule, method, url))
    return found


def send(browser: FlaskClient, method: str, url: str) -> TestResponse:
    data = None
    if method in UNSAFE_METHODS:  # a real token, so that CSRF is not what refuses the request
        data = {"csrf_token": AuthActions(browser, browser.application).csrf_token("/")}
    return browser.open(url, method=method, data=data)


def test_users_outside_the_scope_get_nothing_from_any_case_route(app: Flask, world: World) -> None:
    checked = 0
    for rule, method, url in requests_for(app, world.case.reference, world.attachment_id):
        for role in ("other_focal_point", "other_officer", "analyst", "admin"):
            response = send(world.browsers[role], method, url)
            body = response.get_data(as_text=True)
            where = f"{role} {method} {url}"
            assert DEFENDER_NAME not in body, where
            assert NARRATIVE not in body, where
            if "reference" not in rule.arguments:
                # A listing: allowed or refused, but the case must not appear in it.
                assert response.status_code in (200, 403, 404), where
                assert world.case.reference not in body, where
            elif role in ("other_focal_point", "other_officer"):
                assert response.status_code == 404, where
            else:
                assert response.status_code in (403, 404), where
            checked += 1
    assert checked >= 8


def test_roles_without_case_read_are_refused_even_the_case_list(world: World) -> None:
    for role in ("analyst", "admin"):
        for url in ("/cases", f"/cases/{world.case.reference}", f"/cases/{ABSENT_REFERENCE}"):
            assert world.browsers[role].get(url).status_code == 403, (role, url)


# Pages of a step only focal points take (the officer, in scope, is refused: 403).
FOCAL_POINT_PAGES = {"corrections.corrections"}
# Pages that show only part of the content: the history lists corrected fields only.
PARTIAL_PAGES = {"corrections.history"}


def test_owner_and_covering_officer_see_the_case(app: Flask, world: World) -> None:
    checked = 0
    for rule, method, url in requests_for(app, world.case.reference, world.attachment_id):
        if method != "GET":
            continue
        for role in ("owner", "covering_officer"):
            response = world.browsers[role].get(url)
            body = response.get_data(as_text=True)
            if rule.endpoint in FOCAL_POINT_PAGES and role == "covering_officer":
                assert response.status_code == 403, (role, url)
                assert DEFENDER_NAME not in body and NARRATIVE not in body, (role, url)
                continue
            assert response.status_code == 200, (role, url)
            if rule.endpoint in PARTIAL_PAGES:
                assert world.case.reference in body, (role, url)
            elif "attachment_id" in rule.arguments:  # a file, sent as a download
                assert response.get_data() == EVIDENCE, (role, url)
            elif "reference" in rule.arguments:
                assert DEFENDER_NAME in body, (role, url)
                assert NARRATIVE in body, (role, url)
            else:
                assert world.case.reference in body, (role, url)
            checked += 1
    assert checked >= 4


def test_absent_and_out_of_scope_cases_get_the_same_answer(world: World) -> None:
    for role in ("other_focal_point", "other_officer"):
        browser = world.browsers[role]
        hidden = browser.get(f"/cases/{world.case.reference}")
        absent = browser.get(f"/cases/{ABSENT_REFERENCE}")
        assert hidden.status_code == absent.status_code == 404, role
        assert strip_csrf(hidden.get_data(as_text=True)) == strip_csrf(
            absent.get_data(as_text=True)
        ), role
        assert world.case.reference not in hidden.get_data(as_text=True)
        for header in ("Content-Type", "Content-Length", "Cache-Control"):
            assert hidden.headers.get(header) == absent.headers.get(header), (role, header)


def test_only_in_scope_views_are_audited_as_case_views(db: Session, world: World) -> None:
    reference = world.case.reference
    for browser in world.browsers.values():
        browser.get(f"/cases/{reference}")
    viewers = set(
        fresh(db).scalars(
            select(AuditEntry.actor_id).where(
                AuditEntry.action == "case.view", AuditEntry.object_id == reference
            )
        )
    )
    assert viewers == {world.users["owner"].id, world.users["covering_officer"].id}


def test_a_case_is_found_by_its_exact_reference_only(world: World) -> None:
    browser = world.browsers["owner"]
    reference = world.case.reference
    for probe in (reference.lower(), f"{reference}%", f"{reference[:-1]}_", reference + " "):
        response = browser.get(f"/cases/{probe}")
        assert response.status_code == 404, probe
        assert DEFENDER_NAME not in response.get_data(as_text=True), probe


def test_an_absurd_page_number_is_not_a_server_error(world: World) -> None:
    browser = world.browsers["owner"]
    for page in ("9223372036854775807", "99999999999999999999"):
        response = browser.get(f"/cases?page={page}")
        assert response.status_code in (200, 404), (page, response.status_code)
        if response.status_code == 200:  # clamped to the last page: the owner's own case
            assert world.case.reference in response.get_data(as_text=True)
