"""One benchmark on two versions of the code, side by side in one run: old, new, old, new, ...

The machine is noisy, so figures from different runs cannot be compared; this runs a benchmark script
of this folder on an earlier commit (exported to a temporary folder with `git archive`) and on the
working tree, alternately, with the same virtual environment, and prints each run's output under a
heading. Read the medians and ratios off the two columns of rounds.

Run:
    .venv/bin/python benchmarks/bench_trees.py --base REV [--rounds 2] SCRIPT [ARGS ...]
    e.g. --base c33492a benchmarks/bench_pages.py --repeat 5
    A module form works too: --base c33492a -m benchmarks.bench_export
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export_tree(rev: str, into: Path) -> Path:
    """The files of commit `rev` in a folder of their own (no .git: nothing can be changed back)."""
    data = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def run(tree: Path, command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *command], cwd=tree, capture_output=True, text=True, env=None, check=False
    )
    output = done.stdout + (f"\n[exit {done.returncode}]\n{done.stderr[-2000:]}" if done.returncode else "")
    return time.perf_counter() - start, output


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", required=True, help="the earlier commit to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    args, command = parser.parse_known_args()  # the rest is the benchmark: SCRIPT [ARGS] or -m MODULE
    if not command:
        parser.error("name the benchmark to run")
    with tempfile.TemporaryDirectory(prefix="soteria-base-") as tmp:
        base = export_tree(args.base, Path(tmp))
        for round_no in range(1, args.rounds + 1):
            for label, tree in (("old " + args.base, base), ("new (working tree)", ROOT)):
                seconds, output = run(tree, command)
                print(f"===== round {round_no}: {label} ({seconds:.1f} s) =====")
                print(output.rstrip(), flush=True)


if __name__ == "__main__":
    main()
