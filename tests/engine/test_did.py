"""Callaway-Sant'Anna ATT(g,t), aggregations and pre-trend test against R ``did``'s published mpdta results.

Source: R ``did`` package README / vignette (Callaway & Sant'Anna 2021), data ``mpdta`` (copied from
/work/shared/reference-data/mpdta.csv): outcome lemp, no covariates, never-treated controls, est_method
"reg". Standard errors there come from a multiplier bootstrap; ours are analytic (same influence function).
"""

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria.engine import att_gt, twfe
from soteria.engine.simulate import simulate_staggered_panel

COLS = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treat": "first.treat"}
R_ATT = {
    2004: [-0.0105, -0.0704, -0.1373, -0.1008],
    2006: [0.0065, -0.0028, -0.0046, -0.0412],
    2007: [0.0305, -0.0027, -0.0311, -0.0261],
}
R_EVENT = [0.0305, -0.0006, -0.0245, -0.0199, -0.0510, -0.1373, -0.1008]


@pytest.fixture(scope="module")
def result(mpdta):
    return att_gt(mpdta, **COLS)


def test_att_gt_matches_r_did(result):
    table = result.table.sort("group", "time")
    for g, expected in R_ATT.items():
        got = table.filter(pl.col("group") == g)
        assert got["time"].to_list() == [2004, 2005, 2006, 2007]
        np.testing.assert_allclose(got["att"].to_numpy(), expected, atol=5e-4)


def test_base_periods_follow_r_varying_rule(result):
    t = result.table
    pre = t.filter(~pl.col("post"))
    assert (pre["base_time"] == pre["time"] - 1).all()
    post = t.filter(pl.col("post"))
    assert (post["base_time"] == post["group"] - 1).all()


def test_aggregates_match_r_did(result):
    group = result.aggregate("group")
    assert group.overall.estimate == pytest.approx(-0.031, abs=5e-4)
    assert group.overall.se == pytest.approx(0.0126, rel=0.1)  # R: bootstrap SE about 0.0126
    dynamic = result.aggregate("dynamic")
    assert dynamic.overall.estimate == pytest.approx(-0.0772, abs=5e-4)
    assert dynamic.overall.se == pytest.approx(0.0219, rel=0.15)  # R: bootstrap SE about 0.0219
    assert dynamic.table["event_time"].to_list() == [-3, -2, -1, 0, 1, 2, 3]
    np.testing.assert_allclose(dynamic.table["att"].to_numpy(), R_EVENT, atol=5e-4)
    # simple: post cells weighted by cohort size (R aggte type="simple" gives -0.04)
    assert result.aggregate("simple").overall.estimate == pytest.approx(-0.0400, abs=5e-4)


def test_pretest_matches_r_did(result):
    assert result.pretest.df == 5
    assert result.pretest.p_value == pytest.approx(0.168, abs=5e-4)


def test_multiplier_bootstrap_se_close_to_analytic(mpdta):
    boot = att_gt(mpdta, **COLS, bootstrap_iters=2000, seed=1)
    analytic = att_gt(mpdta, **COLS)
    np.testing.assert_allclose(boot.table["se"].to_numpy(), analytic.table["se"].to_numpy(), rtol=0.15)
    assert 2.3 < boot.critical_value < 3.2  # simultaneous band is wider than 1.96
    group = boot.aggregate("group").overall
    assert "bootstrap" in group.method and group.se == pytest.approx(0.0126, rel=0.1)  # R: about 0.0126
    assert boot.aggregate("dynamic").overall.se == pytest.approx(0.0219, rel=0.15)  # R: about 0.0219


def test_not_yet_treated_controls_use_later_cohorts(mpdta):
    r = att_gt(mpdta, **COLS, control="notyet")
    row = r.table.filter((pl.col("group") == 2004) & (pl.col("time") == 2005))
    # controls in 2005: never treated (309) + cohorts 2006 (40) and 2007 (131)
    assert row["n_control"].item() == 309 + 40 + 131
    last = r.table.filter((pl.col("group") == 2004) & (pl.col("time") == 2007))
    assert last["n_control"].item() == 309
    # in 2007 nobody is "not yet treated", so the 2007 cells must equal the never-treated ones
    never = att_gt(mpdta, **COLS).table.filter(pl.col("time") == 2007).sort("group")["att"]
    np.testing.assert_allclose(r.table.filter(pl.col("time") == 2007).sort("group")["att"], never, atol=1e-14)


def test_universal_base_period_runs(mpdta):
    r = att_gt(mpdta, **COLS, base_period="universal")
    post = r.table.filter(pl.col("post")).sort("group", "time")
    varying = att_gt(mpdta, **COLS).table.filter(pl.col("post")).sort("group", "time")
    np.testing.assert_allclose(post["att"].to_numpy(), varying["att"].to_numpy())


def test_twfe_matches_dummy_regression(mpdta):
    est = twfe(mpdta, **COLS)
    df = mpdta.sort("countyreal", "year")
    d = ((df["first.treat"] > 0) & (df["year"] >= df["first.treat"])).cast(float).to_numpy()
    units = df["countyreal"].to_numpy()
    years = df["year"].to_numpy()
    x = np.column_stack(
        [d]
        + [(units == u).astype(float) for u in np.unique(units)]
        + [(years == y).astype(float) for y in np.unique(years)[1:]]
    )
    beta = np.linalg.lstsq(x, df["lemp"].to_numpy(), rcond=None)[0][0]
    assert est.estimate == pytest.approx(beta, abs=1e-10)
    assert est.estimate == pytest.approx(-0.0365, abs=5e-4)  # R did vignette: TWFE -0.0365


def test_constant_effect_is_recovered_exactly_without_noise():
    panel = simulate_staggered_panel(n_units=10, n_periods=20, starts={8: 3, 14: 3}, seed=3)
    t, g = panel["time"], panel["first_treat"]
    y = panel["unit"].str.slice(1).cast(int) * 3.0 + t * 0.5 + 2.5 * ((g > 0) & (t >= g))
    r = att_gt(panel.with_columns(outcome=y), control="notyet")
    post = r.table.filter(pl.col("post"))
    np.testing.assert_allclose(post["att"].to_numpy(), 2.5, atol=1e-10)
    np.testing.assert_allclose(r.table.filter(~pl.col("post"))["att"].to_numpy(), 0.0, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), a=st.floats(-5, 5), b=st.floats(-5, 5))
def test_invariant_to_unit_and_period_effects(seed, a, b):
    panel = simulate_staggered_panel(n_units=8, n_periods=10, starts={5: 2, 7: 2}, seed=seed)
    shifted = panel.with_columns(
        outcome=pl.col("outcome") + a * pl.col("unit").str.slice(1).cast(float) + b * pl.col("time") ** 2
    )
    for control in ("never", "notyet"):
        r0 = att_gt(panel, control=control).table["att"].to_numpy()
        r1 = att_gt(shifted, control=control).table["att"].to_numpy()
        np.testing.assert_allclose(r0, r1, atol=1e-8)


def test_unbalanced_panel_is_rejected_with_a_clear_message(mpdta):
    with pytest.raises(ValueError, match="unbalanced"):
        att_gt(mpdta.slice(1), **COLS)


def test_units_treated_at_start_are_dropped_and_late_starts_are_never_treated():
    starts = {"A": 0, "B": None, "C": 1, "D": 99, "E": 5, "F": 5, "G": 7}
    rng = np.random.default_rng(0)
    panel = pl.DataFrame(
        [
            {"unit": u, "time": t, "outcome": float(rng.normal()), "first_treat": g}
            for u, g in starts.items()
            for t in range(1, 11)
        ]
    )
    r = att_gt(panel)
    assert r.diagnostics["dropped_already_treated"] == ["C"]  # treated in the first period: no baseline
    assert r.diagnostics["n_never_treated"] == 3  # 0, null and a start after the window
    assert r.diagnostics["cohort_sizes"] == {"5": 2, "7": 1}
    with pytest.raises(ValueError, match="constant within a unit"):
        att_gt(panel.with_columns(first_treat=pl.col("time")))
