"""Benchmark of notifications (issue 18).

Measures, in one run on one machine:
  (a) the cost of the outbox insert on a workflow step: requesting a referral (which notifies
      the officers covering the country) with notifications on, against the same step with the
      notification hook switched off, in alternating rounds. Reported as throughput without /
      with... inverted to "with / without" so that 1.0 means free (target >= 0.9);
  (b) worker throughput to a loopback SMTP server (aiosmtpd), in messages per second.

    .venv/bin/python scripts/bench_notify.py                 # SQLite
    .venv/bin/python scripts/bench_notify.py --quick         # a smoke run in seconds
    .venv/bin/python scripts/bench_notify.py --write-docs    # also update docs/benchmarks.md
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_notify.py
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

from hrd_cases import create_app
from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import database_of, utcnow
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism, RiskLevel, ThreatType
from hrd_cases.models import (
    Delegation,
    Notification,
    NotificationEvent,
    OutboxMessage,
    OutboxState,
    Role,
    User,
    UserCountry,
)
from hrd_cases.notify.outbox import Alert, Kind, notify
from hrd_cases.notify.transport import SmtpTransport
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.settings import Settings
from hrd_cases.workflow import referrals, service
from hrd_cases.workflow.referrals import ReferralInput
from hrd_cases.workflow.service import IntakeInput, open_case
from scripts.benchlib import machine_description, throwaway_database, write_docs_section

OFFICERS = 5


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _people(session, hasher) -> tuple[Delegation, User]:  # type: ignore[no-untyped-def]
    delegation = Delegation(code="BENCH", name="Bench", country="KE")
    session.add(delegation)
    password = hasher.hash("bench password not used")
    focal = User(
        email="focal@bench.invalid",
        display_name="Focal",
        role=Role.FOCAL_POINT,
        delegation=delegation,
        password_hash=password,
    )
    session.add(focal)
    for i in range(OFFICERS):
        officer = User(
            email=f"officer{i}@bench.invalid",
            display_name=f"Officer {i}",
            role=Role.PROTECTION_OFFICER,
            password_hash=password,
        )
        officer.covered_countries = [UserCountry(country="KE")]
        session.add(officer)
    session.commit()
    return delegation, focal


def bench_step(app, rounds: int, per_round: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    vault, catalogue = app.extensions["hrd_vault"], app.extensions["hrd_strategies"]
    database = database_of(app)
    hook = service.on_timeline_event
    with app.app_context(), database.session() as session:
        delegation, focal = _people(session, app.extensions["hrd_password_hasher"])
        drafts = []
        for _ in range(rounds * per_round * 2):
            case = open_case(
                session,
                vault,
                catalogue,
                focal,
                IntakeInput(
                    delegation_id=delegation.id,
                    country="KE",
                    risk_level=RiskLevel.MEDIUM,
                    defender={"name": "Bench Defender", "location": "Bench City"},
                    narrative="Bench narrative.",
                    threats=(ThreatType.JUDICIAL_HARASSMENT,),
                ),
            )
            drafts.append(
                referrals.create_referral(
                    session,
                    vault,
                    catalogue,
                    focal,
                    case.reference,
                    ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,)),
                    submit=False,
                ).id
            )
        timings: dict[str, list[float]] = {"with": [], "without": []}
        off = lambda *args, **kwargs: None  # noqa: E731 - the baseline: no notification
        for pair in range(rounds):
            # Alternate which mode goes first, so drift during the run favours neither.
            for mode in ("with", "without") if pair % 2 == 0 else ("without", "with"):
                service.on_timeline_event = hook if mode == "with" else off
                batch = [drafts.pop() for _ in range(per_round)]
                started = time.perf_counter()
                for referral_id in batch:
                    referrals.submit_referral(session, focal, referral_id)
                timings[mode].append((time.perf_counter() - started) / per_round)
        service.on_timeline_event = hook
        queued = session.scalar(select(func.count()).select_from(OutboxMessage))
    with_ms = statistics.median(timings["with"]) * 1000
    without_ms = statistics.median(timings["without"]) * 1000
    return {
        "with_ms": with_ms,
        "without_ms": without_ms,
        "ratio": without_ms / with_ms,
        "queued": float(queued or 0),
    }


def bench_worker(app, settings: Settings, messages: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    database = database_of(app)
    try:
        # The steps' events first: their fan-out (recipients, preferences, rows) is the
        # worker's share of a step's notifications.
        expander = OutboxWorker(
            database, settings, SmtpTransport(settings), app.extensions["hrd_strategies"]
        )
        with database.session() as session:
            events = session.scalar(select(func.count()).select_from(NotificationEvent)) or 1
        started = time.perf_counter()
        expander.expand()
        fan_out_ms = (time.perf_counter() - started) * 1000 / events
        with database.session() as session:
            session.execute(delete(Notification))
            session.execute(delete(OutboxMessage))
            session.commit()
            users = list(session.scalars(select(User)))
            for i in range(messages):
                notify(session, [users[i % len(users)]], Alert("password_changed", Kind.SECURITY))
            session.commit()
        smtp = settings.replace(
            mail_transport="smtp",
            smtp_port=port,
            smtp_security="none",
            smtp_username=None,
            notify_batch_size=100,
        )
        worker = OutboxWorker(database, smtp, SmtpTransport(smtp), app.extensions["hrd_strategies"])
        started = time.perf_counter()
        while (result := worker.run_once()).sent:
            pass
        if result.retried or result.failed:
            print(result, file=sys.stderr)
        elapsed = time.perf_counter() - started
        with database.session() as session:
            sent = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.SENT)
            )
    finally:
        controller.stop()
    if not sent == messages == sink.count:
        raise RuntimeError(f"sent {sent}, queued {messages}, received {sink.count}")
    return {
        "messages": float(messages),
        "seconds": elapsed,
        "per_second": messages / elapsed,
        "fan_out_ms": fan_out_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    rounds, per_round, messages = (2, 10, 100) if args.quick else (10, 30, 2000)
    load_at_start = os.getloadavg()[0]
    server_url = os.environ.get("DATABASE_URL")
    backend = "PostgreSQL" if server_url and "postgres" in server_url else "SQLite"
    with throwaway_database(server_url) as url, tempfile.TemporaryDirectory() as instance:
        FileKeyProvider.create(Path(instance) / "keyring.json")
        settings = Settings.load(
            environ={"SECRET_KEY": "bench-" + "x" * 40},
            env="test",
            instance_path=Path(instance),
            database_url=url,
            keyring_file=Path(instance) / "keyring.json",
            log_level="WARNING",
        )
        app = create_app(settings)
        step = bench_step(app, rounds, per_round)
        worker = bench_worker(app, settings, messages)
        database_of(app).engine.dispose()
    verdict = "meets" if step["ratio"] >= 0.9 else "MISSES"
    command = (
        ("DATABASE_URL=... " if backend == "PostgreSQL" else "")
        + ".venv/bin/python scripts/bench_notify.py"
        + (" --quick" if args.quick else "")
        + " --write-docs"
    )
    rows = [
        (
            f"referral request step, notifications on (median of {rounds} rounds x {per_round})",
            f"{step['with_ms']:.2f} ms",
        ),
        ("same step, notification hook off (alternating rounds)", f"{step['without_ms']:.2f} ms"),
        (
            "ratio without / with (1.0 = free; target >= 0.9)",
            f"**{step['ratio']:.2f}** ({verdict} the target)",
        ),
        ("rows the step writes", "1 notification event (whatever the number of recipients)"),
        (
            f"worker fan-out of one such event into {OFFICERS} notifications + outbox rows",
            f"{worker['fan_out_ms']:.2f} ms",
        ),
        (
            "worker throughput, loopback aiosmtpd (plain SMTP, one worker, batches of 100)",
            f"**{worker['per_second']:.0f} messages/s** "
            f"({worker['messages']:.0f} in {worker['seconds']:.1f} s)",
        ),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    report = f"""## Notifications ({backend})

Command: `{command}`
Machine: {machine_description()}. Run at {utcnow():%Y-%m-%d %H:%M} UTC; 1-minute load
average {load_at_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (a shared machine:
absolute times move with it, the with/without ratio is measured in alternating rounds).

| measure | value |
| --- | --- |
{table}

The step is the whole service call (write lock, case lock, guards, timeline, audit chain, and
with notifications one event row, committed with the step). The worker fans events out
(recipients, preferences, notification and outbox rows) in its own transaction. Each e-mail
is rendered (plain text and HTML) at delivery and committed twice (hand-over, sent) for the
exactly-once rule.
"""
    print(report)
    if args.write_docs:
        write_docs_section(f"bench-notify-{backend.lower()}", report)


if __name__ == "__main__":
    main()
