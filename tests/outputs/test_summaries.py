"""The Overview's headline cards: the words and figures come from the evaluation's estimates."""

from __future__ import annotations

from types import SimpleNamespace

from soteria.engine.results import Estimate
from soteria.evaluation.outcome import Check
from soteria.outputs import summaries

HOLD = (Check("controls", True, "enough controls"),)


def outcome(verdict: str, checks=HOLD):  # noqa: ANN001, ANN201
    est = Estimate(22.0, 5.0, 50.0, 0.01, "randomisation")
    fake = SimpleNamespace(outcome="referrals", unit="percent", headline=est, verdict=verdict, checks=checks)
    fake.in_cases = lambda effect: None  # no base to say it in cases
    return fake


def test_a_card_reads_label_figure_with_interval_then_the_sentence():
    card = summaries.effect_card(outcome("clear"))
    label, rest = card.markdown().split("  \n")
    figure, sentence = rest.split("\n\n")
    assert label == "Police referrals: pilot effect"
    assert figure == "**+22%**, 95% interval 5% to 50%"
    assert sentence.startswith("**Clear evidence** (randomisation p = 0.01). After the pilot began")
    assert "randomisation inference" in card.help


def test_a_card_whose_assumptions_fail_says_so_without_a_figure():
    failed = (Check("controls", False, "Too few controls: 1 area."),)
    card = summaries.effect_card(outcome("fails", failed))
    assert card.markdown() == (
        "Police referrals: pilot effect  \n**Not a finding**\n\n"
        "**Assumptions fail.** Too few controls: 1 area. See the Evaluation page."
    )
