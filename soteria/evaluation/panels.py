"""The outcome panels the engine reads: monthly referrals as an index of each area's own level before
the first start, and the quarterly charge rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from soteria.analysis.compare import Selection
from soteria.evaluation.design import (
    analysis_window,
    design,
    index_to_date,
    left_out_reasons,
    period_index,
)

MIN_BASELINE_MEAN = 1.0  # referrals a month before the pilot, below which an area's index is noise


BASE_YEAR_PERIODS = {1: 12, 3: 4}  # compare with the mean of the year before the start (months, quarters)


def first_treat(d: pl.DataFrame, months: int) -> pl.DataFrame:
    """area_code, first_treat (period index of the start for pilots and not-yet-treated; 0 for controls)
    and start_share: the share of the days of that first period on or after the start (1 for a start on
    its first day; 30/91 for a start on 1 June in the April-June quarter), so that the engine can leave a
    period that is partly before and partly after the start out of the comparison."""
    ft, share = [], []
    for s, role in zip(d["pilot_start"].to_list(), d["role"].to_list(), strict=True):
        started = role in ("pilot", "not_yet")
        ft.append(period_index(s, months) if started else 0)
        share.append(_share_after(s, months) if started else 1.0)
    return d.select("area_code", "role").with_columns(
        first_treat=pl.Series(ft, dtype=pl.Int64), start_share=pl.Series(share, dtype=pl.Float64)
    )


def _share_after(start: date, months: int) -> float:
    i = period_index(start, months)
    first, after = index_to_date(i, months), index_to_date(i + 1, months)
    return (after - start).days / (after - first).days


@dataclass(frozen=True)
class Panel:
    """A balanced long panel for the engine plus what was left out and why."""

    frame: pl.DataFrame  # unit, time, period (date), outcome columns, first_treat, role
    outcomes: tuple[str, ...]
    months: int  # 1 = monthly, 3 = quarterly
    cohorts: tuple[int, ...]  # first_treat values of the pilot cohorts
    dropped: dict[str, str]  # area_code -> reason

    @property
    def units(self) -> pl.DataFrame:
        return self.frame.select("unit", "role", "first_treat").unique("unit").sort("unit")


def metric_panel(
    values: pl.DataFrame, register: pl.DataFrame, sel: Selection, control: str, outcome: str
) -> Panel:
    """Area-by-period panel for 'referrals' (monthly counts) or 'charge_rate' (quarterly, per cent).

    A period's value is the sum of its months, or missing when any month is missing; an area missing
    any period (or, for the charge rate, with no decisions in a quarter) is left out of that outcome.
    """
    if outcome not in ("referrals", "charge_rate"):
        raise ValueError(f"outcome must be 'referrals' or 'charge_rate', not {outcome!r}")
    months = 1 if outcome == "referrals" else 3
    d = design(register, sel, control)
    dropped = left_out_reasons(d)
    units = first_treat(d.filter(pl.col("role").is_in(["pilot", "control", "not_yet"])), months)
    first, last = analysis_window(sel, months)
    needed = ["referrals"] if outcome == "referrals" else ["charges", "charging_decisions"]
    period = pl.col("month").dt.truncate(f"{months}mo") if months > 1 else pl.col("month")
    long = (
        values.lazy()
        .filter(pl.col("metric").is_in(needed), pl.col("area_code").is_in(units["area_code"].implode()))
        .with_columns(pl.col("value").cast(pl.Float64), period=period)
        .filter(pl.col("period").is_between(first, last))
        .group_by("area_code", "period", "metric")
        .agg(n=pl.col("value").is_not_null().sum(), total=pl.col("value").sum())
        .with_columns(value=pl.when(pl.col("n") == months).then("total"))
        .collect()
    )
    wide = long.pivot(on="metric", index=["area_code", "period"], values="value")
    for m in needed:
        if m not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(m))
    if outcome == "charge_rate":
        wide = wide.with_columns(
            charge_rate=pl.when(pl.col("charging_decisions") > 0).then(
                pl.col("charges") / pl.col("charging_decisions") * 100
            )
        )
    n_periods = len(pl.date_range(first, last, f"{months}mo", eager=True))
    complete = wide.filter(pl.col(outcome).is_not_null()).group_by("area_code").len()
    keep = complete.filter(pl.col("len") == n_periods)["area_code"]
    for code in units["area_code"].to_list():
        if code not in set(keep.to_list()):
            dropped[code] = (
                "no decisions in some quarter" if outcome == "charge_rate" else "missing values in the window"
            )
    frame = (
        wide.filter(pl.col("area_code").is_in(keep.implode()))
        .join(units, on="area_code")
        .with_columns(
            unit=pl.col("area_code"),
            time=((pl.col("period").dt.year() * 12 + pl.col("period").dt.month() - 1) // months)
            .cast(pl.Int64),
        )
        .select("unit", "time", "period", *needed, *([outcome] if outcome == "charge_rate" else []),
                "first_treat", "start_share", "role")
        .sort("unit", "time")
    )  # fmt: skip
    cohorts = tuple(sorted(set(frame.filter(pl.col("role") == "pilot")["first_treat"].to_list())))
    if outcome == "referrals" and cohorts:
        frame, low = _index(frame, cohorts[0])
        dropped |= dict.fromkeys(low, f"fewer than {MIN_BASELINE_MEAN:g} referral a month before the pilot")
    return Panel(frame, (outcome,), months, cohorts, dropped)


def _index(frame: pl.DataFrame, first_start: int) -> tuple[pl.DataFrame, list[str]]:
    """Referrals as an index: each area's monthly mean before the first pilot start = 100.

    National rises in referrals are multiplicative: a large area gains more referrals than a small one
    from the same national rise, so trends in counts are not parallel between areas of different size.
    As a share of each area's own level they are. Areas with under MIN_BASELINE_MEAN referrals a month
    before the start are left out: their index would be mostly noise.
    """
    base = pl.col("referrals_count").filter(pl.col("time") < first_start).mean().over("unit")
    out = frame.rename({"referrals": "referrals_count"}).with_columns(baseline=base)
    low = out.filter(pl.col("baseline") < MIN_BASELINE_MEAN)["unit"].unique().sort().to_list()
    out = out.filter(pl.col("baseline") >= MIN_BASELINE_MEAN).with_columns(
        referrals=pl.col("referrals_count") / pl.col("baseline") * 100
    )
    return out, low
