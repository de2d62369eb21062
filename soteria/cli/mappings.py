"""`mappings`: the value mapping (how coded values such as Home Office outcome codes become the
dashboard's codes): print it, replace it from a CSV, show its change history, or undo its last change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soteria.cli.common import app, authorise, existing_store, fail, guarded


@app.command()
def mappings(
    ctx: typer.Context,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="Replace the mapping with this CSV (field, value, maps_to, note)."),
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Show who changed which value, newest first.")
    ] = False,
    undo: Annotated[
        bool, typer.Option("--undo", help="Put back the mapping as it was before its last change.")
    ] = False,
) -> None:
    """Print the value mapping in force as CSV; --save FILE replaces it (every row checked first, nothing
    saved if one fails; each change logged); --history lists the changes; --undo puts back the mapping as
    it was before its last change (logged too)."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.ingest import value_map

        store = existing_store(path, "change_data" if save or undo else "view")
        if undo:
            put_back = store.undo_value_map_change(changed_by=authorise(store, "change_data"))
            typer.echo(
                f"Undone: {put_back} value(s) put back as they were before the last change."
                if put_back
                else "Nothing to undo: the mapping has not been changed."
            )
            return
        if history:
            typer.echo(store.value_map_changes().write_csv(), nl=False)
            return
        if save is None:
            typer.echo(store.value_map().write_csv(), nl=False)
            return
        if not save.is_file():
            fail(f"error: {save} does not exist or is not a file", 2)
        try:
            candidate = value_map.read_csv(save.read_bytes())
        except ValueError as exc:
            fail(f"error: {save.name}: {exc}", 2)
        typed, problems = value_map.validate(candidate, save.name)
        if problems:
            fail("\n".join([*problems, f"{save.name}: {len(problems)} problem(s); nothing was saved."]), 2)
        changed = store.replace_value_map(typed, changed_by=authorise(store, "change_data"))
        typer.echo(f"Saved the value mapping from {save.name}: {changed} value(s) changed.")

    guarded(run)
