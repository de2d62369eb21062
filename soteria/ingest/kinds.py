"""The layouts an extract may have, and which one a file is, from its columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dataframely as dy
import polars as pl

from soteria.domain import VICTIM_FIELDS
from soteria.ingest import case_checks, metric_checks, quarter_tables
from soteria.ingest import validation as v
from soteria.ingest.cjs import OPTIONAL as CJS_OPTIONAL
from soteria.ingest.cjs import REQUIRED as CJS_REQUIRED
from soteria.ingest.cjs import CjsChecks, prepare_cjs

KIND_NAMES = ("metrics", "cases", "cjs")


CASE_REQUIRED = ("case_ref", "force_code", "reported_on", "file_submitted_on", "closed_on", "closure_reason")


@dataclass(frozen=True)
class Kind:
    name: str  # the kind stored with the extract: metrics | cases | cjs
    layout: str  # long | wide | cases | cjs
    required: tuple[str, ...]
    optional: tuple[str, ...]
    prepare: Callable[[pl.DataFrame, v.Context], v.Prepared]
    checks: type[dy.Schema]
    output: type[dy.Schema]


KINDS: dict[str, Kind] = {
    "long": Kind(
        "metrics",
        "long",
        ("area_code", "month", "metric", "value"),
        ("missing_reason",),
        metric_checks.prepare_metrics,
        metric_checks.MetricChecks,
        metric_checks.MetricValues,
    ),
    "wide": Kind(
        "metrics",
        "wide",
        ("area_code", "month"),
        (),
        metric_checks.prepare_wide_metrics,
        metric_checks.MetricChecks,
        metric_checks.MetricValues,
    ),
    "cases": Kind(
        "cases",
        "cases",
        CASE_REQUIRED,
        ("as_of", *VICTIM_FIELDS),
        case_checks.prepare_cases,
        case_checks.CaseChecks,
        case_checks.CaseTimelines,
    ),
    "quarters": Kind(
        "metrics",
        "quarters",
        (),
        (),
        quarter_tables.prepare_quarter_table,
        quarter_tables.QuarterChecks,
        metric_checks.MetricValues,
    ),
    "cjs": Kind("cjs", "cjs", CJS_REQUIRED, CJS_OPTIONAL, prepare_cjs, CjsChecks, metric_checks.MetricValues),
}


def detect_layout(columns: list[str], kind: str | None = None) -> tuple[str | None, str]:
    """The layout the columns describe (long, wide, quarters, cases, cjs), or why none fits (missing
    columns)."""
    found = [c for c in columns if c != "row"]
    cols = set(found)
    area = next((c for c in metric_checks.AREA_COLUMNS if c in cols), None)
    if kind in (None, "cjs") and set(CJS_REQUIRED) <= cols:
        return "cjs", ""
    if kind in (None, "cases") and set(CASE_REQUIRED) <= cols:
        return "cases", ""
    if kind in (None, "metrics") and quarter_tables.is_quarter_table(found):
        return "quarters", ""
    if kind in (None, "metrics") and area and "month" in cols:
        if {"metric", "value"} <= cols:
            return "long", ""
        if not {"metric", "value"} & cols and cols - {area, "month"}:
            return "wide", ""
    metric_needs = ["area_code (or area, area_name)", "month", "metric", "value"]
    needs = {
        "metrics": (metric_needs, [area or "area_code", "month", "metric", "value"]),
        "cases": (list(CASE_REQUIRED), list(CASE_REQUIRED)),
        "cjs": (list(CJS_REQUIRED), list(CJS_REQUIRED)),
    }
    shown = ", ".join(found) or "none"
    if kind is None:
        overlap = {k: len(set(names) & cols) for k, (_, names) in needs.items()}
        kind = max(overlap, key=lambda k: overlap[k])
        if overlap[kind] == 0:
            listed = "; ".join(f"a {k} file needs {', '.join(n)}" for k, (n, _) in needs.items())
            return (
                None,
                f"required columns missing: this is not a file of a known kind ({listed}); found: {shown}",
            )
    described, names = needs[kind]
    missing = ", ".join(d for d, n in zip(described, names, strict=True) if n not in cols)
    return None, f"required columns missing for a {kind} file: {missing} (found: {shown})"
