"""Each outcome's finding in sentences: the headline with its interval, the verdict, the pre-trend, the
secondary estimate.
"""

from __future__ import annotations

import math

from soteria.evaluation.outcome import OutcomeResult
from soteria.evaluation.text.words import inference, interval, number, p_is, size_words, value

SUBJECT = {
    "referrals": "police referrals in pilot areas were",
    "charge_rate": "the charge rate in pilot areas was",
    "report_to_file": "the share of reported cases in pilot areas whose police file reached the CPS within a "
    "year was",
}


SHORT = {
    "referrals": "Police referrals",
    "charge_rate": "Charge rate",
    "report_to_file": "Report to file",
}


WORDS = {
    "clear": "Clear evidence",
    "some": "Some evidence",
    "none": "No clear difference",
    "fails": "Not a finding: assumptions fail",
}


def headline_sentence(o: OutcomeResult) -> str:
    """'After the pilot began, police referrals in pilot areas were 24% higher than the control areas
    predict (95% interval ...; randomisation p = 0.06, 5,001 assignments).'"""
    h = o.headline
    if h.estimate == 0:
        change = "no different from what the control areas predict"
    else:
        more = "higher" if h.estimate > 0 else "lower"
        change = f"{size_words(h.estimate, o.unit)} {more} than the control areas predict"
    sentence = (
        f"After the pilot began, {SUBJECT[o.outcome]} {change} ({interval(h, o.unit)}; {inference(h)})."
    )
    return f"{sentence} {cases_sentence(o)}".rstrip()


def _about(x: float) -> str:
    """A count to two significant figures, the way it is said: '140 more', '30 fewer', 'none'."""
    if math.isinf(x):
        return "unbounded"
    if x == 0:
        return "none"
    way = "more" if x > 0 else "fewer"
    return f"{float(f'{abs(x):.2g}'):,.0f} {way}" if abs(x) >= 0.5 else f"under 1 {way}"


IN_CASES = {
    "referrals": "referrals a quarter across the {areas} pilot areas",
    "charge_rate": "charges a quarter, of the {base} charging decisions a quarter in the pilot areas",
    "report_to_file": "of the {base} cases reported a quarter in the pilot areas with a file at the CPS "
    "within a year",
}


def cases_sentence(o: OutcomeResult) -> str:
    """The effect in cases a quarter with its interval: 'That is about 140 more referrals a quarter
    across the 5 pilot areas (95% interval 20 more to 260 more).' Empty when there is no base."""
    h = o.headline
    point, lower, upper = (o.in_cases(v) for v in (h.estimate, h.lower, h.upper))
    if point is None or lower is None or upper is None:
        return ""
    base = float(o.info["per_quarter"])
    what = IN_CASES[o.outcome].format(areas=o.info.get("n_pilot", ""), base=f"{float(f'{base:.2g}'):,.0f}")
    said = f"about {_about(point)}" if point else "no more and no fewer"
    level = f"{(1 - h.alpha):.0%}"
    return f"That is {said} {what} ({level} interval {_about(lower)} to {_about(upper)})."


def verdict_sentence(o: OutcomeResult) -> str:
    """The confidence word and why, in one or two sentences."""
    h = o.headline
    if o.verdict == "fails":
        reasons = " ".join(c.message for c in o.checks if c.ok is False)
        return f"**{WORDS['fails']}.** {reasons}"
    if o.verdict == "clear":
        why = "the 95% interval excludes zero and the checks on the method hold."
    elif o.verdict == "some":
        why = f"randomisation {p_is(h.p_value)} is below 0.10, but the 95% interval includes zero."
    else:
        why = (
            f"the 95% interval includes zero, so the data fit no effect as well as effects from "
            f"{value(h.lower, o.unit, False)} to {value(h.upper, o.unit, False)}."
        )
    untested = " ".join(f"Not checked: {c.message}" for c in o.checks if c.ok is None)
    return f"**{WORDS[o.verdict]}**: {why}" + (f" {untested}" if untested else "")


def pretrend_sentence(o: OutcomeResult) -> str:
    check = next((c for c in o.checks if c.name == "pretrend"), None)
    return check.message if check else ""


def secondary_sentence(o: OutcomeResult) -> str:
    """Report-to-file only: the same comparison in restricted mean days to file."""
    rm = o.secondary.get("rmst_days")
    if rm is None:
        return ""
    faster = "sooner" if rm.estimate < 0 else "later"
    return (
        f"Counted in days: within the first year after a report, files in pilot areas reached the CPS "
        f"{number(abs(rm.estimate), 0)} days {faster} on average than the control areas predict "
        f"({interval(rm, 'days')}; {inference(rm)})."
    )
