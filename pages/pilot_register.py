"""Pilot register: which area started the pilot on which date; edit in place or upload a CSV."""

import polars as pl
import streamlit as st

from soteria import ui
from soteria.domain import GRAINS
from soteria.ingest import register
from soteria.ui import access as ui_access

ui.page_header(
    "Pilot register",
    "Which areas joined the pilot, in which wave and on which date. Every page follows this table. "
    "Rows marked as an assumption are not confirmed by a public source.",
)
ui_access.require("change_data")  # server-side: a viewer gets a refusal, whatever route they came by
store = ui.store()
current = ui.register()
shown = current.select(register.COLUMNS[:1] + ["area_name", "area_kind"] + register.COLUMNS[1:]).with_columns(
    pl.col("area_kind").replace_strict(GRAINS, default=pl.col("area_kind"))  # read-only: for reading
)
edited = st.data_editor(
    shown,
    disabled=["area_code", "area_name", "area_kind"],
    column_config=ui.column_config(shown, long_text=["source"], long_text_px=300),  # fits 1366 px
    row_height=ui.WRAPPING_ROW_PX,
    hide_index=True,
    key="register-editor",
)
ui.save_controls(
    current,
    edited,
    what="register",
    file_name="pilot_register.csv",
    read_csv=register.read_register_csv,
    check=lambda frame, _source: register.validate(frame, store.areas()),
    replace=lambda typed, who: store.replace_pilot_register(typed, changed_by=who),
    saved=lambda n: f"Saved: {n} area(s) changed. Every page now uses the new register.",
    history=store.pilot_register_changes,
)
