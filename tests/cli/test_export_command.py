"""`python -m soteria export`, in process through Typer on a copy of a real demo database: the list of
charts, CSV and Excel files that hold exactly the published table, and refusals (exit 2, or 1 for a
missing database) that say why and write nothing."""

from __future__ import annotations

import io
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from soteria.analysis.compare import Selection
from soteria.cli.main import app
from soteria.domain import DEMO_LABEL
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.data import store_analyses
from soteria.outputs.export import frame_to_csv
from soteria.outputs.registry import CHARTS, build
from soteria.store import Store, close_stores
from tests.browser_support import browser_test

runner = CliRunner()
CSV = ("referrals_by_area", "--format", "csv")


@pytest.fixture(scope="module")
def db(small_demo: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the small demo for the command line, which opens its own read-write connection."""
    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    shutil.copyfile(small_demo.path, path)
    return path


@pytest.fixture(autouse=True)
def _close_cli_stores() -> Iterator[None]:
    yield
    close_stores()


def cli(db: Path, *args: str) -> Result:
    try:
        return runner.invoke(app, ["--db", str(db), "export", *args])
    finally:
        close_stores()


def published(small_demo: Store, name: str, **options: str) -> ChartOutput:
    return build(name, store_analyses(small_demo), Selection(), **options)


def test_list_names_every_chart_with_its_label(db: Path) -> None:
    result = cli(db, "--list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(CHARTS)
    for line, (name, spec) in zip(lines, CHARTS.items(), strict=True):
        assert line.split()[0] == name and line.rstrip().endswith(spec.label)


@pytest.mark.parametrize(("name", "options"), [
    ("referrals_pilot_vs_control", ()),
    ("referrals_pilot_vs_control", ("--measure", "total")),
    ("victim_withdrawals_by_area", ()),
    ("report_to_file_share_filed", ()),
    ("report_to_file_share_filed", ("--estimator", "kaplan_meier")),
    ("charge_rate_event_study", ()),
])  # fmt: skip
def test_csv_holds_the_published_table(
    db: Path, small_demo: Store, tmp_path: Path, name: str, options: tuple[str, ...]
) -> None:
    result = cli(db, name, "--format", "csv", "--out", str(tmp_path), *options)
    assert result.exit_code == 0, result.output
    kwargs = {k.lstrip("-"): v for k, v in zip(options[::2], options[1::2], strict=True)}
    expected = published(small_demo, name, **kwargs)
    written = tmp_path / expected.file_name("csv")
    assert [p.name for p in tmp_path.iterdir()] == [written.name]
    assert result.stdout.strip() == f"Wrote {written} ({expected.table.note.summary()})"
    lines = written.read_text().splitlines(keepends=True)
    notes = [line for line in lines if line.startswith("# ")]
    assert notes[0] == f"# {DEMO_LABEL}\n" and f"# {expected.text.title}\n" in notes
    assert "".join(lines[len(notes) :]).encode() == frame_to_csv(expected.table.display())
    back = pl.read_csv(written, comment_prefix="#", infer_schema_length=0)
    assert back.columns == expected.table.frame.columns and back.height == expected.table.frame.height


def same(cell: str | None, wanted: object) -> bool:
    if wanted is None:
        return cell is None
    if isinstance(wanted, bool):
        return str(cell).lower() == str(wanted).lower()
    if isinstance(wanted, int | float):
        return cell is not None and math.isclose(float(cell), float(wanted), rel_tol=1e-9, abs_tol=1e-9)
    return str(cell).removesuffix(" 00:00:00") == str(wanted)


@pytest.mark.parametrize("name", ["early_advice_requests_by_area", "charge_rate_pilot_vs_control"])
def test_xlsx_holds_the_published_table_with_its_symbols(
    db: Path, small_demo: Store, tmp_path: Path, name: str
) -> None:
    out = tmp_path / "chart.xlsx"
    result = cli(db, name, "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["chart.xlsx"]
    expected = published(small_demo, name).table
    data = pl.read_excel(io.BytesIO(out.read_bytes()), sheet_name="Data", infer_schema_length=0)
    labels = [expected.labels.get(c, c) for c in expected.frame.columns]
    assert data.columns == labels and data.height == expected.frame.height
    for column, label in zip(expected.frame.columns, labels, strict=True):
        symbols = expected.symbols.get_column(column) if column in expected.symbols.columns else None
        for i, (cell, value) in enumerate(zip(data[label], expected.rounded()[column], strict=True)):
            wanted = symbols[i] if symbols is not None and symbols[i] is not None else value
            assert same(cell, wanted), (label, i, cell, wanted)
    meta = dict(pl.read_excel(io.BytesIO(out.read_bytes()), sheet_name="Metadata").iter_rows())
    assert meta["Title"] == published(small_demo, name).text.title
    shown = sum(int((data[c] == "[c]").sum()) for c in data.columns)
    assert shown == expected.symbol_counts().get("[c]", 0)
    assert shown > 0 or name != "early_advice_requests_by_area"


@pytest.mark.parametrize(("args", "message"), [
    (("pie",), "unknown chart 'pie'; `python -m soteria export --list` names them"),
    ((), "name a chart to export"),
    (("referrals_by_area", "--format", "gif"), "--format must be one of png, svg, pdf, csv, xlsx, not 'gif'"),
    (("report_to_file_share_filed", "--measure", "total"), "--measure applies to the pilot-against"),
    (("referrals_by_area", "--estimator", "kaplan_meier"), "--estimator applies to the report-to-file chart"),
    (("report_to_file_share_filed", "--format", "csv", "--estimator", "km"),
     "invalid choice: estimator must be one of aalen_johansen, kaplan_meier, not 'km'"),
    (("referrals_pilot_vs_control", "--format", "csv", "--measure", "bogus"),
     "invalid choice: measure must be one of index, mean_per_area, total, not 'bogus'"),
    ((*CSV, "--start", "2019-13-01"),
     "--start must be a date like 2019-01-01, not '2019-13-01'"),
    ((*CSV, "--grain", "county"), "invalid choice: grain must be one of"),
    ((*CSV, "--start", "2023-01-01", "--end", "2022-01-01"),
     "invalid choice: start (2023-01-01) must be before end (2022-01-01)"),
    ((*CSV, "--frequency", "week"), "invalid choice: frequency must be"),
    ((*CSV, "--exclude", "NOPE"), "--exclude: no cps_area area with code NOPE"),
    ((*CSV, "--exclude", "E23000014"),
     "--exclude: no cps_area area with code E23000014"),
    ((*CSV, "--wave", "2019 dreams"), "--wave: no wave called 2019 dreams"),
])  # fmt: skip
def test_bad_input_exits_2_with_a_message_and_writes_nothing(
    db: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    before = db.read_bytes()
    result = cli(db, *args, "--out", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == [] and db.read_bytes() == before


def test_a_missing_database_exits_1_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "soteria.duckdb"
    out = tmp_path / "out"
    out.mkdir()
    result = cli(missing, "referrals_pilot_vs_control", "--format", "csv", "--out", str(out))
    assert result.exit_code == 1
    assert f"There is no database at {missing}" in result.stderr and "python -m soteria init" in result.stderr
    assert not missing.parent.exists() and list(out.iterdir()) == []


def test_without_out_the_file_is_named_by_chart_grain_and_period(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default target is a named file in the working folder
    result = cli(db, "charges_by_area", "--format", "csv", "--grain", "force", "--end", "2022-12-31")
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["charges_by_area_force_2019-01_2022-12.csv"]


@browser_test
def test_png_export_is_a_print_resolution_image(db: Path, tmp_path: Path) -> None:
    result = cli(db, "referrals_pilot_vs_control", "--format", "png", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    png = (tmp_path / "referrals_pilot_vs_control_cps-area_2019-01_2023-06.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") >= 2200
