"""Tests for honest_did: published HonestDiD results, invariants, and an LP cross-check.

Published results reproduced:

* Benzarti & Carloni (2019), i.e. HonestDiD's ``BCdata_EventStudy``. The inputs are decoded at
  full precision from https://github.com/asheshrambachan/HonestDiD/blob/master/data/BCdata_EventStudy.rda
  (data/extract_rda.py -> data/bc_eventstudy.json). The R output is the HonestDiD run logged in the
  Stata port's consistency tests:
  https://github.com/mcaceresb/stata-honestdid/blob/main/test/unit-tests-consistency.R.log
  (script test/unit-tests-consistency.R, commit d37a957 of 2025-02-27). Four C-LF DeltaRM tables.
* Medicaid expansion, the HonestDiD README example:
  https://github.com/asheshrambachan/HonestDiD/blob/master/README.md ("Sensitivity analysis using
  relative magnitudes restrictions"). betahat and sigma are not printed there, so
  data/prepare_medicaid.py re-estimates the README's fixest TWFE from ehec_data.dta
  (github.com/Mixtape-Sessions/Advanced-DID). The full-precision lb/ub come from the README's knitr
  cache (README_cache/gfm/unnamed-chunk-4_*.rdb and unnamed-chunk-7_*.rdb in that repository).
  They were knitted on the PR #53 branch, which uses the "adaptive" grid.

R prints 3 significant digits, so we compare our values rounded the same way. This is an exact
match, well inside the required one grid step.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.stats import truncnorm

from soteria.engine import honest_did as hd

DATA = Path(__file__).parent / "data"


def _load(name: str) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    d = json.loads((DATA / name).read_text())
    return np.asarray(d["betahat"]), np.asarray(d["sigma"]), d


def _sig3(x: float) -> float:
    """Round the way R's tibble print does here (3 significant digits)."""
    return float(f"{x:.3g}")


BC_B, BC_S, _ = _load("bc_eventstudy.json")
MED_B, MED_S, _ = _load("medicaid_eventstudy.json")
HALF = np.arange(0.0, 2.01, 0.5)

# (kwargs, published lb, published ub): unit-tests-consistency.R.log
BC_TABLES: list[tuple[dict[str, Any], list[float], list[float]]] = [
    (
        {"num_pre": 4, "num_post": 4},  # defaults: l = e1, Mbar = seq(0, 2, length = 10), 1000 points
        [0.159, 0.143, 0.123, 0.102, 0.0786, 0.0551, 0.0315, 0.00722, -0.0171, -0.0422],
        [0.233, 0.248, 0.266, 0.287, 0.308, 0.329, 0.352, 0.376, 0.379, 0.379],
    ),
    (
        {"num_pre": 4, "num_post": 4, "mbar_vec": HALF, "grid_points": 100, "grid_lb": -1.0, "grid_ub": 1.0},
        [0.172, 0.131, 0.0707, 0.0303, -0.0303],
        [0.232, 0.253, 0.313, 0.354, 0.414],
    ),
    (
        {
            "num_pre": 4,
            "num_post": 4,
            "mbar_vec": HALF,
            "grid_points": 100,
            "grid_lb": -1.0,
            "grid_ub": 1.0,
            "l_vec": np.full(4, 0.25),
        },
        [0.192, 0.0707, -0.0505, -0.192, -0.333],
        [0.253, 0.354, 0.495, 0.636, 0.778],
    ),
    (
        {"num_pre": 7, "num_post": 1, "mbar_vec": HALF},  # "One post-period": no-nuisance ARP path
        [0.0713, -0.0315, -0.151, -0.278, -0.411],
        [0.181, 0.306, 0.441, 0.552, 0.552],
    ),
]


@pytest.mark.parametrize("kwargs,pub_lb,pub_ub", BC_TABLES)
def test_benzarti_carloni_published(kwargs: dict[str, Any], pub_lb: list[float], pub_ub: list[float]) -> None:
    res = hd.sensitivity_rm(BC_B, BC_S, **kwargs)
    sd = math.sqrt(BC_S[kwargs["num_pre"], kwargs["num_pre"]])
    lo, hi = kwargs.get("grid_lb", -20 * sd), kwargs.get("grid_ub", 20 * sd)
    step = (hi - lo) / (kwargs.get("grid_points", 1000) - 1)
    assert [_sig3(x) for x in res.lb] == pub_lb
    assert [_sig3(x) for x in res.ub] == pub_ub
    # The brief's tolerance, one grid step, is implied by the above. State it anyway.
    assert np.all(np.abs(res.lb - pub_lb) <= step) and np.all(np.abs(res.ub - pub_ub) <= step)


def test_medicaid_readme_published() -> None:
    # Printed README table (R, l = first post period) and the cached full-precision values.
    pub_lb = [0.0241, 0.0171, 0.00859, -0.00107]
    pub_ub = [0.0673, 0.0720, 0.0796, 0.0883]
    cache_lb = [0.024130122237794344, 0.017093720963044234, 0.008586907802101723, -0.0010670258970860713]
    cache_ub = [0.06726330158312863, 0.07196297648143499, 0.0795988279137052, 0.08834728003302408]
    res = hd.sensitivity_rm(MED_B, MED_S, 5, 2, [0.5, 1.0, 1.5, 2.0], grid="adaptive")
    assert [_sig3(x) for x in res.lb] == pub_lb and [_sig3(x) for x in res.ub] == pub_ub
    np.testing.assert_allclose(res.lb, cache_lb, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.ub, cache_ub, rtol=0, atol=1e-9)
    # l_vec = (0.5, 0.5): README chunk 7 (delta_rm_results_avg, originalResults_avg).
    avg = hd.sensitivity_rm(MED_B, MED_S, 5, 2, HALF, l_vec=[0.5, 0.5], grid="adaptive")
    np.testing.assert_allclose(
        avg.lb,
        [
            0.04053046714881314,
            0.03214178319537053,
            0.01938431730559176,
            0.005824264875491425,
            -0.008538374094930495,
        ],
        atol=1e-9,
    )
    np.testing.assert_allclose(
        avg.ub,
        [
            0.07512256249015431,
            0.07981560160559506,
            0.09014856148539291,
            0.1035014948083135,
            0.11724861535515924,
        ],
        atol=1e-9,
    )
    np.testing.assert_allclose(avg.original, [0.04036995251077609, 0.07528307712819136], atol=1e-12)
    # README: "the breakdown value for a significant effect is Mbar = 2" (lb < 0 just at 2).
    bd = hd.breakdown_mbar(MED_B, MED_S, 5, 2, grid="adaptive", tol=1e-3)
    assert 1.5 < bd < 2.0


def test_r_rnorm_matches_r() -> None:
    # R: set.seed(0); rnorm(5)  and  set.seed(123); rnorm(3)
    np.testing.assert_allclose(
        hd.r_rnorm(5, 0), [1.2629543, -0.3262334, 1.3297993, 1.2724293, 0.4146414], atol=5e-8
    )
    np.testing.assert_allclose(hd.r_rnorm(3, 123), [-0.56047565, -0.23017749, 1.55870831], atol=5e-9)


def test_mbar_zero_is_exact_parallel_trends() -> None:
    # Delta^RM(0) forces delta_post = 0 (no change in post-period trends relative to the reference
    # period). The moments then involve no pre-period coefficient at all, and theta = l'beta_post.
    # So the CI must ignore betahat_pre, and it must be close to the conventional CI.
    for l_vec in (None, np.full(4, 0.25)):
        base = hd.sensitivity_rm(BC_B, BC_S, 4, 4, [0.0], l_vec=l_vec)
        shifted = BC_B.copy()
        shifted[:4] += np.array([0.3, -0.2, 0.5, -0.1])
        moved = hd.sensitivity_rm(shifted, BC_S, 4, 4, [0.0], l_vec=l_vec)
        assert (base.lb[0], base.ub[0]) == (moved.lb[0], moved.ub[0])
        step = 40 * math.sqrt(BC_S[4, 4] if l_vec is None else l_vec @ BC_S[4:, 4:] @ l_vec) / 999
        assert abs(base.lb[0] - base.original[0]) <= step and abs(base.ub[0] - base.original[1]) <= step


def test_monotone_in_mbar() -> None:
    for l_vec in (None, np.full(4, 0.25)):
        res = hd.sensitivity_rm(BC_B, BC_S, 4, 4, np.linspace(0, 3, 13), l_vec=l_vec, grid="adaptive")
        assert np.all(np.diff(res.lb) <= 0) and np.all(np.diff(res.ub) >= 0)


def test_breakdown_bc() -> None:
    # Published table: lb > 0 at Mbar = 1.56 and lb < 0 at 1.78 (centred grid, l = e1).
    bd = hd.breakdown_mbar(BC_B, BC_S, 4, 4, tol=1e-4)
    assert 1.5556 < bd < 1.7778
    at = hd.sensitivity_rm(BC_B, BC_S, 4, 4, [bd, bd + 2e-4])
    assert at.lb[0] > 0 >= at.lb[1]
    assert math.isnan(hd.breakdown_mbar(BC_B * np.r_[np.ones(4), np.zeros(4)], BC_S, 4, 4))


def test_noiseless_limit_is_identified_set() -> None:
    # As sigma -> 0 the CI shrinks to the identified set, which has a closed form:
    # l'beta_post +/- Mbar * max_s |beta_s - beta_{s-1}| * sum_t |L_t|, with L_t = sum_{j>=t} l_j.
    sigma = BC_S * 1e-8
    max_pre = np.max(np.abs(np.diff(np.r_[BC_B[:4], 0.0])))
    for l_vec in (np.eye(4)[0], np.full(4, 0.25), np.array([0.0, 0.0, 1.0, 0.0])):
        for mbar in (0.5, 1.0, 2.0):
            centre = l_vec @ BC_B[4:]
            half = mbar * max_pre * np.abs(np.cumsum(l_vec[::-1])).sum()
            res = hd.sensitivity_rm(
                BC_B,
                sigma,
                4,
                4,
                [mbar],
                l_vec=l_vec,
                grid_points=2001,
                grid_lb=centre - 1.2 * half,
                grid_ub=centre + 1.2 * half,
            )
            step = 2.4 * half / 2000
            assert abs(res.lb[0] - (centre - half)) <= step and abs(res.ub[0] - (centre + half)) <= step


def test_coverage_simulation() -> None:
    # delta at the edge of Delta^RM(1): pre-trend with max |first difference| 0.02; the post bias grows
    # by 0.02 a period. The C-LF test of the true theta should reject at most ~5% of the time.
    rng = np.random.default_rng(2023)
    num_pre, num_post, mbar = 3, 2, 1.0
    delta = np.array([0.02, 0.0, 0.02, 0.02, 0.04])  # periods -3,-2,-1 | 1,2 (reference 0)
    tau = np.array([0.1, 0.1])
    corr = 0.5 ** np.abs(np.subtract.outer(np.arange(5), np.arange(5)))
    sigma = 0.02**2 * corr
    z = hd.r_rnorm(1000 * 2 * num_post).reshape(1000, 2 * num_post)
    draws = rng.multivariate_normal(delta + np.r_[np.zeros(3), tau], sigma, size=400)
    theta = np.array([tau[0]])
    covered = [
        hd._accept_grid(b, sigma, num_pre, num_post, mbar, np.eye(2)[0], 0.05, theta, z)[0] for b in draws
    ]
    assert np.mean(covered) >= 0.93  # 400 draws: 3 SE below 0.95 is about 0.917


# --- cross-check of the closed form against a literal LP port of HonestDiD's R code ----------


def _lp_eta(y: np.ndarray, x: np.ndarray, sd: np.ndarray) -> tuple[float, np.ndarray]:
    """.test_delta_lp_fn: min eta s.t. y - X delta <= eta * sd, and its dual (lambda)."""
    k = x.shape[1]
    res = linprog(
        np.r_[1.0, np.zeros(k)],
        A_ub=-np.column_stack([sd, x]),
        b_ub=-y,
        bounds=[(None, None)] * (k + 1),
        method="highs",
    )
    assert res.status == 0
    return float(res.fun), -np.asarray(res.ineqlin.marginals)


def _lp_vlo_vup(y: np.ndarray, gam: np.ndarray, sig: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """.vlo_vup_dual_fn via its definition: the c-interval on which max_g (s_T + b c)'g == c."""
    b = sig @ gam / (gam @ sig @ gam)
    s_t = y - b * (gam @ y)

    def gap(c: float) -> float:
        res = linprog(-(s_t + b * c), A_eq=w.T, b_eq=np.eye(w.shape[1])[0], bounds=(0, None), method="highs")
        return float(-res.fun - c)

    def edge(inside: float, outside: float) -> float:
        if gap(outside) <= 1e-9:
            return math.copysign(math.inf, outside - inside)
        for _ in range(60):
            mid = 0.5 * (inside + outside)
            inside, outside = (mid, outside) if gap(mid) <= 1e-9 else (inside, mid)
        return 0.5 * (inside + outside)

    eta = float(gam @ y)
    return edge(eta, eta - 100.0), edge(eta, eta + 100.0)


def _lp_reference(y: np.ndarray, x: np.ndarray, sig: np.ndarray, lf_cv: float, alpha: float) -> bool:
    """.lp_conditional_test_fn (LF hybrid), primal branch included; returns accept."""
    kappa = alpha / 10
    sd = np.sqrt(np.diag(sig))
    eta, lam = _lp_eta(y, x, sd)
    if eta > lf_cv:
        return False
    bind = lam > 1e-6
    k = x.shape[1]
    xb = x[bind]
    full_rank = xb.size > 0 and np.linalg.matrix_rank(xb) == min(xb.shape)
    if bind.sum() != k + 1 or not full_rank:  # dual approach
        vlo, vup = _lp_vlo_vup(y, lam, sig, np.column_stack([sd, x]))
        sig_b = math.sqrt(lam @ sig @ lam)
    else:  # primal approach, verbatim from arp-nuisance.R
        minv = np.linalg.inv(np.column_stack([sd[bind], xb]))
        s_b, s_bc = np.eye(len(y))[bind], np.eye(len(y))[~bind]
        gamma_b = np.column_stack([sd[~bind], x[~bind]]) @ minv @ s_b - s_bc
        v_b = np.eye(k + 1)[0] @ minv @ s_b
        sig_b = math.sqrt(v_b @ sig @ v_b)
        rho = gamma_b @ sig @ v_b / sig_b**2
        mm = -gamma_b @ y / rho + v_b @ y
        vlo = mm[rho > 0].max() if (rho > 0).any() else -math.inf
        vup = mm[rho < 0].min() if (rho < 0).any() else math.inf
    zlo, zup, stat = vlo / sig_b, min(vup, lf_cv) / sig_b, eta / sig_b
    if not zlo <= stat <= zup:
        return True
    cval = max(0.0, float(truncnorm.ppf(1 - (alpha - kappa) / (1 - kappa), zlo, zup)))
    return not stat > cval


def _r_gamma_inv(l_vec: np.ndarray) -> np.ndarray:
    """Inverse of .construct_Gamma(l): rows l, then e_j for every j but l's last nonzero index."""
    j0 = int(np.nonzero(l_vec)[0].max())
    rows = [l_vec] + [np.eye(l_vec.size)[j] for j in range(l_vec.size) if j != j0]
    return np.linalg.inv(np.array(rows))


@pytest.mark.parametrize("case", ["bc_e1", "random_avg", "random_general"])
def test_closed_form_matches_lp_port(case: str) -> None:
    rng = np.random.default_rng(7)
    if case == "bc_e1":
        beta, sigma, num_pre, num_post, l_vec, mbar = BC_B, BC_S, 4, 4, np.eye(4)[0], 2 / 3
    else:
        num_pre, num_post = 3, 3
        a = rng.normal(size=(6, 6))
        sigma = (a @ a.T / 6 + np.eye(6)) * 1e-3
        beta = rng.multivariate_normal(np.r_[0, 0, 0, 0.1, 0.1, 0.1], sigma)
        l_vec = np.full(3, 1 / 3) if case == "random_avg" else np.array([0.5, -0.2, 0.7])
        mbar = 1.0
    z = hd.r_rnorm(1000 * 2 * num_post).reshape(1000, 2 * num_post)
    gi = _r_gamma_inv(l_vec)
    theta = np.linspace(-0.5, 1.0, 41) if case != "bc_e1" else np.linspace(0.05, 0.35, 31)
    for s, positive in ((0, True), (-1, False), (-(num_pre - 1), True)):
        a_mat = hd._post_moments(num_pre, num_post, s, positive, mbar)
        sig_y = a_mat @ sigma @ a_mat.T
        sd = np.sqrt(np.diag(sig_y))
        vertices = hd._dual_vertices(l_vec, sd)
        lf_cv = hd._lf_cv(vertices, sig_y, z, 0.005)
        ag = a_mat[:, num_pre:] @ gi
        y0 = a_mat @ beta
        # eta and the LF critical value: the closed form equals R's LP (a few draws suffice).
        w, q = np.linalg.eigh(sig_y)
        xi = z[:25] @ ((q * np.sqrt(np.maximum(w, 0))) @ q.T)
        for row in xi:
            assert abs(_lp_eta(row, ag[:, 1:], sd)[0] - (vertices @ row).max()) < 1e-9
        mine = hd._accept(y0, ag[:, 0], sig_y, vertices, theta, lf_cv, 0.05, 0.005, True)
        ref = [_lp_reference(y0 - ag[:, 0] * t, ag[:, 1:], sig_y, lf_cv, 0.05) for t in theta]
        assert list(mine) == ref


def test_twelve_by_twelve_and_a_long_published_event_study_give_finite_ordered_bounds() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(24, 24))
    sigma = (a @ a.T / 24 + np.eye(24)) * 1e-4
    beta = rng.multivariate_normal(np.r_[np.zeros(12), np.full(12, 0.05)], sigma)
    res = hd.sensitivity_rm(beta, sigma, 12, 12, [0.0, 0.5, 1.0, 1.5, 2.0])
    assert np.all(np.isfinite(res.lb))
    # HonestDiD's LWdata_EventStudy (Lovenheim & Willen 2019): 9 pre, 23 post periods.
    lw_b, lw_s, lw = _load("lw_eventstudy.json")
    res = hd.sensitivity_rm(lw_b, lw_s, lw["num_pre"], lw["num_post"], [0.0, 0.5, 1.0, 1.5, 2.0])
    assert np.all(np.diff(res.lb) <= 0) and np.all(np.diff(res.ub) >= 0)
