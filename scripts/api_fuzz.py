"""Fuzz the JSON API with Schemathesis, authenticated as each role, against a live instance.

A throwaway instance (SQLite and keyring in a temporary directory, demo data), one API token
per role, the development server on a free loopback port; then ``schemathesis run`` over
every operation of /api/v1/openapi.json for each role, with the checks: no server error, and
status code, content type and body conforming to the document. Bounded by --max-examples so
the whole run takes a few minutes. Prints Schemathesis' summary for each role, stops the
server whatever happens, and exits non-zero on any failure.

    python scripts/api_fuzz.py [--max-examples 8] [--role focal_point ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
# One demo account per role (hrd_cases.demo).
ACCOUNTS = {
    "focal_point": "focal.kenya@demo.hrd-cases.eu",
    "protection_officer": "officer.one@demo.hrd-cases.eu",
    "analyst": "analyst@demo.hrd-cases.eu",
    "admin": "admin@demo.hrd-cases.eu",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed (source scripts/bootstrap.sh)")
    return found


def hrd_cases(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [executable("hrd-cases"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        sys.exit(f"hrd-cases {args[0]} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited early (status {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback, our server
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    sys.exit(f"the server did not answer {url} within {seconds:.0f} s")


def fetch(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return response.read()


def stop(server: subprocess.Popen[bytes]) -> None:
    """The server and anything it started: it runs in a process group of its own."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--role", action="append", choices=sorted(ACCOUNTS), dest="roles")
    options = parser.parse_args()
    roles = options.roles or list(ACCOUNTS)

    with tempfile.TemporaryDirectory(prefix="hrd-api-fuzz-") as tmp:
        workdir = Path(tmp)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "HRD_KEYRING", "HRD_KEYRING_FILE", "REDIS_URL")
        }
        env.update(
            HRD_ENV="development",
            HRD_INSTANCE_PATH=str(workdir / "instance"),
            HRD_LOG_LEVEL="ERROR",
            SECRET_KEY="fuzz-" + "k" * 40,
        )
        started = time.monotonic()
        hrd_cases(env, "init")
        hrd_cases(env, "demo")
        tokens = {}
        for role in roles:
            output = hrd_cases(
                env, "token", "create", "--user", ACCOUNTS[role], "--name", "fuzz", "--days", "1"
            )
            tokens[role] = output.strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [executable("hrd-cases"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(workdir / "server.log").open("wb"),
            start_new_session=True,
        )
        failed: list[str] = []
        try:
            wait_until_up(f"{base}/healthz", server)
            schema_path = workdir / "openapi.json"
            schema_path.write_bytes(fetch(f"{base}/api/v1/openapi.json", tokens[roles[0]]))
            operations = sum(
                len(ops) for ops in json.loads(schema_path.read_text())["paths"].values()
            )
            print(
                f"instance ready in {time.monotonic() - started:.0f} s; "
                f"{operations} operations; roles: {', '.join(roles)}",
                flush=True,
            )
            for role in roles:
                print(f"\n================ schemathesis as {role} ================", flush=True)
                command = [
                    executable("schemathesis"),
                    "run",
                    str(schema_path),
                    "--url",
                    f"{base}/api/v1",
                    "--header",
                    f"Authorization: Bearer {tokens[role]}",
                    "--checks",
                    CHECKS,
                    "--max-examples",
                    str(options.max_examples),
                    "--seed",
                    str(options.seed),
                    "--phases",
                    "examples,coverage,fuzzing,stateful",
                    "--workers",
                    "1",
                    "--request-timeout",
                    "30",
                    "--generation-database",
                    "none",
                    "--no-color",
                ]
                done = subprocess.run(command, env=env, cwd=workdir, check=False, timeout=900)  # noqa: S603
                if done.returncode != 0:
                    failed.append(role)
        finally:
            stop(server)
            errors = (workdir / "server.log").read_text(errors="replace")
            if "unhandled" in errors:
                print("\nserver log (unhandled errors):\n" + errors[-5000:])
        elapsed = time.monotonic() - started
        if failed:
            print(f"\nAPI fuzz FAILED for: {', '.join(failed)} ({elapsed:.0f} s)")
            return 1
        print(f"\nAPI fuzz passed for every role: {', '.join(roles)} ({elapsed:.0f} s)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
