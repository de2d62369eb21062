#!/usr/bin/env bash
# Sets up, then runs the dashboard on the embedded demo database (built on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# One BLAS thread: on 2 cores, thread contention made small matrix work 20-50 times slower.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec .venv/bin/python -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
  --browser.gatherUsageStats false "$@"
