"""Where things live: the database path and the project's data folders."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SAMPLES_DIR = DATA_DIR / "samples"
DEFAULT_DB = DATA_DIR / "soteria.duckdb"


def database_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The database path: the --db option, else SOTERIA_DB, else data/soteria.duckdb."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("SOTERIA_DB")
    return Path(env) if env else DEFAULT_DB
