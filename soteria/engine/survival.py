"""Survival estimators and tests for report-to-file times, vectorised for large case extracts.

Inputs are arrays: ``days`` (time from report, float) and ``event`` (0 censored / still open, 1 filed,
2 closed before any file -- the competing event). Ties are handled exactly (grouped at each distinct
time), not by jittering.

- Kaplan-Meier of filing treats closures as censored: it estimates the time to file in a world without
  closures. Read its median as "how fast files come while a case stays open".
- Aalen-Johansen cumulative incidence counts closures as competing: the share of all reported cases
  filed by each day. It never exceeds the share that can still be filed, so it is the honest "by day x,
  y% of reports had reached the CPS".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike
from scipy import stats

from soteria.engine.results import Estimate, TestResult

CONF_TYPES = ("log-log", "log", "plain")


@dataclass(frozen=True)
class EventTable:
    time: np.ndarray  # distinct times
    at_risk: np.ndarray
    d1: np.ndarray  # events of interest
    d2: np.ndarray  # competing events
    censored: np.ndarray

    @property
    def d(self) -> np.ndarray:
        return self.d1 + self.d2


def event_table(days: ArrayLike, event: ArrayLike, cause: int = 1, competing: bool = True) -> EventTable:
    """Counts at each distinct time; with ``competing=False`` other causes count as censored."""
    days = np.asarray(days, dtype=float)
    event = np.asarray(event, dtype=np.int64)
    if days.shape != event.shape or days.ndim != 1:
        raise ValueError("days and event must be 1-D arrays of the same length")
    if np.isnan(days).any() or (days < 0).any():
        raise ValueError("days must be non-negative numbers")
    t, inv = np.unique(days, return_inverse=True)
    total = np.bincount(inv, minlength=len(t))
    d1 = np.bincount(inv, weights=event == cause, minlength=len(t))
    other = (event != 0) & (event != cause)
    d2 = np.bincount(inv, weights=other, minlength=len(t)) if competing else np.zeros(len(t))
    at_risk = len(days) - np.concatenate([[0], np.cumsum(total)[:-1]])[: len(t)]  # empty input: empty
    return EventTable(t, at_risk.astype(float), d1, d2, total - d1 - d2)


def _km(tab: EventTable) -> tuple[np.ndarray, np.ndarray]:
    """All-cause KM after each time and the Greenwood sum for log S."""
    d, n = tab.d, tab.at_risk
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / n)
        green = np.cumsum(np.where(n > d, d / (n * (n - d)), np.inf * (d > 0)))
    return surv, green


def _band(s: np.ndarray, green: np.ndarray, z: float, conf_type: str) -> tuple[np.ndarray, np.ndarray]:
    se = np.sqrt(green)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log-log":
            lg = np.log(-np.log(s))
            a, b = (
                np.exp(-np.exp(lg + z * se / np.abs(np.log(s)))),
                np.exp(-np.exp(lg - z * se / np.abs(np.log(s)))),
            )
            lo, hi = np.where(s >= 1, 1.0, a), np.where(s >= 1, 1.0, b)
        elif conf_type == "log":
            lo, hi = s * np.exp(-z * se), np.minimum(s * np.exp(z * se), 1.0)
        elif conf_type == "plain":
            lo, hi = np.clip(s - z * se * s, 0, 1), np.clip(s + z * se * s, 0, 1)
        else:
            raise ValueError(f"conf_type must be one of {CONF_TYPES}")
    return np.nan_to_num(lo, nan=0.0), np.nan_to_num(hi, nan=0.0)


def kaplan_meier(
    days: ArrayLike, event: ArrayLike, alpha: float = 0.05, conf_type: str = "log-log"
) -> pl.DataFrame:
    """KM curve of time to the event (``event == 1``; anything else censors) with pointwise bands.

    ``conf_type="log-log"`` is lifelines' default band; ``"log"`` is R ``survfit``'s default.
    """
    tab = event_table(days, np.where(np.asarray(event) == 1, 1, 0))
    surv, green = _km(tab)
    lo, hi = _band(surv, green, float(stats.norm.ppf(1 - alpha / 2)), conf_type)
    return pl.DataFrame(
        {
            "time": tab.time,
            "at_risk": tab.at_risk.astype(np.int64),
            "events": tab.d1.astype(np.int64),
            "censored": tab.censored.astype(np.int64),
            "survival": surv,
            "lower": lo,
            "upper": hi,
        }
    )


def value_at(curve: pl.DataFrame, day: float, column: str) -> float | None:
    """A step curve's value on ``day`` (0 before its first time); None when follow-up ended before ``day``
    with cases still at risk, so the value there is unknown."""
    if curve.is_empty():
        return None
    times = curve["time"].to_numpy()
    last = curve.row(-1, named=True)
    if times[-1] < day and last["at_risk"] > last["events"] + last.get("competing", 0):
        return None
    i = int(np.searchsorted(times, day, side="right")) - 1
    return float(curve[column][i]) if i >= 0 else 0.0


def numbers_at_risk(days: ArrayLike, times: ArrayLike) -> np.ndarray:
    """Cases still under observation (no event, not censored) just before each of ``times``."""
    d = np.sort(np.asarray(days, dtype=float))
    return len(d) - np.searchsorted(d, np.asarray(times, dtype=float), side="left")


def _first_below(time: np.ndarray, curve: np.ndarray, level: float = 0.5) -> float:
    hit = np.flatnonzero(curve <= level + 1e-12)
    return float(time[hit[0]]) if hit.size else float("inf")


def km_median(days: ArrayLike, event: ArrayLike, alpha: float = 0.05, conf_type: str = "log-log") -> Estimate:
    """KM median (first time S(t) <= 0.5) with the Brookmeyer-Crowley style interval read off the band;
    ``inf`` means "not reached" (fewer than half had the event by the last follow-up)."""
    km = kaplan_meier(days, event, alpha, conf_type)
    t = km["time"].to_numpy()
    return Estimate(
        _first_below(t, km["survival"].to_numpy()),
        _first_below(t, km["lower"].to_numpy()),
        _first_below(t, km["upper"].to_numpy()),
        None,
        f"Kaplan-Meier median, {conf_type} interval",
        alpha=alpha,
        diagnostics={"n": len(km) and int(km["at_risk"][0]), "events": int(km["events"].sum())},
    )


def cif_quantile(days: ArrayLike, event: ArrayLike, share: float = 0.5, alpha: float = 0.05) -> Estimate:
    """The day by which ``share`` of all cases had the event (``event == 1``), closures (2) competing:
    the first time the Aalen-Johansen cumulative incidence reaches ``share``, with the interval read off
    its pointwise band (as Brookmeyer-Crowley does for the Kaplan-Meier median). ``inf`` means "never
    reached": with closures competing fewer than ``share`` of cases may ever be filed, so the median of
    time to file is then undefined, not merely late."""
    cif = cumulative_incidence(days, event, 1, alpha)
    t = cif["time"].to_numpy()

    def first(curve: np.ndarray) -> float:
        return _first_below(t, 1 - curve, 1 - share)

    return Estimate(
        first(cif["cif"].to_numpy()),
        first(cif["upper"].to_numpy()),
        first(cif["lower"].to_numpy()),
        None,
        f"day by which {share:.0%} of all cases were filed (Aalen-Johansen, closures competing)",
        alpha=alpha,
        diagnostics={"share": share},
    )


def _factorise(groups: ArrayLike | pl.Series) -> tuple[list[Any], np.ndarray]:
    """Distinct labels (sorted) and each row's label index; strings go through polars (fast)."""
    arr = groups.to_numpy() if isinstance(groups, pl.Series) and groups.dtype.is_numeric() else groups
    if not isinstance(arr, pl.Series):
        arr = np.asarray(arr)
        if arr.dtype.kind in "biuf":
            labels, g = np.unique(arr, return_inverse=True)
            return labels.tolist(), g
        arr = pl.Series(arr)
    return arr.unique().sort().to_list(), (arr.rank("dense") - 1).cast(pl.Int64).to_numpy()


def logrank_test(
    days: ArrayLike,
    event: ArrayLike,
    groups: ArrayLike | pl.Series,
    strata: ArrayLike | pl.Series | None = None,
) -> TestResult:
    """Log-rank test that the hazard of ``event == 1`` is equal across groups (k >= 2; others censor).

    With ``strata`` (R ``survdiff(... + strata(s))``) observed-minus-expected counts and their variances
    are summed over strata, each with its own risk sets: groups are compared only within a stratum, so
    differences between strata (areas with different filing speeds) do not count as group differences.
    """
    days = np.asarray(days, dtype=float)
    ev = np.asarray(event) == 1
    labels, g = _factorise(groups)
    if len(labels) < 2:
        raise ValueError("log-rank test needs at least two groups")
    _, s = _factorise(np.zeros(len(days)) if strata is None else strata)
    observed, expected = np.zeros(len(labels)), np.zeros(len(labels))
    cov = np.zeros((len(labels), len(labels)))
    for k in np.unique(s):
        o, e, v = _logrank_parts(days[s == k], ev[s == k], g[s == k], len(labels))
        observed, expected, cov = observed + o, expected + e, cov + v
    diff = (observed - expected)[:-1]
    stat = float(diff @ np.linalg.solve(cov[:-1, :-1], diff))
    df = len(labels) - 1
    return TestResult(
        stat,
        df,
        float(stats.chi2.sf(stat, df)),
        "log-rank test" if strata is None else "stratified log-rank test",
        {"groups": [str(x) for x in labels], "observed": observed, "expected": expected},
    )


def _logrank_parts(
    days: np.ndarray, ev: np.ndarray, g: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One stratum's observed and expected events per group and their covariance."""
    t = np.unique(days[ev])
    n_g = np.empty((n_groups, len(t)))
    d_g = np.empty_like(n_g)
    for k in range(n_groups):
        dk = np.sort(days[g == k])
        n_g[k] = len(dk) - np.searchsorted(dk, t, side="left")
        d_g[k] = np.bincount(np.searchsorted(t, days[(g == k) & ev]), minlength=len(t))
    n, d = n_g.sum(0), d_g.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, n_g / n, 0.0)
        f = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    cov = np.diag((f * share).sum(1)) - np.einsum("j,gj,hj->gh", f, share, share)
    return d_g.sum(1), (d * share).sum(1), cov


def cumulative_incidence(
    days: ArrayLike, event: ArrayLike, cause: int = 1, alpha: float = 0.05
) -> pl.DataFrame:
    """Aalen-Johansen cumulative incidence of ``cause`` with other events competing.

    Variance: delta method (Greenwood type, as in Collett and lifelines), O(n) by prefix sums;
    pointwise interval on the log(-log) scale so it stays inside (0, 1).
    """
    tab = event_table(days, event, cause)
    surv, _ = _km(tab)
    lag = np.concatenate([[1.0], surv[:-1]])
    n, h1, h = tab.at_risk, tab.d1 / tab.at_risk, tab.d / tab.at_risk
    cif = np.minimum(np.cumsum(lag * h1), 1.0)  # a share: summing rounding must not carry it past 1
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(h < 1, h / (n * (1 - h)), 0.0)
    a = np.cumsum(lag**2 * h1 * (1 - h1) / n)
    b = np.cumsum(lag * h1 / n)
    bf = np.cumsum(lag * h1 * cif / n)
    q0, q1, q2 = np.cumsum(w), np.cumsum(w * cif), np.cumsum(w * cif**2)
    var = np.maximum(a - 2 * (cif * b - bf) + cif**2 * q0 - 2 * cif * q1 + q2, 0.0)
    z = float(stats.norm.ppf(1 - alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(-np.log(cif))
        se = np.sqrt(var) / np.abs(cif * np.log(cif))
        lo, hi = np.exp(-np.exp(lg + z * se)), np.exp(-np.exp(lg - z * se))
    ok = (cif > 0) & (cif < 1)
    return pl.DataFrame(
        {
            "time": tab.time,
            "at_risk": n.astype(np.int64),
            "events": tab.d1.astype(np.int64),
            "competing": tab.d2.astype(np.int64),
            "cif": cif,
            "se": np.sqrt(var),
            "lower": np.where(ok, lo, cif),
            "upper": np.where(ok, hi, cif),
        }
    )


def restricted_mean(
    days: ArrayLike, event: ArrayLike, tau: float, closure: str = "competing", alpha: float = 0.05
) -> Estimate:
    """Restricted mean time to file up to ``tau`` days: E[min(T_file, tau)].

    ``closure="competing"`` (default): a case closed before any file is never filed, so it counts as
    not filed by ``tau`` (= tau - integral of the filing cumulative incidence); this needs no assumption
    about what closed cases would have done. ``closure="censor"``: the KM area, i.e. as if closures were
    uninformative censoring. Delta-method (Greenwood-type) standard error.
    """
    if closure not in ("competing", "censor"):
        raise ValueError("closure must be 'competing' or 'censor'")
    tab = event_table(days, event, 1, competing=closure == "competing")
    keep = tab.time <= tau
    t, n = tab.time[keep], tab.at_risk[keep]
    h1, h = tab.d1[keep] / n, tab.d[keep] / n
    lag = np.concatenate([[1.0], np.cumprod(1 - h)[:-1]])
    gain = lag * h1 * (tau - t)  # contribution of each time to the integral of the CIF
    tail = np.cumsum(gain[::-1])[::-1] - gain  # sum over later times
    c = lag * (tau - t)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_terms = (
            c**2 * h1 * (1 - h1) - 2 * c * tail * h1 + np.where(h < 1, tail**2 * h / (1 - h), 0.0)
        ) / n
    est = float(tau - gain.sum())
    se = float(np.sqrt(max(var_terms.sum(), 0.0)))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return Estimate(
        est,
        est - z * se,
        est + z * se,
        None,
        f"restricted mean time to file (tau={tau:g}, "
        f"closures {'never filed' if closure == 'competing' else 'censored'})",
        se=se,
        alpha=alpha,
        diagnostics={"n": int(tab.at_risk[0]) if len(tab.time) else 0, "tau": tau},
    )
