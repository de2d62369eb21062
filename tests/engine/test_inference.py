"""Randomisation inference: the fast linear statistic equals the estimator re-run on each assignment,
the exact interval equals brute-force test inversion on a grid, and the p-value conventions."""

import json
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria.engine import (
    att_gt,
    cluster_bootstrap,
    randomization_inference,
    relative_effect,
    to_relative,
    twfe,
)
from soteria.engine.inference import make_table
from soteria.engine.matrix import to_matrix
from soteria.engine.randomisation import assignment_set, assignments, invert, p_value, statistics
from soteria.engine.simulate import simulate_staggered_panel


def _with_codes(panel, pm, row):
    starts = dict(zip(pm.units, pm.cohort_time[row], strict=True))
    return panel.with_columns(first_treat=pl.col("unit").replace_strict(starts).cast(pl.Int64))


@pytest.mark.parametrize("control", ["never", "notyet"])
@pytest.mark.parametrize("statistic", ["simple", "group", "dynamic"])
def test_linear_statistic_equals_estimator_rerun_on_each_assignment(control, statistic):
    panel = simulate_staggered_panel(n_units=9, n_periods=12, starts={5: 2, 8: 2}, seed=4)
    pm = to_matrix(panel, "unit", "time", "outcome", "first_treat")
    rows, exact = assignments(pm.code, 10_000, 0, 0)
    assert exact and len(rows) == math.factorial(9) // (2 * 2 * math.factorial(5))
    stats = statistics(make_table(pm, "cs", control, statistic)(pm.y[0]), rows)
    for a in range(0, len(rows), 97):
        rerun = att_gt(_with_codes(panel, pm, rows[a]), control=control).aggregate(statistic)
        assert stats[a] == pytest.approx(rerun.overall.estimate, abs=1e-12)


def test_twfe_statistic_equals_twfe_rerun():
    panel = simulate_staggered_panel(n_units=9, n_periods=12, starts={5: 2, 8: 2}, seed=5)
    pm = to_matrix(panel, "unit", "time", "outcome", "first_treat")
    rows, _ = assignments(pm.code, 10_000, 0, 0)
    stats = statistics(make_table(pm, "twfe", "never", "group")(pm.y[0]), rows)
    for a in range(0, len(rows), 151):
        assert stats[a] == pytest.approx(twfe(_with_codes(panel, pm, rows[a])).estimate, abs=1e-12)


def test_exact_enumeration_of_5_of_14_and_observed_first():
    panel = simulate_staggered_panel(n_units=14, n_periods=20, starts={10: 5}, seed=1)
    r = randomization_inference(panel)
    assert r.n_assignments == 2002 and r.diagnostics["exact"]
    assert r.p_value >= 1 / 2002  # the observed assignment counts
    assert r.estimate == pytest.approx(att_gt(panel).aggregate("group").overall.estimate)
    pm = to_matrix(panel, "unit", "time", "outcome", "first_treat")
    rows, _ = assignments(pm.code, 10_000, 0, 0)
    assert (rows[0] == pm.code).all()
    assert len({r.tobytes() for r in rows}) == 2002
    assert ((rows > 0).sum(1) == 5).all()


def test_random_draws_when_too_many_assignments():
    panel = simulate_staggered_panel(n_units=30, n_periods=12, starts={6: 5, 9: 5}, seed=2)
    r = randomization_inference(panel, n_draws=2_000, seed=7)
    assert not r.diagnostics["exact"] and r.n_assignments == 2_001
    again = randomization_inference(panel, n_draws=2_000, seed=7)
    assert (r.p_value, r.lower, r.upper) == (again.p_value, again.lower, again.upper)


@pytest.mark.parametrize("scale", ["additive", "relative"])
def test_interval_equals_brute_force_inversion(scale):
    panel = simulate_staggered_panel(n_units=10, n_periods=16, starts={6: 2, 11: 2}, effect=1.5, seed=8)
    r = randomization_inference(panel, control="notyet", alpha=0.1, scale=scale)
    pm = to_matrix(panel, "unit", "time", "outcome", "first_treat")
    table = make_table(pm, "cs", "notyet", "group")
    rows, _ = assignments(pm.code, 10_000, 0, 0)
    y, d = pm.y[0], pm.treated_mask()
    if scale == "additive":
        grid = np.linspace(r.lower - 1, r.upper + 1, 801)
        accepted = [p_value(statistics(table(y - tau * d), rows)) > 0.1 for tau in grid]
    else:
        grid = np.linspace(r.lower - 0.05, r.upper + 0.05, 801)
        accepted = [p_value(statistics(table(np.where(d, y / (1 + q), y)), rows)) > 0.1 for q in grid]
    kept = grid[np.array(accepted)]
    step = grid[1] - grid[0]
    assert kept.min() == pytest.approx(r.lower, abs=step)
    assert kept.max() == pytest.approx(r.upper, abs=step)


@settings(max_examples=200, deadline=None)
@given(
    s=st.lists(st.floats(-5, 5), min_size=3, max_size=25),
    data=st.data(),
)
def test_invert_matches_grid_on_arbitrary_inputs(s, data):
    s0 = np.array(s)
    d = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=len(s), max_size=len(s))))
    d[0] = 1.0
    lo, hi, _ = invert(s0, d, 0.2)
    # The p-value steps where |s0_i - tau d_i| = |s0_0 - tau d_0|; an accepted piece can be narrower than
    # the grid's step, so the grid also probes just either side of every such point.
    u, v = np.concatenate([s0 - s0[0], s0 + s0[0]]), np.concatenate([d - d[0], d + d[0]])
    steps = (u / np.where(v == 0, np.nan, v))[np.abs(v) > 1e-12]
    steps = steps[np.abs(steps) < 60]
    grid = np.unique(np.concatenate([np.linspace(-60, 60, 6001), steps - 1e-7, steps + 1e-7]))
    # A tie can accept one isolated tau exactly at a step (a set of measure zero, not part of the interval):
    # the grid leaves the steps themselves out and keeps the points just either side.
    if steps.size:
        grid = grid[np.abs(grid[:, None] - steps[None, :]).min(1) > 1e-9]
    stat = np.abs(s0[None, :] - grid[:, None] * d[None, :])
    pv = (stat >= stat[:, :1] - 1e-9).mean(1)
    acc = grid[pv > 0.2]
    if acc.size == 0:
        return
    if np.isfinite(lo) and lo > -59:
        assert acc.min() == pytest.approx(lo, abs=0.03)
    if np.isfinite(hi) and hi < 59:
        assert acc.max() == pytest.approx(hi, abs=0.03)


def test_relative_effect_is_att_over_counterfactual_mean():
    panel = simulate_staggered_panel(starts={30: 5}, kind="poisson", effect=0.3, seed=11)
    add = randomization_inference(panel)
    rel = relative_effect(panel)
    m = rel.diagnostics["treated_post_mean"]
    assert rel.estimate == pytest.approx(add.estimate / (m - add.estimate))
    assert rel.p_value == add.p_value
    assert rel.lower < rel.estimate < rel.upper
    mapped = to_relative(add, m)
    assert mapped.estimate == pytest.approx(rel.estimate)
    assert mapped.lower == pytest.approx(add.lower / (m - add.lower))


def test_cluster_bootstrap_brackets_estimate_and_is_reproducible():
    panel = simulate_staggered_panel(starts={30: 5}, effect=2.0, seed=3)
    b = cluster_bootstrap(panel, n_boot=499, seed=1)
    assert b.lower < b.estimate < b.upper
    assert b.estimate == pytest.approx(att_gt(panel).aggregate("group").overall.estimate)
    assert b.to_dict() == cluster_bootstrap(panel, n_boot=499, seed=1).to_dict()


def test_results_are_json_serialisable():
    panel = simulate_staggered_panel(starts={30: 5}, seed=3)
    r = randomization_inference(panel, return_distribution=True)
    text = json.dumps(r.to_dict(), allow_nan=False)
    assert '"n_assignments": 2002' in text
    assert len(r.diagnostics["placebo_statistics"]) == 2001
    json.dumps(att_gt(panel).to_dict(), allow_nan=False)
    json.dumps(att_gt(panel).aggregate("dynamic").to_dict(), allow_nan=False)


def test_later_waves_keep_their_start_and_the_inversion_stays_exact():
    panel = simulate_staggered_panel(n_units=12, n_periods=16, starts={6: 3, 11: 2}, effect=1.5, seed=9)
    r = randomization_inference(panel, control="notyet", alpha=0.1, cohorts=[6])
    pm = to_matrix(panel, "unit", "time", "outcome", "first_treat", cohorts=[6])
    aset = assignment_set(pm, 10_000, 0, 0)
    later = pm.code == 2
    assert aset.later_waves == "held" and (aset.rows[:, later] == 2).all()
    assert aset.n_possible == math.comb(10, 3) == r.diagnostics["n_possible_assignments"]
    assert "later-wave areas keep their own start dates" in r.method
    table, d = make_table(pm, "cs", "notyet", "group"), pm.treated_mask()
    grid = np.linspace(r.lower - 1, r.upper + 1, 801)
    accepted = [p_value(statistics(table(pm.y[0] - tau * d), aset.rows)) > 0.1 for tau in grid]
    kept, step = grid[np.array(accepted)], grid[1] - grid[0]
    assert kept.min() == pytest.approx(r.lower, abs=step)
    assert kept.max() == pytest.approx(r.upper, abs=step)
