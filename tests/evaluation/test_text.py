"""The evaluation in words (soteria.evaluation.text): numbers, units and intervals as the sentences write
them, and the sentences and tables of real runs on a small demo store."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from soteria.analysis.compare import Selection
from soteria.analysis.survival import summary
from soteria.engine.results import Estimate
from soteria.evaluation import text
from soteria.evaluation.outcome import EvaluationResult
from soteria.evaluation.survival_did import survival_summary
from soteria.outputs import published_tables
from soteria.outputs.data import store_analyses
from soteria.outputs.published_tables import published_evaluation_survival
from soteria.store import Store

M = text.MINUS
EXCLUDED = ("CPS-EE", "CPS-LN", "CPS-SE")  # leaves two never-treated controls: too few


def est(
    e: float, lo: float, hi: float, p: float | None = 0.06, n: int | None = None, alpha: float = 0.05
) -> Estimate:
    return Estimate(e, lo, hi, p, "test", n_assignments=n, alpha=alpha)


@pytest.fixture(scope="module")
def runs(small_demo: Store) -> dict[str, EvaluationResult]:
    data = store_analyses(small_demo)
    return {
        "default": data.evaluation(Selection()),
        "fails": data.evaluation(Selection(excluded_controls=EXCLUDED), "never"),
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1234.4,), "1,234"),
        ((-3.14159, 2), f"{M}3.14"),
        ((2.0, 0, True), "+2"),
        ((-0.04, 1, True), "0.0"),  # rounds to zero: no sign
        ((0.0, 1, True), "0.0"),
        ((math.nan,), "n/a"),
        ((math.inf,), "unbounded"),
        ((-math.inf, 1, True), "unbounded"),
    ],
)
def test_number(args: tuple[float] | tuple[float, int] | tuple[float, int, bool], expected: str) -> None:
    assert text.number(*args) == expected


def test_value_and_size_words_carry_the_unit_and_a_typographic_minus() -> None:
    assert M == "\u2212"
    assert text.value(24.4, "percent") == "+24%" and text.value(-24.4, "percent", False) == f"{M}24%"
    assert text.value(3.74, "points") == "+3.7 points" and text.value(-3.74, "points") == f"{M}3.7 points"
    assert text.value(-9.2, "days") == f"{M}9 days" and text.value(9.2, "days", False) == "9 days"
    assert text.value(math.inf, "percent") == "unbounded"
    assert (
        text.size_words(-3.74, "points") == "3.7 percentage points"
        and text.size_words(-24.4, "percent") == "24%"
    )
    assert text.plain(f"**Clear** {M}3.7 points") == "Clear -3.7 points"


def test_interval_per_unit_and_level() -> None:
    assert text.interval(est(31, -4.2, 67.4), "percent") == f"95% interval {M}4% to 67%"
    assert text.interval(est(1, -4.24, 13.1), "points") == f"95% interval {M}4.2 to 13.1 points"
    assert text.interval(est(1, -12.4, 30.2), "days") == f"95% interval {M}12 to 30 days"
    assert text.interval(est(1, 0.5, 2.0, alpha=0.1), "points") == "90% interval 0.5 to 2.0 points"


@pytest.mark.parametrize(
    ("p", "shown", "said"),
    [
        (None, "n/a", "p = n/a"),
        (math.nan, "n/a", "p = n/a"),
        (0.0004, "< 0.001", "p < 0.001"),
        (0.004, "0.004", "p = 0.004"),
        (0.0449, "0.04", "p = 0.04"),
        (0.5, "0.50", "p = 0.50"),
    ],
)
def test_p_text_and_p_is(p: float | None, shown: str, said: str) -> None:
    assert text.p_text(p) == shown and text.p_is(p) == said


def test_inference_describes_the_assignment_set_exactly() -> None:
    drawn = replace(est(1, 0, 2, 0.06, 5001), diagnostics={"exact": False, "n_possible_assignments": 252_252})
    assert (
        text.inference(drawn)
        == "randomisation p = 0.06, 5,000 random draws from 252,252 possible assignments"
    )
    every = replace(est(1, 0, 2, 0.06, 252), diagnostics={"exact": True, "n_possible_assignments": 252})
    assert text.inference(every) == "randomisation p = 0.06, all 252 possible assignments"
    assert text.inference(est(1, 0, 2, 0.0001)) == "randomisation p < 0.001"


def test_headline_sentences_say_the_estimate_and_its_interval(runs: dict[str, EvaluationResult]) -> None:
    for run in runs.values():
        for o in run.outcomes.values():
            h, sentence = o.headline, text.headline_sentence(o)
            assert sentence.startswith(f"After the pilot began, {text.SUBJECT[o.outcome]} ")
            more = "higher" if h.estimate > 0 else "lower"
            assert f"{text.size_words(h.estimate, o.unit)} {more} than the control areas predict" in sentence
            assert f"({text.interval(h, o.unit)}; {text.inference(h)})." in sentence
    referrals = runs["default"].outcomes["referrals"]
    assert referrals.unit == "percent" and "%" in text.headline_sentence(referrals)


def test_verdict_sentences_match_the_verdict(runs: dict[str, EvaluationResult]) -> None:
    outcomes = runs["default"].outcomes
    assert {o: r.verdict for o, r in outcomes.items()} == {
        "referrals": "clear",
        "charge_rate": "none",
        "report_to_file": "none",
    }
    clear = text.verdict_sentence(outcomes["referrals"])
    assert clear == "**Clear evidence**: the 95% interval excludes zero and the checks on the method hold."
    rate = outcomes["charge_rate"]
    lo, hi = (
        text.value(rate.headline.lower, "points", False),
        text.value(rate.headline.upper, "points", False),
    )
    assert text.verdict_sentence(rate) == (
        "**No clear difference**: the 95% interval includes zero, so the data fit no effect as well as "
        f"effects from {lo} to {hi}."
    )
    untested = text.verdict_sentence(outcomes["report_to_file"])
    assert "Not checked: Trends before the start cannot be checked" in untested


def test_a_failing_check_is_never_called_a_finding(runs: dict[str, EvaluationResult]) -> None:
    outcomes = runs["fails"].outcomes
    assert {o.verdict for o in outcomes.values()} == {"fails"}
    for o in outcomes.values():
        sentence = text.verdict_sentence(o)
        assert sentence.startswith("**Not a finding: assumptions fail.** Too few controls")
        assert all(c.message in sentence for c in o.checks if c.ok is False)
        assert "evidence" not in sentence.lower() and "Not checked" not in sentence
        assert text.interval(o.headline, o.unit) in text.headline_sentence(o)


def test_pretrend_and_secondary_sentences(runs: dict[str, EvaluationResult]) -> None:
    o = runs["default"].outcomes["referrals"]
    assert text.pretrend_sentence(o) == next(c.message for c in o.checks if c.name == "pretrend")
    assert text.secondary_sentence(o) == ""
    r2f = runs["default"].outcomes["report_to_file"]
    rm = r2f.secondary["rmst_days"]
    sentence = text.secondary_sentence(r2f)
    assert f"{text.number(abs(rm.estimate), 0)} days {'sooner' if rm.estimate < 0 else 'later'}" in sentence
    assert text.interval(rm, "days") in sentence and sentence.endswith(").")


TTE_SCHEMA = {"arm": pl.String, "period": pl.String, "days": pl.Float64, "event": pl.Int64}
ARMS_PERIODS = ("before", "after")


def test_survival_summary_is_the_report_to_file_pages(runs: dict[str, EvaluationResult]) -> None:
    o = runs["default"].outcomes["report_to_file"]
    table = text.summary_frame(o)
    assert table.columns == list(summary(pl.DataFrame(schema=TTE_SCHEMA)).columns)
    assert table.select("arm", "period").rows() == [
        (a, p) for a in ("pilot", "control") for p in ARMS_PERIODS
    ]
    counts = ["filed", "closed_before_file", "still_open"]
    assert table["cases"].to_list() == table.select(pl.sum_horizontal(counts)).to_series().to_list()
    assert (
        all(0 < s < 1 for s in table["filed_by_365"])
        and text.summary_frame(replace(o, survival=None)).is_empty()
    )
    for row in table.iter_rows(named=True):  # a median only where half of all cases were filed
        assert (row["median_days"] is None) == (row["filed_by_365"] < 0.5 and row["median_days"] is None)


def test_survival_summary_withholds_figures_from_fewer_than_10_cases(
    runs: dict[str, EvaluationResult],
) -> None:
    o = runs["default"].outcomes["report_to_file"]
    cells = [
        ("pilot", "before", 6),
        ("pilot", "after", 40),
        ("control", "before", 40),
        ("control", "after", 40),
    ]
    rows = [(arm, period, float(10 + 30 * i), i % 3) for arm, period, n in cells for i in range(n)]
    cases = pl.DataFrame(rows, schema=["arm", "period", "days", "event"], orient="row")
    table = text.summary_frame(replace(o, survival=survival_summary(cases)))
    small = table.filter(pl.col("cases") < 10)
    assert small.select("arm", "period", "cases").rows() == [("pilot", "before", 6)]
    assert small["filed_by_365"].to_list() == [None] and small["median_days"].to_list() == [None]
    assert table.filter(pl.col("cases") >= 10)["filed_by_90"].null_count() == 0


def test_the_published_survival_table_shows_no_count_from_1_to_4(small_demo: Store) -> None:
    """The Evaluation page shows the table after disclosure control: the raw one has small counts."""
    run = store_analyses(small_demo).evaluation(Selection(end=date(2022, 12, 31)), "never")
    o = run.outcomes["report_to_file"]
    raw = (
        text.summary_frame(o).select("cases", "filed", "closed_before_file", "still_open").to_numpy().ravel()
    )
    assert any(1 <= v <= 4 for v in raw)  # the selection has small cells to protect
    columns = ["Cases", "Filed", "Closed before a file", "Still open"]
    sel = Selection(end=date(2022, 12, 31))
    data = store_analyses(small_demo)
    published = published_evaluation_survival(data, sel, o, "never")
    page = published_tables.km_summary_table(published_tables.published_km_summary(data, sel))
    pilot = pl.col("Arm") == "pilot areas"  # the same pilot cases as the page, the same published counts
    assert published.frame.filter(pilot).select(columns).equals(page.frame.filter(pilot).select(columns))
    shown = published.frame.select(columns).to_numpy().ravel()
    assert not any(v is not None and 1 <= v <= 4 for v in shown), published.frame
    assert published.note.primary > 0 and published.legend()


def test_design_table_lists_every_area_and_its_role(
    runs: dict[str, EvaluationResult], small_demo: Store
) -> None:
    cps = small_demo.areas("cps_area")
    for run in runs.values():
        table = text.design_table(run)
        assert sorted(table["Area"]) == sorted(cps["area_name"])
        assert set(table["Part in the comparison"]) <= set(text.ROLE_WORDS.values())
        order = list(text.ROLE_WORDS.values())
        ranks = [order.index(r) for r in table["Part in the comparison"]]
        assert ranks == sorted(ranks)  # pilots first, then controls, later starters, excluded, left out
    failing = text.design_table(runs["fails"])
    excluded = failing.filter(pl.col("Part in the comparison") == "Excluded by you")
    assert sorted(excluded["Area"]) == ["East of England", "London North", "South East"]
    assert set(excluded["Note"]) == {"excluded by the evaluator"}
    left = failing.filter(pl.col("Part in the comparison") == "Left out")
    assert left.height == 4 and set(left["Note"]) == {
        "treated inside the window (not a never-treated control)"
    }
    assert text.design_sentence(runs["fails"]).endswith("; 3 excluded by you, 4 left out.")
    assert "5 pilot areas, 5 control areas and 4 later-starting areas" in text.design_sentence(
        runs["default"]
    )


def test_event_study_and_synthetic_control_texts(runs: dict[str, EvaluationResult]) -> None:
    o = runs["default"].outcomes["referrals"]
    frame = text.event_study_frame(o)
    assert frame.columns == [
        "event_time",
        "period",
        "estimate",
        "lower",
        "upper",
        "placebo_lower",
        "placebo_upper",
        "uniform_lower",
        "uniform_upper",
    ]
    assert (frame["uniform_lower"] <= frame["lower"]).all()
    assert (frame["uniform_upper"] >= frame["upper"]).all()
    assert "simultaneous 95% band" in text.event_study_summary(o)
    assert frame.filter(pl.col("event_time") == 0)["period"].item().isoformat() == o.info["pilot_starts"][0]
    pre = frame.filter(pl.col("event_time") < 0).height
    assert f"of {pre} months before the start have a 95% interval" in text.event_study_summary(o)
    names = text.area_names(runs["default"])
    synth = text.synth_table(o, names)
    assert synth.height == len(o.synth) and set(synth["Pilot area"]) <= set(names.values())
    assert set(synth["Fit"]) <= {"acceptable", "poor: not a finding"}
    weights = text.weights_table(o.synth[0], names)
    assert (weights["Weight (%)"] >= 0.5).all() and weights["Weight (%)"].sum() <= 100.05


def test_survival_tests_say_they_test_a_change_within_areas(runs: dict[str, EvaluationResult]) -> None:
    o = runs["default"].outcomes["report_to_file"]
    said = text.logrank_sentences(o)
    assert any("within pilot areas" in s for s in said) and any("within control areas" in s for s in said)
    assert all("pilot against control" not in s for s in said)  # no pooled test of levels
    assert o.survival is not None and o.survival.logrank["pilot_change"].method == "stratified log-rank test"


def test_synthetic_control_speaks_in_the_headlines_units(runs: dict[str, EvaluationResult]) -> None:
    o = runs["default"].outcomes["referrals"]
    r = o.synth[0]
    after = r.series.filter(pl.col("post"))
    share = 100 * (after["treated"].mean() - after["synthetic"].mean()) / after["synthetic"].mean()
    assert r.diagnostics["effect"] == pytest.approx(share)  # per cent of the synthetic area, as the headline
    table = text.synth_table(o, text.area_names(runs["default"]))
    assert table["Effect (% of the synthetic area after the start)"][0] == round(share, 1)
    floor = 1 / (r.diagnostics["n_donors"] + 1)
    assert table["Smallest possible p-value"][0] == round(floor, 3)
    said = text.synth_sentence(r, "X", o)
    assert f"{abs(share):.0f}% " in said and f"the smallest possible is {floor:.2f}" in said
    entry = o.to_dict()["synthetic_control"][0]
    assert entry["unit"] == "percent" and entry["gap_unit"] == "index points"
    assert entry["estimate"] == pytest.approx(share) and entry["smallest_possible_p_value"] == floor


def test_sensitivity_to_parallel_trends_in_words_and_headline_units(
    runs: dict[str, EvaluationResult],
) -> None:
    o = runs["default"].outcomes["referrals"]
    s = o.evaluation.sensitivity
    assert s is not None and s.mbar[0] == 0.0 and len(s.mbar) == len(s.lower) == len(s.upper)
    frame = text.sensitivity_frame(o)
    widths = (frame["upper"] - frame["lower"]).to_list()
    assert widths == sorted(widths)  # more room for trends, wider intervals
    m = o.evaluation.relative.diagnostics["treated_post_mean"]
    assert frame["lower"][0] == pytest.approx(100 * s.lower[0] / (m - s.lower[0]))  # per cent, as headline
    said = text.sensitivity_sentence(o)
    assert "Rambachan and Roth" in said and "M = 1" in said
    if math.isfinite(s.breakdown):
        assert f"{s.breakdown:.2f}" in said
        assert bool(frame["excludes_zero"][0])  # clear at M = 0 when there is a breakdown value
    table = text.sensitivity_table(o)
    assert table.height == len(s.mbar) and "unbounded%" not in " ".join(table["Robust 95% interval"])
    rate = runs["default"].outcomes["charge_rate"]
    assert text.sensitivity_frame(rate)["upper"].max() <= 100  # a rate cannot move more than 100 points
    report = runs["default"].outcomes["report_to_file"]
    assert report.evaluation.sensitivity is None and text.sensitivity_sentence(report) == ""


def test_synthetic_did_beside_synthetic_control_in_headline_units(runs: dict[str, EvaluationResult]) -> None:
    o = runs["default"].outcomes["referrals"]
    e = o.synth_did
    assert e is not None
    a, m = e.diagnostics["additive_effect"], e.diagnostics["treated_post_mean"]
    assert e.estimate == pytest.approx(100 * a / (m - a))  # per cent of the counterfactual, as the headline
    said = text.synth_did_sentence(o)
    assert "Synthetic difference-in-differences" in said and f"{e.estimate:.0f}%" in said
    if e.diagnostics["n_controls"] <= e.diagnostics["n_pilots"]:  # 5 clean controls at CPS Area grain
        assert math.isnan(e.lower) and "more control areas" in said
    assert o.to_dict()["synthetic_did"]["unit"] == "percent"


# ---- the effect in cases ---------------------------------------------------------------------------


def test_per_quarter_counts_what_the_pilot_areas_saw_after_their_start() -> None:
    """Hand-built monthly panel: two pilot areas from month 2 (one of them from month 3), one control."""
    from soteria.evaluation.panels import Panel
    from soteria.evaluation.run import per_quarter

    frame = pl.DataFrame(
        {
            "unit": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
            "time": [0, 1, 2, 3] * 3,
            "referrals_count": [10.0, 10, 12, 14, 20, 20, 20, 30, 99, 99, 99, 99],
            "first_treat": [2] * 4 + [3] * 4 + [0] * 4,
            "role": ["pilot"] * 8 + ["control"] * 4,
        }
    )
    # treated cells: A at months 2 and 3 (12 + 14), B at month 3 (30): 56 referrals over 2 months
    assert per_quarter(Panel(frame, ("referrals",), 1, (2, 3), {}), "referrals") == pytest.approx(56 / 2 * 3)
    quarterly = frame.rename({"referrals_count": "charging_decisions"})
    assert per_quarter(Panel(quarterly, ("charge_rate",), 3, (2, 3), {}), "charge_rate") == pytest.approx(28)


def test_the_effect_in_cases_follows_from_the_headline_and_the_base(runs) -> None:
    result = runs["default"]
    referrals = result.outcomes["referrals"]
    base, r = referrals.info["per_quarter"], referrals.headline.estimate / 100
    assert base > 0 and referrals.in_cases(referrals.headline.estimate) == pytest.approx(base * r / (1 + r))
    # 25% more than would have been: a fifth of what was seen is the pilot's
    assert referrals.in_cases(25.0) == pytest.approx(base / 5)
    rate = result.outcomes["charge_rate"]
    assert rate.in_cases(2.0) == pytest.approx(rate.info["per_quarter"] * 0.02)
    for o in result.outcomes.values():
        sentence = text.cases_sentence(o)
        assert (
            sentence.startswith("That is about ") and "a quarter" in sentence and "95% interval" in sentence
        )
        assert sentence in text.headline_sentence(o)
    words = text.cases_sentence(replace(rate, headline=est(-2.0, -4.0, 1.0)))
    n = rate.info["per_quarter"]
    assert f"about {float(f'{0.02 * n:.2g}'):,.0f} fewer charges a quarter" in words
    assert words.endswith("more).") and "fewer to" in words


def test_subtitle_says_the_window_in_words(runs: dict[str, EvaluationResult]) -> None:
    sel = runs["default"].selection
    start, end = (date.fromisoformat(sel[k]) for k in ("start", "end"))
    said = text.subtitle(runs["default"])
    assert f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}" in said
    assert sel["start"] not in said and "not-yet-treated controls" in said
