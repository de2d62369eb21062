"""The demo's shared model (area sizes, national trend, seasonality, pilot effect) and case timelines.

Case timelines (``demo_cases``): reports are spread over forces by size and over days by the national
trend and seasonality. Each case then runs two competing clocks from its report date:
  - file to the CPS: Weibull (shape 1.2, scale 480 days) whose hazard is multiplied by the pilot's
    hazard ratio (1.3) from the force's own pilot start (a step in calendar time, so a case reported
    before the start speeds up from the start day);
  - closure without a file: Weibull (shape 0.75, scale 300 days); reasons police_nfa 60 %,
    victim_withdrawal 30 %, other 10 %.
Whichever comes first happens. About 35-40 % of cases reach a file (median report-to-file around 6
months, a quarter over a year; mean report-to-charge about 340 days before the pilot). A filed case
gets a CPS decision 2 to 3 months later (gamma, mean 90 days): charged at the month's national charge
rate (plus the pilot's 2 points), other 5 %, otherwise cps_no_charge. Anything after ``as_of`` is not
yet known: the case is open (no closure) and, if the file came later too, not filed.

Each case then gets a victim's sex, age band and ethnic group, drawn last (so every other field is as
it was without them) from plausible, made-up shares (``VICTIMS``). One difference is built in: victims
under 18 are drawn less often (x0.55) among pilot-area cases reported after the start and filed within
a year, so that the pilot's gain in files within a year passes them by, which the Victims' groups
page should find.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

# The pilot effect the demo builds in (documented in soteria.demo.build; stored in meta demo_pilot_effect).
PILOT_EFFECT: dict[str, float] = {
    "ramp_months": 6,  # linear ramp from the area's own pilot_start
    "referrals": 0.25,  # relative change
    "early_advice_share": 0.15,  # added to the share of referrals that are early advice requests
    "charge_rate": 0.02,  # added to the charge rate
    "victim_withdrawals": -0.10,  # relative change
    "time_to_file_hazard_ratio": 1.3,  # case timelines: step at the force's pilot start
}
# Baseline case-timeline model (no pilot), in days.
CASE_MODEL: dict[str, float] = {
    "file_weibull_shape": 1.2,
    "file_weibull_scale_days": 480.0,
    "closure_weibull_shape": 0.75,
    "closure_weibull_scale_days": 300.0,
    "decision_gamma_shape": 2.0,
    "decision_gamma_scale_days": 45.0,
}
PRE_FILE_REASONS = ("police_nfa", "victim_withdrawal", "other")
PRE_FILE_SHARES = (0.6, 0.3, 0.1)
POST_FILE_OTHER = 0.05
REASON_CODES = ("police_nfa", "victim_withdrawal", "other", "charged", "cps_no_charge")

# Made-up shares of each victim field (normalised), and the built-in difference (see the docstring).
VICTIMS: dict[str, dict[str, float]] = {
    "victim_sex": {"female": 0.89, "male": 0.09, "not_known": 0.015, "not_stated": 0.005},
    "victim_age_band": {
        "under_18": 0.12, "18_24": 0.28, "25_34": 0.25, "35_44": 0.15, "45_54": 0.09, "55_plus": 0.06,
        "not_known": 0.04, "not_stated": 0.01,
    },
    "victim_ethnicity": {
        "white": 0.72, "asian": 0.07, "black": 0.05, "mixed": 0.03, "other": 0.02, "not_stated": 0.06,
        "not_known": 0.05,
    },
}  # fmt: skip
UNDER_18_PILOT_FILED_WEIGHT = 0.55

# Share of national adult-rape casework by force (per cent; normalised over the areas present).
FORCE_SHARES: dict[str, float] = {
    "E23000001": 18.0, "E23000002": 0.9, "E23000003": 2.6, "E23000004": 2.4, "E23000005": 5.5,
    "E23000006": 1.6, "E23000007": 2.6, "E23000008": 1.1, "E23000009": 1.3, "E23000010": 4.6,
    "E23000011": 2.4, "E23000012": 1.7, "E23000013": 1.1, "E23000014": 6.0, "E23000015": 1.9,
    "E23000016": 2.1, "E23000017": 0.9, "E23000018": 1.8, "E23000019": 1.9, "E23000020": 1.2,
    "E23000021": 1.8, "E23000022": 1.2, "E23000023": 1.5, "E23000024": 1.5, "E23000025": 1.2,
    "E23000026": 1.1, "E23000027": 1.9, "E23000028": 3.0, "E23000029": 4.0, "E23000030": 3.3,
    "E23000031": 1.9, "E23000032": 3.2, "E23000033": 2.8, "E23000034": 0.08, "E23000035": 2.9,
    "E23000036": 2.9, "E23000037": 1.0, "E23000038": 1.1, "E23000039": 1.3, "W15000001": 1.2,
    "W15000002": 1.0, "W15000003": 2.2, "W15000004": 0.9, "BTP": 0.3,
}  # fmt: skip
DEFAULT_SHARE = 1.0  # a force not listed above (the reference table is editable)

# Month of year, January first; mean 1.
_SEASON = np.array([0.95, 0.92, 1.0, 0.98, 1.03, 1.08, 1.10, 1.06, 1.02, 1.0, 0.98, 0.88])
SEASON = _SEASON / _SEASON.mean()
_EPOCH_MONTH = (2019 - 1970) * 12  # month index 0 = January 2019


def month_index(months: pl.Series | np.ndarray) -> np.ndarray:
    """Months since January 2019 (0 = January 2019) for dates or numpy day numbers."""
    if isinstance(months, pl.Series):
        return ((months.dt.year() - 2019) * 12 + months.dt.month() - 1).to_numpy().astype(np.int64)
    return months.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) - _EPOCH_MONTH


def national_trend(t: np.ndarray) -> np.ndarray:
    """Relative national volume by month index: flat 2019-20, spring 2020 dip, rise from 2021."""
    trend = np.interp(t, [0, 24, 46, 54, 90], [1.0, 1.0, 2.17, 2.3, 2.35])
    covid = np.interp(t, [14, 15, 16, 17], [1.0, 0.8, 0.9, 1.0])
    return trend * covid


def seasonality(t: np.ndarray) -> np.ndarray:
    """Relative volume by month of year (summer peak, December dip; mean 1)."""
    return SEASON[np.asarray(t) % 12]


def charge_rate(t: np.ndarray) -> np.ndarray:
    """National charge rate (charges / legal decisions) by month index, before any pilot effect."""
    return np.interp(t, [0, 24, 38, 47, 48], [0.55, 0.55, 0.69, 0.70, 0.71])


def pilot_ramp(starts: pl.Series, months: pl.Series) -> np.ndarray:
    """Share of the pilot effect in force, units (rows; start dates, null = never) by months (columns)."""
    t = month_index(months)[None, :]
    start = month_index(starts.cast(pl.Date).fill_null(date(2999, 1, 1)))[:, None]
    return np.clip((t - start + 1) / PILOT_EFFECT["ramp_months"], 0, 1)


def force_shares(areas: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """Every force with its share of national volume (summing to 1) and pilot_start (null if never)."""
    forces = areas.filter(pl.col("area_kind") == "force").select("area_code").sort("area_code")
    return (
        forces.with_columns(
            share=pl.col("area_code").replace_strict(
                FORCE_SHARES, default=DEFAULT_SHARE, return_dtype=pl.Float64
            )
        )
        .with_columns(pl.col("share") / pl.col("share").sum())
        .join(register.select("area_code", "pilot_start"), on="area_code", how="left", maintain_order="left")
    )


def unit_shares(areas: pl.DataFrame, force_cps_area: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """The units the demo draws: every force, plus CPS Areas that share forces (London North/South).

    A shared Area gets an equal part of each shared force's share, and its own pilot_start.
    """
    forces = force_shares(areas, register)
    mapping = force_cps_area.join(forces, left_on="force_code", right_on="area_code").with_columns(
        n_areas=pl.len().over("force_code")
    )
    shared = (
        mapping.filter(pl.col("n_areas").max().over("cps_area_code") > 1)
        .group_by("cps_area_code")
        .agg((pl.col("share") / pl.col("n_areas")).sum())
        .rename({"cps_area_code": "area_code"})
    )
    shared = shared.join(register.select("area_code", "pilot_start"), on="area_code", how="left")
    return pl.concat([forces, shared.select(forces.columns)]).sort("area_code")


def _case_refs(n: int, seed: int) -> pl.Series:
    """'DEMO-' + 8 hex digits: a bijective 32-bit mix of the index, so references are unique."""
    mask = np.uint64(0xFFFFFFFF)
    x = (np.arange(n, dtype=np.uint64) + np.uint64(seed)) & mask
    for mult, shift in ((0x9E3779B1, 15), (0x85EBCA77, 13), (0xC2B2AE3D, 16)):
        x = (x * np.uint64(mult)) & mask
        x ^= x >> np.uint64(shift)
    nibbles = (x[:, None] >> np.arange(28, -1, -4, dtype=np.uint64)) & np.uint64(0xF)
    ascii_hex = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.intp)]
    hexed = pl.Series(np.ascontiguousarray(ascii_hex).view("S8").ravel().astype("U8"))
    return ("DEMO-" + hexed).alias("case_ref")


def _victim_draws(
    rng: np.random.Generator, field: str, shares: dict[str, float], gain: np.ndarray
) -> pl.Series:
    """One victim field for every case; under-18s drawn less often where the pilot's gain shows."""
    codes = list(shares)
    p = np.array(list(shares.values()))
    p = p / p.sum()
    u = rng.random(gain.size)
    if field != "victim_age_band":
        return pl.Series(field, codes).gather(
            np.searchsorted(np.cumsum(p), u, side="right").clip(0, len(p) - 1)
        )
    less = p.copy()
    less[codes.index("under_18")] *= UNDER_18_PILOT_FILED_WEIGHT
    less = less / less.sum()
    pick = np.where(
        gain,
        np.searchsorted(np.cumsum(less), u, side="right"),
        np.searchsorted(np.cumsum(p), u, side="right"),
    ).clip(0, len(p) - 1)
    return pl.Series(field, codes).gather(pick)


def demo_cases(
    areas: pl.DataFrame,
    register: pl.DataFrame,
    seed: int | np.random.Generator,
    cases: int = 150_000,
    as_of: date = date(2024, 7, 31),
    first_day: date = date(2019, 1, 1),
) -> pl.DataFrame:
    """Case timelines reported first_day..as_of, as known on as_of (no date after it)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    units = force_shares(areas, register)
    m = CASE_MODEL
    # Report dates: month by trend x season x days available, then a uniform day in the month.
    months = pl.date_range(first_day.replace(day=1), as_of.replace(day=1), "1mo", eager=True)
    month_start = months.to_numpy().astype("datetime64[D]").astype(np.int64)
    month_end = np.append(month_start[1:], month_start[-1] + 31).clip(
        max=np.datetime64(as_of, "D").astype(np.int64) + 1
    )
    month_first = np.maximum(month_start, np.datetime64(first_day, "D").astype(np.int64))
    days = month_end - month_first
    t = month_index(months)
    weight = national_trend(t) * seasonality(t) * days
    month_of_case = rng.choice(len(months), size=cases, p=weight / weight.sum())
    reported = month_first[month_of_case] + np.floor(rng.random(cases) * days[month_of_case]).astype(np.int64)
    force = rng.choice(units.height, size=cases, p=units["share"].to_numpy())
    starts = units["pilot_start"].cast(pl.Int64).fill_null(10**7).to_numpy()[force]
    # Time to file with a hazard step at the pilot start (inverse of the cumulative hazard).
    k, scale, hr = (
        m["file_weibull_shape"],
        m["file_weibull_scale_days"],
        PILOT_EFFECT["time_to_file_hazard_ratio"],
    )
    switch = np.clip(starts - reported, 0, None).astype(np.float64)
    h_switch = (switch / scale) ** k
    e = rng.exponential(1.0, cases)
    after = np.maximum(e - h_switch, 0) / hr + h_switch
    to_file = scale * np.where(e < h_switch, e, after) ** (1 / k)
    to_close = m["closure_weibull_scale_days"] * rng.weibull(m["closure_weibull_shape"], cases)
    filed = to_file <= to_close
    file_day = reported + np.floor(to_file).astype(np.int64)
    decision = rng.gamma(m["decision_gamma_shape"], m["decision_gamma_scale_days"], cases)
    close_day = np.where(
        filed, file_day + np.floor(decision).astype(np.int64), reported + np.floor(to_close).astype(np.int64)
    )
    # Closure reasons: before a file, police_nfa / victim_withdrawal / other; after it, the CPS decision.
    pre = rng.choice(3, size=cases, p=PRE_FILE_SHARES)
    rate = charge_rate(month_index(close_day)) + PILOT_EFFECT["charge_rate"] * (close_day >= starts)
    u = rng.random(cases)
    post = np.where(u < rate, 3, np.where(u > 1 - POST_FILE_OTHER, 2, 4))
    reason = np.where(filed, post, pre)
    as_of_day = np.datetime64(as_of, "D").astype(np.int64)
    frame = pl.DataFrame(
        {
            "case_ref": _case_refs(cases, int(rng.integers(0, 2**32))),
            "force_code": units["area_code"].gather(force),
            "reported_on": pl.Series(reported.astype(np.int32)).cast(pl.Date),
            "file_submitted_on": pl.Series(file_day.astype(np.int32)).cast(pl.Date),
            "closed_on": pl.Series(close_day.astype(np.int32)).cast(pl.Date),
            "closure_reason": pl.Series(REASON_CODES).gather(reason),
            "_filed": filed & (file_day <= as_of_day),
            "_closed": close_day <= as_of_day,
        }
    )
    # The victim fields come last, from the same stream: nothing drawn above changes.
    gain = (reported >= starts) & filed & (to_file <= 365) & (file_day <= as_of_day)
    frame = frame.with_columns(_victim_draws(rng, field, shares, gain) for field, shares in VICTIMS.items())
    return (
        frame.with_columns(
            pl.when("_filed").then("file_submitted_on").alias("file_submitted_on"),
            pl.when("_closed").then("closed_on").alias("closed_on"),
            pl.when("_closed").then("closure_reason").alias("closure_reason"),
        )
        .drop("_filed", "_closed")
        .sort("reported_on", "case_ref")
    )
