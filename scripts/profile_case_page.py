"""CPU per request of the case page, in process (issue 13, acceptance 4): the Flask test client,
signed in as the focal point of the statement-count test's busy case (3 referrals, 3 hearings,
2 statements, 2 consents, 20 timeline events), on a throwaway SQLite database.

    .venv/bin/python scripts/profile_case_page.py [--requests 50] [--segments 6] [--list]
                                                  [--api] [--profile 40] [--sort tottime]

Reports CPU time (``time.process_time``) per request after a warm-up, the least and the median
over several segments of requests; ``--profile N`` prints a
cProfile of N more requests. ``--list`` measures the case list too, ``--api`` the API's case
read. CPU, not wall time: the machine may be shared, and CPU per request is what the pages'
ratio to bare Flask (scripts/bench_pages.py) is made of.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hrd_cases import create_app
from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import migrate as dbschema
from hrd_cases.models import Role
from hrd_cases.settings import Settings
from tests.support.access import sign_in
from tests.support.api import token_for
from tests.support.app import TEST_SECRET_KEY
from tests.support.factories import make_delegation, make_user
from tests.support.scenarios import busy_case

WARM_UP = 10


def build(work: Path) -> tuple[Flask, FlaskClient, str, str]:
    url = f"sqlite:///{work / 'profile.sqlite3'}"
    dbschema.upgrade(url)
    FileKeyProvider.create(work / "keyring.json")
    # "development", as scripts/bench_pages.py runs without Redis; test-grade password hashing
    # only makes signing in quicker (it is not part of what is measured).
    settings = Settings.load(
        environ={"SECRET_KEY": TEST_SECRET_KEY, "HRD_LOG_LEVEL": "WARNING"},
        env="development",
        instance_path=work,
        database_url=url,
        keyring_file=work / "keyring.json",
        argon2_time_cost=1,
        argon2_memory_cost_kib=8,
        argon2_parallelism=1,
        log_level="WARNING",
    )
    app = create_app(settings)
    with app.extensions["hrd_db"].session() as db:
        db.info["app"] = app
        kenya = make_delegation(db, code="DEL-KE-A", country="KE")
        focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
        case = busy_case(db, app.extensions["hrd_vault"], kenya, focal)
        token = token_for(db, focal)
    browser = sign_in(app, focal.email)
    # As config/gunicorn.conf.py does in the master before forking workers.
    gc.freeze()
    return app, browser, case.reference, token


def expect_ok(answer: TestResponse) -> None:
    if answer.status_code != 200:
        raise SystemExit(f"{answer.request.path}: {answer.status_code}")


def cpu_per_request(get, count: int, segments: int) -> tuple[float, float]:
    """CPU ms per request: the least and the median over ``segments`` runs of ``count``
    requests. On a shared machine the least is the nearest to the request's own cost."""
    for _ in range(WARM_UP):
        get()
    figures = []
    for _ in range(segments):
        start = time.process_time()
        for _ in range(count):
            get()
        figures.append((time.process_time() - start) / count * 1000)
    return min(figures), statistics.median(figures)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=50, help="per segment")
    parser.add_argument("--segments", type=int, default=6)
    parser.add_argument("--list", action="store_true", help="the case list too")
    parser.add_argument("--api", action="store_true", help="the API's case read too")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hrd-profile-") as work:
        app, browser, reference, token = build(Path(work))

        def page() -> None:
            expect_ok(browser.get(f"/cases/{reference}"))

        def listing() -> None:
            expect_ok(browser.get("/cases"))

        client = app.test_client()

        def api() -> None:
            expect_ok(
                client.get(
                    f"/api/v1/cases/{reference}", headers={"Authorization": f"Bearer {token}"}
                )
            )

        targets = {"case page": page}
        if args.list:
            targets["case list"] = listing
        if args.api:
            targets["API case read"] = api
        for name, get in targets.items():
            least, median = cpu_per_request(get, args.requests, args.segments)
            print(f"{name}: {least:.2f} ms CPU per request (median of segments {median:.2f})")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.profile):
                page()
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.limit)
        app.extensions["hrd_db"].engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
