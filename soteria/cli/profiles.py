"""`profiles`: the saved source profiles (a source's column names matched to a layout): list them, show
the match proposed for a file, save one from `--map` pairs, delete one, or show the change history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from soteria.cli.common import app, authorise, existing_store, fail, guarded
from soteria.store import Store


@app.command()
def profiles(
    ctx: typer.Context,
    save: Annotated[
        str | None, typer.Option("--save", help="Save (create or replace) a profile by this name.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="cases or metrics (with --save or --propose).")
    ] = None,
    maps: Annotated[
        list[str] | None,
        typer.Option("--map", help="One column match, 'File column=layout_column' (repeat; with --save)."),
    ] = None,
    propose: Annotated[
        Path | None, typer.Option("--propose", help="Show the column match proposed for this file.")
    ] = None,
    delete: Annotated[str | None, typer.Option("--delete", help="Delete the profile of this name.")] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Who created, changed or deleted which.")
    ] = False,
) -> None:
    """List the source profiles as CSV (name, kind, columns); --propose FILE shows the match proposed for
    a file; --save NAME --kind K --map 'A=b' ... saves one (checked first, logged); --delete NAME."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.ingest import source_profiles as sp

        writing = bool(save or delete)
        store = existing_store(path, "change_data" if writing else "view")
        if history:
            typer.echo(store.source_profile_changes().write_csv(), nl=False)
        elif propose is not None:
            _propose(store, propose, kind)
        elif delete:
            if not store.delete_source_profile(delete, authorise(store, "change_data")):
                fail(f"error: no source profile called {delete!r}; nothing was changed", 2)
            typer.echo(f"Deleted the source profile {delete!r}.")
        elif save:
            pairs = [m.split("=", 1) for m in maps or []]
            if any(len(p) != 2 for p in pairs):
                fail("error: each --map is 'File column=layout_column'", 2)
            problems = sp.save_profile(
                store, save, kind or "", {a: b.strip() for a, b in pairs}, authorise(store, "change_data")
            )
            if problems:
                fail("\n".join(f"error: {p}" for p in problems) + "\nNothing was saved.", 2)
            typer.echo(f"Saved the source profile {save!r}: load with `ingest FILE --profile {save!r}`.")
        else:
            typer.echo(sp.profiles_table(store).write_csv(), nl=False)

    guarded(run)


def _propose(store: Store, file: Path, kind: str | None) -> None:
    from soteria.ingest.extract import read_extract
    from soteria.ingest.source_profiles import file_columns, proposal_for

    if not file.is_file():
        fail(f"error: {file} does not exist or is not a file", 2)
    parsed = read_extract(
        file.read_bytes(), file.name, store.areas(), kind=kind if kind in ("cases", "metrics") else None
    )
    columns = file_columns(parsed)
    if not columns:
        fail(f"error: {file.name}: " + "; ".join(p.rule for p in parsed.problems), 2)
    proposal = proposal_for(store, parsed, kind)
    if proposal is None:
        typer.echo(f"{file.name}'s columns already fit a layout: no profile is needed.")
        return
    rows = [(s, t, proposal.reasons[t]) for s, t in proposal.mapping.items()]
    table = pl.DataFrame(rows, schema=["file_column", "column", "why"], orient="row")
    typer.echo(f"Proposed as a {proposal.kind} file:\n" + table.write_csv(), nl=False)
