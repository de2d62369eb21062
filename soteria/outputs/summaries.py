"""Plain-English sentences generated from the data: headline cards, chart summaries, coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from soteria.evaluation import text as evaluation_text
from soteria.evaluation.outcome import EvaluationResult, OutcomeResult

ARM_LABEL = {"pilot": "pilot areas", "control": "control areas"}


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None
    sentence: str
    help: str

    def markdown(self) -> str:
        """The card as one Markdown block: the label, the figure with its interval, the sentence."""
        figure = f"**{self.value}**" + (f", {self.delta}" if self.delta else "")
        return f"{self.label}  \n{figure}\n\n{self.sentence}"


def _month(d: date | None) -> str:
    return d.strftime("%b %Y") if d else "n/a"


CARD_LABELS = {
    "referrals": "Police referrals: pilot effect",
    "report_to_file": "Report to file: filed within a year",
    "charge_rate": "Charge rate: pilot effect",
}
CARD_HELP = {
    "referrals": "Monthly police referrals per area after each pilot area's start, against what the control "
    "areas predict (staggered difference-in-differences), as a percentage. Interval and p-value by "
    "randomisation inference.",
    "report_to_file": "Change in the share of reported cases whose police file reached the CPS within a year "
    "(closures count as never filed), pilot areas against what the control areas predict, in percentage "
    "points. Interval and p-value by randomisation inference over areas.",
    "charge_rate": "Charges as a share of CPS legal decisions, per area and quarter, pilot areas against "
    "what the control areas predict, in percentage points. Interval and p-value by randomisation inference.",
}


def effect_card(o: OutcomeResult) -> Card:
    """One headline figure from the evaluation: the effect, its 95% interval and a confidence word."""
    h = o.headline
    if o.verdict == "fails":
        reason = next(c.message for c in o.checks if c.ok is False)
        sentence = f"**Assumptions fail.** {reason} See the Evaluation page."
        return Card(CARD_LABELS[o.outcome], "Not a finding", None, sentence, CARD_HELP[o.outcome])
    word = evaluation_text.WORDS[o.verdict]
    sentence = (
        f"**{word}** (randomisation {evaluation_text.p_is(h.p_value)}). "
        + evaluation_text.headline_sentence(o).split(" (")[0]
        + ". "
        + evaluation_text.cases_sentence(o)
    ).rstrip()
    return Card(
        CARD_LABELS[o.outcome],
        evaluation_text.value(h.estimate, o.unit),
        evaluation_text.interval(h, o.unit),
        sentence,
        CARD_HELP[o.outcome],
    )


def headline_cards(result: EvaluationResult) -> list[Card]:
    """Referrals, report to file and charge rate, as the evaluation estimates them (not raw changes)."""
    return [effect_card(result.outcomes[k]) for k in CARD_LABELS if k in result.outcomes]


def pilot_vs_control(series: pl.DataFrame, measure: str, label: str) -> str:
    """One sentence describing the latest period with both arms, for the chart's text alternative."""
    wide = series.pivot(on="arm", index="period", values=measure).drop_nulls().sort("period")
    if wide.is_empty() or not {"pilot", "control"} <= set(wide.columns):
        return f"{label}: no period has both pilot and control data."
    first, last = wide.row(0, named=True), wide.row(-1, named=True)
    unit = {"index": "index", "mean_per_area": "mean per area", "total": "total"}[measure]
    return (
        f"{label} ({unit}): pilot areas went from {first['pilot']:,.1f} in {_month(first['period'])} to "
        f"{last['pilot']:,.1f} in {_month(last['period'])}; control areas from {first['control']:,.1f} to "
        f"{last['control']:,.1f}."
    )


def per_area(per_area: pl.DataFrame, label: str) -> str:
    arms = per_area.group_by("arm").agg(pl.col("area_code").n_unique()).sort("arm")
    counts = ", ".join(f"{n} {ARM_LABEL.get(a, a + ' areas')}" for a, n in arms.iter_rows())
    return f"{label} for each area, one panel per area ({counts}); each panel marks the area's own start."


REPORT_TO_FILE_METHOD = """
- **Event:** the police file reaches the CPS. Days are counted from the date the rape was reported.
- **Open cases** are followed up to the extract's as-of date, then censored: they still count for as
  long as they were open. A median of completed cases alone would flatter recent periods, because only
  fast recent cases can be complete.
- **Cases closed before a file** (no further action, victim withdrawal) compete with filing: every
  share and every day in the table is of all cases (Aalen-Johansen), as on the Evaluation page. The
  median days to file is given only where half of all cases were filed; where fewer were, there is no
  median (a third of cases filed has no "typical" time to file), and the days until a quarter were
  filed and the shares filed within 90 days and within a year say what is defined.
- The **Kaplan-Meier** option of the chart treats closed cases as if they might still be filed: it
  shows a hypothetical (no case ever closed), never the share of cases that reached the CPS.
- **Periods:** pilot cases reported before or after their own area's start; control cases before or
  after the pilot group's first start. A case reported before its own area's start is followed only
  until that start (after it the area is treated).
- Figures from fewer than 10 cases are withheld (`[c]`). Intervals are 95% (log-log Greenwood).
"""


def coverage(span: dict[str, Any], latest: dict[str, Any] | None) -> str:
    extract = (
        f"the latest extract is **{latest['file_name']}** (number {latest['extract_id']}, loaded "
        f"{latest['loaded_at']:%d %b %Y} by {latest['loaded_by']})"
        if latest
        else "no extract has been loaded"
    )
    return (
        f"Monthly figures from **{_month(span['first_month'])}** to **{_month(span['last_month'])}** "
        f"({span['metric_values']:,} values); **{span['cases']:,}** case timelines reported "
        f"{span['first_reported'] or 'n/a'} to {span['last_reported'] or 'n/a'}, as of "
        f"{span['cases_as_of'] or 'n/a'}; {extract}."
    )
