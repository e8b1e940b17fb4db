#!/usr/bin/env bash
# One command for a new user: install, initialise SQLite + keyring, load demo data, serve.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"

unset DATABASE_URL  # the demo always runs on the local SQLite file under instance/
hrd-cases init
hrd-cases demo
hrd-cases serve --with-worker --host "${HRD_HOST:-127.0.0.1}" --port "${HRD_PORT:-5000}"
