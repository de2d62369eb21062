"""Victims' groups as published: counts from the perturbed groups of cases, small ones withheld, shares
from fewer than 10 cases withheld (pure).

A victims' group multiplies small cells, and a group's count could be had by subtraction: all cases
less every other group. Both are sums of the same perturbed groups of cases (the victim fields are
part of every group: `base_cells.case_cells`), so the subtraction gives no more than the group's own
published (perturbed) count, and between any two selections no more than sums of perturbed groups.
"""

from __future__ import annotations

import polars as pl

from soteria.disclosure.note import CONFIDENTIAL, NOT_AVAILABLE, THRESHOLD, DisclosureNote
from soteria.disclosure.published import Published, publish, symbol_if
from soteria.domain import MIN_CASES

SHARES = (
    "filed_by_90",
    "filed_by_365",
    "filed_by_365_lower",
    "filed_by_365_upper",
    "nfa_by_365",
    "withdrawal_by_365",
)
LABELS = {
    "group": "Group",
    "arm": "Arm",
    "period": "Period",
    "cases": "Cases",
    "filed_by_90": "Filed within 90 days (%)",
    "filed_by_365": "Filed within a year (%)",
    "filed_by_365_lower": "Filed within a year: 95% lower (%)",
    "filed_by_365_upper": "Filed within a year: 95% upper (%)",
    "nfa_by_365": "Closed as police NFA within a year (%)",
    "withdrawal_by_365": "Closed as victim withdrawal within a year (%)",
}


def group_table(summary: pl.DataFrame, threshold: int = THRESHOLD, min_cases: int = MIN_CASES) -> Published:
    """`analysis.victims.group_summary` as published, its `cases` already summed from the perturbed
    groups of cases (`Analyses.victims_summary`): counts withheld from 1 to threshold - 1; every share
    withheld where fewer than `min_cases` cases are published, and marked not available where the
    follow-up is too short to say."""
    frame = summary.select("group", "arm", "period", "cases", *SHARES, "withheld")
    small = (pl.col("cases") >= 1) & (pl.col("cases") < threshold)
    few = (pl.col("cases") < min_cases) | pl.col("withheld")
    rules: dict[str, pl.Expr] = {"cases": symbol_if(small, CONFIDENTIAL)}
    for share in SHARES:
        rules[share] = symbol_if(few, CONFIDENTIAL).when(pl.col(share).is_null()).then(pl.lit(NOT_AVAILABLE))
    primary = int(frame.select(small.sum()).item())
    derived = int(frame.select(few.sum()).item()) * len(SHARES)
    out = publish(
        frame,
        rules,
        DisclosureNote(threshold=threshold, primary=primary, derived=derived),
        ("cases",),
        labels=LABELS,
        keep=[c for c in frame.columns if c != "withheld"],
    )
    return Published(out.frame, out.symbols, out.note, out.counts, out.labels, percent=SHARES)
