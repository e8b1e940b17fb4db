"""Shared helpers for the benchmark scripts: throwaway databases, memory sampling, machine
description and the docs/benchmarks.md section writer. Not imported by the application."""

from __future__ import annotations

import os
import platform
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from hrd_cases.db import migrate as dbschema
from hrd_cases.settings import normalise_database_url

DOCS_BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@contextmanager
def throwaway_database(server_url: str | None) -> Iterator[str]:
    """A database at the head revision, deleted afterwards: a temp SQLite file by default, or
    a uniquely named database on the PostgreSQL server given."""
    if server_url and normalise_database_url(server_url).startswith("postgresql"):
        import psycopg

        base = make_url(normalise_database_url(server_url))
        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        name = f"hrd_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            url = base.set(database=name).render_as_string(hide_password=False)
            dbschema.upgrade(url)
            yield url
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory(prefix="hrd-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        dbschema.upgrade(url)
        yield url


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Samples resident memory in a thread; ``peak - start`` is what a step added."""

    def __init__(self, interval: float = 0.05) -> None:
        self.start = self.peak = rss_bytes()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self._interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def machine_description() -> str:
    cpus = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpus} cores ({model}), {total_kib / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def write_docs_section(name: str, body: str) -> None:
    """Replace the section between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = (
        DOCS_BENCHMARKS.read_text(encoding="utf-8")
        if DOCS_BENCHMARKS.exists()
        else (
            "# Benchmarks\n\nFigures measured by the scripts under `scripts/`, with the command "
            "that produced them and the machine they ran on.\n"
        )
    )
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        text = re.sub(
            re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.DOTALL
        )
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOCS_BENCHMARKS.parent.mkdir(exist_ok=True)
    DOCS_BENCHMARKS.write_text(text, encoding="utf-8")
