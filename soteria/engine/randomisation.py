"""Randomisation-inference machinery: assignment sets, linear statistic tables and exact test inversion."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from soteria.engine.cells import build_cells, cell_weights, contribution_matrix
from soteria.engine.matrix import PanelMatrix

Table = Callable[[np.ndarray], np.ndarray]  # y (N, T) -> (K+1, N) per-unit contributions by cohort code


def n_distinct_assignments(code: np.ndarray) -> int:
    counts = np.bincount(code)
    return math.factorial(len(code)) // math.prod(math.factorial(int(c)) for c in counts)


def assignments(code: np.ndarray, max_exact: int, n_draws: int, seed: int) -> tuple[np.ndarray, bool]:
    """Rows of cohort codes (the observed start dates permuted across units); observed row first.

    Every distinct assignment once when there are at most ``max_exact`` of them, else the observed one
    plus ``n_draws`` uniform random permutations from a fixed seed.
    """
    n = len(code)
    if n_distinct_assignments(code) <= max_exact:
        labels, counts = np.unique(code, return_counts=True)
        order = np.argsort(counts, kind="stable")
        rows = np.full((1, n), labels[order[-1]])  # the largest group fills what is left
        free = np.arange(n)[None, :]
        for j in order[:-1]:
            m, c = free.shape[1], int(counts[j])
            combos = np.array(list(combinations(range(m), c)), dtype=np.intp).reshape(-1, c)
            mask = np.ones((len(combos), m), dtype=bool)
            np.put_along_axis(mask, combos, False, axis=1)
            rest = np.nonzero(mask)[1]
            chosen = free[:, combos].reshape(-1, c)
            free = free[:, rest.reshape(len(combos), m - c)].reshape(-1, m - c)
            rows = np.repeat(rows, len(combos), axis=0)
            np.put_along_axis(rows, chosen, labels[j], axis=1)
        obs = np.flatnonzero((rows == code).all(1))
        rows = np.concatenate([rows[obs[:1]], np.delete(rows, obs[:1], 0)])
        return rows, True
    rng = np.random.default_rng(seed)
    draws = rng.permuted(np.tile(code, (n_draws, 1)), axis=1)
    return np.concatenate([code[None, :], draws]), False


MIN_HELD_ASSIGNMENTS = 100  # below this, holding later waves fixed leaves too few re-assignments


@dataclass(frozen=True)
class AssignmentSet:
    """The re-assignments of start dates a randomisation test compares; row 0 is the observed one.

    ``later_waves`` says how areas of later waves (cohorts that start inside the window but whose effect
    is not estimated) are handled, because their own treated months must not feed placebo statistics:
    - "held": they keep their own start in every re-assignment (only the estimated cohorts and the
      never-treated areas swap), so their treated months are never compared with anything and the test
      stays exact whatever their effect;
    - "imputed": too few re-assignments would remain held, so every area's start is permuted and the
      tested null imputes the same effect in every wave's treated months (a common-effect null);
    - "none": there are no later waves.
    """

    rows: np.ndarray  # (A, N) cohort codes
    exact: bool  # every distinct assignment once (else random draws)
    n_possible: int  # distinct assignments in the set the rows come from
    later_waves: str

    @property
    def how(self) -> str:
        if self.exact:
            return f"all {self.n_possible:,} possible assignments"
        return f"{len(self.rows) - 1:,} random draws from {self.n_possible:,} possible assignments"

    def null_mask(self, pm: PanelMatrix) -> np.ndarray:
        """(N, T) share of each cell the tested effect is removed from under the sharp null."""
        return pm.dose(every_wave=self.later_waves == "imputed")


def assignment_set(pm: PanelMatrix, max_exact: int, n_draws: int, seed: int) -> AssignmentSet:
    """The assignment set for ``pm``: later waves held at their own starts when that leaves at least
    ``MIN_HELD_ASSIGNMENTS`` distinct assignments, else permuted with their effect imputed (see
    :class:`AssignmentSet`)."""
    later = ~pm.targets[pm.code] & (pm.code > 0)
    if not later.any():
        rows, exact = assignments(pm.code, max_exact, n_draws, seed)
        return AssignmentSet(rows, exact, n_distinct_assignments(pm.code), "none")
    free = ~later
    n_free = n_distinct_assignments(pm.code[free])
    if n_free < MIN_HELD_ASSIGNMENTS:
        rows, exact = assignments(pm.code, max_exact, n_draws, seed)
        return AssignmentSet(rows, exact, n_distinct_assignments(pm.code), "imputed")
    free_rows, exact = assignments(pm.code[free], max_exact, n_draws, seed)
    rows = np.tile(pm.code, (len(free_rows), 1))
    rows[:, free] = free_rows
    return AssignmentSet(rows, exact, n_free, "held")


def cs_table(pm: PanelMatrix, control: str, kind: str, base_period: str = "varying") -> Table:
    cells = build_cells(pm, control, base_period)
    phi = contribution_matrix(cells, cell_weights(cells, pm.cohort_sizes, kind), pm.n_periods)
    return lambda y: phi @ y.T


def twfe_table(pm: PanelMatrix) -> Table:
    """TWFE slope = sum_i contribution(code_i, i) / constant: the demeaned D's sum of squares depends only
    on how many units start on each date, so it is the same for every re-assignment."""
    t_idx = np.arange(pm.n_periods)
    masks = (t_idx[None, :] >= pm.cohort_pos[:, None]) & pm.targets[:, None]  # (K+1, T); row 0 all zero
    masks = masks.astype(float)
    d = masks[pm.code]
    denom = float((d * (d - d.mean(1, keepdims=True) - d.mean(0, keepdims=True) + d.mean())).sum())
    if denom <= 0:
        raise ValueError("no variation in treatment after removing unit and period effects")

    def table(y: np.ndarray) -> np.ndarray:
        yd = y - y.mean(1, keepdims=True) - y.mean(0, keepdims=True) + y.mean()
        return masks @ yd.T / denom

    return table


def statistics(table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The statistic under every assignment: sum over units of table[code, unit]."""
    return table[rows, np.arange(rows.shape[1])[None, :]].sum(1)


def invert(s0: np.ndarray, d: np.ndarray, alpha: float) -> tuple[float, float, bool]:
    """Exact confidence set for tau under the sharp null y(0) = y - tau * x on treated cells.

    The statistic under assignment a is linear in tau: s0[a] - tau * d[a] (row 0 = observed). Assignment a
    counts against tau when |s0[a] - tau d[a]| >= |s0[0] - tau d[0]|, i.e. when the product of two linear
    factors is >= 0, so the p-value is a step function whose steps sit at the factors' roots: one sort
    and a cumulative sum give it everywhere. Returns (lower, upper, the accepted set is an interval).
    """
    n = len(s0)
    scale_s = max(float(np.abs(s0).max()), 1e-300)
    scale_d = max(float(np.abs(d).max()), 1e-300)
    u = np.stack([s0 - s0[0], s0 + s0[0]])
    v = np.stack([d - d[0], d + d[0]])
    tiny_u, tiny_v = 1e-10 * scale_s, 1e-10 * scale_d
    moving = np.abs(v) > tiny_v
    start_sign = np.where(moving, np.sign(v), np.where(np.abs(u) > tiny_u, np.sign(u), 0.0))
    always = (start_sign == 0).any(0)  # a factor identically zero: counts for every tau
    s_prod = start_sign.prod(0)
    count0 = int((always | (s_prod > 0)).sum())
    roots, deltas = [], []
    both = moving.all(0) & ~always
    r = np.where(moving, u / np.where(moving, v, 1.0), np.nan)
    one = moving.any(0) & ~both & ~always
    j = np.argmax(moving, 0)
    root_one = r[j, np.arange(n)]
    roots.append(root_one[one])
    deltas.append(np.where(s_prod[one] > 0, -1, 1))
    lo, hi = np.minimum(r[0], r[1])[both], np.maximum(r[0], r[1])[both]
    step = np.where(s_prod[both] > 0, -1, 1)
    roots += [lo, hi]
    deltas += [step, -step]
    roots_a, deltas_a = np.concatenate(roots), np.concatenate(deltas)
    order = np.argsort(roots_a, kind="stable")
    roots_a, deltas_a = roots_a[order], deltas_a[order]
    uniq, first = np.unique(roots_a, return_index=True)
    counts = (
        count0 + np.concatenate([[0], np.add.reduceat(deltas_a, first).cumsum()])
        if len(uniq)
        else (np.array([count0]))
    )
    edges = np.concatenate([[-np.inf], uniq, [np.inf]])
    accepted = counts / n > alpha
    if not accepted.any():
        return float("nan"), float("nan"), False
    idx = np.flatnonzero(accepted)
    convex = bool(accepted[idx[0] : idx[-1] + 1].all())
    return float(edges[idx[0]]), float(edges[idx[-1] + 1]), convex


def p_value(stats: np.ndarray) -> float:
    """Share of assignments (observed included) with |statistic| at least the observed one."""
    obs = abs(stats[0])
    tol = 1e-10 * max(float(np.abs(stats).max()), 1e-300)
    return float(np.mean(np.abs(stats) >= obs - tol))
