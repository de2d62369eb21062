"""`backup`, `restore` and `roles`: snapshots of the database and who may do what."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soteria import auth
from soteria.cli.common import app, authorise, existing_store, fail, guarded
from soteria.store import close_stores


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
        from soteria.store import backups

        store = existing_store(path, "view" if list_them else "change_data")
        if list_them:
            snaps = backups.list_snapshots(path)
            for snap in snaps:
                typer.echo(snap.line())
            if not snaps:
                typer.echo(f"No snapshots of {path} yet (in {backups.backup_dir(path)}).", err=True)
            return
        snap = backups.take(store, "manual")
        typer.echo(f"Snapshot {snap.name} taken ({snap.size_bytes:,} bytes) in {backups.backup_dir(path)}.")

    guarded(run)


@app.command()
def restore(
    ctx: typer.Context,
    snapshot: Annotated[str, typer.Argument(metavar="SNAPSHOT", help="A name from `backup --list`.")],
) -> None:
    """Put the database back exactly as it was in a snapshot. The current database is snapshotted first
    (a damaged one is kept aside); refused while the dashboard or another command has it open."""
    path: Path = ctx.obj

    def run() -> None:
        from soteria.store import backups

        _authorise_restore(path, snapshot)
        close_stores()  # this process must not hold the file while it is replaced
        snap, before = backups.restore(path, snapshot)
        typer.echo(f"Restored {path} from snapshot {snap.name} ({snap.reason}).")
        if before is not None:
            typer.echo(f"The database as it was just before is snapshot {before.name}.")

    guarded(run)


def _authorise_restore(path: Path, snapshot: str) -> None:
    """Roles first, whatever state the database is in: the current database's role table when it can be
    read; when it is missing or damaged, the snapshot's own (what will be in force after the restore).
    Either way .streamlit/secrets.toml counts too, and a database still in use refuses the restore."""
    from soteria.store import StorageError, Store, backups, is_duckdb_file

    if path.exists() and is_duckdb_file(path):
        try:
            existing_store(path, "change_data")
            return
        except StorageError as exc:
            if "in use" in str(exc):
                raise
    snap = backups.find(path, snapshot)
    backups.verify(snap.path)
    store = Store(snap.path, read_only=True)
    try:
        authorise(store, "change_data")
    finally:
        store.close()


roles_app = typer.Typer(
    no_args_is_help=True, help="Who may do what: list, grant and revoke roles (viewer, evaluator, admin)."
)


app.add_typer(roles_app, name="roles")


@roles_app.command("list")
def roles_list(ctx: typer.Context) -> None:
    """Every identity with a role in the role table (roles from secrets.toml are listed after them)."""
    path: Path = ctx.find_root().obj

    def run() -> None:
        store = existing_store(path, "view")
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

    guarded(run)


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
        store = existing_store(path, "manage_roles")
        who = auth.cli_identity()
        if (
            not store.user_roles()
            and auth.role_config_from_file().is_empty
            and auth.normalise(identity) != (auth.normalise(who))
        ):
            # The first grant ends local single-user mode: keep the person granting it as admin.
            store.set_role(auth.normalise(who), "admin", who)
            typer.echo(f"{who} (you) now has the admin role: the role table applies from now on.")
        changed = store.set_role(auth.normalise(identity), wanted, who)
        typer.echo(f"{identity} {'now has' if changed else 'already had'} the {wanted} role.")

    guarded(run)


@roles_app.command("revoke")
def roles_revoke(
    ctx: typer.Context,
    identity: Annotated[str, typer.Argument(metavar="EMAIL", help="The identity (sign-in email).")],
) -> None:
    """Take away an identity's role from the role table; needs the admin role."""
    path: Path = ctx.find_root().obj

    def run() -> None:
        store = existing_store(path, "manage_roles")
        changed = store.set_role(auth.normalise(identity), None, auth.cli_identity())
        typer.echo(f"{identity} {'no longer has a role' if changed else 'had no role'} in the role table.")

    guarded(run)
