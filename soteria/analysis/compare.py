"""Pilot against control areas: the selection, arm membership and descriptive series (pure polars).

Rules (docs/design.md): the pilot arm is every area of the grain whose register wave is selected, all
periods; the control arm is every other area not excluded, counted only for periods that end before
its own pilot_start (a quarter counts only if all three months are before the start). Only whole
periods lying inside [start, end] (both inclusive) are used. A period's value for an area is the sum
of its months, or null when any month is missing: missing is never zero, and an area with a null
value is left out of that period's count and mean.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import polars as pl

from soteria.domain import GRAINS, METRICS, MIN_CASES, NATIONAL_ROLLOUT

FREQUENCIES = {"month": 1, "quarter": 3}
ARMS = ("pilot", "control")
_SEP = "|"  # list separator in query strings; wave names and codes may not contain it
_NEVER = date(9999, 12, 31)  # pilot_start of an area never treated
_REGISTER_COLUMNS = ("area_code", "area_name", "area_kind", "wave", "pilot_start")


def _name(item: object) -> bool:
    return isinstance(item, str) and bool(item.strip())


def _period_start(d: date, months: int) -> date:
    return date(d.year, (d.month - 1) // months * months + 1, 1)


def _period_end(first: date, months: int) -> date:
    m = first.month - 1 + months
    return date(first.year + m // 12, m % 12 + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Selection:
    grain: str = "cps_area"
    metric: str = "referrals"
    start: date = date(2019, 1, 1)
    end: date = NATIONAL_ROLLOUT  # no clean control remains after the national rollout
    frequency: str = "quarter"
    pilot_waves: tuple[str, ...] = ("2021 pathfinder",)
    excluded_controls: tuple[str, ...] = ()
    baseline_year: int = 2019

    def __post_init__(self) -> None:
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {sorted(GRAINS)}, got {self.grain!r}")
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {sorted(METRICS)}, got {self.metric!r}")
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"frequency must be 'month' or 'quarter', got {self.frequency!r}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValueError(f"{name} must be a date, got {value!r}")
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        for name in ("pilot_waves", "excluded_controls"):
            items = getattr(self, name)
            if not isinstance(items, tuple | list) or not all(_name(i) for i in items):
                raise ValueError(f"{name} must be a list of non-empty names, got {items!r}")
            if any(_SEP in i for i in items):
                raise ValueError(f"{name} may not contain {_SEP!r}: {items!r}")
            # Sorted and de-duplicated so that equal selections compare (and cache) equal.
            object.__setattr__(self, name, tuple(sorted(set(items))))
        if not self.pilot_waves:
            raise ValueError("choose at least one pilot wave")
        year = self.baseline_year
        if isinstance(year, bool) or not isinstance(year, int):
            raise ValueError(f"baseline_year must be a year, got {year!r}")
        # A partial baseline year would make the index depend on the season it covers.
        if not (self.start <= date(year, 1, 1) and date(year, 12, 31) <= self.end):
            window = f"{self.start} to {self.end}"
            raise ValueError(f"baseline year {year} must lie wholly inside the window {window}")

    @property
    def months(self) -> int:
        return FREQUENCIES[self.frequency]

    def whole_periods(self) -> tuple[date, date]:
        """First day of the first and of the last whole period inside the window."""
        months, first = self.months, _period_start(self.start, self.months)
        if first < self.start:
            first = _period_end(first, months) + timedelta(days=1)
        last = _period_start(self.end, months)
        if _period_end(last, months) > self.end:
            last = _period_start(last - timedelta(days=1), months)
        return first, last

    def to_query_params(self) -> dict[str, str]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("pilot_waves", "excluded_controls"):
            out[name] = _SEP.join(out[name])
        return {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in out.items()}

    @classmethod
    def from_query_params(cls, params: dict[str, str]) -> Selection:
        """Rebuild from to_query_params(); absent keys take defaults, unknown keys are ignored."""
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw is None:
                continue
            if f.name in ("start", "end"):
                try:
                    kwargs[f.name] = date.fromisoformat(raw)
                except ValueError:
                    raise ValueError(f"{f.name} must be a date like 2019-01-01, got {raw!r}") from None
            elif f.name == "baseline_year":
                if not raw.strip().isdigit():
                    raise ValueError(f"baseline_year must be a year like 2019, got {raw!r}")
                kwargs[f.name] = int(raw)
            elif f.name in ("pilot_waves", "excluded_controls"):
                kwargs[f.name] = tuple(s.strip() for s in raw.split(_SEP) if s.strip())
            else:
                kwargs[f.name] = raw
        return cls(**kwargs)  # type: ignore[arg-type]

    def describe(
        self, area_names: dict[str, str] | None = None, *, index: bool = True, frequency: bool = True
    ) -> str:
        """One plain-English line for chart subtitles and exports (the metric goes in the title).

        `index=False` leaves out the index baseline (charts that show no index); `frequency=False` states
        the window without months or quarters (charts of case dates, such as Kaplan-Meier curves)."""
        first, last = self.whole_periods()
        if not frequency:
            span = f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"
        elif self.frequency == "month":
            span = f"monthly, {first:%b %Y} to {last:%b %Y}"
        else:
            span = (
                f"quarterly, {first:%b}-{_period_end(first, 3):%b %Y} "
                f"to {last:%b}-{_period_end(last, 3):%b %Y}"
            )
        kind = "CPS Areas" if self.grain == "cps_area" else "police force areas"
        names = area_names or {}
        excluded = ", ".join(names.get(c, c) for c in self.excluded_controls)
        controls = f"all other {kind} before their own start"
        if excluded:
            controls += f", excluding {excluded}"
        text = (
            f"{kind[0].upper()}{kind[1:]}, {span}; pilot: {', '.join(self.pilot_waves)}; controls: {controls}"
        )
        return f"{text}; index: {self.baseline_year} average = 100" if index else text


def assign_arms(register: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    """area_code, area_name, arm ('pilot' | 'control' | 'excluded'), pilot_start, wave for the grain."""
    missing = [c for c in _REGISTER_COLUMNS if c not in register.columns]
    if missing:
        raise ValueError(f"the pilot register lacks columns {missing}")
    # A selected wave wins over an exclusion: excluded_controls only ever removes controls.
    arm = (
        pl.when(pl.col("wave").is_in(list(sel.pilot_waves)))
        .then(pl.lit("pilot"))
        .when(pl.col("area_code").is_in(list(sel.excluded_controls)))
        .then(pl.lit("excluded"))
        .otherwise(pl.lit("control"))
    )
    return (
        register.filter(pl.col("area_kind") == sel.grain)
        .select("area_code", "area_name", arm.alias("arm"), pl.col("pilot_start").cast(pl.Date), "wave")
        .sort("area_code")
    )


def _area_periods(values: pl.DataFrame, sel: Selection, metric: str | None = None) -> pl.DataFrame:
    """area_code, period, period_end, value: whole periods inside the window, null unless complete."""
    months = sel.months
    period = pl.col("month").dt.truncate(f"{months}mo") if months > 1 else pl.col("month")
    first, last = sel.whole_periods()
    return (
        values.lazy()
        .filter(pl.col("metric") == (metric or sel.metric))
        .with_columns(pl.col("value").cast(pl.Float64), period=period)
        .filter(pl.col("period").is_between(first, last))
        .group_by("area_code", "period")
        .agg(
            complete=pl.col("month").filter(pl.col("value").is_not_null()).n_unique() == months,
            total=pl.col("value").sum(),
        )
        .select(
            "area_code",
            "period",
            period_end=pl.col("period").dt.offset_by(f"{months}mo").dt.offset_by("-1d"),
            value=pl.when("complete").then("total"),
        )
        .collect()
    )


def _with_arms(periods: pl.DataFrame, register: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    started = pl.col("period_end") >= pl.col("pilot_start").fill_null(_NEVER)
    return periods.join(assign_arms(register, sel), on="area_code", how="inner").with_columns(
        in_control=(pl.col("arm") == "control") & ~started
    )


_COUNTS = (pl.col("arm") == "pilot") | pl.col("in_control")  # the rows an arm's series counts
_ARM_ORDER = pl.col("arm").replace_strict({a: i for i, a in enumerate(ARMS)})


def _arm_grid(periods: pl.DataFrame) -> pl.DataFrame:
    return periods.select("period").unique().join(pl.DataFrame({"arm": list(ARMS)}), how="cross")


def pilot_vs_control(values: pl.DataFrame, register: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    """period, arm, total, areas, mean_per_area, index (arm's baseline-year mean per area = 100)."""
    periods = _with_arms(_area_periods(values, sel), register, sel)
    counted = periods.filter(_COUNTS, pl.col("value").is_not_null())
    sums = counted.group_by("period", "arm").agg(total=pl.col("value").sum(), areas=pl.len().cast(pl.Int64))
    out = (
        _arm_grid(periods)
        .join(sums, on=["period", "arm"], how="left")
        .with_columns(pl.col("areas").fill_null(0))
        .with_columns(mean_per_area=pl.col("total") / pl.col("areas"))
    )
    base = (
        out.filter(pl.col("period").dt.year() == sel.baseline_year)
        .group_by("arm")
        .agg(base=pl.col("mean_per_area").mean())
    )
    # Counts cannot be negative: a zero (or absent) baseline gives no index rather than infinity.
    index = pl.when(pl.col("base") > 0).then(pl.col("mean_per_area") / pl.col("base") * 100)
    return (
        out.join(base, on="arm", how="left")
        .with_columns(index=index)
        .select("period", "arm", "total", "areas", "mean_per_area", pl.col("index").cast(pl.Float64))
        .sort("period", _ARM_ORDER)
    )


def per_area_series(values: pl.DataFrame, register: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    """One row per area and period (excluded areas too), indexed to the area's own baseline year."""
    periods = _with_arms(_area_periods(values, sel), register, sel)
    base = (
        periods.filter(pl.col("period").dt.year() == sel.baseline_year)
        .group_by("area_code")
        .agg(base=pl.col("value").mean())
    )
    index = pl.when(pl.col("base") > 0).then(pl.col("value") / pl.col("base") * 100)
    return (
        periods.join(base, on="area_code", how="left")
        .with_columns(index=index)
        .select(
            "area_code",
            "area_name",
            "arm",
            "pilot_start",
            "period",
            "value",
            pl.col("index").cast(pl.Float64),
            "in_control",
        )
        .sort("area_name", "period")
    )


def charge_rate_series(
    values: pl.DataFrame, register: pl.DataFrame, sel: Selection, min_decisions: int = MIN_CASES
) -> pl.DataFrame:
    """period, arm, charges, charging_decisions, areas, charge_rate_pct, withheld (pooled ratio of sums).

    An area-period counts only when both counts are present, so numerator and denominator cover the
    same areas. Rates from fewer than min_decisions decisions are withheld (research practice).
    """
    num = _area_periods(values, sel, "charges").rename({"value": "charges"})
    den = _area_periods(values, sel, "charging_decisions").rename({"value": "charging_decisions"})
    both = num.join(den, on=["area_code", "period", "period_end"], how="full", coalesce=True)
    periods = _with_arms(both, register, sel)
    both_known = pl.all_horizontal(pl.col("charges", "charging_decisions").is_not_null())
    counted = periods.filter(_COUNTS, both_known)
    sums = counted.group_by("period", "arm").agg(
        pl.col("charges").sum(), pl.col("charging_decisions").sum(), areas=pl.len().cast(pl.Int64)
    )
    withheld = pl.col("charging_decisions").fill_null(0) < max(min_decisions, 1)
    return (
        _arm_grid(periods)
        .join(sums, on=["period", "arm"], how="left")
        .with_columns(pl.col("areas").fill_null(0), withheld=withheld)
        .with_columns(
            charge_rate_pct=pl.when(~pl.col("withheld")).then(
                pl.col("charges") / pl.col("charging_decisions") * 100
            )
        )
        .select("period", "arm", "charges", "charging_decisions", "areas", "charge_rate_pct", "withheld")
        .sort("period", _ARM_ORDER)
    )


def pilot_starts(register: pl.DataFrame, sel: Selection) -> list[date]:
    """Distinct pilot_start dates in the pilot arm, oldest first (to mark on charts)."""
    arms = assign_arms(register, sel).filter(pl.col("arm") == "pilot")
    return sorted(arms.get_column("pilot_start").drop_nulls().unique().to_list())


def _mean(values: pl.Series) -> float | None:
    m = values.mean()
    return None if m is None else float(m)  # type: ignore[arg-type]  # a Float64 column's mean


@dataclass(frozen=True)
class Headline:
    """Descriptive before/after change per arm; not an effect estimate (the evaluation engine does that).

    Baseline: mean per area over the baseline year's periods (each arm's own periods with data).
    Post: periods starting on or after the latest pilot start in which both arms have data.
    change_pct = post mean / baseline mean - 1, in per cent; difference = pilot minus control.
    """

    metric: str
    baseline_year: int
    latest_pilot_start: date | None
    post_period_from: date | None
    post_period_to: date | None
    post_periods: int
    pilot_baseline_mean_per_area: float | None
    pilot_post_mean_per_area: float | None
    pilot_change_pct: float | None
    control_baseline_mean_per_area: float | None
    control_post_mean_per_area: float | None
    control_change_pct: float | None
    difference_pct_points: float | None


def baseline_change(series: pl.DataFrame, starts: list[date], sel: Selection) -> Headline:
    """The change in mean per area against the baseline year, per arm, from a pilot-vs-control series:
    the raw one, or the published one (withheld cells null, so the periods they fall in are left out)."""
    latest = starts[-1] if starts else None
    wide = series.pivot(on="arm", index="period", values="mean_per_area").with_columns(
        *(pl.lit(None, pl.Float64).alias(a) for a in ARMS if a not in series["arm"])
    )
    post = wide.filter(
        pl.col("period") >= (latest or _NEVER), pl.col("pilot").is_not_null(), pl.col("control").is_not_null()
    ).sort("period")
    base = wide.filter(pl.col("period").dt.year() == sel.baseline_year)
    stats: dict[str, float | None] = {}
    for arm in ARMS:
        b, p = _mean(base[arm]), _mean(post[arm])
        stats[f"{arm}_baseline_mean_per_area"], stats[f"{arm}_post_mean_per_area"] = b, p
        stats[f"{arm}_change_pct"] = (p / b - 1) * 100 if b is not None and p is not None and b > 0 else None
    pilot, control = stats["pilot_change_pct"], stats["control_change_pct"]
    return Headline(
        metric=sel.metric,
        baseline_year=sel.baseline_year,
        latest_pilot_start=latest,
        post_period_from=post["period"].min() if post.height else None,  # type: ignore[arg-type]  # a Date column
        post_period_to=_period_end(post["period"].max(), sel.months) if post.height else None,  # type: ignore[arg-type]
        post_periods=post.height,
        difference_pct_points=pilot - control if pilot is not None and control is not None else None,
        **stats,
    )
