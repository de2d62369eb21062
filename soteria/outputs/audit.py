"""The differencing audit: subtract the pairs of published tables an attacker could take and count the
withheld counts that come out exactly. With the perturbed base cells (soteria.disclosure.base_cells)
there must be none; the same differences of the exact tables show what the attack would otherwise find.

Pairs tried, for a selection's grain, metric and frequency: the control arm's totals with and without
each control area (`--exclude`), an arm's total less its published area cells, a quarter less its
published months, and a CPS Area less its published forces. Each difference that isolates one withheld
cell is an attempt; the attacker is granted the method and its bound (a count of 1 to 4 moves by at
most 1 per base cell, and every withheld count is 1 to 4), and recovers the cell when only one count
fits. The audit also checks every published arm total against the truth and the stated bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import polars as pl

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.disclosure.perturb import BOUND, SMALL, possible_counts
from soteria.outputs.data import Analyses

_CELL = ["area_code", "period"]


@dataclass(frozen=True)
class Attempt:
    """One difference that isolates one withheld cell."""

    kind: str  # "exclude", "column", "quarter", "cps_area"
    cell: tuple[str, ...]  # grain, metric, frequency, area, period
    true: int
    difference: float  # from the published tables
    exact_difference: float  # the same difference of the exact tables
    slack: int  # the stated bound of the difference: 1 per small base cell in it
    single: bool = False  # the cell is one base cell (the attacker may use the table itself)
    known_small: bool = True  # the cell is shown withheld, so the attacker knows it is 1 to 4


@dataclass(frozen=True)
class Figures:
    attempts: int
    withheld: int  # distinct withheld cells reached by at least one difference
    recovered: int  # from the published tables: must be 0
    recovered_from_exact: int  # the same differences of unperturbed tables
    totals_checked: int
    beyond_bound: int  # published totals further from the truth than the stated bound: must be 0
    largest_total_error: float
    largest_index_change: float  # largest change of a published arm index (points)
    median_index_change: float


def candidates(difference: float, slack: int, single: bool = False, small: bool = True) -> list[int]:
    """The counts the attacker cannot rule out, given the perturbed difference and its bound: of 1 to 4
    when the cell is known to be withheld (`small`), else of any count from 1."""
    d = round(difference)
    if single:
        return [c for c in possible_counts(d) if SMALL[0] <= c <= SMALL[1]]
    top = SMALL[1] if small else d + slack
    return [c for c in range(SMALL[0], top + 1) if abs(d - c) <= slack]


class _Tables:
    """A selection's published and exact per-area cells and arm totals."""

    def __init__(self, data: Analyses, sel: compare.Selection) -> None:
        reg, exact_values = data.register(), data.source.values(sel.grain)
        per_area = data.per_area(sel)
        pub = dc.per_area(per_area, sel.baseline_year)
        allowed = compare.per_area_series(_allowed(data, sel.grain, exact_values), reg, sel)
        marks = pub.symbols.get_column("value") if "value" in pub.symbols.columns else None
        self.cells = per_area.select(*_CELL, "arm", "in_control", published="value").with_columns(
            withheld=marks.is_not_null() if marks is not None else pl.lit(False)
        )
        exact = compare.per_area_series(exact_values, reg, sel).select(*_CELL, exact="value")
        self.cells = self.cells.join(exact, on=_CELL, how="left").join(
            allowed.select(*_CELL, slack=pl.col("value").fill_null(0).cast(pl.Int64)), on=_CELL, how="left"
        )
        self.single = sel.frequency == "month"  # a month's cell is one base cell, or its forces' sum
        series = dc.pilot_vs_control(data.pilot_vs_control(sel), per_area, sel.baseline_year).frame
        truth = compare.pilot_vs_control(exact_values, reg, sel)
        self.totals = series.select("period", "arm", "total", "index").join(
            truth.select("period", "arm", exact_total="total", exact_index="index"), on=["period", "arm"]
        )


def _exclusions(data: Analyses, sel: compare.Selection, base: _Tables) -> Iterator[Attempt]:
    controls = base.cells.filter(pl.col("arm") == "control").get_column("area_code").unique().sort()
    for area in controls:
        small = base.cells.filter(pl.col("area_code") == area, pl.col("withheld"), pl.col("in_control"))
        if small.is_empty():
            continue
        without = _Tables(data, replace(sel, excluded_controls=(*sel.excluded_controls, area)))
        pair = base.totals.filter(pl.col("arm") == "control").join(
            without.totals.filter(pl.col("arm") == "control"), on="period", suffix="_without"
        )
        for row in small.join(pair, on="period").iter_rows(named=True):
            if row["total"] is None or row["total_without"] is None:
                continue
            yield Attempt(
                "exclude",
                (sel.grain, sel.metric, sel.frequency, area, str(row["period"])),
                int(row["exact"]),
                row["total"] - row["total_without"],
                row["exact_total"] - row["exact_total_without"],
                int(row["slack"]),
                sel.grain == "force" and base.single,
            )


def _columns(sel: compare.Selection, base: _Tables) -> Iterator[Attempt]:
    counted = base.cells.filter((pl.col("arm") == "pilot") | pl.col("in_control"))
    lone = counted.group_by("period", "arm").agg(
        hidden=pl.col("withheld").sum(),
        shown=pl.col("published").filter(~pl.col("withheld")).sum(),
        shown_exact=pl.col("exact").filter(~pl.col("withheld")).sum(),
    )
    rows = counted.filter(pl.col("withheld")).join(lone.filter(pl.col("hidden") == 1), on=["period", "arm"])
    rows = rows.join(base.totals, on=["period", "arm"])
    for row in rows.filter(pl.col("total").is_not_null()).iter_rows(named=True):
        yield Attempt(
            "column",
            (sel.grain, sel.metric, sel.frequency, row["area_code"], str(row["period"])),
            int(row["exact"]),
            row["total"] - row["shown"],
            row["exact_total"] - row["shown_exact"],
            int(row["slack"]),
            sel.grain == "force" and base.single,
        )


def _quarters(data: Analyses, sel: compare.Selection) -> Iterator[Attempt]:
    """A quarter less its two published months gives the third."""
    months = _Tables(data, replace(sel, frequency="month")).cells
    quarters = _Tables(data, replace(sel, frequency="quarter")).cells.filter(~pl.col("withheld"))
    months = months.with_columns(quarter=pl.col("period").dt.truncate("3mo"))
    per_quarter = months.group_by("area_code", "quarter").agg(
        hidden=pl.col("withheld").sum(),
        n=pl.len(),
        shown=pl.col("published").filter(~pl.col("withheld")).sum(),
        shown_exact=pl.col("exact").filter(~pl.col("withheld")).sum(),
    )
    lone = months.filter(pl.col("withheld")).join(
        per_quarter.filter(pl.col("hidden") == 1, pl.col("n") == 3), on=["area_code", "quarter"]
    )
    joined = lone.join(
        quarters.select("area_code", quarter="period", q="published", q_exact="exact", q_slack="slack"),
        on=["area_code", "quarter"],
    )
    for row in joined.filter(pl.col("q").is_not_null()).iter_rows(named=True):
        yield Attempt(
            "quarter",
            (sel.grain, sel.metric, "month", row["area_code"], str(row["period"])),
            int(row["exact"]),
            row["q"] - row["shown"],
            row["q_exact"] - row["shown_exact"],
            int(row["slack"] if sel.grain == "force" else row["q_slack"]),  # rolled-up months move too
            sel.grain == "force",
        )


def _cps_areas(data: Analyses, sel: compare.Selection) -> Iterator[Attempt]:
    """A CPS Area's count less its forces' published counts gives the one withheld force."""
    fmap = data.source.force_cps_area()
    home = fmap.group_by("force_code").agg(pl.col("cps_area_code").first(), n=pl.len())
    home = home.filter(pl.col("n") == 1).select("force_code", "cps_area_code")
    forces = _Tables(data, replace(sel, grain="force", excluded_controls=())).cells
    areas = _Tables(data, replace(sel, grain="cps_area", excluded_controls=())).cells
    members = fmap.group_by("cps_area_code").agg(members=pl.len())
    f = forces.join(home, left_on="area_code", right_on="force_code")
    per_area = f.group_by("cps_area_code", "period").agg(
        hidden=pl.col("withheld").sum(),
        n=pl.len(),
        shown=pl.col("published").filter(~pl.col("withheld")).sum(),
        shown_exact=pl.col("exact").filter(~pl.col("withheld")).sum(),
    )
    lone = f.filter(pl.col("withheld")).join(
        per_area.filter(pl.col("hidden") == 1), on=["cps_area_code", "period"]
    )
    lone = lone.join(members, on="cps_area_code").filter(pl.col("n") == pl.col("members"))
    joined = lone.join(
        areas.select(cps_area_code="area_code", period="period", a="published", a_exact="exact"),
        on=["cps_area_code", "period"],
    )
    for row in joined.filter(pl.col("a").is_not_null(), pl.col("a_exact").is_not_null()).iter_rows(
        named=True
    ):
        yield Attempt(
            "cps_area",
            ("force", sel.metric, sel.frequency, row["area_code"], str(row["period"])),
            int(row["exact"]),
            row["a"] - row["shown"],
            row["a_exact"] - row["shown_exact"],
            int(row["slack"]),
            sel.frequency == "month",
        )


_OUTCOMES = ("cases", "filed", "closed_before_file", "still_open")


def _case_exclusions(data: Analyses, sel: compare.Selection) -> Iterator[Attempt]:
    """The report-to-file counts with and without each control area give that area's counts: an
    attempt wherever the area's true count is 1 to 4 (its own counts are never published)."""
    from soteria.analysis import survival

    def exact(s: compare.Selection) -> pl.DataFrame:
        return survival.summary(data.time_to_file(s)).select("arm", "period", *_OUTCOMES)

    def long(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("arm") == "control").unpivot(
            index=["arm", "period"], on=list(_OUTCOMES), variable_name="outcome", value_name="n"
        )

    base, base_exact = long(data.km_summary(sel)), long(exact(sel))
    tte = data.time_to_file(sel)
    controls = tte.filter(pl.col("arm") == "control").get_column("area_code").unique().sort()
    for area in controls:
        other = replace(sel, excluded_controls=(*sel.excluded_controls, area))
        groups = data.case_cells(sel).join(
            tte.filter(pl.col("area_code") == area).select("force_code").unique(), on="force_code"
        )
        joined = (
            base.join(long(data.km_summary(other)), on=["arm", "period", "outcome"], suffix="_without")
            .join(base_exact, on=["arm", "period", "outcome"], suffix="_exact")
            .join(long(exact(other)), on=["arm", "period", "outcome"], suffix="_exact_without")
        )
        for row in joined.iter_rows(named=True):
            true = row["n_exact"] - row["n_exact_without"]
            if not SMALL[0] <= true <= SMALL[1]:
                continue
            yield Attempt(
                "cases_exclude",
                (sel.grain, "cases", row["outcome"], area, row["period"]),
                true,
                row["n"] - row["n_without"],
                true,
                max(groups.filter(pl.col("period") == row["period"]).height, 1),
                known_small=False,
            )


def attempts(data: Analyses, sel: compare.Selection) -> list[Attempt]:
    """Every difference of the four kinds that isolates one withheld cell, for one selection."""
    base = _Tables(data, sel)
    out = [*_exclusions(data, sel, base), *_columns(sel, base)]
    if sel.frequency == "quarter":
        out += _quarters(data, sel)
    if sel.grain == "cps_area":
        out += _cps_areas(data, sel)
    return out


def totals_check(data: Analyses, sel: compare.Selection) -> pl.DataFrame:
    """period, arm, error (published less true total), allowed (the stated bound), index_change, and
    exact_index (the index from exact counts)."""
    values, reg = data.source.values(sel.grain), data.register()
    allowed = _allowed(data, sel.grain, values)
    bound = compare.pilot_vs_control(allowed, reg, sel).select("period", "arm", allowed="total")
    t = _Tables(data, sel).totals.join(bound, on=["period", "arm"])
    return t.filter(pl.col("total").is_not_null()).select(
        "period",
        "arm",
        error=pl.col("total") - pl.col("exact_total"),
        allowed=pl.col("allowed").fill_null(0),
        index_change=(pl.col("index") - pl.col("exact_index")).abs(),
        exact_index=pl.col("exact_index"),
    )


def _allowed(data: Analyses, grain: str, values: pl.DataFrame) -> pl.DataFrame:
    """Each base cell's stated bound as a count frame: 1 for a small cell, at CPS Area grain the number
    of small force cells when the Area is rolled up from its forces."""
    small = pl.col("value").is_between(SMALL[0], SMALL[1]).cast(pl.Float64) * BOUND
    own = values.with_columns(value=pl.when(pl.col("value").is_not_null()).then(small))
    if grain != "cps_area":
        return own
    fmap = data.source.force_cps_area()
    forces = data.source.values("force").with_columns(value=small.fill_null(0))
    rolled = (
        forces.join(fmap, left_on="area_code", right_on="force_code")
        .group_by(pl.col("cps_area_code").alias("area_code"), "month", "metric")
        .agg(forces=pl.col("value").sum())
    )
    out = own.join(rolled, on=["area_code", "month", "metric"], how="left")
    return out.with_columns(value=pl.max_horizontal("value", pl.col("forces").fill_null(0))).drop("forces")


def recovers(a: Attempt) -> bool:
    """The attacker is left with one count, the true one."""
    return candidates(a.difference, a.slack, a.single, a.known_small) == [a.true]


def figures(found: list[Attempt], checks: list[pl.DataFrame]) -> Figures:
    recovered = sum(1 for a in found if recovers(a))
    from_exact = sum(1 for a in found if round(a.exact_difference) == a.true)
    empty = pl.DataFrame(schema={"error": pl.Float64, "allowed": pl.Float64, "index_change": pl.Float64})
    totals = pl.concat(checks) if checks else empty
    return Figures(
        attempts=len(found),
        withheld=len({a.cell for a in found}),
        recovered=recovered,
        recovered_from_exact=from_exact,
        totals_checked=totals.height,
        beyond_bound=int((totals["error"].abs() > totals["allowed"]).sum()),
        largest_total_error=float(totals["error"].abs().max() or 0.0),  # type: ignore[arg-type]
        largest_index_change=float(totals["index_change"].max() or 0.0),  # type: ignore[arg-type]
        median_index_change=float(totals["index_change"].median() or 0.0),  # type: ignore[arg-type]
    )
