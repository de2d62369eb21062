"""One value per area for the area explorer's tile map (pure: frames in, frames and sentences out).

Each tile's value is built from 12-month (or baseline-year) totals, and those totals are what disclosure
control judges: a total from fewer than `MIN_CASES` referrals is withheld (`[c]`), and so is any change
or effect built on it. Monthly force figures are mostly too small to publish one by one, but their sums
over a year are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from soteria.analysis.compare import Selection
from soteria.domain import GRAINS, METRICS, MIN_CASES

MEASURES = {
    "change": "Change against the baseline year",
    "effect": "Estimated pilot effect",
    "latest": "Latest 12 months",
}
CONFIDENTIAL = "[c]"


@dataclass(frozen=True)
class TileMeasure:
    values: pl.DataFrame  # area_code, area_name, value, label, wave, pilot_start (tiles.tile_map_chart)
    colour_title: str
    midpoint: float | None
    subtitle: str
    summary: str
    table: pl.DataFrame  # what the tiles say, for the data table


def _month(d: date) -> str:
    return d.strftime("%b %Y")


def latest_periods(per_area: pl.DataFrame, sel: Selection) -> tuple[date, date] | None:
    """First and last period of the last 12 months of the window that have data."""
    periods = per_area.filter(pl.col("value").is_not_null()).get_column("period").unique().sort()
    if periods.is_empty():
        return None
    last = periods.tail(12 // sel.months)
    return last[0], last[-1]


def window_text(span: tuple[date, date] | None, sel: Selection) -> str:
    """'Jul 2022 to Jun 2023' for the last 12 months' periods."""
    if span is None:
        return "no period"
    end = span[1]
    months = end.month + sel.months - 2
    return f"{_month(span[0])} to {_month(date(end.year + months // 12, months % 12 + 1, 1))}"


def _signed_pct(value: pl.Expr, suffix: str) -> pl.Expr:
    rounded = value.round(0).cast(pl.Int64)
    return (
        pl.when(rounded > 0)
        .then(pl.format("+{}" + suffix, rounded))
        .otherwise(pl.format("{}" + suffix, rounded))
    )


def area_totals(per_area: pl.DataFrame, arms: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    """Per area: baseline-year and latest-12-month totals and means, and a pilot area's effect: its
    change from the year before its start against the control group's change over the same periods."""
    span = latest_periods(per_area, sel)
    first, last = span if span else (date.max, date.max)
    control = arms.filter(pl.col("arm") == "control").select("period", control_index="index")
    frame = per_area.join(control, on="period", how="left")
    pilot, start = pl.col("arm") == "pilot", pl.col("pilot_start")
    both = pl.col("index").is_not_null() & pl.col("control_index").is_not_null()
    after = pilot & (pl.col("period") >= start) & both
    before = pilot & (pl.col("period") < start) & (pl.col("period") >= start.dt.offset_by("-1y")) & both
    in_base = pl.col("period").dt.year() == sel.baseline_year
    in_latest = pl.col("period").is_between(first, last)

    def ratio(col: str) -> pl.Expr:
        return pl.col(col).filter(after).mean() / pl.col(col).filter(before).mean()

    return frame.group_by("area_code").agg(
        base_total=pl.col("value").filter(in_base).sum(),
        base_mean=pl.col("value").filter(in_base).mean(),
        latest_total=pl.when(pl.col("value").filter(in_latest).is_not_null().all() & in_latest.any()).then(
            pl.col("value").filter(in_latest).sum()
        ),
        latest_mean=pl.col("value").filter(in_latest).mean(),
        after_total=pl.col("value").filter(after).sum(),
        before_total=pl.col("value").filter(before).sum(),
        after_periods=after.sum().cast(pl.Int64),
        # The area's own change from the year before its start, against the control group's change over
        # the same periods: the evaluation's comparison for one area, as a percentage.
        effect=(ratio("index") / ratio("control_index") - 1) * 100,
    )


def tile_measure(
    per_area: pl.DataFrame, arms: pl.DataFrame, register: pl.DataFrame, sel: Selection, measure: str
) -> TileMeasure:
    """The value each tile shows for `measure` ('change', 'effect' or 'latest').

    `per_area`: compare.per_area_series for the selection (raw counts: suppression happens here, on the
    totals); `arms`: compare.pilot_vs_control (its control arm's index); `register`: every area of the
    grain with its wave and start.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, got {measure!r}")
    areas = register.filter(pl.col("area_kind") == sel.grain).select(
        "area_code", "area_name", "wave", pl.col("pilot_start").cast(pl.Date)
    )
    window = window_text(latest_periods(per_area, sel), sel)
    metric = METRICS[sel.metric].label if sel.metric in METRICS else sel.metric
    frame = areas.join(area_totals(per_area, arms, sel), on="area_code", how="left")

    def small(col: str) -> pl.Expr:
        return pl.col(col).is_null() | (pl.col(col) < MIN_CASES)

    has_data = pl.col("latest_mean").is_not_null()
    if measure == "change":
        raw = pl.col("latest_mean") / pl.col("base_mean") * 100 - 100
        withheld = small("base_total") | small("latest_total")
        colour_title, midpoint = "Change (%)", 0.0
        subtitle = f"{metric}, {window}, against the {sel.baseline_year} average (0% = no change)"
        label = _signed_pct(pl.col("value"), "%")
    elif measure == "latest":
        raw = pl.col("latest_total")
        withheld = small("latest_total")
        colour_title, midpoint = "Count", None
        subtitle = f"{metric}, total for {window}"
        label = (
            pl.col("value").round(0).cast(pl.Int64).map_elements(lambda v: f"{v:,}", return_dtype=pl.String)
        )
    else:
        raw = pl.col("effect")
        withheld = small("after_total") | small("before_total")
        has_data = pl.col("after_periods").fill_null(0) > 0
        colour_title, midpoint = "Effect (%)", 0.0
        subtitle = (
            f"{metric} in each pilot area after its start against the year before, compared "
            "with the control group's change over the same periods. One area, no interval: the Evaluation "
            "page gives the pooled estimate and its uncertainty"
        )
        label = _signed_pct(pl.col("value"), "%")
    frame = frame.with_columns(value=pl.when(~withheld).then(raw).cast(pl.Float64))
    missing = (
        pl.when(has_data)
        .then(pl.lit(CONFIDENTIAL))
        .otherwise(pl.lit("not in the pilot group" if measure == "effect" else "no data"))
    )
    values = frame.select(
        "area_code", "area_name", "value",
        pl.when(pl.col("value").is_not_null()).then(label).otherwise(missing).alias("label"),
        "wave", "pilot_start",
    ).sort("area_code")  # fmt: skip
    table = values.sort("area_name").select(
        pl.col("area_name").alias("Area"),
        pl.col("wave").alias("Pilot wave"),
        pl.col("pilot_start").alias("Start"),
        pl.col("label").alias(f"{MEASURES[measure]} ({colour_title})"),
    )
    shown = values.filter(pl.col("value").is_not_null())
    summary = _tile_summary(shown, measure, values.height, GRAINS[sel.grain])
    return TileMeasure(values, colour_title, midpoint, subtitle, summary, table)


def shown(row: dict[str, object]) -> tuple[str, str | None]:
    """A tile's value as a headline figure: (figure, note). A withheld value stays `[c]`; an area the
    measure does not apply to shows 'n/a' with the reason as the note."""
    label = str(row["label"])
    if row["value"] is not None or label == CONFIDENTIAL:
        return label, None
    return "n/a", label.capitalize()


def _tile_summary(shown: pl.DataFrame, measure: str, n: int, kind: str) -> str:
    if shown.is_empty():
        return f"No {kind} has a value to show for this measure and selection."
    top = shown.sort("value", descending=True).row(0, named=True)
    low = shown.sort("value").row(0, named=True)
    what = MEASURES[measure].lower()
    return (
        f"Tile map of {n} areas ({kind}) coloured by {what}: {shown.height} have a value; the highest is "
        f"{top['area_name']} ({top['label']}), the lowest {low['area_name']} ({low['label']})."
    )
