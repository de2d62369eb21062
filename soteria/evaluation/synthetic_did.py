"""Synthetic difference-in-differences (Arkhangelsky et al. 2021) for the pilot areas together, beside
the per-area synthetic controls: unit weights make the controls track the pilots before the start, time
weights pick the pre-start periods most like the post-start ones, and the effect is the weighted
difference-in-differences. Reported in the headline's units, with a placebo interval when there are
more control areas than pilots (synthdid's placebo variance needs that).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import stats

from soteria.engine.results import Estimate
from soteria.engine.synth_did import placebo_se, synthetic_did
from soteria.evaluation.panels import Panel

REPLICATIONS = 200
SEED = 20190101


def _cohort_matrix(
    f: pl.DataFrame, outcome: str, pilots: list[str], controls: list[str], start: int
) -> tuple[np.ndarray, int]:
    """(N, T) controls first, pilots last; the period a start falls inside (partly treated) dropped."""
    partial = f.filter(pl.col("unit").is_in(pilots), pl.col("start_share") < 1).height > 0
    wide = f.filter(pl.col("unit").is_in(controls + pilots)).pivot(on="time", index="unit", values=outcome)
    times = sorted(int(c) for c in wide.columns if c != "unit")
    keep = [t for t in times if not (partial and t == start)]
    order = {u: i for i, u in enumerate(controls + pilots)}
    wide = wide.sort(pl.col("unit").replace_strict(order))
    y = wide.select([str(t) for t in keep]).to_numpy().astype(float)
    return y, sum(t < start for t in keep)


def synthetic_did_estimate(panel: Panel, outcome: str) -> Estimate | None:
    """One estimate for all pilot areas (a cohort-size weighted mean when pilots start on different
    dates), donors the clean controls. None when there is no pilot or fewer than two controls."""
    f = panel.frame
    units = panel.units
    controls = units.filter(pl.col("role") == "control")["unit"].sort().to_list()
    pilots = units.filter(pl.col("role") == "pilot")
    if pilots.is_empty() or len(controls) < 2:
        return None
    parts = []
    for (start,), group in sorted(pilots.partition_by("first_treat", as_dict=True).items()):
        names = group["unit"].sort().to_list()
        y, n_pre = _cohort_matrix(f, outcome, names, controls, int(start))
        if n_pre < 2 or n_pre >= y.shape[1]:
            continue
        fit = synthetic_did(y, len(names), n_pre)
        enough = len(controls) > len(names)
        se = placebo_se(y, len(names), n_pre, replications=REPLICATIONS, seed=SEED) if enough else math.nan
        post_mean = float(y[-len(names) :, n_pre:].mean())
        parts.append((len(names), fit.estimate, se, post_mean, fit, y.shape[1] - n_pre))
    if not parts:
        return None
    w = np.array([p[0] for p in parts], dtype=float) / sum(p[0] for p in parts)
    est = float(w @ [p[1] for p in parts])
    se = float(np.sqrt(w**2 @ np.array([p[2] for p in parts]) ** 2))
    z = float(stats.norm.ppf(0.975))
    lo, hi = (est - z * se, est + z * se) if math.isfinite(se) else (math.nan, math.nan)
    p = float(2 * stats.norm.sf(abs(est) / se)) if math.isfinite(se) and se > 0 else None
    diag = {
        "additive_effect": est,
        "additive_se": se,
        "n_controls": len(controls),
        "n_pilots": int(sum(p[0] for p in parts)),
        "replications": REPLICATIONS,
        "unit_weights": {c: float(v) for c, v in zip(controls, parts[0][4].omega, strict=True) if v >= 0.005},
    }
    if not math.isfinite(se):
        diag["note"] = (
            f"no interval: the placebo variance needs more control areas ({len(controls)}) than pilot areas"
        )
    method = "synthetic difference-in-differences (Arkhangelsky et al. 2021), placebo standard error"
    if outcome == "referrals":  # index points -> per cent of the counterfactual, as the headline
        m = float(w @ [p[3] for p in parts])
        pct = [a if math.isnan(a) else 100 * a / (m - a) if a < m else math.inf for a in (est, lo, hi)]
        diag["treated_post_mean"] = m
        method += "; as a per cent of the counterfactual"
        return Estimate(pct[0], pct[1], pct[2], p, method, None, None, 0.05, diag)
    return Estimate(est, lo, hi, p, method, se, None, 0.05, diag)
