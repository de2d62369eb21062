"""The one-call evaluation on dashboard-shaped panels: consistent with the pieces, fast and JSON-safe."""

import json
import time

import polars as pl
import pytest

from soteria.evaluation import att_gt, evaluate, evaluation_table, randomization_inference, twfe
from soteria.evaluation.simulate import simulate_staggered_panel

# CPS Areas, months since 2019-01: 5 pathfinders from 2021-06 (29), 4 from 2022-10 (45), the other five
# join at the national rollout 2023-07 (54), after the window (months 0..53) ends -> never treated here.
CPS = {"n_units": 14, "n_periods": 54, "starts": {29: 5, 45: 4, 54: 5}}


def test_dashboard_panel_all_outcomes_fast_and_consistent():
    panel = simulate_staggered_panel(**CPS, kind="poisson", effect=0.2, seed=1)
    extra = {f"m{i}": pl.col("outcome") * (i + 1) + pl.col("time") for i in range(5)}
    panel = panel.with_columns(**extra)
    outcomes = ["outcome", *extra]
    evaluate(panel, outcomes[:1])  # warm-up (imports, caches)
    start = time.perf_counter()
    res = evaluate(panel, outcomes)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    r = res["outcome"]
    # 14! / (5! 4! 5!) = 252,252 distinct assignments > 10,000: random permutations instead
    assert not r.randomization.diagnostics["exact"]
    assert r.randomization.diagnostics["n_possible_assignments"] == 252_252
    assert r.randomization.n_assignments == 5_001
    assert r.estimate.estimate == pytest.approx(att_gt(panel).aggregate("group").overall.estimate)
    assert r.randomization.estimate == pytest.approx(r.estimate.estimate)
    assert r.twfe.estimate == pytest.approx(twfe(panel).estimate)
    ri = randomization_inference(panel)
    assert (r.randomization.p_value, r.randomization.lower) == pytest.approx((ri.p_value, ri.lower))
    assert r.event_study["event_time"].min() < 0 < r.event_study["event_time"].max()
    assert sorted(r.by_group["group"].to_list()) == [29, 45]
    table = evaluation_table(res)
    assert table.height == 6
    json.dumps({k: v.to_dict() for k, v in res.items()}, allow_nan=False)


def test_single_wave_uses_exact_2002_assignments():
    panel = simulate_staggered_panel(n_units=14, n_periods=54, starts={29: 5}, seed=2)
    r = evaluate(panel, ["outcome"])["outcome"]
    assert r.randomization.n_assignments == 2002 and r.randomization.diagnostics["exact"]


def test_forces_panel_is_fast():
    panel = simulate_staggered_panel(n_units=44, n_periods=54, starts={29: 5, 45: 14}, seed=3)
    start = time.perf_counter()
    r = evaluate(panel, ["outcome"], n_draws=5_000)["outcome"]
    assert time.perf_counter() - start < 3.0
    assert not r.randomization.diagnostics["exact"]
    assert r.randomization.n_assignments == 5_001


def test_no_treated_unit_is_an_error():
    panel = simulate_staggered_panel(n_units=6, n_periods=10, starts={}, seed=1)
    with pytest.raises(ValueError):
        evaluate(panel, ["outcome"])
