"""The Upload page's forms: a file's problems, its unknown values mapped there and then, its columns
matched to a layout and saved as a source profile, and what a commit stored."""

from __future__ import annotations

import polars as pl
import streamlit as st

from soteria.domain import METRICS
from soteria.ingest import source_profiles, value_map, views
from soteria.ingest.columns import DATES, REQUIRED
from soteria.ingest.parsed import ParsedExtract
from soteria.store import Store
from soteria.ui import access as ui_access
from soteria.ui import tables

PENDING_PROFILE = "upload_profile_pending"  # chosen in the profile box on the next run
PROFILE_BOX = "upload-profile"
COMMITTED = "upload_committed"
METRIC_BOX = "upload-metric"


def profile_box(store: Store) -> str | None:
    """The "Source profile" box: a saved column mapping to read the file through (None = no profile)."""
    state = st.session_state
    names = source_profiles.profile_names(store)
    if PENDING_PROFILE in state:
        state[PROFILE_BOX] = state.pop(PENDING_PROFILE)
    options = [source_profiles.NO_PROFILE, *names]
    if state.get(PROFILE_BOX) not in options:
        state.pop(PROFILE_BOX, None)
    chosen = st.selectbox(
        "Source profile",
        options,
        key=PROFILE_BOX,
        help="A saved match of a source's own column names to the dashboard's (made here when a file's "
        "columns are not recognised; listed and edited on the Source profiles page).",
    )
    return None if chosen == source_profiles.NO_PROFILE else chosen


def problems(parsed: ParsedExtract) -> None:
    """The problems: whole-file ones in full, cell ones as a table, every rule in full with its count."""
    st.error(views.problems_headline(parsed))
    whole = views.file_problems(parsed)
    if whole:
        st.markdown("\n".join(f"- {rule}" for rule in whole))
    cells = views.problems_table(parsed)
    if cells.height:
        tables.data_table(cells, long_text=["rule"])
        st.markdown("**Problems by rule**\n\n" + "\n".join(f"- {line}" for line in views.rule_lines(parsed)))
    st.download_button(
        "Download the full list of problems (CSV)",
        data=parsed.problems_csv,  # made on click: it quotes cells of the raw file (see pages/extracts.py)
        file_name=f"{parsed.file_name}.problems.csv",
        mime="text/csv",
        on_click="ignore",
    )


def chosen_metric() -> str | None:
    """The metric chosen for a table of one metric (the box appears once a file needs it)."""
    return st.session_state.get(METRIC_BOX)


def metric_box(parsed: ParsedExtract) -> None:
    """For a table of areas by quarter that does not say which metric it holds: choose it here."""
    if views.needs_metric(parsed) or st.session_state.get(METRIC_BOX):
        st.selectbox(
            "Metric this table holds",
            list(METRICS),
            index=None,
            format_func=lambda m: METRICS[m].label,
            key=METRIC_BOX,
            placeholder="Choose the metric",
        )


def value_mapping_forms(store: Store, parsed: ParsedExtract) -> None:
    """For each coded field with values the mapping does not know: map them now, save, check again."""
    for field, values in views.unmapped(parsed).items():
        with st.form(f"map-{field}"):
            st.markdown(f"**Values of {field} the mapping does not know** (see Value mappings)")
            options = list(value_map.FIELDS[field])
            chosen = {
                v: st.selectbox(f"Map “{v}” to", options, index=None, key=f"map-{field}-{v}") for v in values
            }
            if st.form_submit_button("Save these mappings and check the file again"):
                picked = {v: c for v, c in chosen.items() if c}
                if picked:
                    note, who = f"added while loading {parsed.file_name}", ui_access.current_user()
                    found = views.add_mappings(store, field, picked, note, who)
                    if found:
                        st.error("Nothing was saved: " + "; ".join(found[:5]))
                        st.stop()
                    st.rerun()


def column_mapping_form(store: Store, parsed: ParsedExtract, kind: str | None) -> None:
    """When the file's columns fit no layout: the proposed match, to confirm or change, saved as a
    source profile, and the file read again through it."""
    proposal = source_profiles.proposal_for(store, parsed, kind)
    if proposal is None:
        return
    columns = source_profiles.file_columns(parsed)
    by_target = {t: s for s, t in proposal.mapping.items()}
    with st.form("column-mapping"):
        st.markdown(
            f"**Match this file's columns** (as a {proposal.kind} file; choose the kind above to change "
            "it). Each column is proposed from its name or its cells: check every one, then save the match "
            "as a source profile so that the next file from this source loads in one step."
        )
        picks: list[tuple[str, str]] = []
        for target in source_profiles.targets(proposal.kind):
            needed = target in REQUIRED[proposal.kind]
            proposed = by_target.get(target)
            label = f"{target}{' (required)' if needed else ''}{' (a date)' if target in DATES else ''}"
            picked = st.selectbox(
                label,
                columns,
                index=columns.index(proposed) if proposed in columns else None,
                placeholder="not in this file",
                help=f"Proposed from {proposal.reasons[target]}" if target in proposal.reasons else None,
                key=f"column-{proposal.kind}-{target}",
            )
            if picked:
                picks.append((picked, target))
        name = st.text_input("Save as source profile", placeholder="for example Kent Police case extract")
        if st.form_submit_button("Save the profile and check the file again"):
            chosen = dict(picks)
            twice = [s for s in chosen if [p for p, _ in picks].count(s) > 1]
            found = [
                f"the column {s} is chosen more than once" for s in twice
            ] or source_profiles.save_profile(store, name, proposal.kind, chosen, ui_access.current_user())
            if found:
                st.error("Nothing was saved: " + "; ".join(found))
                st.stop()
            st.session_state[PENDING_PROFILE] = " ".join(name.split())
            st.rerun()


def remember_commit(extract_id: int, file_name: str, lines: list[str], changes: pl.DataFrame) -> None:
    """Keep what was committed to show in place of the preview on the next run."""
    st.session_state[COMMITTED] = (extract_id, file_name, lines, changes)


def committed() -> None:
    """What the last commit stored (once, in place of the preview and its buttons)."""
    if COMMITTED not in st.session_state:
        return
    extract_id, file_name, lines, changes = st.session_state.pop(COMMITTED)
    st.success(f"Committed {file_name} as extract {extract_id}. Every page now shows the new data.")
    st.markdown("\n".join(f"- {line}" for line in lines))
    tables.data_table(changes)
    st.page_link("pages/extracts.py", label="Review, download or undo it on the Extracts page")
