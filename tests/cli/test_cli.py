"""The command line, in process, on real DuckDB files: output, exit codes 0/1/2, nothing written on error."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soteria.cli.common import MAX_PROBLEMS_SHOWN
from soteria.cli.main import app, command_names, main
from soteria.config import SAMPLES_DIR
from soteria.store import Store, close_stores

runner = CliRunner()
METRICS_SAMPLE = str(SAMPLES_DIR / "metrics_sample.csv")
CASES_SAMPLE = str(SAMPLES_DIR / "cases_sample.csv")


@pytest.fixture(autouse=True)
def _close_cli_stores() -> Iterator[None]:
    yield
    close_stores()


def run(store: Store, *args: str):
    return runner.invoke(app, ["--db", str(store.path), *args])


def test_commands_are_the_documented_ones():
    # Other modules add their own commands (evaluate, ...); the data-loading ones come in this order.
    loading = ["demo", "init", "ingest", "extracts", "undo"]
    assert [n for n in command_names() if n in loading] == loading


def test_ingest_loads_a_valid_file_and_says_so(store):
    result = run(store, "ingest", METRICS_SAMPLE)
    assert result.exit_code == 0, result.output
    assert (
        "metrics_sample.csv: area-month metrics (long) read as CSV (UTF-8, comma-separated), 12 rows read, "
        "3 areas, months 2024-07 to 2024-09 (3 months)" in result.stdout
    )
    assert "referrals: 6 new, 0 revised, 0 unchanged" in result.stdout
    assert "Loaded as extract 1." in result.stdout
    record = store.extracts().row(0, named=True)
    assert (record["file_name"], record["kind"], record["loaded_by"]) == (
        "metrics_sample.csv",
        "metrics",
        getpass.getuser(),
    )


def test_ingest_of_cases_takes_the_as_of_date(store, tmp_path):
    result = run(store, "ingest", CASES_SAMPLE, "--as-of", "2024-09-30")
    assert result.exit_code == 0, result.output
    assert "as of 2024-09-30" in result.stdout
    assert str(store.extracts()["as_of"][0]) == "2024-09-30"
    without_column = tmp_path / "cases.csv"
    without_column.write_text(
        "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\nY-1,E23000008,2024-05-01,,,\n"
    )
    refused = run(store, "ingest", str(without_column))
    assert refused.exit_code == 2 and "a case extract needs its as-of date" in refused.stderr
    assert "--as-of YYYY-MM-DD" in refused.stderr
    loaded = run(store, "ingest", str(without_column), "--as-of", "2024-07-31")
    assert loaded.exit_code == 0 and "as of 2024-07-31" in loaded.stdout


def test_reloading_the_same_file_changes_nothing(store):
    assert run(store, "ingest", METRICS_SAMPLE).exit_code == 0
    before = store.content_checksum()
    again = run(store, "ingest", METRICS_SAMPLE)
    assert again.exit_code == 0
    assert "Nothing changed: this file is already loaded as extract 1." in again.stdout
    assert store.content_checksum() == before


def test_dry_run_previews_and_writes_nothing(store):
    before = store.content_checksum()
    result = run(store, "ingest", CASES_SAMPLE, "--dry-run")
    assert result.exit_code == 0
    assert "cases: 6 new, 0 changed, 0 unchanged" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert store.content_checksum() == before


def test_invalid_file_lists_problems_on_stderr_and_exits_2(store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "area_code,month,metric,value\nE23000014,2024-07,referrals,4\nE23000014,2024-13,referrals,-1\n"
    )
    before = store.content_checksum()
    result = run(store, "ingest", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert (
        "bad.csv:3: month: month must be a month like 2023-04, 2023-04-01 or Apr 2023 (or an Excel date) "
        "(value '2024-13')"
    ) in lines
    assert (
        "bad.csv:3: value: value must be a whole number of 0 or more (or empty with a missing_reason) "
        "(value '-1')"
    ) in lines
    assert lines[-1] == "bad.csv: 2 problems; nothing was loaded."
    assert store.content_checksum() == before


def test_file_level_problem_has_no_column(store, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = run(store, "ingest", str(empty))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "empty.csv: the file is empty"


def test_at_most_fifty_problems_are_printed_then_a_count(store, tmp_path):
    bad = tmp_path / "many.csv"
    rows = "".join(f"E23000014,2024-07,metric_{i},1\n" for i in range(70))
    bad.write_text("area_code,month,metric,value\n" + rows)
    result = run(store, "ingest", str(bad))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert sum(": metric: metric must be one of" in line for line in lines) == MAX_PROBLEMS_SHOWN
    assert "... and 20 more problems" in lines
    assert lines[-1] == "many.csv: 70 problems; nothing was loaded."


def test_dates_after_the_as_of_date_are_invalid_input(store, tmp_path):
    conflict = run(store, "ingest", CASES_SAMPLE, "--as-of", "2024-06-30")
    assert conflict.exit_code == 2
    assert "the file's as_of column says 2024-09-30 but the as-of date given is 2024-06-30" in conflict.stderr
    early = tmp_path / "early.csv"
    early.write_text(Path(CASES_SAMPLE).read_text().replace("2024-09-30", "2024-06-30"))
    result = run(store, "ingest", str(early))
    assert result.exit_code == 2
    assert "early.csv:7: file_submitted_on: dates must lie between 2015-01-01" in result.stderr


def test_bad_as_of_and_missing_file_are_invalid_input(store, tmp_path):
    bad_date = run(store, "ingest", CASES_SAMPLE, "--as-of", "31/07/2024")
    assert bad_date.exit_code == 2 and "--as-of must be a date like 2024-07-31" in bad_date.stderr
    missing = run(store, "ingest", str(tmp_path / "nowhere.csv"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert run(store, "no-such-command").exit_code == 2


def test_storage_error_exits_1_with_a_message_and_no_traceback(tmp_path):
    not_a_db = tmp_path / "notes.duckdb"
    not_a_db.write_text("not a database")
    result = runner.invoke(app, ["--db", str(not_a_db), "extracts"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: The ") and str(not_a_db) in result.stderr
    assert "Traceback" not in result.output


def test_ingest_into_a_database_without_reference_data_exits_1(tmp_path):
    Store(tmp_path / "fresh.duckdb").close()
    result = runner.invoke(app, ["--db", str(tmp_path / "fresh.duckdb"), "ingest", METRICS_SAMPLE])
    assert result.exit_code == 1
    assert "holds no reference data" in result.stderr and "python -m soteria init" in result.stderr


@pytest.mark.parametrize("command", [["extracts"], ["ingest", METRICS_SAMPLE]])
def test_a_missing_database_is_reported_not_created(tmp_path, command):
    db = tmp_path / "typo.duckdb"
    result = runner.invoke(app, ["--db", str(db), *command])
    assert result.exit_code == 1
    assert f"There is no database at {db}" in result.stderr
    assert not db.exists()


def test_extracts_lists_loads_as_a_table_and_as_json(store):
    assert run(store, "extracts").stdout.startswith("No extracts loaded")
    assert json.loads(run(store, "extracts", "--json").stdout) == []
    run(store, "ingest", METRICS_SAMPLE)
    run(store, "ingest", CASES_SAMPLE)
    table = run(store, "extracts")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert "status" in lines[0] and "sha256" in lines[0]
    assert "cases_sample.csv" in lines[1] and "loaded" in lines[1] and "metrics_sample.csv" in lines[2]
    rows = json.loads(run(store, "extracts", "--json").stdout)
    assert [r["file_name"] for r in rows] == ["cases_sample.csv", "metrics_sample.csv"]
    assert rows[0]["as_of"] == "2024-09-30" and rows[0]["rows"] == 6 and rows[0]["is_synthetic"] is False
    assert rows[0]["status"] == "loaded" and len(rows[0]["sha256"]) == 64 and rows[0]["layout"] == "cases"
    assert rows[0]["loaded_by"] == getpass.getuser() and rows[0]["loaded_at"]


def test_undo_reverts_one_extract_and_refuses_what_later_loads_revised(store, tmp_path):
    assert run(store, "ingest", METRICS_SAMPLE).exit_code == 0
    revised = tmp_path / "revised.csv"
    revised.write_text(Path(METRICS_SAMPLE).read_text().replace(",41\n", ",70\n"))
    shown = run(store, "ingest", str(revised))
    assert shown.exit_code == 0
    assert "E23000014 2024-07 referrals: 41 -> 70 (+29, +70.7%) [over 50%]" in shown.stdout
    before = store.content_checksum()
    refused = run(store, "undo", "1")
    assert refused.exit_code == 2 and "cannot be undone on its own" in refused.stderr
    assert "extract 2 (revised.csv" in refused.stderr
    assert store.content_checksum() == before
    done = run(store, "undo", "2")
    assert done.exit_code == 0, done.output
    assert "Undone extract 2: 12 values and 0 cases taken out, 12 values and 0 cases put back." in done.stdout
    assert (
        store.metric_values(["referrals"], "force").filter(area_code="E23000014")["value"].to_list()[0] == 41
    )
    again = run(store, "undo", "2")
    assert again.exit_code == 2 and "already undone" in again.stderr
    assert run(store, "undo", "99").exit_code == 2
    listed = run(store, "extracts").stdout
    assert "undone" in listed and "[undone " in listed


def test_init_creates_reference_tables_only_and_refuses_a_database_with_data(tmp_path):
    db = tmp_path / "real.duckdb"
    created = runner.invoke(app, ["--db", str(db), "init"])
    assert created.exit_code == 0, created.output
    assert "for real data: 58 areas" in created.stdout
    close_stores()
    fresh = Store(db)
    span = fresh.data_span()
    assert (span["metric_values"], span["cases"]) == (0, 0) and fresh.extracts().is_empty()
    assert fresh.areas().height == 58 and fresh.pilot_register().height == 58
    assert fresh.meta()["dataset"] == "evaluation"
    fresh.close()
    again = runner.invoke(app, ["--db", str(db), "init"])
    assert again.exit_code == 2 and "already holds data; nothing was changed" in again.stderr
    loaded = runner.invoke(app, ["--db", str(db), "ingest", METRICS_SAMPLE])
    assert loaded.exit_code == 0, loaded.output


def test_kind_sheet_and_errors_csv_options(store, tmp_path):
    forced = run(store, "ingest", METRICS_SAMPLE, "--kind", "cases", "--dry-run")
    assert forced.exit_code == 2 and "required columns missing for a cases file" in forced.stderr
    assert run(store, "ingest", METRICS_SAMPLE, "--kind", "bogus").exit_code == 2
    workbook = str(SAMPLES_DIR / "metrics_sample.xlsx")
    assert run(store, "ingest", workbook, "--sheet", "Metrics", "--dry-run").exit_code == 0
    missing = run(store, "ingest", workbook, "--sheet", "Nope")
    assert missing.exit_code == 2 and "there is no sheet 'Nope' (sheets: 'Metrics')" in missing.stderr
    errors = tmp_path / "errors.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,month,metric,value\nE23000014,2024-07,referrals,-1\n")
    result = run(store, "ingest", str(bad), "--errors-csv", str(errors))
    assert result.exit_code == 2 and f"Every problem is listed in {errors}." in result.stderr
    assert errors.read_text().splitlines()[1].startswith("bad.csv,2,value,-1,value must be a whole number")


def test_main_exits_with_the_command_code(store):
    with pytest.raises(SystemExit) as done:
        main(["--db", str(store.path), "extracts", "--json"])
    assert done.value.code == 0


def test_demo_builds_refuses_to_overwrite_and_rebuilds_into_a_fresh_file(tmp_path):
    db = tmp_path / "demo.duckdb"
    built = runner.invoke(app, ["--db", str(db), "demo", "--cases", "300"])
    assert built.exit_code == 0, built.output
    assert "Built demo database" in built.stdout
    close_stores()
    first = Store(db)
    before = first.content_checksum()
    first.close()
    refused = runner.invoke(app, ["--db", str(db), "demo", "--cases", "300"])
    assert refused.exit_code == 2
    assert "already holds data; nothing was changed" in refused.stderr and "--force" in refused.stderr
    close_stores()
    again = Store(db)
    assert again.content_checksum() == before
    again.close()
    rebuilt = runner.invoke(app, ["--db", str(db), "demo", "--cases", "200", "--force"])
    assert rebuilt.exit_code == 0, rebuilt.output
    close_stores()
    backups = list(tmp_path.glob("demo.backup-*.duckdb"))
    assert len(backups) == 1 and str(backups[0]) in rebuilt.stdout
    kept, fresh = Store(backups[0]), Store(db)
    assert kept.content_checksum() == before
    assert fresh.data_span()["cases"] == 200
    kept.close()
    fresh.close()


def test_mappings_prints_saves_with_a_log_and_refuses_a_bad_csv(store, tmp_path):
    shown = run(store, "mappings")
    assert shown.exit_code == 0 and "closure_reason,14,victim_withdrawal" in shown.stdout
    mine = tmp_path / "map.csv"
    mine.write_text(shown.stdout + "closure_reason,Dropped,other,force X\n")
    saved = run(store, "mappings", "--save", str(mine))
    assert saved.exit_code == 0, saved.output
    assert "1 value(s) changed" in saved.stdout
    history = run(store, "mappings", "--history")
    assert "Dropped" in history.stdout and getpass.getuser() in history.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("field,value,maps_to\nclosure_reason,NFA,nonsense\n")
    refused = run(store, "mappings", "--save", str(bad))
    assert refused.exit_code == 2
    assert "bad.csv, row 2, column maps_to: 'nonsense' must be one of" in refused.stderr
    assert store.value_map_changes().height == 1  # nothing more saved


FORCE_CASES = (
    "Crime Reference,Force,Date Reported,Date File Submitted to CPS,Date Closed,Outcome\n"
    "KX/1,Kent,03/04/2023,17/05/2023,01/06/2023,Outcome 1\n"
    "KX/2,Kent,05/04/2023,,20/06/2023,NFA\n"
)


def test_a_file_with_its_own_headers_gets_a_proposal_then_loads_with_profile(store, tmp_path):
    file = tmp_path / "kent.csv"
    file.write_text(FORCE_CASES)
    refused = run(store, "ingest", str(file), "--as-of", "2023-09-30")
    assert refused.exit_code == 2
    assert "python -m soteria profiles --save NAME --kind cases" in refused.stderr
    assert "--map 'crime_reference=case_ref'" in refused.stderr
    proposed = run(store, "profiles", "--propose", str(file))
    assert "date_file_submitted_to_cps,file_submitted_on" in proposed.stdout
    maps = [
        a
        for s, t in [
            ("Crime Reference", "case_ref"),
            ("Force", "force_code"),
            ("Date Reported", "reported_on"),
            ("Date File Submitted to CPS", "file_submitted_on"),
            ("Date Closed", "closed_on"),
            ("Outcome", "closure_reason"),
        ]
        for a in ("--map", f"{s}={t}")
    ]
    saved = run(store, "profiles", "--save", "Kent cases", "--kind", "cases", *maps)
    assert saved.exit_code == 0, saved.output
    loaded = run(store, "ingest", str(file), "--as-of", "2023-09-30", "--profile", "Kent cases")
    assert loaded.exit_code == 0, loaded.output
    assert "source profile 'Kent cases'" in loaded.stdout and "Loaded as extract 1" in loaded.stdout
    assert "Kent cases,cases,crime_reference → case_ref" in run(store, "profiles").stdout
    unknown = run(store, "ingest", str(file), "--profile", "Nope")
    assert (
        unknown.exit_code == 2 and "no source profile called 'Nope' (profiles: Kent cases)" in unknown.stderr
    )
    bad = run(store, "profiles", "--save", "Half", "--kind", "cases", "--map", "Crime Reference=case_ref")
    assert bad.exit_code == 2 and "no column of the file is mapped to force_code" in bad.stderr
    assert run(store, "profiles", "--delete", "Kent cases").exit_code == 0
    assert store.source_profiles().is_empty()
    assert len(run(store, "profiles", "--history").stdout.splitlines()) == 3  # header, saved, deleted


def test_ingest_takes_the_metric_of_a_table_of_areas_by_quarter(store, tmp_path):
    file = tmp_path / "cps.csv"
    file.write_text("CPS Area,Q1 2024-25,Q2 2024-25\nWest Midlands,45,52\n")
    asked = run(store, "ingest", str(file))
    assert asked.exit_code == 2 and "does not say which metric it holds" in asked.stderr
    assert run(store, "ingest", str(file), "--metric", "nonsense").exit_code == 2
    loaded = run(store, "ingest", str(file), "--metric", "referrals")
    assert loaded.exit_code == 0, loaded.output
    assert store.metric_values(["referrals_quarterly"], "cps_area")["value"].to_list() == [45.0, 52.0]


def test_mappings_undo_puts_back_the_last_change(store, tmp_path):
    assert "Nothing to undo" in run(store, "mappings", "--undo").stdout
    mine = tmp_path / "map.csv"
    mine.write_text(run(store, "mappings").stdout + "closure_reason,Dropped,other,force X\n")
    assert run(store, "mappings", "--save", str(mine)).exit_code == 0
    undone = run(store, "mappings", "--undo")
    assert undone.exit_code == 0 and "Undone: 1 value(s) put back" in undone.stdout
    assert "Dropped" not in run(store, "mappings").stdout
