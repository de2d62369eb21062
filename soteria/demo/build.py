"""Deterministic synthetic demonstration data: monthly metrics and case timelines.

Everything here is invented (labelled ``soteria.domain.DEMO_LABEL`` wherever it is shown) but shaped
like the real thing (domain brief, sections 1-3): same seed, same data, byte for byte.

Volumes. Forces are weighted by a plausible share of national adult-rape casework (Met 18 %,
West Midlands 6 %, City of London 0.08 %, ...; ``FORCE_SHARES``), times a small fixed per-area factor.
National police referrals average 461 a quarter in 2019, dip in spring 2020, rise from January 2021
to about 1,000 a quarter by late 2022 (about 1,080 with the pilot effect) and level off in 2023-24;
seasonality peaks in summer and dips in December. Counts are negative-binomial draws (Poisson with
gamma noise), so small forces show many zeros. Legal decisions follow referrals two months later;
charges are a binomial share of decisions (charge rate about 55 % in 2019, 71 % from 2023).

Pilot effect (``PILOT_EFFECT``; chosen for the demo, not an estimate of the real one). For each area
(force, BTP, and London North / London South as CPS Areas) from its own ``pilot_start`` in the pilot
register, ramping in linearly over 6 months (1/6 in the start month, full from the sixth):
  - referrals +25 % (legal decisions follow two months later),
  - early advice share of referrals +15 percentage points,
  - charge rate +2 percentage points,
  - victim withdrawals -10 %,
  - case timelines: hazard of a file reaching the CPS x1.3 from the force's pilot start (a step,
    applied to open cases too, see ``soteria.demo.cases``).
Every area is treated by the national rollout (10 July 2023), so by 2024 all areas carry the effect.

CPS Areas: an Area whose forces are its own is the sum of its forces (BTP goes to West Midlands), so
its effect is the volume-weighted mix of its forces' starts. Areas that share forces (London North,
London South) cannot be built from forces: each is generated as its own unit with an equal share of
the shared forces' volume and the Area's own pilot start (London South pathfinder, London North not).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from soteria.demo.cases import (
    CASE_MODEL,
    PILOT_EFFECT,
    charge_rate,
    demo_cases,
    month_index,
    national_trend,
    pilot_ramp,
    seasonality,
    unit_shares,
)
from soteria.domain import METRICS
from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import ExtractDetails, ExtractRecord, Store
from soteria.store.reference_tables import CELL_KEY

__all__ = ["CASE_MODEL", "PILOT_EFFECT", "build_demo", "demo_cases", "demo_metrics", "ensure_demo"]

DEFAULT_SEED = 20210601
DEFAULT_CASES = 150_000
DEFAULT_AS_OF = date(2024, 7, 31)
FIRST_MONTH = date(2019, 1, 1)
LOADED_BY = "demo builder"

REFERRALS_PER_MONTH_2019 = 461 / 3  # national adult-rape police referrals, 2019 quarterly average / 3
NOISE_SHAPE = 100.0  # gamma shape of the month-to-month noise on expected counts (CV 0.1)
DECISION_LAG = 2  # months from referral to legal decision
EARLY_ADVICE_SHARE = 0.12
NFA_SHARE_OF_NO_CHARGE = 0.9  # the rest of the non-charge decisions are out of court disposals
WITHDRAWALS_PER_REFERRAL = 0.3


def _months(start: date, end: date) -> pl.Series:
    return pl.date_range(start, end, "1mo", eager=True).alias("month")


def _decision_ratio(t: np.ndarray) -> np.ndarray:
    """Legal decisions per referral two months earlier (falls as early advice grows)."""
    return np.interp(t, [0, 24, 54], [0.95, 0.95, 0.75])


def _draw_unit_metrics(
    rng: np.random.Generator, shares: np.ndarray, starts: pl.Series, months: pl.Series
) -> dict[str, np.ndarray]:
    """All six metrics for units (rows) by months (columns), as whole-number arrays."""
    t = month_index(months)
    base = REFERRALS_PER_MONTH_2019 * shares[:, None] * (national_trend(t) * seasonality(t))[None, :]
    ramp = pilot_ramp(starts, months)
    eff = PILOT_EFFECT
    expected = base * (1 + eff["referrals"] * ramp)
    shape = (len(shares), len(months))

    def noisy(lam: np.ndarray) -> np.ndarray:
        return rng.poisson(lam * rng.gamma(NOISE_SHAPE, 1 / NOISE_SHAPE, shape))

    referrals = noisy(expected)
    advice_share = EARLY_ADVICE_SHARE + 0.03 * np.clip(t / 60, 0, 1) + eff["early_advice_share"] * ramp
    early_advice = rng.binomial(referrals, np.clip(advice_share, 0, 1))
    lagged = np.concatenate(
        [expected[:, :1].repeat(DECISION_LAG, axis=1), expected[:, :-DECISION_LAG]], axis=1
    )
    decisions = noisy(lagged * _decision_ratio(t)[None, :])
    rate = np.clip(charge_rate(t)[None, :] + eff["charge_rate"] * ramp, 0, 0.98)
    charges = rng.binomial(decisions, rate)
    nfa = rng.binomial(decisions - charges, NFA_SHARE_OF_NO_CHARGE)
    withdrawals = noisy(base * WITHDRAWALS_PER_REFERRAL * (1 + eff["victim_withdrawals"] * ramp))
    return {
        "referrals": referrals,
        "early_advice_requests": early_advice,
        "charging_decisions": decisions,
        "charges": charges,
        "nfa_decisions": nfa,
        "victim_withdrawals": withdrawals,
    }


def _long(codes: list[str], months: pl.Series, values: dict[str, np.ndarray]) -> pl.DataFrame:
    n_months = len(months)
    wide = pl.DataFrame(
        {
            "area_code": np.repeat(np.array(codes, dtype=object), n_months).tolist(),
            "month": pl.concat([months] * len(codes)) if codes else months.clear(),
            **{name: arr.ravel().astype(np.float64) for name, arr in values.items()},
        }
    )
    return wide.unpivot(index=["area_code", "month"], variable_name="metric", value_name="value")


def demo_metrics(
    areas: pl.DataFrame,
    force_cps_area: pl.DataFrame,
    register: pl.DataFrame,
    seed: int | np.random.Generator = DEFAULT_SEED,
    start: date = FIRST_MONTH,
    end: date = date(2024, 6, 1),
) -> pl.DataFrame:
    """Monthly (area_code, month, metric, value) for every force and CPS Area, start..end months.

    Values are whole numbers stored as floats (the metric_values column is DOUBLE), sorted by
    area_code, month, metric. ``seed`` is an int or a numpy Generator (consumed).
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    months = _months(start, end)
    units = unit_shares(areas, force_cps_area, register)
    values = _draw_unit_metrics(rng, units["share"].to_numpy(), units["pilot_start"], months)
    drawn = _long(units["area_code"].to_list(), months, values)
    summed_areas = (
        force_cps_area.filter(~pl.col("cps_area_code").is_in(units["area_code"].implode()))
        .select(pl.col("force_code").alias("area_code"), "cps_area_code")
        .join(drawn, on="area_code")
        .group_by("cps_area_code", "month", "metric")
        .agg(pl.col("value").sum())
        .rename({"cps_area_code": "area_code"})
    )
    return pl.concat([drawn, summed_areas.select(drawn.columns)]).sort("area_code", "month", "metric")


def _sha256(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


def demo_secret(seed: int = DEFAULT_SEED) -> str:
    """The demo's perturbation secret. The demonstration data are synthetic and public, so it is fixed by
    the seed and the demo's published figures are the same on every machine; a real database gets a
    random one (soteria.store.reference_tables)."""
    return hashlib.sha256(f"soteria demonstration data {seed}".encode()).hexdigest()


def build_demo(
    store: Store,
    seed: int = DEFAULT_SEED,
    cases: int = DEFAULT_CASES,
    as_of: date = DEFAULT_AS_OF,
) -> dict[str, Any]:
    """Load reference data, synthetic metrics and case timelines into a (migrated) store.

    Metrics run from January 2019 to the month before ``as_of``; cases are reported from 1 January 2019
    to ``as_of``. Metrics and cases draw from independent streams of ``seed``, so changing ``cases``
    leaves the metrics unchanged. Returns a summary: rows (metric rows + cases), metric_rows, cases,
    the span, the pilot effect and case model used, and the seconds taken.
    """
    started = time.perf_counter()
    if as_of < date(2019, 3, 1):
        raise ValueError("as_of must be on or after 2019-03-01")
    areas, fca, register = read_areas(), read_force_cps_area(), read_pilot_register()
    store.replace_reference(areas, fca)
    store.replace_pilot_register(register, changed_by=LOADED_BY)
    metrics_rng, cases_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    last_month = date(as_of.year - (as_of.month == 1), (as_of.month - 2) % 12 + 1, 1)
    metrics = demo_metrics(areas, fca, register, metrics_rng, FIRST_MONTH, last_month)
    timelines = demo_cases(areas, register, cases_rng, cases, as_of)
    for kind, frame in (("metrics", metrics), ("cases", timelines)):
        record = ExtractRecord(
            file_name=f"synthetic-demo-{kind}",
            sha256=_sha256(frame),
            kind=kind,
            rows=frame.height,
            loaded_by=LOADED_BY,
            as_of=as_of,
            is_synthetic=True,
        )
        details = ExtractDetails(file_format="generated", layout=kind)
        if kind == "metrics":
            store.load_extract(record, details, values=frame)
        else:
            store.load_extract(record, details, cases=frame)
    effect = json.dumps(PILOT_EFFECT, sort_keys=True)
    secret = demo_secret(seed)
    store.set_meta(
        {
            "dataset": "demo",
            "demo_seed": str(seed),
            "demo_pilot_effect": effect,
            "as_of": as_of.isoformat(),
            CELL_KEY: secret,
        }
    )
    return {
        "seed": seed,
        "rows": metrics.height + timelines.height,
        "metric_rows": metrics.height,
        "cases": timelines.height,
        "metrics": sorted(METRICS),
        "first_month": FIRST_MONTH,
        "last_month": last_month,
        "as_of": as_of,
        "pilot_effect": dict(PILOT_EFFECT),
        "case_model": dict(CASE_MODEL),
        "seconds": round(time.perf_counter() - started, 3),
    }


def ensure_demo(
    store: Store, seed: int = DEFAULT_SEED, cases: int = DEFAULT_CASES, as_of: date = DEFAULT_AS_OF
) -> bool:
    """Build the demonstration data only into an empty store; True when it was built."""
    if not store.is_empty():
        return False
    build_demo(store, seed=seed, cases=cases, as_of=as_of)
    return True
