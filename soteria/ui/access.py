"""Who may do what, checked on the server on every run (soteria/auth.py holds the rules): sign-in,
roles, local single-user mode, and the run's gate result that app.py hands to the page it runs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import streamlit as st

from soteria import auth
from soteria.ui.store import store


def current_user() -> str:
    """Who is acting, as the extract log and the register history record it: the signed-in email, or
    in local single-user mode $SOTERIA_USER / the operating-system user."""
    return access().identity or auth.cli_identity()


# -- who may do what (soteria/auth.py): checked on the server on every run -------------------------


@dataclass(frozen=True)
class Access:
    identity: str | None  # the signed-in email (or local user); None when nobody is signed in
    role: str | None  # viewer | evaluator | admin | None (no access)
    sign_in: bool  # sign-in is configured ([auth] in secrets.toml)

    @property
    def needs_sign_in(self) -> bool:
        return self.sign_in and self.identity is None

    def can(self, action: str) -> bool:
        return auth.can(self.role, action)


def _secret_section(name: str) -> Mapping[str, Any] | None:
    try:
        return st.secrets[name] if name in st.secrets else None
    except Exception:  # no secrets.toml at all: Streamlit raises rather than answering "no"
        return None


def sign_in_configured() -> bool:
    """Whether the deployment signs users in (OpenID Connect via st.login): an [auth] secrets section."""
    return _secret_section("auth") is not None


def _role_config() -> auth.RoleConfig:
    try:
        return auth.RoleConfig.from_mapping(_secret_section("soteria"))
    except ValueError as exc:
        st.error(f"The [soteria] roles in secrets.toml are wrong: {exc}. Nobody has access until fixed.")
        st.stop()
        raise


def access() -> Access:
    """The identity and role of this session's user (read fresh on every run: a revoked role applies
    at once)."""
    if not sign_in_configured():
        local = auth.cli_identity()
        role = auth.resolve_role(local, store().user_roles(), _role_config(), signed_in=False)
        return Access(local, role, sign_in=False)
    if not st.user.is_logged_in:
        return Access(None, None, sign_in=True)
    claims = st.user.to_dict()
    identity = next(
        (str(claims[c]) for c in ("email", "preferred_username", "upn", "sub") if claims.get(c)), None
    )
    if identity is None:
        return Access(None, None, sign_in=True)
    role = auth.resolve_role(
        identity, store().user_roles(), _role_config(), auth.groups_claim(claims), signed_in=True
    )
    return Access(identity, role, sign_in=True)


def _login_provider() -> str | None:
    section = _secret_section("auth") or {}
    if "client_id" in section:
        return None
    return next((k for k, v in section.items() if isinstance(v, Mapping)), None)


def sign_in_page() -> None:
    """What a signed-out user sees, and nothing else."""
    st.title("Operation Soteria evaluation")
    st.markdown(
        "This dashboard holds sensitive police and CPS case data. Sign in with your organisation account "
        "to continue."
    )
    if st.button("Sign in", type="primary", key="sign-in"):
        st.login(_login_provider())
    st.stop()


def gate() -> Access:
    """Run first on every script run: refuses a local-mode server that listens beyond this machine,
    stops a signed-in user who has no role, and returns who is here (a signed-out user's Access says
    `needs_sign_in`: show `sign_in_page` and nothing else)."""
    if not sign_in_configured() and not auth.is_local_address(st.get_option("server.address")):
        st.error(
            "Refusing to run: sign-in is not configured, so this dashboard runs only as a local "
            "single-user tool on 127.0.0.1, but the server listens on "
            f"{st.get_option('server.address') or 'every network address'}. Start it with "
            "`--server.address 127.0.0.1` (scripts/run.sh does), or configure sign-in ([auth] in "
            ".streamlit/secrets.toml; see the README)."
        )
        st.stop()
    who = access()
    if who.needs_sign_in:
        return who
    if not who.can("view"):
        st.error(
            f"You are signed in as {who.identity}, but no role has been given to this account, so the "
            "dashboard shows you nothing. Ask an admin for access."
        )
        if who.sign_in and st.button("Sign out", key="sign-out"):
            st.logout()
        st.stop()
    return who


# app.py's gate result for the page it runs. A context variable, not session state: it ends with the
# run even when the page stops (st.stop leaves session state unchangeable), and each session's script
# thread has its own.
_RUN_ACCESS: ContextVar[Access | None] = ContextVar("soteria_run_access", default=None)


@contextmanager
def gated_run(who: Access) -> Iterator[None]:
    """Hand app.py's gate result to the page it runs, for this run only: the page's own checks then
    need no second role lookup. Outside it (a page run without app.py) `run_access` gates afresh."""
    token = _RUN_ACCESS.set(who)
    try:
        yield
    finally:
        _RUN_ACCESS.reset(token)


def in_app_run() -> bool:
    """Whether this run came through app.py (its gate handed the result to the page)."""
    return _RUN_ACCESS.get() is not None


def run_access() -> Access:
    """This run's gate result: app.py's, or a fresh `gate()` when app.py did not gate this run."""
    return _RUN_ACCESS.get() or gate()


def require(action: str) -> Access:
    """Stop this run unless the user's role allows the action (server-side: whatever the navigation
    shows, a direct URL or a widget event from a session without the role gets only this message)."""
    who = run_access()
    if who.needs_sign_in:
        sign_in_page()
    if not who.can(action):
        st.error(
            f"Your role ({who.role or 'none'}) does not allow you to {auth.ACTION_WORDS[action]}: this page "
            f"needs the {auth.ACTIONS[action]} role. Ask an admin if you need it."
        )
        st.stop()
    return who


def plain(text: str) -> str:
    """Text from a file, a token or a user, shown literally inside Markdown (no links, emphasis or
    HTML): every Markdown punctuation character escaped."""
    return "".join("\\" + c if c in "\\`*_{}[]()<>#+-.!|~:$&" else c for c in text)


def show_account(who: Access) -> None:
    """Who is acting, in the sidebar, with the sign-out button when signed in."""
    with st.sidebar:
        if who.sign_in:
            st.caption(f"Signed in as **{plain(who.identity or '')}** ({who.role})")
            if st.button("Sign out", key="sign-out"):
                st.logout()
                st.stop()
        else:
            st.caption(
                f"**Local single-user mode**: no sign-in; only this computer can open the dashboard "
                f"(127.0.0.1). Acting as {plain(who.identity or '')} ({who.role})."
            )
