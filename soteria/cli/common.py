"""What every command shares: the Typer app, the database option, exit codes, the role check.

Exit codes: 0 success, 2 invalid input (problems on stderr as `FILE:ROW: COLUMN: rule (value 'x')`),
1 any other failure (a plain message, no traceback; set SOTERIA_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from soteria import auth
from soteria.config import database_path
from soteria.ingest.load import Problem
from soteria.store import ExtractConflict, StorageError, Store, open_store

MAX_PROBLEMS_SHOWN = 50


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Operation Soteria pilot evaluation dashboard: build the demo or a database for real data, "
    "load extracts, list loads, undo one.",
)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def guarded(action: Callable[[], None]) -> None:
    """Run a command: StorageError and unexpected errors become a message and exit code 1."""
    try:
        action()
    except typer.Exit:
        raise
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except ExtractConflict as exc:
        fail(f"error: {exc}", 2)
    except StorageError as exc:
        fail(f"error: {exc}")
    except Exception as exc:
        if os.environ.get("SOTERIA_DEBUG"):
            raise
        fail(f"error: {type(exc).__name__}: {exc} (set SOTERIA_DEBUG=1 for details)")


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Database file (default: $SOTERIA_DB, else data/soteria.duckdb)."),
    ] = None,
) -> None:
    ctx.obj = database_path(db)


def existing_store(path: Path, action: str = "view") -> Store:
    """The store at path, once the caller's role allows the action (exit 2 if not); a missing file is
    an error here, never silently created."""
    if not path.exists():
        fail(
            f"There is no database at {path}; create one with `python -m soteria init` (for real data) or "
            "`python -m soteria demo` (or check --db)."
        )
    store = open_store(path)
    authorise(store, action)
    return store


def authorise(store: Store, action: str) -> str:
    """The caller's identity ($SOTERIA_USER, else the OS user) once their role (role table and
    .streamlit/secrets.toml [soteria]) allows the action; exit 2 with the reason if it does not."""
    identity = auth.cli_identity()
    try:
        role = auth.resolve_role(identity, store.user_roles(), auth.role_config_from_file(), signed_in=False)
        auth.require(identity, role, action)
    except (auth.AccessDenied, ValueError) as exc:
        fail(f"error: {exc}", 2)
    return identity


def holds_data(store: Store) -> bool:
    return not store.is_empty() or store.extracts().height > 0


def format_problem(p: Problem) -> str:
    """`FILE:ROW: COLUMN: rule (value 'x')`, leaving out whatever a problem does not have."""
    where = p.file if p.row is None else f"{p.file}:{p.row}"
    text = p.rule if p.column is None else f"{p.column}: {p.rule}"
    if p.column is not None:
        text += " (empty)" if p.value is None else f" (value {p.value!r})"
    return f"{where}: {text}"


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of must be a date like 2024-07-31, not {text!r}", 2)
