"""config/gunicorn.conf.py: two preloaded workers serve the app; access lines are JSON lines
without query strings."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask import Flask

from hrd_cases.settings import PROJECT_ROOT, Settings
from tests.support.app import TEST_SECRET_KEY

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_gunicorn_serves_with_two_workers_and_json_access_logs(
    app: Flask, settings: Settings, tmp_path: Path
) -> None:
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    environment = {
        **os.environ,
        "HRD_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": settings.database_url,
        "HRD_KEYRING_FILE": str(settings.keyring_file),
        "HRD_INSTANCE_PATH": str(tmp_path),
        "HRD_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [str(GUNICORN), "-c", str(PROJECT_ROOT / "config" / "gunicorn.conf.py"), "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, body = _get(f"http://127.0.0.1:{port}/healthz?probe=QUERYSECRET")
                    break
                except OSError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            assert status == 200 and json.loads(body)["database"] == "reachable"
            for _ in range(10):  # spread over both workers
                login = f"http://127.0.0.1:{port}/login?next=%2Fcases%3Fq%3DQUERYSECRET"
                assert _get(login)[0] == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert {line["path"] for line in access} == {"/healthz", "/login"}
    assert all(line["status"] == 200 and line["duration_ms"] >= 0 for line in access)
    assert "QUERYSECRET" not in log.read_text()
    booted = [line for line in lines if line.get("message", "").startswith("Booting worker")]
    assert len(booted) == 2
