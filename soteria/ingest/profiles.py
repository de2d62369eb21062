"""Source profiles: a named, saved column mapping (for example one per force) applied before a file is
checked, so that a source's own layout loads in one step every month (pure; the store keeps them)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

from soteria.ingest.cells import column_key
from soteria.ingest.columns import PROFILE_KINDS, TARGETS, missing_targets
from soteria.ingest.problems import Problem, file_problem

MAX_NAME = 80


@dataclass(frozen=True)
class SourceProfile:
    name: str
    kind: str  # cases | metrics
    columns: dict[str, str]  # the file's column (as matched) -> the layout's column

    def to_json(self) -> str:
        return json.dumps(self.columns)

    @classmethod
    def from_row(cls, name: str, kind: str, columns: str) -> SourceProfile:
        return cls(name, kind, dict(json.loads(columns)))

    def describe(self) -> str:
        return "; ".join(f"{source} → {target}" for source, target in self.columns.items())


def make_profile(name: str, kind: str, columns: dict[str, str]) -> tuple[SourceProfile | None, list[str]]:
    """A profile from what an evaluator entered, or the problems with it (nothing is saved then).

    Empty sources are left out; the file's column names are kept as matched (case and spaces do not
    matter), so 'Date Reported' and 'date reported' are one column."""
    problems: list[str] = []
    name = " ".join(name.split())
    if not name:
        problems.append("the profile needs a name (for example the force and what it sends)")
    elif len(name) > MAX_NAME:
        problems.append(f"the profile name is longer than {MAX_NAME} characters")
    if kind not in PROFILE_KINDS:
        problems.append(f"the kind must be one of {', '.join(PROFILE_KINDS)}, not {kind!r}")
        return None, problems
    mapped = {column_key(s): t for s, t in columns.items() if s and s.strip()}
    unknown = sorted({t for t in mapped.values() if t not in TARGETS[kind]})
    if unknown:
        problems.append(
            f"not a column of a {kind} file: {', '.join(unknown)} (one of {', '.join(TARGETS[kind])})"
        )
    targets = list(mapped.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        problems.append(f"more than one of the file's columns is mapped to {', '.join(twice)}")
    missing = missing_targets(kind, mapped)
    if missing:
        problems.append(f"no column of the file is mapped to {', '.join(missing)}")
    if problems:
        return None, problems
    order = TARGETS[kind]  # kept in the layout's order, as the pages list them
    return SourceProfile(name, kind, dict(sorted(mapped.items(), key=lambda m: order.index(m[1])))), []


def apply_profile(
    cells: pl.DataFrame, profile: SourceProfile, file_name: str
) -> tuple[pl.DataFrame, list[Problem]]:
    """The cells with the profile's columns renamed to the layout's, or why the file does not fit it."""
    absent = [s for s in profile.columns if s not in cells.columns]
    if absent:
        found = ", ".join(c for c in cells.columns if c != "row")
        return cells, [
            file_problem(
                file_name,
                f"the profile '{profile.name}' expects the column(s) {', '.join(absent)}, which this file "
                f"does not have (found: {found}): choose another profile or edit this one",
                "profile_mismatch",
                1,
            )
        ]
    clashes = [t for s, t in profile.columns.items() if t in cells.columns and t not in profile.columns]
    if clashes:
        return cells, [
            file_problem(
                file_name,
                f"the profile '{profile.name}' maps another column to {', '.join(clashes)}, but the file "
                "also has a column of that name: remove one of them or edit the profile",
                "profile_mismatch",
                1,
            )
        ]
    return cells.rename(profile.columns), []
