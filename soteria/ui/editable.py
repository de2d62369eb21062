"""A reference table people edit in place or replace from a CSV (the pilot register, the value mapping):
the download, the one Save button, the checks and the history, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from soteria.outputs import export
from soteria.ui import access as ui_access
from soteria.ui import tables

Check = Callable[[pl.DataFrame, str], tuple[pl.DataFrame, list[str]]]


def save_controls(
    current: pl.DataFrame,
    edited: Any,
    *,
    what: str,
    file_name: str,
    read_csv: Callable[[bytes], pl.DataFrame],
    check: Check,
    replace: Callable[[pl.DataFrame, str], int],
    saved: Callable[[int], str],
    history: Callable[[], pl.DataFrame],
    undo: Callable[[str], int] | None = None,
) -> None:
    """Upload, download, Save and the change history under an editor showing `current`.

    Saving checks the table (or the uploaded CSV, which replaces it) with `check(frame, source)`: any
    problem is listed with its row and column and nothing is saved; else `replace(frame, who)`. `undo`,
    when given, puts back the table as it was before its last save (logged as a change of its own)."""
    upload = st.file_uploader(f"Or replace the whole {what} from a CSV", type=["csv"])
    st.download_button(
        f"Download the {what} (CSV)",
        data=export.frame_to_csv(current),
        file_name=file_name,
        mime="text/csv",
        on_click="ignore",
    )
    if st.button("Save changes", type="primary"):
        source = upload.name if upload else "the table"
        try:
            candidate = read_csv(upload.getvalue()) if upload else pl.DataFrame(edited)
        except ValueError as exc:
            st.error(f"{source}: {exc}")
            st.stop()
        typed, problems = check(candidate, source)
        if problems:
            st.error(f"Nothing was saved. {len(problems)} problem(s) in {source}:")
            st.markdown("\n".join(f"- {p}" for p in problems[:50]))
            st.stop()
        st.success(saved(replace(typed, ui_access.current_user())))
    if undo is not None and st.button(f"Undo the last change to the {what}"):
        put_back = undo(ui_access.current_user())
        if put_back:
            st.success(f"Undone: {put_back} value(s) put back as they were before the last save.")
        else:
            st.info(f"Nothing to undo: the {what} has not been changed.")
    with st.expander("Change history"):
        tables.data_table(history())
