#!/usr/bin/env bash
# Sets up, then runs the whole check: the formatter, the linter and the type checker, then the test
# suite (unit, AppTest, browser tests in real Chromium). Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
failed=0
echo "== ruff format --check"; .venv/bin/ruff format --check . || failed=1
echo "== ruff check"; .venv/bin/ruff check . || failed=1
echo "== mypy"; .venv/bin/mypy || failed=1
# Two workers: the machine has two cores; the browser and page tests each start their own servers.
echo "== pytest"
.venv/bin/python -m pytest -n 2 "$@"
status=$?
# pytest exits 5 when it collected no test: that is a broken suite, not a pass.
if [ "$status" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$failed" -ne 0 ]; then echo "the formatter, linter or type checker found problems (above)" >&2; exit 1; fi
exit 0
