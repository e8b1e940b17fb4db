#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs hrd_cases with its development extras.
# Sourced by scripts/demo.sh and scripts/test.sh; re-runs are fast (skips an unchanged install).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "hrd_cases needs Python 3.11 (python3.11 was not found on PATH)" >&2
  return 1
}

# pip's notices about absent local mirrors are noise; everything else still shows.
quiet_pip() {
  local status=0 log
  log="$(mktemp)"
  "$VENV/bin/python" -m pip --quiet --disable-pip-version-check "$@" >"$log" 2>&1 || status=$?
  grep -v -e "^WARNING: Location '.*' is ignored" "$log" || true
  rm -f "$log"
  return "$status"
}

if [ ! -x "$VENV/bin/python" ]; then
  PYTHON="$(find_python)"
  echo "==> creating virtual environment in .venv ($("$PYTHON" --version))"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.hrd-cases-installed"
fingerprint="$("$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$ROOT/pyproject.toml")"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$fingerprint" ]; then
  echo "==> installing hrd_cases and its dependencies (first run takes a minute)"
  quiet_pip install --upgrade pip
  quiet_pip install -e "$ROOT[dev]"
  echo "$fingerprint" > "$stamp"
fi
# Compiled message catalogues (.mo) are built here, never committed (docs/translating.md);
# the application also rebuilds any that are older than their .po at start-up.
"$VENV/bin/python" -c 'from hrd_cases.i18n.catalogues import compile_catalogues; compile_catalogues(only_stale=True)'
export PATH="$VENV/bin:$PATH"
