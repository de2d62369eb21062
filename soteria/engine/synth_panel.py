"""Outcome-only synthetic control for every treated area of a staggered pilot panel."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from soteria.engine.synth import SynthResult, synth_result, wide_panel


def synthetic_control_panel(
    panel: pl.DataFrame,
    unit: str = "unit",
    time: str = "time",
    outcome: str = "outcome",
    first_treat: str = "first_treat",
    *,
    donors: list[Any] | None = None,
    placebos: bool = True,
) -> list[SynthResult]:
    """Outcome-only synthetic control for every treated unit of a staggered panel (own start date each).

    Donors default to the units never treated in the window (first_treat 0, null or after the last
    period): a donor treated part-way through would carry the pilot's effect into the synthetic area.
    """
    last = panel[time].max()
    starts = panel.group_by(unit).agg(pl.col(first_treat).fill_null(0).first()).sort(unit)
    never = starts.filter((pl.col(first_treat) <= 0) | (pl.col(first_treat) > last))[unit].to_list()
    pool = donors if donors is not None else never
    treated = starts.filter((pl.col(first_treat) > panel[time].min()) & (pl.col(first_treat) <= last))
    units, times, y = wide_panel(panel, unit, time, outcome)
    idx = {u: i for i, u in enumerate(units)}
    out = []
    for u, g in zip(treated[unit].to_list(), treated[first_treat].to_list(), strict=True):
        rows = [idx[d] for d in pool if d != u]
        if np.isnan(y[[idx[u], *rows]]).any():
            raise ValueError(f"the outcome has missing values for {u!r} or a donor")
        out.append(
            synth_result(y, times, times < g, times >= g, idx[u], rows, units, None, None, None, placebos, g)
        )
    return out


def synth_summary(results: list[SynthResult]) -> pl.DataFrame:
    """One row per treated unit: estimate, fit and placebo p-value."""
    return pl.DataFrame(
        [
            {
                "unit": r.treated,
                "treatment_time": r.treatment_time,
                "estimate": r.estimate,
                "pre_rmspe": r.pre_rmspe,
                "rmspe_ratio": r.rmspe_ratio,
                "p_value": r.p_value,
            }
            for r in results
        ]
    )
