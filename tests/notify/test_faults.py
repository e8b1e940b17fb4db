"""Delivery faults, against a real SMTP server and real worker processes: the server down for
a minute, a worker SIGKILLed mid-batch, two workers on PostgreSQL, a clean stop on SIGTERM.
Checked by the Message-IDs the server saw against the outbox's idempotency keys."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.models import OutboxMessage, OutboxState, Role
from hrd_cases.notify.outbox import Alert, Kind, notify
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.settings import Settings
from tests.support.app import TEST_SECRET_KEY
from tests.support.factories import make_user
from tests.support.smtp import SmtpServer

WORKER = str(Path(sys.executable).with_name("hrd-cases"))


def queue(db: Session, count: int, users: int = 10) -> list[str]:
    """``count`` security messages (immediate whatever the preferences), committed."""
    people = [make_user(db, Role.FOCAL_POINT, enrolled=False) for _ in range(users)]
    for i in range(count):
        notify(db, [people[i % users]], Alert(event="password_changed", kind=Kind.SECURITY))
        if i % 500 == 499:
            db.commit()
    db.commit()
    return list(db.scalars(select(OutboxMessage.idempotency_key)))


def wait_until(condition, timeout: float, step: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def sent_count(app: Flask) -> int:
    with app.extensions["hrd_db"].session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.SENT)
            )
            or 0
        )


@pytest.fixture
def worker_environment(app: Flask, smtp: SmtpServer, tmp_path: Path) -> dict[str, str]:
    settings: Settings = app.extensions["hrd_settings"]
    return {
        **os.environ,
        "HRD_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": settings.database_url,
        "HRD_KEYRING_FILE": str(settings.keyring_file),
        "HRD_INSTANCE_PATH": str(tmp_path),
        **smtp.environment(),
        "HRD_NOTIFY_LEASE_SECONDS": "3",
        "HRD_NOTIFY_BATCH_SIZE": "25",
        "HRD_NOTIFY_POLL_SECONDS": "0.2",
        "HRD_NOTIFY_BACKOFF_BASE_SECONDS": "0.5",
        "HRD_NOTIFY_BACKOFF_CAP_SECONDS": "2",
    }


@pytest.fixture
def workers(worker_environment: dict[str, str]) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def start_worker(environment: dict[str, str], started: list) -> subprocess.Popen[str]:  # type: ignore[type-arg]
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [WORKER, "worker", "--no-scheduler"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started.append(process)
    return process


def assert_exactly_once(smtp: SmtpServer, keys: list[str]) -> None:
    seen = collections.Counter(smtp.recorder.ids())
    duplicates = {k: n for k, n in seen.items() if n > 1}
    assert duplicates == {}, f"{len(duplicates)} message(s) delivered twice"
    missing = set(keys) - set(seen)
    assert missing == set(), f"{len(missing)} message(s) never delivered"
    assert set(seen) == set(keys)


def test_smtp_down_for_a_minute_then_back_delivers_each_message_once(
    app: Flask, db: Session, smtp: SmtpServer, worker: OutboxWorker
) -> None:
    keys = queue(db, 40)
    smtp.stop()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(60)  # a minute with nobody listening: every attempt fails and backs off
    with app.extensions["hrd_db"].session() as session:
        retried = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.attempts >= 2)
        )
        assert retried == 40, "each message was tried and backed off while the server was down"
        assert sent_count(app) == 0
    smtp.start()
    assert wait_until(lambda: sent_count(app) == 40, timeout=60)
    stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert_exactly_once(smtp, keys)


def test_worker_killed_mid_batch_then_restarted_no_duplicate_no_loss(
    app: Flask,
    db: Session,
    smtp: SmtpServer,
    worker_environment: dict[str, str],
    workers: list,  # type: ignore[type-arg]
) -> None:
    keys = queue(db, 150)
    smtp.recorder.reply_delay_seconds = 0.02
    first = start_worker(worker_environment, workers)
    # Generous: a loaded machine starts the worker and its first batches slowly.
    assert wait_until(lambda: len(smtp.recorder.ids()) >= 30, timeout=240)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    delivered_before = len(smtp.recorder.ids())
    assert delivered_before < len(keys), "the kill came after the batch: nothing to prove"
    smtp.recorder.reply_delay_seconds = 0.0
    second = start_worker(worker_environment, workers)

    def settled() -> bool:
        with app.extensions["hrd_db"].session() as session:
            open_rows = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state.not_in([OutboxState.SENT, OutboxState.FAILED]))
            )
        return open_rows == 0

    assert wait_until(settled, timeout=90)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    assert_exactly_once(smtp, keys)
    with app.extensions["hrd_db"].session() as session:
        failed = session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == OutboxState.FAILED)
        ).all()
    # A row caught mid hand-over is never resent, and is shown to the admin; the server got it.
    assert all(m.last_error and "hand-over" in m.last_error for m in failed)
    assert {m.idempotency_key for m in failed} <= set(smtp.recorder.ids())


def test_worker_stops_cleanly_on_sigterm(
    worker_environment: dict[str, str],
    workers: list,  # type: ignore[type-arg]
) -> None:
    process = start_worker(worker_environment, workers)
    assert process.stderr is not None
    # Its first line comes after the signal handlers are in place.
    assert "worker delivering to SMTP" in process.stderr.readline()
    time.sleep(1)
    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert "worker stopped" in process.stderr.read()


@pytest.mark.postgres_only
def test_two_workers_on_postgresql_deliver_2000_messages_once(
    app: Flask,
    db: Session,
    smtp: SmtpServer,
    worker_environment: dict[str, str],
    workers: list,  # type: ignore[type-arg]
) -> None:
    keys = queue(db, 2000, users=40)
    environment = {**worker_environment, "HRD_NOTIFY_LEASE_SECONDS": "120"}
    pair = [start_worker(environment, workers) for _ in range(2)]
    assert wait_until(lambda: sent_count(app) == 2000, timeout=300, step=1)
    for process in pair:
        process.send_signal(signal.SIGTERM)
    assert [p.wait(timeout=30) for p in pair] == [0, 0]
    assert_exactly_once(smtp, keys)
    with app.extensions["hrd_db"].session() as session:
        shares = dict(
            session.execute(
                select(OutboxMessage.claimed_by, func.count()).group_by(OutboxMessage.claimed_by)
            ).all()
        )
    assert len(shares) == 2 and all(n > 0 for n in shares.values()), shares
