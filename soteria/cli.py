"""Command line: `python -m soteria [--db PATH] demo | ingest FILE | extracts | evaluate`.

Exit codes: 0 success, 2 invalid input (problems on stderr as `FILE:ROW: COLUMN: rule (value 'x')`),
1 any other failure (a plain message, no traceback; set SOTERIA_DEBUG=1 to see one).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from soteria import auth
from soteria.config import database_path
from soteria.ingest import KIND_NAMES, IngestResult, Problem, ingest_file
from soteria.storage import ExtractConflict, StorageError, Store, close_stores, open_store

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


def _guarded(action: Callable[[], None]) -> None:
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


def _existing_store(path: Path, action: str = "view") -> Store:
    """The store at path, once the caller's role allows the action (exit 2 if not); a missing file is
    an error here, never silently created."""
    if not path.exists():
        fail(
            f"There is no database at {path}; create one with `python -m soteria init` (for real data) or "
            "`python -m soteria demo` (or check --db)."
        )
    store = open_store(path)
    _authorise(store, action)
    return store


def _authorise(store: Store, action: str) -> str:
    """The caller's identity ($SOTERIA_USER, else the OS user) once their role (role table and
    .streamlit/secrets.toml [soteria]) allows the action; exit 2 with the reason if it does not."""
    identity = auth.cli_identity()
    try:
        role = auth.resolve_role(identity, store.user_roles(), auth.role_config_from_file(), signed_in=False)
        auth.require(identity, role, action)
    except (auth.AccessDenied, ValueError) as exc:
        fail(f"error: {exc}", 2)
    return identity


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
        _authorise(open_store(path), "change_data")
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


@app.command()
def init(ctx: typer.Context) -> None:
    """Create a database for real data: the reference tables only, no synthetic data."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.reference import read_areas, read_force_cps_area, read_pilot_register

        store = open_store(path)
        who = _authorise(store, "change_data")
        if _holds_data(store):
            fail(f"The database {path} already holds data; nothing was changed.", 2)
        areas, register = read_areas(), read_pilot_register()
        store.replace_reference(areas, read_force_cps_area())
        store.replace_pilot_register(register, changed_by=f"{who} (python -m soteria init)")
        store.set_meta({"dataset": "evaluation", "initialised": datetime.now().isoformat(timespec="seconds")})
        assumed = int(register["is_assumption"].sum())
        typer.echo(
            f"Created {path} for real data: {areas.height} areas, the force to CPS Area map and the pilot "
            f"register ({register.height} areas, {assumed} with assumed waves or dates: check them on the "
            "Pilot register page). No metrics or cases yet: load extracts with `python -m soteria ingest`."
        )

    _guarded(run)


def _report(result: IngestResult, errors_csv: Path | None) -> None:
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
        if errors_csv is not None:
            errors_csv.write_bytes(parsed.problems_csv())
            typer.echo(f"Every problem is listed in {errors_csv}.", err=True)
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


def _progress(label: str, fraction: float) -> None:
    typer.echo(f"[{fraction:4.0%}] {label}", err=True)


@app.command()
def ingest(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="The extract: CSV, Excel .xlsx or Parquet (see docs/extracts.md).")
    ],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="metrics, cases or cjs (default: detected from the columns)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The extract's as-of date, YYYY-MM-DD. Required for case timelines without an as_of "
            "column; for metrics it defaults to today.",
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="The sheet to read from an Excel workbook.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and preview; write nothing.")] = False,
    errors_csv: Annotated[
        Path | None, typer.Option("--errors-csv", help="Write every problem to this CSV file.")
    ] = None,
) -> None:
    """Check an extract, show what it would change, and load it (unless --dry-run)."""
    path: Path = ctx.obj
    when = _parse_date(as_of)
    if kind is not None and kind not in KIND_NAMES:
        fail(f"--kind must be one of {', '.join(KIND_NAMES)}, not {kind!r}", 2)

    def run() -> None:
        store = _existing_store(path, "change_data")
        if store.is_empty():
            fail(
                f"The database {path} holds no reference data (areas) yet; create it first with "
                "`python -m soteria init` (for real data) or `python -m soteria demo`."
            )
        progress = _progress if sys.stderr.isatty() else None
        result = ingest_file(
            store,
            file,
            auth.cli_identity(),
            as_of=when,
            dry_run=dry_run,
            kind=kind,
            sheet=sheet,
            progress=progress,
        )
        _report(result, errors_csv)

    _guarded(run)


@app.command()
def extracts(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every extract loaded (file, SHA-256, kind, rows, who, when, status), newest first."""
    path: Path = ctx.obj

    def run() -> None:
        rows = _existing_store(path).extract_list().to_dicts()
        if as_json:
            typer.echo(json.dumps(rows, default=lambda v: v.isoformat(), indent=2))
            return
        if not rows:
            typer.echo(f"No extracts loaded in {path}.")
            return
        typer.echo(
            f"{'id':>4}  {'loaded at':<16}  {'kind':<8} {'rows':>10}  {'as of':<10}  {'status':<7}  "
            "sha256 (first 12)  file (loaded by)"
        )
        for r in rows:
            flags = " [synthetic]" if r["is_synthetic"] else ""
            if r["undone_by"]:
                flags += f" [undone {r['undone_at']:%Y-%m-%d %H:%M} by {r['undone_by']}]"
            typer.echo(
                f"{r['extract_id']:>4}  {r['loaded_at']:%Y-%m-%d %H:%M}  {r['kind']:<8} {r['rows']:>10,}  "
                f"{str(r['as_of'] or ''):<10}  {r['status']:<7}  {r['sha256'][:12]:<17}  "
                f"{r['file_name']} ({r['loaded_by']}){flags}"
            )

    _guarded(run)


@app.command()
def undo(
    ctx: typer.Context,
    extract_id: Annotated[int, typer.Argument(metavar="ID", help="The extract to undo (see `extracts`).")],
) -> None:
    """Undo one extract: put back exactly what was stored before it (refused, with the reason, when a
    later load replaced any of its values or cases)."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.undo import plan_undo
        from soteria.undo import undo as undo_extract

        store = _existing_store(path, "change_data")
        plan = plan_undo(store, extract_id)
        if not plan.allowed:
            fail(plan.message, 2)
        typer.echo(plan.message)
        counts = undo_extract(store, extract_id, auth.cli_identity())
        typer.echo(
            f"Undone extract {extract_id}: {counts['values']:,} values and {counts['cases']:,} cases taken "
            f"out, {counts['values_restored']:,} values and {counts['cases_restored']:,} cases put back."
        )

    _guarded(run)


@app.command()
def backup(
    ctx: typer.Context,
    list_them: Annotated[
        bool, typer.Option("--list", help="List the snapshots, newest first, one per line, name first.")
    ] = False,
) -> None:
    """Take a snapshot of the database now (one is also taken before every load and undo; the newest
    $SOTERIA_BACKUPS_KEEP, default 10, are kept), or list them with --list."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria import backups

        store = _existing_store(path, "view" if list_them else "change_data")
        if list_them:
            snaps = backups.list_snapshots(path)
            for snap in snaps:
                typer.echo(snap.line())
            if not snaps:
                typer.echo(f"No snapshots of {path} yet (in {backups.backup_dir(path)}).", err=True)
            return
        snap = backups.take(store, "manual")
        typer.echo(f"Snapshot {snap.name} taken ({snap.size_bytes:,} bytes) in {backups.backup_dir(path)}.")

    _guarded(run)


@app.command()
def restore(
    ctx: typer.Context,
    snapshot: Annotated[str, typer.Argument(metavar="SNAPSHOT", help="A name from `backup --list`.")],
) -> None:
    """Put the database back exactly as it was in a snapshot. The current database is snapshotted first
    (a damaged one is kept aside); refused while the dashboard or another command has it open."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria import backups
        from soteria.storage import is_duckdb_file

        if path.exists() and is_duckdb_file(path):
            _existing_store(path, "change_data")
        close_stores()  # this process must not hold the file while it is replaced
        snap, before = backups.restore(path, snapshot)
        typer.echo(f"Restored {path} from snapshot {snap.name} ({snap.reason}).")
        if before is not None:
            typer.echo(f"The database as it was just before is snapshot {before.name}.")

    _guarded(run)


roles_app = typer.Typer(
    no_args_is_help=True, help="Who may do what: list, grant and revoke roles (viewer, evaluator, admin)."
)
app.add_typer(roles_app, name="roles")


@roles_app.command("list")
def roles_list(ctx: typer.Context) -> None:
    """Every identity with a role in the role table (roles from secrets.toml are listed after them)."""
    path: Path = ctx.find_root().obj

    def run() -> None:
        store = _existing_store(path, "view")
        rows = store.role_list().to_dicts()
        for r in rows:
            when = f"{r['granted_at']:%Y-%m-%d %H:%M}"
            typer.echo(f"{r['identity']}\t{r['role']}\t(granted {when} by {r['granted_by']})")
        config = auth.role_config_from_file()
        for identity, role in sorted(config.roles.items()):
            typer.echo(f"{identity}\t{role}\t(secrets.toml)")
        for group, role in sorted(config.groups.items()):
            typer.echo(f"group {group}\t{role}\t(secrets.toml)")
        if not rows and config.is_empty:
            typer.echo("No roles assigned: local single-user mode (whoever runs the dashboard is its admin).")

    _guarded(run)


@roles_app.command("grant")
def roles_grant(
    ctx: typer.Context,
    identity: Annotated[str, typer.Argument(metavar="EMAIL", help="The identity (sign-in email).")],
    role: Annotated[str, typer.Argument(metavar="ROLE", help="viewer, evaluator or admin.")],
) -> None:
    """Give an identity a role (replacing any role it had); needs the admin role."""
    path: Path = ctx.find_root().obj

    def run() -> None:
        try:
            wanted = auth.check_role(role)
        except ValueError as exc:
            fail(f"error: {exc}", 2)
        store = _existing_store(path, "manage_roles")
        who = auth.cli_identity()
        if not store.user_roles() and auth.role_config_from_file().is_empty and auth.normalise(identity) != (
            auth.normalise(who)
        ):
            # The first grant ends local single-user mode: keep the person granting it as admin.
            store.set_role(auth.normalise(who), "admin", who)
            typer.echo(f"{who} (you) now has the admin role: the role table applies from now on.")
        changed = store.set_role(auth.normalise(identity), wanted, who)
        typer.echo(f"{identity} {'now has' if changed else 'already had'} the {wanted} role.")

    _guarded(run)


@roles_app.command("revoke")
def roles_revoke(
    ctx: typer.Context,
    identity: Annotated[str, typer.Argument(metavar="EMAIL", help="The identity (sign-in email).")],
) -> None:
    """Take away an identity's role from the role table; needs the admin role."""
    path: Path = ctx.find_root().obj

    def run() -> None:
        store = _existing_store(path, "manage_roles")
        changed = store.set_role(auth.normalise(identity), None, auth.cli_identity())
        typer.echo(f"{identity} {'no longer has a role' if changed else 'had no role'} in the role table.")

    _guarded(run)


from soteria.cli_evaluate import evaluate  # noqa: E402 - its own module: heavy imports load on use

app.command()(evaluate)

from soteria.cli_export import export, report  # noqa: E402 - charts, their data and the report pack

app.command()(export)
app.command()(report)


def command_names() -> list[str]:
    return [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `python -m soteria`; exits with the command's code."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="python -m soteria")
    finally:
        close_stores()
