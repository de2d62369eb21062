"""Undoing a load: put back exactly what was stored before it.

Every value or case an extract holds is attributed to it (even when unchanged from before), and what it
replaced is kept in metric_history / case_history. Undoing extract N therefore removes what N added and
restores, value by value and case by case, what N replaced, with the extract each came from (and, for
cases, the earlier as-of date); N is marked `undone`, its file stays downloadable, and the same file can
be loaded again later.

Policy for an older extract: undo is refused, with the later extracts named, when any later extract that
is still loaded replaced (or restated) a value or case that N holds; the evaluator undoes those first,
newest first. An older extract whose values no later load touched can be undone on its own. This keeps
the promise exact: after an undo, the store is what it would be had the extract never been loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from soteria.store import Store, UndoRefused, backups, space

__all__ = ["UndoPlan", "UndoRefused", "plan_undo", "undo"]


@dataclass(frozen=True)
class UndoPlan:
    extract_id: int
    allowed: bool
    message: str  # what undoing will do, or why it cannot be done, in plain words
    counts: dict[str, int] = field(default_factory=dict)
    blockers: list[dict[str, Any]] = field(default_factory=list)
    extract: dict[str, Any] | None = None


def _name(e: dict[str, Any]) -> str:
    loaded = f"loaded {e['loaded_at']:%Y-%m-%d %H:%M} by {e['loaded_by']}"
    return f"extract {e['extract_id']} ({e['file_name']}, {loaded})"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def plan_undo(store: Store, extract_id: int) -> UndoPlan:
    """Whether the extract can be undone, and what undoing it would do (reads only)."""
    extract = store.extract(extract_id)
    if extract is None:
        return UndoPlan(extract_id, False, f"There is no extract {extract_id}.")
    if extract["status"] != "loaded":
        when = (
            f" on {extract['undone_at']:%Y-%m-%d %H:%M} by {extract['undone_by']}"
            if extract["undone_by"]
            else ""
        )
        return UndoPlan(extract_id, False, f"Extract {extract_id} was already undone{when}.", extract=extract)
    blockers = store.undo_blockers(extract_id).to_dicts()
    if blockers:
        later = "; ".join(
            f"{_name(b)}: "
            + ", ".join(
                part
                for part in (
                    _plural(b["n_values"], "value") if b["n_values"] else "",
                    _plural(b["n_cases"], "case") if b["n_cases"] else "",
                )
                if part
            )
            for b in blockers
        )
        message = (
            f"{_name(extract)} cannot be undone on its own: later loads replaced values or cases it holds "
            f"({later}). Undo those first, newest first, then this one. (Undo puts back exactly what was "
            "stored before the extract; with later loads on top of it, that would lose their figures.)"
        )
        return UndoPlan(extract_id, False, message, blockers=blockers, extract=extract)
    counts = store.undo_counts(extract_id)
    parts = []
    if counts["values"]:
        added = counts["values"] - counts["values_restored"]
        parts.append(
            f"removes {_plural(added, 'value')} it added and puts back "
            f"{_plural(counts['values_restored'], 'earlier value')}"
        )
    if counts["cases"]:
        added = counts["cases"] - counts["cases_restored"]
        parts.append(
            f"removes {_plural(added, 'case')} it added and puts back the earlier version of "
            f"{_plural(counts['cases_restored'], 'case')} (with their earlier as-of date)"
        )
    what = " and ".join(parts) if parts else "changes no stored value (it holds none now)"
    message = (
        f"Undoing {_name(extract)} {what}. The load stays listed as undone, its file can still be "
        "downloaded, and the same file can be loaded again later."
    )
    return UndoPlan(extract_id, True, message, counts=counts, extract=extract)


def undo(store: Store, extract_id: int, undone_by: str) -> dict[str, int]:
    """Undo one extract in one transaction (UndoRefused, with the reason, when it cannot be)."""
    plan = plan_undo(store, extract_id)
    if not plan.allowed:
        raise UndoRefused(plan.message)
    space.require(store.path, space.undo_needs(store.path), f"undoing extract {extract_id}")
    backups.take(store, f"before undo {extract_id}")  # soteria/store/backups.py: last N kept
    return store.undo_extract(extract_id, undone_by)
