"""Survival estimators and tests against the published lung-cancer results and lifelines.

Reference: ``lifelines.datasets.load_lung()`` (the R ``survival::lung`` data): Kaplan-Meier median 310
days (R log interval 285-363; lifelines' log-log interval 284-361); log-rank by sex chi-squared 10.33,
p = 0.0013.
"""

import json
import math

import numpy as np
import polars as pl
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter
from lifelines.datasets import load_lung
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import restricted_mean_survival_time

from soteria.engine import (
    cumulative_incidence,
    kaplan_meier,
    km_median,
    logrank_test,
    numbers_at_risk,
    restricted_mean,
)
from soteria.engine.simulate import simulate_cases
from soteria.engine.survival import cif_quantile
from soteria.evaluation.survival_did import rmst_did, survival_summary


@pytest.fixture(scope="module")
def lung():
    return load_lung()


def test_lung_km_median_and_intervals(lung):
    loglog = km_median(lung["time"], lung["status"])
    assert (loglog.estimate, loglog.lower, loglog.upper) == (310, 284, 361)
    r_style = km_median(lung["time"], lung["status"], conf_type="log")
    assert (r_style.estimate, r_style.lower, r_style.upper) == (310, 285, 363)


def test_lung_logrank_by_sex(lung):
    t = logrank_test(lung["time"], lung["status"], lung["sex"])
    assert t.statistic == pytest.approx(10.33, abs=0.005)
    assert t.p_value == pytest.approx(0.0013, abs=5e-5)
    assert t.df == 1


def test_k_group_logrank_matches_lifelines(lung):
    groups = lung["ph.ecog"].fillna(-1)
    ours = logrank_test(lung["time"], lung["status"], groups)
    ref = multivariate_logrank_test(lung["time"], groups, lung["status"])
    assert ours.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    assert ours.df == 4


def test_km_curve_matches_lifelines(lung):
    ours = kaplan_meier(lung["time"], lung["status"])
    ref = KaplanMeierFitter().fit(lung["time"], lung["status"])
    np.testing.assert_allclose(ours["survival"], ref.survival_function_.iloc[1:, 0], atol=1e-12)
    band = np.sort(ref.confidence_interval_.iloc[1:].to_numpy(), axis=1)
    np.testing.assert_allclose(ours["lower"], band[:, 0], atol=1e-10)
    np.testing.assert_allclose(ours["upper"], band[:, 1], atol=1e-10)
    assert ours["at_risk"][0] == 228


def test_aalen_johansen_matches_lifelines_without_ties():
    rng = np.random.default_rng(0)
    days = rng.exponential(100, 3000)  # continuous: lifelines would jitter ties
    event = rng.choice([0, 1, 2], 3000, p=[0.3, 0.5, 0.2])
    ours = cumulative_incidence(days, event, cause=1)
    ref = AalenJohansenFitter(calculate_variance=True).fit(days, event, event_of_interest=1)
    np.testing.assert_allclose(ours["cif"], ref.cumulative_density_.iloc[1:, 0], atol=1e-12)
    np.testing.assert_allclose(ours["se"] ** 2, ref.variance_.iloc[1:], atol=1e-12)
    band = np.sort(ref.confidence_interval_.iloc[1:].to_numpy(), axis=1)
    ok = (ours["cif"] > 0).to_numpy()
    np.testing.assert_allclose(ours["lower"].to_numpy()[ok], band[ok, 0], atol=1e-10)


def test_cif_of_filing_plus_closing_equals_one_minus_km_of_either():
    c = simulate_cases(n=5000, seed=2)
    d, e = c["days"].to_numpy(), c["event"].to_numpy()
    total = cumulative_incidence(d, e, 1)["cif"] + cumulative_incidence(d, e, 2)["cif"]
    either = kaplan_meier(d, (e > 0).astype(int))["survival"]
    np.testing.assert_allclose(total, 1 - either, atol=1e-12)


def test_rmst_censor_mode_matches_lifelines_and_textbook_variance(lung):
    ours = restricted_mean(lung["time"], lung["status"], tau=365, closure="censor")
    kmf = KaplanMeierFitter().fit(lung["time"], lung["status"])
    assert ours.estimate == pytest.approx(restricted_mean_survival_time(kmf, t=365), rel=1e-9)
    # Klein & Moeschberger (4.5.1): Var = sum over event times t_j <= tau of A_j^2 d_j / (n_j (n_j - d_j)),
    # A_j = area under the KM curve from t_j to tau
    km = kaplan_meier(lung["time"], lung["status"]).filter(pl.col("time") <= 365)
    t, s, d, n = (km[c].to_numpy().astype(float) for c in ("time", "survival", "events", "at_risk"))
    widths = np.diff(np.append(t, 365.0))
    area_after = np.cumsum((s * widths)[::-1])[::-1]
    var = np.sum(np.where(d > 0, area_after**2 * d / (n * (n - d)), 0.0))
    assert ours.se == pytest.approx(np.sqrt(var), rel=1e-9)


@pytest.mark.parametrize("closure", ["competing", "censor"])
def test_rmst_delta_se_agrees_with_bootstrap(closure):
    c = simulate_cases(n=3000, seed=5)
    d, e = c["days"].to_numpy(), c["event"].to_numpy()
    est = restricted_mean(d, e, tau=365, closure=closure)
    rng = np.random.default_rng(1)
    boots = [
        restricted_mean(d[i], e[i], 365, closure).estimate for i in rng.integers(0, len(d), (300, len(d)))
    ]
    assert est.se == pytest.approx(np.std(boots, ddof=1), rel=0.15)


def test_rmst_competing_counts_closed_cases_as_never_filed():
    days = np.array([10.0, 20.0, 30.0, 40.0])
    event = np.array([1, 2, 1, 0])
    # filed at 10 and 30; the case closed at 20 never files; the open case is censored at 40
    r = restricted_mean(days, event, tau=50, closure="competing")
    # CIF: 1/4 from day 10, then + S(20)=1/2 * 1/2 = 1/4 from day 30 -> integral 0.25*40 + 0.25*20 = 15
    assert r.estimate == pytest.approx(50 - 15)


def test_rmst_did_detects_a_speed_up_and_not_a_national_trend():
    none = rmst_did(simulate_cases(n=150_000, seed=3, speedup=1.0))
    assert none.lower < 0 < none.upper  # national 20% speed-up removed by the control arm
    faster = rmst_did(simulate_cases(n=150_000, seed=3, speedup=1.5))
    assert faster.upper < 0 and faster.p_value < 1e-6
    assert set(faster.diagnostics) == {"pilot_before", "pilot_after", "control_before", "control_after"}


def test_survival_summary_on_150k_cases_is_serialisable():
    cases = simulate_cases(n=150_000, seed=4)
    s = survival_summary(cases, tau=365, horizons=(90, 365))
    assert s.medians.height == 4 and s.incidence.height == 8
    assert set(s.logrank) == {"pilot_change", "control_change"}
    assert s.logrank["pilot_change"].diagnostics["groups"] == ["before", "after"]
    med = s.medians.filter((pl.col("arm") == "pilot") & (pl.col("period") == "before"))
    assert med["median_lower"].item() <= med["median_days"].item() <= med["median_upper"].item()
    json.dumps(s.to_dict(), allow_nan=False)


def test_bad_case_codes_are_rejected():
    cases = simulate_cases(n=100, seed=1).with_columns(arm=pl.lit("pilots"))
    with pytest.raises(ValueError, match="unexpected arm"):
        rmst_did(cases)


def test_numbers_at_risk_match_km_table(lung):
    km = kaplan_meier(lung["time"], lung["status"])
    times = km["time"].to_numpy()[::20]
    np.testing.assert_array_equal(numbers_at_risk(lung["time"], times), km["at_risk"].to_numpy()[::20])
    assert numbers_at_risk(lung["time"], [0, 10_000]).tolist() == [228, 0]


def test_stratified_logrank_with_one_stratum_is_the_plain_test(lung):
    plain = logrank_test(lung["time"], lung["status"], lung["sex"])
    one = logrank_test(lung["time"], lung["status"], lung["sex"], strata=np.zeros(len(lung)))
    assert one.statistic == pytest.approx(plain.statistic, rel=1e-12)
    assert one.method == "stratified log-rank test"


def test_stratified_logrank_sums_each_strata_parts(lung):
    """R's survdiff(... + strata(s)): O - E and the variance add over strata."""
    strata = lung["ph.ecog"].fillna(-1).to_numpy()
    t = logrank_test(lung["time"], lung["status"], lung["sex"], strata=strata)
    o = e = v = 0.0
    for k in np.unique(strata):
        sub = lung[strata == k]
        if sub["sex"].nunique() < 2:
            continue  # a stratum with one group adds nothing
        r = logrank_test(sub["time"], sub["status"], sub["sex"])
        o, e = o + r.diagnostics["observed"][0], e + r.diagnostics["expected"][0]
        v += (r.diagnostics["observed"][0] - r.diagnostics["expected"][0]) ** 2 / r.statistic
    assert t.statistic == pytest.approx((o - e) ** 2 / v, rel=1e-9)


def test_stratified_logrank_has_its_size_when_areas_differ_in_level():
    """Two areas filing at different speeds, the 'after' cases mostly from the fast one, no change within
    either: the pooled test sees a change nearly every time, the stratified test about 5%."""
    pooled = stratified = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        area = rng.integers(0, 2, 600)
        after = (rng.random(600) < np.where(area == 1, 0.8, 0.2)).astype(np.int64)
        days = np.ceil(rng.exponential(np.where(area == 1, 100.0, 200.0)))
        event = (rng.random(600) < 0.8).astype(np.int64)
        pooled += logrank_test(days, event, after).p_value < 0.05
        stratified += logrank_test(days, event, after, strata=area).p_value < 0.05
    assert pooled / 200 > 0.5 and stratified / 200 <= 0.08


def test_cif_quantile_matches_lifelines_aalen_johansen():
    """The day by which a share of all cases were filed, closures competing, read off lifelines' curve."""
    cases = simulate_cases(n=3_000, seed=11)
    days, event = cases["days"].to_numpy(), cases["event"].to_numpy()
    ref = AalenJohansenFitter(calculate_variance=False).fit(days, event, event_of_interest=1)
    cdf = ref.cumulative_density_.iloc[:, 0]
    for share in (0.25, 0.5):
        ours = cif_quantile(days, event, share)
        assert ours.estimate == pytest.approx(
            float(cdf[cdf >= share].index[0]), abs=0.01
        )  # lifelines jitters ties
        assert ours.lower <= ours.estimate <= ours.upper
    never = cif_quantile([5.0, 5.0, 10.0, 10.0], [2, 2, 1, 2])  # a quarter filed, never half
    assert (
        never.estimate == math.inf and cif_quantile([5.0, 5.0, 10.0, 10.0], [2, 2, 1, 2], 0.25).estimate == 10
    )
