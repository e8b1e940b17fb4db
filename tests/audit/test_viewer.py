"""The audit viewer: filters and keyset paging in SQL, the same rows in the pages, the CSV
and the API; the hash chain's state names the first broken entry; only admins and auditors
may read it, and "who accessed this case" answers the case's readers and the auditor only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.db import utcnow
from hrd_cases.models import AuditEntry, Role
from tests.support.access import fresh, sign_in
from tests.support.admin import csrf
from tests.support.api import World, data_of, token_for
from tests.support.api import world as world


def seed(db: Session, world: World) -> None:
    """Known entries on top of what the world's creation logged."""
    owner, officer = world.users["owner"], world.users["officer"]
    for _ in range(7):
        audit.record(
            db, "case.view", actor_id=owner.id, object_type="case", object_id=world.case.reference
        )
    audit.record(
        db, "case.view", actor_id=officer.id, object_type="case", object_id=world.case.reference
    )
    audit.record(db, "login.failure", outcome=audit.Outcome.FAILURE, details={"reason": "x"})
    audit.record(db, "case.view", actor_id=officer.id, object_type="case", object_id="UG-2026-9")
    db.commit()


def test_filters_and_paging_agree_across_page_csv_and_api(
    app: Flask, db: Session, world: World
) -> None:
    seed(db, world)
    owner = world.users["owner"]
    api = world.api["admin"]
    ref = world.case.reference
    first = api.get(f"/audit/entries?actor={owner.email}&action=case.view&case={ref}&limit=3")
    rows = data_of(first)
    assert [r["action"] for r in rows] == ["case.view"] * 3
    assert all(r["actor_id"] == owner.id and r["object_id"] == ref for r in rows)
    cursor = first.get_json()["meta"]["next_before"]
    seen = [r["seq"] for r in rows]
    while cursor:
        response = api.get(
            f"/audit/entries?actor={owner.email}&action=case.view&case={ref}&limit=3&before={cursor}"
        )
        seen += [r["seq"] for r in data_of(response)]
        cursor = response.get_json()["meta"]["next_before"]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen) == 7
    failures = data_of(api.get("/audit/entries?outcome=failure"))
    assert {r["action"] for r in failures} == {"login.failure"}
    prefix = data_of(api.get("/audit/entries?action=case."))
    assert prefix and all(r["action"].startswith("case.") for r in prefix)
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert data_of(api.get(f"/audit/entries?since={tomorrow}")) == []
    today = utcnow().date().isoformat()
    assert len(data_of(api.get(f"/audit/entries?since={today}&until={today}&limit=200"))) > 10
    # The page and the CSV show the same filtered entries.
    admin_browser = sign_in(app, world.users["admin"].email)
    page = admin_browser.get(f"/audit?actor={owner.email}&case={ref}&action=case.view")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("<td>case.view</td>") == 7
    exported = admin_browser.get(f"/audit/export.csv?actor={owner.email}&case={ref}")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert {r["object_id"] for r in table} == {ref} and {r["actor"] for r in table} == {owner.email}
    api_csv = api.get(f"/audit/entries.csv?actor={owner.email}&case={ref}")
    assert api_csv.get_data(as_text=True) == exported.get_data(as_text=True)


def test_the_chain_state_names_the_first_broken_entry(
    app: Flask, db: Session, world: World
) -> None:
    seed(db, world)
    api = world.api["auditor"] if "auditor" in world.api else world.api["admin"]
    state = data_of(api.get("/audit/chain"))
    assert state["problem"] is None and state["verified_up_to"] == state["entries"] > 10
    fresh(db).execute(update(AuditEntry).where(AuditEntry.seq == 5).values(outcome="failure"))
    db.commit()
    # Entries already checked are re-read only by a full walk, which finds the edit.
    full = data_of(api.post("/audit/chain/verify"))
    assert full["first_broken_entry"] == 5 and full["verified_up_to"] == 4
    browser = sign_in(app, world.users["admin"].email)
    response = browser.post("/audit/verify", data={"csrf_token": csrf(browser, "/audit")})
    assert "Broken: entry 5" in response.get_data(as_text=True)


def test_appended_entries_are_checked_from_the_last_checkpoint(db: Session, world: World) -> None:
    api = world.api["admin"]
    before = data_of(api.post("/audit/chain/verify"))
    assert before["problem"] is None and before["last_full_walk"] is not None
    seed(db, world)
    last = fresh(db).query(AuditEntry).order_by(AuditEntry.seq.desc()).first()
    assert last is not None
    fresh(db).execute(update(AuditEntry).where(AuditEntry.seq == last.seq).values(action="x"))
    db.commit()
    state = data_of(api.get("/audit/chain"))
    assert state["first_broken_entry"] == last.seq


@pytest.mark.parametrize("role", ["owner", "officer", "analyst"])
def test_other_roles_cannot_read_the_audit_log(app: Flask, world: World, role: str) -> None:
    browser = sign_in(app, world.users[role].email)
    for url in ("/audit", "/audit/export.csv"):
        assert browser.get(url).status_code == 403, url
    token = csrf(browser, "/account/password")
    assert browser.post("/audit/verify", data={"csrf_token": token}).status_code == 403
    for path in ("/audit/entries", "/audit/entries.csv", "/audit/chain"):
        assert world.api[role].get(path).status_code == 403, path
    assert world.api[role].post("/audit/chain/verify").status_code == 403


def test_who_accessed_a_case(app: Flask, db: Session, world: World) -> None:
    ref = world.case.reference
    owner_browser = sign_in(app, world.users["owner"].email)
    assert owner_browser.get(f"/cases/{ref}").status_code == 200
    officer_browser = sign_in(app, world.users["officer"].email)
    assert officer_browser.get(f"/cases/{ref}").status_code == 200
    auditor = _auditor(db, world)
    for browser in (owner_browser, officer_browser, sign_in(app, auditor.email)):
        page = browser.get(f"/audit/access?case={ref}")
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert world.users["owner"].email in body and world.users["officer"].email in body
        assert "Canary" not in body and "canary" not in body
    audit.record(
        db,
        "attachment.download",
        actor_id=world.users["officer_two"].id,
        object_type="attachment",
        object_id=7,
        details={"case": ref},
    )
    db.commit()
    listed = data_of(world.api["officer"].get(f"/audit/access?case={ref}"))
    assert world.users["officer_two"].id in {r["actor_id"] for r in listed}
    assert {r["actor_id"] for r in listed} >= {world.users["owner"].id, world.users["officer"].id}
    # Out of scope looks like absent; roles without case access are refused.
    other = sign_in(app, world.users["other_focal_point"].email)
    assert other.get(f"/audit/access?case={ref}").status_code == 404
    assert world.api["other_officer"].get(f"/audit/access?case={ref}").status_code == 404
    assert world.api["analyst"].get(f"/audit/access?case={ref}").status_code == 403
    assert world.api["admin"].get(f"/audit/access?case={ref}").status_code == 403


def _auditor(db: Session, world: World):  # type: ignore[no-untyped-def]
    from tests.support.factories import make_user

    user = make_user(db, Role.AUDITOR)
    world.users["auditor"] = user
    return user


def test_the_auditor_reads_the_log_by_api(db: Session, world: World, app: Flask) -> None:
    auditor = _auditor(db, world)
    from tests.support.api import Api

    api = Api(app.test_client(), token_for(db, auditor))
    assert data_of(api.get("/audit/entries"))
    assert data_of(api.get(f"/audit/access?case={world.case.reference}")) is not None
    assert api.get("/me").status_code == 200


def test_a_date_range_gives_exactly_the_entries_written_in_it(db: Session) -> None:
    """The range becomes a range of sequence numbers (one probe of the at index per end):
    the page holds exactly the entries whose time is in [since, until), whatever the page
    size, and a range after the last entry is empty without walking the log."""
    from hrd_cases.reads.audit import AuditFilter, audit_page

    start = utcnow().replace(microsecond=0) - timedelta(days=10)
    for n in range(30):
        audit.record(db, "case.view", object_type="case", object_id=f"KE-2026-{n}")
    db.commit()
    # Spread the entries one a day apart, three a day, in their written order.
    seqs = list(fresh(db).scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    for k, seq in enumerate(seqs):
        at = start + timedelta(days=k // 3)
        db.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(at=at))
    db.commit()
    since, until = start + timedelta(days=2), start + timedelta(days=5)
    expected = [s for k, s in enumerate(seqs) if 2 <= k // 3 < 5][::-1]
    for limit in (1, 4, 50):
        got: list[int] = []
        before = None
        while True:
            page = audit_page(db, AuditFilter(since=since, until=until), before=before, limit=limit)
            got += [r.seq for r in page.rows]
            if page.next_before is None:
                break
            before = page.next_before
        assert got == expected, limit
    assert audit_page(db, AuditFilter(since=start + timedelta(days=30))).rows == []
    assert audit_page(db, AuditFilter(until=start)).rows == []
    everything = audit_page(db, AuditFilter(since=start, until=start + timedelta(days=30)))
    assert [r.seq for r in everything.rows] == seqs[::-1]
