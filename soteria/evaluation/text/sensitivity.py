"""What happens to a finding if trends after the start were not parallel, in the headline's units and
in words (the relative-magnitudes bounds of ``soteria.engine.sensitivity``)."""

from __future__ import annotations

import math

import polars as pl

from soteria.engine.sensitivity import TrendSensitivity
from soteria.evaluation.outcome import OutcomeResult
from soteria.evaluation.run import PHRASES
from soteria.evaluation.text.words import value


def sensitivity_frame(o: OutcomeResult) -> pl.DataFrame:
    """One row per Mbar: the robust 95% interval in the headline's units and whether it excludes zero."""
    s = o.evaluation.sensitivity
    if s is None:
        return pl.DataFrame()
    floor, ceiling = (-100.0, math.inf) if o.unit == "percent" else (-100.0, 100.0)  # what can happen

    def bounded(v: float) -> float:
        return min(max(o.in_headline_units(v), floor), ceiling)

    return pl.DataFrame(
        {
            "mbar": s.mbar,
            "lower": [bounded(v) for v in s.lower],
            "upper": [bounded(v) for v in s.upper],
            "excludes_zero": [lo > 0 or hi < 0 for lo, hi in zip(s.lower, s.upper, strict=True)],
            "reaches_search_limit": s.open_at_bound,
        }
    )


def sensitivity_table(o: OutcomeResult) -> pl.DataFrame:
    """The frame as the page shows it."""
    f = sensitivity_frame(o)
    if f.is_empty():
        return f
    return pl.DataFrame(
        {
            "Trend change allowed after the start (M)": [f"{m:g}" for m in f["mbar"]],
            "Robust 95% interval": [
                f"{value(lo, o.unit)} to {value(hi, o.unit)}"
                for lo, hi in zip(f["lower"], f["upper"], strict=True)
            ],
            "Excludes no effect": ["yes" if x else "no" for x in f["excludes_zero"]],
        }
    )


def clear_only_if(o: OutcomeResult) -> str:
    """The caveat for a finding that is clear: how large a departure from parallel trends it survives."""
    s = o.evaluation.sensitivity
    if s is None or o.verdict != "clear":
        return ""
    what = PHRASES[o.outcome]
    if math.isnan(s.breakdown):
        return (
            f"the finding on {what} is not clear once trends are measured from the last quarter before the "
            "start (sensitivity to parallel trends)"
        )
    if math.isinf(s.breakdown):
        return f"the finding on {what} survives any plausible departure from parallel trends"
    return (
        f"the finding on {what} holds only if, after the start, the gap between pilot and control trends "
        f"changed by less than {s.breakdown:.2f} times the largest quarter-to-quarter change before it "
        "(sensitivity to parallel trends)"
    )


def sensitivity_sentence(o: OutcomeResult) -> str:
    """How strong a departure from parallel trends the finding survives, in one or two sentences."""
    s: TrendSensitivity | None = o.evaluation.sensitivity
    if s is None:
        return ""
    what = PHRASES[o.outcome]
    step = "quarter"
    f = sensitivity_frame(o).filter(pl.col("mbar") == 1.0)
    at_one = (
        f" If the gap could change as much as the largest change before the start (M = 1), the average "
        f"effect on {what} could be anywhere from {value(f['lower'][0], o.unit)} to "
        f"{value(f['upper'][0], o.unit)}."
        if f.height
        else ""
    )
    lead = (
        f"Sensitivity to trends (Rambachan and Roth): M says how much the gap between pilot and control "
        f"trends may change from one {step} to the next after the start, as a multiple of the largest such "
        f"change in the year before."
    )
    if math.isnan(s.breakdown):
        return (
            f"{lead} Even with no change at all (M = 0, trends measured from the last {step} before the "
            f"start), the robust interval includes no effect, so this check gives the finding no support "
            f"on its own.{at_one}"
        )
    if math.isinf(s.breakdown):
        return f"{lead} The finding stays clear for every M up to 5.{at_one}"
    how = (
        "a departure from parallel trends smaller than the largest change seen before the start would be "
        "enough to explain it away"
        if s.breakdown < 1
        else "only a departure larger than any change seen before the start could explain it away"
    )
    clear = f"The effect stays clear while M is below {s.breakdown:.2f} (the breakdown value)"
    return f"{lead} {clear}: {how}.{at_one}"
