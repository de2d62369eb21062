"""The tables behind the charts, after disclosure control: the same for a page, an export and the
command line.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.evaluation import text
from soteria.evaluation.outcome import OutcomeResult
from soteria.outputs.data import Analyses


def published_pilot_vs_control(data: Analyses, sel: compare.Selection, threshold: int) -> dc.Published:
    return dc.pilot_vs_control(data.pilot_vs_control(sel), data.per_area(sel), sel.baseline_year, threshold)


def published_per_area(data: Analyses, sel: compare.Selection, threshold: int) -> dc.Published:
    return dc.per_area(data.per_area(sel), sel.baseline_year, threshold)


def published_charge_rate(data: Analyses, sel: compare.Selection, threshold: int) -> dc.Published:
    return dc.charge_rate(
        data.charge_rate(sel),
        data.per_area(replace(sel, metric="charges")),
        data.per_area(replace(sel, metric="charging_decisions")),
        threshold,
    )


def published_km_summary(
    data: Analyses, sel: compare.Selection, threshold: int = dc.THRESHOLD
) -> dc.Published:
    return dc.km_summary(data.km_summary(sel), threshold)


def published_numbers_at_risk(
    data: Analyses, sel: compare.Selection, threshold: int = dc.THRESHOLD
) -> dc.Published:
    return dc.numbers_at_risk(
        data.numbers_at_risk(sel), published_km_summary(data, sel, threshold), threshold
    )


ARM_LABEL = {"pilot": "pilot areas", "control": "control areas"}


NOT_REACHED = "Median days to file (blank: fewer than half of all cases filed)"


def km_summary_table(pub: dc.Published) -> dc.Published:
    """The published report-to-file summary as people read it, every figure from the share of all
    cases filed (Aalen-Johansen, closures competing): the median days to file with its interval only
    where half of all cases were filed, the days until a quarter were filed, the shares filed within 90
    days and a year in per cent; withheld cells still marked."""
    f, sy = pub.frame, pub.symbols

    def mark(col: str) -> pl.Series:
        return sy.get_column(col) if col in sy.columns else pl.Series(col, [None] * f.height, pl.String)

    lo, hi = f.get_column("median_lower"), f.get_column("median_upper")
    interval = [
        None if a is None else f"{a:.0f} to {'not reached' if b is None else f'{b:.0f}'}"
        for a, b in zip(lo, hi, strict=True)
    ]
    flo, fhi = f.get_column("filed_by_365_lower"), f.get_column("filed_by_365_upper")
    filed_interval = [
        None if a is None or b is None else f"{100 * a:.1f} to {100 * b:.1f}"
        for a, b in zip(flo, fhi, strict=True)
    ]
    frame = pl.DataFrame(
        {
            "Arm": f.get_column("arm").replace(ARM_LABEL),
            "Period (report date against start)": f.get_column("period"),
            "Cases": f.get_column("cases"),
            "Filed": f.get_column("filed"),
            "Closed before a file": f.get_column("closed_before_file"),
            "Still open": f.get_column("still_open"),
            "Filed within 90 days (%)": (f.get_column("filed_by_90") * 100).round(1),
            "Filed within a year (%)": (f.get_column("filed_by_365") * 100).round(1),
            "Filed within a year: 95% interval": pl.Series(filed_interval, dtype=pl.String),
            "Days until a quarter were filed": f.get_column("quarter_days").round(0),
            NOT_REACHED: f.get_column("median_days").round(0),
            "95% interval": pl.Series(interval, dtype=pl.String),
        }
    )
    symbols = pl.DataFrame(
        {
            "Cases": mark("cases"),
            "Filed": mark("filed"),
            "Closed before a file": mark("closed_before_file"),
            "Still open": mark("still_open"),
            "Filed within 90 days (%)": mark("filed_by_90"),
            "Filed within a year (%)": mark("filed_by_365"),
            "Filed within a year: 95% interval": mark("filed_by_365_lower").fill_null(
                mark("filed_by_365_upper")
            ),
            "Days until a quarter were filed": mark("quarter_days"),
            NOT_REACHED: mark("median_days"),
            "95% interval": mark("median_lower").fill_null(mark("median_upper")),
        }
    )
    return dc.Published(frame, symbols, pub.note, ("Cases", "Filed", "Closed before a file", "Still open"))


def published_evaluation_survival(
    data: Analyses,
    sel: compare.Selection,
    o: OutcomeResult,
    control: str = "notyet",
    threshold: int = dc.THRESHOLD,
) -> dc.Published:
    """The evaluation's report-to-file table as published: its counts summed from the perturbed groups of
    the cases it covers (the same groups as the Report-to-file page's), the same protection
    (`disclosure.km_summary`) and labels."""
    counts = data.evaluation_case_counts(sel, control)
    summary = dc.base_cells.with_counts(text.summary_frame(o), counts)
    return km_summary_table(dc.km_summary(summary, threshold))
