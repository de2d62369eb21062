"""Victims' groups as published: every group count is a sum of the same perturbed groups of cases as
every other count, so all cases less the other groups, or one selection less another, gives no more
than perturbed counts; no count from 1 to 4 and no share from under 10 cases is shown."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from soteria import disclosure as dc
from soteria.analysis.compare import Selection
from soteria.analysis.victims import NOT_RECORDED_CODE
from soteria.domain import VICTIM_FIELDS
from soteria.outputs.data import Analyses, store_analyses
from soteria.outputs.victims_charts import published_groups

KEY = ["group", "arm", "period"]


@pytest.fixture(scope="module")
def data(demo_store) -> Analyses:
    return store_analyses(demo_store)


@pytest.mark.parametrize("field", list(VICTIM_FIELDS))
def test_all_cases_less_the_other_groups_is_the_groups_own_published_count(data, field) -> None:
    sel = Selection()
    totals = data.case_counts(sel).select("arm", "period", total="cases")
    groups = data.victims_summary(sel, field)
    summed = groups.group_by("arm", "period").agg(pl.col("cases").sum())
    both = totals.join(summed, on=["arm", "period"])
    assert both.height == 4 and (both["total"] == both["cases"]).all()


@pytest.mark.parametrize("field", list(VICTIM_FIELDS))
def test_no_small_count_or_share_from_few_cases_is_published(data, field) -> None:
    table = published_groups(data, Selection(), field, dc.THRESHOLD)
    shown = table.rounded()
    assert not shown["cases"].is_between(1, dc.THRESHOLD - 1).any()
    few = data.victims_summary(Selection(), field).get_column("cases") < 10
    assert shown.filter(few)["filed_by_365"].is_null().all()
    assert set(table.symbols.filter(few)["filed_by_365"].to_list()) <= {dc.CONFIDENTIAL}


def test_one_selection_less_another_gives_only_perturbed_groups_of_cases(data) -> None:
    """Leave one control Area out: each group's difference is the sum of that Area's perturbed groups of
    cases (not its exact count, which would give a small group away)."""
    sel = Selection()
    fca = data.source.force_cps_area()
    area = "CPS-YH"
    without = replace(sel, excluded_controls=(area,))
    forces = fca.filter(pl.col("cps_area_code") == area)["force_code"].to_list()
    moved = exact_moved = 0
    for field in VICTIM_FIELDS:
        a, b = data.victims_summary(sel, field), data.victims_summary(without, field)
        diff = a.join(b, on=KEY, suffix="_without").select(*KEY, d=pl.col("cases") - pl.col("cases_without"))
        cells = data.case_cells(sel).filter(pl.col("force_code").is_in(forces), pl.col("arm") == "control")
        own = cells.group_by(pl.col(field).fill_null(NOT_RECORDED_CODE).alias("group"), "arm", "period").agg(
            n=pl.col("n").sum()
        )
        got = (
            diff.filter(pl.col("arm") == "control")
            .join(own, on=KEY, how="left")
            .with_columns(pl.col("n").fill_null(0))
        )
        assert (got["d"] == got["n"]).all(), got.filter(pl.col("d") != pl.col("n"))
        tte = data.time_to_file(sel).filter(pl.col("force_code").is_in(forces), pl.col("arm") == "control")
        exact = tte.group_by(pl.col(field).fill_null(NOT_RECORDED_CODE).alias("group"), "period").len()
        compared = own.join(exact, on=["group", "period"])
        moved += int((compared["n"] != compared["len"]).sum())
        exact_moved += compared.height
    assert exact_moved and moved  # the perturbation is at work in the groups' counts
