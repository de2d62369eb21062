"""Source profiles as the Upload and Source profiles pages and the command line use them: read from the
store, proposed for a file that matches no layout, checked and saved (logged) or deleted."""

from __future__ import annotations

import polars as pl

from soteria.ingest import value_map as value_maps
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.columns import TARGETS, Proposal, best_proposal
from soteria.ingest.parsed import ParsedExtract
from soteria.ingest.profiles import SourceProfile, make_profile
from soteria.store import Store

NO_PROFILE = "(none: the file's own column names)"


def profile_names(store: Store) -> list[str]:
    return store.source_profiles()["name"].to_list()


def load_profile(store: Store, name: str | None) -> SourceProfile | None:
    """The saved profile called `name` (None for no name or an unknown one)."""
    found = store.source_profile(name) if name and name != NO_PROFILE else None
    return SourceProfile.from_row(name, *found) if found and name else None


def needs_columns(parsed: ParsedExtract) -> bool:
    """True when the file was read but its columns fit no layout (a mapping would help)."""
    return parsed.table is not None and any(p.code == "missing_columns" for p in parsed.problems)


def proposal_for(store: Store, parsed: ParsedExtract, kind: str | None) -> Proposal | None:
    """A suggested column mapping for a file whose columns fit no layout."""
    if parsed.table is None or not needs_columns(parsed):
        return None
    codes = value_maps.lookup(store.value_map(), "closure_reason")
    return best_proposal(parsed.table.cells, kind, AreaLookup.build(store.areas()), codes)


def file_columns(parsed: ParsedExtract) -> list[str]:
    return [c for c in parsed.table.cells.columns if c != "row"] if parsed.table else []


def save_profile(store: Store, name: str, kind: str, columns: dict[str, str], who: str) -> list[str]:
    """Check and save a profile (created or replaced, logged); the problems instead (nothing saved)."""
    profile, problems = make_profile(name, kind, columns)
    if profile is None:
        return problems
    store.save_source_profile(profile.name, profile.kind, profile.to_json(), who)
    return []


def profiles_table(store: Store) -> pl.DataFrame:
    """One row per profile: name, kind, the mapping in words, who saved it and when."""
    rows = store.source_profiles()
    return rows.select(
        pl.col("name").alias("profile"),
        "kind",
        pl.col("columns")
        .map_elements(lambda c: SourceProfile.from_row("", "", c).describe(), return_dtype=pl.String)
        .alias("columns (the file's → the layout's)"),
        pl.col("updated_by").alias("saved by"),
        pl.col("updated_at").dt.strftime("%Y-%m-%d %H:%M").alias("saved at"),
    )


def targets(kind: str) -> tuple[str, ...]:
    return TARGETS[kind]
