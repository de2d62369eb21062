"""Victims' groups: report-to-file and attrition by victim sex, age band or ethnic group, by arm and
period (pure).

Every share comes from the one follow-up (`soteria.analysis.survival.time_to_file`) and the engine's
Aalen-Johansen estimator, so a group's share filed within a year is the same kind of figure as the
Report-to-file page's: the share of all the group's cases filed by then, closures competing. The shares
closed as police no further action and as victim withdrawal are the same estimator's other causes, at
the same horizon: filing, each kind of closure and still open add up to all cases.
"""

from __future__ import annotations

import polars as pl

from soteria.analysis.survival import ARMS, PERIODS
from soteria.domain import MIN_CASES, NOT_RECORDED, VICTIM_FIELDS
from soteria.engine import survival as sv

NOT_RECORDED_CODE = "not_recorded"  # the group of cases whose extract had no such field
# Causes for the estimator: 1 filed; closures before a file by why; 0 still open (censored).
_CAUSES = {"police_nfa": 2, "victim_withdrawal": 3}
_OTHER_CLOSURE = 4
HORIZONS = {"filed_by_90": (1, 90.0), "filed_by_365": (1, 365.0)}
CLOSED_BY_365 = {"nfa_by_365": _CAUSES["police_nfa"], "withdrawal_by_365": _CAUSES["victim_withdrawal"]}
SUMMARY_SCHEMA = {
    "group": pl.String,
    "arm": pl.String,
    "period": pl.String,
    "cases": pl.Int64,
    "filed_by_90": pl.Float64,
    "filed_by_365": pl.Float64,
    "filed_by_365_lower": pl.Float64,
    "filed_by_365_upper": pl.Float64,
    "nfa_by_365": pl.Float64,
    "withdrawal_by_365": pl.Float64,
    "withheld": pl.Boolean,
}


def check_field(field: str) -> None:
    if field not in VICTIM_FIELDS:
        raise ValueError(f"field must be one of {', '.join(VICTIM_FIELDS)}, not {field!r}")


def groups(field: str, present: list[str | None] | None = None) -> dict[str, str]:
    """code -> label for a field's groups, in their standard order, "not recorded" last; with `present`,
    only those the data hold (null meaning not recorded)."""
    check_field(field)
    every = {**VICTIM_FIELDS[field], NOT_RECORDED_CODE: NOT_RECORDED}
    if present is None:
        return every
    have = {NOT_RECORDED_CODE if p is None else p for p in present}
    return {code: label for code, label in every.items() if code in have}


def with_group(tte: pl.DataFrame, field: str) -> pl.DataFrame:
    """The follow-up with a `group` column: the field's code, "not_recorded" where the extract had none."""
    check_field(field)
    return tte.with_columns(pl.col(field).fill_null(NOT_RECORDED_CODE).alias("group"))


def causes(tte: pl.DataFrame) -> pl.Series:
    """Each case's cause for the estimator: 1 filed, 2 police NFA, 3 victim withdrawal, 4 other closure
    before a file, 0 still open."""
    why = pl.col("closure_reason").replace_strict(_CAUSES, default=_OTHER_CLOSURE, return_dtype=pl.Int64)
    return tte.select(
        pl.when(pl.col("event") == 2).then(why).otherwise(pl.col("event").cast(pl.Int64)).alias("cause")
    ).to_series()


def group_summary(tte: pl.DataFrame, field: str, min_cases: int = MIN_CASES) -> pl.DataFrame:
    """Per group of `field`, arm and period: cases; the shares filed within 90 days and a year (with its
    95% interval) and closed within a year as police no further action and as victim withdrawal, all
    closures competing. Shares from fewer than `min_cases` cases are withheld (null, withheld=True);
    counts are exact here, for the disclosure step to take from the perturbed groups of cases."""
    framed = with_group(tte, field).with_columns(causes(tte).alias("cause"))
    parts = framed.partition_by("group", "arm", "period", as_dict=True)
    order = groups(field, framed.get_column(field).unique().to_list())
    rows = []
    for group in order:
        for arm in ARMS:
            for period in PERIODS:
                g = parts.get((group, arm, period), framed.clear())
                rows.append({"group": group, "arm": arm, "period": period, **_shares(g, min_cases)})
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA)


def _shares(g: pl.DataFrame, min_cases: int) -> dict[str, object]:
    out: dict[str, object] = dict.fromkeys(list(SUMMARY_SCHEMA)[3:])
    out |= {"cases": g.height, "withheld": g.height < max(min_cases, 1)}
    if out["withheld"]:
        return out
    days, cause = g.get_column("days").to_numpy(), g.get_column("cause").to_numpy()
    filed = sv.cumulative_incidence(days, cause, 1)
    for name, (_, horizon) in HORIZONS.items():
        out[name] = sv.value_at(filed, horizon, "cif")
    out["filed_by_365_lower"] = sv.value_at(filed, 365.0, "lower")
    out["filed_by_365_upper"] = sv.value_at(filed, 365.0, "upper")
    for name, code in CLOSED_BY_365.items():
        out[name] = sv.value_at(sv.cumulative_incidence(days, cause, code), 365.0, "cif")
    return out
