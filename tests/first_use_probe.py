"""A fresh interpreter serves the app and opens SESSIONS sessions at once, spread over every page:
what a published link does to a newly started server. Prints a JSON line: runs, errors.

python -m tests.first_use_probe DB [SESSIONS]
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from tests.live_sessions import Session, served_app

# Every page in the navigation (locally, without sign-in, the user may change data: the change pages too).
PAGES = (
    "", "areas", "referrals", "report_to_file", "evaluation", "area", "report",
    "upload", "extracts", "pilot_register", "value_map", "source_profiles",
)  # fmt: skip


def main() -> None:
    db, sessions = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 40
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")  # the errors themselves, not "redacted"
    errors: list[str] = []
    runs: list[float] = []
    lock = threading.Lock()
    with served_app(db) as url:
        barrier = threading.Barrier(sessions)

        def visit(i: int) -> None:
            try:
                s = Session(url)
                barrier.wait(timeout=120)  # every session's first run at once
                for _ in range(2):
                    r = s.run(page_name=PAGES[i % len(PAGES)])
                    with lock:
                        runs.append(r.seconds)
                        errors.extend(r.exceptions)
                s.close()
            except Exception as exc:  # noqa: BLE001 - every failure is reported
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=visit, args=(i,)) for i in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    print(json.dumps({"runs": len(runs), "errors": errors, "max_seconds": max(runs, default=0)}))


if __name__ == "__main__":
    main()
