"""Disclosure control: property tests that no withheld count can be worked out from what is published,
and the published views of every table shape the dashboard shows."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria import disclosure as dc
from soteria.analysis.compare import Selection, per_area_series, pilot_vs_control
from soteria.disclosure import CONFIDENTIAL, NOT_APPLICABLE, Line, protect, suppress_grid

# ---- an independent oracle: exact rational elimination -------------------------------------------


def _rank(rows: list[list[Fraction]]) -> int:
    m = [r[:] for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c] != 0:
                f = m[i][c] / m[rank][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def derivable(values: list[float], withheld: list[bool], lines: list[Line]) -> list[int]:
    """Indices of withheld values that the published equations determine exactly."""
    unknown = [i for i, w in enumerate(withheld) if w]
    col = {u: j for j, u in enumerate(unknown)}
    rows = []
    for ln in lines:
        coeffs = [Fraction(0)] * len(unknown)
        touched = False
        for m in (*ln.members, ln.total):
            if m in col:
                coeffs[col[m]] += -1 if m == ln.total else 1
                touched = True
        if touched:
            rows.append(coeffs)
    if not rows:
        return []
    base = _rank(rows)
    out = []
    for u in unknown:
        unit = [Fraction(0)] * len(unknown)
        unit[col[u]] = Fraction(1)
        if _rank([*rows, unit]) == base:
            out.append(u)
    return out


def grid_lines(n_rows: int, n_cols: int, rows: bool, cols: bool, grand: bool) -> tuple[list[int], list[Line]]:
    """Variable layout as suppress_grid builds it: cells row-major, then row totals, column totals, grand."""
    cells = n_rows * n_cols
    lines, nxt = [], cells
    row_idx, col_idx = [], []
    if rows:
        for r in range(n_rows):
            lines.append(Line(tuple(r * n_cols + c for c in range(n_cols)), nxt))
            row_idx.append(nxt)
            nxt += 1
    if cols:
        for c in range(n_cols):
            lines.append(Line(tuple(r * n_cols + c for r in range(n_rows)), nxt))
            col_idx.append(nxt)
            nxt += 1
    if grand:
        if row_idx:
            lines.append(Line(tuple(row_idx), nxt))
        if col_idx:
            lines.append(Line(tuple(col_idx), nxt))
        if not row_idx and not col_idx:
            lines.append(Line(tuple(range(cells)), nxt))
    return list(range(cells)), lines


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def tables(draw):
    n_rows, n_cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    values = draw(st.lists(small_counts, min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    flags = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    threshold = draw(st.sampled_from([5, 5, 5, 3, 10]))
    return n_rows, n_cols, values, flags, threshold


def run_grid(n_rows, n_cols, values, flags, threshold):
    frame = pl.DataFrame(
        {
            "r": [r for r in range(n_rows) for _ in range(n_cols)],
            "c": [c for _ in range(n_rows) for c in range(n_cols)],
            "v": values,
        }
    )
    rows, cols, grand = flags
    grid = suppress_grid(
        frame, "v", "r", "c", row_totals=rows, col_totals=cols, grand_total=grand, threshold=threshold
    )
    cells = grid.cells
    all_values = [float(v) for v in values]
    withheld = cells.get_column("withheld").to_list()
    if rows:
        all_values += grid.row_totals.get_column("total").to_list()
        withheld += grid.row_totals.get_column("withheld").to_list()
    if cols:
        all_values += grid.col_totals.get_column("total").to_list()
        withheld += grid.col_totals.get_column("withheld").to_list()
    if grand:
        all_values.append(grid.grand_total[0])
        withheld.append(grid.grand_total[1])
    _, lines = grid_lines(n_rows, n_cols, rows, cols, grand)
    return all_values, withheld, lines, grid


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_withheld_value_can_be_solved_from_published_totals(table) -> None:
    n_rows, n_cols, values, flags, threshold = table
    all_values, withheld, lines, _ = run_grid(n_rows, n_cols, values, flags, threshold)
    # every small count, cell or total, is withheld; zeros are published unless used as a complement
    for v, w in zip(all_values, withheld, strict=True):
        if 1 <= v < threshold:
            assert w, (v, all_values, withheld)
    assert derivable(all_values, withheld, lines) == []
    # bounds: within a line with a published total, the withheld cells cannot be pinned to small values
    for ln in lines:
        if withheld[ln.total]:
            continue
        hidden = [all_values[m] for m in ln.members if withheld[m]]
        if hidden:
            assert sum(hidden) - (len(hidden) - 1) >= threshold


@settings(max_examples=50, deadline=None)
@given(tables())
def test_suppression_is_deterministic(table) -> None:
    first = run_grid(*table)[1]
    assert run_grid(*table)[1] == first


def test_primary_only_where_no_total_binds_and_zeros_published() -> None:
    frame = pl.DataFrame({"r": [0, 0, 0, 0], "c": [0, 1, 2, 3], "v": [0, 1, 4, 5]})
    grid = suppress_grid(frame, "v", "r", "c")
    assert grid.cells.get_column("withheld").to_list() == [False, True, True, False]
    assert grid.note.primary == 2 and grid.note.secondary == 0


def test_a_single_small_cell_in_a_row_with_a_total_takes_the_smallest_nonzero_complement() -> None:
    frame = pl.DataFrame({"r": [0] * 5, "c": list(range(5)), "v": [3, 0, 40, 12, 9]})
    grid = suppress_grid(frame, "v", "r", "c", row_totals=True)
    assert grid.cells.get_column("withheld").to_list() == [True, False, False, False, True]
    assert grid.row_totals.get_column("withheld").to_list() == [False]


def test_two_small_cells_that_would_pin_each_other_get_a_third() -> None:
    # 1 + 1 = 2 with a published total: both would be known to be 1
    frame = pl.DataFrame({"r": [0] * 4, "c": list(range(4)), "v": [1, 1, 30, 20]})
    grid = suppress_grid(frame, "v", "r", "c", row_totals=True)
    assert grid.cells.get_column("withheld").to_list() == [True, True, False, True]


def test_table_with_row_and_column_totals_gets_a_rectangle() -> None:
    frame = pl.DataFrame(
        {"r": [0, 0, 0, 1, 1, 1, 2, 2, 2], "c": [0, 1, 2] * 3, "v": [3, 10, 20, 15, 8, 30, 40, 50, 6]}
    )
    grid = suppress_grid(frame, "v", "r", "c", row_totals=True, col_totals=True, grand_total=True)
    hidden = grid.cells.filter("withheld").select("r", "c").rows()
    assert hidden == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert not grid.row_totals.get_column("withheld").any()


def test_a_small_total_is_withheld_too() -> None:
    frame = pl.DataFrame({"r": [0, 0], "c": [0, 1], "v": [0, 3]})
    grid = suppress_grid(frame, "v", "r", "c", row_totals=True)
    assert grid.row_totals.get_column("withheld").to_list() == [True]
    assert grid.cells.get_column("withheld").to_list() == [False, True]


def test_missing_cells_are_not_available_and_stay_out_of_totals() -> None:
    frame = pl.DataFrame({"r": [0, 0, 0], "c": [0, 1, 2], "v": [None, 2, 30]})
    grid = suppress_grid(frame, "v", "r", "c", row_totals=True)
    assert grid.cells.get_column("withheld").to_list() == [False, True, True]
    assert grid.row_totals.get_column("total").to_list() == [32.0]


def test_protect_rejects_negative_counts_and_low_thresholds() -> None:
    with pytest.raises(ValueError, match="negative"):
        protect([-1, 2], [])
    with pytest.raises(ValueError, match="threshold"):
        protect([1], [], threshold=1)


def test_threshold_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dc.THRESHOLD_ENV, raising=False)
    assert dc.threshold_from_env() == 5
    monkeypatch.setenv(dc.THRESHOLD_ENV, "10")
    assert dc.threshold_from_env() == 10
    monkeypatch.setenv(dc.THRESHOLD_ENV, "1")
    with pytest.raises(ValueError, match="at least 2"):
        dc.threshold_from_env()


def test_note_says_which_rule_applied() -> None:
    note = dc.DisclosureNote(primary=2, secondary=1, derived=3)
    assert "counts of 1 to 4 are withheld" in note.rule()
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


def test_pilot_vs_control_total_protects_area_cells_and_withholds_derived_values() -> None:
    # one pilot area reports 2 in Jun 2020: the area cell and a complement are withheld, so the arm
    # total can stay published without revealing it
    vals = values({("P1", date(2020, 6, 1)): 2})
    reg = register()
    per_area = per_area_series(vals, reg, SEL)
    series = pilot_vs_control(vals, reg, SEL)
    pub_area = dc.per_area(per_area, SEL.baseline_year)
    june = pub_area.display().filter(pl.col("period") == date(2020, 6, 1), pl.col("arm") == "pilot")
    assert june.get_column("value").to_list().count(CONFIDENTIAL) == 2
    pub = dc.pilot_vs_control(series, per_area, SEL.baseline_year)
    row = pub.frame.filter(pl.col("period") == date(2020, 6, 1), pl.col("arm") == "pilot")
    assert row.get_column("total").item() is not None  # protected by the complement, not withheld
    assert pub.note.primary == 1 and pub.note.secondary == 1


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
    assert control.get_column("total").null_count() == 1  # only May 2019 itself


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
    # protected by complements in the area tables: arm totals stay, rates stay (enough decisions)
    assert feb["charging_decisions"] != CONFIDENTIAL and mar["charges"] != CONFIDENTIAL
    assert pub.note.primary == 3 and pub.note.secondary == 3  # P1: 3 of 3 in Feb; C1: 2 charges in Mar


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
    assert pub.frame.get_column("at_risk").min() >= 10
    assert "fewer than 10 cases remain at risk" in pub.note.text()


def test_km_summary_protects_outcomes_against_the_case_total() -> None:
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
    assert before["still_open"] == CONFIDENTIAL and before["closed_before_file"] == CONFIDENTIAL
    assert before["cases"] == 40 and before["filed"] == "30"  # a column with no symbol keeps its type
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
