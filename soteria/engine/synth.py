"""Synthetic control (Abadie, Diamond & Hainmueller) with in-space placebo inference.

Two modes. With ``predictors`` (the classic Abadie-Gardeazabal set-up) donor weights W match the
predictors under a diagonal importance matrix V, and V is chosen (nested optimisation, Nelder-Mead from
equal weights, BFGS as a second start, keep the better) so that W also fits the pre-period outcome --
predictors are scaled by their standard deviation across units first, as R ``Synth`` does. Without
predictors (the dashboard's area panels, where only the outcome series exist) every pre-period outcome is
a predictor with equal importance, i.e. W minimises the pre-period squared error directly; V would add
nothing but noise there.

W is non-negative and sums to one, so the synthetic area is a weighted average of real areas and never
extrapolates. Inner problem: min ||A w - b|| on the simplex, solved exactly as a non-negative least
squares problem: min over u >= 0 of ||[A - b 1'; 1'] u - [0; 1]|| gives u = s w* with s > 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import minimize, nnls

from soteria.engine.results import jsonable


@dataclass(frozen=True)
class Predictor:
    """A predictor: ``op`` (mean) of ``variable`` over ``times`` (missing values skipped, as in Synth)."""

    variable: str
    times: tuple[Any, ...]
    op: str = "mean"

    @property
    def name(self) -> str:
        return f"{self.variable} ({self.op} {min(self.times)}-{max(self.times)})"


@dataclass(frozen=True)
class SynthResult:
    """``estimate`` is the mean post-period gap (treated - synthetic)."""

    treated: Any
    treatment_time: Any
    estimate: float
    weights: pl.DataFrame
    series: pl.DataFrame
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    p_value: float | None
    placebos: pl.DataFrame | None
    predictor_balance: pl.DataFrame | None
    method: str
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}


def simplex_weights(x0: np.ndarray, x1: np.ndarray, v: np.ndarray | None = None) -> np.ndarray:
    """argmin_w sum_p v_p (x1_p - x0_p . w)^2 with w >= 0, sum w = 1 (exact, via NNLS)."""
    a = x0 - x1[:, None]
    if v is not None:
        a = a * np.sqrt(v)[:, None]
    scale = float(np.abs(a).max())
    if scale == 0.0:
        return np.full(x0.shape[1], 1.0 / x0.shape[1])
    mat = np.vstack([a / scale, np.ones(x0.shape[1])])
    rhs = np.zeros(mat.shape[0])
    rhs[-1] = 1.0
    u, _ = nnls(mat, rhs, maxiter=50 * mat.shape[1])
    return u / u.sum()


def _nested_v(
    x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    def loss(par: np.ndarray) -> float:
        v = np.abs(par) / max(np.abs(par).sum(), 1e-300)
        w = simplex_weights(x0, x1, v)
        return float(np.mean((z1 - z0 @ w) ** 2))

    start = np.full(len(x1), 1.0 / len(x1))
    best = min(
        (
            minimize(loss, start, method=m, options=o)
            for m, o in (("Nelder-Mead", {"maxiter": 20000}), ("BFGS", {}))
        ),
        key=lambda r: r.fun,
    )
    v = np.abs(best.x) / np.abs(best.x).sum()
    return v, simplex_weights(x0, x1, v), float(best.fun)


def _fit(
    y: np.ndarray,
    pre: np.ndarray,
    post: np.ndarray,
    t_idx: int,
    donors: Any,
    x: Any = None,
    opt: Any = None,
) -> tuple[Any, ...]:
    """Weights and fit statistics for unit t_idx against donor rows; x = predictor matrix or None."""
    if x is None:
        w, v = simplex_weights(y[donors][:, pre].T, y[t_idx, pre]), None
    else:
        sd = np.nanstd(x[[t_idx, *donors]], axis=0, ddof=1)
        x_s = x / np.where(sd > 0, sd, 1.0)
        v, w, _ = _nested_v(x_s[t_idx], x_s[donors].T, y[t_idx, opt], y[donors][:, opt].T)
    synth = w @ y[donors]
    gap = y[t_idx] - synth
    pre_r = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_r = float(np.sqrt(np.mean(gap[post] ** 2)))
    return w, v, synth, gap, pre_r, post_r, post_r / max(pre_r, 1e-12 * (np.abs(y).max() + 1e-300))


def synthetic_control(
    panel: pl.DataFrame,
    unit: str = "unit",
    time: str = "time",
    outcome: str = "outcome",
    *,
    treated: Any,
    treatment_time: Any,
    donors: list[Any] | None = None,
    predictors: list[Predictor] | None = None,
    optimize_times: list[Any] | None = None,
    placebos: bool = True,
) -> SynthResult:
    """Synthetic control for one treated unit; placebo p-value = rank of its post/pre RMSPE ratio among
    the same fit run for every donor (donor pool = the other donors), counting the treated unit.

    The outcome must be observed in every period for the treated unit and the donors.
    """
    units, times, y = wide_panel(panel, unit, time, outcome)
    if treated not in units:
        raise ValueError(f"treated unit {treated!r} is not in the panel")
    donors = [u for u in (donors if donors is not None else units) if u != treated]
    idx = {u: i for i, u in enumerate(units)}
    rows = [idx[u] for u in donors]
    if np.isnan(y[[idx[treated], *rows]]).any():
        raise ValueError("the outcome has missing values for the treated unit or a donor")
    pre, post = times < treatment_time, times >= treatment_time
    if pre.sum() < 2 or post.sum() < 1:
        raise ValueError("need at least two pre-treatment periods and one post-treatment period")
    x = opt = None
    if predictors:
        x = np.column_stack([_predictor(panel, unit, time, p, units) for p in predictors])
        opt = np.isin(times, optimize_times) if optimize_times is not None else pre
    return synth_result(
        y, times, pre, post, idx[treated], rows, units, x, opt, predictors, placebos, treatment_time
    )


def wide_panel(
    panel: pl.DataFrame, unit: str, time: str, outcome: str
) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Units x periods outcome matrix (NaN where a value is missing)."""
    if panel.select(pl.struct(unit, time).is_duplicated().any()).item():
        raise ValueError(f"panel has more than one row for some ({unit}, {time}) pairs")
    units, times = panel[unit].unique().sort(), panel[time].unique().sort()
    pos = panel.select(
        pl.col(unit).rank("dense").cast(pl.Int64) - 1,
        pl.col(time).rank("dense").cast(pl.Int64) - 1,
        pl.col(outcome).cast(pl.Float64).fill_null(float("nan")),
    )
    y = np.full((len(units), len(times)), np.nan)
    y[pos[unit].to_numpy(), pos[time].to_numpy()] = pos[outcome].to_numpy()
    return units.to_list(), times.to_numpy(), y


def _predictor(panel: pl.DataFrame, unit: str, time: str, p: Predictor, units: list[Any]) -> np.ndarray:
    if p.op != "mean":
        raise ValueError(f"unsupported predictor op {p.op!r}")
    sel = panel.filter(pl.col(time).cast(pl.Float64).is_in([float(t) for t in p.times]))
    agg = sel.group_by(unit).agg(pl.col(p.variable).cast(pl.Float64).fill_nan(None).mean())
    lookup = dict(zip(agg[unit].to_list(), agg[p.variable].to_list(), strict=True))
    return np.array([np.nan if lookup.get(u) is None else lookup[u] for u in units], dtype=float)


def synth_result(
    y: np.ndarray,
    times: np.ndarray,
    pre: np.ndarray,
    post: np.ndarray,
    t_idx: int,
    rows: Any,
    units: list[Any],
    x: Any,
    opt: Any,
    predictors: Any,
    placebos: bool,
    treatment_time: Any,
) -> SynthResult:
    w, v, synth, gap, pre_r, post_r, ratio = _fit(y, pre, post, t_idx, rows, x, opt)
    placebo_df, p = None, None
    if placebos and len(rows) >= 2:
        recs = []
        for j in rows:
            others = [r for r in rows if r != j]
            *_, pr, po, ra = _fit(y, pre, post, j, others, x, opt)
            recs.append({"unit": units[j], "pre_rmspe": pr, "post_rmspe": po, "rmspe_ratio": ra})
        placebo_df = pl.DataFrame(recs)
        p = float((1 + (placebo_df["rmspe_ratio"].to_numpy() >= ratio * (1 - 1e-12)).sum()) / (len(rows) + 1))
    balance = None
    if x is not None:
        balance = pl.DataFrame(
            {
                "predictor": [pr.name for pr in predictors],
                "v_weight": v,
                "treated": x[t_idx],
                "synthetic": w @ x[rows],
                "donor_mean": np.nanmean(x[rows], axis=0),
            }
        )
    mode = "predictors with nested V" if x is not None else "outcome-only (pre-period outcomes)"
    return SynthResult(
        treated=units[t_idx],
        treatment_time=treatment_time,
        estimate=float(gap[post].mean()),
        weights=pl.DataFrame({"unit": [units[r] for r in rows], "weight": w}).sort("weight", descending=True),
        series=pl.DataFrame(
            {"time": times, "treated": y[t_idx], "synthetic": synth, "gap": gap, "post": post}
        ),
        pre_rmspe=pre_r,
        post_rmspe=post_r,
        rmspe_ratio=ratio,
        p_value=p,
        placebos=placebo_df,
        predictor_balance=balance,
        method=f"synthetic control, {mode}; in-space placebo p-value (post/pre RMSPE ratio rank)",
        diagnostics={
            "n_donors": len(rows),
            "n_pre_periods": int(pre.sum()),
            "n_post_periods": int(post.sum()),
            "p_value_resolution": 1 / (len(rows) + 1),
        },
    )
