"""Pre-trend check for few treated units: randomisation inference on the event-study pre-period.

The Wald pre-test of R ``did`` relies on an influence-function covariance; with 14 areas and dozens of
pre-months that covariance is singular and the test over-rejects badly. Here the statistic is the mean
squared pre-period event-study coefficient (e < 0: period-on-period placebo effects, cohort-size
weighted as in the event-study plot), and its p-value is the share of re-assignments of start dates to
areas with a statistic at least as large. Small p: the real pilots' pre-period paths were more unusual
than those of randomly chosen "pilots", which casts doubt on parallel trends.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from soteria.engine.cells import build_cells
from soteria.engine.matrix import PanelMatrix, to_matrix
from soteria.engine.randomisation import AssignmentSet, assignment_set
from soteria.engine.results import TestResult


def pretrend_tables(
    pm: PanelMatrix, control: str, min_e: int | None = None, base_period: str = "varying"
) -> tuple[np.ndarray, np.ndarray]:
    """(E, K+1, T) contribution matrices of the pre-period event-study coefficients, and their e."""
    return event_tables(pm, control, min_e, -1, base_period)


def event_tables(
    pm: PanelMatrix,
    control: str,
    min_e: int | None = None,
    max_e: int | None = None,
    base_period: str = "varying",
) -> tuple[np.ndarray, np.ndarray]:
    """(E, K+1, T) contribution matrices of the event-study coefficients for min_e <= e <= max_e (all
    event times with a control group by default), and their e: coefficient e under assignment ``code``
    is ``sum_i phis[e, code_i] @ y_i``, as in ``aggregate(..., "dynamic")``."""
    cells = build_cells(pm, control, base_period)
    sel = cells.valid.copy()
    if min_e is not None:
        sel &= cells.event >= min_e
    if max_e is not None:
        sel &= cells.event <= max_e
    events = np.unique(cells.event[sel])
    n_k = pm.cohort_sizes[cells.cohort].astype(float)
    w = np.zeros((len(events), len(cells.t)))
    for j, e in enumerate(events):
        m = sel & (cells.event == e)
        w[j, m] = n_k[m] / n_k[m].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        role = cells.treat_role / np.where(
            cells.n_treat > 0, cells.n_treat, np.inf
        ) - cells.ctrl_role / np.where(cells.n_ctrl > 0, cells.n_ctrl, np.inf)
    phis = np.einsum("ec,kc,ct->ekt", w, role, cells.diff_operator(pm.n_periods))
    return phis, events


def many_statistics(phis: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(A, E): every linear statistic under every assignment: one gather per unit (memory-light, and no
    matrix products over assignments, whose BLAS threads spin against each other on a busy machine)."""
    tables = np.ascontiguousarray((phis @ y.T).transpose(2, 1, 0))  # (N, K+1, E)
    out = np.zeros((rows.shape[0], phis.shape[0]))
    for i in range(rows.shape[1]):
        out += tables[i][rows[:, i]]
    return out


def pretrend_core(
    pm: PanelMatrix, y: np.ndarray, phis: np.ndarray, events: Any, aset: AssignmentSet
) -> TestResult:
    if phis.shape[0] == 0:
        return TestResult(float("nan"), 0, float("nan"), "randomisation pre-trend test (no pre-periods)")
    rows = aset.rows
    coefs = many_statistics(phis, y, rows)
    stat = (coefs**2).mean(1)
    tol = 1e-10 * max(float(stat.max()), 1e-300)
    p = float(np.mean(stat >= stat[0] - tol))
    return TestResult(
        float(stat[0]),
        len(events),
        p,
        f"randomisation pre-trend test, mean squared pre-period event-study coefficient ({aset.how})",
        {"n_assignments": len(rows), "event_times": [int(e) for e in events], "exact": aset.exact},
    )


def pretrend_test(
    panel: pl.DataFrame,
    unit: str = "unit",
    time: str = "time",
    outcome: str = "outcome",
    first_treat: str = "first_treat",
    *,
    control: str = "never",
    min_e: int | None = None,
    max_exact: int = 10_000,
    n_draws: int = 5_000,
    seed: int = 20190101,
    base_period: str = "varying",
) -> TestResult:
    """RI p-value that the pilots' pre-period event-study path is no more unusual than a random set's.

    ``min_e`` limits the pre-period window (e.g. -12 for the last year before the start). ``df`` in the
    result is the number of pre-period event times used.
    """
    pm = to_matrix(panel, unit, time, outcome, first_treat)
    phis, events = pretrend_tables(pm, control, min_e, base_period)
    return pretrend_core(pm, pm.y[0], phis, events, assignment_set(pm, max_exact, n_draws, seed))


def event_study_band(
    pm: PanelMatrix,
    y: np.ndarray,
    phis: np.ndarray,
    events: np.ndarray,
    aset: AssignmentSet,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Randomisation bands for the event-study coefficients, pointwise and simultaneous.

    ``placebo_lower``/``placebo_upper``: the central 1 - alpha range of the coefficient over re-assignments
    of the start dates (what randomly chosen "pilots" show); ``ri_lower``/``ri_upper``: the coefficient
    minus that range, an interval for it that takes its spread from the placebo distribution rather than
    from a large-sample formula (approximate: with real effects in the data the placebo spread is, if
    anything, too wide). ``uniform_lower``/``uniform_upper``: a simultaneous band (sup-t): the critical
    value is the 1 - alpha quantile over placebo paths of their largest standardised distance from the
    placebo centre, so that the whole placebo path lies inside in 1 - alpha of re-assignments. With dozens
    of periods some pointwise intervals miss zero by chance; the simultaneous band is the one to judge
    the whole path by (Montiel Olea and Plagborg-Moller 2019; R ``did``'s ``cband``).
    """
    rows = aset.rows
    coefs = many_statistics(phis, y, rows)
    obs = coefs[0]
    if len(rows) > 1:
        placebo = coefs[1:]
        lo, hi = np.quantile(placebo, [alpha / 2, 1 - alpha / 2], axis=0)
        centre, scale = np.median(placebo, axis=0), placebo.std(axis=0)
        scale = np.where(scale > 0, scale, np.nan)
        worst = np.nanmax(np.abs(placebo - centre) / scale, axis=1)
        crit = float(np.quantile(worst, 1 - alpha))
        u_lo, u_hi = obs - centre - crit * scale, obs - centre + crit * scale
    else:
        lo = hi = u_lo = u_hi = np.full(len(events), np.nan)
    return pl.DataFrame(
        {
            "event_time": np.asarray(events, dtype=np.int64),
            "att": obs,
            "placebo_lower": lo,
            "placebo_upper": hi,
            "ri_lower": obs - hi,
            "ri_upper": obs - lo,
            "uniform_lower": u_lo,
            "uniform_upper": u_hi,
        },
        nan_to_null=False,
    )
