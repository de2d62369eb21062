"""The solver: which values to withhold so that none of the withheld can be worked out from what is
published (linear equations over the published lines), nor pinned to a small value by its line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space

from soteria.disclosure.note import THRESHOLD

_TRIES = 8  # complements tried per step (smallest first)


@dataclass(frozen=True)
class Line:
    """`sum(values[members]) == values[total]` is published (the total is itself a variable)."""

    members: tuple[int, ...]
    total: int


def protect(
    values: Sequence[float | None] | np.ndarray, lines: Sequence[Line], threshold: int = THRESHOLD
) -> tuple[np.ndarray, np.ndarray]:
    """(withheld, primary) masks over `values` (cells and totals alike; None/NaN = not available).

    Primary: 1 <= value < threshold. Secondary, repeated until nothing is left to fix, in a fixed order:
    (a) a withheld value that the published lines determine exactly (its unit vector lies in the row
    space of the equations over withheld values) gets a complement in one of its lines, preferring one
    that makes it undetermined; (b) a line with a published total whose withheld members leave one of
    them at most threshold - 1 (sum - (k - 1) < threshold for k withheld members, each at least 1)
    gets another complement. Complements: smallest non-zero member first, then zeros, then totals.
    """
    if threshold < 2:
        raise ValueError("threshold must be at least 2")
    v = np.array([np.nan if x is None else float(x) for x in values], dtype=np.float64)
    known = ~np.isnan(v)
    if np.any(v[known] < 0):
        raise ValueError("counts cannot be negative")
    primary = known & (v >= 1) & (v < threshold)
    withheld = primary.copy()
    lines = [Line(tuple(m for m in ln.members if known[m]), ln.total) for ln in lines]
    lines = [ln for ln in lines if known[ln.total]]
    totals = {ln.total for ln in lines}
    # Lines that share no value are independent problems (a table with column totals only is one
    # problem per column): solve each on its own.
    for part in _line_groups(lines):
        if not any(withheld[m] for ln in part for m in (*ln.members, ln.total)):
            continue
        _settle(v, known, withheld, part, totals, threshold)
    return withheld, primary


def _line_groups(lines: Sequence[Line]) -> list[list[Line]]:
    owner: dict[int, int] = {}
    parent = list(range(len(lines)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, ln in enumerate(lines):
        for m in (*ln.members, ln.total):
            if m in owner:
                parent[find(i)] = find(owner[m])
            else:
                owner[m] = i
    groups: dict[int, list[Line]] = {}
    for i, ln in enumerate(lines):
        groups.setdefault(find(i), []).append(ln)
    return list(groups.values())


def _settle(
    v: np.ndarray,
    known: np.ndarray,
    withheld: np.ndarray,
    lines: Sequence[Line],
    totals: set[int],
    threshold: int,
) -> None:
    """Secondary suppression within one group of lines, in place on `withheld`."""
    in_lines: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        for m in (*ln.members, ln.total):
            in_lines.setdefault(m, []).append(i)

    def order(candidates: set[int]) -> list[int]:
        free = [c for c in candidates if known[c] and not withheld[c]]
        return sorted(free, key=lambda c: (c in totals, v[c] == 0, v[c], c))

    for _ in range(len(in_lines) + 1):
        determined = _determined(withheld, lines, in_lines)
        if determined:
            withheld[_complement(determined, withheld, lines, in_lines, order)] = True
            continue
        weak = _weak_line(v, withheld, lines, threshold)
        if weak is None:
            return
        ln = lines[weak]
        candidates = order(set(ln.members) | {ln.total})
        withheld[candidates[0]] = True
    raise RuntimeError("secondary suppression did not settle")  # pragma: no cover - one more per pass


def _near(seeds: set[int], lines: Sequence[Line], in_lines: dict[int, list[int]]) -> set[int]:
    return {m for r in seeds for i in in_lines.get(r, []) for m in (*lines[i].members, lines[i].total)}


def _complement(
    determined: list[int],
    withheld: np.ndarray,
    lines: Sequence[Line],
    in_lines: dict[int, list[int]],
    order: Callable[[set[int]], list[int]],
) -> int:
    """The next complementary value: of the smallest few free values in the lines of the determined
    ones, the first that frees the most of them; if none frees any, the smallest in the first one's lines."""
    reach = set(determined)
    candidates = order(_near(reach, lines, in_lines))
    while not candidates:  # every value in their lines is withheld already: look one line further
        wider = _near(reach, lines, in_lines)
        if wider <= reach:  # pragma: no cover - a determined value always has a free value in reach
            raise RuntimeError("no complement available")
        reach |= wider
        candidates = order(wider)
    own = order(_near({determined[0]}, lines, in_lines)) or candidates
    best, best_gain = own[0], 0
    for c in candidates[:_TRIES]:
        seeds = {m for m in _near({c}, lines, in_lines) if withheld[m]} | {c}
        before = len(_determined(withheld, lines, in_lines, seeds))
        withheld[c] = True
        after = len(_determined(withheld, lines, in_lines, seeds))
        withheld[c] = False
        if before - after > best_gain:
            best, best_gain = c, before - after
    return best


def _weak_line(v: np.ndarray, withheld: np.ndarray, lines: Sequence[Line], threshold: int) -> int | None:
    for i, ln in enumerate(lines):
        if withheld[ln.total]:
            continue  # an unknown total bounds nothing from above
        hidden = [m for m in ln.members if withheld[m]]
        if hidden and v[hidden].sum() - (len(hidden) - 1) < threshold:
            return i
    return None


def _determined(
    withheld: np.ndarray, lines: Sequence[Line], in_lines: dict[int, list[int]], only: set[int] | None = None
) -> list[int]:
    """Withheld values that the published lines pin down exactly, in index order (only in the
    connected groups of withheld values that hold one of `only`, when given)."""
    unknown = [int(u) for u in np.flatnonzero(withheld) if u in in_lines]
    if not unknown:
        return []
    # connected components of unknowns through shared lines, so each null space stays small
    parent = {u: u for u in unknown}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    line_vars: list[list[int]] = []
    for ln in lines:
        members = [m for m in (*ln.members, ln.total) if withheld[m]]
        line_vars.append(members)
        for a, b in zip(members, members[1:], strict=False):
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for u in unknown:
        groups.setdefault(find(u), []).append(u)
    out: list[int] = []
    for members in groups.values():
        if only is not None and only.isdisjoint(members):
            continue
        col = {u: j for j, u in enumerate(members)}
        rows = []
        for i, ln in enumerate(lines):
            vars_ = line_vars[i]
            if not vars_ or vars_[0] not in col:
                continue
            row = np.zeros(len(members))
            for m in vars_:
                row[col[m]] = -1.0 if m == ln.total else 1.0
            rows.append(row)
        if not rows:
            continue
        basis = null_space(np.vstack(rows))
        free = np.abs(basis).max(axis=1) > 1e-7 if basis.size else np.zeros(len(members), dtype=bool)
        out.extend(u for u, f in zip(members, free, strict=True) if not f)
    return sorted(out)
