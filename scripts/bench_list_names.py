"""Names in the case list (issue 16, item 10): what showing the primary defender's name costs
a 50-row page, against the same page without names measured in the same run.

    .venv/bin/python scripts/bench_list_names.py [--cases 200] [--rounds 15] [--write-docs]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/...

Both variants call ``reads.lists.list_cases`` for the first page of 50 of a focal point's
cases, alternating round by round: the baseline without a vault (references and categories
only), then with the vault (each row's primary defender decrypted: one statement for the
links, one data-key unwrap and one decryption per row, and the listing's audit entry). The
figure is the median time per page; the ratio is with / without (target <= 2.0: showing who
is who may at most double the cost of a page). Unwraps per page are counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hrd_cases import create_app
from hrd_cases.db import database_of
from hrd_cases.domain.vocabulary import ProfileCategory, RiskLevel, ThreatType
from hrd_cases.models import Delegation, Role, User
from hrd_cases.reads.lists import CaseFilters, list_cases
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from hrd_cases.workflow.service import IntakeInput, open_case
from hrd_cases.workflow.templates import StrategyCatalogue
from scripts.benchlib import machine_description, throwaway_database, write_docs_section

PAGE = 50
TARGET = 2.0


def _seed(app, cases: int) -> int:  # type: ignore[no-untyped-def]
    vault: RecordVault = app.extensions["hrd_vault"]
    catalogue: StrategyCatalogue = app.extensions["hrd_strategies"]
    with database_of(app).session() as session:
        delegation = Delegation(code="DEL-KE-BENCH", name="Bench", country="KE")
        focal = User(
            email="bench@example.org",
            display_name="Bench",
            role=Role.FOCAL_POINT,
            password_hash="!",  # noqa: S106 - an account that never signs in
            delegation=delegation,
        )
        session.add_all([delegation, focal])
        session.commit()
        risks = list(RiskLevel)
        for n in range(cases):
            open_case(
                session,
                vault,
                catalogue,
                focal,
                IntakeInput(
                    delegation_id=delegation.id,
                    country="KE",
                    risk_level=risks[n % len(risks)],
                    defender={"name": f"Bench Defender {n}", "location": "Nairobi"},
                    narrative="Bench narrative.",
                    profile_categories=(ProfileCategory.JOURNALIST_MEDIA,),
                    threats=(ThreatType.SURVEILLANCE,),
                ),
            )
        return focal.id


def measure(app, focal_id: int, rounds: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    vault: RecordVault = app.extensions["hrd_vault"]
    catalogue: StrategyCatalogue = app.extensions["hrd_strategies"]
    unwraps: list[str] = []
    real_unwrap = vault._unwrap

    def counted(data_key, where):  # type: ignore[no-untyped-def]
        unwraps.append(where)
        return real_unwrap(data_key, where)

    vault._unwrap = counted  # type: ignore[method-assign]  # counts, still unwraps for real
    timings: dict[bool, list[float]] = {False: [], True: []}
    decrypting: list[float] = []
    for round_ in range(rounds + 1):
        for named in (False, True):
            with database_of(app).session() as session:
                focal = session.get(User, focal_id)
                if focal is None:
                    raise RuntimeError("the focal point was not seeded")
                unwraps.clear()
                started = time.perf_counter()
                listing = list_cases(
                    session,
                    catalogue,
                    focal,
                    CaseFilters(),
                    page=1,
                    page_size=PAGE,
                    vault=vault if named else None,
                )
                elapsed = time.perf_counter() - started
                if named:  # the decryption alone: the page's defenders, key and name
                    defenders = [r.case.defenders[0] for r in listing.rows]
                    started = time.perf_counter()
                    for defender in defenders:
                        vault.open_field(defender, "name")
                    decrypted = time.perf_counter() - started
            if len(listing.rows) != PAGE or all(r.name for r in listing.rows) != named:
                raise RuntimeError("the page is not what is measured: fewer rows or names")
            if named:
                unwraps_per_page = len(unwraps) - PAGE  # less the decryption-only pass
            if round_:  # the first round warms caches and is not counted
                timings[named].append(elapsed * 1000)
                if named:
                    decrypting.append(decrypted * 1000)
    without, with_names = statistics.median(timings[False]), statistics.median(timings[True])
    return {
        "without_ms": without,
        "with_ms": with_names,
        "ratio": with_names / without,
        "unwraps": float(unwraps_per_page),
        "decrypt_ms": statistics.median(decrypting),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL")
    backend = "PostgreSQL" if server_url and "postgres" in server_url else "SQLite"
    with throwaway_database(server_url) as url, tempfile.TemporaryDirectory() as instance:
        from hrd_cases.crypto import FileKeyProvider

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
        focal_id = _seed(app, args.cases)
        figures = measure(app, focal_id, args.rounds)
        database_of(app).engine.dispose()
    verdict = "meets" if figures["ratio"] <= TARGET else "MISSES"
    command = (
        ("DATABASE_URL=... " if backend == "PostgreSQL" else "")
        + f".venv/bin/python scripts/bench_list_names.py --cases {args.cases}"
        + f" --rounds {args.rounds} --write-docs"
    )
    body = f"""## Names in the case list ({backend})

Command: `{command}`

Machine: {machine_description()}, load average {os.getloadavg()[0]:.1f} at the end

First page of {PAGE} of a focal point's {args.cases} cases, median of {args.rounds} alternating
rounds, through `reads.lists.list_cases` (the read both faces use):

| page | ms per page |
| --- | ---: |
| references and categories only (baseline) | {figures["without_ms"]:.1f} |
| with each row's primary defender's name | {figures["with_ms"]:.1f} |
| **ratio** with / without (target <= {TARGET}) | **{figures["ratio"]:.2f}** ({verdict}) |
| of which: {PAGE} unwraps and decryptions alone | {figures["decrypt_ms"]:.1f} |
| data-key unwraps per page | {figures["unwraps"]:.0f} (one per row) |

The names cost one statement for the rows' links and defenders (with their wrapped keys),
one unwrap and one AES-GCM decryption per row, the links' MAC checks, and the listing's
audit entry (one write transaction, without the names). The decryption itself is the small
part; on PostgreSQL most of the difference is the audit entry's write transaction (its
commit), the same cost the case page pays for its `case.view` entry.
"""
    print(body)
    if args.write_docs:
        write_docs_section(f"bench_list_names_{backend.lower()}", body)


if __name__ == "__main__":
    main()
