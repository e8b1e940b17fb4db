"""Benchmark of the quarterly aggregate exports (issue 8).

Bulk-loads N cases with their actions (categories and dates only: no encryption, no
defenders) into a throwaway database, then times every export format for one quarter and
records peak resident memory. Exports run in a fresh child process, so its memory figure is
the export's own and not the loader's.

Data: cases opened uniformly over 2026 (so a quarter holds about N/4), ~60 countries with a
skewed distribution; per case 1-3 profile categories and 1-3 threats; 30% of cases have a
referral (90% of them decided: 65% approved, 2/3 of those delivered), 10% an observed hearing,
10% a published statement. The export is 2026Q3 as of 2026-12-31.

    .venv/bin/python scripts/bench_export.py                     # 100,000 and 1,000,000, SQLite
    .venv/bin/python scripts/bench_export.py --sizes 20000       # a smoke run
    .venv/bin/python scripts/bench_export.py --write-docs        # also update docs/benchmarks.md
    .venv/bin/python scripts/bench_export.py --releases --sizes 100000 --write-docs
                                            # release (with the audit) vs today's export
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_export.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hrd_cases.db import Database
from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    HearingOutcome,
    Mechanism,
    ProfileCategory,
    RiskLevel,
    StatementLevel,
    ThreatType,
)
from hrd_cases.exports.service import (
    EXPORT_FORMATS,
    build_quarterly_export,
    write_export_atomically,
)
from hrd_cases.models import (
    Case,
    CaseDefender,
    CaseProfileCategory,
    CaseThreat,
    DataKey,
    Defender,
    Delegation,
    Hearing,
    Referral,
    ReferralAssistance,
    Role,
    Statement,
    User,
)
from hrd_cases.settings import CONFIG_DIR
from hrd_cases.workflow.templates import load_catalogue
from scripts.benchlib import PeakMemory, machine_description, throwaway_database, write_docs_section

QUARTER, AS_OF = "2026Q3", date(2026, 12, 31)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 20_000
RUNS = 3
COUNTRY_CODES = (
    "AF BD BR BY CD CM CN CO EG ET GT HN HT ID IN IQ IR KE KH KZ LK MM MX NG NI NP PE PH PK "
    "PS RU RW SA SD SS SY TH TR TZ UA UG VE VN YE ZW AZ BI BO CU EC ER GE KG LA LY ML MZ SN TJ"
)
COUNTRIES = COUNTRY_CODES.split()


def load(url: str, cases: int, seed: int = 8) -> float:
    """Insert ``cases`` cases and their actions with Core executemany; returns seconds."""
    rng = random.Random(seed)
    catalogue = load_catalogue(CONFIG_DIR / "strategies")
    database = Database.connect(url)
    weights = [1 / (rank + 1) for rank in range(len(COUNTRIES))]  # a few countries dominate
    templates = {}
    for code in COUNTRIES:
        latest = catalogue.for_country(code).versions[-1]
        templates[code] = (latest.code, latest.version)
    started = time.perf_counter()
    with database.engine.begin() as connection:
        delegation_ids = {}
        for code in COUNTRIES:
            delegation_ids[code] = connection.execute(
                insert(Delegation)
                .values(code=f"BENCH-{code}", name=f"Bench {code}", country=code)
                .returning(Delegation.id)
            ).scalar_one()
        user_id = connection.execute(
            insert(User)
            .values(
                email="bench@example.org",
                display_name="Bench",
                role=Role.FOCAL_POINT,
                password_hash="-",  # noqa: S106 - never signs in
                delegation_id=delegation_ids["KE"],
            )
            .returning(User.id)
        ).scalar_one()
    seconds_in_year = 365 * 86_400
    done = 0
    while done < cases:
        size = min(BATCH, cases - done)
        rows: dict[type, list[dict]] = {
            m: []
            for m in (
                DataKey,
                Defender,
                Case,
                CaseDefender,
                CaseProfileCategory,
                CaseThreat,
                Referral,
                ReferralAssistance,
                Hearing,
                Statement,
            )
        }
        for number in range(done, done + size):
            country = rng.choices(COUNTRIES, weights)[0]
            key_id, case_id = uuid.uuid4(), uuid.uuid4()
            opened = YEAR_START + timedelta(seconds=rng.randrange(seconds_in_year))
            code, version = templates[country]
            rows[DataKey].append(
                {
                    "id": key_id,
                    "purpose": "cases",
                    "kek_version": 1,
                    "wrapped_key": None,
                    "created_at": opened,
                }
            )
            defender_key, defender_id = uuid.uuid4(), uuid.uuid4()
            rows[DataKey].append({**rows[DataKey][-1], "id": defender_key, "purpose": "defenders"})
            rows[Defender].append(
                {
                    "id": defender_id,
                    "reference": f"D{number:09d}",
                    "data_key_id": defender_key,
                    "created_at": opened,
                }
            )
            rows[Case].append(
                {
                    "id": case_id,
                    "reference": f"B{number:09d}",
                    "country": country,
                    "delegation_id": delegation_ids[country],
                    "risk_level": rng.choice(list(RiskLevel)),
                    "template_code": code,
                    "template_version": version,
                    "opened_at": opened,
                    "data_key_id": key_id,
                }
            )
            rows[CaseDefender].append({"case_id": case_id, "defender_id": defender_id})
            # A fifth of the cases closed within four months.
            closed = opened + timedelta(days=rng.randint(1, 120)) if rng.random() < 0.2 else None
            rows[Case][-1]["closed_at"] = closed
            # country and opened_at are copied from the case, as open_case does.
            copied = {"case_id": case_id, "country": country, "opened_at": opened}
            for category in rng.sample(list(ProfileCategory), rng.randint(1, 3)):
                rows[CaseProfileCategory].append({**copied, "category": category})
            for threat in rng.sample(list(ThreatType), rng.randint(1, 3)):
                rows[CaseThreat].append({**copied, "threat": threat})
            draw = rng.random()
            if draw < 0.30:
                rows[Referral].append(_referral(rng, case_id, opened, user_id))
                for kind in rng.sample(list(AssistanceType), rng.randint(1, 2)):
                    rows[ReferralAssistance].append(
                        {"referral_id": rows[Referral][-1]["id"], "assistance_type": kind}
                    )
            if 0.30 <= draw < 0.40:
                at = opened + timedelta(days=rng.randint(1, 60))
                rows[Hearing].append(
                    {
                        "id": uuid.uuid4(),
                        "case_id": case_id,
                        "scheduled_for": at,
                        "state": HearingState.OBSERVED,
                        "created_by_id": user_id,
                        "observed_at": at,
                        "outcome": rng.choice([*HearingOutcome, None]),
                    }
                )
            if 0.40 <= draw < 0.50:
                published = opened + timedelta(days=rng.randint(1, 40))
                rows[Statement].append(
                    {
                        "id": uuid.uuid4(),
                        "case_id": case_id,
                        "level": rng.choice(list(StatementLevel)),
                        "state": StatementState.PUBLISHED,
                        "approvals_required": 1,
                        "created_by_id": user_id,
                        "created_at": opened,
                        "published_at": published,
                    }
                )
        with database.engine.begin() as connection:
            for model, batch in rows.items():
                if batch:
                    connection.execute(insert(model), batch)
        done += size
        print(f"\r  loaded {done:,}/{cases:,} cases", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    # Fresh statistics, as any bulk import needs (PostgreSQL: and a visibility map, so that
    # index-only scans are possible).
    statement = "ANALYZE" if url.startswith("sqlite") else "VACUUM ANALYZE"
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))
    database.engine.dispose()
    return time.perf_counter() - started


def _referral(rng: random.Random, case_id: uuid.UUID, opened: datetime, user_id: int) -> dict:
    requested = opened + timedelta(hours=rng.randint(1, 24 * 20))
    row = {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "mechanism": rng.choice(list(Mechanism)),
        "amount_eur": None,
        "state": ReferralState.REQUESTED,
        "approvals_required": 2,
        "created_by_id": user_id,
        "created_at": requested,
        "requested_by_id": user_id,
        "requested_at": requested,
        "decided_at": None,
        "delivered_at": None,
    }
    if rng.random() < 0.9:
        row["decided_at"] = requested + timedelta(hours=rng.randint(1, 120))
        if rng.random() < 0.65:
            row["state"] = ReferralState.APPROVED
            row["amount_eur"] = rng.randrange(500, 10_001, 500)
            if rng.random() < 2 / 3:
                row["state"] = ReferralState.DELIVERED
                row["delivered_at"] = row["decided_at"] + timedelta(hours=rng.randint(2, 24 * 30))
        else:
            row["state"] = ReferralState.REJECTED
    return row


def measure_release(url: str) -> dict[str, float]:
    """Runs in the child process: today's export before issue 14 (the JSON export with the
    single-equation rule only, no audit) against a release (every format computed, audited by
    the integer programs, rendered and stored), and downloads of the stored release."""
    from hrd_cases.exports import suppression
    from hrd_cases.exports.releases import download_release, release_quarter

    catalogue = load_catalogue(CONFIG_DIR / "strategies")
    database = Database.connect(url)
    audited = suppression._until_the_audit_passes
    baseline, released = [], []
    for _ in range(RUNS):
        suppression._until_the_audit_passes = lambda values, primary, hidden, *a: hidden
        try:
            started = time.perf_counter()
            with database.session() as session:
                build_quarterly_export(
                    session,
                    quarter=QUARTER,
                    fmt="json",
                    as_of=AS_OF,
                    k=5,
                    actor=None,
                    via="bench",
                    catalogue=catalogue,
                )
            baseline.append(time.perf_counter() - started)
        finally:
            suppression._until_the_audit_passes = audited
        with database.session() as session:
            session.execute(text("DELETE FROM quarterly_release_files"))
            session.execute(text("DELETE FROM quarterly_releases"))
            session.commit()
        started = time.perf_counter()
        with database.session() as session:
            release_quarter(
                session,
                QUARTER,
                actor=None,
                via="bench",
                catalogue=catalogue,
                k=5,
                p=2,
                lag_days=30,
                today=AS_OF,
            )
        released.append(time.perf_counter() - started)
    downloads = {}
    for name in ("json", "xlsx"):
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            with database.session() as session:
                download_release(session, QUARTER, name, actor=None, via="bench")
            timings.append(time.perf_counter() - started)
        downloads[name] = statistics.median(timings)
    database.engine.dispose()
    return {
        "baseline_s": statistics.median(baseline),
        "release_s": statistics.median(released),
        "download_json_s": downloads["json"],
        "download_xlsx_s": downloads["xlsx"],
    }


def measure(url: str) -> dict[str, dict[str, float]]:
    """Runs in the child process: every format, RUNS times, with peak resident memory."""
    catalogue = load_catalogue(CONFIG_DIR / "strategies")
    database = Database.connect(url)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="hrd-bench-export-") as directory:
        for name in EXPORT_FORMATS:
            timings = []
            with PeakMemory() as memory:
                for _ in range(RUNS):
                    started = time.perf_counter()
                    with database.session() as session:
                        export = build_quarterly_export(
                            session,
                            quarter=QUARTER,
                            fmt=name,
                            as_of=AS_OF,
                            k=5,
                            actor=None,
                            via="bench",
                            catalogue=catalogue,
                        )
                    write_export_atomically(export.body, Path(directory) / export.filename)
                    timings.append(time.perf_counter() - started)
            results[name] = {
                "median_s": statistics.median(timings),
                "max_s": max(timings),
                "peak_rss_mib": memory.peak / 2**20,
                "bytes": len(export.body),
            }
    database.engine.dispose()
    return results


def _count(url: str, sql: str) -> int:
    database = Database.connect(url)
    with database.engine.connect() as connection:
        value = connection.execute(text(sql)).scalar_one()
    database.engine.dispose()
    return int(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # child process: a database URL
    parser.add_argument("--measure-release", help=argparse.SUPPRESS)
    parser.add_argument(
        "--releases",
        action="store_true",
        help="measure a release (with its audit) against today's export, and downloads",
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.measure_release:
        print(json.dumps(measure_release(args.measure_release)))
        return
    server_url = os.environ.get("DATABASE_URL")
    backend = "PostgreSQL" if server_url and server_url.startswith("postgres") else "SQLite"
    command = "python scripts/bench_export.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if backend == "PostgreSQL":
        command = f"DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test {command}"
    by_size = {}
    for size in args.sizes:
        with throwaway_database(server_url) as url:
            print(f"{backend}, {size:,} cases: loading", file=sys.stderr)
            load_seconds = load(url, size)
            in_quarter = _count(
                url,
                "SELECT count(*) FROM cases WHERE opened_at >= '2026-07-01' "
                "AND opened_at < '2026-10-01'",
            )
            print(f"  loaded in {load_seconds:.0f} s; measuring exports", file=sys.stderr)
            load_average = os.getloadavg()[0]
            if args.releases:
                child = subprocess.run(  # noqa: S603 - this script, with a URL it created
                    [sys.executable, __file__, "--measure-release", url],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                print(f"  {figures}", file=sys.stderr)
                by_size[size] = (load_seconds, in_quarter, figures, load_average)
                continue
            child = subprocess.run(  # noqa: S603 - this script, with a URL it created
                [sys.executable, __file__, "--measure", url],
                capture_output=True,
                text=True,
                check=True,
            )
            results = json.loads(child.stdout.strip().splitlines()[-1])
            for name, figures in results.items():
                print(
                    f"  {name:5} median {figures['median_s']:.2f} s, max {figures['max_s']:.2f} s, "
                    f"peak RSS {figures['peak_rss_mib']:.0f} MiB",
                    file=sys.stderr,
                )
            by_size[size] = (load_seconds, in_quarter, results, load_average)
    if args.releases:
        report = _release_report(backend, command, by_size)
        print(report)
        if args.write_docs:
            write_docs_section(f"bench_release_{backend.lower()}", report)
        return
    report = _report(backend, command, by_size)
    print(report)
    if args.write_docs:
        write_docs_section(f"bench_export_{backend.lower()}", report)


def _release_report(backend: str, command: str, by_size: dict) -> str:
    lines = [
        f"## Quarterly releases: audit cost and downloads ({backend})",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_description()}  ",
        f"Date: {date.today().isoformat()}",
        "",
        f"Baseline, measured in the same run: today's export before issue 14 (JSON of {QUARTER}, "
        "k = 5, the single-equation rule only). Release: the whole release service (SQL "
        "aggregation, disclosure control with the attacker's audit by integer programs, k = 5, "
        "p = 2, every format rendered (CSV, XLSX, JSON, HTML, DOCX) in English and in French, "
        "the headline with its comparisons, stored with their "
        "hashes, audit entry). Download: "
        "the stored release read back and its hash checked (median of 20). Medians of "
        f"{RUNS} runs. Targets: release at most 3x the baseline; download under 200 ms.",
        "",
        "| cases | in the quarter | load average | baseline (s) | release (s) | ratio "
        "| download JSON (ms) | download XLSX (ms) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sorted(by_size):
        _, in_quarter, f, load_average = by_size[size]
        lines.append(
            f"| {size:,} | {in_quarter:,} | {load_average:.1f} | {f['baseline_s']:.2f} "
            f"| {f['release_s']:.2f} | x{f['release_s'] / f['baseline_s']:.2f} "
            f"| {f['download_json_s'] * 1000:.0f} | {f['download_xlsx_s'] * 1000:.0f} |"
        )
    return "\n".join(lines)


def _report(backend: str, command: str, by_size: dict) -> str:
    sizes = sorted(by_size)
    lines = [
        f"## Quarterly aggregate exports ({backend})",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_description()}  ",
        f"Date: {date.today().isoformat()}",
        "",
        f"Export {QUARTER} as of {AS_OF.isoformat()}, k = 5; each figure is the median of "
        f"{RUNS} runs of the whole service call (SQL aggregation, disclosure control, rendering, "
        "audit entry) plus the atomic file write. Peak memory: resident set size of the process "
        "doing the exports (a fresh one; Python and the libraries included). Targets at "
        "1,000,000 cases: JSON and CSV within 5 s, peak memory under 300 MB.",
        "",
        "Load average: the machine's 1-minute load average when the exports started (2 cores,"
        " shared with other work: above 2, the figures include waiting for a core).",
        "",
        "| cases | in the quarter | bulk load | load average | format | time (s) "
        "| peak RSS (MiB) | output |",
        "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for size in sizes:
        load_seconds, in_quarter, results, load_average = by_size[size]
        for name, figures in results.items():
            lines.append(
                f"| {size:,} | {in_quarter:,} | {load_seconds:.0f} s | {load_average:.1f} "
                f"| {name} | {figures['median_s']:.2f} | {figures['peak_rss_mib']:.0f} | "
                f"{figures['bytes'] / 1024:.0f} KiB |"
            )
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        growth = ", ".join(
            f"{name} x{_ratio(by_size, small, large, name):.1f}" for name in by_size[small][2]
        )
        lines += [
            "",
            f"Growth from {small:,} to {large:,} cases (x{large / small:.0f} data): {growth}.",
        ]
    return "\n".join(lines)


def _ratio(by_size: dict, small: int, large: int, name: str) -> float:
    return by_size[large][2][name]["median_s"] / by_size[small][2][name]["median_s"]


if __name__ == "__main__":
    main()
