"""Quarters as published, calendar and financial-year, parsed with polars expressions (null = not one).

- Calendar quarters (the MoJ CJS dashboard): `2024 Q2`, `Q2 2024`, `2024-Q2`, `2024Q2`, `Apr-Jun 2024`,
  `Apr to Jun 2024`, `April to June 2024`.
- Financial-year quarters (CPS and Home Office tables; the year runs April to March, so Q1 2024-25 is
  April to June 2024 and Q4 2024-25 is January to March 2025): `Q1 2024-25`, `Q1 2024/25`,
  `2024/25 Q1`, `2024-25 Q1`, `Q1 2024-2025`, `FY 2024-25 Q1`, `Q1 FY24/25`, and month ranges within a
  financial year, `Jan-Mar 2024-25` (January to March 2025).
- Ambiguous, refused with both readings: a financial year named by one year, `FY2024 Q1` or `Q1 FY24`
  (the year ending in 2024, or the one starting in 2024?).

Headers as matched (`Q1_2024_25`, `apr_jun_2024`) parse too: underscores are read as spaces. The value
is the quarter's first day.
"""

from __future__ import annotations

import polars as pl

from soteria.ingest.periods import MONTH_NUMBER, MONTH_WORD, date_of

QUARTER_FORMS = (
    "a quarter like 2024 Q2, Q2 2024, Apr-Jun 2024, or a financial-year quarter like Q1 2024-25, "
    "2024/25 Q1 or FY 2024-25 Q1"
)
# A financial year written as its two calendar years: 2024-25, 2024/2025, FY24/25 (two digits: 20xx).
_FY = r"(?:fy ?)?(\d{4}|\d{2}) ?[-/ ] ?(\d{2}|\d{4})"
_SPAN = rf"{MONTH_WORD} ?(?:-|to| )? ?{MONTH_WORD},?"


def _plain(text: pl.Expr) -> pl.Expr:
    lowered = text.str.to_lowercase().str.replace_all(r"[\u2013\u2014]", "-").str.replace_all("_", " ")
    return lowered.str.replace_all(r"\s+", " ").str.strip_chars()


def _month(word: pl.Expr) -> pl.Expr:
    return word.str.slice(0, 3).replace_strict(MONTH_NUMBER, default=None).cast(pl.Int32)


def _start(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    return date_of(year.cast(pl.String), month.cast(pl.String), pl.lit("01"))


def _fy_first_year(first: pl.Expr, second: pl.Expr) -> pl.Expr:
    """The year a financial year starts in, when its second year follows its first (2024-25, 2024/2025)."""
    a, b = first.cast(pl.Int32), second.cast(pl.Int32)
    a = pl.when(first.str.len_chars() == 2).then(a + 2000).otherwise(a)
    follows = pl.when(second.str.len_chars() == 2).then(b == (a + 1) % 100).otherwise(b == a + 1)
    return pl.when(follows).then(a)


def _fy_quarter(first_year: pl.Expr, quarter: pl.Expr) -> pl.Expr:
    """The first day of quarter `quarter` (1-4) of the financial year starting in April of first_year."""
    q = quarter.cast(pl.Int32)
    month = (q * 3 + 1 - 1) % 12 + 1  # Q1 April, Q2 July, Q3 October, Q4 January
    return _start(pl.when(q == 4).then(first_year + 1).otherwise(first_year), month)


def parse_quarter(text: pl.Expr) -> pl.Expr:
    """The first day of the quarter meant; null for anything else (including ranges that are not a
    quarter, such as Feb-Apr, financial years whose years do not follow, and ambiguous labels)."""
    t = _plain(text)
    year_q = t.str.extract_groups(r"^(\d{4}) ?-? ?q([1-4])$")
    q_year = t.str.extract_groups(r"^q([1-4]) ?-? ?(\d{4})$")
    q_fy = t.str.extract_groups(rf"^q([1-4]) (?:of )?{_FY}$")
    fy_q = t.str.extract_groups(rf"^{_FY} ?q([1-4])$")
    span = t.str.extract_groups(rf"^{_SPAN} (\d{{4}})$")
    span_fy = t.str.extract_groups(rf"^{_SPAN} {_FY}$")

    def is_quarter(s: pl.Expr) -> pl.Expr:
        first, last = _month(s.struct[0]), _month(s.struct[1])
        return (first % 3 == 1) & (last == first + 2)

    fy_span_first = _fy_first_year(span_fy.struct[2], span_fy.struct[3])
    fy_span_month = _month(span_fy.struct[0])
    return pl.coalesce(
        _start(year_q.struct[0], (year_q.struct[1].cast(pl.Int32) - 1) * 3 + 1),
        _start(q_year.struct[1], (q_year.struct[0].cast(pl.Int32) - 1) * 3 + 1),
        _fy_quarter(_fy_first_year(q_fy.struct[1], q_fy.struct[2]), q_fy.struct[0]),
        _fy_quarter(_fy_first_year(fy_q.struct[0], fy_q.struct[1]), fy_q.struct[2]),
        pl.when(is_quarter(span)).then(_start(span.struct[2], _month(span.struct[0]))),
        pl.when(is_quarter(span_fy)).then(
            _start(
                pl.when(fy_span_month >= 4).then(fy_span_first).otherwise(fy_span_first + 1), fy_span_month
            )
        ),
    )


def _reading(start: pl.Expr, fy_first: pl.Expr, quarter: pl.Expr) -> pl.Expr:
    end = start.dt.offset_by("2mo")
    return pl.format(
        "{} to {} (Q{} of the financial year {}-{})",
        start.dt.strftime("%B"),
        end.dt.strftime("%B %Y"),
        quarter,
        fy_first.cast(pl.String),
        ((fy_first + 1) % 100).cast(pl.String).str.zfill(2),
    )


def quarter_ambiguity(text: pl.Expr) -> pl.Expr:
    """For a label that could mean two quarters (a financial year named by one year), both readings
    and how to write it unambiguously; null otherwise."""
    t = _plain(text)
    one = t.str.extract_groups(r"^(?:q([1-4]) fy ?(\d{2}|\d{4})|fy ?(\d{2}|\d{4}) ?q([1-4]))$")
    quarter = pl.coalesce(one.struct[0], one.struct[3])
    year_text = pl.coalesce(one.struct[1], one.struct[2])
    year = year_text.cast(pl.Int32)
    year = pl.when(year_text.str.len_chars() == 2).then(year + 2000).otherwise(year)
    ending, starting = year - 1, year
    first, second = _fy_quarter(ending, quarter), _fy_quarter(starting, quarter)
    return pl.when(quarter.is_not_null()).then(
        pl.format(
            "could mean {} or {}: write the financial year in full (Q{} {}-{}) or the months "
            "(for example {})",
            _reading(first, ending, quarter),
            _reading(second, starting, quarter),
            quarter,
            starting.cast(pl.String),
            ((starting + 1) % 100).cast(pl.String).str.zfill(2),
            pl.format("{}-{}", second.dt.strftime("%b"), second.dt.offset_by("2mo").dt.strftime("%b %Y")),
        )
    )
