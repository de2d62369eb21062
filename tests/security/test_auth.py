"""Who may do what (soteria/auth.py): the pure rules, the role table, and the command line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soteria import auth
from soteria.cli.main import main
from soteria.config import SAMPLES_DIR

CONFIG = auth.RoleConfig.from_mapping(
    {"roles": {"Ana@Example.org": "admin"}, "groups": {"g-eval": "evaluator"}, "default_role": None}
)


def test_each_role_allows_exactly_its_actions() -> None:
    table = {
        ("viewer", "view"): True,
        ("viewer", "change_data"): False,
        ("viewer", "manage_roles"): False,
        ("evaluator", "view"): True,
        ("evaluator", "change_data"): True,
        ("evaluator", "manage_roles"): False,
        ("admin", "view"): True,
        ("admin", "change_data"): True,
        ("admin", "manage_roles"): True,
    }
    for (role, action), allowed in table.items():
        assert auth.can(role, action) is allowed, (role, action)
    assert not auth.can(None, "view")
    assert not auth.can("admin", "launch_missiles")  # unknown actions are never allowed
    assert not auth.can("superuser", "view")


@given(st.text(max_size=30), st.text(max_size=30))
def test_no_unknown_role_or_action_is_ever_allowed(role: str, action: str) -> None:
    if role not in auth.ROLES or action not in auth.ACTIONS:
        assert not auth.can(role, action)


def test_role_comes_from_table_config_and_groups_highest_wins() -> None:
    table = {"bo@example.org": "viewer"}
    assert auth.resolve_role("BO@example.org ", table, CONFIG, signed_in=True) == "viewer"
    assert auth.resolve_role("bo@example.org", table, CONFIG, ["g-eval"], signed_in=True) == "evaluator"
    assert auth.resolve_role("ana@example.org", table, CONFIG, signed_in=True) == "admin"
    # A signed-in identity with no role gets no access (unless a default role is configured).
    assert auth.resolve_role("eve@example.org", table, CONFIG, signed_in=True) is None
    open_config = auth.RoleConfig.from_mapping({"default_role": "viewer"})
    assert auth.resolve_role("eve@example.org", {}, open_config, signed_in=True) == "viewer"
    assert auth.resolve_role(None, table, CONFIG, signed_in=True) is None


def test_local_single_user_is_admin_only_while_no_role_is_assigned_anywhere() -> None:
    assert auth.resolve_role("me", {}, auth.RoleConfig(), signed_in=False) == "admin"
    assert auth.resolve_role("me", {"other": "admin"}, auth.RoleConfig(), signed_in=False) is None
    assert auth.resolve_role("me", {}, CONFIG, signed_in=False) is None
    # Never for a signed-in identity: an empty table must not make every SSO user an admin.
    assert auth.resolve_role("me", {}, auth.RoleConfig(), signed_in=True) is None


def test_bad_role_names_in_config_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        auth.RoleConfig.from_mapping({"roles": {"a@b": "superuser"}})


def test_only_loopback_addresses_count_as_local() -> None:
    for address in ("127.0.0.1", "localhost", "::1", "[::1]"):
        assert auth.is_local_address(address)
    for address in (None, "", "0.0.0.0", "::", "192.168.1.10", "example.org"):
        assert not auth.is_local_address(address)


def test_groups_claim_reads_entra_groups_and_roles() -> None:
    assert auth.groups_claim({"groups": ["a", "b"], "roles": "Soteria.Admin"}) == ["a", "b", "Soteria.Admin"]
    assert auth.groups_claim({}) == []


def test_role_table_grant_revoke_and_log(store) -> None:
    assert store.user_roles() == {}
    assert store.set_role("bo@example.org", "viewer", "ana")
    assert not store.set_role("bo@example.org", "viewer", "ana")  # no change, no log row
    assert store.set_role("bo@example.org", "evaluator", "ana")
    assert store.user_roles() == {"bo@example.org": "evaluator"}
    assert store.set_role("bo@example.org", None, "ana")
    assert store.user_roles() == {}
    log = store.role_changes().sort("changed_at")
    assert log.select("old_role", "new_role").rows() == [
        (None, "viewer"),
        ("viewer", "evaluator"),
        ("evaluator", None),
    ]


# -- the command line ---------------------------------------------------------------------------


def run_cli(capsys, monkeypatch, user: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("SOTERIA_USER", user)
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def roles_db(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "roles.duckdb")
    # No secrets.toml roles from the working tree may leak in.
    monkeypatch.setattr(auth, "role_config_from_file", lambda path=None: auth.RoleConfig())
    assert run_cli(capsys, monkeypatch, "ana@example.org", "--db", db, "init")[0] == 0
    code, out, _ = run_cli(
        capsys, monkeypatch, "ana@example.org", "--db", db, "roles", "grant", "vi@x.org", "viewer"
    )
    assert code == 0 and "ana@example.org (you) now has the admin role" in out
    assert (
        run_cli(
            capsys, monkeypatch, "ana@example.org", "--db", db, "roles", "grant", "ev@x.org", "evaluator"
        )[0]
        == 0
    )
    return db


SAMPLE = str(SAMPLES_DIR / "metrics_sample.csv")


def test_cli_viewer_cannot_change_data_by_any_command(roles_db, capsys, monkeypatch) -> None:
    from soteria.store import close_stores, open_store

    before = open_store(roles_db).content_checksum()
    for args in (
        ["ingest", SAMPLE],
        ["ingest", SAMPLE, "--dry-run"],
        ["undo", "1"],
        ["demo", "--force"],
        ["init"],
        ["roles", "grant", "vi@x.org", "admin"],
        ["roles", "revoke", "ev@x.org"],
    ):
        code, _, err = run_cli(capsys, monkeypatch, "vi@x.org", "--db", roles_db, *args)
        assert code == 2, (args, err)
        assert "vi@x.org has the viewer role, which does not allow" in err, args
        assert "Traceback" not in err
    # An identity with no role may not even read.
    code, _, err = run_cli(capsys, monkeypatch, "stranger@x.org", "--db", roles_db, "extracts")
    assert code == 2 and "no role" in err
    # The viewer may read.
    assert run_cli(capsys, monkeypatch, "vi@x.org", "--db", roles_db, "extracts")[0] == 0
    assert open_store(roles_db).content_checksum() == before
    close_stores()


def test_cli_evaluator_loads_and_is_recorded_admin_manages_roles(roles_db, capsys, monkeypatch) -> None:
    from soteria.store import close_stores, open_store

    code, out, err = run_cli(capsys, monkeypatch, "ev@x.org", "--db", roles_db, "ingest", SAMPLE)
    assert code == 0, err
    assert open_store(roles_db).extracts()["loaded_by"].to_list() == ["ev@x.org"]
    code, _, err = run_cli(
        capsys, monkeypatch, "ev@x.org", "--db", roles_db, "roles", "grant", "x@x.org", "viewer"
    )
    assert code == 2 and "manage who may do what" in err
    code, out, _ = run_cli(
        capsys, monkeypatch, "ana@example.org", "--db", roles_db, "roles", "revoke", "ev@x.org"
    )
    assert code == 0
    code, _, err = run_cli(capsys, monkeypatch, "ev@x.org", "--db", roles_db, "undo", "1")
    assert code == 2 and "no role" in err  # a revoked role applies at once
    code, out, _ = run_cli(capsys, monkeypatch, "ana@example.org", "--db", roles_db, "roles", "list")
    assert out.splitlines()[0].startswith("ana@example.org\tadmin")
    code, _, err = run_cli(
        capsys, monkeypatch, "ana@example.org", "--db", roles_db, "roles", "grant", "a@b", "boss"
    )
    assert code == 2 and "unknown role" in err
    close_stores()


@pytest.mark.parametrize("state", ["damaged", "missing"])
def test_cli_restore_checks_roles_whatever_state_the_database_is_in(
    roles_db, capsys, monkeypatch, state
) -> None:
    """A damaged or missing database has no readable role table: the snapshot's own decides (the roles
    that will be in force after the restore), so a viewer cannot restore and an admin can."""
    from pathlib import Path

    from soteria.store import backups, close_stores

    assert run_cli(capsys, monkeypatch, "ana@example.org", "--db", roles_db, "backup")[0] == 0
    name = backups.list_snapshots(roles_db)[0].name
    close_stores()
    db = Path(roles_db)
    if state == "damaged":
        db.write_bytes(b"\0" * 4096)
    else:
        db.unlink()
    code, _, err = run_cli(capsys, monkeypatch, "vi@x.org", "--db", roles_db, "restore", name)
    assert code == 2 and "vi@x.org has the viewer role, which does not allow" in err, err
    assert (db.read_bytes() == b"\0" * 4096) if state == "damaged" else not db.exists()
    code, _, err = run_cli(capsys, monkeypatch, "stranger@x.org", "--db", roles_db, "restore", name)
    assert code == 2 and "no role" in err
    code, out, err = run_cli(capsys, monkeypatch, "ana@example.org", "--db", roles_db, "restore", name)
    assert code == 0 and "Restored" in out, err
    close_stores()
