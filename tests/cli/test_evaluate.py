"""`python -m soteria evaluate`, in process, on a small demo database: JSON, text and exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soteria.cli.main import app, command_names
from soteria.demo.build import build_demo
from soteria.store import Store, close_stores

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli-evaluate") / "demo.duckdb"
    store = Store(path)
    build_demo(store, cases=4_000)
    store.close()
    return path


@pytest.fixture(autouse=True)
def _close_cli_stores() -> Iterator[None]:
    yield
    close_stores()


def run(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "evaluate", *args])


def test_evaluate_is_a_documented_command():
    assert "evaluate" in command_names()


def test_json_has_estimate_interval_and_p_value_for_every_outcome(db):
    result = run(db, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload["outcomes"]) == ["referrals", "charge_rate", "report_to_file"]
    for name, o in payload["outcomes"].items():
        assert {"estimate", "lower", "upper", "p_value", "n_assignments", "verdict", "checks"} <= set(o), name
        assert o["lower"] <= o["estimate"] <= o["upper"]
        assert 0 < o["p_value"] <= 1
        assert o["verdict_words"] in ("clear evidence", "some evidence", "no clear difference",
                                      "not a finding: assumptions fail")  # fmt: skip
    assert payload["outcomes"]["referrals"]["unit"] == "percent"
    assert payload["selection"]["grain"] == "cps_area" and payload["control"] == "notyet"
    referrals = payload["outcomes"]["referrals"]
    sens = referrals["parallel_trends_sensitivity"]
    assert sens["unit"] == "percent" and sens["mbar"][:3] == [0.0, 0.5, 1.0] and "breakdown" in sens
    assert referrals["additive"]["diagnostics"]["later_waves"] == "held"
    bands = referrals["event_study"]
    assert all(b["uniform_lower"] <= b["ri_lower"] for b in bands)
    assert payload["outcomes"]["report_to_file"]["parallel_trends_sensitivity"] is None
    synth = referrals["synthetic_control"][0]
    assert synth["unit"] == "percent" and synth["smallest_possible_p_value"] > 0


def test_one_outcome_at_force_grain_with_exclusions_and_a_window_end(db):
    result = run(
        db, "--outcome", "referrals", "--grain", "force", "--exclude", "E23000032", "--exclude", "E23000033",
        "--window-end", "2022-09-30", "--control", "never", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload["outcomes"]) == ["referrals"]
    design = {row["area_code"]: row["role"] for row in payload["design"]}
    assert design["E23000032"] == design["E23000033"] == "excluded"
    assert design["E23000005"] == "control"  # October 2022 wave: untreated in a window ending before it
    assert payload["outcomes"]["referrals"]["info"]["last_period"] == "2022-09-01"


def test_text_form_states_the_headline_and_the_checks(db):
    result = run(db, "--outcome", "charge_rate")
    assert result.exit_code == 0, result.output
    assert "Charge rate:" in result.stdout
    assert "After the pilot began, the charge rate in pilot areas was" in result.stdout
    assert "randomisation p = " in result.stdout and "pretrend (" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "arrests"], "--outcome must be one of referrals, charge_rate, report_to_file"),
        (["--grain", "region"], "--grain must be 'force' or 'cps_area'"),
        (["--control", "sometimes"], "--control must be 'notyet' or 'never'"),
        (["--window-end", "10/07/2023"], "--window-end must be a date like 2023-07-10"),
        (["--exclude", "CPS-XX"], "--exclude: no cps_area area has the code CPS-XX"),
    ],
)
def test_invalid_input_exits_2_with_a_message(db, args, message):
    result = run(db, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_missing_database_exits_1(tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "evaluate"])
    assert result.exit_code == 1 and "There is no database" in result.stderr
