"""The checks behind a verdict: enough controls, enough re-assignments, no pre-trend; a failed check
means no finding.
"""

from __future__ import annotations

import math

import polars as pl

from soteria.engine.evaluate import OutcomeEvaluation
from soteria.engine.results import Estimate
from soteria.evaluation.outcome import Check

MIN_CONTROLS = 3  # fewer control areas in any compared period: too few controls


PRETREND_ALPHA = 0.05


def control_check(ev: OutcomeEvaluation) -> Check:
    gt = ev.group_time.filter(pl.col("post"))
    fewest = int(gt["n_control"].min()) if gt.height else 0  # type: ignore[arg-type]  # a polars scalar
    n_ctrl = ev.randomization.diagnostics["n_units"] - ev.randomization.diagnostics["n_treated_units"]
    if fewest < MIN_CONTROLS:
        return Check(
            "controls",
            False,
            f"Too few controls: some periods after the start are compared with only {fewest} control "
            f"area{'s' if fewest != 1 else ''} (at least {MIN_CONTROLS} are needed). Include more "
            "controls, use not-yet-treated areas or end the window earlier.",
        )
    return Check("controls", True, f"{n_ctrl} control areas; at least {fewest} in every compared period.")


def assignment_check(est: Estimate) -> Check:
    n = est.n_assignments or 0
    if n and 1 / n > 0.05:  # the smallest possible p-value is 1 / n
        return Check(
            "assignments",
            False,
            f"Too few areas to tell: there are only {n:,} ways to re-assign the pilot, so no result could "
            "be shown to be unlikely by chance.",
        )
    how = "every one compared" if est.diagnostics.get("exact", True) else f"{n - 1:,} drawn at random"
    possible = int(est.diagnostics.get("n_possible_assignments") or n)
    held = (
        " Areas of later waves keep their own start dates in every re-assignment."
        if est.diagnostics.get("later_waves") == "held"
        else ""
    )
    return Check(
        "assignments",
        True,
        f"{possible:,} ways to re-assign the pilot start dates, {how}; the smallest possible p-value is "
        f"{1 / n:.4f}.{held}",
    )


def pretrend_check(ev: OutcomeEvaluation, phrase: str) -> Check:
    p = ev.pretest_ri.p_value
    if p is None or not math.isfinite(p):
        return Check(
            "pretrend",
            None,
            "Trends before the start cannot be checked (a single period before the start).",
        )
    if p < PRETREND_ALPHA:
        return Check(
            "pretrend",
            False,
            f"Before the pilot began, {phrase} in pilot areas moved differently from "
            f"the control areas (randomisation pre-trend test p {_p(p)}), so the controls may not show "
            "what would have happened without the pilot.",
        )
    return Check(
        "pretrend",
        True,
        f"Before the pilot began, {phrase} in pilot areas moved no more unusually than in "
        f"randomly chosen areas (randomisation pre-trend test p {_p(p)}).",
    )


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def verdict(est: Estimate, checks: tuple[Check, ...]) -> str:
    if any(c.ok is False for c in checks):
        return "fails"
    lo, hi, p = est.lower, est.upper, est.p_value
    if lo is not None and hi is not None and (lo > 0 or hi < 0):  # NaN compares False
        return "clear"
    if p is not None and p < 0.10:
        return "some"
    return "none"
