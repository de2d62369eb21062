"""Statistical disclosure control: the one module every published table and export goes through (pure).

Rules (docs/design.md, domain notes section 5):
- Primary suppression: counts from 1 to ``threshold - 1`` (default 1 to 4) are withheld; zeros are published.
- Secondary suppression: further cells are withheld until no withheld count can be worked out from what is
  published, neither exactly (solving the published row, column and grand totals as linear equations)
  nor by its bounds within one line (the withheld cells of a line with a published total must add up to
  enough that none of them is pinned to a small value). Complementary cells are chosen deterministically:
  the smallest non-zero cell of the line first, then zeros, then the line's total.
- Values derived from withheld counts (means, indices, rates, changes) are withheld too, and medians,
  means and rates based on fewer than ``min_cases`` (10) cases are withheld.
- Withheld cells carry the government statistics symbols: ``[c]`` confidential, ``[x]`` not available,
  ``[z]`` not applicable; every published table carries a `DisclosureNote` saying which rule applied.

The chart-shaped views at the end (`pilot_vs_control`, `per_area`, `charge_rate`, `km_curves`,
`km_summary`, `numbers_at_risk`) are the only way a page, an export or the command line shows these
tables, so a viewer never sees what an export would withhold.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl
from scipy.linalg import null_space

from soteria.domain import MIN_CASES

THRESHOLD = 5  # counts 1 .. THRESHOLD-1 are withheld
THRESHOLD_ENV = "SOTERIA_SUPPRESS_BELOW"

CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE = "[c]", "[x]", "[z]"
SYMBOLS: dict[str, str] = {
    CONFIDENTIAL: "confidential: withheld to protect people's identities (small count, or a figure "
    "from which one could be worked out, or based on fewer than 10 cases)",
    NOT_AVAILABLE: "not available (missing from the extract, or not reached)",
    NOT_APPLICABLE: "not applicable (for example no area in that arm for that period)",
}

# Every column name that holds a count of cases or people in any published table. The test suite scans
# every export it makes and checks that no such column shows a count from 1 to threshold - 1.
COUNT_COLUMNS = frozenset(
    {
        "total",
        "value",
        "charges",
        "charging_decisions",
        "cases",
        "filed",
        "closed_before_file",
        "still_open",
        "at_risk",
        "actual",
    }
)

_TRIES = 8  # complements tried per step (smallest first)


def threshold_from_env(default: int = THRESHOLD) -> int:
    """The suppression threshold: $SOTERIA_SUPPRESS_BELOW if set (an integer of at least 2), else 5."""
    raw = os.environ.get(THRESHOLD_ENV, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 2:
        raise ValueError(f"{THRESHOLD_ENV} must be a whole number of at least 2, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class DisclosureNote:
    """Which rule was applied, and how many cells it withheld (for the export's notes and metadata)."""

    threshold: int = THRESHOLD
    min_cases: int = MIN_CASES
    primary: int = 0  # counts withheld as small
    secondary: int = 0  # counts withheld so that the small ones cannot be worked out
    derived: int = 0  # means, indices, rates and medians withheld
    extra: tuple[str, ...] = ()  # table-specific rules (e.g. how survival curves are cut)

    @property
    def withheld(self) -> int:
        return self.primary + self.secondary + self.derived

    def rule(self) -> str:
        text = (
            f"Disclosure control: counts of 1 to {self.threshold - 1} are withheld ([c]) and zeros are "
            "published; further cells are withheld so that no withheld count can be worked out from "
            "totals or other cells; figures derived from withheld counts, and medians, means and rates "
            f"from fewer than {self.min_cases} cases, are withheld."
        )
        return " ".join((text, *self.extra))

    def summary(self) -> str:
        if not self.withheld:
            return "No cell needed to be withheld."
        parts = [
            f"{self.primary} small count(s)",
            f"{self.secondary} other count(s)",
            f"{self.derived} derived figure(s)",
        ]
        return "Withheld in this table: " + ", ".join(parts) + "."

    def text(self) -> str:
        return f"{self.rule()} {self.summary()}"

    def __add__(self, other: DisclosureNote) -> DisclosureNote:
        return DisclosureNote(
            self.threshold,
            self.min_cases,
            self.primary + other.primary,
            self.secondary + other.secondary,
            self.derived + other.derived,
            tuple(dict.fromkeys(self.extra + other.extra)),
        )


@dataclass(frozen=True)
class Published:
    """A table as it may be shown: withheld cells are null in `frame` and named in `symbols`.

    `symbols` has the same height as `frame` and one String column per column of `frame` that has any
    symbol (null where the value is published). `counts` names the count columns.
    """

    frame: pl.DataFrame
    symbols: pl.DataFrame
    note: DisclosureNote
    counts: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # column -> heading for people

    def symbol_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for col in self.symbols.columns:
            for sym, n in self.symbols.get_column(col).drop_nulls().value_counts().iter_rows():
                out[sym] = out.get(sym, 0) + n
        return {s: out[s] for s in SYMBOLS if s in out}

    def legend(self) -> list[str]:
        """One line per symbol the table uses: `[c] confidential: ...`."""
        return [f"{sym} {SYMBOLS[sym]}" for sym in self.symbol_counts()]

    def display(self, *, headings: bool = False) -> pl.DataFrame:
        """Symbols written into the cells: a column with any symbol becomes text, others keep their type."""
        columns = []
        for name in self.frame.columns:
            col = pl.col(name)
            if (
                name in self.symbols.columns
                and self.symbols.get_column(name).null_count() < self.symbols.height
            ):
                text = _as_text(self.frame.get_column(name))
                columns.append(pl.coalesce(pl.lit(self.symbols.get_column(name)), pl.lit(text)).alias(name))
            else:
                columns.append(col)
        out = self.frame.select(columns)
        if headings and self.labels:
            out = out.rename({k: v for k, v in self.labels.items() if k in out.columns})
        return out


def _as_text(series: pl.Series) -> pl.Series:
    if series.dtype.is_float():
        rounded = series.round(2)
        text = rounded.cast(pl.String)
        return text.str.replace(r"\.0$", "")
    return series.cast(pl.String)


# ---- the core: one system of cells, totals and the lines that bind them --------------------------------


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


@dataclass(frozen=True)
class Grid:
    """The result of `suppress_grid`: masks on the cells, and the totals with their masks."""

    cells: pl.DataFrame  # the input frame plus `withheld` and `primary` (Boolean)
    row_totals: pl.DataFrame  # row keys, total, withheld, primary (empty unless row_totals)
    col_totals: pl.DataFrame  # col keys, total, withheld, primary (empty unless col_totals)
    grand_total: tuple[float, bool] | None  # (value, withheld)

    @property
    def note(self) -> DisclosureNote:
        frames = [self.cells, self.row_totals, self.col_totals]
        primary = sum(int(f.get_column("primary").sum()) for f in frames if f.height)
        withheld = sum(int(f.get_column("withheld").sum()) for f in frames if f.height)
        if self.grand_total is not None:
            withheld += int(self.grand_total[1])
        return DisclosureNote(primary=primary, secondary=withheld - primary)


def suppress_grid(
    frame: pl.DataFrame,
    value: str,
    row: str | Sequence[str],
    col: str | Sequence[str],
    *,
    row_totals: bool = False,
    col_totals: bool = False,
    grand_total: bool = False,
    threshold: int = THRESHOLD,
) -> Grid:
    """Primary and secondary suppression of a long table of counts whose totals are published.

    `frame` has one row per cell (row keys, column keys, `value`; null = not available, left out of
    totals as the published totals leave it out). Row totals, column totals and the grand total are the
    sums of the known cells; each flag says whether that kind of total is published (and so binds).
    """
    rows = [row] if isinstance(row, str) else list(row)
    cols = [col] if isinstance(col, str) else list(col)
    cells = frame.with_row_index("_i")
    n = cells.height
    vals: list[float | None] = cells.get_column(value).cast(pl.Float64).to_list()
    lines: list[Line] = []

    def totals_for(keys: list[str]) -> pl.DataFrame:
        return cells.group_by(keys, maintain_order=True).agg(
            members=pl.col("_i"), total=pl.col(value).cast(pl.Float64).sum()
        )

    row_frame = totals_for(rows) if row_totals else cells.clear().select(rows)
    col_frame = totals_for(cols) if col_totals else cells.clear().select(cols)
    totals_index: dict[str, list[int]] = {}
    for kind, tf, on in (("row", row_frame, row_totals), ("col", col_frame, col_totals)):
        if not on:
            continue
        idx = []
        for members, total in tf.select("members", "total").iter_rows():
            vals.append(total)
            idx.append(len(vals) - 1)
            lines.append(Line(tuple(members), len(vals) - 1))
        totals_index[kind] = idx
    grand_index = None
    if grand_total:
        vals.append(float(cells.get_column(value).cast(pl.Float64).sum()))
        grand_index = len(vals) - 1
        for kind in ("row", "col"):
            if kind in totals_index:
                lines.append(Line(tuple(totals_index[kind]), grand_index))
        if not totals_index:
            lines.append(Line(tuple(range(n)), grand_index))
    withheld, primary = protect(vals, lines, threshold)

    def flagged(tf: pl.DataFrame, kind: str) -> pl.DataFrame:
        if kind not in totals_index:
            return (
                tf.drop("members", strict=False)
                .with_columns(
                    total=pl.lit(None, pl.Float64),
                    withheld=pl.lit(None, pl.Boolean),
                    primary=pl.lit(None, pl.Boolean),
                )
                .clear()
            )
        idx = totals_index[kind]
        return tf.drop("members").with_columns(
            withheld=pl.Series(withheld[idx]), primary=pl.Series(primary[idx])
        )

    return Grid(
        cells=cells.drop("_i").with_columns(withheld=pl.Series(withheld[:n]), primary=pl.Series(primary[:n])),
        row_totals=flagged(row_frame, "row"),
        col_totals=flagged(col_frame, "col"),
        grand_total=None if grand_index is None else (vals[grand_index] or 0.0, bool(withheld[grand_index])),
    )


def suppress_counts(frame: pl.DataFrame, columns: Sequence[str], threshold: int = THRESHOLD) -> pl.DataFrame:
    """Primary suppression only, for counts that no published total binds: Boolean `<col>_withheld`."""
    return frame.with_columns(
        (pl.col(c).is_not_null() & (pl.col(c) >= 1) & (pl.col(c) < threshold)).alias(f"{c}_withheld")
        for c in columns
    )


# ---- building published tables --------------------------------------------------------------------


def publish(
    frame: pl.DataFrame,
    rules: Mapping[str, pl.Expr],
    note: DisclosureNote,
    counts: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    keep: Sequence[str] | None = None,
) -> Published:
    """Evaluate per-column symbol expressions (a symbol, or null to publish) on `frame`, which may hold
    helper columns, and publish the `keep` columns (default: all) with withheld cells set to null."""
    symbols = frame.select(expr.cast(pl.String).alias(name) for name, expr in rules.items())
    out = frame.select(keep) if keep is not None else frame
    masked = out.with_columns(
        pl.when(pl.lit(symbols.get_column(name)).is_null()).then(pl.col(name)).otherwise(None).alias(name)
        for name in rules
    )
    return Published(masked, symbols, note, tuple(counts), dict(labels or {}))


def _sym(condition: pl.Expr, symbol: str) -> pl.Expr:
    return pl.when(condition).then(pl.lit(symbol))


def _arm_grids(
    per_area: pl.DataFrame, counted: pl.Expr, value: str, threshold: int
) -> tuple[pl.DataFrame, pl.DataFrame, DisclosureNote]:
    """Suppress each arm's area x period table of counted cells, with the arm totals as column totals.

    Returns per-area cells (area_code, period, `value`_withheld) covering every row of `per_area`
    (cells outside any arm table get primary suppression only), the arm totals (period, arm, total,
    total_withheld) and the note.
    """
    base = per_area.with_columns(_counted=counted)
    parts, totals, note = [], [], DisclosureNote(threshold=threshold)
    for arm in ("pilot", "control"):
        table = base.filter(pl.col("arm") == arm, pl.col("_counted"))
        if table.is_empty():
            continue
        grid = suppress_grid(
            table.select("area_code", "period", value),
            value,
            "area_code",
            "period",
            col_totals=True,
            threshold=threshold,
        )
        parts.append(
            grid.cells.select(
                "area_code", "period", pl.col("withheld").alias("_w"), pl.col("primary").alias("_p")
            )
        )
        totals.append(
            grid.col_totals.select(
                "period", pl.lit(arm).alias("arm"), "total", pl.col("withheld").alias("total_withheld")
            )
        )
        note = note + grid.note
    rest = base.filter(~pl.col("_counted")).select(
        "area_code",
        "period",
        _w=pl.col(value).is_not_null() & (pl.col(value) >= 1) & (pl.col(value) < threshold),
    )
    rest = rest.with_columns(_p=pl.col("_w"))
    note = note + DisclosureNote(primary=int(rest.get_column("_w").sum()))
    cells = pl.concat([*parts, rest], how="vertical_relaxed") if parts else rest
    cells = cells.rename({"_w": f"{value}_withheld"}).drop("_p")
    arm_totals = (
        pl.concat(totals)
        if totals
        else pl.DataFrame(
            schema={"period": pl.Date, "arm": pl.String, "total": pl.Float64, "total_withheld": pl.Boolean}
        )
    )
    return cells, arm_totals, note


_IN_ARM = (pl.col("arm") == "pilot") | pl.col("in_control").fill_null(False)


def _arm_presence(per_area: pl.DataFrame, value: str) -> pl.DataFrame:
    """period, arm, members (areas in the arm that period), known (of them with a value)."""
    return (
        per_area.filter(_IN_ARM)
        .group_by("period", "arm")
        .agg(members=pl.len(), known=pl.col(value).is_not_null().sum())
    )


def _baseline_flag(
    frame: pl.DataFrame, keys: Sequence[str], withheld: str, count: str, year: int, min_cases: int
) -> pl.DataFrame:
    """keys + `_base_bad`: the baseline year holds a withheld value or fewer than min_cases cases."""
    base = frame.filter(pl.col("period").dt.year() == year)
    return base.group_by(keys).agg(_base_bad=pl.col(withheld).any() | (pl.col(count).sum() < min_cases))


def per_area(
    per_area_series: pl.DataFrame, baseline_year: int, threshold: int = THRESHOLD, min_cases: int = MIN_CASES
) -> Published:
    """compare.per_area_series as published (the small multiples' data)."""
    cells, _, note = _arm_grids(per_area_series, _IN_ARM, "value", threshold)
    frame = per_area_series.join(cells, on=["area_code", "period"], how="left")
    flags = _baseline_flag(frame, ["area_code"], "value_withheld", "value", baseline_year, min_cases)
    frame = frame.join(flags, on="area_code", how="left")
    value_c = pl.col("value_withheld").fill_null(False)
    index_c = pl.col("index").is_not_null() & (value_c | pl.col("_base_bad").fill_null(True))
    derived = int(frame.select((index_c & ~value_c).sum()).item())
    rules = {
        "value": _sym(value_c, CONFIDENTIAL).when(pl.col("value").is_null()).then(pl.lit(NOT_AVAILABLE)),
        "index": _sym(index_c | value_c, CONFIDENTIAL)
        .when(pl.col("index").is_null())
        .then(pl.lit(NOT_AVAILABLE)),
    }
    return publish(
        frame,
        rules,
        note + DisclosureNote(derived=derived),
        counts=("value",),
        keep=per_area_series.columns,
        labels={
            "area_code": "Area code",
            "area_name": "Area",
            "arm": "Arm",
            "pilot_start": "Pilot start",
            "period": "Period from",
            "value": "Count",
            "index": "Index (area's baseline = 100)",
            "in_control": "Counted as control",
        },
    )


def pilot_vs_control(
    series: pl.DataFrame,
    per_area_series: pl.DataFrame,
    baseline_year: int,
    threshold: int = THRESHOLD,
    min_cases: int = MIN_CASES,
) -> Published:
    """compare.pilot_vs_control as published: arm totals protected as column totals of the area tables."""
    _, arm_totals, note = _arm_grids(per_area_series, _IN_ARM, "value", threshold)
    presence = _arm_presence(per_area_series, "value")
    frame = series.join(
        arm_totals.select("period", "arm", "total_withheld"), on=["period", "arm"], how="left"
    ).join(presence, on=["period", "arm"], how="left")
    total_c = pl.col("total_withheld").fill_null(False)
    mean_c = pl.col("total").is_not_null() & (total_c | (pl.col("total") < min_cases))
    frame = frame.with_columns(_mean_c=mean_c)
    base = (
        frame.filter(pl.col("period").dt.year() == baseline_year)
        .group_by("arm")
        .agg(_base_bad=pl.col("_mean_c").any() | (pl.col("total").sum() < min_cases))
    )
    frame = frame.join(base, on="arm", how="left")
    index_c = pl.col("index").is_not_null() & (pl.col("_mean_c") | pl.col("_base_bad").fill_null(True))
    none = pl.col("members").fill_null(0) == 0
    missing = pl.col("known").fill_null(0) == 0

    def rule(cond: pl.Expr, col: str) -> pl.Expr:
        return (
            _sym(cond, CONFIDENTIAL)
            .when(none)
            .then(pl.lit(NOT_APPLICABLE))
            .when(missing | pl.col(col).is_null())
            .then(pl.lit(NOT_AVAILABLE))
        )

    derived = int(
        frame.select(
            (
                (pl.col("_mean_c") & ~total_c).cast(pl.Int64) + (index_c & ~pl.col("_mean_c")).cast(pl.Int64)
            ).sum()
        ).item()
    )
    rules = {
        "total": rule(total_c, "total"),
        "mean_per_area": rule(pl.col("_mean_c"), "mean_per_area"),
        "index": rule(index_c | pl.col("_mean_c"), "index"),
    }
    return publish(
        frame,
        rules,
        note + DisclosureNote(derived=derived),
        ("total",),
        keep=series.columns,
        labels={
            "period": "Period from",
            "arm": "Arm",
            "total": "Total",
            "areas": "Areas",
            "mean_per_area": "Mean per area",
            "index": "Index (baseline = 100)",
        },
    )


def charge_rate(
    rates: pl.DataFrame,
    charges_by_area: pl.DataFrame,
    decisions_by_area: pl.DataFrame,
    threshold: int = THRESHOLD,
    min_cases: int = MIN_CASES,
) -> Published:
    """compare.charge_rate_series as published: both counts protected as arm totals; rates withheld when
    either count is withheld or from fewer than `min_cases` legal decisions."""
    both = charges_by_area.select("area_code", "period", "arm", "in_control", charges="value").join(
        decisions_by_area.select("area_code", "period", decisions="value"),
        on=["area_code", "period"],
        how="full",
        coalesce=True,
    )
    counted = _IN_ARM & pl.col("charges").is_not_null() & pl.col("decisions").is_not_null()
    notes = DisclosureNote(threshold=threshold)
    flags = []
    for name, col in (("charges", "charges"), ("charging_decisions", "decisions")):
        grid_in = both.with_columns(value=pl.col(col)).filter(pl.col("arm").is_not_null())
        _, totals, note = _arm_grids(grid_in, counted.fill_null(False), "value", threshold)
        notes = notes + note
        flags.append(totals.select("period", "arm", pl.col("total_withheld").alias(f"_{name}_c")))
    frame = rates
    for f in flags:
        frame = frame.join(f, on=["period", "arm"], how="left")
    charges_c = pl.col("_charges_c").fill_null(False)
    decisions_c = pl.col("_charging_decisions_c").fill_null(False)
    rate_c = pl.col("charging_decisions").is_not_null() & (
        charges_c | decisions_c | (pl.col("charging_decisions") < min_cases)
    )
    none = pl.col("areas").fill_null(0) == 0
    rules = {
        "charges": _sym(charges_c, CONFIDENTIAL).when(none).then(pl.lit(NOT_APPLICABLE)),
        "charging_decisions": _sym(decisions_c, CONFIDENTIAL).when(none).then(pl.lit(NOT_APPLICABLE)),
        "charge_rate_pct": _sym(rate_c, CONFIDENTIAL)
        .when(none)
        .then(pl.lit(NOT_APPLICABLE))
        .when(pl.col("charge_rate_pct").is_null())
        .then(pl.lit(NOT_AVAILABLE)),
    }
    derived = int(frame.select((rate_c & ~charges_c & ~decisions_c).sum()).item())
    keep = [c for c in rates.columns if c != "withheld"]
    return publish(
        frame,
        rules,
        notes + DisclosureNote(derived=derived),
        ("charges", "charging_decisions"),
        keep=keep,
        labels={
            "period": "Period from",
            "arm": "Arm",
            "charges": "Charges",
            "charging_decisions": "Legal decisions",
            "areas": "Areas",
            "charge_rate_pct": "Charge rate (%)",
        },
    )


KM_STEP_DAYS = 7
KM_RULE = f"Survival curves are read weekly and end where fewer than {MIN_CASES} cases remain at risk."


def km_curves(curves: pl.DataFrame, min_cases: int = MIN_CASES, step_days: int = KM_STEP_DAYS) -> Published:
    """Kaplan-Meier curves as published: read every `step_days` days (so that single steps, and the
    counts they imply, are not shown) and cut where fewer than `min_cases` cases remain at risk."""
    parts = []
    for (arm, period), part in curves.sort("day").group_by(["arm", "period"], maintain_order=True):
        part = part.filter(pl.col("at_risk") >= min_cases)
        if part.is_empty():
            continue
        last = float(part.get_column("day").max())  # type: ignore[arg-type]
        grid = pl.DataFrame({"day": np.arange(0.0, last + 1e-9, step_days)})
        read = grid.join_asof(part.drop("arm", "period").sort("day"), on="day", strategy="backward")
        parts.append(
            read.select(
                pl.lit(arm).alias("arm"),
                pl.lit(period).alias("period"),
                "day",
                "share_filed",
                "lower",
                "upper",
                "at_risk",
            )
        )
    frame = (
        pl.concat(parts)
        if parts
        else curves.clear().select("arm", "period", "day", "share_filed", "lower", "upper", "at_risk")
    )
    note = DisclosureNote(extra=(KM_RULE.replace(str(MIN_CASES), str(min_cases)),))
    return Published(
        frame,
        frame.clear().select(),
        note,
        ("at_risk",),
        {
            "arm": "Arm",
            "period": "Period",
            "day": "Day",
            "share_filed": "Share filed",
            "lower": "95% lower",
            "upper": "95% upper",
            "at_risk": "At risk",
        },
    )


_KM_OUTCOMES = ("filed", "closed_before_file", "still_open")


def km_summary(summary: pl.DataFrame, threshold: int = THRESHOLD, min_cases: int = MIN_CASES) -> Published:
    """survival.summary as published: cases = filed + closed + open is a published row total."""
    long = summary.select("arm", "period", *_KM_OUTCOMES).unpivot(
        index=["arm", "period"], on=list(_KM_OUTCOMES), variable_name="outcome", value_name="n"
    )
    grid = suppress_grid(long, "n", ["arm", "period"], "outcome", row_totals=True, threshold=threshold)
    cells = grid.cells.pivot(on="outcome", index=["arm", "period"], values="withheld")
    cells = cells.rename({o: f"_{o}_c" for o in _KM_OUTCOMES})
    totals = grid.row_totals.select("arm", "period", _cases_c="withheld")
    frame = summary.join(cells, on=["arm", "period"], how="left").join(
        totals, on=["arm", "period"], how="left"
    )
    few = pl.col("cases") < min_cases
    estimates = ("median_days", "median_lower", "median_upper", "filed_by_90", "filed_by_365")
    rules: dict[str, pl.Expr] = {"cases": _sym(pl.col("_cases_c"), CONFIDENTIAL)}
    for o in _KM_OUTCOMES:
        rules[o] = _sym(pl.col(f"_{o}_c"), CONFIDENTIAL)
    for e in estimates:
        rules[e] = _sym(few, CONFIDENTIAL).when(pl.col(e).is_null()).then(pl.lit(NOT_AVAILABLE))
    derived = int(frame.select(few.sum()).item()) * len(estimates)
    keep = [c for c in summary.columns if c != "withheld"]
    return publish(
        frame,
        rules,
        grid.note + DisclosureNote(threshold=threshold, derived=derived),
        ("cases", *_KM_OUTCOMES),
        keep=keep,
        labels={
            "arm": "Arm",
            "period": "Period",
            "cases": "Cases",
            "filed": "Filed",
            "closed_before_file": "Closed before a file",
            "still_open": "Still open",
            "median_days": "Median days",
            "median_lower": "95% lower",
            "median_upper": "95% upper",
            "filed_by_90": "Filed within 90 days",
            "filed_by_365": "Filed within a year",
        },
    )


def numbers_at_risk(
    table: pl.DataFrame, summary: Published | None = None, threshold: int = THRESHOLD
) -> Published:
    """survival.numbers_at_risk as published: small numbers withheld; day 0 follows the summary's cases."""
    frame = suppress_counts(table, ["at_risk"], threshold)
    if summary is not None and "cases" in summary.symbols.columns:
        hidden = summary.frame.select(
            "arm", "period", _cases_c=pl.lit(summary.symbols.get_column("cases")).is_not_null()
        )
        frame = frame.join(hidden, on=["arm", "period"], how="left").with_columns(
            at_risk_withheld=pl.col("at_risk_withheld")
            | ((pl.col("day") == 0) & pl.col("_cases_c").fill_null(False))
        )
    note = DisclosureNote(threshold=threshold, primary=int(frame.get_column("at_risk_withheld").sum()))
    return publish(
        frame,
        {"at_risk": _sym(pl.col("at_risk_withheld"), CONFIDENTIAL)},
        note,
        ("at_risk",),
        keep=table.columns,
        labels={"arm": "Arm", "period": "Period", "day": "Day", "at_risk": "At risk"},
    )


def estimates(frame: pl.DataFrame) -> Published:
    """A table of model estimates (effects, intervals, p-values): no counts, nothing to withhold, but
    any count column it carries still gets primary suppression."""
    counts = [c for c in frame.columns if c in COUNT_COLUMNS]
    flagged = suppress_counts(frame, counts)
    rules = {c: _sym(pl.col(f"{c}_withheld"), CONFIDENTIAL) for c in counts}
    note = DisclosureNote(primary=int(sum(flagged.get_column(f"{c}_withheld").sum() for c in counts)))
    return publish(flagged, rules, note, counts, keep=frame.columns)


def generic(frame: pl.DataFrame) -> Published:
    """The best rule for a table whose shape is known only by its columns (a page's own table):
    survival curves as `km_curves`; otherwise primary suppression of every count column, and of an
    area's `actual` count, with the `gap` derived from it."""
    if {"arm", "period", "day", "share_filed", "at_risk"} <= set(frame.columns):
        return km_curves(frame)
    counts = [c for c in frame.columns if c in COUNT_COLUMNS]
    flagged = suppress_counts(frame, counts)
    rules = {c: _sym(pl.col(f"{c}_withheld"), CONFIDENTIAL) for c in counts}
    if "actual" in counts and "gap" in frame.columns:
        rules["gap"] = _sym(pl.col("actual_withheld"), CONFIDENTIAL)
    note = DisclosureNote(primary=int(sum(flagged.get_column(f"{c}_withheld").sum() for c in counts)))
    return publish(flagged, rules, note, tuple(counts), keep=frame.columns)


def any_withheld(published: Published, column: str, where: pl.Expr | None = None) -> bool:
    """Whether any cell of `column` (in rows matching `where`) is withheld as confidential."""
    if column not in published.symbols.columns:
        return False
    frame = published.frame.with_columns(_s=pl.lit(published.symbols.get_column(column)))
    if where is not None:
        frame = frame.filter(where)
    return bool((frame.get_column("_s") == CONFIDENTIAL).any())


def first_period(published: Published) -> date | None:
    col = published.frame.get_column("period") if "period" in published.frame.columns else None
    return None if col is None or col.is_empty() else col.min()  # type: ignore[return-value]
