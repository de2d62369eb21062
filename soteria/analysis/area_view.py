"""One area against its control group and England and Wales (pure: published frames in, frames,
sentences and a plotly figure out).

The three lines are indexes (the baseline-year average = 100), so an area of 20 referrals a month and a
national total of 2,000 share one axis. The area's own line is the published one (withheld periods are
gaps); England and Wales, the sum of every area, is large enough to show as an index in every period."""

from __future__ import annotations

from datetime import date

import polars as pl

from soteria.analysis.compare import Selection, assign_arms

LINE_LABELS = {"control": "Control group", "england_wales": "England and Wales"}


def area_lines(
    per_area: pl.DataFrame, arms: pl.DataFrame, raw_per_area: pl.DataFrame, area_code: str, baseline_year: int
) -> pl.DataFrame:
    """period, line ('area' | 'control' | 'england_wales'), index: the lines of the area page.

    `per_area`: the published per-area series (disclosure.per_area: withheld cells null); `arms`: the
    published pilot-vs-control series (period, arm, index); `raw_per_area`: compare.per_area_series, whose
    national sum is only ever shown as an index.
    """
    area = per_area.filter(pl.col("area_code") == area_code).select(
        "period", pl.lit("area").alias("line"), "index"
    )
    control = arms.filter(pl.col("arm") == "control").select(
        "period", pl.lit("control").alias("line"), "index"
    )
    national = raw_per_area.group_by("period").agg(
        total=pl.when(pl.col("value").is_not_null().all()).then(pl.col("value").sum())
    )
    base = national.filter(pl.col("period").dt.year() == baseline_year).select(pl.col("total").mean()).item()
    england_wales = national.select(
        "period",
        pl.lit("england_wales").alias("line"),
        (pl.col("total") / base * 100).alias("index")
        if base
        else pl.lit(None, dtype=pl.Float64).alias("index"),
    )
    return pl.concat(
        [f.with_columns(pl.col("index").cast(pl.Float64)) for f in (area, control, england_wales)]
    ).sort("line", "period")


def role(register: pl.DataFrame, sel: Selection, area_code: str) -> dict[str, object]:
    """area_name, arm, wave and pilot_start of the area in the selection; raises for an unknown area."""
    arms = assign_arms(register, sel).filter(pl.col("area_code") == area_code)
    if arms.is_empty():
        raise ValueError(f"{area_code!r} is not an area of {sel.grain!r}")
    return arms.row(0, named=True)


def role_sentence(r: dict[str, object], sel: Selection) -> str:
    start = r["pilot_start"]
    started = f"{r['wave']}, started {start:%-d %B %Y}" if isinstance(start, date) else f"{r['wave']}"
    if r["arm"] == "pilot":
        return f"{r['area_name']} is a pilot area in this comparison ({started})."
    if r["arm"] == "excluded":
        return f"{r['area_name']} is excluded from the control group in this comparison ({started})."
    inside = isinstance(start, date) and start <= sel.end
    until = " until its own start" if inside else ""
    return f"{r['area_name']} is a control area{until} in this comparison ({started})."


def start_in_window(r: dict[str, object], sel: Selection) -> date | None:
    """The area's own start if it falls inside the comparison's window (marked on the chart)."""
    start = r["pilot_start"]
    return start if isinstance(start, date) and start <= sel.end else None


def table(frame: pl.DataFrame, area_name: str) -> pl.DataFrame:
    """The chart's lines side by side, one row per period, headed as the legend names them."""
    wide = frame.pivot(on="line", index="period", values="index").sort("period")
    names = {"area": area_name, **LINE_LABELS}
    return wide.rename({k: v for k, v in names.items() if k in wide.columns})


def end_point(frame: pl.DataFrame, line: str, first: bool) -> tuple[date, float] | None:
    part = frame.filter(pl.col("line") == line, pl.col("index").is_not_null()).sort("period")
    if part.is_empty():
        return None
    row = part.row(0 if first else -1, named=True)
    return row["period"], row["index"]


def summary(frame: pl.DataFrame, area_name: str, baseline_year: int) -> str:
    names = {"area": area_name, **LINE_LABELS}
    parts = []
    for line, name in names.items():
        a, b = end_point(frame, line, True), end_point(frame, line, False)
        if a and b:
            parts.append(f"{name} from {a[1]:,.0f} in {a[0]:%b %Y} to {b[1]:,.0f} in {b[0]:%b %Y}")
        else:
            parts.append(f"{name} has no published value")
    return f"Index ({baseline_year} average = 100): " + "; ".join(parts) + "."
