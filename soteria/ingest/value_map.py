"""The value mapping: how a coded field's values, as forces write them, become the dashboard's codes (pure).

A police extract may say how a case ended as a Home Office crime outcome code ("14", "Outcome 16") or in
everyday words ("NFA", "withdrawn"). The mapping (defaults in data/reference/value_map.csv; evaluators
edit their own copy in the app or by CSV, kept in the store with a change log) turns each into one of the
dashboard's codes. Values are matched after `normalised`: case, spaces, hyphens and underscores, and a
leading "outcome" / "HO outcome" / "Home Office outcome", do not matter.
"""

from __future__ import annotations

import io

import polars as pl

from soteria.domain import CLOSURE_REASONS, VICTIM_FIELDS

# Each coded field and the codes it may map to.
FIELDS: dict[str, dict[str, str]] = {"closure_reason": CLOSURE_REASONS, **VICTIM_FIELDS}
COLUMNS = ["field", "value", "maps_to", "note"]
_PREFIX = r"^(?:home office outcome|ho outcome|outcome|oc)\s*(\d)"


def all_codes() -> list[str]:
    """Every code any field maps to, once each (an editor's choices; `validate` checks the field's)."""
    return list(dict.fromkeys(code for codes in FIELDS.values() for code in codes))


def normalised(text: pl.Expr) -> pl.Expr:
    """The form a value is matched in: 'Outcome 14' and '14', 'Police_NFA' and 'police nfa' match."""
    plain = text.str.to_lowercase().str.replace_all(r"[\s\-_]+", " ").str.strip_chars()
    return plain.str.replace(_PREFIX, "$1")


def lookup(value_map: pl.DataFrame, field: str) -> dict[str, str]:
    """normalised value -> code, for one field."""
    rows = value_map.filter(pl.col("field") == field).select(normalised(pl.col("value")), "maps_to")
    return dict(zip(rows["value"].to_list(), rows["maps_to"].to_list(), strict=True))


def validate(frame: pl.DataFrame, source: str = "the mapping") -> tuple[pl.DataFrame, list[str]]:
    """The mapping typed and tidied, and problems naming the row (as a spreadsheet shows it), column and
    rule; a mapping with any problem is not saved."""
    missing = [c for c in ("field", "value", "maps_to") if c not in frame.columns]
    if missing:
        return frame, [f"{source}: columns {', '.join(missing)} are missing (needed: field, value, maps_to)"]
    typed = frame.select(
        *(pl.col(c).cast(pl.String).str.strip_chars() for c in ("field", "value", "maps_to")),
        (pl.col("note") if "note" in frame.columns else pl.lit(None)).cast(pl.String).alias("note"),
    )
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for i, (field, value, maps_to, _note) in enumerate(typed.iter_rows(), start=2):
        if field not in FIELDS:
            problems.append(
                f"{source}, row {i}, column field: {field!r} is not a coded field ({', '.join(FIELDS)})"
            )
            continue
        if not value:
            problems.append(f"{source}, row {i}, column value: the value must not be empty")
            continue
        if maps_to not in FIELDS[field]:
            codes = ", ".join(FIELDS[field])
            problems.append(f"{source}, row {i}, column maps_to: {maps_to!r} must be one of {codes}")
        key = (field, pl.select(normalised(pl.lit(value))).item())
        if key in seen:
            problems.append(
                f"{source}, row {i}, column value: {value!r} is already mapped on row {seen[key]} "
                "(case, spaces and an 'outcome' prefix do not count)"
            )
        seen.setdefault(key, i)
    return typed, problems


def read_csv(data: bytes) -> pl.DataFrame:
    """A mapping CSV (field, value, maps_to, note) as text; ValueError when it cannot be read."""
    try:
        return pl.read_csv(io.BytesIO(data), infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"it is not a readable CSV file ({exc})") from exc
