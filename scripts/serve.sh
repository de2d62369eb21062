#!/usr/bin/env bash
# Sets up, then serves the dashboard from several processes behind HAProxy on one address:
#   scripts/serve.sh [--processes 2] [--port 8501] [--address 127.0.0.1]
# (the database: --db before the options is not taken here; set SOTERIA_DB).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec .venv/bin/python -m soteria serve "$@"
