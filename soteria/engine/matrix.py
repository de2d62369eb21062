"""Long panel frame -> balanced unit-by-period matrix, the form every estimator here works on.

Conventions (shared by the whole package):
- ``time`` is an ordered integer period index (for the dashboard: months since 2019-01). Event time and
  "the period before the start" are counted in positions of the sorted distinct periods, so the index
  need not start at 0 but should have no missing periods.
- ``first_treat`` is the first treated period on the same index; 0 or null means never treated in the
  window. A start after the last period is recoded to never treated (untreated throughout the window, as
  areas joining at the national rollout are when the window ends before it). Units treated in or before
  the first period have no pre-period and are dropped (reported in ``dropped``), as R ``did`` does.
- ``cohorts`` (optional) names the start periods whose effects are estimated. Units of other cohorts
  starting inside the window are controls only while not yet treated (with ``control="notyet"``; with
  ``"never"`` they take no part): e.g. the October 2022 wave when the pilot is the 2021 pathfinders.
- The panel must be balanced: a gap would silently change which units enter each comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl


@dataclass(frozen=True)
class PanelMatrix:
    units: list[Any]
    times: np.ndarray  # (T,) sorted period index
    y: np.ndarray  # (O, N, T) outcomes; O = number of outcome columns
    code: np.ndarray  # (N,) 0 = never treated, k = 1..K cohort index
    cohort_pos: np.ndarray  # (K + 1,) start position of each cohort; entry 0 (never) = T
    cohort_time: np.ndarray  # (K + 1,) first_treat value of each cohort; entry 0 = 0
    dropped: list[Any]  # units dropped because treated at or before the first period
    target: np.ndarray | None = None  # (K + 1,) cohorts whose effects are estimated; None = all started
    start_share: np.ndarray | None = None  # (N,) share of the first treated period after the start

    @property
    def partial(self) -> np.ndarray:
        """(K + 1,) cohorts with a unit whose first treated period is only partly after its start: that
        period is left out of the cohort's comparisons (neither before nor after: a mix of both)."""
        out = np.zeros(len(self.cohort_pos), dtype=bool)
        if self.start_share is not None:
            np.logical_or.at(out, self.code, self.start_share < 1 - 1e-12)
        out[0] = False
        return out

    @property
    def targets(self) -> np.ndarray:
        if self.target is not None:
            return self.target
        return np.arange(len(self.cohort_pos)) > 0

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_periods(self) -> int:
        return len(self.times)

    @property
    def cohort_sizes(self) -> np.ndarray:
        return np.bincount(self.code, minlength=len(self.cohort_pos))

    def started_mask(self) -> np.ndarray:
        """(N, T) indicator of cells on or after the unit's own start, whichever cohort it belongs to."""
        return np.arange(self.n_periods)[None, :] >= self.cohort_pos[self.code][:, None]

    def treated_mask(self) -> np.ndarray:
        """(N, T) indicator of treated cells (unit of an estimated cohort, started by the period)."""
        return self.started_mask() & self.targets[self.code][:, None]

    def dose(self, every_wave: bool = False) -> np.ndarray:
        """(N, T) share of each cell after the unit's start (1 after, the start share in the first
        treated period, 0 before), for the estimated cohorts or ``every_wave``: what the sharp null
        removes a constant effect from."""
        mask = self.started_mask() if every_wave else self.treated_mask()
        out = mask.astype(float)
        if self.start_share is not None:
            first = np.arange(self.n_periods)[None, :] == self.cohort_pos[self.code][:, None]
            out = np.where(first & mask, self.start_share[:, None], out)
        return out


def _check_columns(panel: pl.DataFrame, cols: Sequence[str]) -> None:
    missing = [c for c in cols if c not in panel.columns]
    if missing:
        raise ValueError(f"panel is missing column(s) {missing}; it has {panel.columns}")


def to_matrix(
    panel: pl.DataFrame,
    unit: str,
    time: str,
    outcome: str | Sequence[str],
    first_treat: str,
    drop_incomplete: bool = False,
    cohorts: Sequence[Any] | None = None,
    start_share: str | None = None,
) -> PanelMatrix:
    """Pivot a long panel into a :class:`PanelMatrix` (validating balance and the start dates).

    ``start_share``: an optional unit-level column, the share (0-1] of the first treated period that lies
    after the start (a quarter whose last month is the first treated one: 1/3); missing means 1.
    """
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    extra = [start_share] if start_share else []
    _check_columns(panel, [unit, time, first_treat, *outcomes, *extra])
    df = panel.select(unit, time, first_treat, *outcomes, *extra)
    if df.select(pl.struct(unit, time).is_duplicated().any()).item():
        raise ValueError(f"panel has more than one row for some ({unit}, {time}) pairs")
    per_unit = df.group_by(unit).agg(pl.col(first_treat).fill_null(0).n_unique().alias("k"))
    if per_unit.select(pl.col("k").max()).item() > 1:
        bad = per_unit.filter(pl.col("k") > 1)[unit].to_list()[:5]
        raise ValueError(f"{first_treat} must be constant within a unit; it varies for {bad}")
    times = np.sort(df[time].unique().to_numpy())
    units = df[unit].unique().sort()
    if df.height != len(units) * len(times) or any(df[c].null_count() for c in outcomes):
        complete = df.drop_nulls(outcomes).group_by(unit).len().filter(pl.col("len") == len(times))[unit]
        gaps = units.filter(~units.is_in(complete.implode()))
        if not drop_incomplete:
            raise ValueError(
                f"panel is unbalanced: {len(gaps)} unit(s) lack a value for some period, e.g. "
                f"{gaps.to_list()[:5]}; impute or pass drop_incomplete=True"
            )
        df = df.filter(pl.col(unit).is_in(complete.implode()))
        units = complete.sort()
    df = df.sort(unit, time)
    n, t_n = len(units), len(times)
    y = np.stack([df[c].cast(pl.Float64).to_numpy().reshape(n, t_n) for c in outcomes])
    g = df[first_treat].fill_null(0).to_numpy().reshape(n, t_n)[:, 0].astype(float)
    g[np.isnan(g)] = 0
    never = (g <= 0) | (g > times[-1])
    already = ~never & (g <= times[0])
    keep = ~already
    unit_list = units.to_list()
    dropped = [u for u, a in zip(unit_list, already, strict=True) if a]
    share = None
    if start_share:
        share = df[start_share].fill_null(1.0).cast(pl.Float64).to_numpy().reshape(n, t_n)[:, 0][keep]
        if ((share <= 0) | (share > 1)).any():
            raise ValueError(f"{start_share} must lie in (0, 1]")
    g, y, never = g[keep], y[:, keep, :], never[keep]
    unit_list = [u for u, k in zip(unit_list, keep, strict=True) if k]
    starts = np.unique(g[~never])
    cohort_time = np.concatenate([[0.0], starts])
    cohort_pos = np.concatenate([[t_n], np.searchsorted(times, starts, side="left")]).astype(np.int64)
    code = np.zeros(len(g), dtype=np.int64)
    code[~never] = np.searchsorted(starts, g[~never]) + 1
    target = None
    if cohorts is not None:
        target = np.isin(cohort_time, np.asarray(list(cohorts), dtype=float)) & (cohort_time > 0)
    if share is not None:
        share = np.where(never, 1.0, share)
    return PanelMatrix(unit_list, times, y, code, cohort_pos, cohort_time, dropped, target, share)
