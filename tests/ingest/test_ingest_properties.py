"""Property-based: any valid extract, in any accepted format, round-trips exactly through the store;
any corrupted file gives problems (or loads, if still valid) and never an unhandled exception."""

from __future__ import annotations

import io
from datetime import date, timedelta

import polars as pl
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soteria import reference
from soteria.config import SAMPLES_DIR
from soteria.domain import CLOSURE_REASONS, METRICS
from soteria.ingest.cjs import CJS_METRICS, quarterly
from soteria.ingest.extract import read_extract
from soteria.ingest.load import commit, preview

AREAS = reference.read_areas()
AS_OF = date(2024, 9, 30)
CODES = AREAS["area_code"].to_list()
FORCES = AREAS.filter(pl.col("area_kind") == "force")["area_code"].to_list()
NAMES = dict(zip(AREAS["area_code"], AREAS["area_name"], strict=True))
SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def encode(frame: pl.DataFrame, fmt: str) -> tuple[bytes, str]:
    """The frame (all text cells) as a file of the given format: csv-comma, csv-semicolon-1252, csv-tab,
    xlsx or parquet."""
    if fmt == "xlsx":
        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {"in_memory": True})
        sheet = book.add_worksheet("Data")
        sheet.write_row(0, 0, frame.columns)
        for r, row in enumerate(frame.iter_rows(), 1):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write_string(r, c, value)
        book.close()
        return buf.getvalue(), "x.xlsx"
    if fmt == "parquet":
        buf = io.BytesIO()
        frame.write_parquet(buf)
        return buf.getvalue(), "x.parquet"
    separator = {"csv-comma": ",", "csv-semicolon-1252": ";", "csv-tab": "\t"}[fmt]
    text = frame.write_csv(separator=separator)
    return text.encode("cp1252" if fmt.endswith("1252") else "utf-8"), "x.csv"


FORMATS = st.sampled_from(["csv-comma", "csv-semicolon-1252", "csv-tab", "xlsx", "parquet"])
MONTHS = st.dates(date(2015, 1, 1), AS_OF).map(lambda d: d.replace(day=1))
METRIC_ROWS = st.lists(
    st.tuples(st.sampled_from(CODES), MONTHS, st.sampled_from(list(METRICS)), st.integers(0, 100_000)),
    min_size=1,
    max_size=30,
    unique_by=lambda r: r[:3],
)


@SETTINGS
@given(METRIC_ROWS, FORMATS, st.sampled_from(["%Y-%m", "%Y-%m-01", "%b %Y"]), st.booleans())
def test_any_valid_metrics_file_round_trips_exactly(store, rows, fmt, month_format, by_name):
    area = [NAMES[a] if by_name and a not in ("E23000014", "CPS-WM") else a for a, *_ in rows]
    frame = pl.DataFrame(
        {
            "area_code": area,
            "month": [m.strftime(month_format) for _, m, _, _ in rows],
            "metric": [k for *_, k, _ in rows],
            "value": [str(v) for *_, v in rows],
        }
    )
    data, name = encode(frame, fmt)
    parsed = read_extract(data, name, AREAS, AS_OF)
    assert parsed.ok, parsed.problems[:3]
    extract_id = commit(store, parsed, "tester")
    stored = store.metric_values(list(METRICS), "force").vstack(
        store.metric_values(list(METRICS), "cps_area")
    )
    mine = stored.filter(pl.col("extract_id") == extract_id)
    expected = sorted((a, m, k, float(v), None) for a, m, k, v in rows)
    assert sorted(mine.select("area_code", "month", "metric", "value", "missing_reason").rows()) == expected


@SETTINGS
@given(METRIC_ROWS, st.sampled_from(["csv-comma", "xlsx", "parquet"]))
def test_any_valid_wide_metrics_file_round_trips(rows, fmt):
    by_key = {(a, m): {} for a, m, _, _ in rows}
    for a, m, k, v in rows:
        by_key[(a, m)][k] = str(v)
    used = sorted({k for *_, k, _ in rows})
    frame = pl.DataFrame(
        [
            {"area_code": a, "month": f"{m:%Y-%m}", **{k: cells.get(k) for k in used}}
            for (a, m), cells in by_key.items()
        ],
        schema={"area_code": pl.String, "month": pl.String, **dict.fromkeys(used, pl.String)},
    )
    data, name = encode(frame, fmt)
    parsed = read_extract(data, name, AREAS, AS_OF)
    assert parsed.ok and parsed.layout == "wide", parsed.problems[:3]
    assert parsed.frame is not None
    assert sorted(parsed.frame.select("area_code", "month", "metric", "value").rows()) == sorted(
        (a, m, k, float(v)) for a, m, k, v in rows
    )


@st.composite
def case_rows(draw):
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        reported = draw(st.dates(date(2015, 1, 1), AS_OF))
        filed = draw(st.none() | st.integers(0, 400).map(lambda d, r=reported: r + timedelta(days=d)))
        closed = draw(st.none() | st.integers(0, 400).map(lambda d, r=reported: r + timedelta(days=d)))
        filed = filed if filed is None or filed <= AS_OF else None
        closed = closed if closed is None or closed <= AS_OF else None
        reason = draw(st.sampled_from(list(CLOSURE_REASONS))) if closed else None
        out.append((f"R-{i}", draw(st.sampled_from(FORCES)), reported, filed, closed, reason))
    return out


@SETTINGS
@given(case_rows(), FORMATS, st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]))
def test_any_valid_case_file_round_trips_exactly(store, rows, fmt, date_format):
    def text(d: date | None) -> str | None:
        return None if d is None else d.strftime(date_format)

    frame = pl.DataFrame(
        [
            {
                "case_ref": ref,
                "force_code": force,
                "reported_on": text(rep),
                "file_submitted_on": text(filed),
                "closed_on": text(closed),
                "closure_reason": reason,
                "as_of": AS_OF.isoformat(),
            }
            for ref, force, rep, filed, closed, reason in rows
        ],
        schema=dict.fromkeys(
            [
                "case_ref",
                "force_code",
                "reported_on",
                "file_submitted_on",
                "closed_on",
                "closure_reason",
                "as_of",
            ],
            pl.String,
        ),
    )
    data, name = encode(frame, fmt)
    parsed = read_extract(data, name, AREAS)
    assert parsed.ok, parsed.problems[:3]
    extract_id = commit(store, parsed, "tester")
    stored = store.cases().filter(pl.col("case_ref").is_in([r[0] for r in rows]))
    assert sorted(stored.drop("as_of", "victim_sex", "victim_age_band", "victim_ethnicity").rows()) == sorted(
        rows
    )
    assert set(stored["as_of"]) == {AS_OF}
    assert store.extract(extract_id)["as_of"] == AS_OF


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(AREAS.filter(pl.col("area_kind") == "cps_area")["area_name"].to_list()),
            st.integers(2015, 2023),
            st.integers(1, 4),
            st.sampled_from(list(CJS_METRICS)),
            st.integers(0, 5000) | st.none(),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda r: r[:4],
    ),
    st.sampled_from(["{y} Q{q}", "Q{q} {y}", "{y}-Q{q}"]),
)
def test_any_valid_cjs_file_round_trips(rows, period_format):
    lines = [
        {
            "offence_type": "Adult rape",
            "stage": "Police referral to prosecution by the Crown Prosecution Service (CPS)",
            "priority_area": "x",
            "metric_name": metric,
            "geographic_granularity": "CPS area",
            "geographic_area_name": area,
            "date_granularity": "quarter",
            "time_period": period_format.format(y=y, q=q),
            "value": None if v is None else f"{v:,}",
            "reason_for_missing_data": "Suppressed due to low volumes" if v is None else None,
        }
        for area, y, q, metric, v in rows
    ]
    data = pl.DataFrame(lines, schema=dict.fromkeys(lines[0], pl.String)).write_csv().encode()
    parsed = read_extract(data, "cjs.csv", AREAS, AS_OF)
    assert parsed.ok, parsed.problems[:3]
    codes = {n: c for c, n in NAMES.items() if c.startswith("CPS-")}
    expected = sorted(
        (
            codes[area],
            date(y, 3 * q - 2, 1),
            quarterly(CJS_METRICS[metric]),
            None if v is None else float(v),
            "Suppressed due to low volumes" if v is None else None,
        )
        for area, y, q, metric, v in rows
    )
    assert parsed.frame is not None and sorted(parsed.frame.rows(), key=str) == sorted(expected, key=str)


VALID_FILES = [p.read_bytes() for p in sorted(SAMPLES_DIR.iterdir())] + [
    b"area_code,month,metric,value\nE23000014,2024-07,referrals,41\n"
]
NAMES_BY_CONTENT = ["x.csv", "x.xlsx", "x.parquet", "x.txt", "x"]


@st.composite
def corrupted(draw):
    data = bytearray(draw(st.sampled_from(VALID_FILES)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "garbage"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "truncate":
            data = data[:at]
        elif action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 50))]
        else:
            data = bytearray(draw(st.binary(max_size=200)))
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corrupted(), st.sampled_from(NAMES_BY_CONTENT), st.sampled_from([None, "metrics", "cases", "cjs"]))
def test_corrupt_files_never_raise(store, data, name, kind):
    parsed = read_extract(data, name, AREAS, AS_OF, kind=kind)
    assert parsed.ok or parsed.problems
    if parsed.ok:  # still valid after the damage (a flipped digit, say): the preview works too
        assert preview(store, parsed).rows == parsed.rows
