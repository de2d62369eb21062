"""Command line: `python -m soteria [--db PATH] demo | ingest FILE | extracts`.

Exit codes: 0 success, 2 invalid input (problems on stderr as `FILE:ROW: COLUMN: rule (value 'x')`),
1 any other failure (a plain message, no traceback; set SOTERIA_DEBUG=1 to see one).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from soteria.config import database_path
from soteria.ingest import IngestResult, Problem, ingest_file
from soteria.storage import StorageError, Store, close_stores, open_store

MAX_PROBLEMS_SHOWN = 50

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Operation Soteria pilot evaluation dashboard: build the demo, load extracts, list loads.",
)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _guarded(action: Callable[[], None]) -> None:
    """Run a command: StorageError and unexpected errors become a message and exit code 1."""
    try:
        action()
    except typer.Exit:
        raise
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
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


def _existing_store(path: Path) -> Store:
    """The store at path; a missing file is an error here, never silently created."""
    if not path.exists():
        fail(f"There is no database at {path}; build one with `python -m soteria demo` (or check --db).")
    return open_store(path)


def _holds_data(store: Store) -> bool:
    return not store.is_empty() or store.extracts().height > 0


@app.command()
def demo(
    ctx: typer.Context,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild into a fresh file; the old file is kept as a backup.")
    ] = False,
    cases: Annotated[int | None, typer.Option("--cases", help="Number of synthetic case timelines.")] = None,
) -> None:
    """Build the database with synthetic demonstration data (refuses to touch a database holding data)."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.demo import DEFAULT_CASES, build_demo

        options = {"cases": DEFAULT_CASES if cases is None else cases}
        if not _holds_data(open_store(path)):
            summary = build_demo(open_store(path), **options)
            typer.echo(f"Built demo database {path}: {_describe(summary)}")
            return
        if not force:
            fail(
                f"The database {path} already holds data; nothing was changed.\n"
                f"To rebuild it, delete the file yourself or run with --force, which builds a fresh "
                f"file and keeps the current one as a backup.",
                2,
            )
        close_stores()
        fresh = path.with_name(path.name + ".new")
        if fresh.exists():
            fail(
                f"{fresh} exists (left by an earlier rebuild?); delete it and run again. Nothing was changed."
            )
        writer = Store(fresh)
        try:
            summary = build_demo(writer, **options)
        finally:
            writer.close()
        backup = path.with_name(f"{path.stem}.backup-{datetime.now():%Y%m%d-%H%M%S}{path.suffix}")
        path.rename(backup)
        if Path(f"{path}.wal").exists():
            Path(f"{path}.wal").rename(f"{backup}.wal")
        fresh.rename(path)
        typer.echo(f"Rebuilt demo database {path}: {_describe(summary)}")
        typer.echo(f"The previous database was kept as {backup}; delete it when no longer needed.")

    _guarded(run)


def _describe(summary: dict[str, Any]) -> str:
    keys = ("metric_rows", "cases", "first_month", "last_month", "as_of", "seconds")
    return ", ".join(f"{k} {summary[k]}" for k in keys if k in summary)


def format_problem(p: Problem) -> str:
    """`FILE:ROW: COLUMN: rule (value 'x')`, leaving out whatever a problem does not have."""
    where = p.file if p.row is None else f"{p.file}:{p.row}"
    text = p.rule if p.column is None else f"{p.column}: {p.rule}"
    if p.column is not None:
        text += " (empty)" if p.value is None else f" (value {p.value!r})"
    return f"{where}: {text}"


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of must be a date like 2024-07-31, not {text!r}", 2)


def _report(result: IngestResult) -> None:
    parsed = result.parsed
    if result.status == "invalid":
        for problem in parsed.problems[:MAX_PROBLEMS_SHOWN]:
            typer.echo(format_problem(problem), err=True)
        if parsed.problem_total > MAX_PROBLEMS_SHOWN:
            typer.echo(f"... and {parsed.problem_total - MAX_PROBLEMS_SHOWN:,} more problems", err=True)
        if parsed.problem_total > 1:
            typer.echo("Problems by rule:", err=True)
            for rule, count in parsed.problem_counts.items():
                typer.echo(f"  {count:>7,}  {rule}", err=True)
        count = parsed.problem_total
        fail(f"{parsed.file_name}: {count:,} problem{'s' if count != 1 else ''}; nothing was loaded.", 2)
    assert result.preview is not None
    typer.echo("\n".join(result.preview.lines()))
    if result.status == "loaded":
        typer.echo(f"Loaded as extract {result.extract_id}.")
    elif result.status == "dry_run":
        typer.echo("Dry run: nothing was written.")
    else:
        typer.echo(f"Nothing changed: this file is already loaded as extract {result.extract_id}.")


@app.command()
def ingest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV extract: area-month metrics or case timelines.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and preview; write nothing.")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The extract's as-of date, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Check an extract, show what it would change, and load it (unless --dry-run)."""
    path: Path = ctx.obj
    when = _parse_date(as_of)

    def run() -> None:
        store = _existing_store(path)
        if store.is_empty():
            fail(
                f"The database {path} holds no reference data (areas) yet; "
                "build it first with `python -m soteria demo`."
            )
        _report(ingest_file(store, file, getpass.getuser(), as_of=when, dry_run=dry_run))

    _guarded(run)


@app.command()
def extracts(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every extract loaded, newest first."""
    path: Path = ctx.obj

    def run() -> None:
        rows = _existing_store(path).extracts().to_dicts()
        if as_json:
            typer.echo(json.dumps(rows, default=lambda v: v.isoformat(), indent=2))
            return
        if not rows:
            typer.echo(f"No extracts loaded in {path}.")
            return
        typer.echo(f"{'id':>4}  {'loaded at':<16}  {'kind':<8} {'rows':>10}  {'as of':<10}  file (loaded by)")
        for r in rows:
            flags = " [synthetic]" if r["is_synthetic"] else ""
            flags += "" if r["status"] == "loaded" else f" [{r['status']}]"
            typer.echo(
                f"{r['extract_id']:>4}  {r['loaded_at']:%Y-%m-%d %H:%M}  {r['kind']:<8} {r['rows']:>10,}  "
                f"{str(r['as_of'] or ''):<10}  {r['file_name']} ({r['loaded_by']}){flags}"
            )

    _guarded(run)


def command_names() -> list[str]:
    return [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `python -m soteria`; exits with the command's code."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="python -m soteria")
    finally:
        close_stores()
