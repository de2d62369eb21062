"""Report-to-file in words and tables: the survival table, log-rank sentences, the curves' summary."""

from __future__ import annotations

import polars as pl

from soteria.evaluation.case_panels import HORIZON_DAYS
from soteria.evaluation.outcome import EvaluationResult, OutcomeResult
from soteria.evaluation.text.words import interval, number, p_is

ESTIMATORS = {
    "aalen_johansen": "All cases: closures count as never filed (Aalen-Johansen)",
    "kaplan_meier": "Hypothetical: if no case were closed (Kaplan-Meier)",
}


def summary_frame(o: OutcomeResult) -> pl.DataFrame:
    """The evaluation's report-to-file summary: ``analysis.survival.summary``, the Report-to-file page's
    own table (medians only where half of all cases were filed, closures competing), published as that
    page's is (``disclosure.km_summary``)."""
    return pl.DataFrame() if o.survival is None else o.survival.medians


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
    what = (
        "all cases, closures competing"
        if estimator == "aalen_johansen"
        else "hypothetical, if no case were closed: not the share that reached the CPS"
    )
    return f"Share of cases with a file at the CPS within a year ({what}): " + "; ".join(parts) + "."


def curves_for(result: EvaluationResult, estimator: str) -> pl.DataFrame:
    if result.curves is None:
        return pl.DataFrame()
    return result.curves.filter(pl.col("estimator") == estimator).drop("estimator")
