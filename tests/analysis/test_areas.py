"""The area explorer's tile values, on a hand-built series whose changes and effects are known."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from soteria.analysis import areas
from soteria.analysis.compare import Selection, per_area_series, pilot_vs_control

MONTHS = pl.date_range(date(2019, 1, 1), date(2021, 12, 1), "1mo", eager=True).to_list()
START = date(2021, 1, 1)
# area -> (monthly referrals in 2019, in 2020, in 2021)
LEVELS = {"P": (10, 10, 20), "Q": (10, 10, 12), "R": (10, 10, 12), "S": (1, 0, 0)}
REGISTER = pl.DataFrame(
    {
        "area_code": list(LEVELS),
        "area_name": [f"Area {c}" for c in LEVELS],
        "area_kind": ["cps_area"] * len(LEVELS),
        "wave": ["Pathfinder", "Rollout", "Rollout", "Pathfinder"],
        "pilot_start": [START, date(2023, 7, 10), date(2023, 7, 10), START],
    }
)
SEL = Selection(
    grain="cps_area", start=date(2019, 1, 1), end=date(2021, 12, 31), frequency="month",
    pilot_waves=("Pathfinder",), baseline_year=2019,
)  # fmt: skip


def values() -> pl.DataFrame:
    rows = [
        {"area_code": code, "month": m, "metric": "referrals", "value": float(levels[m.year - 2019])}
        for code, levels in LEVELS.items()
        for m in MONTHS
    ]
    return pl.DataFrame(rows)


def measure(view: str, sel: Selection = SEL) -> dict[str, tuple[float | None, str]]:
    per_area = per_area_series(values(), REGISTER, sel)
    arms = pilot_vs_control(values(), REGISTER, sel)
    result = areas.tile_measure(per_area, arms, REGISTER, sel, view)
    return {r["area_code"]: (r["value"], r["label"]) for r in result.values.iter_rows(named=True)}


def test_change_is_the_latest_year_against_the_baseline_year():
    got = measure("change")
    assert got["P"] == (pytest.approx(100.0), "+100%")
    assert got["Q"] == (pytest.approx(20.0), "+20%")


def test_effect_is_the_area_change_against_the_control_change_over_the_same_periods():
    got = measure("effect")
    # P doubled from 2020 to 2021; the controls rose by a fifth: 2 / 1.2 - 1 = +66.7%.
    assert got["P"][0] == pytest.approx(100 * (2 / 1.2 - 1))
    assert got["P"][1] == "+67%"
    assert got["Q"] == (None, "not in the pilot group")


def test_latest_is_the_twelve_month_total():
    got = measure("latest")
    assert got["P"] == (240.0, "240")
    assert got["Q"] == (144.0, "144")


def test_totals_below_the_disclosure_floor_are_withheld_and_say_so():
    # S: 12 referrals in 2019, none since. Every figure rests on a total under 10: withheld, not zero.
    assert measure("latest")["S"] == (None, "[c]")
    assert measure("change")["S"] == (None, "[c]")
    assert measure("effect")["S"] == (None, "[c]")


def test_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="measure must be one of"):
        measure("wrong")


def test_summary_names_the_highest_and_lowest():
    per_area = per_area_series(values(), REGISTER, SEL)
    result = areas.tile_measure(per_area, pilot_vs_control(values(), REGISTER, SEL), REGISTER, SEL, "latest")
    assert "the highest is Area P (240)" in result.summary
    assert "the lowest Area Q (144)" in result.summary
    assert result.table.columns[0] == "Area"


def test_window_text_names_the_last_twelve_months():
    per_area = per_area_series(values(), REGISTER, SEL)
    assert areas.window_text(areas.latest_periods(per_area, SEL), SEL) == "Jan 2021 to Dec 2021"
    quarterly = Selection(**{**SEL.__dict__, "frequency": "quarter"})
    per_q = per_area_series(values(), REGISTER, quarterly)
    assert areas.window_text(areas.latest_periods(per_q, quarterly), quarterly) == "Jan 2021 to Dec 2021"


def test_a_tile_as_a_headline_figure():
    assert areas.shown({"value": 12.0, "label": "+12%"}) == ("+12%", None)
    assert areas.shown({"value": None, "label": "[c]"}) == ("[c]", None)
    not_pilot = {"value": None, "label": "not in the pilot group"}
    assert areas.shown(not_pilot) == ("n/a", "Not in the pilot group")
