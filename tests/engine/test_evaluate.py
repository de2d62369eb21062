"""The one-call evaluation on dashboard-shaped panels: consistent with the pieces, fast and JSON-safe."""

import json
import time

import numpy as np
import polars as pl
import pytest

from soteria.engine import att_gt, evaluate, evaluation_table, randomization_inference, twfe
from soteria.engine.simulate import simulate_staggered_panel

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


# Two waves where only the first is "the pilot": the second wave is a control until its own start.
WAVES = {"n_units": 14, "n_periods": 54, "starts": {29: 5, 45: 4}}


def test_control_only_cohort_matches_the_full_design_for_the_pilot_cohort():
    panel = simulate_staggered_panel(**WAVES, kind="poisson", effect=0.3, seed=4)
    r = evaluate(panel, ["outcome"], control="notyet", cohorts=[29])["outcome"]
    full = att_gt(panel, control="notyet")
    assert r.by_group["group"].to_list() == [29]
    assert r.estimate.estimate == pytest.approx(full.aggregate("group").table.filter(group=29)["att"][0])
    assert set(r.group_time["group"].to_list()) == {29}
    assert r.estimate.estimate == pytest.approx(
        full.table.filter(group=29, post=True)["att"].mean()  # group aggregate of one cohort
    )
    # TWFE: the control-only wave is untreated as far as the pilot indicator goes
    recoded = panel.with_columns(
        first_treat=pl.when(pl.col("first_treat") == 45).then(0).otherwise("first_treat")
    )
    assert r.twfe.estimate == pytest.approx(twfe(recoded).estimate)
    assert r.randomization.diagnostics["n_treated_units"] == 5
    # with never-treated controls only, the second wave takes no part in the estimate
    never = evaluate(panel, ["outcome"], control="never", cohorts=[29])["outcome"]
    alone = panel.filter(pl.col("first_treat") != 45)
    assert never.estimate.estimate == pytest.approx(att_gt(alone).aggregate("group").overall.estimate)


def test_mean_base_compares_with_the_mean_of_the_year_before_the_start():
    panel = simulate_staggered_panel(n_units=10, n_periods=40, starts={20: 4}, seed=5)
    gt = att_gt(panel, base_period="mean:12")
    y = panel.pivot(on="time", index=["unit", "first_treat"], values="outcome").sort("unit")
    treated = y["first_treat"].to_numpy() > 0
    wide = y.drop("unit", "first_treat").to_numpy()
    long_diff = wide - wide[:, 8:20].mean(1, keepdims=True)  # periods 8..19: the 12 before the start
    manual = long_diff[treated].mean(0) - long_diff[~treated].mean(0)
    np.testing.assert_allclose(gt.table.sort("time")["att"].to_numpy(), manual, atol=1e-10)
    assert gt.table["event_time"].min() == -20  # every period, pre-periods against the same base
    r = evaluate(panel, ["outcome"], base_period="mean:12")["outcome"]
    assert r.estimate.estimate == pytest.approx(manual[20:].mean())
    with pytest.raises(ValueError, match="base_period"):
        att_gt(panel, base_period="mean:x")


def test_event_band_holds_the_event_study_and_a_placebo_range():
    panel = simulate_staggered_panel(**WAVES, seed=6)
    r = evaluate(panel, ["outcome"], control="notyet", cohorts=[29], base_period="mean:12")["outcome"]
    band, dyn = r.event_band, r.event_study
    assert band["event_time"].to_list() == dyn["event_time"].to_list()
    np.testing.assert_allclose(band["att"].to_numpy(), dyn["att"].to_numpy(), atol=1e-10)
    assert (band["ri_lower"] <= band["att"]).all() and (band["att"] <= band["ri_upper"]).all()
    assert (band["placebo_lower"] < band["placebo_upper"]).all()
