"""Run one command line operation for the crash test: import everything, say "ready", then run it.

`python tests/security/crash_worker.py --db PATH ingest FILE` (any `python -m soteria` arguments). The
test kills this process with SIGKILL at a random moment after "ready".
"""

from __future__ import annotations

import sys

import soteria.ingest.undo  # noqa: F401
import soteria.store.backups  # noqa: F401 - imported before "ready" so the kill window is the operation itself
from soteria.cli.main import main

if __name__ == "__main__":
    print("ready", flush=True)
    main(sys.argv[1:])
