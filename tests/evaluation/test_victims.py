"""Each victims' group's report-to-file effect and whether it differs: Holm's adjustment by hand, the
one-group case equal to the headline, and the demo's built-in difference found (a known answer)."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from soteria.analysis.compare import Selection
from soteria.demo.build import build_demo
from soteria.evaluation.run import run_evaluation
from soteria.evaluation.text.victims import difference_sentence
from soteria.evaluation.victims import all_cases_effect, group_effects, holm
from soteria.store import Store


def test_holm_adjustment_by_hand() -> None:
    # sorted 0.01, 0.03, 0.04, 0.20: x4, x3 (0.09), x2 (0.08, but never below the one before), x1
    assert holm([0.01, 0.04, 0.03, 0.20, None]) == pytest.approx([0.04, 0.09, 0.09, 0.20, None])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The embedded demo at full size (150,000 cases), where its built-in difference is to be found."""
    path = tmp_path_factory.mktemp("victims") / "demo.duckdb"
    store = Store(path)
    build_demo(store)
    yield store
    store.close()


def test_one_group_of_all_cases_is_the_headline_estimate(full_demo: Store) -> None:
    cases = full_demo.cases().with_columns(victim_sex=pl.lit("female"))
    args = (full_demo.pilot_register(), full_demo.force_cps_area(), Selection())
    effects = group_effects(cases, *args, "victim_sex")
    headline = run_evaluation(None, cases, args[0], args[1], args[2], outcomes=("report_to_file",))
    est = headline.outcomes["report_to_file"].headline
    row = effects.filter(pl.col("group") == "female").row(0, named=True)
    assert (row["estimate"], row["lower"], row["upper"]) == pytest.approx(
        (est.estimate, est.lower, est.upper)
    )
    assert row["gap"] is None and effects.height == 1  # nothing to compare with


def test_the_demos_built_in_difference_is_found_and_no_other(full_demo: Store) -> None:
    args = (full_demo.cases(), full_demo.pilot_register(), full_demo.force_cps_area(), Selection())
    ages = group_effects(*args, "victim_age_band")
    under_18 = ages.filter(pl.col("group") == "under_18").row(0, named=True)
    assert under_18["gap_upper"] < 0 and under_18["gap_p_holm"] < 0.05  # built in: the gain passes them by
    assert difference_sentence(ages.with_columns(label=pl.col("group"))).startswith("There is evidence")
    sexes = group_effects(*args, "victim_sex")  # drawn independently of everything: no difference
    assert (sexes["gap_p_holm"].drop_nulls() >= 0.05).all()


def test_a_group_with_too_few_cases_gets_a_note_not_an_estimate(full_demo: Store) -> None:
    cases = full_demo.cases()
    thirty = cases.filter(pl.col("reported_on").dt.year() == 2020).head(30)["case_ref"]  # in the window
    cases = cases.with_columns(
        victim_sex=pl.when(pl.col("case_ref").is_in(thirty.implode()))
        .then(pl.lit("not_stated"))
        .otherwise(pl.lit("female"))
    )
    effects = group_effects(
        cases, full_demo.pilot_register(), full_demo.force_cps_area(), Selection(), "victim_sex"
    )
    few = effects.filter(pl.col("group") == "not_stated").row(0, named=True)
    assert few["estimate"] is None and "too few cases" in few["note"]


def test_the_all_cases_effect_is_the_evaluations_headline(full_demo: Store) -> None:
    args = (full_demo.cases(), full_demo.pilot_register(), full_demo.force_cps_area(), Selection())
    est = all_cases_effect(*args)
    headline = run_evaluation(None, *args, outcomes=("report_to_file",)).outcomes["report_to_file"].headline
    assert est is not None and (est.estimate, est.lower, est.upper) == pytest.approx(
        (headline.estimate, headline.lower, headline.upper)
    )


def test_a_groups_effect_is_the_hand_computed_difference_in_differences(store: Store) -> None:
    """Every force: 20 cases reported a year before the 2021 start and 20 a quarter after it, each filed
    on day 30 or closed on day 20 (nothing open, so the shares are plain proportions). For the female
    cases the share filed rises by 6 of 10 in the five pilot forces and by 2 of 10 in the controls:
    (0.6 - 0.2) x 100 = 40 points; the male cases do not change anywhere: 0 points."""
    from datetime import date, timedelta

    register = store.pilot_register().filter(pl.col("area_kind") == "force")
    pilots = set(register.filter(pl.col("wave") == "2021 pathfinder")["area_code"].to_list())
    rows = []
    for force in register["area_code"].to_list():
        for period, reported in (("before", date(2020, 6, 1)), ("after", date(2021, 9, 1))):
            rise = (6 if force in pilots else 2) if period == "after" else 0
            for sex, filed in (("female", 2 + rise), ("male", 5)):
                for i in range(10):
                    file = i < filed
                    rows.append(
                        {
                            "case_ref": f"{force}-{period}-{sex}-{i}",
                            "force_code": force,
                            "reported_on": reported,
                            "file_submitted_on": reported + timedelta(days=30) if file else None,
                            "closed_on": None if file else reported + timedelta(days=20),
                            "closure_reason": None if file else "police_nfa",
                            "as_of": date(2024, 7, 31),
                            "victim_sex": sex,
                        }
                    )
    cases = pl.DataFrame(rows)
    sel = Selection(grain="force", end=date(2022, 6, 30))  # later waves stay controls in the window
    effects = group_effects(cases, register, store.force_cps_area(), sel, "victim_sex")
    got = dict(zip(effects["group"], effects["estimate"], strict=True))
    assert got == {"female": pytest.approx(40.0), "male": pytest.approx(0.0, abs=1e-9)}
    # each group's gap to the other: female +40 points against male, male -40 against female
    gaps = dict(zip(effects["group"], effects["gap"], strict=True))
    assert gaps == {"female": pytest.approx(40.0), "male": pytest.approx(-40.0)}
