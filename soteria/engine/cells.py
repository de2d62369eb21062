"""The Callaway-Sant'Anna comparisons ("cells") of a staggered design, as linear maps of the outcomes.

Each cell (g, t) compares the long difference y[t] - y[b] of cohort g with that of its controls. Which
units are treated or controls in a cell depends only on each unit's cohort, and every cell's group sizes
depend only on how many units start on each date. So any weighted sum of cells is
``sum_i phi[code_i] @ y_i`` for a fixed (K+1, T) matrix ``phi``: re-assigning start dates across units
(randomisation inference) or resampling units within cohorts (bootstrap) only changes ``code``, and each
re-assignment costs one gather and a sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soteria.engine.matrix import PanelMatrix

CONTROLS = ("never", "notyet")
KINDS = ("simple", "group", "dynamic")


@dataclass(frozen=True)
class Cells:
    cohort: np.ndarray  # (C,) cohort index 1..K
    t: np.ndarray  # (C,) period position compared
    b: np.ndarray  # (C,) base period position
    event: np.ndarray  # (C,) t - start position
    treat_role: np.ndarray  # (K+1, C) bool: code h is the treated cohort of cell c
    ctrl_role: np.ndarray  # (K+1, C) bool: code h is a control in cell c
    n_treat: np.ndarray  # (C,)
    n_ctrl: np.ndarray  # (C,)
    base_len: np.ndarray | None = None  # (C,) periods averaged in the base, ending at b (None: 1 each)

    @property
    def post(self) -> np.ndarray:
        return self.event >= 0

    @property
    def valid(self) -> np.ndarray:
        return self.n_ctrl > 0

    def diff_operator(self, n_periods: int) -> np.ndarray:
        """(C, T) matrix L with L @ y_i = y_i[t] - (mean of y_i over the base periods) for every cell."""
        op = np.zeros((len(self.t), n_periods))
        rows = np.arange(len(self.t))
        op[rows, self.t] += 1.0
        if self.base_len is None:
            op[rows, self.b] -= 1.0
            return op
        for r, b, n in zip(rows, self.b, self.base_len, strict=True):
            op[r, b - n + 1 : b + 1] -= 1.0 / n
        return op


def parse_base(base_period: str) -> tuple[str, int | None]:
    """'varying' | 'universal' | 'mean' (all pre-periods) | 'mean:N' (the last N pre-periods)."""
    if base_period in ("varying", "universal", "mean"):
        return base_period, None
    kind, _, n = base_period.partition(":")
    if kind == "mean" and n.isdigit() and int(n) > 0:
        return "mean", int(n)
    raise ValueError(f"base_period must be 'varying', 'universal', 'mean' or 'mean:N', not {base_period!r}")


def build_cells(pm: PanelMatrix, control: str = "never", base_period: str = "varying") -> Cells:
    if control not in CONTROLS:
        raise ValueError(f"control must be one of {CONTROLS}, not {control!r}")
    base, window = parse_base(base_period)
    n_t = pm.n_periods
    cohort, tt, bb, nn = [], [], [], []
    partial = pm.partial
    for k in np.flatnonzero(pm.targets):  # control-only cohorts get no cells of their own
        p = int(pm.cohort_pos[k])
        for t in range(n_t):
            if partial[k] and t == p:  # partly before and partly after the start: compared with nothing
                continue
            if base == "mean":
                # every period against the mean of the (last `window`) periods before the start
                b, n = p - 1, p if window is None else min(window, p)
                cohort.append(k)
                tt.append(t)
                bb.append(b)
                nn.append(n)
                continue
            if base == "varying":
                if t == 0:
                    continue
                b = t - 1 if t < p else p - 1
            else:
                if t == p - 1:
                    continue
                b = p - 1
            cohort.append(k)
            tt.append(t)
            bb.append(b)
    cohort_a, t_a, b_a = (np.asarray(v, dtype=np.int64) for v in (cohort, tt, bb))
    codes = np.arange(len(pm.cohort_pos))[:, None]
    treat_role = codes == cohort_a[None, :]
    if control == "never":
        ctrl_role = np.broadcast_to(codes == 0, treat_role.shape).copy()
    else:
        latest = np.maximum(t_a, b_a)[None, :]
        ctrl_role = (pm.cohort_pos[:, None] > latest) & ~treat_role
    sizes = pm.cohort_sizes.astype(float)
    return Cells(
        cohort=cohort_a,
        t=t_a,
        b=b_a,
        event=t_a - pm.cohort_pos[cohort_a],
        treat_role=treat_role,
        ctrl_role=ctrl_role,
        n_treat=sizes @ treat_role,
        n_ctrl=sizes @ ctrl_role,
        base_len=np.asarray(nn, dtype=np.int64) if base == "mean" else None,
    )


def cell_weights(
    cells: Cells, sizes: np.ndarray, kind: str, min_e: int | None = None, max_e: int | None = None
) -> np.ndarray:
    """Weights over cells that give R ``did``'s ``aggte`` overall summaries as ``w @ att``.

    simple: post cells weighted by cohort size; group: each cohort's mean post effect, weighted by cohort
    size; dynamic: the mean over event times e >= 0 of cohort-size weighted averages at each e.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    keep = cells.post & cells.valid
    if max_e is not None:
        keep &= cells.event <= max_e
    if kind == "dynamic" and min_e is not None:
        keep &= cells.event >= min_e
    n_k = sizes[cells.cohort].astype(float)
    w = np.zeros(len(cells.t))
    if not keep.any():
        raise ValueError("no post-treatment comparison has a control group")
    if kind == "simple":
        w[keep] = n_k[keep] / n_k[keep].sum()
    elif kind == "group":
        cohorts = np.unique(cells.cohort[keep])
        total = sizes[cohorts].sum()
        for k in cohorts:
            sel = keep & (cells.cohort == k)
            w[sel] = sizes[k] / total / sel.sum()
    else:
        events = np.unique(cells.event[keep])
        for e in events:
            sel = keep & (cells.event == e)
            w[sel] = n_k[sel] / n_k[sel].sum() / len(events)
    return w


def contribution_matrix(cells: Cells, w: np.ndarray, n_periods: int) -> np.ndarray:
    """(K+1, T) matrix phi: the weighted estimate is sum over units of phi[code_i] @ y_i."""
    with np.errstate(divide="ignore", invalid="ignore"):
        per_t = np.where(cells.n_treat > 0, w / cells.n_treat, 0.0)
        per_c = np.where(cells.n_ctrl > 0, w / cells.n_ctrl, 0.0)
    coef = cells.treat_role * per_t - cells.ctrl_role * per_c
    return coef @ cells.diff_operator(n_periods)
