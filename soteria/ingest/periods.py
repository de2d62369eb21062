"""Dates, months and quarters as written in extracts, parsed with polars expressions (null = not one).

- Dates: `2023-04-17`, `2023-04-17 00:00:00` (Excel and Parquet cells; the time is dropped),
  `17/04/2023` (UK day-first, never month-first), or an Excel serial day number (`45033`).
- Months: `2023-04`, `2023-04-01` (or any date form above: `month_day` then says whether it was the 1st),
  `Apr 2023`, `April 2023`, `Apr-2023`.
- Quarters, calendar and financial-year: `soteria.ingest.quarters`.
"""

from __future__ import annotations

from datetime import date

import polars as pl

MONTH_WORD = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
MONTH_NUMBER = {
    m: f"{i:02d}"
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
EXCEL_EPOCH = date(1899, 12, 30)
# Excel day numbers from 2000-01-01 to 2099-12-31: anything else is not meant as a date.
EXCEL_FIRST, EXCEL_LAST = 36526, 73050

DATE_FORMS = "a date like 2023-04-17 or 17/04/2023"
MONTH_FORMS = "a month like 2023-04, 2023-04-01 or Apr 2023 (or an Excel date)"


def date_of(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    return pl.concat_str(year, month.str.zfill(2), day.str.zfill(2), separator="-").str.to_date(
        "%Y-%m-%d", strict=False
    )


def _excel_serial(text: pl.Expr) -> pl.Expr:
    number = text.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    ok = number.is_between(EXCEL_FIRST, EXCEL_LAST)
    return pl.when(ok).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=number))


def parse_date(text: pl.Expr) -> pl.Expr:
    """A Date from any accepted date form; null for anything else."""
    iso = text.str.extract_groups(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
    uk = text.str.extract_groups(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
    return pl.coalesce(
        date_of(iso.struct[0], iso.struct[1], iso.struct[2]),
        date_of(uk.struct[2], uk.struct[1], uk.struct[0]),
        _excel_serial(text),
    )


def parse_month(text: pl.Expr) -> pl.Expr:
    """The first day of the month meant (null if not a month form); a full date keeps its day."""
    lower = text.str.to_lowercase()
    year_month = lower.str.extract_groups(r"^(\d{4})-(\d{2})$")
    named = lower.str.extract_groups(rf"^{MONTH_WORD}[ \-]+(\d{{4}})$")
    return pl.coalesce(
        date_of(year_month.struct[0], year_month.struct[1], pl.lit("01")),
        date_of(named.struct[1], named.struct[0].str.slice(0, 3).replace_strict(MONTH_NUMBER), pl.lit("01")),
        parse_date(text),
    )
