"""The Overview's answer: words, colours and caveats follow from the estimates and the design."""

from __future__ import annotations

from types import SimpleNamespace

import polars as pl

from soteria.engine.results import Estimate
from soteria.evaluation import answer
from soteria.evaluation.outcome import Check, OutcomeResult

HOLD = (Check("controls", True, "enough controls"),)


def outcome(name: str, estimate: float, lower: float, upper: float, verdict: str, checks=HOLD, base=None):
    """A stand-in outcome; `base` (cases a quarter in the pilot areas) lets it say the effect in cases."""
    unit = "percent" if name == "referrals" else "points"
    est = Estimate(estimate, lower, upper, 0.01, "randomisation")
    info = {"per_quarter": base, "n_pilot": 5}
    fake = SimpleNamespace(outcome=name, unit=unit, headline=est, verdict=verdict, checks=checks, info=info)
    fake.in_cases = lambda effect: OutcomeResult.in_cases(fake, effect)  # type: ignore[arg-type]
    return fake


def test_clear_evidence_in_the_intended_direction_is_green_and_says_how_much():
    a = answer.answer(outcome("referrals", 22.0, 5.0, 50.0, "clear"))
    assert (a.word, a.colour) == ("Clear evidence", "green")
    assert a.sentence == (
        "Police referrals to the CPS: 22% higher than the control areas predict (95% interval 5% to 50%)."
    )


def test_the_answer_says_the_effect_in_cases_with_its_interval():
    # 25% more than would have been, of 600 referrals a quarter seen: 600 * 0.25 / 1.25 = 120 more;
    # 5% -> 29 (28.6), 50% -> 200
    a = answer.answer(outcome("referrals", 25.0, 5.0, 50.0, "clear", base=600.0))
    assert a.sentence.endswith(
        "That is about 120 more referrals a quarter across the 5 pilot areas "
        "(95% interval 29 more to 200 more)."
    )
    # 2 points of 300 decisions = 6 more charges; -1 point = 3 fewer
    rate = answer.answer(outcome("charge_rate", 2.0, -1.0, 5.0, "none", base=300.0))
    assert "about 6 more charges a quarter, of the 300 charging decisions" in rate.sentence
    assert rate.sentence.endswith("(95% interval 3 fewer to 15 more).")


def test_clear_evidence_against_the_intended_direction_is_red():
    a = answer.answer(outcome("report_to_file", -3.0, -5.0, -1.0, "clear"))
    assert a.colour == "red"
    assert "3.0 points lower" in a.sentence


def test_no_colour_unless_the_evidence_is_clear():
    assert answer.answer(outcome("charge_rate", 2.0, -1.0, 5.0, "some")).colour == "gray"
    none = answer.answer(outcome("charge_rate", -1.0, -6.8, 4.6, "none"))
    assert (none.word, none.colour) == ("No clear difference", "gray")
    assert "no clear difference from what the control areas predict" in none.sentence
    assert "\u22126.8 to 4.6 points" in none.sentence


def test_failed_assumptions_give_no_answer_and_the_reason():
    failed = (Check("pretrend", False, "Trends differed before the start."),)
    a = answer.answer(outcome("referrals", 30.0, 10.0, 50.0, "fails", failed))
    assert (a.word, a.colour) == ("Not a finding", "gray")
    assert "Trends differed before the start." in a.sentence


DESIGN = pl.DataFrame(
    {
        "area_code": ["CPS-NE", "CPS-SE", "CPS-WX", "CPS-LN", "CPS-EM"],
        "area_name": ["North East", "South East", "Wessex", "London North", "East Midlands"],
        "role": ["pilot", "control", "excluded", "control", "dropped"],
    }
)
FORCES = pl.DataFrame({"force_code": ["E23000032"], "cps_area_code": ["CPS-SE"]})


def result(design: pl.DataFrame, grain: str = "cps_area"):
    sel = {"start": "2019-01-01", "end": "2023-07-10", "grain": grain}
    return SimpleNamespace(design=design, selection=sel, outcomes={})


def test_caveats_name_the_window_the_exclusions_and_contaminated_controls():
    text = answer.caveats(result(DESIGN), FORCES)
    assert text.startswith("Compared from 1 January 2019 to 10 July 2023")
    assert "CPS Wessex excluded from the control group" in text
    assert "1 area left out for missing data" in text
    assert "the controls include CPS South East, which ran their own improvement work" in text


def test_no_contamination_caveat_once_both_areas_are_excluded():
    design = DESIGN.with_columns(
        role=pl.when(pl.col("area_code") == "CPS-SE").then(pl.lit("excluded")).otherwise("role")
    )
    text = answer.caveats(result(design), FORCES)
    assert "improvement work" not in text
    assert "CPS South East and CPS Wessex excluded" in text


def test_forces_inside_a_contaminated_cps_area_are_named_at_force_grain():
    design = pl.DataFrame({"area_code": ["E23000032"], "area_name": ["Kent"], "role": ["control"]})
    assert "the controls include Kent" in answer.caveats(result(design, "force"), FORCES)
