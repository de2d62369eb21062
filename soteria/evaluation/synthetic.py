"""Synthetic control for every pilot area of a panel, with its fit check."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from soteria.engine.synth import SynthResult
from soteria.engine.synth_panel import synthetic_control_panel
from soteria.evaluation.outcome import Check
from soteria.evaluation.panels import Panel

SYNTH_MAX_RELATIVE_RMSPE = 0.20  # pre-period error above a fifth of the area's own level: poor fit


def headline_effect(r: SynthResult, outcome: str) -> float:
    """The synthetic control's effect in the headline's units: for referrals the mean gap after the start
    as a per cent of the synthetic area's mean then (what the area would have had), as the headline is
    per cent of the counterfactual; the gap itself in points for rates."""
    if outcome != "referrals":
        return r.estimate
    synthetic = float(r.series.filter(pl.col("post"))["synthetic"].mean())  # type: ignore[arg-type]  # a polars scalar
    return 100 * r.estimate / synthetic if synthetic > 0 else float("nan")


def synthetic_controls(panel: Panel, outcome: str) -> tuple[tuple[SynthResult, ...], dict[str, Check]]:
    """Outcome-only synthetic control per pilot area, donors = clean controls (referrals as the index, so
    that areas of different size can mix)."""
    f = panel.frame
    pilots = f.filter(pl.col("role") == "pilot")
    donors = f.filter(pl.col("role") == "control")["unit"].unique().sort().to_list()
    if pilots.is_empty() or len(donors) < 2:
        return (), {}
    sub = f.filter(pl.col("role").is_in(["pilot", "control"]))
    results = synthetic_control_panel(sub, "unit", "time", outcome, "first_treat", donors=donors)
    checks, out = {}, []
    for r in results:
        pre = r.series.filter(~pl.col("post"))["treated"]
        level = float(pre.abs().mean()) if pre.len() else float("nan")  # type: ignore[arg-type]  # a polars scalar
        rel = r.pre_rmspe / level if level > 0 else float("inf")
        r = replace(
            r,
            diagnostics={
                **r.diagnostics,
                "relative_pre_rmspe": rel,
                "pre_level": level,
                "effect": headline_effect(r, outcome),
                "smallest_p_value": 1 / (r.diagnostics["n_donors"] + 1),
            },
        )
        out.append(r)
        if rel > SYNTH_MAX_RELATIVE_RMSPE:
            checks[r.treated] = Check(
                "synthetic_fit",
                False,
                f"Poor fit: before the start the synthetic area missed the real one by {rel:.0%} of its "
                "level on average, so its path after the start is not a reliable comparison.",
            )
        elif r.diagnostics["n_donors"] + 1 < 20:
            checks[r.treated] = Check(
                "synthetic_donors",
                None,
                f"Fit acceptable (error {rel:.0%} of the level), but with {r.diagnostics['n_donors']} donor "
                f"areas the smallest possible placebo p-value is {1 / (r.diagnostics['n_donors'] + 1):.2f}.",
            )
        else:
            checks[r.treated] = Check("synthetic_fit", True, f"Good fit: error {rel:.0%} of the level.")
    return tuple(out), checks
