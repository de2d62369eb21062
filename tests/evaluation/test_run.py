"""From stored frames to the evaluation, on the demo database: design, panels, checks and the effect."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from soteria.analysis.compare import Selection
from soteria.demo.build import build_demo
from soteria.demo.cases import PILOT_EFFECT
from soteria.domain import METRICS
from soteria.evaluation.case_panels import case_frame
from soteria.evaluation.design import design, period_index
from soteria.evaluation.panels import metric_panel
from soteria.evaluation.run import run_evaluation
from soteria.store import Store

OCT_2022 = period_index(date(2022, 10, 1))
JUN_2021 = period_index(date(2021, 6, 1))


@pytest.fixture(scope="module")
def frames(demo_store):
    return {
        "values": {g: demo_store.metric_values(list(METRICS), g) for g in ("cps_area", "force")},
        "cases": demo_store.cases(),
        "register": demo_store.pilot_register(),
        "fca": demo_store.force_cps_area(),
    }


def roles(d: pl.DataFrame) -> dict[str, int]:
    return dict(d.group_by("role").len().iter_rows())


def test_design_at_cps_area_grain_follows_the_register(frames):
    d = design(frames["register"], Selection(), "notyet")
    assert roles(d) == {"pilot": 5, "control": 5, "not_yet": 4}
    assert set(d.filter(role="pilot")["area_code"]) == {"CPS-CYM", "CPS-LS", "CPS-NE", "CPS-SW", "CPS-WM"}
    never = design(frames["register"], Selection(), "never")
    assert roles(never) == {"pilot": 5, "control": 5, "dropped": 4}
    assert set(never.filter(role="dropped")["reason"]) == {
        "treated inside the window (not a never-treated control)"
    }


def test_force_grain_has_five_pathfinders_and_the_october_wave_as_later_starters(frames):
    d = design(frames["register"], Selection(grain="force"), "notyet")
    assert roles(d) == {"pilot": 5, "not_yet": 14, "control": 25}  # 43 forces and BTP


def test_window_end_and_not_yet_treated_controls_shape_the_panel(frames):
    values, reg = frames["values"]["cps_area"], frames["register"]
    p = metric_panel(values, reg, Selection(), "notyet", "referrals")
    units = p.units
    assert units.height == 14 and p.cohorts == (JUN_2021,)
    assert set(units.filter(role="not_yet")["first_treat"]) == {OCT_2022}
    assert p.frame["period"].max() == date(2023, 6, 1)  # the last whole month before 10 July 2023
    assert p.frame.group_by("unit").len()["len"].unique().to_list() == [54]
    # the panel's counts are the stored monthly counts
    stored = values.filter(metric="referrals", area_code="CPS-WM").filter(pl.col("month") <= date(2023, 6, 1))
    assert p.frame.filter(unit="CPS-WM")["referrals_count"].sum() == stored["value"].sum()
    wm = p.frame.filter(unit="CPS-WM", time=JUN_2021 - 1)
    assert wm["referrals"][0] == pytest.approx(100 * wm["referrals_count"][0] / wm["baseline"][0])
    # never-treated controls only: the October 2022 wave leaves the panel
    never = metric_panel(values, reg, Selection(), "never", "referrals")
    assert never.units.height == 10 and "not_yet" not in never.units["role"].to_list()
    # a window ending before the October 2022 wave: those areas are untreated throughout, so controls
    early = metric_panel(values, reg, Selection(end=date(2022, 9, 30)), "never", "referrals")
    assert early.units.height == 14 and early.frame["period"].max() == date(2022, 9, 1)
    assert roles(early.units) == {"pilot": 5, "control": 9}


def test_randomisation_uses_every_assignment_when_there_are_few(frames):
    values, reg = frames["values"]["cps_area"], frames["register"]
    early = run_evaluation(values, None, reg, None, Selection(end=date(2022, 9, 30)), "never", ("referrals",))
    ri = early.outcomes["referrals"].evaluation.randomization
    assert ri.n_assignments == 2002 and ri.diagnostics["exact"]  # 5 pilot areas of 14
    late = run_evaluation(values, None, reg, None, Selection(), "notyet", ("referrals",))
    ri = late.outcomes["referrals"].evaluation.randomization
    # the four October 2022 areas keep their own start: 5 pilots among the 10 others, C(10, 5) = 252
    assert ri.diagnostics["later_waves"] == "held" and ri.diagnostics["exact"]
    assert ri.diagnostics["n_possible_assignments"] == 252 and ri.n_assignments == 252


def test_excluded_controls_take_no_part(frames):
    sel = Selection(excluded_controls=("CPS-SE", "CPS-WX"))
    d = design(frames["register"], sel, "notyet")
    assert set(d.filter(role="excluded")["area_code"]) == {"CPS-SE", "CPS-WX"}
    p = metric_panel(frames["values"]["cps_area"], frames["register"], sel, "notyet", "charge_rate")
    assert not set(p.frame["unit"]) & {"CPS-SE", "CPS-WX"}
    assert p.months == 3 and p.frame["charge_rate"].is_between(0, 100).all()
    tte = case_frame(frames["cases"], frames["register"], frames["fca"], sel, "notyet")
    assert not set(tte["area_code"]) & {"CPS-SE", "CPS-WX", "CPS-LN", "CPS-LS"}  # London: shared forces


def test_pilot_cases_before_the_start_are_followed_only_until_it(frames):
    tte = case_frame(frames["cases"], frames["register"], frames["fca"], Selection(grain="force"), "notyet")
    before = tte.filter(arm="pilot", period="before").join(
        frames["cases"].select("case_ref", "reported_on"), on="case_ref"
    )
    to_start = (pl.lit(date(2021, 6, 1)) - pl.col("reported_on")).dt.total_days()
    assert before.select((pl.col("days") <= to_start).all()).item()
    at_start = before.filter(pl.col("days") == to_start)
    assert at_start.height > 0 and (at_start["event"] == 0).all()


def test_the_default_run_reports_every_outcome_with_checks_and_is_json_safe(frames):
    r = run_evaluation(
        frames["values"]["cps_area"], frames["cases"], frames["register"], frames["fca"], Selection()
    )
    assert list(r.outcomes) == ["referrals", "charge_rate", "report_to_file"]
    for o in r.outcomes.values():
        assert {c.name for c in o.checks} == {"controls", "assignments", "pretrend"}
        assert o.verdict in ("clear", "some", "none", "fails")
        assert o.headline.lower <= o.headline.estimate <= o.headline.upper
    ref = r.outcomes["referrals"]
    assert len(ref.synth) == 5 and set(ref.synth_checks) == {s.treated for s in ref.synth}
    assert ref.evaluation.event_band["event_time"].min() == -29  # every month from January 2019
    assert r.outcomes["report_to_file"].survival is not None
    assert set(r.curves["estimator"]) == {"aalen_johansen", "kaplan_meier"}
    payload = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert payload["outcomes"]["referrals"]["unit"] == "percent"


def test_too_few_controls_is_not_a_finding(frames):
    sel = Selection(excluded_controls=("CPS-EE", "CPS-LN", "CPS-MC", "CPS-SE"))
    r = run_evaluation(
        frames["values"]["cps_area"], None, frames["register"], None, sel, "never", ("referrals",)
    )
    o = r.outcomes["referrals"]
    assert o.verdict == "fails" and not o.assumptions_hold
    assert any(c.name == "controls" and c.ok is False and "Too few controls" in c.message for c in o.checks)


def test_a_pilot_effect_built_into_the_data_is_found_with_the_right_sign(tmp_path, monkeypatch):
    monkeypatch.setitem(PILOT_EFFECT, "referrals", 1.0)  # referrals double
    monkeypatch.setitem(PILOT_EFFECT, "charge_rate", 0.12)  # 12 points more charges per pilot force
    monkeypatch.setitem(PILOT_EFFECT, "time_to_file_hazard_ratio", 3.0)
    store = Store(tmp_path / "effect.duckdb")
    try:
        build_demo(store, cases=20_000)
        r = run_evaluation(
            store.metric_values(list(METRICS), "cps_area"),
            store.cases(),
            store.pilot_register(),
            store.force_cps_area(),
            Selection(grain="cps_area"),
            synth=False,
            curves=False,
        )
    finally:
        store.close()
    ref, rate, rtf = (r.outcomes[k] for k in ("referrals", "charge_rate", "report_to_file"))
    # CPS Areas mix pathfinder forces with later ones, so their effect is diluted (see soteria.demo.build)
    assert 40 < ref.headline.estimate < 100 and ref.headline.lower > 0 and ref.verdict == "clear"
    assert rate.headline.estimate > 0  # charge rates per area and quarter are noisy: the sign only
    assert rtf.headline.estimate > 0 and rtf.secondary["rmst_days"].estimate < 0  # filed sooner


def test_the_quarter_a_pilot_starts_inside_is_left_out_of_the_charge_rate(frames):
    values, reg = frames["values"]["cps_area"], frames["register"]
    quarterly = metric_panel(values, reg, Selection(), "notyet", "charge_rate")
    pilots = quarterly.units.join(quarterly.frame.select("unit", "start_share").unique(), on="unit")
    assert pilots.filter(role="pilot")["start_share"].to_list() == [30 / 91] * 5  # 1 June: 1 month of 3
    monthly = metric_panel(values, reg, Selection(), "notyet", "referrals")
    assert set(monthly.frame.filter(role="pilot")["start_share"]) == {1.0}
    ev = run_evaluation(values, None, reg, None, Selection(), "notyet", ("charge_rate",))
    events = ev.outcomes["charge_rate"].evaluation.event_band["event_time"].to_list()
    assert 0 not in events and 1 in events and -1 in events


def test_synthetic_did_has_a_placebo_interval_when_controls_outnumber_pilots(frames):
    values, reg = frames["values"]["force"], frames["register"]
    ev = run_evaluation(values, None, reg, None, Selection(grain="force"), "notyet", ("referrals",))
    e = ev.outcomes["referrals"].synth_did
    assert e is not None and e.diagnostics["n_controls"] > e.diagnostics["n_pilots"]
    assert e.lower < e.estimate < e.upper and e.p_value is not None
    assert abs(sum(e.diagnostics["unit_weights"].values()) - 1) < 0.05  # weights of 0.5% or more shown
