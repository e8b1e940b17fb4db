"""Preferences: a digest user gets one e-mail a day (07:00 in their delegation's zone) with all
their items; "off" gets none of that kind; security messages ignore preferences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.domain.errors import ValidationFailed
from hrd_cases.models import Role
from hrd_cases.notify import inbox
from hrd_cases.notify.scheduler import queue_digests
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.records import RecordVault
from hrd_cases.workflow import referrals
from tests.support.factories import make_case
from tests.support.notify import World
from tests.support.smtp import SmtpServer


def _delivered(worker: OutboxWorker, smtp: SmtpServer, email: str) -> list:  # type: ignore[type-arg]
    worker.run_once()
    return [m for m in smtp.recorder.messages if email in m.recipients]


def test_digest_once_a_day_with_every_item_off_gets_none_security_always(
    app: Flask, db: Session, vault: RecordVault, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    with app.app_context():
        world = World(db, vault)
        digest_officer, off_officer, immediate_officer = world.officers
        inbox.set_preferences(db, digest_officer, {"awaiting_decision": "digest"})
        everything_off = {k: "off" for k in inbox.preferences(db, off_officer)}
        inbox.set_preferences(db, off_officer, everything_off)
        cases = [world.case] + [
            make_case(db, vault, delegation=world.delegation, actor=world.focal) for _ in range(2)
        ]
        for case in cases:
            world.ref = case.reference
            world.refer()
    assert len(_delivered(worker, smtp, immediate_officer.email)) == 3
    assert _delivered(worker, smtp, digest_officer.email) == []
    assert _delivered(worker, smtp, off_officer.email) == []
    # In-app, everyone sees all three whatever their e-mail preference.
    for officer in world.officers:
        assert inbox.unread_count(db, officer) == 3

    # Officers have no delegation: their day is UTC. Before 07:00, no digest.
    today = datetime.now(UTC).date()
    assert queue_digests(db, datetime(today.year, today.month, today.day, 6, 59, tzinfo=UTC)) == 0
    seven = datetime(today.year, today.month, today.day, 7, 5, tzinfo=UTC)
    assert queue_digests(db, seven) == 1
    assert queue_digests(db, seven + timedelta(hours=3)) == 0  # one per day
    digests = _delivered(worker, smtp, digest_officer.email)
    assert len(digests) == 1
    body = digests[0].text()
    assert all(case.reference in body for case in cases)
    assert digests[0].subject == "[hrd_cases] Your daily summary: 3 items"
    assert _delivered(worker, smtp, off_officer.email) == []

    # Security messages go at once, even to someone who switched everything off.
    accounts.reset_second_factor(db, off_officer)
    security = _delivered(worker, smtp, off_officer.email)
    assert [m.subject for m in security] == ["[hrd_cases] Your second factor was reset"]


def test_digest_follows_the_delegation_time_zone(
    app: Flask, db: Session, vault: RecordVault, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    with app.app_context():
        world = World(db, vault)  # Kenya: Africa/Nairobi, UTC+3
        assert world.delegation.time_zone == "Africa/Nairobi"
        inbox.set_preferences(db, world.focal, {"decided": "digest"})
        referral = world.refer()
        referrals.decide_referral(
            db, world.officers[0], referral.id, approve=False, reason="Zq no", vault=world.vault
        )
    worker.expand()  # the worker fans the steps' events out before any digest
    today = datetime.now(UTC).date()
    # 03:30 UTC is 06:30 in Nairobi: too early; 04:05 UTC is 07:05 there.
    assert queue_digests(db, datetime(today.year, today.month, today.day, 3, 30, tzinfo=UTC)) == 0
    assert queue_digests(db, datetime(today.year, today.month, today.day, 4, 5, tzinfo=UTC)) == 1
    (digest,) = _delivered(worker, smtp, world.focal.email)
    assert f"Referral {world.case.reference} was rejected" in digest.text()


def test_security_messages_cannot_be_switched_off(app: Flask, db: Session) -> None:
    from tests.support.factories import make_user

    user = make_user(db, Role.FOCAL_POINT)
    with pytest.raises(ValidationFailed) as refused:
        inbox.set_preferences(db, user, {"security": "off"})
    assert "security" in refused.value.messages
    with pytest.raises(ValidationFailed):
        inbox.set_preferences(db, user, {"decided": "sometimes"})
