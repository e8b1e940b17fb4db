"""Load test: gunicorn (config/gunicorn.conf.py, 2 workers) on SQLite or PostgreSQL, N cases
preloaded, concurrent signed-in users, a mixed workload, for a bounded time on loopback.

Workload (share of requests): case list 50 %, case page 30 %, intake 15 %, approvals 5 %.
Focal points list, open and create cases; protection officers list, open and approve
referrals (each officer approves referrals of their own, so no step is refused). Every user
signs in once through the real forms (password, then a TOTP code), then reuses the session.

It reports p50/p95/p99 per kind and the errors, then checks in the database that every
acknowledged intake (the reference the server redirected to) and every acknowledged approval
is there. Exit status 1 on any error or lost write. Intake and approval drive the HTML form
routes (POST /cases/new, POST /cases/<ref>/referrals/<id>/decision); a kind whose route the
application does not have is reported as not exercised, never silently counted.

    .venv/bin/python scripts/loadtest.py --short                     # CI: 30 s, 2,000 cases
    .venv/bin/python scripts/loadtest.py --write-docs                # 100,000 cases, 120 s
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/loadtest.py
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pyotp
import requests
from sqlalchemy import select, tuple_
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hrd_cases import create_app
from hrd_cases.auth.accounts import create_api_token
from hrd_cases.auth.passwords import make_hasher
from hrd_cases.crypto import BlindIndex, FileKeyProvider
from hrd_cases.db import Database
from hrd_cases.models import Case, ReferralDecision, Role, User
from hrd_cases.settings import PROJECT_ROOT, Settings
from hrd_cases.workflow.templates import load_catalogue
from scripts.benchlib import (
    machine_description,
    throwaway_database,
    write_docs_section,
)
from scripts.loadlib import Account, Fixture, load_accounts, load_cases

GUNICORN = Path(sys.executable).with_name("gunicorn")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE_KINDS = ("case list", "case page")
KINDS = ("case list", "case page", "intake", "approval")
# Per role, so that the overall mix is list 50 %, page 30 %, intake 15 %, approval 5 % with
# 16 focal points and 4 officers: 0.8 * 0.1875 = 0.15 and 0.2 * 0.25 = 0.05.
WEIGHTS = {
    Role.FOCAL_POINT: {"case list": 0.5, "case page": 0.3125, "intake": 0.1875},
    Role.PROTECTION_OFFICER: {"case list": 0.5, "case page": 0.25, "approval": 0.25},
}
INTAKE_ROUTE = "/cases/new"
DECISION_ROUTE = "/cases/<reference>/referrals/<uuid:referral_id>/decision"
# The JSON API's equivalents (issue 7), used when the build has no HTML form for a step.
API_INTAKE_ROUTE = "/api/v1/cases"
API_DECISION_ROUTE = "/api/v1/referrals/<referral_id>/decisions"


class _NoCookieJar(http.cookiejar.DefaultCookiePolicy):
    """requests' own jar would refuse to send Secure cookies over http://; VirtualUser keeps
    the cookies itself."""

    def set_ok(self, cookie, request):
        return False


@dataclass
class Sample:
    kind: str
    ms: float
    ok: bool
    reason: str = ""


@dataclass
class Shared:
    base: str
    fixture: Fixture
    deadline: float = 0.0
    think_min: float = 0.5
    think_max: float = 1.5
    samples: list[Sample] = field(default_factory=list)
    intakes: list[str] = field(default_factory=list)
    approvals: list[tuple[str, int]] = field(default_factory=list)
    available: set[str] = field(default_factory=set)
    via_api: set[str] = field(default_factory=set)  # kinds driven through the JSON API
    api_tokens: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class VirtualUser:
    def __init__(self, shared: Shared, account: Account, seed: int) -> None:
        self.shared, self.account = shared, account
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.http.cookies.set_policy(_NoCookieJar())
        self.jar: dict[str, str] = {}
        self.csrf = ""
        self.sign_in_error = ""
        self.referrals = list(shared.fixture.referrals_by_officer.get(account.user_id, []))
        if account.role is Role.FOCAL_POINT:
            self.visible = shared.fixture.cases_by_country[account.country or ""]
        else:
            self.visible = [r for refs in shared.fixture.cases_by_country.values() for r in refs]

    def send(self, method: str, path: str, **options: object) -> requests.Response:
        """One request with this user's cookies. The server runs with production settings
        (Secure, __Host- cookies) on plain-HTTP loopback, as it would behind a TLS proxy: the
        client plays the browser behind that proxy and sends them anyway."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        response = self.http.request(
            method, self.shared.base + path, headers=headers, allow_redirects=False, **options
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if not morsel.value or morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        return response

    # Setup (not measured) -----------------------------------------------------------------
    def _post_form(self, path: str, data: dict[str, str]) -> requests.Response:
        for _ in range(30):  # the sign-in rate limit (per address) may be hit: wait it out
            response = self.send("POST", path, data=data)
            if response.status_code != 429:
                return response
            time.sleep(float(response.headers.get("Retry-After", "2")))
        raise SystemExit(f"sign-in kept being rate limited at {path}")

    def _token(self, path: str) -> str:
        match = CSRF.search(self.send("GET", path).text)
        if match is None:
            raise SystemExit(f"no CSRF token on {path}")
        return match.group(1)

    def sign_in_or_note(self) -> None:
        try:
            self.sign_in()
        except (SystemExit, requests.RequestException) as exc:
            self.sign_in_error = str(exc) or type(exc).__name__

    def sign_in(self) -> None:
        account = self.account
        first = self._post_form(
            "/login",
            {
                "email": account.email,
                "password": account.password,
                "csrf_token": self._token("/login"),
            },
        )
        if first.status_code != 302 or "/login/verify" not in first.headers.get("Location", ""):
            raise SystemExit(f"password step failed for {account.email}: {first.status_code}")
        totp = pyotp.TOTP(account.totp_secret)
        for _ in range(3):
            # On a busy machine a code taken near the end of its 30 s step can expire before
            # the server checks it (401): try again with the next step's code.
            second = self._post_form(
                "/login/verify", {"code": totp.now(), "csrf_token": self._token("/login/verify")}
            )
            if second.status_code != 401:
                break
            time.sleep(totp.interval - time.time() % totp.interval + 1)
        if second.status_code != 302:
            raise SystemExit(f"second factor failed for {account.email}: {second.status_code}")
        self.csrf = self._token("/")
        self.send("GET", "/cases")  # warm up this worker's templates

    # Workload -----------------------------------------------------------------------------
    def case_list(self) -> tuple[bool, str]:
        page = 1 if self.rng.random() < 0.8 else self.rng.randint(2, 20)
        response = self.send("GET", "/cases", params={"page": page})
        return response.status_code == 200, str(response.status_code)

    def case_page(self) -> tuple[bool, str]:
        reference = self.rng.choice(self.visible)
        response = self.send("GET", f"/cases/{reference}")
        return response.status_code == 200, str(response.status_code)

    def intake(self) -> tuple[bool, str]:
        if "intake" in self.shared.via_api:
            return self._api_intake()
        data = {
            "csrf_token": self.csrf,
            "name": f"Loadtest Intake {uuid.uuid4().hex[:10]}",
            "location": "Loadtest City",
            "contact_details": "+000 000",
            "risk_level": self.rng.choice(["low", "medium", "high", "critical"]),
            "profile_categories": ["journalist_media"],
            "threats": ["judicial_harassment", "surveillance"],
            "narrative": "Threatened after reporting; needs support. " * 5,
        }
        response = self.send("POST", INTAKE_ROUTE, data=data)
        location = response.headers.get("Location", "")
        match = re.search(r"/cases/([A-Z]{2}-\d{4}-\d+)$", location)
        if response.status_code != 302 or match is None:
            return False, f"{response.status_code} {location[:40]}"
        with self.shared.lock:
            self.shared.intakes.append(match.group(1))
        return True, "302"

    def _api(self, path: str, body: dict[str, object]) -> requests.Response:
        token = self.shared.api_tokens[self.account.user_id]
        return self.http.post(
            self.shared.base + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            allow_redirects=False,
        )

    def _api_intake(self) -> tuple[bool, str]:
        response = self._api(
            API_INTAKE_ROUTE,
            {
                "country": self.account.country,
                "risk_level": self.rng.choice(["low", "medium", "high", "critical"]),
                "defender": {
                    "name": f"Loadtest Intake {uuid.uuid4().hex[:10]}",
                    "location": "Loadtest City",
                    "contact_details": "+000 000",
                },
                "profile_categories": ["journalist_media"],
                "threats": ["judicial_harassment", "surveillance"],
                "narrative": "Threatened after reporting; needs support. " * 5,
            },
        )
        location = response.headers.get("Location", "")
        match = re.search(r"/cases/([A-Z]{2}-\d{4}-\d+)$", location)
        if response.status_code != 201 or match is None:
            return False, f"{response.status_code} {location[:40]}"
        with self.shared.lock:
            self.shared.intakes.append(match.group(1))
        return True, "201"

    def approval(self) -> tuple[bool, str]:
        if not self.referrals:
            return False, "no referral left to approve (preload more)"
        reference, referral_id = self.referrals.pop()
        if "approval" in self.shared.via_api:
            response = self._api(f"/api/v1/referrals/{referral_id}/decisions", {"approve": True})
            if response.status_code != 200:
                return False, str(response.status_code)
            with self.shared.lock:
                self.shared.approvals.append((referral_id, self.account.user_id))
            return True, "200"
        response = self.send(
            "POST",
            f"/cases/{reference}/referrals/{referral_id}/decision",
            data={"csrf_token": self.csrf, "decision": "approve"},
        )
        if response.status_code != 302:
            return False, str(response.status_code)
        with self.shared.lock:
            self.shared.approvals.append((referral_id, self.account.user_id))
        return True, "302"

    def run(self, start: threading.Barrier) -> None:
        weights = {
            k: w for k, w in WEIGHTS[self.account.role].items() if k in self.shared.available
        }
        kinds, shares = list(weights), list(weights.values())
        actions: dict[str, Callable[[], tuple[bool, str]]] = {
            "case list": self.case_list,
            "case page": self.case_page,
            "intake": self.intake,
            "approval": self.approval,
        }
        start.wait()
        while time.monotonic() < self.shared.deadline:
            if self.shared.think_max:  # a person reads the page before the next click
                time.sleep(self.rng.uniform(self.shared.think_min, self.shared.think_max))
            kind = self.rng.choices(kinds, shares)[0]
            started = time.perf_counter()
            try:
                ok, reason = actions[kind]()
            except requests.RequestException as exc:
                ok, reason = False, type(exc).__name__
            sample = Sample(kind, (time.perf_counter() - started) * 1000, ok, reason)
            with self.shared.lock:
                self.shared.samples.append(sample)


# Server -------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    parsed = make_url(url.replace("redis://", "sqlite://", 1))  # host/port parsing only
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 6379), 1):
            pass
    except OSError:
        return None
    import redis

    # This run's own rate-limit counters: sign-ins of the previous run (same address, same
    # minute) must not throttle this one. Database 15 unless REDIS_URL names another.
    redis.Redis.from_url(url).flushdb()
    return url


def start_server(environment: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [str(GUNICORN), "-c", str(PROJECT_ROOT / "config" / "gunicorn.conf.py"), "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.25)
    server.terminate()
    raise SystemExit("gunicorn did not become healthy within 60 s")


# Report -------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summarise(samples: list[Sample], seconds: float) -> list[dict[str, object]]:
    rows = []
    for kind in KINDS:
        mine = [s for s in samples if s.kind == kind]
        times = [s.ms for s in mine]
        rows.append(
            {
                "kind": kind,
                "requests": len(mine),
                "share": len(mine) / max(len(samples), 1),
                "errors": sum(1 for s in mine if not s.ok),
                "p50": statistics.median(times) if times else float("nan"),
                "p95": percentile(times, 0.95),
                "p99": percentile(times, 0.99),
                "rps": len(mine) / seconds,
            }
        )
    return rows


def verify(database_url: str, shared: Shared) -> tuple[int, int]:
    """(lost intakes, lost approvals): acknowledged by the server, absent from the database."""
    database = Database.connect(database_url)
    try:
        with database.session() as session:
            found: set[str] = set()
            intakes = sorted(set(shared.intakes))
            for start in range(0, len(intakes), 500):
                batch = intakes[start : start + 500]
                found.update(
                    session.scalars(select(Case.reference).where(Case.reference.in_(batch)))
                )
            decided: set[tuple[str, int]] = set()
            wanted = [(uuid.UUID(r), o) for r, o in shared.approvals]
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                decided.update(
                    (str(r), o)
                    for r, o in session.execute(
                        select(ReferralDecision.referral_id, ReferralDecision.officer_id).where(
                            tuple_(ReferralDecision.referral_id, ReferralDecision.officer_id).in_(
                                batch
                            )
                        )
                    )
                )
    finally:
        database.engine.dispose()
    return len(set(shared.intakes) - found), len(set(shared.approvals) - decided)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=20, help="16 focal points + 4 officers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--think",
        default="0.5,1.5",
        help="min,max seconds each user waits between requests (0 for a saturation run)",
    )
    parser.add_argument("--short", action="store_true", help="CI form: 30 s, 2,000 cases")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.short:
        args.cases, args.duration = 2_000, 30.0
    if args.users != 20:
        raise SystemExit("--users: the preload creates exactly 16 focal points and 4 officers")
    server_url = os.environ.get("DATABASE_URL")
    backend = "PostgreSQL" if server_url and "postgres" in server_url else "SQLite"
    print(f"loadtest on {backend}; {machine_description()}")

    with (
        tempfile.TemporaryDirectory(prefix="hrd-load-") as work,
        throwaway_database(server_url) as database_url,
    ):
        workdir = Path(work)
        keyring_file = workdir / "keyring.json"
        FileKeyProvider.create(keyring_file)
        redis = _redis_url()
        environment = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            # Production settings (Argon2 costs, secure cookies, Redis rate limits) whenever
            # Redis is there; without it two workers need the development profile.
            "HRD_ENV": "production" if redis else "development",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "HRD_KEYRING_FILE": str(keyring_file),
            "HRD_INSTANCE_PATH": str(workdir),
            "WEB_CONCURRENCY": str(args.workers),
            "HRD_THREADS": str(args.threads),
            "HRD_ACCESS_LOG": str(workdir / "access.log"),
        }
        if redis:
            environment["REDIS_URL"] = redis
        settings = Settings.load(environ=environment)
        app = create_app(settings)
        rules = {rule.rule: rule.methods or set() for rule in app.url_map.iter_rules()}
        shared_available = {"case list", "case page"}
        via_api: set[str] = set()
        for kind, html, api in (
            ("intake", INTAKE_ROUTE, API_INTAKE_ROUTE),
            ("approval", DECISION_ROUTE, API_DECISION_ROUTE),
        ):
            if "POST" in rules.get(html, set()):
                shared_available.add(kind)
            elif "POST" in rules.get(api, set()):
                shared_available.add(kind)
                via_api.add(kind)
        missing = sorted(set(KINDS) - shared_available)

        print(f"preloading {args.cases:,} cases")
        started = time.perf_counter()
        database = Database.connect(database_url)
        keyring = FileKeyProvider(keyring_file).load()
        with database.session() as session:
            fixture, delegations = load_accounts(session, keyring, make_hasher(settings))
            load_cases(
                session,
                keyring,
                BlindIndex(keyring.index_key, bits=settings.blind_index_bits),
                load_catalogue(settings.strategies_dir),
                fixture,
                delegations,
                args.cases,
                referrals=max(600, args.cases // 25),
            )
            api_tokens = {}
            if via_api:
                for account in fixture.accounts:
                    user = session.get(User, account.user_id)
                    _, api_tokens[account.user_id] = create_api_token(
                        session, user, "load test", days=1, max_days=settings.api_token_max_days
                    )
        database.engine.dispose()
        preload_seconds = time.perf_counter() - started
        print(f"  preload took {preload_seconds:.0f} s")

        port = _free_port()
        environment["HRD_BIND"] = f"127.0.0.1:{port}"
        server = start_server(environment, workdir / "gunicorn.log", port)
        try:
            think = [float(x) for x in args.think.split(",")] if args.think != "0" else [0.0, 0.0]
            shared = Shared(
                f"http://127.0.0.1:{port}",
                fixture,
                think_min=think[0],
                think_max=think[-1],
                available=shared_available,
                via_api=via_api,
                api_tokens=api_tokens,
            )
            users = [VirtualUser(shared, a, n) for n, a in enumerate(fixture.accounts)]
            print(f"signing in {len(users)} users (password + TOTP)")
            sign_ins = [threading.Thread(target=u.sign_in_or_note) for u in users]
            for thread in sign_ins:
                thread.start()
            for thread in sign_ins:
                thread.join()
            failures = [u.sign_in_error for u in users if u.sign_in_error]
            if failures:
                raise SystemExit(f"{len(failures)} users could not sign in: {failures[0]}")
            barrier = threading.Barrier(len(users) + 1)
            threads = [threading.Thread(target=u.run, args=(barrier,)) for u in users]
            for thread in threads:
                thread.start()
            shared.deadline = time.monotonic() + args.duration
            kinds = ", ".join(sorted(shared_available))
            print(f"running {args.duration:.0f} s of mixed load ({kinds})")
            barrier.wait()
            load_before = os.getloadavg()[0]
            load_started = time.monotonic()
            for thread in threads:
                thread.join()
            seconds = time.monotonic() - load_started
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=60)
        lost_intakes, lost_approvals = verify(database_url, shared)
        # Server-side errors (exception types only: the app never logs values) for the report.
        server_errors = [
            line
            for line in (workdir / "gunicorn.log").read_text(errors="replace").splitlines()
            if '"level": "ERROR"' in line
        ]

    rows = summarise(shared.samples, seconds)
    errors = sum(int(r["errors"]) for r in rows)
    page_p95 = max(float(r["p95"]) for r in rows if r["kind"] in PAGE_KINDS)
    reasons = sorted({f"{s.kind}: {s.reason}" for s in shared.samples if not s.ok})
    command = "python scripts/loadtest.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if server_url:
        safe = make_url(server_url).render_as_string(hide_password=True)
        command = f"DATABASE_URL={safe} {command}"
    lines = [
        f"## Load test ({backend})",
        "",
        f"Command: `{command.strip()}`  ",
        f"Machine: {machine_description()}  ",
        f"Date: {time.strftime('%Y-%m-%d')}",
        "",
        f"gunicorn `config/gunicorn.conf.py`, {args.workers} workers x {args.threads} threads "
        f"(HRD_ENV={environment['HRD_ENV']}, rate limits in "
        f"{'Redis' if redis else 'memory'}); {args.cases:,} cases preloaded in "
        f"{preload_seconds:.0f} s; {len(users)} users (16 focal points, 4 protection officers) "
        f"signed in once each with password and TOTP, each waiting {args.think} s (uniform) "
        f"between requests; {seconds:.0f} s of load on loopback, the load generator on the "
        "same 2 cores.",
        "",
        # Latency on a shared machine means little without how busy it was.
        f"Load average (1 min): {load_before:.1f} when the load started, {load_after:.1f} when "
        "it ended.",
        "",
        "| request | count | share | errors | p50 ms | p95 ms | p99 ms | req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        if r["kind"] in missing:
            lines.append(f"| {r['kind']} | not exercised: route missing | | | | | | |")
            continue
        lines.append(
            f"| {r['kind']} | {r['requests']:,} | {float(r['share']):.0%} | {r['errors']} | "
            f"{float(r['p50']):.0f} | {float(r['p95']):.0f} | {float(r['p99']):.0f} | "
            f"{float(r['rps']):.1f} |"
        )
    lines += [
        "",
        f"Pages (list and case page) p95: **{page_p95:.0f} ms** (target <= 150 ms); errors: "
        f"**{errors}**; acknowledged intakes {len(shared.intakes):,}, lost **{lost_intakes}**; "
        f"acknowledged approvals {len(shared.approvals):,}, lost **{lost_approvals}**.",
    ]
    if missing:
        lines.append(f"Not exercised (no such route in this build): {', '.join(missing)}.")
    if via_api:
        lines.append(
            f"Through the JSON API with bearer tokens (no HTML form in this build): "
            f"{', '.join(sorted(via_api))}."
        )
    if reasons:
        lines.append("Errors seen: " + "; ".join(reasons[:10]))
    for line in server_errors[:5]:
        print(f"server: {line}")
    report = "\n".join(lines)
    print("\n" + report)
    if args.write_docs:
        section = f"loadtest_{backend.lower()}" + ("_short" if args.short else "")
        write_docs_section(section, report)
        print(f"\nwritten to docs/benchmarks.md (section {section})")
    failed = errors or lost_intakes or lost_approvals
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
