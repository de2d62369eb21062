"""What the evaluation's charts say about themselves: titles, subtitles and notes (ChartText)."""

from __future__ import annotations

from soteria.charts.figures import ChartText
from soteria.evaluation.outcome import OutcomeResult
from soteria.evaluation.text.sentences import SHORT
from soteria.evaluation.text.synth import synth_unit


def event_chart_text(o: OutcomeResult, subtitle: str) -> ChartText:
    return ChartText(
        title=f"{SHORT[o.outcome]}: pilot areas against what the control areas predict, by "
        f"{'month' if o.info.get('frequency') == 'month' else 'quarter'} since the start",
        subtitle=subtitle,
        notes=(
            "Intervals: 95%, from the spread of the same estimate over random re-assignments of the "
            "pilot start dates (randomisation).",
        ),
    )


def synth_chart_text(o: OutcomeResult, name: str, subtitle: str) -> ChartText:
    return ChartText(
        title=f"{SHORT[o.outcome]} in {name} against its synthetic control",
        subtitle=subtitle,
        notes=(f"Synthetic control: weighted average of control areas; units: {synth_unit(o)}.",),
    )


def curves_chart_text(estimator: str, subtitle: str) -> ChartText:
    if estimator == "aalen_johansen":
        title = "Share of all reported cases with a file at the CPS, by days since report"
        note = "Aalen-Johansen: cases closed without a file count as never filed (a competing event)."
    else:
        title = "Share of cases with a file at the CPS while still open, by days since report"
        note = "Kaplan-Meier: cases closed without a file are censored at closure."
    return ChartText(title=title, subtitle=subtitle, notes=(note,))
