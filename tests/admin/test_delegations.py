"""Delegations administered in the browser and through the API, by the same service and the
same read: create (a time zone is required), edit (name, country, time zone, the embassies
sharing trial observation), list with their users; audited; CSRF enforced; admins only."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import AuditEntry, Delegation, Role
from tests.support.access import fresh, sign_in
from tests.support.admin import csrf
from tests.support.api import Api, token_for
from tests.support.factories import make_delegation, make_user


def _form(browser, path: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"observation_partners": "", **fields, "csrf_token": csrf(browser, path)}
    return browser.post(path, data=data)


def _delegation(db: Session, code: str) -> Delegation:
    found = fresh(db).scalar(select(Delegation).where(Delegation.code == code))
    assert found is not None
    return found


def _audit(db: Session, action: str) -> list[AuditEntry]:
    return list(fresh(db).scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_admin_adds_edits_and_lists_a_delegation_in_the_browser(
    app: Flask, db: Session
) -> None:
    admin = make_user(db, Role.ADMIN)
    browser = sign_in(app, admin.email)
    assert browser.get("/admin/delegations/new").status_code == 200

    # The time zone is required, and must be an IANA name.
    for zone, message in (("", "This field is required"), ("Africa/Atlantis", "IANA")):
        refused = _form(
            browser,
            "/admin/delegations/new",
            code="eudel-ke",
            name="EU Delegation to Kenya",
            country="KE",
            time_zone=zone,
        )
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    refused = _form(
        browser,
        "/admin/delegations/new",
        code="eudel-ke",
        name="EU Delegation to Kenya",
        country="KE",
        time_zone="Africa/Nairobi",
        observation_partners="EU, Atlantis",
    )
    assert refused.status_code == 422 and "ATLANTIS" in refused.get_data(as_text=True)
    assert fresh(db).scalar(select(Delegation).where(Delegation.code == "EUDEL-KE")) is None

    created = _form(
        browser,
        "/admin/delegations/new",
        code="eudel-ke",
        name="EU Delegation to Kenya",
        country="ke",
        time_zone="Africa/Nairobi",
        observation_partners="eu, DE; fr",
    )
    assert created.status_code == 303
    assert created.headers["Location"].endswith("/admin/delegations/EUDEL-KE")
    delegation = _delegation(db, "EUDEL-KE")
    assert (delegation.country, delegation.time_zone) == ("KE", "Africa/Nairobi")
    assert delegation.partner_codes == ["DE", "EU", "FR"]
    # A duplicate code is a field error, not a crash.
    again = _form(
        browser,
        "/admin/delegations/new",
        code="EUDEL-KE",
        name="Again",
        country="KE",
        time_zone="UTC",
    )
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)

    focal = make_user(db, Role.FOCAL_POINT, delegation=_delegation(db, "EUDEL-KE"))
    listing = browser.get("/admin/delegations").get_data(as_text=True)
    assert "EUDEL-KE" in listing and "Africa/Nairobi" in listing and focal.email in listing
    assert "DE, EU, FR" in listing

    edited = _form(
        browser,
        "/admin/delegations/EUDEL-KE",
        name="EU Delegation to the Republic of Kenya",
        country="KE",
        time_zone="Africa/Kampala",
        observation_partners="EU, SE, FR",
    )
    assert edited.status_code == 303
    delegation = _delegation(db, "EUDEL-KE")
    assert delegation.name == "EU Delegation to the Republic of Kenya"
    assert delegation.time_zone == "Africa/Kampala"
    assert delegation.partner_codes == ["EU", "FR", "SE"]
    page = browser.get("/admin/delegations/EUDEL-KE").get_data(as_text=True)
    assert focal.email in page and 'value="EU, FR, SE"' in page

    # Both steps are audited with categories only (no user's name or address).
    [create_entry] = _audit(db, "delegation.create")
    [update_entry] = _audit(db, "delegation.update")
    assert create_entry.actor_id == admin.id and create_entry.object_id == "EUDEL-KE"
    assert update_entry.details == {
        "country": "KE",
        "time_zone": "Africa/Kampala",
        "partners": "EU,FR,SE",
    }
    assert focal.email not in str(update_entry.details)
    assert browser.get("/admin/delegations/NOPE").status_code == 404


def test_an_edit_without_its_csrf_token_changes_nothing(app: Flask, db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    make_delegation(db, code="DEL-CSRF", country="KE", time_zone="Africa/Nairobi")
    browser = sign_in(app, admin.email)
    for token in (None, "", "forged"):
        data = {"name": "Changed", "country": "UG", "time_zone": "UTC"}
        if token is not None:
            data["csrf_token"] = token
        assert browser.post("/admin/delegations/DEL-CSRF", data=data).status_code == 400
        assert browser.post("/admin/delegations/new", data={**data, "code": "Z"}).status_code == 400
    delegation = _delegation(db, "DEL-CSRF")
    assert (delegation.name, delegation.country) != ("Changed", "UG")
    assert _audit(db, "delegation.update") == []


@pytest.mark.parametrize(
    "role", [Role.FOCAL_POINT, Role.PROTECTION_OFFICER, Role.ANALYST, Role.AUDITOR]
)
def test_delegations_are_for_admins_only_on_both_faces(
    app: Flask, db: Session, role: Role
) -> None:
    make_delegation(db, code="DEL-GUARD", country="KE", time_zone="Africa/Nairobi")
    intruder = make_user(db, role, countries=("KE",) if role is Role.PROTECTION_OFFICER else ())
    browser = sign_in(app, intruder.email)
    token = csrf(browser, "/account/password")
    body = {"name": "Taken", "country": "UG", "time_zone": "UTC", "csrf_token": token}
    for method, path in (
        ("GET", "/admin/delegations"),
        ("GET", "/admin/delegations/new"),
        ("POST", "/admin/delegations/new"),
        ("GET", "/admin/delegations/DEL-GUARD"),
        ("POST", "/admin/delegations/DEL-GUARD"),
    ):
        response = browser.open(path, method=method, data={**body, "code": "NEW"})
        assert response.status_code == 403, (method, path, response.status_code)
    api = Api(app.test_client(), token_for(db, intruder))
    api_body = {"name": "Taken", "country": "UG", "time_zone": "UTC"}
    for method, path, json in (
        ("GET", "/admin/delegations", None),
        ("POST", "/admin/delegations", {**api_body, "code": "NEW"}),
        ("GET", "/admin/delegations/DEL-GUARD", None),
        ("PUT", "/admin/delegations/DEL-GUARD", api_body),
    ):
        assert api.call(method, path, json).status_code == 403, (method, path)
    assert _delegation(db, "DEL-GUARD").name != "Taken"
    assert fresh(db).scalar(select(Delegation).where(Delegation.code == "NEW")) is None


def test_the_api_and_the_page_show_the_same_delegations(app: Flask, db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    api = Api(app.test_client(), token_for(db, admin))
    created = api.post(
        "/admin/delegations",
        {
            "code": "EMB-DE-KE",
            "name": "Embassy of Germany in Nairobi",
            "country": "KE",
            "time_zone": "Africa/Nairobi",
            "observation_partners": ["EU", "DE"],
        },
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["data"]["observation_partners"] == ["DE", "EU"]
    missing_zone = api.post(
        "/admin/delegations", {"code": "X-1", "name": "X", "country": "KE", "time_zone": " "}
    )
    assert missing_zone.status_code == 422 and "time_zone" in missing_zone.get_json()["errors"]
    bad_zone = api.post(
        "/admin/delegations",
        {"code": "X-1", "name": "X", "country": "KE", "time_zone": "Mars/Olympus"},
    )
    assert bad_zone.status_code == 422 and "time_zone" in bad_zone.get_json()["errors"]
    focal = make_user(db, Role.FOCAL_POINT, delegation=_delegation(db, "EMB-DE-KE"))

    edited = api.call(
        "PUT",
        "/admin/delegations/EMB-DE-KE",
        {
            "name": "Embassy of Germany, Nairobi",
            "country": "KE",
            "time_zone": "Africa/Nairobi",
            "observation_partners": ["EU", "DE", "NL"],
        },
    )
    assert edited.status_code == 200, edited.get_json()
    one = edited.get_json()["data"]
    assert one["name"] == "Embassy of Germany, Nairobi"
    assert one["observation_partners"] == ["DE", "EU", "NL"]
    assert [u["email"] for u in one["users"]] == [focal.email]
    assert api.get("/admin/delegations/NOPE").status_code == 404
    assert api.call("PUT", "/admin/delegations/NOPE", {**edited_body(one)}).status_code == 404

    listed = api.get("/admin/delegations").get_json()["data"]
    assert [d["code"] for d in listed] == ["EMB-DE-KE"]
    page = sign_in(app, admin.email).get("/admin/delegations").get_data(as_text=True)
    assert "Embassy of Germany, Nairobi" in page and "DE, EU, NL" in page and focal.email in page
    assert [e.object_id for e in _audit(db, "delegation.update")] == ["EMB-DE-KE"]


def edited_body(row: dict[str, object]) -> dict[str, object]:
    return {k: row[k] for k in ("name", "country", "time_zone", "observation_partners")}
