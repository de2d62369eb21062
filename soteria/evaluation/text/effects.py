"""The evaluation's headline effects as one table, with the sentence that says them (for the effect chart
on the Overview and in the report pack)."""

from __future__ import annotations

import math

import polars as pl

from soteria.evaluation.outcome import EvaluationResult, OutcomeResult
from soteria.evaluation.text.sensitivity import sensitivity_frame
from soteria.evaluation.text.sentences import SHORT
from soteria.evaluation.text.words import interval, value

ORDER = ("referrals", "report_to_file", "charge_rate")
LABELS = {
    "referrals": "Police referrals",
    "report_to_file": "Filed within a year",
    "charge_rate": "Charge rate",
}


def effects_frame(result: EvaluationResult) -> pl.DataFrame:
    """outcome, unit, estimate, lower, upper, finding: one row per headline outcome with a finite
    estimate, referrals first."""
    rows = []
    for key in ORDER:
        o = result.outcomes.get(key)
        if o is None or not all(
            math.isfinite(v) for v in (o.headline.estimate, o.headline.lower, o.headline.upper)
        ):
            continue
        h = o.headline
        robust = robust_interval(o)
        rows.append((LABELS[key], o.unit, h.estimate, h.lower, h.upper, *robust, o.verdict != "fails"))
    return pl.DataFrame(
        rows,
        schema={"outcome": pl.String, "unit": pl.String, "estimate": pl.Float64, "lower": pl.Float64,
                "upper": pl.Float64, "robust_lower": pl.Float64, "robust_upper": pl.Float64,
                "finding": pl.Boolean},
        orient="row",
    )  # fmt: skip


def robust_interval(o: OutcomeResult) -> tuple[float | None, float | None]:
    """The sensitivity range drawn on the effect chart: the robust 95% interval if trends could differ
    after the start as much as the largest change before it (M = 1), where the evaluation gives one and
    it is bounded."""
    f = sensitivity_frame(o).filter(pl.col("mbar") == 1.0) if o.evaluation.sensitivity else pl.DataFrame()
    if not f.height or not all(math.isfinite(v) for v in (f["lower"][0], f["upper"][0])):
        return None, None
    return float(f["lower"][0]), float(f["upper"][0])


def effects_summary(result: EvaluationResult) -> str:
    """One sentence: each outcome's effect, its interval, and whether it excludes no effect."""
    parts = []
    for key in ORDER:
        o = result.outcomes.get(key)
        if o is None or not math.isfinite(o.headline.estimate):
            continue
        h = o.headline
        zero = "excluding" if h.lower > 0 or h.upper < 0 else "including"
        tail = "" if o.verdict != "fails" else ", not a finding: a check failed"
        effect = f"{value(h.estimate, o.unit)} ({interval(h, o.unit)}, {zero} no effect{tail})"
        parts.append(f"{SHORT[key].lower()} {effect}")
    if not parts:
        return "No effect of the pilot could be estimated."
    return "The pilot's estimated effect on " + "; ".join(parts) + "."
