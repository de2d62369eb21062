"""The descriptive tables as published: per area, pilot against control, the charge rate."""

from __future__ import annotations

import polars as pl

from soteria.disclosure.arms import IN_ARM, arm_grids, arm_presence, baseline_flag
from soteria.disclosure.note import CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE, THRESHOLD, DisclosureNote
from soteria.disclosure.published import Published, publish, symbol_if
from soteria.domain import MIN_CASES


def per_area(
    per_area_series: pl.DataFrame, baseline_year: int, threshold: int = THRESHOLD, min_cases: int = MIN_CASES
) -> Published:
    """compare.per_area_series as published (the small multiples' data)."""
    cells, _, note = arm_grids(per_area_series, IN_ARM, "value", threshold)
    frame = per_area_series.join(cells, on=["area_code", "period"], how="left")
    flags = baseline_flag(frame, ["area_code"], "value_withheld", "value", baseline_year, min_cases)
    frame = frame.join(flags, on="area_code", how="left")
    value_c = pl.col("value_withheld").fill_null(False)
    index_c = pl.col("index").is_not_null() & (value_c | pl.col("_base_bad").fill_null(True))
    derived = int(frame.select((index_c & ~value_c).sum()).item())
    rules = {
        "value": symbol_if(value_c, CONFIDENTIAL).when(pl.col("value").is_null()).then(pl.lit(NOT_AVAILABLE)),
        "index": symbol_if(index_c | value_c, CONFIDENTIAL)
        .when(pl.col("index").is_null())
        .then(pl.lit(NOT_AVAILABLE)),
    }
    return publish(
        frame,
        rules,
        note + DisclosureNote(derived=derived),
        counts=("value",),
        keep=per_area_series.columns,
        labels={
            "area_code": "Area code",
            "area_name": "Area",
            "arm": "Arm",
            "pilot_start": "Pilot start",
            "period": "Period from",
            "value": "Count",
            "index": "Index (area's baseline = 100)",
            "in_control": "Counted as control",
        },
    )


def pilot_vs_control(
    series: pl.DataFrame,
    per_area_series: pl.DataFrame,
    baseline_year: int,
    threshold: int = THRESHOLD,
    min_cases: int = MIN_CASES,
) -> Published:
    """compare.pilot_vs_control as published: arm totals protected as column totals of the area tables."""
    _, arm_totals, note = arm_grids(per_area_series, IN_ARM, "value", threshold)
    presence = arm_presence(per_area_series, "value")
    frame = series.join(
        arm_totals.select("period", "arm", "total_withheld"), on=["period", "arm"], how="left"
    ).join(presence, on=["period", "arm"], how="left")
    total_c = pl.col("total_withheld").fill_null(False)
    mean_c = pl.col("total").is_not_null() & (total_c | (pl.col("total") < min_cases))
    frame = frame.with_columns(_mean_c=mean_c)
    base = (
        frame.filter(pl.col("period").dt.year() == baseline_year)
        .group_by("arm")
        .agg(_base_bad=pl.col("_mean_c").any() | (pl.col("total").sum() < min_cases))
    )
    frame = frame.join(base, on="arm", how="left")
    index_c = pl.col("index").is_not_null() & (pl.col("_mean_c") | pl.col("_base_bad").fill_null(True))
    none = pl.col("members").fill_null(0) == 0
    missing = pl.col("known").fill_null(0) == 0

    def rule(cond: pl.Expr, col: str) -> pl.Expr:
        return (
            symbol_if(cond, CONFIDENTIAL)
            .when(none)
            .then(pl.lit(NOT_APPLICABLE))
            .when(missing | pl.col(col).is_null())
            .then(pl.lit(NOT_AVAILABLE))
        )

    derived = int(
        frame.select(
            (
                (pl.col("_mean_c") & ~total_c).cast(pl.Int64) + (index_c & ~pl.col("_mean_c")).cast(pl.Int64)
            ).sum()
        ).item()
    )
    rules = {
        "total": rule(total_c, "total"),
        "mean_per_area": rule(pl.col("_mean_c"), "mean_per_area"),
        "index": rule(index_c | pl.col("_mean_c"), "index"),
    }
    return publish(
        frame,
        rules,
        note + DisclosureNote(derived=derived),
        ("total",),
        keep=series.columns,
        labels={
            "period": "Period from",
            "arm": "Arm",
            "total": "Total",
            "areas": "Areas",
            "mean_per_area": "Mean per area",
            "index": "Index (baseline = 100)",
        },
    )


def charge_rate(
    rates: pl.DataFrame,
    charges_by_area: pl.DataFrame,
    decisions_by_area: pl.DataFrame,
    threshold: int = THRESHOLD,
    min_cases: int = MIN_CASES,
) -> Published:
    """compare.charge_rate_series as published: both counts protected as arm totals; rates withheld when
    either count is withheld or from fewer than `min_cases` legal decisions."""
    both = charges_by_area.select("area_code", "period", "arm", "in_control", charges="value").join(
        decisions_by_area.select("area_code", "period", decisions="value"),
        on=["area_code", "period"],
        how="full",
        coalesce=True,
    )
    counted = IN_ARM & pl.col("charges").is_not_null() & pl.col("decisions").is_not_null()
    notes = DisclosureNote(threshold=threshold)
    flags = []
    for name, col in (("charges", "charges"), ("charging_decisions", "decisions")):
        grid_in = both.with_columns(value=pl.col(col)).filter(pl.col("arm").is_not_null())
        _, totals, note = arm_grids(grid_in, counted.fill_null(False), "value", threshold)
        notes = notes + note
        flags.append(totals.select("period", "arm", pl.col("total_withheld").alias(f"_{name}_c")))
    frame = rates
    for f in flags:
        frame = frame.join(f, on=["period", "arm"], how="left")
    charges_c = pl.col("_charges_c").fill_null(False)
    decisions_c = pl.col("_charging_decisions_c").fill_null(False)
    rate_c = pl.col("charging_decisions").is_not_null() & (
        charges_c | decisions_c | (pl.col("charging_decisions") < min_cases)
    )
    none = pl.col("areas").fill_null(0) == 0
    rules = {
        "charges": symbol_if(charges_c, CONFIDENTIAL).when(none).then(pl.lit(NOT_APPLICABLE)),
        "charging_decisions": symbol_if(decisions_c, CONFIDENTIAL).when(none).then(pl.lit(NOT_APPLICABLE)),
        "charge_rate_pct": symbol_if(rate_c, CONFIDENTIAL)
        .when(none)
        .then(pl.lit(NOT_APPLICABLE))
        .when(pl.col("charge_rate_pct").is_null())
        .then(pl.lit(NOT_AVAILABLE)),
    }
    derived = int(frame.select((rate_c & ~charges_c & ~decisions_c).sum()).item())
    keep = [c for c in rates.columns if c != "withheld"]
    return publish(
        frame,
        rules,
        notes + DisclosureNote(derived=derived),
        ("charges", "charging_decisions"),
        keep=keep,
        labels={
            "period": "Period from",
            "arm": "Arm",
            "charges": "Charges",
            "charging_decisions": "Legal decisions",
            "areas": "Areas",
            "charge_rate_pct": "Charge rate (%)",
        },
    )
