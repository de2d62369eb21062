"""The report-to-file effect for each victims' group, and whether it differs between groups (pure).

Each group's effect is the evaluation's own report-to-file estimate (`run._report_to_file`: per area
and period the share filed within a year, closures competing; staggered difference-in-differences with
randomisation inference over which areas are pilots), on that group's cases alone. Whether the effect
differs is asked of each group against all other cases: per area and period the group's share less the
others', put through the same estimator, so that its interval and randomisation p-value say how far the
pilot changed that gap. With several groups and three fields many comparisons are made, so each field's
p-values are Holm-adjusted over its groups, and the words say that one in twenty comparisons looks
different by chance.
"""

from __future__ import annotations

import polars as pl

from soteria.analysis.compare import Selection
from soteria.analysis.victims import groups, with_group
from soteria.engine.evaluate import evaluate
from soteria.engine.results import Estimate
from soteria.evaluation.case_panels import area_survival_panel, case_frame

EFFECT_SCHEMA = {
    "group": pl.String,
    "estimate": pl.Float64,
    "lower": pl.Float64,
    "upper": pl.Float64,
    "p_value": pl.Float64,
    "gap": pl.Float64,
    "gap_lower": pl.Float64,
    "gap_upper": pl.Float64,
    "gap_p": pl.Float64,
    "gap_p_holm": pl.Float64,
    "n_pilot": pl.Int64,
    "n_control": pl.Int64,
    "note": pl.String,
}
_KEYS = ["unit", "time", "first_treat", "role"]


def _effect(panel: pl.DataFrame, outcome: str) -> Estimate:
    return evaluate(panel, [outcome], "unit", "time", "first_treat", control="never")[outcome].randomization


def _counts(panel: pl.DataFrame) -> tuple[int, int]:
    units = panel.select("unit", "role").unique()
    return (units.filter(pl.col("role") == "pilot").height, units.filter(pl.col("role") == "control").height)


def group_effects(
    cases: pl.DataFrame,
    register: pl.DataFrame,
    force_cps_area: pl.DataFrame,
    sel: Selection,
    field: str,
    control: str = "notyet",
) -> pl.DataFrame:
    """Per group of `field`: its effect on the share filed within a year (points, 95% interval,
    randomisation p-value), the effect on its gap to all other cases and that p-value Holm-adjusted over
    the field's groups, the pilot and control areas with enough of its cases, and a note where none
    could be estimated."""
    tte = with_group(case_frame(cases, register, force_cps_area, sel, control), field)
    rows = []
    for group in groups(field, tte.get_column(field).unique().to_list()):
        mine = tte.filter(pl.col("group") == group)
        row: dict[str, object] = dict.fromkeys(EFFECT_SCHEMA) | {"group": group}
        own, _ = area_survival_panel(mine)
        n_pilot, n_control = _counts(own) if own.height else (0, 0)
        row |= {"n_pilot": n_pilot, "n_control": n_control}
        if n_pilot == 0 or n_control == 0:
            row["note"] = "too few cases: no area has 10 of them both before and after its start"
            rows.append(row)
            continue
        est = _effect(own, "filed_365")
        row |= {"estimate": est.estimate, "lower": est.lower, "upper": est.upper, "p_value": est.p_value}
        rest, _ = area_survival_panel(tte.filter(pl.col("group") != group))
        both = own.select(*_KEYS, "filed_365").join(
            rest.select("unit", "time", other="filed_365"), on=["unit", "time"]
        )
        gap_panel = both.with_columns(gap=pl.col("filed_365") - pl.col("other"))
        if min(_counts(gap_panel)) > 0:
            gap = _effect(gap_panel, "gap")
            row |= {"gap": gap.estimate, "gap_lower": gap.lower, "gap_upper": gap.upper, "gap_p": gap.p_value}
        rows.append(row)
    out = pl.DataFrame(rows, schema=EFFECT_SCHEMA)
    return out.with_columns(gap_p_holm=pl.Series(holm(out.get_column("gap_p").to_list()), dtype=pl.Float64))


def all_cases_effect(
    cases: pl.DataFrame,
    register: pl.DataFrame,
    force_cps_area: pl.DataFrame,
    sel: Selection,
    control: str = "notyet",
) -> Estimate | None:
    """The same estimate on every case (the evaluation's report-to-file headline), without running the
    rest of the evaluation; None when no pilot or control area has enough cases."""
    panel, _ = area_survival_panel(case_frame(cases, register, force_cps_area, sel, control))
    return _effect(panel, "filed_365") if panel.height and min(_counts(panel)) > 0 else None


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (family-wise error) of the p-values given; None stays None."""
    known = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m, running = len(known), 0.0
    out: list[float | None] = [None] * len(p_values)
    for rank, (p, i) in enumerate(known):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out
