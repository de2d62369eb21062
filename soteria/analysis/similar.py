""" "Most similar" comparator areas by their pre-pilot profile (pure polars, no I/O).

Three features per area, over the months before `before` (missing months are left out, never zeros):
  volume       mean monthly police referrals;
  trend        least-squares slope of monthly referrals over the period, relative to their mean
               (a share a year: +0.02 is "+2% a year");
  charge rate  charges / charging decisions, summed over the months where both are known; withheld
               (null) when there are fewer than 10 legal decisions (research practice).
Each feature is standardised (z-score over every area of the grain that has it); volume is compared on
a log scale first, since areas range from a handful to hundreds of referrals a month and 10 against 12
is as alike as 100 against 120. Distance is Euclidean over the features both areas have, scaled up to
all three (sqrt(3 / shared) times), so that an area without a charge rate can still be matched.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from soteria.domain import GRAINS, MIN_CASES

FEATURES = ("volume", "trend", "charge_rate")
MIN_MONTHS_FOR_TREND = 6
SIMILAR_Z = 0.5  # within half a standard deviation of the grain's areas: "similar"
# ... or within a gap no reader would call different: volumes within 20 % of each other, trends within
# 5 percentage points a year, charge rates within 3 percentage points.
SIMILAR_GAP = {"volume": 0.2, "trend": 0.05, "charge_rate": 0.03}
_LABELS = {"volume": "volume", "trend": "trend", "charge_rate": "charge rate"}
_WORDS = {  # (neighbour below, neighbour above) the chosen area
    "volume": ("lower volume", "higher volume"),
    "trend": ("trend more downward", "trend more upward"),
    "charge_rate": ("lower charge rate", "higher charge rate"),
}
RESULT_COLUMNS = [
    "rank",
    "area_code",
    "area_name",
    "distance",
    "volume_area",
    "volume_neighbour",
    "trend_area",
    "trend_neighbour",
    "charge_rate_area",
    "charge_rate_neighbour",
    "why",
]


def profiles(values: pl.DataFrame, before: date) -> pl.DataFrame:
    """area_code, months, volume, trend, charge_rate for every area in `values` (months before `before`)."""
    missing = [c for c in ("area_code", "month", "metric", "value") if c not in values.columns]
    if missing:
        raise ValueError(f"metric values lack columns {missing}")
    used = ["referrals", "charges", "charging_decisions"]
    pre = (
        values.lazy()
        .filter(pl.col("month") < before, pl.col("metric").is_in(used))
        .select("area_code", "month", "metric", pl.col("value").cast(pl.Float64))
    )
    referrals = pre.filter(pl.col("metric") == "referrals", pl.col("value").is_not_null())
    t = (pl.col("month").dt.year() * 12 + pl.col("month").dt.month()).cast(pl.Float64) / 12  # years
    y = pl.col("value")
    slope = ((t - t.mean()) * (y - y.mean())).sum() / ((t - t.mean()) ** 2).sum()
    referral_features = (
        referrals.group_by("area_code")
        .agg(
            months=pl.len(),
            volume=y.mean(),
            slope=slope,
        )
        .with_columns(
            trend=pl.when((pl.col("months") >= MIN_MONTHS_FOR_TREND) & (pl.col("volume") > 0)).then(
                pl.col("slope") / pl.col("volume")
            ),
        )
    )
    both = (
        pre.filter(pl.col("metric").is_in(["charges", "charging_decisions"]))
        .collect()
        .pivot("metric", index=["area_code", "month"], values="value", aggregate_function="sum")
        .lazy()
    )
    for col in ("charges", "charging_decisions"):
        if col not in both.collect_schema().names():
            both = both.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
    rates = (
        both.filter(pl.col("charges").is_not_null(), pl.col("charging_decisions").is_not_null())
        .group_by("area_code")
        .agg(charges=pl.col("charges").sum(), decisions=pl.col("charging_decisions").sum())
        .select(
            "area_code",
            charge_rate=pl.when(pl.col("decisions") >= MIN_CASES).then(
                pl.col("charges") / pl.col("decisions")
            ),
        )
    )
    areas = pre.select("area_code").unique()
    return (
        areas.join(referral_features, on="area_code", how="left")
        .join(rates, on="area_code", how="left")
        .select("area_code", pl.col("months").fill_null(0), "volume", "trend", "charge_rate")
        .sort("area_code")
        .collect()
    )


def _fmt(feature: str, x: float) -> str:
    if feature == "volume":
        return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"
    pct = round(x * 100)
    if feature == "trend":
        return f"{pct:+d}%" if pct else "0%"
    return f"{pct:d}%"


def _close(feature: str, area: float, other: float) -> bool:
    if feature == "volume":
        return abs(other - area) <= SIMILAR_GAP["volume"] * max(abs(area), abs(other))
    return abs(other - area) <= SIMILAR_GAP[feature]


def _phrase(feature: str, area: float | None, other: float | None, z_gap: float | None, name: str) -> str:
    """How the neighbour compares on one feature, its own figure first, then the chosen area's (named:
    "higher volume (12 a month, against 6.8 in North East)")."""
    if area is None or other is None or z_gap is None:
        reason = "fewer than 10 legal decisions" if feature == "charge_rate" else "too few months"
        return f"{_LABELS[feature]} not compared ({reason})"
    if abs(z_gap) < SIMILAR_Z or _close(feature, area, other):
        word = f"similar {_LABELS[feature]}"
    else:
        word = _WORDS[feature][1 if other > area else 0]
    unit = {"volume": " a month", "trend": " a year", "charge_rate": ""}[feature]
    return f"{word} ({_fmt(feature, other)}{unit}, against {_fmt(feature, area)} in {name})"


def most_similar(
    values: pl.DataFrame,
    register: pl.DataFrame,
    area_code: str,
    grain: str,
    before: date,
    k: int = 3,
) -> pl.DataFrame:
    """The k areas of `grain` nearest to `area_code` in pre-pilot profile, nearest first.

    `values`: long monthly metrics (area_code, month, metric, value) with at least referrals, charges
    and charging_decisions; `register`: area_code, area_name, area_kind (the pilot register as stored).
    Returns rank, area_code, area_name, distance, each feature for the chosen area (`*_area`) and the
    neighbour (`*_neighbour`), and `why`, e.g. "similar volume (11 a month, against 12 in Kent), similar
    trend (+3% a year, against +2% in Kent), similar charge rate (57%, against 55% in Kent)".
    The area itself is never returned.
    Raises ValueError for an unknown grain or area, or an area with no referrals before `before`.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {sorted(GRAINS)}, got {grain!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    areas = register.filter(pl.col("area_kind") == grain).select("area_code", "area_name").unique("area_code")
    if area_code not in areas.get_column("area_code").to_list():
        raise ValueError(f"{area_code!r} is not an area of grain {grain!r}")
    feats = areas.join(profiles(values, before), on="area_code", how="left").with_columns(
        log_volume=pl.when(pl.col("volume") >= 0).then((pl.col("volume") + 1).log()),
    )
    zcols = {"volume": "log_volume", "trend": "trend", "charge_rate": "charge_rate"}
    feats = feats.with_columns(
        ((pl.col(src) - pl.col(src).mean()) / pl.col(src).std()).fill_nan(0.0).alias(f"z_{f}")
        for f, src in zcols.items()
    )
    me = feats.filter(pl.col("area_code") == area_code).row(0, named=True)
    if me["volume"] is None:
        raise ValueError(f"{me['area_name']} has no referrals before {before}: nothing to compare")
    rows = []
    for other in feats.filter(pl.col("area_code") != area_code).iter_rows(named=True):
        gaps = {
            f: None if other[f"z_{f}"] is None or me[f"z_{f}"] is None else other[f"z_{f}"] - me[f"z_{f}"]
            for f in FEATURES
        }
        shared = [g for g in gaps.values() if g is not None]
        if not shared:
            continue
        distance = math.sqrt(sum(g * g for g in shared) * len(FEATURES) / len(shared))
        why = ", ".join(_phrase(f, me[f], other[f], gaps[f], me["area_name"]) for f in FEATURES)
        rows.append(
            {
                "area_code": other["area_code"],
                "area_name": other["area_name"],
                "distance": distance,
                **{f"{f}_area": me[f] for f in FEATURES},
                **{f"{f}_neighbour": other[f] for f in FEATURES},
                "why": why,
            }
        )
    schema = {
        "area_code": pl.String,
        "area_name": pl.String,
        "distance": pl.Float64,
        **{f"{f}_{who}": pl.Float64 for f in FEATURES for who in ("area", "neighbour")},
        "why": pl.String,
    }
    out = pl.DataFrame(rows, schema=schema).sort("distance", "area_code").head(k)
    return out.with_columns(rank=pl.int_range(1, out.height + 1, dtype=pl.Int64)).select(RESULT_COLUMNS)


def first_pilot_start(register: pl.DataFrame) -> date:
    """The earliest start in the register: every area's profile before it is untouched by the pilot."""
    return register.get_column("pilot_start").cast(pl.Date).min()  # type: ignore[return-value]


METHOD = f"""
- **Volume**: mean police referrals a month before the first pilot start; compared on a log scale, so
  10 against 12 counts as alike as 100 against 120.
- **Trend**: the straight-line change in monthly referrals over those months, as a share of their mean
  a year (needs {MIN_MONTHS_FOR_TREND} months).
- **Charge rate**: charges as a share of legal decisions over those months (withheld below
  {MIN_CASES} decisions).
- Each is put on a common scale (standard deviations across the areas), and areas are ranked by their
  distance over the three. An area is called "similar" on a measure within half a standard deviation, or
  within 20% on volume, 5 points a year on trend or 3 points on charge rate.
"""
