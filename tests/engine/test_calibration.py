"""Simulation-based calibration (fixed seeds): intervals cover the known truth about 95% of the time and
tests of a zero effect reject about 5% of the time. Bounds are 90-99% coverage and <= 10% rejection,
wide enough for Monte Carlo noise with a couple of hundred runs."""

import numpy as np

from soteria.engine import att_gt, randomization_inference, relative_effect
from soteria.engine.simulate import simulate_cases, simulate_staggered_panel
from soteria.evaluation.survival_did import rmst_did

RUNS = 200
DESIGN = {"n_units": 14, "n_periods": 30, "starts": {12: 3, 20: 2}}  # 5 pilots of 14, two waves


def test_ri_interval_covers_true_additive_effect():
    covered = 0
    for seed in range(RUNS):
        panel = simulate_staggered_panel(**DESIGN, effect=2.0, seed=seed)
        r = randomization_inference(panel, control="notyet")
        covered += r.lower <= 2.0 <= r.upper
    assert 0.90 <= covered / RUNS <= 0.99


def test_ri_test_has_correct_size_under_zero_effect():
    rejected = 0
    for seed in range(RUNS):
        panel = simulate_staggered_panel(**DESIGN, effect=0.0, seed=10_000 + seed)
        rejected += randomization_inference(panel, control="notyet").p_value <= 0.05
    assert rejected / RUNS <= 0.10


def test_relative_interval_covers_true_proportional_effect_on_counts():
    covered = 0
    for seed in range(150):
        panel = simulate_staggered_panel(
            n_units=14, n_periods=30, starts={15: 5}, kind="poisson", effect=0.25, seed=seed
        )
        r = relative_effect(panel)
        covered += r.lower <= 0.25 <= r.upper
    assert 0.90 <= covered / 150 <= 0.99


def test_influence_function_se_is_calibrated_with_many_units():
    covered = 0
    for seed in range(RUNS):
        panel = simulate_staggered_panel(
            n_units=200, n_periods=8, starts={4: 50, 6: 50}, effect=1.0, seed=seed
        )
        est = att_gt(panel).aggregate("group").overall
        covered += est.lower <= 1.0 <= est.upper
    assert 0.90 <= covered / RUNS <= 0.99


def test_rmst_did_interval_covers_truth():
    truth = rmst_did(simulate_cases(n=1_000_000, seed=999, speedup=1.3)).estimate  # large-sample truth
    covered, estimates = 0, []
    for seed in range(100):
        r = rmst_did(simulate_cases(n=4_000, seed=seed, speedup=1.3))
        covered += r.lower <= truth <= r.upper
        estimates.append(r.estimate)
    assert 0.90 <= covered / 100 <= 0.99
    assert abs(np.mean(estimates) - truth) < 3  # unbiased within Monte Carlo error (SE about 1)
