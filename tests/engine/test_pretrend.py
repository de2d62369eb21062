"""Randomisation pre-trend test: its coefficients are the event-study's, it has the right size, and it
detects pilots picked for a diverging pre-period trend."""

import numpy as np
import polars as pl
import pytest

from soteria.engine import att_gt, evaluate, pretrend_test
from soteria.engine.matrix import to_matrix
from soteria.engine.pretrend import many_statistics, pretrend_tables
from soteria.engine.randomisation import assignments
from soteria.engine.simulate import simulate_staggered_panel


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_coefficients_equal_event_study_pre_periods(control):
    panel = simulate_staggered_panel(n_units=14, n_periods=30, starts={12: 3, 20: 2}, seed=1)
    pm = to_matrix(panel, "unit", "time", "outcome", "first_treat")
    phis, events = pretrend_tables(pm, control)
    coefs = many_statistics(phis, pm.y[0], pm.code[None, :])[0]
    dyn = att_gt(panel, control=control).aggregate("dynamic").table.filter(pl.col("event_time") < 0)
    assert dyn["event_time"].to_list() == events.tolist()
    np.testing.assert_allclose(coefs, dyn["att"].to_numpy(), atol=1e-12)
    rows, _ = assignments(pm.code, 100_000, 0, 0)  # 20,020 distinct assignments
    for a in (5, 15_000):
        starts = dict(zip(pm.units, pm.cohort_time[rows[a]], strict=True))
        moved = panel.with_columns(first_treat=pl.col("unit").replace_strict(starts).cast(pl.Int64))
        dyn_a = att_gt(moved, control=control).aggregate("dynamic").table.filter(pl.col("event_time") < 0)
        np.testing.assert_allclose(
            many_statistics(phis, pm.y[0], rows[a : a + 1])[0], dyn_a["att"], atol=1e-12
        )


def test_size_under_parallel_trends():
    p = [pretrend_test(simulate_staggered_panel(14, 30, {12: 3, 20: 2}, seed=s)).p_value for s in range(150)]
    assert np.mean(np.array(p) <= 0.05) <= 0.10


def test_detects_pilots_on_a_diverging_trend():
    panel = simulate_staggered_panel(14, 30, {15: 5}, seed=3, noise_sd=1.0)
    trend = pl.when(pl.col("first_treat") > 0).then(0.6 * pl.col("time")).otherwise(0.0)
    r = pretrend_test(panel.with_columns(outcome=pl.col("outcome") + trend))
    assert r.p_value < 0.01
    assert r.diagnostics["n_assignments"] == 2002
    limited = pretrend_test(panel, min_e=-6)
    assert limited.df == 6 and limited.diagnostics["event_times"] == [-6, -5, -4, -3, -2, -1]


def test_simultaneous_band_covers_the_whole_zero_path_about_95_percent_of_the_time():
    """No effect anywhere: each pointwise interval misses zero 5% of the time, so over 36 event times
    most runs have a miss somewhere; the simultaneous band holds the whole zero path in about 95%."""
    whole, pointwise = 0, 0
    for seed in range(150):
        panel = simulate_staggered_panel(n_units=14, n_periods=36, starts={18: 5}, seed=seed)
        band = evaluate(panel, ["outcome"], control="never")["outcome"].event_band
        assert band is not None
        whole += bool(((band["uniform_lower"] <= 0) & (band["uniform_upper"] >= 0)).all())
        pointwise += bool(((band["ri_lower"] <= 0) & (band["ri_upper"] >= 0)).all())
        assert (
            (band["uniform_lower"] <= band["ri_lower"]) & (band["uniform_upper"] >= band["ri_upper"])
        ).all()
    assert 0.90 <= whole / 150 <= 0.99
    assert pointwise / 150 < 0.6
