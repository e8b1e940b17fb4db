"""Benchmark of the audit log viewer's filtered pages (issue 19, acceptance 4).

Fills a throwaway database with N hash-chained audit entries (1,000,000 by default: 200
accounts, 20,000 case references, realistic actions, outcomes and a year of dates), then
times each filter of the viewer through the same read the pages and the API use
(``hrd_cases.reads.audit.audit_page``): the first page, and a deep page (cursor half-way).
The baseline, measured in the same run, is the unfiltered first page; the target is at most
200 ms per filtered page (median and p95 reported).

    .venv/bin/python scripts/bench_audit.py                        # SQLite, 1,000,000 entries
    .venv/bin/python scripts/bench_audit.py --entries 20000        # a smoke run
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_audit.py
    ... --write-docs                                               # update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hrd_cases.audit.log import canonical_bytes, entry_hash
from hrd_cases.db import Database
from hrd_cases.models import AuditChainHead, AuditEntry, Role, User
from hrd_cases.models.audit import GENESIS_HASH
from hrd_cases.reads.audit import AuditFilter, audit_page
from scripts.benchlib import machine_description, throwaway_database, write_docs_section

TARGET_MS = 200.0
ACCOUNTS = 200
CASES = 20_000
ACTIONS = [
    ("case.view", 40),
    ("login.success", 12),
    ("session.end", 10),
    ("case.update", 8),
    ("login.failure", 6),
    ("referral.request", 4),
    ("referral.decide", 3),
    ("hearing.schedule", 3),
    ("statement.draft", 2),
    ("case.open", 3),
    ("case.close", 1),
    ("export.release", 1),
    ("user.role_change", 1),
    ("api_token.create", 1),
    ("user.invite", 1),
    ("case.search", 4),
]
START = datetime(2026, 1, 1, tzinfo=UTC)


def fill(database: Database, entries: int, seed: int = 19) -> None:
    rng = random.Random(seed)
    names, weights = zip(*ACTIONS, strict=True)
    with database.session() as session:
        session.execute(
            insert(User),
            [
                {
                    "email": f"bench{n}@example.org",
                    "display_name": f"Bench {n}",
                    "role": Role.ANALYST,
                    "password_hash": "x",
                    "is_active": True,
                    "failed_login_count": 0,
                    "created_at": START,
                }
                for n in range(ACCOUNTS)
            ],
        )
        session.commit()
        user_ids = [row[0] for row in session.execute(text("SELECT id FROM users ORDER BY id"))]
        prev, seq, batch = GENESIS_HASH, 0, []
        step = timedelta(days=365) / entries
        for n in range(entries):
            seq = n + 1
            action = rng.choices(names, weights)[0]
            case_action = action.startswith(("case.", "referral.", "hearing.", "statement."))
            fields = {
                "seq": seq,
                "at": START + step * n,
                "actor_id": rng.choice(user_ids) if action != "login.failure" else None,
                "action": action,
                "object_type": "case" if case_action else "user",
                "object_id": (
                    f"KE-2026-{rng.randrange(CASES)}" if case_action else str(rng.choice(user_ids))
                ),
                "outcome": "failure"
                if action == "login.failure"
                else ("refused" if rng.random() < 0.01 else "success"),
                "details": {},
            }
            digest = entry_hash(prev, canonical_bytes(**fields, prev_hash=prev))
            batch.append({**fields, "prev_hash": prev, "entry_hash": digest})
            prev = digest
            if len(batch) == 10_000:
                session.execute(insert(AuditEntry), batch)
                session.commit()
                batch = []
        if batch:
            session.execute(insert(AuditEntry), batch)
        session.execute(update(AuditChainHead).values(last_seq=seq, last_hash=prev))
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()


def timed(database: Database, where: AuditFilter, before: int | None, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with database.session() as session:
            started = time.perf_counter()
            page = audit_page(session, where, before=before)
            times.append((time.perf_counter() - started) * 1000)
            if not page.rows:
                raise SystemExit(f"no entry matched {where}: the data set is wrong")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    backend = "PostgreSQL" if server and server.startswith("postgres") else "SQLite"
    with throwaway_database(server) as url:
        database = Database.connect(url)
        started = time.perf_counter()
        fill(database, args.entries)
        fill_seconds = time.perf_counter() - started
        middle = START + timedelta(days=180)
        deep = args.entries // 2
        cases = [
            ("unfiltered (baseline)", AuditFilter(), None),
            ("actor", AuditFilter(actor="bench7@example.org"), None),
            ("actor, deep page", AuditFilter(actor="bench7@example.org"), deep),
            ("action", AuditFilter(action="user.role_change"), None),
            ("action prefix", AuditFilter(action="referral."), None),
            ("case reference", AuditFilter(case_reference="KE-2026-4242"), None),
            (
                "date range (one week)",
                AuditFilter(since=middle, until=middle + timedelta(days=7)),
                None,
            ),
            ("outcome", AuditFilter(outcome="refused"), None),
            ("outcome, deep page", AuditFilter(outcome="refused"), deep),
            (
                "actor + action + month",
                AuditFilter(
                    actor="bench7@example.org",
                    action="case.view",
                    since=middle,
                    until=middle + timedelta(days=30),
                ),
                None,
            ),
        ]
        results = []
        for name, where, before in cases:
            times = timed(database, where, before, args.repeats)
            results.append((name, statistics.median(times), max(times)))
        database.engine.dispose()
    baseline = results[0][1]
    worst = max(median for _, median, _ in results)
    lines = [
        f"## Audit log viewer, filtered pages ({backend})",
        "",
        f"Command: `{'DATABASE_URL=' + server + ' ' if backend == 'PostgreSQL' else ''}"
        f"python scripts/bench_audit.py --write-docs`  ",
        f"Machine: {machine_description()}  ",
        f"{args.entries:,} hash-chained entries ({ACCOUNTS} accounts, {CASES:,} case "
        f"references, one year), filled in {fill_seconds:.0f} s; {args.repeats} runs each, "
        "page of 50 through `reads.audit.audit_page` (keyset paging, newest first).",
        "",
        "| filter | median ms | max ms | ratio to unfiltered |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, median, slowest in results:
        lines.append(f"| {name} | {median:.1f} | {slowest:.1f} | {median / baseline:.1f} |")
    lines += [
        "",
        f"Target: every filtered page <= {TARGET_MS:.0f} ms. Slowest median: {worst:.1f} ms "
        f"({'met' if worst <= TARGET_MS else 'NOT met'}).",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write_docs:
        write_docs_section(f"bench_audit_{backend.lower()}", report)


if __name__ == "__main__":
    main()
