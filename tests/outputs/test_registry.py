"""The chart registry (soteria.outputs.registry): every chart builds on a real demo store for the default
selection, publishes only what disclosure control allows, says itself in one sentence and names its
file by grain and period; unknown charts and bad options are refused."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from soteria import disclosure as dc
from soteria.analysis.compare import Selection
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.data import Analyses, store_analyses
from soteria.outputs.descriptive_charts import MEASURES
from soteria.outputs.registry import CHARTS, DEFAULT_PACK, build
from soteria.store import Store

SEL = Selection()
SENTENCE = re.compile(r"[^.!?]*(?:\.\d[^.!?]*)*[.!?]")  # decimals such as 102.3 do not end a sentence
TWO_SENTENCES = ["report_to_file_share_filed"]  # see test_the_km_summary_is_one_sentence


@pytest.fixture(scope="module")
def data(small_demo: Store) -> Analyses:
    return store_analyses(small_demo)


@pytest.fixture(scope="module")
def outputs(data: Analyses) -> dict[str, ChartOutput]:
    return {name: build(name, data, SEL) for name in CHARTS}


def small_counts(output: ChartOutput, threshold: int = dc.THRESHOLD) -> list[str]:
    frame = output.table.frame
    columns = [c for c in frame.columns if c in output.table.counts or c in dc.COUNT_COLUMNS]
    return [
        f"{c}={v}"
        for c in columns
        for v in frame.get_column(c).drop_nulls().to_list()
        if isinstance(v, int | float) and 1 <= v < threshold
    ]


def one_sentence(text: str) -> bool:
    return SENTENCE.fullmatch(text.strip()) is not None


def test_the_registry_and_the_default_pack() -> None:
    assert len(CHARTS) == 24 and all(spec.name == name for name, spec in CHARTS.items())
    assert len(DEFAULT_PACK) == 9 == len(set(DEFAULT_PACK)) and set(DEFAULT_PACK) <= set(CHARTS)
    assert DEFAULT_PACK[:2] == ("pilot_effects", "referrals_pilot_vs_control") and CHARTS[
        "report_to_file_share_filed"
    ].kinds == ("cases",)
    assert CHARTS["referrals_pilot_vs_control"].options == {"measure": tuple(MEASURES)}


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_builds_for_the_default_selection(name: str, outputs: dict[str, ChartOutput]) -> None:
    out = outputs[name]
    assert isinstance(out, ChartOutput) and (out.name, out.stem) == (name, name)
    assert replace(out.sel, metric=SEL.metric) == SEL  # a metric's chart selects its metric, nothing else
    assert out.table.frame.height > 0 and out.table.symbols.height in (0, out.table.frame.height)
    assert out.figure.data, "the figure has no traces"
    assert out.text.title and out.text.source.startswith("Source: synthetic-demo-")
    assert out.synthetic and dict(out.metadata)


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_count_from_1_to_4_is_published(name: str, outputs: dict[str, ChartOutput]) -> None:
    out = outputs[name]
    assert out.table.note.threshold == dc.THRESHOLD
    assert small_counts(out) == []
    shown = out.table.display()
    for column in (c for c in shown.columns if c in out.table.counts):
        cells = [str(v) for v in shown.get_column(column).drop_nulls().to_list()]
        assert not [v for v in cells if re.fullmatch(r"[1-4](\.0+)?", v)], column


def test_withheld_cells_carry_a_symbol_and_no_value(outputs: dict[str, ChartOutput]) -> None:
    out = outputs["early_advice_requests_by_area"]  # small monthly counts: many withheld in the demo
    assert out.table.note.primary > 0 and out.table.symbol_counts().get(dc.CONFIDENTIAL, 0) > 0
    symbols = out.table.symbols.get_column("value")
    withheld = out.table.frame.filter(symbols.is_not_null())
    assert withheld.height == symbols.drop_nulls().len() and withheld["value"].null_count() == withheld.height
    assert out.table.legend()[0].startswith("[c] confidential")


@pytest.mark.parametrize("name", [n for n in CHARTS if n not in TWO_SENTENCES])
def test_the_summary_is_one_sentence(name: str, outputs: dict[str, ChartOutput]) -> None:
    summary = outputs[name].summary
    assert summary and one_sentence(summary), summary


def test_the_km_summary_is_one_sentence(outputs: dict[str, ChartOutput]) -> None:
    summary = outputs["report_to_file_share_filed"].summary
    assert one_sentence(summary), summary
    assert "closures competing" in summary and summary.count("95% interval") >= 2  # shares with intervals


def test_the_sentence_check_itself() -> None:
    assert one_sentence("Pilot areas went from 102.3 in Jan 2019 to 288.3; control areas from 1.9 to 2.")
    assert not one_sentence("Median 334 days. Kaplan-Meier medians: open cases count.")
    assert not one_sentence("No full stop")


@pytest.mark.parametrize("name", list(CHARTS))
def test_the_file_name_states_grain_and_period(name: str, outputs: dict[str, ChartOutput]) -> None:
    out = outputs[name]
    for ext in ("csv", "xlsx", "png"):
        found = re.fullmatch(rf"{name}_cps-area_(\d{{4}}-\d\d)_(\d{{4}}-\d\d)\.{ext}", out.file_name(ext))
        assert found, out.file_name(ext)
        start, end = found.groups()
        assert start == "2019-01" and "2023-06" <= end <= "2023-07"
        span = out.span or (SEL.start, SEL.end)
        assert (start, end) == (f"{span[0]:%Y-%m}", f"{span[1]:%Y-%m}")


def test_another_grain_and_window_show_in_the_file_name(data: Analyses) -> None:
    sel = Selection(grain="force", start=date(2019, 1, 1), end=date(2022, 12, 31), frequency="month")
    out = build("charges_by_area", data, sel)
    assert out.file_name("csv") == "charges_by_area_force_2019-01_2022-12.csv"
    assert set(out.table.frame["area_code"]) <= set(data.area_names("force"))


def test_an_option_changes_the_table_and_the_file_name(data: Analyses) -> None:
    total = build("referrals_pilot_vs_control", data, SEL, measure="total")
    assert total.stem == "referrals_pilot_vs_control_total"
    assert total.file_name("csv").startswith("referrals_pilot_vs_control_total_cps-area_")
    unused = build("referrals_by_area", data, SEL, measure="total")  # an option the chart has not: ignored
    assert unused.stem == "referrals_by_area"


def test_a_higher_threshold_withholds_more(data: Analyses, outputs: dict[str, ChartOutput]) -> None:
    strict = build("victim_withdrawals_by_area", data, SEL, threshold=10)
    assert strict.table.note.threshold == 10 and small_counts(strict, 10) == []
    default = outputs["victim_withdrawals_by_area"]
    assert strict.table.note.primary > default.table.note.primary


def test_an_unknown_chart_is_a_key_error_naming_the_charts(data: Analyses) -> None:
    with pytest.raises(KeyError) as caught:
        build("pie", data, SEL)
    message = str(caught.value)
    assert "unknown chart 'pie'; choose from:" in message and all(name in message for name in CHARTS)


@pytest.mark.parametrize("bad", ["bogus", "Index", ""])
def test_a_bad_option_value_is_a_value_error(data: Analyses, bad: str) -> None:
    with pytest.raises(ValueError, match=rf"measure must be one of index, mean_per_area, total, not '{bad}'"):
        build("referrals_pilot_vs_control", data, SEL, measure=bad)
