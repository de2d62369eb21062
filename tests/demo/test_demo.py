"""The synthetic demo: deterministic, complete, plausible magnitudes, valid timelines, a visible pilot."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date

import polars as pl
import pytest

from soteria.demo.build import PILOT_EFFECT, build_demo, demo_cases, demo_metrics, ensure_demo
from soteria.domain import CLOSURE_REASONS, METRICS
from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import Store

AREAS = read_areas()
FCA = read_force_cps_area()
REGISTER = read_pilot_register()
FORCES = AREAS.filter(pl.col("area_kind") == "force")["area_code"].to_list()
CPS_AREAS = AREAS.filter(pl.col("area_kind") == "cps_area")["area_code"].to_list()
ALL_METRICS = list(METRICS)
AS_OF = date(2024, 7, 31)
MONTHS = pl.date_range(date(2019, 1, 1), date(2024, 6, 1), "1mo", eager=True)
CITY, BTP, MET = "E23000034", "BTP", "E23000001"


def _wave(wave: str) -> list[str]:
    return REGISTER.filter(pl.col("wave") == wave)["area_code"].to_list()


def _contents(store: Store) -> dict[str, pl.DataFrame]:
    return {
        "force": store.metric_values(ALL_METRICS, "force").drop("extract_id"),
        "cps_area": store.metric_values(ALL_METRICS, "cps_area").drop("extract_id"),
        "cases": store.cases().sort("case_ref"),
    }


def _national(metrics: pl.DataFrame) -> pl.DataFrame:
    """Force metrics summed to England and Wales by quarter: one column per metric."""
    return (
        metrics.filter(pl.col("area_code").is_in(FORCES))
        .group_by(quarter=pl.col("month").dt.truncate("1q"), metric="metric")
        .agg(pl.col("value").sum())
        .pivot("metric", index="quarter", values="value")
        .sort("quarter")
    )


def _ratio(
    metrics: pl.DataFrame, codes: list[str], before: tuple[date, date], after: tuple[date, date]
) -> float:
    ref = metrics.filter(pl.col("metric") == "referrals", pl.col("area_code").is_in(codes))

    def monthly(span: tuple[date, date]) -> float:
        return ref.filter(pl.col("month").is_between(*span))["value"].sum() / MONTHS.is_between(*span).sum()

    return monthly(after) / monthly(before)


# -- determinism ------------------------------------------------------------------------------


def test_generators_are_deterministic_and_seed_dependent():
    assert demo_metrics(AREAS, FCA, REGISTER, 7).equals(demo_metrics(AREAS, FCA, REGISTER, 7))
    assert not demo_metrics(AREAS, FCA, REGISTER, 7).equals(demo_metrics(AREAS, FCA, REGISTER, 8))
    a = demo_cases(AREAS, REGISTER, 7, 3_000, AS_OF)
    assert a.equals(demo_cases(AREAS, REGISTER, 7, 3_000, AS_OF))
    assert not a.equals(demo_cases(AREAS, REGISTER, 8, 3_000, AS_OF))


def test_same_seed_builds_identical_databases(tmp_path):
    built = {}
    for name, seed, cases in (("a", 11, 3_000), ("b", 11, 3_000), ("c", 12, 3_000), ("d", 11, 1_000)):
        store = Store(tmp_path / f"{name}.duckdb")
        build_demo(store, seed=seed, cases=cases)
        built[name] = (_contents(store), store.extracts().sort("kind")["sha256"].to_list())
        store.close()
    (a, sha_a), (b, sha_b), (c, sha_c), (d, _) = built["a"], built["b"], built["c"], built["d"]
    for table in a:
        assert a[table].height > 0
        assert a[table].equals(b[table]), table
        assert not a[table].equals(c[table]), table
    assert sha_a == sha_b  # the CSV bytes of each extract are identical
    assert sha_a != sha_c
    # Metrics and cases use independent streams: the case count does not change the metrics.
    assert a["force"].equals(d["force"]) and a["cps_area"].equals(d["cps_area"])
    assert not a["cases"].equals(d["cases"])


# -- what the build writes --------------------------------------------------------------------


def test_build_loads_reference_extracts_and_meta(demo_store):
    assert demo_store.areas().height == AREAS.height
    assert demo_store.force_cps_area().height == FCA.height
    assert demo_store.pilot_register().height == REGISTER.height
    extracts = demo_store.extracts().sort("kind")
    assert extracts["kind"].to_list() == ["cases", "metrics"]
    assert extracts["is_synthetic"].all() and (extracts["status"] == "loaded").all()
    assert extracts["as_of"].to_list() == [AS_OF, AS_OF]
    span = demo_store.data_span()
    assert extracts["rows"].to_list() == [span["cases"], span["metric_values"]]
    assert span["cases_as_of"] == AS_OF
    meta = demo_store.meta()
    assert meta["dataset"] == "demo"
    assert meta["demo_seed"] == "20210601"
    assert meta["as_of"] == "2024-07-31"
    assert json.loads(meta["demo_pilot_effect"]) == PILOT_EFFECT


def test_extract_hash_is_the_sha256_of_the_frame_csv():
    metrics = demo_metrics(AREAS, FCA, REGISTER, 3)
    digest = hashlib.sha256(metrics.write_csv().encode()).hexdigest()
    assert len(digest) == 64
    changed = metrics.with_columns(pl.col("value") + (pl.int_range(pl.len()) == 0))
    assert hashlib.sha256(changed.write_csv().encode()).hexdigest() != digest


def test_build_rejects_an_as_of_before_the_data(tmp_path):
    store = Store(tmp_path / "x.duckdb")
    with pytest.raises(ValueError, match="as_of"):
        build_demo(store, as_of=date(2018, 12, 31))
    store.close()


def test_ensure_demo_builds_only_into_an_empty_store(tmp_path):
    store = Store(tmp_path / "fresh.duckdb")
    assert store.is_empty()
    assert ensure_demo(store, cases=500) is True
    assert not store.is_empty()
    before = (store.data_version(), store.data_span())
    assert ensure_demo(store, cases=500) is False
    assert (store.data_version(), store.data_span()) == before
    assert store.data_span()["cases"] == 500
    store.close()


# -- metrics ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, codes", [("force", FORCES), ("cps_area", CPS_AREAS)])
def test_every_area_has_every_metric_every_month(demo_store, kind, codes):
    values = demo_store.metric_values(ALL_METRICS, kind)
    assert len(codes) == (44 if kind == "force" else 14)
    assert values.height == len(codes) * len(ALL_METRICS) * MONTHS.len()
    assert values.select("area_code", "month", "metric").is_unique().all()
    assert sorted(values["area_code"].unique()) == sorted(codes)
    assert sorted(values["metric"].unique()) == sorted(ALL_METRICS)
    assert values["month"].unique().sort().equals(MONTHS, check_names=False)
    assert values["value"].null_count() == 0
    assert (values["value"] >= 0).all()
    assert (values["value"] == values["value"].round(0)).all()  # whole numbers


def test_counts_are_internally_consistent(demo_store):
    wide = demo_store.metric_values(ALL_METRICS, "force").pivot(
        "metric", index=["area_code", "month"], values="value"
    )
    assert (wide["early_advice_requests"] <= wide["referrals"]).all()
    assert (wide["charges"] <= wide["charging_decisions"]).all()
    assert (wide["nfa_decisions"] <= wide["charging_decisions"] - wide["charges"]).all()


@pytest.mark.parametrize("seed", [20210601, 1, 2, 3])
def test_national_magnitudes(seed):
    national = _national(demo_metrics(AREAS, FCA, REGISTER, seed))
    year = pl.col("quarter").dt.year()
    q2019 = national.filter(year == 2019)
    assert q2019.height == 4
    assert q2019["referrals"].mean() == pytest.approx(461, rel=0.20)
    assert q2019["charges"].mean() == pytest.approx(244, rel=0.25)
    rate_2019 = q2019["charges"].sum() / q2019["charging_decisions"].sum()
    assert 0.45 <= rate_2019 <= 0.65
    q4_2022 = national.filter(pl.col("quarter") == date(2022, 10, 1))
    assert q4_2022["referrals"].item() == pytest.approx(1_079, rel=0.25)
    q2023 = national.filter(year == 2023)
    assert 500 <= q2023["charges"].mean() <= 780
    rate_2023 = q2023["charges"].sum() / q2023["charging_decisions"].sum()
    assert 0.6 <= rate_2023 <= 0.8


def test_seasonality_summer_peak_and_december_dip():
    # Averaged over seeds and the flat pre-2021 years, so the pattern, not the noise, is tested.
    frames = [demo_metrics(AREAS, FCA, REGISTER, s) for s in range(6)]
    ref = (
        pl.concat(frames)
        .filter(pl.col("metric") == "referrals", pl.col("area_code").is_in(FORCES))
        .filter(pl.col("month").dt.year() == 2019)
        .group_by(m=pl.col("month").dt.month())
        .agg(pl.col("value").sum())
    )
    by_month = dict(ref.iter_rows())
    assert by_month[7] > 1.1 * by_month[12]
    assert by_month[7] > by_month[2]


def test_force_sizes_small_counts_and_zeros(demo_store):
    ref = demo_store.metric_values(["referrals"], "force")
    per_force = ref.group_by("area_code").agg(
        total=pl.col("value").sum(), zeros=(pl.col("value") == 0).mean(), median=pl.col("value").median()
    )
    totals = dict(per_force.select("area_code", "total").iter_rows())
    national = sum(totals.values())
    assert 0.14 <= totals[MET] / national <= 0.22
    assert totals[CITY] < 0.005 * national
    zeros = dict(per_force.select("area_code", "zeros").iter_rows())
    assert zeros[CITY] > 0.5 and zeros[BTP] > 0.2
    assert sum(z > 0 for z in zeros.values()) >= 10  # zeros are common, not just in the tiniest forces
    assert (per_force["median"] < 10).mean() > 0.75  # most forces' months are under 10


def test_cps_areas_sum_their_forces_except_london(demo_store):
    forces = demo_store.metric_values(ALL_METRICS, "force")
    areas = demo_store.metric_values(ALL_METRICS, "cps_area")
    summed = (
        FCA.filter(~pl.col("cps_area_code").is_in(["CPS-LN", "CPS-LS"]))
        .join(forces, left_on="force_code", right_on="area_code")
        .group_by(area_code="cps_area_code", month="month", metric="metric")
        .agg(expected=pl.col("value").sum())
    )
    joined = areas.join(summed, on=["area_code", "month", "metric"])
    assert joined["area_code"].n_unique() == 12
    assert (joined["value"] == joined["expected"]).all()
    # BTP rolls up to West Midlands.
    assert "BTP" in FCA.filter(pl.col("cps_area_code") == "CPS-WM")["force_code"].to_list()
    # London North + South: plausible against the Met and the City, not an exact split.
    london = areas.filter(pl.col("area_code").is_in(["CPS-LN", "CPS-LS"]), pl.col("metric") == "referrals")
    met_city = forces.filter(pl.col("area_code").is_in([MET, CITY]), pl.col("metric") == "referrals")
    assert london["value"].sum() == pytest.approx(met_city["value"].sum(), rel=0.25)


PATHFINDER_FORCES = [c for c in _wave("2021 pathfinder") if c in FORCES]
NATIONAL_ROLLOUT_FORCES = [c for c in _wave("National rollout") if c in FORCES]
PRE = (date(2019, 1, 1), date(2020, 12, 1))
# After the pathfinders' ramp (June to November 2021), before the October 2022 wave.
POST = (date(2021, 12, 1), date(2022, 9, 1))
LONDON_POST = (date(2021, 12, 1), date(2023, 5, 1))  # London North joins in July 2023


def _pilot_vs_control(metrics: pl.DataFrame) -> tuple[float, float]:
    pilot = _ratio(metrics, PATHFINDER_FORCES, PRE, POST)
    control = _ratio(metrics, NATIONAL_ROLLOUT_FORCES, PRE, POST)
    return pilot, control


def test_pilot_effect_visible_for_pathfinders_against_controls(demo_store):
    pilot, control = _pilot_vs_control(demo_store.metric_values(["referrals"], "force"))
    assert control > 1.3  # the national rise reaches the controls too
    assert pilot > control * 1.05  # the pathfinders rise more over the same months


def test_pilot_effect_size_matches_the_documented_effect():
    # One draw is noisy (small counts); over many seeds the ratio of ratios is the built-in effect.
    ratios = [p / c for p, c in (_pilot_vs_control(demo_metrics(AREAS, FCA, REGISTER, s)) for s in range(20))]
    assert sum(ratios) / len(ratios) == pytest.approx(1 + PILOT_EFFECT["referrals"], abs=0.06)
    # London South (pathfinder Area) against London North (not until July 2023), drawn as Areas.
    london = [
        _ratio(m, ["CPS-LS"], PRE, LONDON_POST) / _ratio(m, ["CPS-LN"], PRE, LONDON_POST)
        for m in (demo_metrics(AREAS, FCA, REGISTER, s) for s in range(20))
    ]
    assert sum(london) / len(london) == pytest.approx(1 + PILOT_EFFECT["referrals"], abs=0.08)
    # And with no pilot anywhere there is nothing to find.
    never = REGISTER.with_columns(pl.lit(date(2099, 1, 1)).alias("pilot_start"))
    flat = [p / c for p, c in (_pilot_vs_control(demo_metrics(AREAS, FCA, never, s)) for s in range(20))]
    assert sum(flat) / len(flat) == pytest.approx(1.0, abs=0.06)


def test_london_areas_follow_their_own_pilot_start(demo_store):
    ref = demo_store.metric_values(["referrals"], "cps_area")
    south, north = _ratio(ref, ["CPS-LS"], PRE, LONDON_POST), _ratio(ref, ["CPS-LN"], PRE, LONDON_POST)
    assert south > north * 1.05


def test_pilot_effect_follows_the_register_not_a_fixed_list():
    # Move West Yorkshire (October 2022 wave) to an early start: its 2020 H2 referrals rise.
    early = REGISTER.with_columns(
        pl.when(pl.col("area_code") == "E23000010")
        .then(pl.lit(date(2020, 1, 1)))
        .otherwise("pilot_start")
        .alias("pilot_start")
    )
    span = (date(2020, 7, 1), date(2020, 12, 1))

    def total(register: pl.DataFrame) -> float:
        frames = pl.concat([demo_metrics(AREAS, FCA, register, s) for s in range(10)])
        wy = frames.filter(pl.col("area_code") == "E23000010", pl.col("metric") == "referrals")
        return wy.filter(pl.col("month").is_between(*span))["value"].sum()

    assert total(early) / total(REGISTER) > 1.1


# -- case timelines ---------------------------------------------------------------------------


def test_case_invariants(demo_store):
    cases = demo_store.cases()
    n = cases.height
    assert n == demo_store.data_span()["cases"] > 10_000
    assert cases["case_ref"].is_unique().all()
    assert cases["case_ref"].str.contains(r"^DEMO-[0-9a-f]{8}$").all()
    assert set(cases["force_code"].unique()) == set(FORCES)
    assert (cases["as_of"] == AS_OF).all()
    assert cases["reported_on"].min() >= date(2019, 1, 1)
    for col in ("reported_on", "file_submitted_on", "closed_on"):
        assert cases.filter(pl.col(col) > AS_OF).height == 0, col
    assert cases.filter(pl.col("file_submitted_on") < pl.col("reported_on")).height == 0
    assert cases.filter(pl.col("closed_on") < pl.col("reported_on")).height == 0
    assert cases.filter(pl.col("closed_on") < pl.col("file_submitted_on")).height == 0
    assert (cases["closed_on"].is_null() == cases["closure_reason"].is_null()).all()
    assert set(cases["closure_reason"].drop_nulls().unique()) == set(CLOSURE_REASONS)
    # CPS outcomes need a file; closures without a file are police-side only.
    no_file = cases.filter(pl.col("file_submitted_on").is_null(), pl.col("closed_on").is_not_null())
    assert set(no_file["closure_reason"].unique()) == {"police_nfa", "victim_withdrawal", "other"}
    filed = cases.filter(pl.col("file_submitted_on").is_not_null())
    assert not set(filed["closure_reason"].drop_nulls()) & {"police_nfa", "victim_withdrawal"}
    open_ = cases.filter(pl.col("closed_on").is_null())
    assert 0.05 < open_.height / n < 0.4
    assert open_.filter(pl.col("file_submitted_on").is_null()).height > 0  # open and not filed
    assert open_.filter(pl.col("file_submitted_on").is_not_null()).height > 0  # filed, awaiting CPS
    assert no_file.height / n > 0.4  # a large share never reaches a file
    assert 0.2 < filed.height / n < 0.6


def test_cases_spread_by_force_size_and_rise_with_the_trend(demo_store):
    cases = demo_store.cases()
    by_force = dict(cases.group_by("force_code").len().iter_rows())
    assert 0.14 <= by_force[MET] / cases.height <= 0.22
    assert by_force[CITY] < by_force["E23000014"] / 20  # City tiny next to West Midlands
    by_year = dict(cases.group_by(pl.col("reported_on").dt.year()).len().iter_rows())
    assert by_year[2023] > 1.8 * by_year[2019]


def test_report_to_file_times_are_long_and_skewed(demo_store):
    early = demo_store.cases(date(2019, 1, 1), date(2020, 12, 31)).with_columns(
        to_file=(pl.col("file_submitted_on") - pl.col("reported_on")).dt.total_days(),
        to_close=(pl.col("closed_on") - pl.col("reported_on")).dt.total_days(),
    )
    to_file = early["to_file"].drop_nulls()
    assert 90 <= to_file.median() <= 300  # several months
    assert to_file.mean() > to_file.median()  # right-skewed
    assert (to_file > 365).mean() > 0.1  # some over a year
    to_charge = early.filter(pl.col("closure_reason") == "charged")["to_close"]
    assert 250 <= to_charge.mean() <= 450  # published police mean: 346 days


@pytest.mark.slow
def test_full_size_build_is_fast_and_shows_the_time_to_file_effect(tmp_path):
    store = Store(tmp_path / "full.duckdb")
    started = time.perf_counter()
    summary = build_demo(store)
    elapsed = time.perf_counter() - started
    assert elapsed < 15, f"full demo build took {elapsed:.1f} s"
    assert summary["cases"] == 150_000 and 0 < summary["seconds"] <= elapsed + 0.01
    assert summary["metric_rows"] == (44 + 14) * 6 * 66
    assert summary["pilot_effect"] == PILOT_EFFECT
    cases = store.cases().with_columns(
        fast=((pl.col("file_submitted_on") - pl.col("reported_on")).dt.total_days() <= 180).fill_null(False),
        pathfinder=pl.col("force_code").is_in(_wave("2021 pathfinder")),
        period=pl.when(pl.col("reported_on") < date(2021, 1, 1))
        .then(pl.lit("before"))
        .when(pl.col("reported_on").is_between(date(2021, 6, 1), date(2022, 3, 31)))
        .then(pl.lit("after")),
    )
    store.close()
    assert cases.height == 150_000
    # Share filed within 180 days: pathfinders improve after their start, controls (not yet treated
    # while these cases are followed) do not; the difference in differences is clearly positive.
    share = dict(
        ((pf, period), value)
        for pf, period, value in cases.filter(pl.col("period").is_not_null())
        .group_by("pathfinder", "period")
        .agg(pl.col("fast").mean())
        .iter_rows()
    )
    pilot_change = share[(True, "after")] - share[(True, "before")]
    control_change = share[(False, "after")] - share[(False, "before")]
    assert pilot_change - control_change > 0.02
    assert abs(control_change) < 0.02
