"""The caller's own calendar setting through the API: the same choice, service and audit as
the account page, and the same effect on /calendar.ics."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models import AuditEntry
from hrd_cases.records import RecordVault
from hrd_cases.workflow import hearings
from tests.support.access import fresh, sign_in
from tests.support.api import Api, World, data_of, rule_of
from tests.support.factories import strategy_catalogue

COURT = "Zq Milimani Canary Court"


def test_calendar_court_opt_in_through_the_api_changes_the_file(
    app: Flask, db: Session, vault: RecordVault, world: World
) -> None:
    owner = world.users["owner"]
    hearings.schedule_hearing(
        db,
        vault,
        strategy_catalogue(),
        owner,
        world.case.reference,
        scheduled_for=utcnow() + timedelta(days=4),
        court=COURT,
    )
    api = world.api["owner"]
    assert data_of(api.get("/me/calendar")) == {"shows_court": False}
    browser = sign_in(app, owner.email)
    assert COURT not in browser.get("/calendar.ics").get_data(as_text=True)

    assert data_of(api.call("PUT", "/me/calendar", {"shows_court": True})) == {"shows_court": True}
    assert COURT in browser.get("/calendar.ics").get_data(as_text=True)
    assert "account.calendar_court.change" in fresh(db).scalars(select(AuditEntry.action)).all()

    # Only a JSON boolean; nothing else in the body; roles without a calendar are refused.
    assert api.call("PUT", "/me/calendar", {"shows_court": "yes"}).status_code == 422
    assert api.call("PUT", "/me/calendar", {"shows_court": 1}).status_code == 422
    extra = {"shows_court": False, "calendar_shows_court": False}
    assert api.call("PUT", "/me/calendar", extra).status_code == 422
    assert world.api["analyst"].get("/me/calendar").status_code == 403
    assert world.api["anonymous"].get("/me/calendar").status_code == 401
    assert data_of(api.call("PUT", "/me/calendar", {"shows_court": False})) == {
        "shows_court": False
    }
    assert COURT not in browser.get("/calendar.ics").get_data(as_text=True)


def test_a_token_never_revokes_itself(world: World) -> None:
    """An automated client cannot lock itself out mid-run (the fuzz once did, drawing its
    own token's id): the calling token is refused with a named rule; another one is revoked."""
    from hrd_cases.auth.accounts import api_token_in_use

    owner, admin = world.api["owner"], world.api["admin"]
    created = data_of(owner.post("/account/tokens", {"name": "second", "days": 1}), 201)
    second = Api(owner.client, created["value"])
    with owner.client.application.app_context():
        from hrd_cases.current import current_session

        calling = api_token_in_use(current_session(), world.tokens["owner"])
        admin_calling = api_token_in_use(current_session(), world.tokens["admin"])
        assert calling is not None and admin_calling is not None
        own_id, admin_id = calling.id, admin_calling.id
    refused = owner.post(f"/account/tokens/{own_id}/revoke")
    assert refused.status_code == 409 and rule_of(refused) == "account.token_in_use"
    refused = admin.post(f"/admin/tokens/{admin_id}/revoke")
    assert refused.status_code == 409 and rule_of(refused) == "account.token_in_use"
    assert owner.get("/me").status_code == 200  # still in use
    # With another token, the first one is revoked (and stops working).
    data_of(second.post(f"/account/tokens/{own_id}/revoke"))
    assert owner.get("/me").status_code == 401
