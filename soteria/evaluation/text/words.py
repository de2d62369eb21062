"""Numbers in words: signs, units, intervals and p-values as the sentences write them."""

from __future__ import annotations

import math

from soteria.engine.results import Estimate

MINUS = "\u2212"


def number(x: float, digits: int = 0, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "unbounded"
    text = f"{abs(x):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    sign = MINUS if x < 0 else ("+" if signed else "")
    return sign + text


def plain(text: str) -> str:
    """Markdown emphasis removed and the typographic minus made ASCII, for a terminal."""
    return text.replace("**", "").replace(MINUS, "-")


def value(x: float, unit: str, signed: bool = True) -> str:
    """'+24%', '+3.7 points', '-9 days'."""
    if unit == "percent":
        return number(x, 0, signed) + ("%" if math.isfinite(x) else "")
    if unit == "days":
        return f"{number(x, 0, signed)} days"
    return f"{number(x, 1, signed)} points"


def interval(est: Estimate, unit: str) -> str:
    level = f"{(1 - est.alpha):.0%}"
    if unit == "percent":
        return f"{level} interval {value(est.lower, unit, False)} to {value(est.upper, unit, False)}"
    lo, hi = number(est.lower, 0 if unit == "days" else 1), number(est.upper, 0 if unit == "days" else 1)
    return f"{level} interval {lo} to {hi} {'days' if unit == 'days' else 'points'}"


def p_text(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def p_is(p: float | None) -> str:
    """'p = 0.06' or 'p < 0.001'."""
    text = p_text(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def assignments(est: Estimate) -> str:
    """The assignment set exactly: 'all 252 possible assignments' or '5,000 random draws from 118,755
    possible assignments' (the observed assignment is counted besides the draws)."""
    n, d = est.n_assignments or 0, est.diagnostics
    possible = int(d.get("n_possible_assignments") or n)
    if d.get("exact", True):
        return f"all {possible:,} possible assignments"
    return f"{n - 1:,} random draws from {possible:,} possible assignments"


def inference(est: Estimate) -> str:
    n = f", {assignments(est)}" if est.n_assignments else ""
    return f"randomisation {p_is(est.p_value)}{n}"


def size_words(x: float, unit: str) -> str:
    if unit == "percent":
        return f"{number(abs(x), 0)}%"
    return f"{number(abs(x), 1)} percentage points"
