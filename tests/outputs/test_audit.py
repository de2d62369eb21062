"""The differencing attack, run on a demo database: every pair of selections it tries, no withheld
count recovered, every published total within the stated bound (and the same attack on the exact tables
recovers every cell it isolates, so the test can fail)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from soteria.analysis.compare import Selection
from soteria.disclosure.perturb import SMALL_TABLE
from soteria.outputs import audit
from soteria.outputs.data import Analyses, store_analyses
from soteria.store import Store

METRICS = ("victim_withdrawals", "referrals", "charges")


@pytest.fixture(scope="module")
def data(demo_store: Store) -> Analyses:
    return store_analyses(demo_store)


def test_the_attacker_never_narrows_a_withheld_count_to_one() -> None:
    for true, row in SMALL_TABLE.items():
        for published in row:
            one = audit.candidates(published, 1, single=True)
            assert true in one and len(one) >= 2
    for shown in range(1, 5):  # a withheld cell's perturbed value is 1 to 4 whatever its base cells
        for slack in (1, 2, 3):
            assert len(audit.candidates(shown, slack)) >= 2
    assert audit.candidates(6, 2, small=False) == [4, 5, 6, 7, 8]  # groups of cases: no upper limit
    assert audit.candidates(3, 0) == [3]  # unperturbed, a difference gives the count away


@pytest.mark.parametrize("grain", ["force", "cps_area"])
def test_no_pair_of_selections_recovers_a_withheld_count(data: Analyses, grain: str) -> None:
    found, checks = [], []
    for metric in METRICS:
        for frequency in ("month", "quarter"):
            sel = Selection(grain=grain, metric=metric, frequency=frequency)
            for s in (sel, replace(sel, end=date(2022, 12, 31))):  # two windows
                found += audit.attempts(data, s)
                checks.append(audit.totals_check(data, s))
    found += audit._case_exclusions(data, Selection(grain=grain))
    figures = audit.figures(found, checks)
    kinds = {a.kind for a in found}
    assert {"exclude", "column", "quarter", "cases_exclude"} <= kinds
    assert grain == "force" or "cps_area" in kinds
    assert figures.attempts > 300 and figures.withheld > 100
    assert figures.recovered == 0, [
        a for a in found if audit.candidates(a.difference, a.base_cells) == [a.true]
    ][:5]
    # the same differences of the exact tables give every one of them away
    assert figures.recovered_from_exact == figures.attempts
    assert figures.totals_checked > 100 and figures.beyond_bound == 0
    # and every difference stays within its stated bound of the truth
    assert all(abs(a.difference - a.true) <= a.slack for a in found)
