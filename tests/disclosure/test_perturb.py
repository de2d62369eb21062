"""The cell key perturbation of base cells: its table, its keys and the sums built from it."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from soteria.disclosure import base_cells
from soteria.disclosure.perturb import (
    BOUND,
    SMALL_TABLE,
    cell_keys,
    perturb,
    perturbed,
    possible_counts,
    record_keys,
    uniform_keys,
)

SECRET = "test secret"


def test_the_table_keeps_small_counts_small_moves_them_by_at_most_one_and_never_pins_one() -> None:
    for true, row in SMALL_TABLE.items():
        assert sum(row.values()) == pytest.approx(1.0)
        assert all(1 <= p <= 4 and abs(p - true) <= BOUND for p in row)
        assert sum(p * share for p, share in row.items()) == pytest.approx(true)  # totals stay unbiased
    for published in range(1, 5):
        assert len(possible_counts(published)) >= 2  # no published value gives its count away
    assert possible_counts(0) == [0] and possible_counts(7) == [7]


def test_perturbed_values_follow_the_table_a_simulation_with_a_known_answer() -> None:
    rng = np.random.default_rng(1)
    n = 200_000
    keys = uniform_keys([f"cell {i}" for i in range(n)], SECRET)
    assert abs(keys.mean() - 0.5) < 0.005 and abs(np.quantile(keys, 0.9) - 0.9) < 0.005
    for true, row in SMALL_TABLE.items():
        out = perturbed(np.full(n, true), rng.permutation(keys))
        for published, share in row.items():
            assert abs(np.mean(out == published) - share) < 0.006
    assert (perturbed(np.array([0, 5, 12, 1000]), keys[:4]) == [0, 5, 12, 1000]).all()


def test_the_same_cell_gets_the_same_value_and_another_secret_another() -> None:
    frame = pl.DataFrame(
        {
            "area_code": [f"A{i}" for i in range(400)],
            "month": [date(2021, 1, 1)] * 400,
            "metric": ["referrals"] * 400,
            "value": [1 + i % 4 for i in range(400)],
        }
    )
    one = perturb(frame, ["area_code", "month", "metric"], "value", SECRET, "metric")
    again = perturb(frame.reverse(), ["area_code", "month", "metric"], "value", SECRET, "metric").reverse()
    assert one.equals(again)
    other = perturb(frame, ["area_code", "month", "metric"], "value", "another", "metric")
    assert not one.equals(other)
    assert one.get_column("value").dtype == frame.get_column("value").dtype
    moved = (one.get_column("value") - frame.get_column("value")).abs()
    assert moved.max() == 1 and 0.1 < (moved > 0).mean() < 0.3  # twos and threes move 40% of the time


def test_a_cell_key_is_the_sum_of_its_record_keys_whatever_their_order() -> None:
    keys = record_keys(pl.Series([f"F|case {i}" for i in range(10)]), SECRET).to_numpy()
    assert cell_keys(np.array([keys.sum()]))[0] == pytest.approx(cell_keys(np.array([keys[::-1].sum()]))[0])
    assert 0 <= cell_keys(np.array([keys.sum()]))[0] < 1


def _values(area: list[str], month: list[date], value: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"area_code": area, "month": month, "metric": ["referrals"] * len(area), "value": value},
        schema_overrides={"value": pl.Int64},
    )


def test_a_cps_area_is_the_sum_of_its_forces_perturbed_counts_where_the_extracts_agree() -> None:
    months = [date(2021, m, 1) for m in range(1, 13)]
    forces = _values(["F1"] * 12 + ["F2"] * 12, months * 2, [2] * 12 + [30] * 12)
    fmap = pl.DataFrame({"force_code": ["F1", "F2"], "cps_area_code": ["C1", "C1"]})
    # the CPS extract agrees with the forces except in December
    cps = _values(["C1"] * 12, months, [32] * 11 + [40])
    published_forces = base_cells.metric_values(forces, SECRET)
    published = base_cells.metric_values(cps, SECRET, forces, fmap)
    f1 = published_forces.filter(pl.col("area_code") == "F1").get_column("value")
    assert f1.is_in([1, 2, 3]).all() and f1.n_unique() > 1  # the small force cells move
    assert published.get_column("value").to_list() == (f1 + 30).to_list()[:11] + [40]


def _tte(rows: list[tuple[str, str, str, date, float, int]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema=["case_ref", "force_code", "arm", "reported_on", "days", "event"], orient="row"
    )
    keys = record_keys(frame.get_column("force_code") + "|" + frame.get_column("case_ref"), SECRET)
    return frame.with_columns(period=pl.lit("after"), record_key=keys, event=pl.col("event").cast(pl.Int8))


def test_case_counts_and_numbers_at_risk_are_sums_of_the_same_perturbed_groups() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(3000):
        force = f"F{i % 7}"
        rows.append(
            (
                f"c{i}",
                force,
                "pilot" if i % 7 < 3 else "control",
                date(2021, 1 + i % 12, 1 + i % 28),
                float(rng.integers(0, 900)),
                int(rng.integers(0, 3)),
            )
        )
    tte = _tte(rows)
    cells = base_cells.case_cells(tte)
    counts = base_cells.case_counts(cells).sort("arm")
    risk = base_cells.at_risk(cells)
    assert (counts["cases"] == counts["filed"] + counts["closed_before_file"] + counts["still_open"]).all()
    day0 = risk.filter(pl.col("day") == 0).sort("arm")
    assert day0.get_column("at_risk").to_list() == counts.get_column("cases").to_list()
    assert risk.group_by("arm").agg(ok=pl.col("at_risk").diff().drop_nulls().le(0).all())["ok"].all()
    # within the bound: each group moves by at most 1, so a count by at most its number of small groups
    true = tte.group_by("arm").agg(cases=pl.len()).sort("arm")
    small = cells.filter(pl.col("n").is_between(1, 4)).group_by("arm").agg(k=pl.len()).sort("arm")
    gap = (counts.get_column("cases") - true.get_column("cases")).abs()
    assert (gap <= small.get_column("k")).all()
    # the same cases make the same groups whichever other cases a selection takes
    alone = base_cells.case_cells(tte.filter(pl.col("force_code") == "F0"))
    assert alone.sort(alone.columns).equals(cells.filter(pl.col("force_code") == "F0").sort(alone.columns))
