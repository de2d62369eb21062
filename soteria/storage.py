"""The one gateway to DuckDB: schema, migrations, the connection and every SQL statement.

One connection per process; each query runs on its own cursor (DuckDB connections are not
thread-safe, Streamlit sessions are threads). Writes are serialised by a lock and each runs in
one transaction. Values are always bound parameters; table names come from a whitelist.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

SCHEMA_VERSION = 1

# Each entry migrates from version i to i + 1; append only, never edit a released step.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE areas (
            area_code VARCHAR PRIMARY KEY,
            area_name VARCHAR NOT NULL,
            area_kind VARCHAR NOT NULL CHECK (area_kind IN ('force', 'cps_area')),
            ons_code VARCHAR)""",
        """CREATE TABLE force_cps_area (
            force_code VARCHAR NOT NULL,
            cps_area_code VARCHAR NOT NULL,
            note VARCHAR,
            PRIMARY KEY (force_code, cps_area_code))""",
        """CREATE TABLE pilot_register (
            area_code VARCHAR PRIMARY KEY,
            wave VARCHAR NOT NULL,
            pilot_start DATE NOT NULL,
            is_assumption BOOLEAN NOT NULL,
            source VARCHAR)""",
        """CREATE TABLE pilot_register_changes (
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            area_code VARCHAR NOT NULL,
            old_wave VARCHAR, new_wave VARCHAR,
            old_pilot_start DATE, new_pilot_start DATE)""",
        "CREATE SEQUENCE extract_ids START 1",
        """CREATE TABLE extracts (
            extract_id INTEGER PRIMARY KEY,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            loaded_by VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            as_of DATE,
            is_synthetic BOOLEAN NOT NULL DEFAULT false)""",
        """CREATE TABLE metric_values (
            area_code VARCHAR NOT NULL,
            month DATE NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            missing_reason VARCHAR,
            extract_id INTEGER NOT NULL,
            PRIMARY KEY (area_code, month, metric))""",
        # Previous values replaced by a later extract, so that revisions can be shown and undone.
        """CREATE TABLE metric_history (
            area_code VARCHAR NOT NULL,
            month DATE NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            missing_reason VARCHAR,
            extract_id INTEGER NOT NULL,
            superseded_by INTEGER NOT NULL)""",
        # No primary key: an ART index on a million references would dominate load time;
        # uniqueness is enforced by validation and by replacing on case_ref at commit.
        """CREATE TABLE cases (
            case_ref VARCHAR NOT NULL,
            force_code VARCHAR NOT NULL,
            reported_on DATE NOT NULL,
            file_submitted_on DATE,
            closed_on DATE,
            closure_reason VARCHAR,
            as_of DATE NOT NULL,
            extract_id INTEGER NOT NULL)""",
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    ],
]

AREA_KINDS = ("force", "cps_area")
METRIC_COLUMNS = ["area_code", "month", "metric", "value", "missing_reason"]
CASE_COLUMNS = ["case_ref", "force_code", "reported_on", "file_submitted_on", "closed_on", "closure_reason"]


class StorageError(RuntimeError):
    """The database cannot be opened or used; the message says why in plain words."""


@dataclass(frozen=True)
class ExtractRecord:
    file_name: str
    sha256: str
    kind: str
    rows: int
    loaded_by: str
    as_of: date | None = None
    is_synthetic: bool = False


class Store:
    """A DuckDB database file with the Soteria schema."""

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._write_lock = threading.Lock()
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StorageError(
                    f"The database {self.path} is in use by another process; close it and try again."
                ) from exc
            raise StorageError(f"The database {self.path} cannot be opened: {exc}") from exc
        except duckdb.Error as exc:
            raise StorageError(f"The database {self.path} cannot be opened: {exc}") from exc
        if not read_only:
            self._migrate()

    # -- plumbing -------------------------------------------------------------------------

    def close(self) -> None:
        self._con.close()

    def _frame(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        cur = self._con.cursor()
        try:
            return cur.sql(sql, params=params or []).pl()
        finally:
            cur.close()

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.read_only:
            raise StorageError("The database is open read-only; changes are not allowed here.")
        with self._write_lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def _migrate(self) -> None:
        with self._transaction() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] if row and row[0] is not None else 0
            if current > SCHEMA_VERSION:
                raise StorageError(
                    f"The database {self.path} has schema version {current}, newer than this release "
                    f"({SCHEMA_VERSION}); upgrade the dashboard."
                )
            for version in range(current, SCHEMA_VERSION):
                for statement in MIGRATIONS[version]:
                    cur.execute(statement)
                cur.execute("INSERT INTO schema_version VALUES (?)", [version + 1])

    def schema_version(self) -> int:
        return int(self._rows("SELECT max(version) FROM schema_version")[0][0])

    # -- reference data -------------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when no area has been loaded yet (a fresh database)."""
        return self._rows("SELECT count(*) FROM areas")[0][0] == 0

    def replace_reference(self, areas: pl.DataFrame, force_cps_area: pl.DataFrame) -> None:
        with self._transaction() as cur:
            cur.execute("DELETE FROM force_cps_area")
            cur.execute("DELETE FROM areas")
            cur.register("new_areas", areas.select("area_code", "area_name", "area_kind", "ons_code"))
            cur.execute("INSERT INTO areas SELECT * FROM new_areas")
            cur.register("new_map", force_cps_area.select("force_code", "cps_area_code", "note"))
            cur.execute("INSERT INTO force_cps_area SELECT * FROM new_map")

    def areas(self, kind: str | None = None) -> pl.DataFrame:
        if kind is None:
            return self._frame("SELECT * FROM areas ORDER BY area_kind, area_name")
        return self._frame("SELECT * FROM areas WHERE area_kind = ? ORDER BY area_name", [kind])

    def force_cps_area(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM force_cps_area ORDER BY cps_area_code, force_code")

    def pilot_register(self) -> pl.DataFrame:
        return self._frame(
            """SELECT r.area_code, a.area_name, a.area_kind, r.wave, r.pilot_start, r.is_assumption, r.source
               FROM pilot_register r JOIN areas a USING (area_code)
               ORDER BY r.pilot_start, a.area_kind, a.area_name"""
        )

    def replace_pilot_register(self, register: pl.DataFrame, changed_by: str) -> int:
        """Store a whole new register in one transaction, logging each changed row; returns changes."""
        cols = ["area_code", "wave", "pilot_start", "is_assumption", "source"]
        with self._transaction() as cur:
            cur.register("new_register", register.select(cols))
            changed = cur.execute(
                """INSERT INTO pilot_register_changes
                   SELECT now()::TIMESTAMP, ?, n.area_code, o.wave, n.wave, o.pilot_start, n.pilot_start
                   FROM new_register n LEFT JOIN pilot_register o USING (area_code)
                   WHERE o.area_code IS NULL OR o.wave IS DISTINCT FROM n.wave
                      OR o.pilot_start IS DISTINCT FROM n.pilot_start""",
                [changed_by],
            ).fetchone()
            cur.execute("DELETE FROM pilot_register")
            cur.execute("INSERT INTO pilot_register SELECT * FROM new_register")
        return int(changed[0]) if changed else 0

    def pilot_register_changes(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM pilot_register_changes ORDER BY changed_at DESC")

    # -- metrics and cases ----------------------------------------------------------------

    def metric_values(
        self,
        metrics: list[str],
        area_kind: str,
        start: date | None = None,
        end: date | None = None,
    ) -> pl.DataFrame:
        """Monthly values (area_code, month, metric, value) for areas of one kind."""
        if area_kind not in AREA_KINDS:
            raise ValueError(f"unknown area kind {area_kind!r}")
        return self._frame(
            """SELECT m.area_code, m.month, m.metric, m.value, m.missing_reason, m.extract_id
               FROM metric_values m JOIN areas a USING (area_code)
               WHERE a.area_kind = ? AND list_contains(?, m.metric)
                 AND m.month >= coalesce(?::DATE, DATE '1900-01-01')
                 AND m.month <= coalesce(?::DATE, DATE '2999-12-31')
               ORDER BY m.area_code, m.month, m.metric""",
            [area_kind, metrics, start, end],
        )

    def existing_metric_values(self, keys: pl.DataFrame) -> pl.DataFrame:
        """Stored values for the given (area_code, month, metric) keys, for previews of change."""
        cur = self._con.cursor()
        try:
            cur.register("wanted", keys.select("area_code", "month", "metric"))
            return cur.sql(
                """SELECT m.area_code, m.month, m.metric, m.value, m.missing_reason, m.extract_id
                   FROM metric_values m JOIN wanted w USING (area_code, month, metric)"""
            ).pl()
        finally:
            cur.close()

    def cases(self, start: date | None = None, end: date | None = None) -> pl.DataFrame:
        """Case timelines reported between start and end (inclusive)."""
        return self._frame(
            """SELECT case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason, as_of
               FROM cases
               WHERE reported_on >= coalesce(?::DATE, DATE '1900-01-01')
                 AND reported_on <= coalesce(?::DATE, DATE '2999-12-31')""",
            [start, end],
        )

    def existing_cases(self, case_refs: pl.DataFrame) -> pl.DataFrame:
        cur = self._con.cursor()
        try:
            cur.register("wanted", case_refs.select("case_ref"))
            return cur.sql(
                """SELECT c.* FROM cases c JOIN wanted w USING (case_ref)"""
            ).pl()
        finally:
            cur.close()

    def data_span(self) -> dict[str, Any]:
        """First and last month of metrics, case dates, and counts: what the data covers."""
        m = self._rows("SELECT min(month), max(month), count(*) FROM metric_values")[0]
        c = self._rows("SELECT min(reported_on), max(reported_on), max(as_of), count(*) FROM cases")[0]
        return {
            "first_month": m[0],
            "last_month": m[1],
            "metric_values": m[2],
            "first_reported": c[0],
            "last_reported": c[1],
            "cases_as_of": c[2],
            "cases": c[3],
        }

    # -- extracts -------------------------------------------------------------------------

    def find_extract_by_sha256(self, sha256: str) -> dict[str, Any] | None:
        rows = self._frame(
            "SELECT * FROM extracts WHERE sha256 = ? AND status = 'loaded' ORDER BY extract_id", [sha256]
        ).to_dicts()
        return rows[0] if rows else None

    def extracts(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM extracts ORDER BY extract_id DESC")

    def latest_extract(self) -> dict[str, Any] | None:
        rows = self._frame(
            "SELECT * FROM extracts WHERE status = 'loaded' ORDER BY extract_id DESC LIMIT 1"
        ).to_dicts()
        return rows[0] if rows else None

    def _new_extract(self, cur: duckdb.DuckDBPyConnection, record: ExtractRecord) -> int:
        extract_id = int(cur.execute("SELECT nextval('extract_ids')").fetchone()[0])  # type: ignore[index]
        cur.execute(
            "INSERT INTO extracts VALUES (?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?)",
            [
                extract_id,
                record.file_name,
                record.sha256,
                record.kind,
                record.rows,
                datetime.now(),
                record.loaded_by,
                record.as_of,
                record.is_synthetic,
            ],
        )
        return extract_id

    def commit_metrics(self, record: ExtractRecord, values: pl.DataFrame) -> int:
        """Upsert monthly values as one new extract, keeping replaced values in history."""
        frame = _with_columns(values, METRIC_COLUMNS)
        with self._transaction() as cur:
            extract_id = self._new_extract(cur, record)
            cur.register("incoming", frame)
            cur.execute(
                """INSERT INTO metric_history
                   SELECT m.area_code, m.month, m.metric, m.value, m.missing_reason, m.extract_id, ?
                   FROM metric_values m JOIN incoming i USING (area_code, month, metric)""",
                [extract_id],
            )
            cur.execute(
                """INSERT OR REPLACE INTO metric_values
                   SELECT area_code, month, metric, value, missing_reason, ? FROM incoming""",
                [extract_id],
            )
        return extract_id

    def commit_cases(self, record: ExtractRecord, cases: pl.DataFrame) -> int:
        """Replace cases by reference with those in the extract, as one new extract."""
        frame = _with_columns(cases, CASE_COLUMNS)
        with self._transaction() as cur:
            extract_id = self._new_extract(cur, record)
            cur.register("incoming", frame)
            cur.execute("DELETE FROM cases WHERE case_ref IN (SELECT case_ref FROM incoming)")
            cur.execute(
                """INSERT INTO cases
                   SELECT case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason,
                          ?::DATE, ? FROM incoming""",
                [record.as_of, extract_id],
            )
        return extract_id

    # -- metadata -------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self._rows("SELECT key, value FROM meta"))  # type: ignore[arg-type]

    def set_meta(self, values: dict[str, str]) -> None:
        with self._transaction() as cur:
            for key, value in values.items():
                cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def data_version(self) -> str:
        """Changes whenever stored data changes: the key that page caches hang on."""
        row = self._rows(
            """SELECT (SELECT coalesce(max(extract_id), 0) FROM extracts),
                      (SELECT count(*) FROM extracts WHERE status = 'loaded'),
                      (SELECT count(*) FROM pilot_register_changes)"""
        )[0]
        return f"{row[0]}.{row[1]}.{row[2]}"

    # -- ingest support ---------------------------------------------------------------------

    def content_checksum(self) -> dict[str, tuple[int, int]]:
        """Per table (every table in the database): row count and an order-independent hash of all rows.
        Equal before and after an operation means the operation wrote nothing."""
        names = [
            r[0]
            for r in self._rows(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
            )
        ]
        result: dict[str, tuple[int, int]] = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            count, total = self._rows(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {quoted} t")[0]
            result[name] = (int(count), int(total))
        return result


def _with_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None).alias(c) for c in missing).select(columns)


_stores: dict[Path, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: Path | str) -> Store:
    """The process-wide store for a path (one connection per process and file)."""
    key = Path(path).resolve()
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = Store(key)
        return store


def close_stores() -> None:
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
