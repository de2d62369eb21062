"""Most similar comparator areas on hand-built profiles whose nearest neighbours are known."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from soteria.analysis.similar import RESULT_COLUMNS, most_similar, profiles

BEFORE = date(2021, 1, 1)
MONTHS = pl.date_range(date(2019, 1, 1), date(2021, 12, 1), "1mo", eager=True).to_list()  # 24 before
PRE = [m for m in MONTHS if m < BEFORE]
MID = (len(PRE) - 1) / 2  # centre of the pre-period, in months

# area: (volume a month, relative trend a year, charge rate)
PROFILES = {
    "A": (10.0, 0.0, 0.55),  # the chosen area
    "B": (11.0, 0.0, 0.57),  # nearest on every feature
    "F": (12.0, 0.0, 0.52),  # next
    "C": (10.0, 0.30, 0.55),  # same volume and rate, rising fast
    "E": (10.0, 0.0, 0.80),  # same volume and trend, much higher charge rate
    "D": (100.0, 0.0, 0.55),  # ten times the volume
}
NAMES = {code: f"Force {code}" for code in PROFILES}


def metric_rows(code: str, volume: float, trend: float, rate: float) -> list[dict]:
    rows = []
    for i, month in enumerate(MONTHS):
        referrals = volume * (1 + trend * (i - MID) / 12)
        if month >= BEFORE:  # after the pilot start: wildly different, and must be ignored
            referrals, rate_now = referrals * 50, 0.05
        else:
            rate_now = rate
        rows += [
            {"area_code": code, "month": month, "metric": "referrals", "value": referrals},
            {"area_code": code, "month": month, "metric": "charging_decisions", "value": 20.0},
            {"area_code": code, "month": month, "metric": "charges", "value": 20.0 * rate_now},
            {"area_code": code, "month": month, "metric": "nfa_decisions", "value": 3.0},
        ]
    return rows


def build_values(extra: dict[str, tuple[float, float, float]] | None = None) -> pl.DataFrame:
    rows = []
    for code, p in {**PROFILES, **(extra or {})}.items():
        rows += metric_rows(code, *p)
    # a CPS Area with exactly A's profile: another grain, never a candidate
    rows += metric_rows("CPS-X", *PROFILES["A"])
    return pl.DataFrame(
        rows, schema={"area_code": pl.String, "month": pl.Date, "metric": pl.String, "value": pl.Float64}
    )


def build_register(extra: list[str] = ()) -> pl.DataFrame:
    codes = [*PROFILES, *extra]
    return pl.DataFrame(
        {
            "area_code": [*codes, "CPS-X"],
            "area_name": [NAMES.get(c, f"Force {c}") for c in codes] + ["CPS Area X"],
            "area_kind": ["force"] * len(codes) + ["cps_area"],
            "wave": ["2021 pathfinder"] + ["National rollout"] * len(codes),
            "pilot_start": [BEFORE] + [date(2023, 7, 10)] * len(codes),
        }
    )


def test_profiles_use_only_pre_period_months_and_skip_missing_ones():
    values = build_values().with_columns(
        value=pl.when(
            (pl.col("area_code") == "B")
            & (pl.col("month") == date(2019, 5, 1))
            & (pl.col("metric") == "referrals")
        )
        .then(None)
        .otherwise("value")
    )
    p = {r["area_code"]: r for r in profiles(values, BEFORE).iter_rows(named=True)}
    assert p["B"]["volume"] == pytest.approx(11.0)  # a missing month is left out, not a zero
    assert p["B"]["months"] == len(PRE) - 1
    assert p["C"]["trend"] == pytest.approx(0.30)
    assert p["A"]["trend"] == pytest.approx(0.0, abs=1e-12)
    assert p["E"]["charge_rate"] == pytest.approx(0.80)
    assert p["D"]["volume"] == pytest.approx(100.0)


def test_most_similar_returns_the_known_nearest_neighbours():
    out = most_similar(build_values(), build_register(), "A", "force", BEFORE, k=3)
    assert out.columns == RESULT_COLUMNS
    assert out["area_code"].to_list()[:2] == ["B", "F"]
    assert out["rank"].to_list() == [1, 2, 3]
    assert out["distance"].is_sorted() and (out["distance"] > 0).all()
    assert "A" not in out["area_code"] and "CPS-X" not in out["area_code"]
    nearest = out.row(0, named=True)
    assert nearest["area_name"] == "Force B"
    assert nearest["volume_area"] == pytest.approx(10) and nearest["volume_neighbour"] == pytest.approx(11)
    assert nearest["charge_rate_neighbour"] == pytest.approx(0.57)
    assert nearest["why"] == (
        "similar volume (11 a month, against 10 in Force A), "
        "similar trend (0% a year, against 0% in Force A), similar charge rate (57%, against 55% in Force A)"
    )


def test_every_other_area_of_the_grain_is_ranked_and_the_why_names_the_difference():
    out = most_similar(build_values(), build_register(), "A", "force", BEFORE, k=10)
    assert sorted(out["area_code"]) == ["B", "C", "D", "E", "F"]
    why = dict(zip(out["area_code"], out["why"], strict=True))
    assert "trend more upward (+30% a year, against 0% in Force A)" in why["C"]
    assert "higher charge rate (80%, against 55% in Force A)" in why["E"]
    assert "higher volume (100 a month, against 10 in Force A)" in why["D"]
    assert why["C"].startswith("similar volume (10 a month, against 10 in Force A)")


def test_nearest_of_another_area_and_of_the_other_grain():
    register = build_register()
    assert "D" not in most_similar(build_values(), register, "D", "force", BEFORE, k=5)["area_code"]
    with pytest.raises(ValueError, match="not an area of grain"):
        most_similar(build_values(), register, "CPS-X", "force", BEFORE)
    with pytest.raises(ValueError, match="grain"):
        most_similar(build_values(), register, "A", "region", BEFORE)
    with pytest.raises(ValueError, match="k must"):
        most_similar(build_values(), register, "A", "force", BEFORE, k=0)


def test_an_area_with_too_few_decisions_is_still_matched_without_a_charge_rate():
    values = build_values({"S": (0.5, 0.0, 0.5)}).with_columns(
        value=pl.when(pl.col("area_code") == "S", pl.col("metric").is_in(["charges", "charging_decisions"]))
        .then(pl.col("value") / 100)
        .otherwise("value")  # 0.2 decisions a month: under 10 in all
    )
    out = most_similar(values, build_register(["S"]), "S", "force", BEFORE, k=2)
    assert out.height == 2 and out["charge_rate_area"].null_count() == 2
    assert all("charge rate not compared (fewer than 10 legal decisions)" in w for w in out["why"])
    assert out["why"][0].startswith("higher volume (") and "a month, against 0.5 in Force S)" in out["why"][0]


def test_an_area_without_pre_period_data_is_refused():
    values = build_values().filter(~((pl.col("area_code") == "A") & (pl.col("month") < BEFORE)))
    with pytest.raises(ValueError, match="no referrals before"):
        most_similar(values, build_register(), "A", "force", BEFORE)
