"""Benchmark of encryption at rest (issue: encrypted case records).

Measures, in one run on one machine:
  (a) intake of N cases through the real service, encrypting vs the same code path storing
      plaintext (target: encrypted throughput >= 0.85 of plaintext);
  (b) defender name search through the blind index at each size, against a decrypt-everything
      scan (target: median <= 5 ms);
  (c) `keys rotate` over every data key of the largest size (target: >= 20,000 keys/s with
      flat memory).

    .venv/bin/python scripts/bench_crypto.py                      # full run, SQLite
    .venv/bin/python scripts/bench_crypto.py --quick              # a smoke run in seconds
    .venv/bin/python scripts/bench_crypto.py --write-docs         # also update docs/benchmarks.md
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_crypto.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hrd_cases.crypto import EncryptionContext, FileKeyProvider, decrypt_field, matches
from hrd_cases.db import Database
from hrd_cases.domain.vocabulary import ProfileCategory, RiskLevel, ThreatType
from hrd_cases.models import DataKey, Defender, DefenderNameToken, Delegation
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import (
    name_tokens,
    new_defender_reference,
    search_defenders,
)
from hrd_cases.records.keys import rotate
from hrd_cases.records.vault import field_context
from hrd_cases.settings import CONFIG_DIR
from hrd_cases.workflow.service import IntakeInput, open_case
from hrd_cases.workflow.templates import load_catalogue
from scripts.benchlib import (
    PeakMemory,
    machine_description,
    throwaway_database,
    write_docs_section,
)

INDEX_BITS = 32
SYLLABLES = [
    "ka",
    "mi",
    "to",
    "ra",
    "ne",
    "lu",
    "sa",
    "di",
    "vo",
    "ha",
    "ze",
    "po",
    "yi",
    "mo",
    "ta",
    "ri",
    "an",
    "el",
    "or",
    "us",
]


def name_pools(rng: random.Random) -> tuple[list[str], list[str]]:
    def word(parts: int) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    firsts = sorted({word(rng.choice((2, 3))) for _ in range(3000)})
    lasts = sorted({word(rng.choice((3, 4))) for _ in range(20000)})
    return firsts, lasts


class PlaintextFieldCipherForBenchmarks:
    """Stores UTF-8 plaintext: lives here, not in the package, so that only this benchmark can
    build a vault that does not encrypt; it measures the cost of encryption on the same path."""

    def encrypt(self, dek: bytes, plaintext: str, context: EncryptionContext) -> bytes:
        return plaintext.encode()

    def decrypt(self, dek: bytes, blob: bytes, context: EncryptionContext) -> str:
        return bytes(blob).decode()


def make_vault(keyring_file: Path, plaintext: bool = False) -> RecordVault:
    cipher = PlaintextFieldCipherForBenchmarks() if plaintext else None
    return RecordVault(FileKeyProvider(keyring_file), index_bits=INDEX_BITS, cipher=cipher)


# (a) intake ----------------------------------------------------------------------------------
def bench_intake(server_url: str | None, keyring_file: Path, cases: int) -> dict[str, float]:
    rates = {}
    for label, plaintext in (("plaintext", True), ("encrypted", False)):
        with throwaway_database(server_url) as url:
            database = Database.connect(url)
            vault = make_vault(keyring_file, plaintext=plaintext)
            catalogue = load_catalogue(CONFIG_DIR / "strategies")
            with database.session() as session:
                delegation = Delegation(code="BENCH", name="Bench", country="KE")
                session.add(delegation)
                session.commit()
                rng = random.Random(7)
                started = time.perf_counter()
                for i in range(cases):
                    open_case(
                        session,
                        vault,
                        catalogue,
                        None,
                        IntakeInput(
                            delegation_id=delegation.id,
                            country="KE",
                            risk_level=rng.choice(list(RiskLevel)),
                            defender={
                                "name": f"Defender {i} Example",
                                "contact_details": "+254 700",
                                "location": "Nairobi",
                                "organisation": "Org",
                                "personal_notes": "Notes",
                            },
                            profile_categories=[rng.choice(list(ProfileCategory))],
                            threats=[rng.choice(list(ThreatType))],
                            narrative="Narrative of the threats, a few sentences long. " * 4,
                        ),
                    )
                elapsed = time.perf_counter() - started
            database.engine.dispose()
        rates[label] = cases / elapsed
        print(f"  intake {label}: {cases} cases in {elapsed:.1f} s = {rates[label]:.0f}/s")
    rates["ratio"] = rates["encrypted"] / rates["plaintext"]
    return rates


# (b) search ----------------------------------------------------------------------------------
def bulk_load_defenders(
    session: Session, vault: RecordVault, names: list[str], chunk: int = 5000
) -> None:
    """Defenders exactly as the service writes them (same vault calls), inserted in bulk."""
    used: set[str] = set()
    for start in range(0, len(names), chunk):
        keys, defenders, tokens = [], [], []
        for name in names[start : start + chunk]:
            data_key = vault.create_data_key("defenders")
            reference = new_defender_reference()
            while reference in used:  # the service checks the database; here, a set
                reference = new_defender_reference()
            used.add(reference)
            defender = Defender(id=uuid.uuid4(), reference=reference, data_key=data_key)
            vault.seal(defender, {"name": name})
            keys.append(
                {
                    "id": data_key.id,
                    "purpose": data_key.purpose,
                    "kek_version": data_key.kek_version,
                    "wrapped_key": data_key.wrapped_key,
                    "created_at": data_key.created_at or _now(),
                }
            )
            defenders.append(
                {
                    "id": defender.id,
                    "reference": defender.reference,
                    "data_key_id": data_key.id,
                    "name_ciphertext": defender.name_ciphertext,
                    "created_at": _now(),
                }
            )
            tokens.extend(
                {"defender_id": defender.id, "token": token}
                for token in name_tokens(vault, name, None)
            )
        session.execute(insert(DataKey), keys)
        session.execute(insert(Defender), defenders)
        session.execute(insert(DefenderNameToken), tokens)
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # As after any bulk import: without fresh statistics PostgreSQL plans the token lookup
        # as a scan of every defender (60 ms instead of ~1 ms at 30,000 defenders).
        session.execute(text("ANALYZE"))
        session.commit()


def _now():
    from hrd_cases.db import utcnow

    return utcnow()


def timed_ms(call: Callable[[], object], repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - started) * 1000 / repeat


def scan_search(session: Session, vault: RecordVault, query: str) -> list[uuid.UUID]:
    """The baseline a blind index avoids: decrypt every name and compare."""
    found = []
    for defender_id, key_id, wrapped, blob in session.execute(
        select(Defender.id, DataKey.id, DataKey.wrapped_key, Defender.name_ciphertext)
        .join(DataKey, Defender.data_key_id == DataKey.id)
        .execution_options(yield_per=10000)
    ):
        stub = Defender(id=defender_id, data_key=DataKey(id=key_id, wrapped_key=wrapped))
        name = decrypt_field(
            vault._unwrap(stub.data_key, "scan"), blob, field_context(stub, "name")
        )
        if matches(query, name):
            found.append(defender_id)
    return found


def bench_search(
    session: Session,
    vault: RecordVault,
    names: list[str],
    rng: random.Random,
    queries: int,
    scan: bool,
) -> dict[str, float]:
    full = rng.sample(names, queries)
    surnames = [n.split(" ")[-1] for n in rng.sample(names, queries)]
    absent = [f"Nobody {rng.randrange(10**9)} Absent" for _ in range(queries)]
    result: dict[str, float] = {}
    every: list[float] = []
    for label, batch in (("full name", full), ("surname", surnames), ("absent", absent)):
        for q in batch[:3]:
            search_defenders(session, vault, q, visible_ids=None)  # warm caches
        times = [
            timed_ms(lambda q=q: search_defenders(session, vault, q, visible_ids=None))
            for q in batch
        ]
        result[f"{label} median"] = statistics.median(times)
        result[f"{label} p95"] = sorted(times)[int(len(times) * 0.95) - 1]
        every.extend(times)
    result["all median"] = statistics.median(every)
    found = search_defenders(session, vault, full[0], visible_ids=None)
    if not any(m.name == full[0] for m in found):
        raise SystemExit("search lost a defender: the benchmark is invalid")
    all_times = [result[f"{k} median"] for k in ("full name", "surname", "absent")]
    result["median of medians"] = statistics.median(all_times)
    if scan:
        started = time.perf_counter()
        scanned = scan_search(session, vault, full[0])
        result["scan ms"] = (time.perf_counter() - started) * 1000
        if not scanned:
            raise SystemExit("scan lost a defender: the benchmark is invalid")
    return result


# (c) rotation --------------------------------------------------------------------------------
def bench_rotation(session: Session, keyring_file: Path, batch_size: int) -> dict[str, float]:
    provider = FileKeyProvider(keyring_file)
    with PeakMemory() as memory:
        started = time.perf_counter()
        result = rotate(session, provider, batch_size=batch_size)
        elapsed = time.perf_counter() - started
    return {
        "keys": result.rewrapped,
        "seconds": elapsed,
        "rate": result.rewrapped / elapsed,
        "rss start MiB": memory.start / 2**20,
        "rss peak growth MiB": (memory.peak - memory.start) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--intake-cases", type=int, default=10_000)
    parser.add_argument(
        "--sizes",
        default="100000,1000000",
        help="defender counts for the search benchmark (rotation uses the last)",
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--no-scan", action="store_true", help="skip the decrypt-all baseline")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.intake_cases, args.sizes, args.queries = 200, "2000,5000", 30
    sizes = [int(s) for s in args.sizes.split(",")]
    server_url = os.environ.get("DATABASE_URL")
    backend = "PostgreSQL" if server_url and "postgres" in server_url else "SQLite"
    print(f"bench_crypto on {backend}; {machine_description()}")

    with tempfile.TemporaryDirectory(prefix="hrd-bench-keys-") as key_dir:
        keyring_file = Path(key_dir) / "keyring.json"
        FileKeyProvider.create(keyring_file)

        print(f"(a) intake of {args.intake_cases} cases through open_case()")
        intake = bench_intake(server_url, keyring_file, args.intake_cases)

        rng = random.Random(2026)
        firsts, lasts = name_pools(rng)
        search_rows, rotation = [], {}
        for size in sizes:
            print(f"(b) search among {size} defenders")
            names = [f"{rng.choice(firsts)} {rng.choice(lasts)}" for _ in range(size)]
            with throwaway_database(server_url) as url:
                database = Database.connect(url)
                vault = make_vault(keyring_file)
                with database.session() as session:
                    started = time.perf_counter()
                    bulk_load_defenders(session, vault, names)
                    print(f"  loaded in {time.perf_counter() - started:.0f} s")
                    search = bench_search(
                        session, vault, names, rng, args.queries, scan=not args.no_scan
                    )
                    search_rows.append((size, search))
                    print("  " + ", ".join(f"{k}: {v:.2f}" for k, v in search.items()))
                    if size == sizes[-1]:
                        print(f"(c) keys rotate over {size} data keys")
                        rotation = bench_rotation(session, keyring_file, args.batch_size)
                        print("  " + ", ".join(f"{k}: {v:.1f}" for k, v in rotation.items()))
                database.engine.dispose()

    command = "python scripts/bench_crypto.py " + " ".join(sys.argv[1:])
    if server_url:
        safe = make_url(server_url).render_as_string(hide_password=True)
        command = f"DATABASE_URL={safe} {command}"
    lines = [
        f"## Encryption at rest ({backend})",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_description()}  ",
        f"Date: {time.strftime('%Y-%m-%d')}",
        "",
        f"**(a) Intake through the service**, {args.intake_cases} cases, each with a defender "
        "(5 encrypted fields, blind-index tokens) and a narrative, each with its own data key:",
        "",
        "| path | cases/s |",
        "| --- | ---: |",
        f"| same code, plaintext cipher | {intake['plaintext']:.0f} |",
        f"| AES-256-GCM | {intake['encrypted']:.0f} |",
        f"| **ratio** (target >= 0.85) | **{intake['ratio']:.2f}** |",
        "",
        "**(b) Name search** (`search_defenders`, first page of 25 matches; median / p95 in ms "
        f"over {args.queries} queries of each kind; target median <= 5 ms):",
        "",
        "| defenders | all queries (median) | full name | surname only | absent name | "
        "decrypt-everything scan |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, result in search_rows:
        scan = f"{result['scan ms']:.0f} ms" if "scan ms" in result else "not run"
        lines.append(
            f"| {size:,} | **{result['all median']:.2f}** | "
            f"{result['full name median']:.2f} / {result['full name p95']:.2f} | "
            f"{result['surname median']:.2f} / {result['surname p95']:.2f} | "
            f"{result['absent median']:.2f} / {result['absent p95']:.2f} | {scan} |"
        )
    lines += [
        "",
        f"**(c) `keys rotate`** over {rotation.get('keys', 0):,.0f} data keys, batches of "
        f"{args.batch_size}: **{rotation.get('rate', 0):,.0f} keys/s** "
        f"({rotation.get('seconds', 0):.1f} s; target >= 20,000/s); resident memory "
        f"{rotation.get('rss start MiB', 0):.0f} MiB at start, peak growth "
        f"{rotation.get('rss peak growth MiB', 0):.1f} MiB during the rotation.",
    ]
    report = "\n".join(lines)
    print("\n" + report)
    if args.write_docs:
        write_docs_section(f"bench_crypto_{backend.lower()}", report)
        print(f"\nwritten to docs/benchmarks.md (section bench_crypto_{backend.lower()})")


if __name__ == "__main__":
    main()
