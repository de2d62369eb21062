#!/usr/bin/env bash
# The fast local loop: the static checks and every test that needs no browser and is not slow
# (about a minute on two cores). The full suite is scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff format --check . && .venv/bin/ruff check . && .venv/bin/mypy || exit 1
exec .venv/bin/python -m pytest -n 2 -m "not browser and not slow" "$@"
