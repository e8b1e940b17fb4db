"""Each event, driven through the real services, then one worker pass against a real SMTP
server (STARTTLS + AUTH): who receives it, its subject, and that its link opens the case for
the recipient and is 404 for anyone else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import consent_scope_for
from hrd_cases.models import (
    Notification,
    NotificationEvent,
    OutboxMessage,
    OutboxState,
    Role,
)
from hrd_cases.notify.scheduler import raise_deadline_events, raise_hearing_reminders
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.records import RecordVault
from hrd_cases.workflow import referrals, statements
from tests.support.factories import make_delegation, make_user
from tests.support.notify import PUBLIC, World
from tests.support.smtp import SmtpServer


@pytest.fixture
def world(app: Flask, db: Session, vault: RecordVault) -> World:
    with app.app_context():
        return World(db, vault)


def _deliver(worker: OutboxWorker, smtp: SmtpServer) -> list:  # type: ignore[type-arg]
    before = len(smtp.recorder.messages)
    result = worker.run_once()
    assert result.failed == 0
    return smtp.recorder.messages[before:]


def _recipients(messages) -> set[str]:  # type: ignore[no-untyped-def]
    return {r for m in messages for r in m.recipients}


def _link(message) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"https://hrd\.example\.org(/cases/[A-Z]{2}-\d{4}-\d{4})", message.text())
    assert match, message.text()
    return match.group(1)


def _opens(app: Flask, email: str, path: str) -> int:
    client: FlaskClient = app.test_client()
    from tests.support.app import AuthActions

    AuthActions(client, app).login(email)
    return client.get(path).status_code


def test_referral_awaiting_decision_goes_to_the_covering_officers_only(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    elsewhere = make_user(db, Role.PROTECTION_OFFICER, countries=("NP",))
    with app.app_context():
        world.refer()
    messages = _deliver(worker, smtp)
    assert _recipients(messages) == {o.email for o in world.officers}
    hours = world.template.deadlines.referral_decision_hours
    assert {m.subject for m in messages} == {
        f"[hrd_cases] Referral {world.ref} awaits your decision (due in {hours} hours)"
    }
    path = _link(messages[0])
    assert path == f"/cases/{world.ref}"
    assert _opens(app, world.officers[0].email, path) == 200
    assert _opens(app, elsewhere.email, path) == 404


def test_statement_submitted_then_approved_and_rejected(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    with app.app_context():
        world.consent(consent_scope_for(PUBLIC))
        statement = world.draft()
        statements.submit_statement(db, world.focal, statement.id)
    awaiting = _deliver(worker, smtp)
    assert _recipients(awaiting) == {o.email for o in world.officers}
    assert all(f"Statement {world.ref} awaits your decision" in m.subject for m in awaiting)
    with app.app_context():
        world.approve_statement(statement)
    decided = _deliver(worker, smtp)
    assert _recipients(decided) == {world.focal.email}
    assert [m.subject for m in decided] == [f"[hrd_cases] Statement {world.ref} was approved"]
    stranger = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="KE"))
    assert _opens(app, world.focal.email, _link(decided[0])) == 200
    assert _opens(app, stranger.email, _link(decided[0])) == 404


def test_referral_rejected_tells_the_requester(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    with app.app_context():
        referral = world.refer()
    _deliver(worker, smtp)
    with app.app_context():
        referrals.decide_referral(
            db, world.officers[0], referral.id, approve=False, reason="Zq no", vault=world.vault
        )
    decided = _deliver(worker, smtp)
    assert _recipients(decided) == {world.focal.email}
    assert [m.subject for m in decided] == [f"[hrd_cases] Referral {world.ref} was rejected"]


def test_deadline_warning_then_overdue_to_those_who_owe_it(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    with app.app_context():
        referral = world.refer()
    _deliver(worker, smtp)
    hours = world.template.deadlines.referral_decision_hours
    requested = referral.requested_at
    assert requested is not None
    catalogue = world.catalogue
    # 80% of the time gone: within the last quarter, a warning; raising twice changes nothing.
    almost = requested + timedelta(hours=hours * 0.8)
    assert raise_deadline_events(db, catalogue, almost) == len(world.officers)
    assert raise_deadline_events(db, catalogue, almost) == 0
    warned = _deliver(worker, smtp)
    assert _recipients(warned) == {o.email for o in world.officers}
    assert all(
        m.subject.startswith(f"[hrd_cases] The referral decision on {world.ref} is due soon")
        for m in warned
    )
    late = requested + timedelta(hours=hours, minutes=1)
    assert raise_deadline_events(db, catalogue, late) == len(world.officers)
    overdue = _deliver(worker, smtp)
    assert all(f"The referral decision on {world.ref} is overdue" in m.subject for m in overdue)
    assert _recipients(overdue) == {o.email for o in world.officers}


def test_hearing_tomorrow_reminds_the_focal_point(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    with app.app_context():
        hearing = world.schedule(scheduled_for=utcnow() + timedelta(days=3))
    day_before = hearing.scheduled_for - timedelta(hours=24)
    assert raise_hearing_reminders(db, day_before) == 1
    assert raise_hearing_reminders(db, day_before) == 0
    messages = _deliver(worker, smtp)
    assert _recipients(messages) == {world.focal.email}
    assert [m.subject for m in messages] == [f"[hrd_cases] A hearing on {world.ref} is tomorrow"]
    assert _opens(app, world.focal.email, _link(messages[0])) == 200


def test_account_changes_are_told_to_the_owner(
    app: Flask, db: Session, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    user = make_user(db, Role.FOCAL_POINT)
    hasher = app.extensions["hrd_password_hasher"]
    user.session_token = None
    accounts.create_api_token(db, user, "laptop", days=5, max_days=90)
    assert (
        accounts.change_password(
            db, hasher, user, "correct horse battery staple", "a brand new long passphrase 2026"
        )
        == {}
    )
    accounts.reset_second_factor(db, user)
    messages = _deliver(worker, smtp)
    assert _recipients(messages) == {user.email}
    assert sorted(m.subject for m in messages) == sorted(
        [
            "[hrd_cases] A new API token was created for your account",
            "[hrd_cases] Your password was changed",
            "[hrd_cases] Your second factor was reset",
        ]
    )


def test_sign_in_from_a_new_browser_is_told_to_the_owner(
    app: Flask, db: Session, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    from hrd_cases.auth.service import start_session
    from tests.support.app import AuthActions

    user = make_user(db, Role.FOCAL_POINT)
    start_session(db, user, origin="known-origin")
    start_session(db, user, origin="known-origin")  # the same browser again: nothing new
    assert _deliver(worker, smtp) == []
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = "Another browser/1.0"
    AuthActions(other, app).login(user.email)  # through the real sign-in form
    messages = _deliver(worker, smtp)
    assert [m.subject for m in messages] == ["[hrd_cases] New sign-in to your account"]
    assert _recipients(messages) == {user.email}


def test_a_step_that_fails_after_writing_its_notification_leaves_none(
    app: Flask,
    db: Session,
    world: World,
    worker: OutboxWorker,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The notification's outbox row is flushed inside the step's transaction, then the step
    fails: nothing is left, and the worker finds nothing to send."""
    seen_inside: list[int] = []

    def fail_after_notifying(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        session.flush()
        seen_inside.append(session.scalar(select(func.count()).select_from(NotificationEvent)))
        raise RuntimeError("forced failure after the outbox insert")

    monkeypatch.setattr(referrals.audit, "record", fail_after_notifying)
    with app.app_context(), pytest.raises(RuntimeError, match="forced failure"):
        world.refer()
    assert seen_inside == [1]  # written, inside the transaction
    for model in (NotificationEvent, Notification, OutboxMessage):
        assert db.scalar(select(func.count()).select_from(model)) == 0
    assert _deliver(worker, smtp) == []
    assert db.scalar(select(func.count()).select_from(Notification)) == 0


def test_smtp_without_the_right_password_is_retried_not_lost(
    app: Flask,
    db: Session,
    world: World,
    mail_settings,
    smtp: SmtpServer,  # type: ignore[no-untyped-def]
) -> None:
    from hrd_cases.db import database_of
    from hrd_cases.notify.transport import SmtpTransport

    wrong = mail_settings.replace(
        smtp_password="wrong", notify_max_attempts=2, smtp_timeout_seconds=2.0
    )
    bad_worker = OutboxWorker(
        database_of(app), wrong, SmtpTransport(wrong), app.extensions["hrd_strategies"]
    )
    with app.app_context():
        world.refer()
    bad_worker.run_once()
    assert smtp.recorder.messages == []
    states = set(db.scalars(select(OutboxMessage.state)))
    assert states == {OutboxState.QUEUED}
    db.rollback()
    bad_worker.clock = lambda: utcnow() + timedelta(hours=1)
    bad_worker.run_once()
    db.rollback()
    failed = db.scalars(select(OutboxMessage)).all()
    assert {m.state for m in failed} == {OutboxState.FAILED}
    assert all(m.last_error for m in failed)


def test_case_reassigned_tells_both_focal_points_and_later_events_follow_the_assignee(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    from hrd_cases.workflow import case_steps

    colleague = make_user(db, Role.FOCAL_POINT, delegation=world.delegation)
    bystander = make_user(db, Role.FOCAL_POINT, delegation=world.delegation)
    with app.app_context():
        case_steps.reassign_case(db, world.focal, world.ref, colleague.id)
    messages = _deliver(worker, smtp)
    assert _recipients(messages) == {world.focal.email, colleague.email}
    assert bystander.email not in _recipients(messages)
    assert {m.subject for m in messages} == {f"[hrd_cases] Case {world.ref} was reassigned"}
    assert _opens(app, colleague.email, _link(messages[0])) == 200
    # A decision now goes to the assignee, no longer to whoever opened the case.
    with app.app_context():
        referral = world.refer()
    _deliver(worker, smtp)
    with app.app_context():
        referrals.decide_referral(
            db, world.officers[0], referral.id, approve=False, reason="Zq no", vault=world.vault
        )
    decided = _deliver(worker, smtp)
    # The requester (the opener, who requested it) and the assigned focal point.
    assert _recipients(decided) == {world.focal.email, colleague.email}


def test_referral_returned_for_revision_tells_the_requester_and_the_assignee(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    """Issue 16's revision loop: the requester and the assigned focal point hear that it came
    back, by reference only; the link is theirs, 404 for a focal point of another delegation."""
    stranger = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="UG"))
    with app.app_context():
        referral = world.refer()
    _deliver(worker, smtp)
    with app.app_context():
        referrals.return_referral(
            db, world.vault, world.officers[0], referral.id, reason="Zq lower the amount"
        )
    returned = _deliver(worker, smtp)
    assert _recipients(returned) == {world.focal.email}
    assert [m.subject for m in returned] == [
        f"[hrd_cases] Referral {world.ref} was returned to you for revision"
    ]
    assert "Zq" not in returned[0].text()
    path = _link(returned[0])
    assert _opens(app, world.focal.email, path) == 200
    assert _opens(app, stranger.email, path) == 404
