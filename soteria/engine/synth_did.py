"""Synthetic difference-in-differences in pure numpy, a line-by-line port of the R package ``synthdid``.

Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), "Synthetic Difference-in-Differences", AER 111(12).
Ported from github.com/synth-inference/synthdid (master, commit 70c1ce3): ``R/solver.R`` (fw.step,
sc.weight.fw), ``R/synthdid.R`` (synthdid_estimate, sc_estimate, did_estimate, sparsify_function),
``R/utils.R`` (collapsed.form) and ``R/vcov.R`` (placebo_se, sum_normalize). Each step follows the R
code so the Frank-Wolfe path, and hence where it stops, is the same: with the defaults the omega
problem on Proposition 99 runs to max.iter, so the result is the path, not just the optimum. The
solver carries a leading batch axis so the placebo replications run as one vectorised problem.
On California Proposition 99 R prints SDID -15.60383, SC -19.61966, DID -27.34911 (synthdid vignette;
the Stata ``sdid`` command gives the same); the paper's Table 1 gives -15.6 (8.4), -19.6 (9.9),
-27.3 (17.7) with placebo standard errors.

Layout (synthdid's ``panel.matrices`` convention): ``y`` is (N, T), control units in the first
N0 = N - n_treated rows, treated units in the last rows; the first ``n_pre`` columns are pre-treatment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Method = Literal["sdid", "sc", "did"]


@dataclass(frozen=True)
class SolverOptions:
    """The fitted options synthdid keeps in attr(estimate, 'opts') and reuses for placebo replications."""

    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    lambda_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float
    max_iter: int
    sparsify: bool = True  # not part of R's opts, so vcov.R's replications fall back to the default
    max_iter_pre_sparsify: int = 100


@dataclass(frozen=True, eq=False)  # eq=False: ndarray fields make the generated __eq__ ambiguous
class SynthDidResult:
    estimate: float
    omega: FloatArray  # unit weights, (N0,)
    lambda_: FloatArray  # time weights, (T0,)
    method: Method
    noise_level: float
    opts: SolverOptions


def _dot(u: FloatArray, v: FloatArray) -> FloatArray:
    """Row-wise inner products of two (B, k) arrays."""
    out: FloatArray = np.einsum("bk,bk->b", u, v)
    return out


def _sc_weight_fw(
    y: FloatArray, zeta: float, intercept: bool, w0: FloatArray, min_decrease: float, max_iter: int
) -> FloatArray:
    """sc.weight.fw + fw.step for a batch: for each b, regress y[b, :, -1] on y[b, :, :-1] with weights
    on the simplex, minimising zeta^2 ||w||^2 + ||A w - b||^2 / n by Frank-Wolfe with exact line search.
    Batched (leading axis) so placebo replications run together; each problem follows its own R path."""
    n_obs, k = y.shape[1], y.shape[2] - 1
    if intercept:  # column-centring absorbs the intercept (unit fixed effect for omega, time for lambda)
        y = y - y.mean(axis=1, keepdims=True)
    a, b = y[:, :, :k], y[:, :, k]
    eta = n_obs * zeta**2  # R scales the ridge by the row count because its loss is a per-row mean
    rows = np.arange(y.shape[0])
    w = w0.astype(np.float64, copy=True)
    active = np.ones(y.shape[0], dtype=bool)
    prev = cur = np.full(y.shape[0], np.inf)
    ax = (a @ w[:, :, None])[:, :, 0]  # A w, shared by the gradient and the objective (R computes it twice)
    for t in range(max_iter):
        # R stops a problem once an iteration lowers its objective by <= min.decrease^2; it stays stopped.
        if t >= 2:
            active &= prev - cur > min_decrease**2
            if not active.any():
                break
        half_grad = ((ax - b)[:, None, :] @ a)[:, 0, :] + eta * w
        i = np.argmin(half_grad, axis=1)  # first minimiser, like R's which.min
        d_x = -w
        d_x[rows, i] = 1.0 - w[rows, i]
        d_err = a[rows, :, i] - ax
        den = _dot(d_err, d_err) + eta * _dot(d_x, d_x)
        with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 only where d_x == 0, masked below
            step = -_dot(half_grad, d_x) / den
        # R returns x unchanged when x is already the vertex; stopped problems must not move either.
        step = np.where(active & d_x.any(axis=1), np.minimum(1.0, np.maximum(0.0, step)), 0.0)
        w = w + step[:, None] * d_x
        ax = (a @ w[:, :, None])[:, :, 0]
        err = ax - b
        prev, cur = cur, zeta**2 * _dot(w, w) + _dot(err, err) / n_obs
    return w


def _sparsify(v: FloatArray) -> FloatArray:
    """synthdid's sparsify_function, row-wise: drop weights <= max/4 and renormalise."""
    out = np.where(v <= v.max(axis=1, keepdims=True) / 4, 0.0, v)
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=np.float64)


def _solve(y: FloatArray, zeta: float, intercept: bool, w0: FloatArray, o: SolverOptions) -> FloatArray:
    # A short first pass, then a full pass restarted from the sparsified solution (synthdid.R).
    if not o.sparsify:
        return _sc_weight_fw(y, zeta, intercept, w0, o.min_decrease, o.max_iter)
    w = _sc_weight_fw(y, zeta, intercept, w0, o.min_decrease, o.max_iter_pre_sparsify)
    return _sc_weight_fw(y, zeta, intercept, _sparsify(w), o.min_decrease, o.max_iter)


def _collapsed_form(y: FloatArray, n0: int, t0: int) -> FloatArray:
    """Average treated rows and post columns: the (B, N0+1, T0+1) array both weight problems use."""
    top = np.concatenate([y[:, :n0, :t0], y[:, :n0, t0:].mean(axis=2, keepdims=True)], axis=2)
    bottom = np.concatenate([y[:, n0:, :t0].mean(axis=1), y[:, n0:, t0:].mean(axis=(1, 2))[:, None]], axis=1)
    return np.concatenate([top, bottom[:, None, :]], axis=1)


def _fit(
    y: FloatArray, n1: int, t0: int, omega: FloatArray, lam: FloatArray, o: SolverOptions
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Batched synthdid_estimate body (no covariates); y is (B, N, T), omega (B, N0), lam (B, T0)."""
    n0, t1 = y.shape[1] - n1, y.shape[2] - t0
    yc = _collapsed_form(y, n0, t0)
    if o.update_lambda:
        lam = _solve(yc[:, :n0, :], o.zeta_lambda, o.lambda_intercept, lam, o)
    if o.update_omega:
        omega = _solve(yc[:, :, :t0].transpose(0, 2, 1), o.zeta_omega, o.omega_intercept, omega, o)
    b = y.shape[0]
    left = np.concatenate([-omega, np.full((b, n1), 1.0 / n1)], axis=1)
    right = np.concatenate([-lam, np.full((b, t1), 1.0 / t1)], axis=1)
    tau = ((left[:, None, :] @ y) @ right[:, :, None])[:, 0, 0]
    return tau, omega, lam


def synthetic_did(
    y: npt.ArrayLike,
    n_treated: int,
    n_pre: int,
    *,
    zeta_omega: float | None = None,
    zeta_lambda: float | None = None,
    eta_omega: float | None = None,
    eta_lambda: float = 1e-6,
    noise_level: float | None = None,
    omega_intercept: bool = True,
    lambda_intercept: bool = True,
    omega: FloatArray | None = None,
    lambda_: FloatArray | None = None,
    update_omega: bool | None = None,
    update_lambda: bool | None = None,
    min_decrease: float | None = None,
    max_iter: int = 10_000,
    sparsify: bool = True,
    max_iter_pre_sparsify: int = 100,
    method: Method = "sdid",
) -> SynthDidResult:
    """synthdid_estimate with its defaults. Passed ``omega``/``lambda_`` are fixed weights unless
    ``update_*`` is True, in which case they only initialise Frank-Wolfe (as in synthdid)."""
    ym = np.asarray(y, dtype=np.float64)
    n0, n1, t1 = ym.shape[0] - n_treated, n_treated, ym.shape[1] - n_pre
    if n1 < 1 or t1 < 1 or n0 < 1 or n_pre < 1:
        raise ValueError("need at least one control, treated, pre and post period")
    if (omega is None and update_omega is False) or (lambda_ is None and update_lambda is False):
        raise ValueError("fixed weights requested (update_*=False) but not given")
    if noise_level is None:  # sd of first differences of control pre-period outcomes (ddof=1 like R's sd)
        noise_level = float(np.diff(ym[:n0, :n_pre], axis=1).std(ddof=1))
    if eta_omega is None:  # (N_tr T_post)^(1/4), Algorithm 1 of the paper
        eta_omega = float((n1 * t1) ** 0.25)
    zo = eta_omega * noise_level if zeta_omega is None else zeta_omega
    zl = eta_lambda * noise_level if zeta_lambda is None else zeta_lambda
    md = 1e-5 * noise_level if min_decrease is None else min_decrease
    # R initialises unset weights uniformly; passed weights are fixed unless update_* says otherwise.
    om = np.full(n0, 1.0 / n0) if omega is None else np.asarray(omega, dtype=np.float64)
    lam = np.full(n_pre, 1.0 / n_pre) if lambda_ is None else np.asarray(lambda_, dtype=np.float64)
    upd_o = omega is None if update_omega is None else update_omega
    upd_l = lambda_ is None if update_lambda is None else update_lambda
    o = SolverOptions(
        zo, zl, omega_intercept, lambda_intercept, upd_o, upd_l, md, max_iter, sparsify, max_iter_pre_sparsify
    )
    tau, oms, lams = _fit(ym[None], n1, n_pre, om[None], lam[None], o)
    return SynthDidResult(float(tau[0]), oms[0], lams[0], method, noise_level, o)


def sc_estimate(y: npt.ArrayLike, n_treated: int, n_pre: int, *, eta_omega: float = 1e-6) -> SynthDidResult:
    """synthdid's sc_estimate: no time weights (lambda = 0), no unit intercept, 'infinitesimal' ridge."""
    return synthetic_did(
        y, n_treated, n_pre, eta_omega=eta_omega, lambda_=np.zeros(n_pre), omega_intercept=False, method="sc"
    )


def did_estimate(y: npt.ArrayLike, n_treated: int, n_pre: int) -> SynthDidResult:
    """synthdid's did_estimate: uniform unit and time weights, i.e. the plain 2x2 DiD of block means."""
    n0 = np.asarray(y).shape[0] - n_treated
    return synthetic_did(
        y, n_treated, n_pre, omega=np.full(n0, 1.0 / n0), lambda_=np.full(n_pre, 1.0 / n_pre), method="did"
    )


def placebo_se(
    y: npt.ArrayLike,
    n_treated: int,
    n_pre: int,
    *,
    replications: int = 200,
    seed: int | None = 0,
    method: Method = "sdid",
) -> float:
    """vcov(method='placebo'), Algorithm 4 of the paper: permute the controls, treat the last
    ``n_treated`` of them as placebo-treated, drop the real treated units, re-estimate and return
    sqrt((r-1)/r) * sd. As in vcov.R each replication re-solves the weights starting from the full fit's
    weights (omega restricted to the placebo controls and renormalised, like sum_normalize) and reuses
    the fit's zeta and min.decrease, not a re-estimated noise level. R's sample() stream cannot be
    reproduced, so the value agrees with synthdid only in distribution."""
    ym = np.asarray(y, dtype=np.float64)
    n0 = ym.shape[0] - n_treated
    if n0 <= n_treated:
        raise ValueError("must have more controls than treated units to use the placebo se")
    fit = {"sdid": synthetic_did, "sc": sc_estimate, "did": did_estimate}[method](ym, n_treated, n_pre)
    rng = np.random.default_rng(seed)
    perms = np.stack([rng.permutation(n0) for _ in range(replications)])
    init = fit.omega[perms[:, : n0 - n_treated]]
    sums = init.sum(axis=1, keepdims=True)
    # sum_normalize: an all-zero subset (every donor dropped) falls back to uniform initial weights.
    init = np.where(sums != 0, init / np.where(sums != 0, sums, 1.0), 1.0 / init.shape[1])
    lam = np.broadcast_to(fit.lambda_, (replications, n_pre))
    # vcov.R passes the fit's opts (zeta, min.decrease, intercepts, update flags), not sparsify settings.
    opts = replace(fit.opts, sparsify=True, max_iter_pre_sparsify=100)
    estimates, _, _ = _fit(ym[perms], n_treated, n_pre, init, lam, opts)
    return float(np.sqrt((replications - 1) / replications) * estimates.std(ddof=1))
