"""Report-to-file in words and tables: the survival table, log-rank sentences, the curves' summary."""

from __future__ import annotations

import polars as pl

from soteria.domain import MIN_CASES
from soteria.evaluation.case_panels import HORIZON_DAYS
from soteria.evaluation.outcome import EvaluationResult, OutcomeResult
from soteria.evaluation.text.words import interval, number, p_is

ESTIMATORS = {
    "aalen_johansen": "All cases: closures count as never filed (Aalen-Johansen)",
    "kaplan_meier": "While open: closures censored (Kaplan-Meier)",
}


FILED_IN_A_YEAR = "Filed within a year, closures competing (%)"


MEDIAN_WHILE_OPEN = "Median days while open (KM)"


def survival_table(o: OutcomeResult) -> pl.DataFrame:
    """Per arm and period: cases, filed, closed, open, KM median with interval, share filed in a year."""
    s = o.survival
    if s is None:
        return pl.DataFrame()
    inc = s.incidence.filter(pl.col("horizon") == HORIZON_DAYS).select(
        "arm", "period", pl.col("filed").alias("filed_share")
    )
    small = pl.col("n") < MIN_CASES
    return (
        s.medians.join(inc, on=["arm", "period"], how="left")
        .sort(pl.col("arm") != "pilot", pl.col("period") != "before")
        .select(
            pl.col("arm").replace_strict({"pilot": "Pilot areas", "control": "Control areas"}).alias("Arm"),
            pl.col("period").str.to_titlecase().alias("Period"),
            pl.col("n").alias("Cases"),
            pl.col("filed").alias("Filed"),
            pl.col("closed").alias("Closed before a file"),
            pl.col("open").alias("Still open"),
            pl.when(~small).then(pl.col("filed_share") * 100).round(1).alias(FILED_IN_A_YEAR),
            pl.when(~small & pl.col("km_median").is_finite()).then("km_median").alias(MEDIAN_WHILE_OPEN),
        )
    )  # fmt: skip


def summary_frame(o: OutcomeResult) -> pl.DataFrame:
    """The evaluation's report-to-file summary in the shape of `analysis.survival.summary`, so that it is
    published as the Report-to-file page's is (`disclosure.km_summary`: cases = filed + closed + open
    protected as a row total; medians and shares from fewer than 10 cases withheld)."""
    s = o.survival
    if s is None:
        return pl.DataFrame()
    shares = s.incidence.pivot(on="horizon", index=["arm", "period"], values="filed")
    by = {float(c): c for c in shares.columns if c not in ("arm", "period")}
    small = pl.col("n") < MIN_CASES

    def finite(c: str) -> pl.Expr:  # an infinite median was not reached: no figure
        return pl.when(~small & pl.col(c).is_finite()).then(pl.col(c))

    return (
        s.medians.join(shares, on=["arm", "period"], how="left")
        .sort(pl.col("arm") != "pilot", pl.col("period") != "before")
        .select(
            "arm", "period", pl.col("n").alias("cases"), "filed",
            pl.col("closed").alias("closed_before_file"), pl.col("open").alias("still_open"),
            finite("km_median").alias("median_days"), finite("km_lower").alias("median_lower"),
            finite("km_upper").alias("median_upper"),
            pl.when(~small).then(pl.col(by[90.0])).alias("filed_by_90"),
            pl.when(~small).then(pl.col(by[HORIZON_DAYS])).alias("filed_by_365"),
            small.alias("withheld"),
        )
    )  # fmt: skip


def logrank_sentences(o: OutcomeResult) -> list[str]:
    s = o.survival
    if s is None:
        return []
    out = []
    for key, where in (("pilot_change", "pilot areas"), ("control_change", "control areas")):
        t = s.logrank.get(key)
        if t is not None:
            out.append(
                f"Did time to file change after the start within {where}? Log-rank test of cases reported "
                f"before against after, each case compared only with its own area's: chi-squared "
                f"{t.statistic:,.1f}, {p_is(t.p_value)}. This includes any national change; whether "
                "pilot areas changed more than controls is what the headline above answers."
            )
    cl = o.secondary.get("rmst_days_case_level")
    if cl is not None:
        out.append(
            f"Case-level difference-in-differences in restricted mean days to file (first year): "
            f"{number(cl.estimate, 1, True)} days ({interval(cl, 'days')}). Case-level tests treat every "
            "case as independent and ignore that cases in one area move together, so they overstate "
            "certainty: the headline compares areas instead."
        )
    return out


def curves_summary(curves: pl.DataFrame, estimator: str) -> str:
    c = curves.filter(pl.col("estimator") == estimator, pl.col("day") <= HORIZON_DAYS)
    parts = []
    for (arm, period), g in sorted(c.partition_by("arm", "period", as_dict=True).items()):
        parts.append(f"{arm} areas {period}: {float(g['share_filed'].max()):.0%}")  # type: ignore[arg-type]  # a polars scalar
    what = "all cases, closures competing" if estimator == "aalen_johansen" else "closures censored"
    return f"Share of cases with a file at the CPS within a year ({what}): " + "; ".join(parts) + "."


def curves_for(result: EvaluationResult, estimator: str) -> pl.DataFrame:
    if result.curves is None:
        return pl.DataFrame()
    return result.curves.filter(pl.col("estimator") == estimator).drop("estimator")
