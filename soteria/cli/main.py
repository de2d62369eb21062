"""Command line: `python -m soteria [--db PATH] demo | init | ingest FILE | extracts | undo | evaluate | ...`.

Each command lives in the module of its job; importing them registers them on the one Typer app, in the
order `--help` lists them. Exit codes: 0 success, 2 invalid input, 1 any other failure (`common`).
"""

from __future__ import annotations

from collections.abc import Sequence

from soteria.cli import loading, mappings, profiles, safekeeping, serve
from soteria.cli.common import app
from soteria.cli.evaluate import evaluate
from soteria.cli.export import export, report
from soteria.store import close_stores

REGISTERED_BY_IMPORT = (
    loading,
    safekeeping,
    mappings,
    profiles,
    serve,
)  # their commands are decorated onto `app`
__all__ = ["app", "command_names", "main"]
app.command()(evaluate)
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
