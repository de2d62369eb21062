"""Victims' groups: shares by group, arm and period against a hand-computed example."""

from __future__ import annotations

import polars as pl
import pytest

from soteria.analysis.victims import NOT_RECORDED_CODE, causes, group_summary, groups


def cases(
    group: str | None, arm: str, period: str, rows: list[tuple[float, int, str | None]]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "arm": arm,
            "period": period,
            "days": [r[0] for r in rows],
            "event": [r[1] for r in rows],
            "closure_reason": [r[2] for r in rows],
            "victim_sex": group,
        },
        schema={"arm": pl.String, "period": pl.String, "days": pl.Float64, "event": pl.Int8,
                "closure_reason": pl.String, "victim_sex": pl.String},
    )  # fmt: skip


# Ten cases, none censored before a year: 3 filed by day 50, 2 by day 200, 1 at day 400; 2 police NFA
# and 1 withdrawal before a file; 1 still open at day 500. By hand: filed within 90 days 3/10, within a
# year 5/10, closed as NFA within a year 2/10, as withdrawal 1/10.
TEN = [(50.0, 1, None)] * 3 + [(200.0, 1, None)] * 2 + [(400.0, 1, None)]
TEN += [(100.0, 2, "police_nfa")] * 2 + [(30.0, 2, "victim_withdrawal"), (500.0, 0, None)]


def test_group_shares_match_the_hand_computed_example() -> None:
    tte = pl.concat([cases("female", "pilot", "before", TEN), cases(None, "control", "after", TEN[:9])])
    out = group_summary(tte, "victim_sex")
    row = out.filter(pl.col("group") == "female", pl.col("arm") == "pilot", pl.col("period") == "before")
    got = row.select("cases", "filed_by_90", "filed_by_365", "nfa_by_365", "withdrawal_by_365").row(0)
    assert got == (10, pytest.approx(0.3), pytest.approx(0.5), pytest.approx(0.2), pytest.approx(0.1))
    # a group with fewer than 10 cases gives its count but no share
    few = out.filter(
        pl.col("group") == NOT_RECORDED_CODE, pl.col("arm") == "control", pl.col("period") == "after"
    )
    assert few.select("cases", "filed_by_365", "withheld").row(0) == (9, None, True)
    # every group present, in the standard order with "not recorded" last, each with all four cells
    assert out["group"].unique(maintain_order=True).to_list() == ["female", NOT_RECORDED_CODE]
    assert out.height == 8


def test_closures_are_their_own_causes() -> None:
    assert causes(cases("male", "pilot", "after", TEN)).to_list() == [1] * 6 + [2, 2, 3, 0]


def test_groups_keep_not_known_and_not_stated_and_refuse_other_fields() -> None:
    assert list(groups("victim_sex"))[-3:] == ["not_known", "not_stated", NOT_RECORDED_CODE]
    with pytest.raises(ValueError, match="field must be one of"):
        groups("closure_reason")
