"""Account administration through /api/v1: the same services as the admin pages, admins only
(every other role 403 on every operation, read from the registry), the same guards."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.api.registry import OPERATIONS
from tests.support.access import is_signed_in, reload_user, sign_in
from tests.support.admin import enrol_in, set_password_by_link
from tests.support.api import World, data_of, rule_of

ADMIN_OPERATIONS = [op for op in OPERATIONS if op.tag == "admin"]


def test_the_admin_operations_cover_the_pages() -> None:
    assert {op.rule for op in ADMIN_OPERATIONS} >= {
        "/admin/accounts",
        "/admin/invitations",
        "/admin/accounts/<int:user_id>/scope",
        "/admin/accounts/<int:user_id>/disable",
        "/admin/accounts/<int:user_id>/enable",
        "/admin/accounts/<int:user_id>/end-sessions",
        "/admin/accounts/<int:user_id>/reset-second-factor",
        "/admin/accounts/<int:user_id>/reset-password",
    }


@pytest.mark.parametrize("role", ["owner", "officer", "analyst"])
def test_every_admin_operation_refuses_other_roles(world: World, db: Session, role: str) -> None:
    target = world.users["analyst"] if role != "analyst" else world.users["officer"]
    for op in ADMIN_OPERATIONS:
        path = op.rule.replace("<int:user_id>", str(target.id)).replace("<int:token_id>", "1")
        body = {"role": "admin", "email": "x@example.org", "display_name": "X"}
        response = world.api[role].call(op.method, path, body if op.body else None)
        assert response.status_code == 403, (op.method, path, response.status_code)
    fresh_target = reload_user(db, target.id)
    assert fresh_target.is_active and fresh_target.role.value != "admin"


def test_invite_by_api_and_accept_in_the_browser(app: Flask, world: World, db: Session) -> None:
    issued = data_of(
        world.api["admin"].post(
            "/admin/invitations",
            {
                "email": "api.invitee@example.org",
                "display_name": "Api Invitee",
                "role": "protection_officer",
                "countries": ["KE"],
            },
        ),
        201,
    )
    assert issued["purpose"] == "invitation" and issued["account"]["has_password"] is False
    token = issued["link"].rsplit("/", 1)[-1]
    browser = app.test_client()
    assert set_password_by_link(browser, token).status_code == 302
    enrol_in(browser)
    assert is_signed_in(browser)
    listed = data_of(world.api["admin"].get("/admin/accounts"))
    row = next(a for a in listed if a["email"] == "api.invitee@example.org")
    assert row["has_password"] and row["has_second_factor"] and row["open_sessions"] == 1
    # Listing never carries a hash, a secret or a link token.
    text = world.api["admin"].get("/admin/accounts").get_data(as_text=True)
    assert token not in text and "argon2" not in text


def test_scope_change_by_api_ends_the_officers_session(
    app: Flask, world: World, db: Session
) -> None:
    officer = world.users["officer_two"]
    browser = sign_in(app, officer.email)
    changed = data_of(
        world.api["admin"].patch(
            f"/admin/accounts/{officer.id}/scope",
            {"role": "protection_officer", "countries": ["UG"]},
        )
    )
    assert changed["countries"] == ["UG"]
    assert not is_signed_in(browser)


def test_the_api_keeps_the_last_admin_and_the_own_account(world: World, db: Session) -> None:
    admin = world.users["admin"]
    assert rule_of(world.api["admin"].post(f"/admin/accounts/{admin.id}/disable")) == (
        "user.own_account"
    )
    assert (
        rule_of(world.api["admin"].patch(f"/admin/accounts/{admin.id}/scope", {"role": "analyst"}))
        == "user.own_role"
    )
    assert reload_user(db, admin.id).is_active


def test_tokens_by_api_shown_once_and_revoked(app: Flask, world: World) -> None:
    api = world.api["analyst"]
    created = data_of(api.post("/account/tokens", {"name": "nightly", "days": 7}), 201)
    value = created["value"]
    assert value.startswith("hrdpat_") and created["token"]["state"] == "active"
    listed = api.get("/account/tokens").get_data(as_text=True)
    assert "nightly" in listed and value not in listed
    everything = world.api["admin"].get("/admin/tokens").get_data(as_text=True)
    assert "nightly" in everything and value not in everything
    # Another account's token looks absent to a non-admin; an admin revokes it.
    token_id = created["token"]["id"]
    assert world.api["owner"].post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert world.api["owner"].post(f"/admin/tokens/{token_id}/revoke").status_code == 403
    revoked = data_of(world.api["admin"].post(f"/admin/tokens/{token_id}/revoke"))
    assert revoked["state"] == "revoked"
    from tests.support.api import Api

    assert Api(app.test_client(), value).get("/me").status_code == 401


def test_template_diff_and_validation_by_api(world: World) -> None:
    rows = data_of(world.api["admin"].get("/strategies/KE/diff?a=1&b=2"))
    assert any(r["change"] != "same" for r in rows)
    assert data_of(world.api["admin"].get("/strategies/validation")) == {"problems": []}
    assert world.api["owner"].get("/strategies/validation").status_code == 403
    assert world.api["admin"].get("/strategies/KE/diff?a=1&b=99").status_code == 404


def test_refusals_by_what_is_stored_are_409_and_the_role_rules_are_declared(
    world: World,
) -> None:
    """Issue 15's exact contract for the admin operations: a well-formed request refused by
    what is stored (an e-mail or a code taken, a delegation that does not exist) is a 409
    beside the field; what a role needs, and the codes and zones allowed, are in the document."""
    from tests.support.api import errors_of

    admin = world.api["admin"]
    taken = world.users["analyst"].email
    invite = {"email": taken, "display_name": "Again", "role": "analyst"}
    refused = admin.post("/admin/invitations", invite)
    assert rule_of(refused) == "account.email_taken"
    assert list(errors_of(refused, 409)) == ["email"]
    nowhere = {"email": "new.fp@example.org", "display_name": "New", "role": "focal_point"}
    refused = admin.post("/admin/invitations", {**nowhere, "delegation": "EUDEL-ZZ"})
    assert rule_of(refused) == "account.no_delegation"
    assert list(errors_of(refused, 409)) == ["delegation"]
    delegation = {"code": "EUDEL-NA", "name": "Namibia", "country": "NA", "time_zone": "UTC"}
    assert admin.post("/admin/delegations", delegation).status_code == 201
    refused = admin.post("/admin/delegations", delegation)
    assert rule_of(refused) == "delegation.code_taken"
    # Bad input stays 422: an unknown zone, a code that is no country, a role's missing need.
    for wrong, field in (
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"observation_partners": ["ZZ"]}, "observation_partners.0"),
    ):
        body = {**delegation, "code": "EUDEL-NA2", **wrong}
        assert list(errors_of(admin.post("/admin/delegations", body), 422)) == [field]
    assert "delegation" in errors_of(admin.post("/admin/invitations", nowhere), 422)

    spec = admin.get("/openapi.json").get_json()
    scope = spec["components"]["schemas"]["ScopeInput"]
    needs = {rule["if"]["properties"]["role"]["const"]: rule["then"] for rule in scope["allOf"]}
    assert needs["focal_point"]["required"] == ["delegation"]
    assert needs["protection_officer"]["properties"]["countries"]["minItems"] == 1
    update = spec["components"]["schemas"]["DelegationUpdate"]["properties"]
    assert "Africa/Nairobi" in update["time_zone"]["enum"]
    assert set(update["observation_partners"]["items"]["enum"]) >= {"EU", "KE", "DE"}
    for path in ("/admin/invitations", "/admin/delegations"):
        assert "409" in spec["paths"][path]["post"]["responses"]
