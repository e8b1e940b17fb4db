"""The in-app list: unread count in the header, the list with links to cases, mark read singly
and all at once, preferences; plain forms (no JavaScript); the same through the API."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.models import Delivery, Notification, NotificationPreference, Role
from hrd_cases.notify.events import expand_pending
from hrd_cases.records import RecordVault
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_user
from tests.support.notify import World


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _world_with_two_requests(app: Flask, db: Session, vault: RecordVault) -> World:
    with app.app_context():
        world = World(db, vault)
        world.refer()
        second = make_case(db, vault, delegation=world.delegation, actor=world.focal)
        world.ref = second.reference
        world.refer()
    # The worker fans the steps' events out (here without sending anything).
    with app.extensions["hrd_db"].session() as session:
        assert expand_pending(session, app.extensions["hrd_strategies"]) == 2
    return world


def test_header_count_list_mark_one_then_all_without_javascript(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    world = _world_with_two_requests(app, db, vault)
    officer = world.officers[0]
    client = app.test_client()
    AuthActions(client, app).login(officer.email)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'aria-label="2 unread">2<', home)
    page = client.get("/notifications").get_data(as_text=True)
    assert "<script" not in page
    assert page.count("awaits your decision") == 2
    assert f'href="/cases/{world.ref}"' in page
    assert client.get(f"/cases/{world.ref}").status_code == 200
    ids = [n.id for n in db.scalars(select(Notification).where(Notification.user_id == officer.id))]
    answer = client.post(f"/notifications/{ids[0]}/read", data={"csrf_token": _csrf(page)})
    assert answer.status_code == 302
    assert 'aria-label="1 unread">1<' in client.get("/").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    client.post("/notifications/read-all", data={"csrf_token": _csrf(page)})
    assert 'unread">' not in client.get("/").get_data(as_text=True)
    db.rollback()  # a fresh snapshot: the app committed in its own session
    assert all(
        n.read_at is not None
        for n in db.scalars(select(Notification).where(Notification.user_id == officer.id))
    )
    # Without a CSRF token nothing changes (a plain form, still protected).
    assert client.post("/notifications/read-all").status_code == 400


def test_someone_elses_notification_is_absent(app: Flask, db: Session, vault: RecordVault) -> None:
    world = _world_with_two_requests(app, db, vault)
    theirs = db.scalar(select(Notification.id).where(Notification.user_id == world.officers[0].id))
    client = app.test_client()
    AuthActions(client, app).login(world.officers[1].email)
    page = client.get("/notifications").get_data(as_text=True)
    assert (
        client.post(f"/notifications/{theirs}/read", data={"csrf_token": _csrf(page)}).status_code
        == 404
    )
    db.rollback()  # a fresh snapshot: the app committed in its own session
    assert db.get(Notification, theirs).read_at is None


def test_preferences_form_saves_each_kind(app: Flask, db: Session) -> None:
    user = make_user(db, Role.FOCAL_POINT)
    client = app.test_client()
    AuthActions(client, app).login(user.email)
    page = client.get("/notifications").get_data(as_text=True)
    form = {"csrf_token": _csrf(page), "decided": "digest", "deadline": "off"}
    assert client.post("/notifications/preferences", data=form).status_code == 302
    rows = dict(
        db.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    assert rows["decided"] is Delivery.DIGEST and rows["deadline"] is Delivery.OFF


def test_api_lists_and_marks_read_through_the_same_service(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    world = _world_with_two_requests(app, db, vault)
    officer, other = world.officers[0], world.officers[1]
    _, token = accounts.create_api_token(db, officer, "tests", days=5, max_days=90)
    _, other_token = accounts.create_api_token(db, other, "tests", days=5, max_days=90)
    with app.extensions["hrd_db"].session() as session:
        expand_pending(session, app.extensions["hrd_strategies"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/me/notifications", headers=headers).get_json()
    # Two requests plus the token's own security notice.
    assert body["meta"]["unread"] == 3
    awaiting = [n for n in body["data"] if n["event"] == "awaiting_decision"]
    assert {n["case_reference"] for n in awaiting} == {world.case.reference, world.ref}
    assert all(n["link"] == f"/cases/{n['case_reference']}" for n in awaiting)
    first = awaiting[0]["id"]
    marked = client.post(f"/api/v1/me/notifications/{first}/read", headers=headers)
    assert marked.status_code == 200 and marked.get_json()["data"]["read"] is True
    assert client.get("/api/v1/me/notifications", headers=headers).get_json()["meta"]["unread"] == 2
    stolen = client.post(
        f"/api/v1/me/notifications/{awaiting[1]['id']}/read",
        headers={"Authorization": f"Bearer {other_token}"},
    )
    assert stolen.status_code == 404
    spec = client.get("/api/v1/openapi.json", headers=headers).get_json()
    assert "/me/notifications" in spec["paths"]
    assert "post" in spec["paths"]["/me/notifications/{notification_id}/read"]


def test_the_admin_sees_failed_emails(app: Flask, db: Session) -> None:
    from hrd_cases.models import OutboxMessage, OutboxState
    from hrd_cases.notify.outbox import new_message_id

    admin = make_user(db, Role.ADMIN)
    someone = make_user(db, Role.FOCAL_POINT, email="someone@example.org")
    db.add(
        OutboxMessage(
            idempotency_key=new_message_id(),
            user_id=someone.id,
            is_digest=False,
            state=OutboxState.FAILED,
            attempts=8,
            last_error="SMTPRecipientsRefused",
        )
    )
    db.commit()
    client = app.test_client()
    AuthActions(client, app).login(admin.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "E-mails not delivered" in page
    assert "someone@example.org" in page and "SMTPRecipientsRefused" in page
    officer_client = app.test_client()
    AuthActions(officer_client, app).login(someone.email)
    assert "E-mails not delivered" not in officer_client.get("/notifications").get_data(
        as_text=True
    )


def test_api_preferences_and_failed_list(app: Flask, db: Session) -> None:
    user = make_user(db, Role.FOCAL_POINT)
    admin = make_user(db, Role.ADMIN)
    _, token = accounts.create_api_token(db, user, "tests", days=5, max_days=90)
    _, admin_token = accounts.create_api_token(db, admin, "tests", days=5, max_days=90)
    client = app.test_client()
    mine = {"Authorization": f"Bearer {token}"}
    changed = client.patch(
        "/api/v1/me/notification-preferences", json={"decided": "digest"}, headers=mine
    )
    assert changed.status_code == 200 and changed.get_json()["data"]["decided"] == "digest"
    refused = client.patch(
        "/api/v1/me/notification-preferences", json={"security": "off"}, headers=mine
    )
    assert refused.status_code == 422
    shown = client.get("/api/v1/me/notification-preferences", headers=mine).get_json()["data"]
    assert shown["decided"] == "digest" and shown["deadline"] == "immediate"
    assert client.get("/api/v1/admin/outbox/failed", headers=mine).status_code == 403
    listed = client.get(
        "/api/v1/admin/outbox/failed", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert listed.status_code == 200 and listed.get_json()["data"] == []
