"""Who may do what: roles, the actions they allow, and the role of an identity. Pure, no streamlit.

Roles, each including the one before:
- ``viewer``: browse every page and export the disclosure-controlled outputs (charts, tables);
- ``evaluator``: also upload and undo extracts, download the files as loaded and edit the pilot register;
- ``admin``: also grant and revoke roles.

Where a role comes from (the highest applies):
- the role table in the database (``python -m soteria roles grant EMAIL ROLE``);
- the ``[soteria.roles]`` table of ``.streamlit/secrets.toml`` (identity = role) and ``[soteria.groups]``
  (a group claim of the identity token, such as an Entra ID group object id = role);
- ``[soteria] default_role`` for any other signed-in identity (default: none, so no access).

Local single-user mode (no sign-in configured): while no role is assigned anywhere, the person at the
machine is the admin of their own local file; once any role is assigned, the table applies to them too.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("viewer", "evaluator", "admin")
ACTIONS: dict[str, str] = {
    "view": "viewer",  # browse pages, export disclosure-controlled charts and tables
    "change_data": "evaluator",  # upload, undo, edit the register, backups
    "download_originals": "admin",  # the raw extract as loaded: case-level data, no disclosure control
    "manage_roles": "admin",  # grant and revoke roles
    "publish": "admin",  # the release schedule and the notice of a known data problem on every page
}
ACTION_WORDS = {
    "view": "see this dashboard's data",
    "change_data": "load, undo or change data",
    "download_originals": "download original extracts as loaded",
    "manage_roles": "manage who may do what",
    "publish": "set the next update date and the notice shown on every page",
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class AccessDenied(PermissionError):
    """The identity's role does not allow the action; the message says who, what and why."""


def rank(role: str | None) -> int:
    """0 for no role, then 1 viewer, 2 evaluator, 3 admin."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def can(role: str | None, action: str) -> bool:
    """Whether a role allows an action (unknown actions are never allowed)."""
    needed = ACTIONS.get(action)
    return needed is not None and rank(role) >= rank(needed)


def check_role(role: str) -> str:
    """A valid role name (lower-cased), or ValueError."""
    value = role.strip().lower()
    if value not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return value


def normalise(identity: str) -> str:
    """Identities compare case-insensitively (email addresses), without surrounding spaces."""
    return identity.strip().lower()


@dataclass(frozen=True)
class RoleConfig:
    """The roles part of the configuration (`[soteria]` in secrets.toml)."""

    roles: Mapping[str, str] = field(default_factory=dict)  # identity -> role
    groups: Mapping[str, str] = field(default_factory=dict)  # group claim value -> role
    default_role: str | None = None  # for signed-in identities with no other role

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any] | None) -> RoleConfig:
        """From the `[soteria]` secrets section; ValueError on an unknown role name."""
        section = section or {}
        roles = {normalise(k): check_role(str(v)) for k, v in dict(section.get("roles") or {}).items()}
        groups = {str(k).strip(): check_role(str(v)) for k, v in dict(section.get("groups") or {}).items()}
        default = section.get("default_role")
        return cls(roles, groups, check_role(str(default)) if default else None)

    @property
    def is_empty(self) -> bool:
        return not self.roles and not self.groups and self.default_role is None


def resolve_role(
    identity: str | None,
    table: Mapping[str, str],
    config: RoleConfig = RoleConfig(),
    groups: Iterable[str] = (),
    *,
    signed_in: bool,
) -> str | None:
    """The role of an identity: the highest of its table role, config role and group roles; else the
    configured default for a signed-in identity; else, in local mode with no role assigned anywhere,
    admin (the single user owns the local file); else None (no access)."""
    if not identity:
        return None
    key = normalise(identity)
    found = [table.get(key), config.roles.get(key), *(config.groups.get(str(g)) for g in groups)]
    best = max(found, key=rank)
    if best is not None:
        return best
    if signed_in:
        return config.default_role
    if not table and config.is_empty:
        return "admin"
    return None


def require(identity: str | None, role: str | None, action: str) -> None:
    """Raise AccessDenied unless the role allows the action."""
    if not can(role, action):
        who = identity or "nobody signed in"
        has = f"the {role} role" if role else "no role"
        raise AccessDenied(
            f"{who} has {has}, which does not allow them to {ACTION_WORDS.get(action, action)}"
            + (f" (needs the {ACTIONS[action]} role)." if action in ACTIONS else ".")
            + " Ask an admin to grant a role (python -m soteria roles grant EMAIL ROLE)."
        )


def cli_identity() -> str:
    """Who runs a command: $SOTERIA_USER, else the operating-system user."""
    return os.environ.get("SOTERIA_USER", "").strip() or getpass.getuser()


def is_local_address(address: str | None) -> bool:
    """Whether the server listens only on this machine (an unset address listens on every interface)."""
    return (address or "").strip().strip("[]").lower() in LOCAL_HOSTS


def groups_claim(user: Mapping[str, Any]) -> list[str]:
    """Group claim values of an identity token (Entra ID: `groups`; others: `roles`), as strings."""
    found: list[str] = []
    for claim in ("groups", "roles"):
        value = user.get(claim)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(str(v) for v in value)
    return found


def role_config_from_file(path: os.PathLike[str] | str | None = None) -> RoleConfig:
    """The `[soteria]` section of .streamlit/secrets.toml (what the app reads), for the command line."""
    import tomllib
    from pathlib import Path

    from soteria.config import PROJECT_ROOT

    file = Path(path) if path else PROJECT_ROOT / ".streamlit" / "secrets.toml"
    if not file.is_file():
        return RoleConfig()
    with file.open("rb") as handle:
        return RoleConfig.from_mapping(tomllib.load(handle).get("soteria"))
