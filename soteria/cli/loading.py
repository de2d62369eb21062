"""`demo`, `init`, `ingest`, `extracts` and `undo`: build a database, load extracts, list and undo loads."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from soteria import auth
from soteria.cli.common import (
    MAX_PROBLEMS_SHOWN,
    app,
    authorise,
    existing_store,
    fail,
    format_problem,
    guarded,
    holds_data,
    parse_date,
)
from soteria.domain import METRICS
from soteria.ingest.kinds import KIND_NAMES
from soteria.ingest.load import IngestResult, ingest_file
from soteria.store import Store, close_stores, open_store


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
        from soteria.demo.build import DEFAULT_CASES, build_demo

        n_cases = DEFAULT_CASES if cases is None else cases
        authorise(open_store(path), "change_data")
        if not holds_data(open_store(path)):
            summary = build_demo(open_store(path), cases=n_cases)
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
            summary = build_demo(writer, cases=n_cases)
        finally:
            writer.close()
        backup = path.with_name(f"{path.stem}.backup-{datetime.now():%Y%m%d-%H%M%S}{path.suffix}")
        path.rename(backup)
        if Path(f"{path}.wal").exists():
            Path(f"{path}.wal").rename(f"{backup}.wal")
        fresh.rename(path)
        typer.echo(f"Rebuilt demo database {path}: {_describe(summary)}")
        typer.echo(f"The previous database was kept as {backup}; delete it when no longer needed.")

    guarded(run)


def _describe(summary: dict[str, Any]) -> str:
    keys = ("metric_rows", "cases", "first_month", "last_month", "as_of", "seconds")
    return ", ".join(f"{k} {summary[k]}" for k in keys if k in summary)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create a database for real data: the reference tables only, no synthetic data."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.reference import read_areas, read_force_cps_area, read_pilot_register

        store = open_store(path)
        who = authorise(store, "change_data")
        if holds_data(store):
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

    guarded(run)


def _report(result: IngestResult, errors_csv: Path | None, after_problems: Callable[[], None]) -> None:
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
        after_problems()
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


def _suggest_profile(store: Store, result: IngestResult, kind: str | None) -> None:
    """For a file whose columns fit no layout: the proposed column match, ready to save as a profile."""
    from soteria.ingest.source_profiles import proposal_for

    proposal = proposal_for(store, result.parsed, kind)
    if proposal is None:
        return
    maps = " ".join(f"--map '{s}={t}'" for s, t in proposal.mapping.items())
    typer.echo(f"The columns could be matched as a {proposal.kind} file:", err=True)
    for target, why in proposal.reasons.items():
        typer.echo(f"  {target:<18} from {why}", err=True)
    typer.echo(
        f"Check it, then save it and load the file through it:\n"
        f"  python -m soteria profiles --save NAME --kind {proposal.kind} {maps}\n"
        f"  python -m soteria ingest {result.parsed.file_name} --profile NAME",
        err=True,
    )


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
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="Read the file through this saved source profile (see `profiles`)."),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option("--metric", help="The metric a table of areas by quarter holds, if it does not say."),
    ] = None,
) -> None:
    """Check an extract, show what it would change, and load it (unless --dry-run)."""
    path: Path = ctx.obj
    when = parse_date(as_of)
    if kind is not None and kind not in KIND_NAMES:
        fail(f"--kind must be one of {', '.join(KIND_NAMES)}, not {kind!r}", 2)
    if metric is not None and metric not in METRICS:
        fail(f"--metric must be one of {', '.join(METRICS)}, not {metric!r}", 2)

    def run() -> None:
        store = existing_store(path, "change_data")
        if store.is_empty():
            fail(
                f"The database {path} holds no reference data (areas) yet; create it first with "
                "`python -m soteria init` (for real data) or `python -m soteria demo`."
            )
        from soteria.ingest.source_profiles import load_profile, profile_names

        chosen = load_profile(store, profile)
        if profile and chosen is None:
            known = ", ".join(profile_names(store)) or "none saved yet"
            fail(f"error: no source profile called {profile!r} (profiles: {known})", 2)
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
            profile=chosen,
            metric=metric,
        )
        _report(result, errors_csv, lambda: None if chosen else _suggest_profile(store, result, kind))

    guarded(run)


@app.command()
def extracts(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every extract loaded (file, SHA-256, kind, rows, who, when, status), newest first."""
    path: Path = ctx.obj

    def run() -> None:
        rows = existing_store(path).extract_list().to_dicts()
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

    guarded(run)


@app.command()
def undo(
    ctx: typer.Context,
    extract_id: Annotated[int, typer.Argument(metavar="ID", help="The extract to undo (see `extracts`).")],
) -> None:
    """Undo one extract: put back exactly what was stored before it (refused, with the reason, when a
    later load replaced any of its values or cases)."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.ingest.undo import plan_undo
        from soteria.ingest.undo import undo as undo_extract

        store = existing_store(path, "change_data")
        plan = plan_undo(store, extract_id)
        if not plan.allowed:
            fail(plan.message, 2)
        typer.echo(plan.message)
        counts = undo_extract(store, extract_id, auth.cli_identity())
        typer.echo(
            f"Undone extract {extract_id}: {counts['values']:,} values and {counts['cases']:,} cases taken "
            f"out, {counts['values_restored']:,} values and {counts['cases_restored']:,} cases put back."
        )

    guarded(run)
