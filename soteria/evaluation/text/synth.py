"""Synthetic control in words and tables: per pilot area its fit, effect, placebo p-value and donors."""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from soteria.engine.synth import SynthResult
from soteria.evaluation.design import index_to_date
from soteria.evaluation.outcome import OutcomeResult
from soteria.evaluation.synthetic import SYNTH_MAX_RELATIVE_RMSPE
from soteria.evaluation.text.words import number, p_is, p_text, value


def synth_axis(o: OutcomeResult) -> str:
    return "Index (own level before = 100)" if o.outcome == "referrals" else "Charge rate (%)"


def synth_overview(o: OutcomeResult) -> str:
    """One sentence on how far the synthetic controls can be trusted, before the per-area table."""
    poor = [r for r in o.synth if (c := o.synth_checks.get(r.treated)) is not None and c.ok is False]
    donors = min((r.diagnostics["n_donors"] for r in o.synth), default=0)
    floor = f"With {donors} donor areas no placebo p-value can be below {1 / (donors + 1):.2f}. "
    if not poor:
        return floor + "Every synthetic control tracks its pilot area acceptably before the start."
    if len(poor) == len(o.synth):
        return (
            floor
            + f"No synthetic control tracks its pilot area within {SYNTH_MAX_RELATIVE_RMSPE:.0%} of its "
            "level before the start (small monthly counts are noisy), so none of these gaps is a finding."
        )
    return floor + (
        f"{len(poor)} of {len(o.synth)} synthetic controls miss their pilot area by more than "
        f"{SYNTH_MAX_RELATIVE_RMSPE:.0%} of its level before the start: their gaps are not findings."
    )


def synth_table(o: OutcomeResult, names: dict[str, str]) -> pl.DataFrame:
    rows = []
    for r in o.synth:
        check = o.synth_checks.get(r.treated)
        rows.append(
            {
                "Pilot area": names.get(r.treated, r.treated),
                effect_heading(o): round(r.diagnostics["effect"], 1),
                "Pre-period error (RMSPE)": round(r.pre_rmspe, 1),
                "Error as share of level": f"{r.diagnostics['relative_pre_rmspe']:.0%}",
                "Placebo p-value": p_text(r.p_value),
                "Smallest possible p-value": round(r.diagnostics["smallest_p_value"], 3),
                "Donor areas": r.diagnostics["n_donors"],
                "Fit": "poor: not a finding" if check and check.ok is False else "acceptable",
            }
        )
    return pl.DataFrame(rows)


def effect_heading(o: OutcomeResult) -> str:
    if o.outcome == "referrals":
        return "Effect (% of the synthetic area after the start)"
    return "Effect (points, mean gap after the start)"


def synth_unit(o: OutcomeResult) -> str:
    if o.outcome == "referrals":
        return "index, the area's own mean before the first start = 100"
    return "charge rate, per cent"


def synth_frame(r: SynthResult, months: int) -> pl.DataFrame:
    return r.series.select(
        pl.col("time")
        .map_elements(lambda t: index_to_date(int(t), months), return_dtype=pl.Date)
        .alias("period"),
        pl.col("treated").alias("actual"),
        "synthetic",
        "gap",
        pl.col("post").alias("after_start"),
    )


def first_after(frame: pl.DataFrame) -> date:
    """The first period after the start in a synthetic control frame."""
    return frame.filter(pl.col("after_start"))["period"].min()  # type: ignore[return-value]


def synth_sentence(r: SynthResult, name: str, o: OutcomeResult) -> str:
    check = o.synth_checks.get(r.treated)
    donors = r.diagnostics["n_donors"]
    fit = check.message if check else ""
    if o.outcome == "referrals":
        effect = (
            f"after the start the area had {number(abs(r.diagnostics['effect']), 0)}% "
            f"{'more' if r.diagnostics['effect'] >= 0 else 'fewer'} referrals than its synthetic area "
            f"(a gap of {number(r.estimate, 1, True)} index points)"
        )
    else:
        effect = f"after the start the gap averages {number(r.estimate, 1, True)} percentage points"
    return (
        f"{name}: actual against synthetic ({synth_unit(o)}); {effect} (placebo {p_is(r.p_value)} among "
        f"{donors} donor areas; the smallest possible is {r.diagnostics['smallest_p_value']:.2f}). {fit}"
    )


def synth_did_sentence(o: OutcomeResult) -> str:
    """All pilot areas together by synthetic difference-in-differences, in the headline's units."""
    e = o.synth_did
    if e is None:
        return ""
    d = e.diagnostics
    how = (
        f"95% interval {value(e.lower, o.unit, False)} to {value(e.upper, o.unit, False)}, placebo standard "
        f"error from {d['replications']} re-draws of {d['n_pilots']} control areas as pilots"
        if math.isfinite(e.lower) and math.isfinite(e.upper)
        else d.get("note", "no interval")
    )
    return (
        f"Synthetic difference-in-differences, all {d['n_pilots']} pilot areas together against "
        f"{d['n_controls']} control areas weighted to track them before the start (Arkhangelsky et al.): "
        f"{value(e.estimate, o.unit)} ({how})."
    )


def weights_table(r: SynthResult, names: dict[str, str]) -> pl.DataFrame:
    return r.weights.filter(pl.col("weight") >= 0.005).select(
        pl.col("unit").replace_strict(names, default=pl.col("unit")).alias("Donor area"),
        (pl.col("weight") * 100).round(1).alias("Weight (%)"),
    )


def synth_for(o: OutcomeResult, code: str) -> SynthResult:
    return next(r for r in o.synth if r.treated == code)
