"""Plain-English sentences generated from the data: headline cards, chart summaries, coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from soteria.compare import Headline

ARM_LABEL = {"pilot": "pilot areas", "control": "control areas"}


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None
    sentence: str
    help: str


def _month(d: date | None) -> str:
    return d.strftime("%b %Y") if d else "n/a"


def _pct(x: float | None, signed: bool = True) -> str:
    return "n/a" if x is None else (f"{x:+.0f}%" if signed else f"{x:.0f}%")


def _days(x: float | None) -> str:
    return "not reached" if x is None else f"{x:,.0f} days"


def referrals_card(h: Headline) -> Card:
    if h.pilot_change_pct is None or h.control_change_pct is None:
        return Card("Police referrals", "n/a", None, "Not enough data for this selection.", "")
    sentence = (
        f"From {_month(h.post_period_from)} to {_month(h.post_period_to)}, referrals per pilot area were "
        f"{_pct(h.pilot_change_pct)} against {h.baseline_year}; "
        f"in control areas {_pct(h.control_change_pct)}. "
        "A raw comparison: it is not yet an estimate of the pilot's effect."
    )
    return Card(
        "Police referrals, pilot against baseline",
        _pct(h.pilot_change_pct),
        f"{h.difference_pct_points:+.0f} points against control areas"
        if h.difference_pct_points is not None
        else None,
        sentence,
        "Mean monthly referrals per area after the latest pilot start, against the baseline year's mean.",
    )


def charge_rate_card(series: pl.DataFrame, baseline_year: int, post_from: date | None) -> Card:
    """Pooled charge rate (charges / charging decisions) per arm in the post period."""
    if post_from is None or series.is_empty():
        return Card("Charge rate", "n/a", None, "Not enough data for this selection.", "")
    rates = {}
    for arm in ("pilot", "control"):
        for label, cond in (
            ("base", pl.col("period").dt.year() == baseline_year),
            ("post", pl.col("period") >= post_from),
        ):
            sums = (
                series.filter(pl.col("arm") == arm, cond, ~pl.col("withheld"))
                .select(pl.col("charges").sum(), pl.col("charging_decisions").sum())
                .row(0)
            )
            rates[(arm, label)] = sums[0] / sums[1] * 100 if sums[1] else None
    pilot, control = rates[("pilot", "post")], rates[("control", "post")]
    sentence = (
        f"Since {_month(post_from)}: {_pct(pilot, False)} of CPS legal decisions "
        "in pilot areas were charges, "
        f"{_pct(control, False)} in control areas ({baseline_year}: {_pct(rates[('pilot', 'base')], False)} "
        f"and {_pct(rates[('control', 'base')], False)})."
    )
    delta = (
        f"{pilot - control:+.1f} points against control areas"
        if pilot is not None and control is not None
        else None
    )
    return Card(
        "Charge rate in pilot areas",
        _pct(pilot, False),
        delta,
        sentence,
        "Suspects charged as a share of all CPS legal decisions, pooled over areas and months.",
    )


def report_to_file_card(summary: pl.DataFrame) -> Card:
    def median(arm: str, period: str) -> float | None:
        row = summary.filter(pl.col("arm") == arm, pl.col("period") == period)
        return None if row.is_empty() else row["median_days"][0]

    after, before = median("pilot", "after"), median("pilot", "before")
    sentence = (
        f"Median time from report to file in pilot areas: {_days(before)} before the start, "
        f"{_days(after)} after; "
        f"control areas {_days(median('control', 'before'))} and {_days(median('control', 'after'))}. "
        "Kaplan-Meier medians: open cases count until the extract date."
    )
    delta = f"{after - before:+.0f} days against before" if after is not None and before is not None else None
    return Card(
        "Median days, report to file (pilot, after)",
        _days(after),
        delta,
        sentence,
        "Kaplan-Meier median with open cases censored; see the Report-to-file page for intervals.",
    )


def headline_cards(referrals: Headline, charge_rates: pl.DataFrame, times: pl.DataFrame) -> list[Card]:
    return [
        referrals_card(referrals),
        report_to_file_card(times),
        charge_rate_card(charge_rates, referrals.baseline_year, referrals.post_period_from),
    ]


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


def report_to_file(summary: pl.DataFrame) -> str:
    return report_to_file_card(summary).sentence


def report_to_file_table(summary: pl.DataFrame) -> pl.DataFrame:
    """The summary as people read it: medians with intervals, shares as percentages."""

    def interval(lo: str, hi: str) -> pl.Expr:
        text = pl.format("{} to {}", pl.col(lo).round(0).cast(pl.Int64), pl.col(hi).round(0).cast(pl.Int64))
        return (
            pl.when(pl.col(lo).is_not_null() & pl.col(hi).is_not_null()).then(text).otherwise(pl.lit("[x]"))
        )

    return summary.select(
        pl.col("arm").replace_strict(ARM_LABEL).alias("Arm"),
        pl.col("period").alias("Period (report date against start)"),
        pl.col("cases").alias("Cases"),
        pl.col("filed").alias("Filed"),
        pl.col("closed_before_file").alias("Closed before a file"),
        pl.col("still_open").alias("Still open"),
        pl.col("median_days").round(0).alias("Median days"),
        interval("median_lower", "median_upper").alias("95% interval"),
        (pl.col("filed_by_365") * 100).round(1).alias("Filed within a year (%)"),
    )


REPORT_TO_FILE_METHOD = """
- **Event:** the police file reaches the CPS. Days are counted from the date the rape was reported.
- **Open cases** are followed up to the extract's as-of date, then censored: they still count for as
  long as they were open. A median of completed cases alone would flatter recent periods, because only
  fast recent cases can be complete.
- **Cases closed before a file** (no further action, victim withdrawal) are censored at closure here;
  the evaluation treats closure as a competing event.
- **Periods:** pilot cases reported before or after their own area's start; control cases before or
  after the pilot group's first start, followed only until their own area's start.
- Figures from fewer than 10 cases are withheld (`[x]`). Intervals are 95% (log-log Greenwood).
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


def problems_headline(parsed: Any) -> str:
    rules = "; ".join(f"{rule} ({n:,})" for rule, n in parsed.problem_counts.items())
    return (
        f"Nothing was stored: {parsed.file_name} has {parsed.problem_total:,} problem(s). By rule: {rules}."
    )


def problems_frame(problems: list[Any]) -> pl.DataFrame:
    """Problems as a table: file, row (as a spreadsheet shows it), column, value, rule."""
    return pl.DataFrame(
        [
            {"file": p.file, "row": p.row, "column": p.column, "value": p.value, "rule": p.rule}
            for p in problems
        ],
        schema={
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "rule": pl.String,
        },
    )


def preview_frame(preview: Any) -> pl.DataFrame:
    """One row per metric (or for cases) with counts of new, revised/changed and unchanged values."""
    return pl.DataFrame([{"item": item, **counts} for item, counts in preview.changes.items()])
