#!/usr/bin/env bash
# One command for a new user or CI: install everything, lint, run the whole test suite.
# Runs on SQLite unless DATABASE_URL points at PostgreSQL. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"

echo "==> ruff check"
ruff check hrd_cases tests scripts migrations wsgi.py
echo "==> lint-imports (the layers of docs/architecture.md)"
lint-imports --no-cache
echo "==> mypy (strict on crypto, records, domain, workflow)"
mypy
echo "==> pytest ($([ -n "${DATABASE_URL:-}" ] && echo "DATABASE_URL set" || echo "SQLite"))"
python -m pytest -p no:cacheprovider "$@"
