#!/usr/bin/env bash
# Sets up, then runs the dashboard on the embedded demo database (built on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
  --browser.gatherUsageStats false "$@"
