"""Pages against bare Flask (issue 13, acceptance 4): the case page, the case list and a bare
Flask JSON endpoint, each under gunicorn with the same settings (config/gunicorn.conf.py),
driven by wrk with 20 connections, alternated round by round in one run.

    .venv/bin/python scripts/bench_pages.py [--cases 2000] [--rounds 3] [--seconds 8]
                                            [--database-url postgresql://...] [--write-docs]

The case shown has 3 referrals, 3 hearings, 2 statements and 2 consents (the case of the
statement-count test); the list is a focal point's first page among --cases cases. Figures
are requests per second, p50 and p99 latency, and each page's ratio to bare Flask measured
in the same run (target for the case page: at least 0.15).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hrd_cases.auth.passwords import make_hasher
from hrd_cases.crypto import BlindIndex, FileKeyProvider
from hrd_cases.db import Database, utcnow
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ConsentScope,
    Mechanism,
    ProfileCategory,
    RiskLevel,
    StatementLevel,
    ThreatType,
)
from hrd_cases.models import Role, User
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from hrd_cases.workflow import consent, hearings, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from hrd_cases.workflow.service import IntakeInput, open_case
from hrd_cases.workflow.templates import StrategyCatalogue, load_catalogue
from scripts.benchlib import machine_description, throwaway_database, write_docs_section
from scripts.loadlib import load_accounts, load_cases
from scripts.loadtest import GUNICORN, PROJECT_ROOT, Shared, VirtualUser, _free_port, _redis_url

CONNECTIONS = 20
WRK_THREADS = 2
FOCAL_COUNTRY = "KE"


@dataclass(frozen=True, slots=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def busy_case(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    focal: User,
    delegation_id: int,
) -> str:
    """The statement-count test's case, built through the services."""
    case = open_case(
        session,
        vault,
        catalogue,
        focal,
        IntakeInput(
            delegation_id=delegation_id,
            country=FOCAL_COUNTRY,
            risk_level=RiskLevel.HIGH,
            defender={"name": "Bench Defender", "location": "Bench district"},
            profile_categories=(ProfileCategory.JOURNALIST_MEDIA,),
            threats=(ThreatType.SURVEILLANCE,),
            narrative="Bench narrative.",
        ),
    )
    reference = case.reference
    for amount in (1000, 2000, 3000):
        referrals.create_referral(
            session,
            vault,
            catalogue,
            focal,
            reference,
            ReferralInput(
                Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,), amount, "Legal costs."
            ),
        )
    for days in (5, 10, 15):
        hearings.schedule_hearing(
            session,
            vault,
            catalogue,
            focal,
            reference,
            scheduled_for=utcnow() + timedelta(days=days),
            court="High Court",
            charges="Charges.",
        )
    for scope in (ConsentScope.PUBLIC_STATEMENT, ConsentScope.PRIVATE_DEMARCHE):
        consent.record_consent(
            session, vault, focal, reference, scopes=[scope], given_on=utcnow(), notes="Given."
        )
    for level in (StatementLevel.LOCAL_EU_STATEMENT, StatementLevel.PRIVATE_DEMARCHE):
        statements.draft_statement(
            session, vault, catalogue, focal, reference, level=level, text="Draft."
        )
    return reference


def start(
    app_spec: str, environment: dict[str, str], log: Path, port: int, health: str
) -> subprocess.Popen[bytes]:
    env = {**environment, "HRD_BIND": f"127.0.0.1:{port}"}
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [str(GUNICORN), "-c", str(PROJECT_ROOT / "config" / "gunicorn.conf.py"), app_spec],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}{health}", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.25)
    server.terminate()
    raise SystemExit(f"{app_spec} did not answer within 60 s")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise SystemExit(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, seconds: int, cookie: str | None) -> Figures:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603 - fixed arguments
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]  # always printed
    # The distribution's lines only ("    50%    1.23ms"): a Stdev column such as "85.50%"
    # also ends in "50%".
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]  # --latency
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]  # --latency
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    return Figures(rps, p50, p99, errors)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8, help="per measurement")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")

    with (
        tempfile.TemporaryDirectory(prefix="hrd-bench-pages-") as work,
        throwaway_database(args.database_url) as database_url,
    ):
        workdir = Path(work)
        keyring_file = workdir / "keyring.json"
        FileKeyProvider.create(keyring_file)
        redis = _redis_url()
        environment = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "HRD_ENV": "production" if redis else "development",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "HRD_KEYRING_FILE": str(keyring_file),
            "HRD_INSTANCE_PATH": str(workdir),
            "HRD_ACCESS_LOG": "off",
        }
        if redis:
            environment["REDIS_URL"] = redis
        settings = Settings.load(environ=environment)
        print(f"preloading {args.cases:,} cases and the busy case")
        database = Database.connect(database_url)
        keyring = FileKeyProvider(keyring_file).load()
        catalogue = load_catalogue(settings.strategies_dir)
        vault = RecordVault(FileKeyProvider(keyring_file), index_bits=settings.blind_index_bits)
        with database.session() as session:
            fixture, delegations = load_accounts(session, keyring, make_hasher(settings))
            load_cases(
                session,
                keyring,
                BlindIndex(keyring.index_key, bits=settings.blind_index_bits),
                catalogue,
                fixture,
                delegations,
                args.cases,
                referrals=max(100, args.cases // 25),
                progress=False,
            )
            account = next(
                a
                for a in fixture.accounts
                if a.country == FOCAL_COUNTRY and a.role is Role.FOCAL_POINT
            )
            focal = session.get(User, account.user_id)
            if focal is None:
                raise SystemExit("the preloaded focal point is missing")
            reference = busy_case(session, vault, catalogue, focal, delegations[FOCAL_COUNTRY])
        database.engine.dispose()

        app_port, bare_port = _free_port(), _free_port()
        app_server = start("wsgi:app", environment, workdir / "app.log", app_port, "/healthz")
        bare_server = start(
            "scripts.bare_flask:app", environment, workdir / "bare.log", bare_port, "/bare"
        )
        try:
            shared = Shared(f"http://127.0.0.1:{app_port}", fixture)
            user = VirtualUser(shared, account, 0)
            user.sign_in()
            cookie = "; ".join(f"{k}={v}" for k, v in user.jar.items())
            targets = {
                "case page": (f"http://127.0.0.1:{app_port}/cases/{reference}", cookie),
                "case list": (f"http://127.0.0.1:{app_port}/cases", cookie),
                "bare Flask JSON": (f"http://127.0.0.1:{bare_port}/bare", None),
            }
            for name, (url, jar) in targets.items():  # warm-up, and a check of the answer
                answer = requests.get(url, headers={"Cookie": jar} if jar else {}, timeout=10)
                if answer.status_code != 200:
                    raise SystemExit(f"{name}: {answer.status_code} from {url}")
                wrk(url, 2, jar)
            runs: dict[str, list[Figures]] = {name: [] for name in targets}
            # The machine may be shared: its load during the measurement goes with the figures.
            load_before = os.getloadavg()
            for number in range(1, args.rounds + 1):
                for name, (url, jar) in targets.items():  # alternated, round by round
                    figures = wrk(url, args.seconds, jar)
                    runs[name].append(figures)
                    print(
                        f"round {number} {name}: {figures.rps:.0f} req/s, p50 "
                        f"{figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms"
                    )
            load_after = os.getloadavg()
        finally:
            for server in (app_server, bare_server):
                server.terminate()
                server.wait(timeout=30)

    bare_rps = statistics.median(f.rps for f in runs["bare Flask JSON"])
    lines = [
        "| endpoint | req/s (median of rounds) | p50 ms | p99 ms | non-2xx | ratio to bare Flask |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, figures in runs.items():
        rps = statistics.median(f.rps for f in figures)
        lines.append(
            f"| {name} | {rps:,.0f} | {statistics.median(f.p50_ms for f in figures):.1f} | "
            f"{statistics.median(f.p99_ms for f in figures):.1f} | "
            f"{sum(f.errors for f in figures)} | {rps / bare_rps:.3f} |"
        )
    table = "\n".join(lines)
    load = (
        f"load average (1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load_before)} when the "
        f"measurement began, {', '.join(f'{x:.1f}' for x in load_after)} when it ended, on "
        f"{os.cpu_count()} cores"
    )
    print(table)
    print(load)
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    command = (
        f"{'DATABASE_URL=postgresql://... ' if backend == 'PostgreSQL' else ''}"
        f".venv/bin/python scripts/bench_pages.py --cases {args.cases} --rounds {args.rounds} "
        f"--seconds {args.seconds} --write-docs"
    )
    if args.write_docs:
        write_docs_section(
            "bench-pages",
            f"""## Pages against bare Flask (issue 13)

`{command}`

gunicorn `config/gunicorn.conf.py` (the same settings for the application and for the bare
Flask app, `scripts/bare_flask.py`), {backend}, {args.cases:,} cases; wrk with {CONNECTIONS}
connections and {WRK_THREADS} threads, {args.seconds} s per measurement, the three endpoints
alternated in each of {args.rounds} rounds. The case page shows a case with 3 referrals, 3
hearings, 2 statements and 2 consents, signed in as its focal point; the case list is that
focal point's first page. Machine: {machine_description()}; {load}.

{table}

Target (issue 13): case page at least 0.15 of bare Flask. The case view costs a fixed
10 statements whatever the case holds, login and audit entry included
(tests/reads/test_case_view_statements.py); what remains is CPU per request, measured in
process by `scripts/profile_case_page.py`.
""",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
