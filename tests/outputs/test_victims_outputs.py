"""Victims' groups in exports, the command line and the report pack, like every other chart."""

from __future__ import annotations

import io

import polars as pl
import pytest
from typer.testing import CliRunner

from soteria.analysis.compare import Selection
from soteria.cli.main import app
from soteria.outputs import pack as report
from soteria.outputs.chart_files import export_chart
from soteria.outputs.data import Analyses, store_analyses
from soteria.outputs.pack.document import esc
from soteria.outputs.registry import CHARTS, build
from soteria.store import close_stores

VICTIM_CHARTS = [n for n in CHARTS if n.startswith("victims_")]


@pytest.fixture(scope="module")
def data(demo_store) -> Analyses:
    return store_analyses(demo_store)


def test_six_victims_charts_are_registered() -> None:
    assert sorted(VICTIM_CHARTS) == sorted(
        f"victims_{f}_{k}" for f in ("sex", "age_band", "ethnicity") for k in ("effects", "shares")
    )
    assert {CHARTS[n].group for n in VICTIM_CHARTS} == {"Victims' groups"}


def test_the_groups_table_exports_as_csv_and_excel_with_its_rules(data) -> None:
    out = build("victims_ethnicity_shares", data, Selection())
    text = export_chart(out, "csv").decode()
    table = pl.read_csv(io.StringIO(text), comment_prefix="#")
    assert {"cases", "filed_by_365", "nfa_by_365", "withdrawal_by_365"} <= set(table.columns)
    assert "White" in table["group"].to_list() and "Not stated" in table["group"].to_list()
    assert "counts of 1 to 4" in text.lower() or "[c]" in text  # the disclosure rule travels with it
    meta = pl.read_excel(io.BytesIO(export_chart(out, "xlsx")), sheet_name="Metadata")
    assert "Definition" in meta["Item"].to_list()


def test_a_report_pack_section_of_victims_groups(data) -> None:
    names = ["victims_age_band_effects", "victims_age_band_shares"]
    chosen = report.build_pack(data, Selection(), names, [])
    html = report.render(chosen, "html").decode()
    for output in chosen.outputs:
        assert esc(output.text.title) in html and esc(output.summary) in html
    effects = chosen.outputs[0]
    assert "comparisons" in effects.caption and any("comparisons" in n for n in effects.text.notes)
    assert html.count("<table>") == 2


def test_the_command_line_lists_and_exports_them(demo_store, tmp_path) -> None:
    import shutil

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store.path, db)
    runner = CliRunner()
    try:
        listed = runner.invoke(app, ["--db", str(db), "export", "--list"])
        assert listed.exit_code == 0 and all(n in listed.output for n in VICTIM_CHARTS)
        done = runner.invoke(
            app, ["--db", str(db), "export", "victims_sex_effects", "--format", "csv", "--out", str(tmp_path)]
        )
        assert done.exit_code == 0, done.output
    finally:
        close_stores()
    (written,) = tmp_path.glob("victims_sex_effects_*.csv")
    frame = pl.read_csv(written, comment_prefix="#")
    assert {"label", "estimate", "lower", "upper", "gap_p_holm"} <= set(frame.columns)
