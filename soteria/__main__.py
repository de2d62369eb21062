import os

# One BLAS thread, as scripts/run.sh runs the app: the evaluation's matrices are small, and on a busy
# 2-core machine OpenBLAS threads spinning against each other cost more than they gain.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from soteria.cli.main import main

main()
