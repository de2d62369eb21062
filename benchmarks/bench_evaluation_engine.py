"""Median timings of the evaluation engine on dashboard-sized inputs.

Run: .venv/bin/python benchmarks/bench_evaluation_engine.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soteria.engine import att_gt, evaluate, randomization_inference, relative_effect, synthetic_control_panel
from soteria.engine.simulate import simulate_cases, simulate_staggered_panel  # noqa: E402
from soteria.evaluation.survival_did import survival_summary

OUTCOMES = ["referrals", "early_advice_requests", "charging_decisions", "charges", "nfa_decisions",
            "victim_withdrawals"]  # fmt: skip


def bench(label: str, fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    med = statistics.median(times)
    print(f"{label:<72} median {med * 1000:9.1f} ms  (min {min(times) * 1000:.1f}, n={repeat})")
    return med


def with_outcomes(panel: pl.DataFrame) -> pl.DataFrame:
    return panel.with_columns(
        **{
            name: pl.col("outcome") * (1 + i / 10) + (i % 3) * pl.col("time")
            for i, name in enumerate(OUTCOMES)
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    areas = simulate_staggered_panel(14, 54, {29: 5}, kind="poisson", effect=0.2, seed=1)
    areas2 = simulate_staggered_panel(14, 54, {29: 5, 45: 4, 54: 5}, kind="poisson", effect=0.2, seed=1)
    forces = simulate_staggered_panel(44, 54, {29: 5, 45: 14}, kind="poisson", effect=0.2, seed=2)
    cases = simulate_cases(150_000, seed=1, speedup=1.2)
    print(f"polars {pl.__version__}; panels: 14 x 54 (CPS Areas) and 44 x 54 (forces); 150,000 cases")
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset (OpenBLAS uses every core)")
    print(f"OPENBLAS_NUM_THREADS={threads}; on a busy machine 1 is much faster for these small matrices")
    bench("att_gt, 14 units x 54 months", lambda: att_gt(areas), repeat)
    bench("att_gt, 44 units x 54 months (2 waves)", lambda: att_gt(forces), repeat)
    bench("RI, 5 of 14 (2,002 exact assignments) + test-inversion CI", lambda: randomization_inference(areas),
          repeat)  # fmt: skip
    bench(
        "RI relative scale (% of counterfactual), 2,002 assignments", lambda: relative_effect(areas), repeat
    )
    bench("RI, 44 forces, 5,000 random permutations + CI", lambda: randomization_inference(forces), repeat)
    bench("evaluate(): 6 outcomes, 14 areas, 2,002 assignments, all estimators",
          lambda: evaluate(with_outcomes(areas), OUTCOMES), repeat)  # fmt: skip
    bench("evaluate(): 6 outcomes, 14 areas in 2 waves, 5,000 permutations",
          lambda: evaluate(with_outcomes(areas2), OUTCOMES), repeat)  # fmt: skip
    bench("evaluate(): 6 outcomes, 44 forces, 5,000 permutations",
          lambda: evaluate(with_outcomes(forces), OUTCOMES), repeat)  # fmt: skip
    bench("synthetic control + in-space placebos, 5 treated areas of 14",
          lambda: synthetic_control_panel(areas), repeat)  # fmt: skip
    bench(
        "survival suite (KM, AJ, log-rank, RMST DiD), 150,000 cases", lambda: survival_summary(cases), repeat
    )


if __name__ == "__main__":
    main()
