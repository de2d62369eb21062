"""The corpus of bad files (tests/ingest/bad_files/, one per rule and failure mode; regenerate with
tests/ingest/bad_files/make_corpus.py): each one, loaded with the command line, exits 2 with a message naming
the problem, and leaves the database content exactly as it was (every table's checksum) and keeps no file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soteria.cli.main import app
from soteria.config import SAMPLES_DIR
from soteria.store import Store, archive, close_stores, open_store

CORPUS = Path(__file__).resolve().parent / "bad_files"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
runner = CliRunner()


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory) -> Iterator[Path]:
    """A database for real data holding every sample, so that 'unchanged' means something."""
    db = tmp_path_factory.mktemp("corpus") / "soteria.duckdb"
    assert runner.invoke(app, ["--db", str(db), "init"]).exit_code == 0
    for sample in sorted(SAMPLES_DIR.iterdir()):
        result = runner.invoke(app, ["--db", str(db), "ingest", str(sample)])
        assert result.exit_code == 0, result.output
    yield db
    close_stores()


def test_the_corpus_is_complete():
    files = {p.name for p in CORPUS.iterdir()} - {"make_corpus.py", "manifest.json"}
    assert files == {entry["file"] for entry in MANIFEST}
    assert len(MANIFEST) >= 70


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_bad_file_exits_2_names_the_problem_and_changes_nothing(loaded_db, monkeypatch, entry):
    for key, value in entry["env"].items():
        monkeypatch.setenv(key, value)
    store: Store = open_store(loaded_db)
    before = store.content_checksum()
    kept = sorted(archive.archive_dir(loaded_db).iterdir())
    result = runner.invoke(
        app, ["--db", str(loaded_db), "ingest", str(CORPUS / entry["file"]), *entry["args"]]
    )
    assert result.exit_code == 2, result.output
    assert entry["expect"] in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].endswith("nothing was loaded.")
    assert "Traceback" not in result.output
    assert store.content_checksum() == before
    assert sorted(archive.archive_dir(loaded_db).iterdir()) == kept


def test_errors_csv_lists_every_problem(loaded_db, tmp_path):
    errors = tmp_path / "errors.csv"
    bad = CORPUS / "metrics_unknown_area.csv"
    result = runner.invoke(app, ["--db", str(loaded_db), "ingest", str(bad), "--errors-csv", str(errors)])
    assert result.exit_code == 2
    lines = errors.read_text().splitlines()
    assert lines[0] == "file,row,column,value,rule,code"
    assert (
        lines[1]
        == "metrics_unknown_area.csv,3,area_code,E99999999,not a known area code or area name,area_code_known"
    )
