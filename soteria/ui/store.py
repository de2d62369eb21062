"""The page runs' view of the store: one process-wide connection, and the data version a run reads.

Every page run pins the data version it starts on (`page_header`), and every cached read checks it
(`at_version`), so a load or undo committing half-way through a run never shows a page two versions at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from soteria.config import database_path
from soteria.demo.build import ensure_demo
from soteria.store import StorageError, Store, open_store

T = TypeVar("T")


@st.cache_resource(show_spinner="Preparing the database (first start builds the demo data)...")
def _open(path: str) -> Store:
    store = open_store(path)
    ensure_demo(store)
    return store


def store() -> Store:
    """The process's store; stops the page with a plain message if the database cannot be used."""
    try:
        opened = _open(str(database_path()))
        if opened.closed:  # closed by a command in this process (a restore, tests): open it again
            _open.clear()
            opened = _open(str(database_path()))
        opened.refresh()  # several processes: a newer published snapshot (checked twice a second at most)
        return opened
    except StorageError as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises


def version() -> str:
    """The data version this page run reads: pinned by page_header at the start of every page run, so
    that a load or undo committing half-way through a run never shows the page two versions at once."""
    pinned = st.session_state.get(_PINNED)
    return pinned if isinstance(pinned, str) else store().data_version()


_PINNED = "_soteria_data_version"


def pin_version() -> None:
    st.session_state[_PINNED] = store().data_version()


def at_version(data_version: str, read: Callable[[], T]) -> T:
    """Run read on one consistent snapshot of the store that is exactly data_version. If the data changed
    since this page run began, the run starts again on the new version: nothing is cached under a
    version it does not belong to, and no page run mixes two versions."""
    with store().consistent() as seen:
        if seen == data_version:
            return read()
    st.session_state[_PINNED] = seen
    now = time.monotonic()
    recent = [t for t in st.session_state.get("_soteria_restarts", []) if now - t < 30] + [now]
    st.session_state["_soteria_restarts"] = recent
    if len(recent) > 5:  # loads and undos faster than this page can run: say so rather than loop
        st.info("The data are being changed right now (several loads or undos in a row). Reload in a moment.")
        st.stop()
    st.rerun()
