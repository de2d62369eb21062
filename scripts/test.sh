#!/usr/bin/env bash
# Sets up, then runs the whole test suite (unit, AppTest, browser tests in real Chromium).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
# Two workers: the machine has two cores; the browser and page tests each start their own servers.
.venv/bin/python -m pytest -n 2 "$@"
status=$?
# pytest exits 5 when it collected no test: that is a broken suite, not a pass.
if [ "$status" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit "$status"
