"""Parallel-trends sensitivity of the evaluation's event study (relative magnitudes on the
randomisation covariance). The HonestDiD arithmetic itself is checked against published results in
test_honest_did.py; here: the binning is the linear map it claims, and on simulated panels with a known
effect the intervals cover it, widen with M and give a breakdown value consistent with them."""

import math

import numpy as np
import pytest

from soteria.engine import evaluate
from soteria.engine.sensitivity import binned
from soteria.engine.simulate import simulate_staggered_panel


def test_binned_averages_each_bin_and_rebases_on_the_last_before_the_start():
    events = np.array([-6, -5, -4, -3, -2, -1, 0, 1, 2, 3])
    coefs = np.arange(20.0).reshape(2, 10)
    keys, out = binned(events, coefs, 3)
    assert keys.tolist() == [-2, 0, 1]  # bin -1 (e = -3..-1) is the reference, dropped
    ref = coefs[:, 3:6].mean(1)
    assert out[:, 0] == pytest.approx(coefs[:, 0:3].mean(1) - ref)
    assert out[:, 1] == pytest.approx(coefs[:, 6:9].mean(1) - ref)
    assert out[:, 2] == pytest.approx(coefs[:, 9] - ref)


def test_intervals_cover_a_known_effect_and_widen_with_m():
    covered, runs = 0, 60
    for seed in range(runs):
        panel = simulate_staggered_panel(n_units=14, n_periods=24, starts={12: 5}, effect=3.0, seed=seed)
        ev = evaluate(panel, ["outcome"], control="never", sensitivity_pre=6)["outcome"]
        s = ev.sensitivity
        assert s is not None and s.n_pre == 5 and s.n_post == 12
        covered += s.lower[0] <= 3.0 <= s.upper[0]
        widths = np.subtract(s.upper, s.lower)
        assert (np.diff(widths) >= -1e-9).all()
        clear_at_0 = s.lower[0] > 0 or s.upper[0] < 0
        assert math.isnan(s.breakdown) == (not clear_at_0)
        if math.isfinite(s.breakdown):
            i = int(np.searchsorted(s.mbar, s.breakdown, side="right"))  # the first M above the breakdown
            if i < len(s.mbar) and s.mbar[i] > s.breakdown + 0.02:
                assert s.lower[i] <= 0 <= s.upper[i]
    assert covered / runs >= 0.9


def test_a_trend_break_after_the_start_is_caught_only_once_m_allows_it():
    """Pilot areas drift away by 0.4 a period after the start with no effect at all: with exact
    parallel trends (M = 0) the interval misses zero, while M = 2 (more than the pre-period wobble)
    takes the drift in."""
    panel = simulate_staggered_panel(n_units=14, n_periods=24, starts={12: 5}, seed=3, noise_sd=0.3)
    drift = (panel["first_treat"] > 0) & (panel["time"] >= panel["first_treat"])
    panel = panel.with_columns(outcome=panel["outcome"] + drift * 0.4 * (panel["time"] - 11))
    s = evaluate(panel, ["outcome"], control="never", sensitivity_pre=6)["outcome"].sensitivity
    assert s is not None
    assert s.lower[0] > 0  # M = 0 reads the drift as an effect
    assert s.lower[-1] <= 0 <= s.upper[-1]
