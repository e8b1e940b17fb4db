"""Erasure over the API: the same service and the same two dates as the case page."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models import AuditEntry, KekRetirement
from tests.support.access import fresh
from tests.support.api import DEFENDER_NAME, NARRATIVE, World, data_of, errors_of


def _url(world: World) -> str:
    defender = world.case.defenders[0].reference
    return f"/cases/{world.case.reference}/defenders/{defender}/erasure"


def test_the_owner_erases_a_defender_and_is_told_both_dates(db: Session, world: World) -> None:
    api = world.api["owner"]
    for role in ("officer", "analyst", "admin", "other_focal_point"):
        assert world.api[role].post(_url(world), {"reason": "safety"}).status_code in (403, 404)
    errors_of(api.post(_url(world), {"reason": "Ahmed asked"}), 422)  # a fixed list only
    wrong = f"/cases/{world.case.reference}/defenders/HRD-AAAAA-AAAAA/erasure"
    errors_of(api.post(wrong, {"reason": "safety"}), 404)

    shown = data_of(api.post(_url(world), {"reason": "safety", "include_case_content": True}))

    epoch = fresh(db).scalars(select(KekRetirement)).one()
    assert shown["reference"] == world.case.defenders[0].reference
    assert datetime.fromisoformat(shown["unrecoverable_from_copies_by"]) == epoch.due_at
    assert epoch.due_at > utcnow() + timedelta(days=6)
    assert "unreadable in the application now" in shown["message"]
    case = data_of(api.get(f"/cases/{world.case.reference}"))
    assert case["defenders"][0]["erased"] is True and case["content_erased"] is True
    body = api.get(f"/cases/{world.case.reference}").get_data(as_text=True)
    assert DEFENDER_NAME not in body and NARRATIVE not in body
    entry = fresh(db).scalar(select(AuditEntry).where(AuditEntry.action == "defender.erase"))
    assert entry is not None and entry.actor_id == world.users["owner"].id
