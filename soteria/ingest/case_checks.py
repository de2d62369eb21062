"""Case timelines: the rules every case must meet, its as-of date, and the cases as stored."""

from __future__ import annotations

from datetime import date

import dataframely as dy
import polars as pl

from soteria.domain import CLOSURE_REASONS, VICTIM_FIELDS
from soteria.ingest import value_map as value_maps
from soteria.ingest.periods import DATE_FORMS, parse_date
from soteria.ingest.rule_parts import (
    also_on_rows,
    date_or_empty,
    given,
    in_range,
    on_distinct,
    unique_key,
)
from soteria.ingest.validation import Context, Prepared, check
from soteria.reference import read_value_map

CASE_DATES = ("reported_on", "file_submitted_on", "closed_on")


IN_RANGE = "dates must lie between 2015-01-01 and the extract's as-of date ({as_of})"


def _victim_rule(field: str, also: str = "") -> str:
    codes = ", ".join(VICTIM_FIELDS[field])
    return (
        f"{field} is not in the value mapping: map it to one of {codes}{f' ({also})' if also else ''} "
        "(Value mappings page, or the mapping CSV), then load the file again"
    )


def _victim_known(field: str) -> pl.Expr:
    return pl.col(f"{field}_raw").is_null() | pl.col(field).is_in(list(VICTIM_FIELDS[field])).fill_null(False)


class CaseChecks(dy.Schema):
    row = dy.Int64()
    case_ref = dy.String(nullable=True)
    force_code_raw = dy.String(nullable=True)
    force_code = dy.String(nullable=True)
    reported_on_raw = dy.String(nullable=True)
    reported_on = dy.Date(nullable=True)
    file_submitted_on_raw = dy.String(nullable=True)
    file_submitted_on = dy.Date(nullable=True)
    closed_on_raw = dy.String(nullable=True)
    closed_on = dy.Date(nullable=True)
    closure_reason_raw = dy.String(nullable=True)
    closure_reason = dy.String(nullable=True)
    as_of_raw = dy.String(nullable=True)
    file_as_of = dy.Date(nullable=True)
    as_of = dy.Date()
    victim_sex_raw = dy.String(nullable=True)
    victim_sex = dy.String(nullable=True)
    victim_age_band_raw = dy.String(nullable=True)
    victim_age_band = dy.String(nullable=True)
    victim_ethnicity_raw = dy.String(nullable=True)
    victim_ethnicity = dy.String(nullable=True)

    case_ref_present = check("case_ref", "case_ref must not be empty", given("case_ref"))
    case_ref_not_demo = check(
        "case_ref",
        "case_ref must not start with DEMO- (reserved for synthetic demonstration data)",
        lambda: ~pl.col("case_ref").str.to_uppercase().str.starts_with("DEMO-"),
    )
    case_ref_unique = check(
        "case_ref", "duplicate case_ref in this file", unique_key(["case_ref"]), also_on_rows(["case_ref"])
    )
    force_code_known = check(
        "force_code",
        "force_code is not a known police force area code or name",
        lambda: pl.col("force_code").is_not_null(),
    )
    reported_on_present = check("reported_on", "reported_on must not be empty", given("reported_on_raw"))
    reported_on_format = check(
        "reported_on", f"reported_on must be {DATE_FORMS}", date_or_empty("reported_on")
    )
    file_submitted_on_format = check(
        "file_submitted_on",
        f"file_submitted_on must be {DATE_FORMS}, or empty",
        date_or_empty("file_submitted_on"),
    )
    closed_on_format = check(
        "closed_on", f"closed_on must be {DATE_FORMS}, or empty", date_or_empty("closed_on")
    )
    reported_on_in_range = check("reported_on", IN_RANGE, in_range("reported_on"))
    file_submitted_on_in_range = check("file_submitted_on", IN_RANGE, in_range("file_submitted_on"))
    closed_on_in_range = check("closed_on", IN_RANGE, in_range("closed_on"))
    reported_before_file = check(
        "reported_on",
        "reported_on must be on or before file_submitted_on",
        lambda: pl.col("reported_on") <= pl.col("file_submitted_on"),
    )
    reported_before_closed = check(
        "reported_on",
        "reported_on must be on or before closed_on",
        lambda: pl.col("reported_on") <= pl.col("closed_on"),
    )
    closure_reason_known = check(
        "closure_reason",
        "closure_reason is not in the value mapping: map it to one of "
        f"{', '.join(CLOSURE_REASONS)} (Value mappings page, or the mapping CSV), then load the file again",
        lambda: (
            pl.col("closure_reason_raw").is_null()
            | pl.col("closure_reason").is_in(list(CLOSURE_REASONS)).fill_null(False)
        ),
        once_per_value=True,
    )
    closure_reason_needed = check(
        "closure_reason",
        "closure_reason must be given when closed_on is given",
        lambda: pl.col("closed_on_raw").is_null() | pl.col("closure_reason_raw").is_not_null(),
    )
    closed_on_needed = check(
        "closed_on",
        "closed_on must be given when closure_reason is given",
        lambda: pl.col("closure_reason_raw").is_null() | pl.col("closed_on_raw").is_not_null(),
    )
    victim_sex_known = check(
        "victim_sex",
        _victim_rule("victim_sex"),
        lambda: _victim_known("victim_sex"),
        once_per_value=True,
    )
    victim_age_band_known = check(
        "victim_age_band",
        _victim_rule("victim_age_band", "or an age in whole years"),
        lambda: _victim_known("victim_age_band"),
        once_per_value=True,
    )
    victim_ethnicity_known = check(
        "victim_ethnicity",
        _victim_rule("victim_ethnicity"),
        lambda: _victim_known("victim_ethnicity"),
        once_per_value=True,
    )
    as_of_format = check(
        "as_of",
        f"as_of must be {DATE_FORMS}",
        lambda: pl.col("as_of_raw").is_null() | pl.col("file_as_of").is_not_null(),
    )
    as_of_same = check(
        "as_of",
        "as_of must be the same date on every row (the extract's as-of date is {as_of})",
        lambda: pl.col("file_as_of") == pl.col("as_of"),
    )


class CaseTimelines(dy.Schema):
    """A clean case extract, ready to load (case_ref is unique by the rule case_ref_unique)."""

    case_ref = dy.String()
    force_code = dy.String()
    reported_on = dy.Date()
    file_submitted_on = dy.Date(nullable=True)
    closed_on = dy.Date(nullable=True)
    closure_reason = dy.String(nullable=True)
    victim_sex = dy.String(nullable=True)  # null: the extract had no such column ("not recorded")
    victim_age_band = dy.String(nullable=True)
    victim_ethnicity = dy.String(nullable=True)


def age_band(text: pl.Expr) -> pl.Expr:
    """An age in whole years as its band ("17" -> under_18); null for anything else."""
    age = text.str.strip_chars().cast(pl.Int64, strict=False)
    bands = [(18, "under_18"), (25, "18_24"), (35, "25_34"), (45, "35_44"), (55, "45_54"), (121, "55_plus")]
    band = pl.lit(None, pl.String)
    for below, code in reversed(bands):  # the youngest band that fits wins: built from the oldest out
        band = pl.when(age < below).then(pl.lit(code)).otherwise(band)
    return pl.when(age >= 0).then(band)


def _victim_columns(raw: pl.DataFrame, ctx: Context) -> list[pl.Expr]:
    """Each victim field as written (`_raw`) and as a code: through the value mapping (an age band may
    also be an age in years); an empty cell is "not_known", the force did not record it; a file without
    the column gives null for every case (not recorded)."""
    out = []
    for field in VICTIM_FIELDS:
        if field not in raw.columns:
            out += [pl.lit(None, pl.String).alias(f"{field}_raw"), pl.lit(None, pl.String).alias(field)]
            continue
        codes = ctx.codes.get(field) or value_maps.lookup(read_value_map(), field)

        def code(text: pl.Expr, codes: dict[str, str] = codes, field: str = field) -> pl.Expr:
            mapped = value_maps.normalised(text).replace_strict(codes, default=None, return_dtype=pl.String)
            return pl.coalesce(mapped, age_band(text)) if field == "victim_age_band" else mapped

        mapped = on_distinct(raw, field, code, pl.String)
        out += [
            pl.col(field).alias(f"{field}_raw"),
            pl.when(pl.col(field).is_null()).then(pl.lit("not_known")).otherwise(mapped).alias(field),
        ]
    return out


def file_as_of(raw: pl.DataFrame) -> date | None:
    """The as-of date a case file gives in its as_of column (first row that has one), if any."""
    if "as_of" not in raw.columns:
        return None
    found = raw.select(pl.col("as_of").drop_nulls().first()).select(parse_date(pl.col("as_of"))).item()
    return found if isinstance(found, date) else None


def prepare_cases(raw: pl.DataFrame, ctx: Context) -> Prepared:
    """The check frame of a case file (text cells and `row`)."""
    if "as_of" not in raw.columns:
        raw = raw.with_columns(pl.lit(None, pl.String).alias("as_of"))
    codes = ctx.codes.get("closure_reason") or value_maps.lookup(read_value_map(), "closure_reason")

    def closure_code(text: pl.Expr) -> pl.Expr:  # "Outcome 16" -> victim_withdrawal; unmapped -> null
        return value_maps.normalised(text).replace_strict(codes, default=None, return_dtype=pl.String)

    dates = []
    for name in CASE_DATES:
        dates += [pl.col(name).alias(f"{name}_raw"), on_distinct(raw, name, parse_date, pl.Date).alias(name)]
    frame = raw.select(
        "row",
        "case_ref",
        pl.col("force_code").alias("force_code_raw"),
        on_distinct(raw, "force_code", lambda t: ctx.areas.code(t, "force"), pl.String).alias("force_code"),
        *dates,
        pl.col("closure_reason").alias("closure_reason_raw"),
        on_distinct(raw, "closure_reason", closure_code, pl.String).alias("closure_reason"),
        pl.col("as_of").alias("as_of_raw"),
        on_distinct(raw, "as_of", parse_date, pl.Date).alias("file_as_of"),
        pl.lit(ctx.as_of).alias("as_of"),
        *_victim_columns(raw, ctx),
    )
    return Prepared(frame)
