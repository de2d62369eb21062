"""Disclosure control: the published views of every table shape the dashboard shows (the tables arrive
summed from perturbed base cells: tests/disclosure/test_perturb.py and test_differencing.py)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from soteria import disclosure as dc
from soteria.analysis.compare import Selection, per_area_series, pilot_vs_control
from soteria.disclosure import CONFIDENTIAL, NOT_APPLICABLE


def test_threshold_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dc.THRESHOLD_ENV, raising=False)
    assert dc.threshold_from_env() == 5
    monkeypatch.setenv(dc.THRESHOLD_ENV, "10")
    assert dc.threshold_from_env() == 10
    monkeypatch.setenv(dc.THRESHOLD_ENV, "1")
    with pytest.raises(ValueError, match="at least 2"):
        dc.threshold_from_env()


def test_note_says_which_rule_applied() -> None:
    note = dc.DisclosureNote(primary=2, derived=3)
    assert "counts of 1 to 4 are withheld" in note.rule()
    assert "may differ from its true value by up to 1" in note.rule()
    assert "fewer than 10 cases" in note.rule()
    assert "2 small count(s)" in note.summary()
    assert dc.DisclosureNote().summary() == "No cell needed to be withheld."
    assert "counts of 1 to 9" in dc.DisclosureNote(threshold=10).rule()


# ---- the published views of the dashboard's tables -----------------------------------------------

AREAS = {"P1": "pilot", "P2": "pilot", "P3": "pilot", "C1": "control", "C2": "control", "C3": "control"}


def register() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area_code": list(AREAS),
            "area_name": [f"Area {a}" for a in AREAS],
            "area_kind": ["cps_area"] * 6,
            "wave": ["W1" if arm == "pilot" else "W2" for arm in AREAS.values()],
            "pilot_start": [
                date(2021, 1, 1) if arm == "pilot" else date(2023, 7, 10) for arm in AREAS.values()
            ],
        }
    )


def values(small: dict[tuple[str, date], int]) -> pl.DataFrame:
    months = pl.date_range(date(2019, 1, 1), date(2021, 12, 1), "1mo", eager=True).to_list()
    rows = []
    for area in AREAS:
        for m in months:
            rows.append(
                {
                    "area_code": area,
                    "month": m,
                    "metric": "referrals",
                    "value": small.get((area, m), 20 + (hash((area, m)) % 7)),
                }
            )
    return pl.DataFrame(rows)


SEL = Selection(
    grain="cps_area", start=date(2019, 1, 1), end=date(2021, 12, 31), frequency="month", pilot_waves=("W1",)
)


def test_pilot_vs_control_withholds_small_area_cells_and_keeps_the_arm_total() -> None:
    # one pilot area reports 2 in Jun 2020: its cell is withheld; the arm total stays published (a total
    # less its published cells gives only the perturbed count, which two counts could have given)
    vals = values({("P1", date(2020, 6, 1)): 2})
    reg = register()
    per_area = per_area_series(vals, reg, SEL)
    series = pilot_vs_control(vals, reg, SEL)
    pub_area = dc.per_area(per_area, SEL.baseline_year)
    june = pub_area.display().filter(pl.col("period") == date(2020, 6, 1), pl.col("arm") == "pilot")
    assert june.get_column("value").to_list().count(CONFIDENTIAL) == 1
    pub = dc.pilot_vs_control(series, per_area, SEL.baseline_year)
    row = pub.frame.filter(pl.col("period") == date(2020, 6, 1), pl.col("arm") == "pilot")
    assert row.get_column("total").item() is not None
    assert pub.note.primary == 1


def test_a_small_arm_total_withholds_its_mean_and_index() -> None:
    small = {(a, date(2021, 3, 1)): 1 for a in ("P1", "P2", "P3")}
    vals = values(small)
    reg = register()
    per_area = per_area_series(vals, reg, SEL)
    pub = dc.pilot_vs_control(pilot_vs_control(vals, reg, SEL), per_area, SEL.baseline_year)
    row = pub.display().filter(pl.col("period") == date(2021, 3, 1), pl.col("arm") == "pilot")
    assert row.select("total", "mean_per_area", "index").row(0) == (CONFIDENTIAL,) * 3
    # a chart of the published frame shows a gap, never a zero
    assert (
        pub.frame.filter(pl.col("period") == date(2021, 3, 1), pl.col("arm") == "pilot")["index"][0] is None
    )
    assert pub.legend()[0].startswith("[c] confidential")


def test_a_withheld_baseline_withholds_the_whole_index() -> None:
    small = {(a, date(2019, 5, 1)): 2 for a in ("C1", "C2", "C3")}
    vals = values(small)
    reg = register()
    per_area = per_area_series(vals, reg, SEL)
    pub = dc.pilot_vs_control(pilot_vs_control(vals, reg, SEL), per_area, SEL.baseline_year)
    control = pub.frame.filter(pl.col("arm") == "control")
    assert control.get_column("index").null_count() == control.height
    assert control.get_column("total").null_count() == 0  # 6 in May 2019: published
    may = control.filter(pl.col("period") == date(2019, 5, 1))
    assert may.get_column("mean_per_area").item() is None  # from fewer than 10 cases


def test_control_arm_after_rollout_is_not_applicable() -> None:
    reg = register().with_columns(
        pilot_start=pl.when(pl.col("wave") == "W2").then(date(2021, 6, 1)).otherwise("pilot_start")
    )
    vals = values({})
    per_area = per_area_series(vals, reg, SEL)
    pub = dc.pilot_vs_control(pilot_vs_control(vals, reg, SEL), per_area, SEL.baseline_year)
    late = pub.display().filter(pl.col("arm") == "control", pl.col("period") >= date(2021, 6, 1))
    assert set(late.get_column("total").to_list()) == {NOT_APPLICABLE}


def test_charge_rate_withholds_rates_from_small_or_withheld_counts() -> None:
    from soteria.analysis.compare import charge_rate_series

    months = pl.date_range(date(2019, 1, 1), date(2021, 12, 1), "1mo", eager=True).to_list()
    rows = []
    for area in AREAS:
        for m in months:
            decisions = 3 if (area == "P1" and m == date(2020, 2, 1)) else 30
            charges = 2 if (area == "C1" and m == date(2020, 3, 1)) else 12
            rows += [
                {"area_code": area, "month": m, "metric": "charging_decisions", "value": decisions},
                {"area_code": area, "month": m, "metric": "charges", "value": min(charges, decisions)},
            ]
    vals = pl.DataFrame(rows)
    reg = register()
    rates = charge_rate_series(vals, reg, SEL)
    pub = dc.charge_rate(
        rates,
        per_area_series(vals, reg, replace_metric("charges")),
        per_area_series(vals, reg, replace_metric("charging_decisions")),
    )
    shown = pub.display()
    assert "withheld" not in shown.columns
    feb = shown.filter(pl.col("period") == date(2020, 2, 1), pl.col("arm") == "pilot").row(0, named=True)
    mar = shown.filter(pl.col("period") == date(2020, 3, 1), pl.col("arm") == "control").row(0, named=True)
    # arm totals stay, rates stay (enough decisions); the small area cells are counted as withheld
    assert feb["charging_decisions"] != CONFIDENTIAL and mar["charges"] != CONFIDENTIAL
    assert pub.note.primary == 3  # P1: 3 of 3 in Feb; C1: 2 charges in Mar


def replace_metric(metric: str) -> Selection:
    from dataclasses import replace

    return replace(SEL, metric=metric)


def test_km_curves_are_read_weekly_and_end_before_ten_at_risk() -> None:
    curves = pl.DataFrame(
        {
            "arm": ["pilot"] * 6,
            "period": ["after"] * 6,
            "day": [0.0, 3, 9, 20, 30, 40],
            "share_filed": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
            "lower": [0.0] * 6,
            "upper": [1.0] * 6,
            "at_risk": [30, 28, 20, 12, 9, 4],
        }
    )
    pub = dc.km_curves(curves)
    assert pub.frame.get_column("day").to_list() == [0.0, 7.0, 14.0]
    assert pub.frame.get_column("share_filed").to_list() == [0.0, 0.1, 0.2]
    assert "at_risk" not in pub.frame.columns  # weekly numbers at risk are not published
    assert "fewer than 10 cases remain at risk" in pub.note.text()


def test_km_summary_withholds_small_counts_and_estimates_from_few_cases() -> None:
    summary = pl.DataFrame(
        {
            "arm": ["pilot", "pilot", "control", "control"],
            "period": ["before", "after"] * 2,
            "cases": [40, 8, 50, 60],
            "filed": [30, 5, 40, 50],
            "closed_before_file": [8, 3, 0, 6],
            "still_open": [2, 0, 10, 4],
            "median_days": [50.0, None, 60.0, 55.0],
            "median_lower": [40.0, None, 50.0, 45.0],
            "median_upper": [60.0, None, 70.0, 65.0],
            "filed_by_90": [0.6, None, 0.5, 0.55],
            "filed_by_365": [0.9, None, 0.8, 0.85],
            "withheld": [False, True, False, False],
        }
    )
    pub = dc.km_summary(summary)
    shown = pub.display()
    before = shown.row(0, named=True)
    assert before["still_open"] == CONFIDENTIAL and before["closed_before_file"] == "8"
    assert before["cases"] == 40 and before["filed"] == 30  # a column with no symbol keeps its type
    after = shown.row(1, named=True)
    assert after["median_days"] == CONFIDENTIAL  # 8 cases: fewer than 10
    assert after["closed_before_file"] == CONFIDENTIAL and after["still_open"] == "0"
    control_after = shown.row(3, named=True)
    assert control_after["still_open"] == CONFIDENTIAL
    risk = pl.DataFrame(
        {"arm": ["pilot"] * 3, "period": ["before"] * 3, "day": [0.0, 90, 365], "at_risk": [40, 12, 3]}
    )
    nar = dc.numbers_at_risk(risk, pub)
    assert nar.display().get_column("at_risk").to_list() == ["40", "12", CONFIDENTIAL]


def test_published_figures_are_rounded_as_official_statistics_publish_them():
    import polars as pl

    from soteria.disclosure.note import DisclosureNote
    from soteria.disclosure.published import Published

    frame = pl.DataFrame(
        {
            "area": ["A", "B"],
            "total": [175.0, None],
            "index": [102.3391812865497, 99.95],
            "share_filed": [0.40123, 0.0],
            "day": [90.0, 365.0],
        }
    )
    table = Published(frame, frame.clear().select(), DisclosureNote(), ("total",), percent=("share_filed",))
    shown = table.rounded()
    assert shown["total"].to_list() == [175, None] and shown["total"].dtype == pl.Int64
    assert shown["index"].to_list() == [102.3, 100.0]
    assert shown["share_filed"].to_list() == [40.1, 0.0]
    assert shown["day"].to_list() == [90, 365]
    assert table.display()["index"].to_list() == [102.3, 100.0]  # the page's table is the same
