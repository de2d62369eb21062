"""Column mapping: a force's own header names ("Crime Reference", "Date Reported") matched to a layout's
columns (pure functions; profiles are kept by `soteria.store`).

A mapping is {the file's column, as matched (`cells.column_key`) -> the layout's column}. `propose`
suggests one from the header names and, where names say nothing, from what the cells hold (dates, area
names, closure words); the evaluator confirms or changes it, and it is saved as a named source profile so
that next month's file from the same source loads in one step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from soteria.domain import METRICS, VICTIM_FIELDS
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.cells import column_key
from soteria.ingest.periods import parse_date, parse_month
from soteria.ingest.value_map import normalised

PROFILE_KINDS = ("cases", "metrics")
SAMPLE_ROWS = 500  # what the cells of a column are judged on (enough to tell dates from words)

# The layout's columns, and what each may be called: exact names (after column_key) and the words that
# point to it. Date columns must hold dates; the rest must not.
CASE_FIELDS = ("case_ref", "force_code", "reported_on", "file_submitted_on", "closed_on", "closure_reason")
NAMES: dict[str, tuple[str, ...]] = {
    "case_ref": ("crime_reference", "crime_ref", "crime_number", "crime_no", "case_reference", "urn", "crn"),
    "force_code": ("force", "force_name", "police_force", "force_area", "police_force_area"),
    "reported_on": ("date_reported", "reported_date", "report_date", "date_recorded", "recorded_date"),
    "file_submitted_on": (
        "date_file_submitted_to_cps",
        "file_submitted_to_cps",
        "date_submitted_to_cps",
        "cps_submission_date",
        "date_referred_to_cps",
        "file_submitted",
    ),
    "closed_on": ("date_closed", "closure_date", "outcome_date", "date_of_outcome", "date_finalised"),
    "closure_reason": ("outcome", "outcome_code", "closure", "reason_closed", "outcome_type", "result"),
    "as_of": ("extract_date", "date_of_extract", "as_at", "as_at_date", "extracted_on"),
    "victim_sex": ("sex", "gender", "victim_gender", "sex_of_victim", "gender_of_victim"),
    "victim_age_band": ("age", "age_band", "age_group", "victim_age", "victim_age_group", "age_of_victim"),
    "victim_ethnicity": (
        "ethnicity",
        "ethnic_group",
        "victim_ethnic_group",
        "ethnicity_of_victim",
        "self_defined_ethnicity",
        "ethnic_origin",
    ),
    "area_code": ("area", "area_name", "force", "force_name", "cps_area", "police_force_area"),
    "month": ("period", "month_start", "month_beginning", "reporting_month"),
    "metric": ("measure", "indicator", "metric_name"),
    "value": ("count", "number", "total", "figure"),
    "missing_reason": ("reason_for_missing_data", "reason_missing", "missing"),
}
WORDS: dict[str, tuple[str, ...]] = {
    "case_ref": ("crime", "case", "reference", "ref", "urn", "id", "number"),
    "force_code": ("force", "police", "constabulary"),
    "reported_on": ("reported", "report", "recorded"),
    "file_submitted_on": ("file", "submitted", "submission", "cps", "referred", "referral"),
    "closed_on": ("closed", "closure", "finalised", "outcome"),
    "closure_reason": ("outcome", "reason", "closure", "result", "disposal"),
    "as_of": ("extract", "extracted", "as", "at"),
    "victim_sex": ("sex", "gender"),
    "victim_age_band": ("age",),
    "victim_ethnicity": ("ethnicity", "ethnic"),
    "area_code": ("area", "force", "cps", "region"),
    "month": ("month", "period"),
    "metric": ("metric", "measure", "indicator"),
    "value": ("value", "count", "number", "total"),
    "missing_reason": ("missing", "reason"),
}
DATES = {"reported_on", "file_submitted_on", "closed_on", "as_of"}
TARGETS = {
    "cases": (*CASE_FIELDS, "as_of", *VICTIM_FIELDS),
    "metrics": ("area_code", "month", "metric", "value", "missing_reason", *METRICS),
}
REQUIRED = {"cases": CASE_FIELDS, "metrics": ("area_code",)}


@dataclass(frozen=True)
class Proposal:
    """A suggested mapping for one kind, with why each column was chosen."""

    kind: str
    mapping: dict[str, str]  # the file's column -> the layout's column
    reasons: dict[str, str] = field(default_factory=dict)  # the layout's column -> why

    @property
    def complete(self) -> bool:
        return not missing_targets(self.kind, self.mapping)


def missing_targets(kind: str, mapping: dict[str, str]) -> list[str]:
    """The layout's columns a mapping still lacks (metrics: the area; with a month, metric and value or
    at least one metric column; without one, the quarters stay as the file's columns)."""
    have = set(mapping.values())
    missing = [t for t in REQUIRED[kind] if t not in have]
    by_month = "month" in have
    if kind == "metrics" and by_month and not ({"metric", "value"} <= have or have & set(METRICS)):
        missing.append("metric and value (or one column per metric)")
    return missing


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[_\W]+", name) if w}


def _name_score(source: str, target: str) -> float:
    if source == target or source in NAMES.get(target, ()):
        return 10.0
    if target in METRICS and column_key(METRICS[target].label) == source:
        return 10.0
    words = _words(source)
    return float(len(words & set(WORDS.get(target, ()))))


def _column_facts(
    cells: pl.DataFrame, areas: AreaLookup, codes: dict[str, str]
) -> dict[str, dict[str, float]]:
    """For each column, the share of its sampled non-empty cells that are dates, months, areas, closure
    words, and how many distinct values it has."""
    sample = cells.head(SAMPLE_ROWS)
    facts: dict[str, dict[str, float]] = {}
    for name in sample.columns:
        if name == "row":
            continue
        col = sample[name].drop_nulls().cast(pl.String)
        if col.is_empty():
            facts[name] = {"empty": 1.0}
            continue
        frame = pl.DataFrame({"t": col})
        shares = frame.select(
            dates=parse_date(pl.col("t")).is_not_null().mean(),
            months=parse_month(pl.col("t")).is_not_null().mean(),
            areas=areas.code(pl.col("t")).is_not_null().mean(),
            numbers=pl.col("t").str.contains(r"^\d+(?:\.0+)?$").mean(),
            distinct=pl.col("t").n_unique() / pl.len(),
        ).row(0, named=True)
        shares["closure"] = frame.select(normalised(pl.col("t")).is_in(list(codes)).mean()).item() or 0.0
        facts[name] = {k: float(v or 0.0) for k, v in shares.items()}
    return facts


def _fits(target: str, fact: dict[str, float]) -> bool:
    """Whether a column's cells can be the target's (dates for date columns, numbers for values)."""
    if fact.get("empty"):
        return target in ("closed_on", "file_submitted_on", "missing_reason")
    if target in DATES:
        return fact["dates"] >= 0.8
    if target == "month":
        return fact["months"] >= 0.8
    if target == "value" or target in METRICS:
        return fact["numbers"] >= 0.5
    return fact["dates"] < 0.5


def _by_content(target: str, fact: dict[str, float]) -> tuple[float, str] | None:
    """A weaker reason to choose a column when its name says nothing."""
    if fact.get("empty"):
        return None
    if target in ("force_code", "area_code") and fact["areas"] >= 0.8:
        return 0.9, "its cells are area names or codes"
    if target == "closure_reason" and fact["closure"] >= 0.8:
        return 0.9, "its cells are closure reasons the value mapping knows"
    if target == "case_ref" and fact["distinct"] >= 0.99 and fact["dates"] < 0.5:
        return 0.5, "every cell is different, as case references are"
    if target == "month" and fact["months"] >= 0.95:
        return 0.5, "its cells are months"
    return None


def propose(
    cells: pl.DataFrame, kind: str, areas: AreaLookup, codes: dict[str, str] | None = None
) -> Proposal:
    """The best mapping of the file's columns to `kind`'s, each file column used once, strongest first.

    Names decide first; a column whose name says nothing may still be chosen for what it holds. Date
    columns with no telling name are left for the evaluator (which date is which cannot be guessed)."""
    facts = _column_facts(cells, areas, codes or {})
    candidates: list[tuple[float, str, str, str]] = []
    for source, fact in facts.items():
        for target in TARGETS[kind]:
            if not _fits(target, fact):
                continue
            score = _name_score(source, target)
            if score >= 1:
                why = "its name" if score >= 10 else "words in its name"
                candidates.append((score + (0.5 if fact.get("empty") is None else 0), source, target, why))
                continue
            found = _by_content(target, fact)
            if found:
                candidates.append((found[0], source, target, found[1]))
    mapping: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for _score, source, target, why in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if source in mapping or target in reasons:
            continue
        mapping[source] = target
        reasons[target] = f"'{source}': {why}"
    return Proposal(kind, mapping, reasons)


def best_proposal(
    cells: pl.DataFrame, kind: str | None, areas: AreaLookup, codes: dict[str, str] | None = None
) -> Proposal:
    """The proposal for the kind asked for, else for whichever kind the file's columns fit best."""
    kinds = [kind] if kind in PROFILE_KINDS else list(PROFILE_KINDS)
    proposals = [propose(cells, k, areas, codes) for k in kinds]
    return min(proposals, key=lambda p: (len(missing_targets(p.kind, p.mapping)), -len(p.mapping)))
