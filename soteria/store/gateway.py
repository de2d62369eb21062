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

SCHEMA_VERSION = 3

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
    # 2: revisions and undo for cases, and what each load was (format, stored original, summary, undo).
    [
        # Cases replaced by a later extract, as they were, so that the extract can be undone.
        """CREATE TABLE case_history (
            case_ref VARCHAR NOT NULL,
            force_code VARCHAR NOT NULL,
            reported_on DATE NOT NULL,
            file_submitted_on DATE,
            closed_on DATE,
            closure_reason VARCHAR,
            as_of DATE NOT NULL,
            extract_id INTEGER NOT NULL,
            superseded_by INTEGER NOT NULL)""",
        """CREATE TABLE extract_details (
            extract_id INTEGER PRIMARY KEY,
            file_format VARCHAR,
            layout VARCHAR,
            sheet VARCHAR,
            size_bytes BIGINT,
            stored_as VARCHAR,
            summary VARCHAR)""",
        # Append-only: who undid which extract, when (the extracts row says status 'undone').
        """CREATE TABLE extract_log (
            extract_id INTEGER NOT NULL,
            action VARCHAR NOT NULL,
            done_at TIMESTAMP NOT NULL,
            done_by VARCHAR NOT NULL,
            detail VARCHAR)""",
    ],
    # 3: who may do what (soteria/auth.py): the role table and its append-only change log.
    [
        """CREATE TABLE user_roles (
            identity VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL CHECK (role IN ('viewer', 'evaluator', 'admin')),
            granted_by VARCHAR NOT NULL,
            granted_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE role_changes (
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            identity VARCHAR NOT NULL,
            old_role VARCHAR,
            new_role VARCHAR)""",
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
        self._local = threading.local()  # a thread's snapshot cursor while inside consistent()
        self.closed = False
        _refuse_foreign_file(self.path)
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
        self.closed = True
        self._con.close()

    def _frame(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        pinned = getattr(self._local, "cursor", None)
        if pinned is not None:
            return pinned.sql(sql, params=params or []).pl()
        cur = self._con.cursor()
        try:
            return cur.sql(sql, params=params or []).pl()
        finally:
            cur.close()

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        pinned = getattr(self._local, "cursor", None)
        if pinned is not None:
            return pinned.execute(sql, params or []).fetchall()
        cur = self._con.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    @contextmanager
    def consistent(self) -> Iterator[str]:
        """Every read of this thread inside the block sees one committed version of the data (a read
        transaction: DuckDB's snapshot isolation), whatever commits meanwhile; yields its data version."""
        pinned = getattr(self._local, "cursor", None)
        if pinned is not None:  # nested: the outer snapshot holds
            yield self._version_in(pinned)
            return
        cur = self._con.cursor()
        cur.execute("BEGIN TRANSACTION")
        self._local.cursor = cur
        try:
            seen = self._version_in(cur)
            cur.fetchall()  # finish the result: DuckDB refuses new relations on a cursor with one pending
            yield seen
        finally:
            self._local.cursor = None
            try:
                cur.execute("ROLLBACK")
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

    # -- roles (soteria/auth.py decides what they allow) ---------------------------------------

    def user_roles(self) -> dict[str, str]:
        """identity -> role, from the role table."""
        return dict(self._rows("SELECT identity, role FROM user_roles"))  # type: ignore[arg-type]

    def role_list(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM user_roles ORDER BY identity")

    def role_changes(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM role_changes ORDER BY changed_at DESC")

    def set_role(self, identity: str, role: str | None, changed_by: str) -> bool:
        """Grant a role (role) or revoke one (None), logging the change; False when nothing changed."""
        with self._transaction() as cur:
            row = cur.execute("SELECT role FROM user_roles WHERE identity = ?", [identity]).fetchone()
            old = row[0] if row else None
            if old == role:
                return False
            now = datetime.now()
            cur.execute("DELETE FROM user_roles WHERE identity = ?", [identity])
            if role is not None:
                cur.execute("INSERT INTO user_roles VALUES (?, ?, ?, ?)", [identity, role, changed_by, now])
            cur.execute(
                "INSERT INTO role_changes VALUES (?, ?, ?, ?, ?)", [now, changed_by, identity, old, role]
            )
        return True

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
            return cur.sql("""SELECT c.* FROM cases c JOIN wanted w USING (case_ref)""").pl()
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

    def snapshot_to(self, dest: Path) -> None:
        """Copy the database, exactly as committed, to dest (and dest.wal if a write-ahead log remains):
        checkpoint, then copy while holding the write lock so that no write can land half-way."""
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("CHECKPOINT")
            except duckdb.Error:
                pass  # a reader's transaction may postpone the checkpoint: the WAL is copied with the file
            finally:
                cur.close()
            _copy_atomically(self.path, dest)
            wal = Path(f"{self.path}.wal")
            if wal.exists() and wal.stat().st_size:
                _copy_atomically(wal, Path(f"{dest}.wal"))

    def _version_in(self, cur: duckdb.DuckDBPyConnection) -> str:
        row = cur.execute(
            """SELECT (SELECT coalesce(max(extract_id), 0) FROM extracts),
                      (SELECT count(*) FROM extracts WHERE status = 'loaded'),
                      (SELECT count(*) FROM pilot_register_changes)"""
        ).fetchone()
        assert row is not None
        return f"{row[0]}.{row[1]}.{row[2]}"

    def load_extract(
        self,
        record: ExtractRecord,
        details: ExtractDetails,
        values: pl.DataFrame | None = None,
        cases: pl.DataFrame | None = None,
        expected_version: str | None = None,
    ) -> int:
        """Load one clean extract in one transaction and return its id.

        Every value or case in the extract becomes current and is attributed to it; what it replaces
        moves to metric_history / case_history (superseded_by = the new id), so that undo_extract can
        put it back. Raises ExtractConflict, writing nothing, when the same file (SHA-256) is already
        loaded or, with expected_version, when the data changed since the preview was made."""
        with self._transaction() as cur:
            # This cursor's session only: rows need no order, and unordered inserts use every core.
            cur.execute("SET preserve_insertion_order = false")
            if expected_version is not None and self._version_in(cur) != expected_version:
                raise ExtractConflict(
                    "The stored data changed since this preview was made (another load or undo); "
                    "nothing was written. Preview the file again."
                )
            same = cur.execute(
                "SELECT extract_id FROM extracts WHERE sha256 = ? AND status = 'loaded'", [record.sha256]
            ).fetchone()
            if same:
                raise ExtractConflict(
                    f"This file is already loaded as extract {same[0]}; nothing was written."
                )
            extract_id = self._new_extract(cur, record)
            cur.execute(
                "INSERT INTO extract_details VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    extract_id,
                    details.file_format,
                    details.layout,
                    details.sheet,
                    details.size_bytes,
                    details.stored_as,
                    details.summary,
                ],
            )
            if values is not None:
                cur.register("incoming_values", _with_columns(values, METRIC_COLUMNS))
                cur.execute(
                    """INSERT INTO metric_history
                       SELECT m.area_code, m.month, m.metric, m.value, m.missing_reason, m.extract_id, ?
                       FROM metric_values m JOIN incoming_values i USING (area_code, month, metric)""",
                    [extract_id],
                )
                cur.execute(
                    """INSERT OR REPLACE INTO metric_values
                       SELECT area_code, month, metric, value, missing_reason, ? FROM incoming_values""",
                    [extract_id],
                )
                cur.unregister("incoming_values")
            if cases is not None:
                cur.register("incoming_cases", _with_columns(cases, CASE_COLUMNS))
                cur.execute(
                    """INSERT INTO case_history
                       SELECT c.*, ? FROM cases c SEMI JOIN incoming_cases i USING (case_ref)""",
                    [extract_id],
                )
                cur.execute(
                    """DELETE FROM cases
                       WHERE case_ref IN (SELECT case_ref FROM case_history WHERE superseded_by = ?)""",
                    [extract_id],
                )
                cur.execute(
                    """INSERT INTO cases
                       SELECT case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason,
                              ?::DATE, ? FROM incoming_cases""",
                    [record.as_of, extract_id],
                )
                cur.unregister("incoming_cases")
        return extract_id

    def extract_list(self) -> pl.DataFrame:
        """Every load, newest first: the extracts table with format, stored original and who undid it."""
        return self._frame(
            """SELECT e.extract_id, e.file_name, e.sha256, e.kind, d.layout, d.file_format, d.sheet, e.rows,
                      e.as_of, e.loaded_by, e.loaded_at, e.status, u.undone_by, u.undone_at, e.is_synthetic,
                      d.size_bytes, d.stored_as, d.summary
               FROM extracts e
               LEFT JOIN extract_details d USING (extract_id)
               LEFT JOIN (SELECT extract_id, arg_max(done_by, done_at) AS undone_by, max(done_at) AS undone_at
                          FROM extract_log WHERE action = 'undone' GROUP BY extract_id) u USING (extract_id)
               ORDER BY e.extract_id DESC"""
        )

    def extract(self, extract_id: int) -> dict[str, Any] | None:
        rows = self.extract_list().filter(pl.col("extract_id") == extract_id).to_dicts()
        return rows[0] if rows else None

    def undo_blockers(self, extract_id: int) -> pl.DataFrame:
        """Later loaded extracts that replaced values or cases this extract wrote, with counts."""
        return self._frame(
            """WITH later AS (
                   SELECT superseded_by AS extract_id, count(*) AS n_values, 0 AS n_cases
                   FROM metric_history WHERE extract_id = ? GROUP BY superseded_by
                   UNION ALL
                   SELECT superseded_by, 0, count(*) FROM case_history WHERE extract_id = ?
                   GROUP BY superseded_by)
               SELECT l.extract_id, e.file_name, e.loaded_at, e.loaded_by,
                      sum(l.n_values)::BIGINT AS n_values, sum(l.n_cases)::BIGINT AS n_cases
               FROM later l JOIN extracts e USING (extract_id)
               GROUP BY ALL ORDER BY l.extract_id DESC""",
            [extract_id, extract_id],
        )

    def undo_counts(self, extract_id: int) -> dict[str, int]:
        """What undoing the extract would do: current values/cases it holds, and how many of them
        go back to an earlier version (the rest are removed)."""
        row = self._rows(
            """SELECT (SELECT count(*) FROM metric_values WHERE extract_id = ?),
                      (SELECT count(*) FROM metric_history WHERE superseded_by = ?),
                      (SELECT count(*) FROM cases WHERE extract_id = ?),
                      (SELECT count(*) FROM case_history WHERE superseded_by = ?)""",
            [extract_id] * 4,
        )[0]
        return {
            "values": int(row[0]),
            "values_restored": int(row[1]),
            "cases": int(row[2]),
            "cases_restored": int(row[3]),
        }

    def undo_extract(self, extract_id: int, undone_by: str) -> dict[str, int]:
        """Put back exactly what the extract replaced, remove what it added, mark it undone; one
        transaction. Raises UndoRefused (writing nothing) when the extract is not loaded or a later
        loaded extract replaced any of its values or cases."""
        with self._transaction() as cur:
            status = cur.execute("SELECT status FROM extracts WHERE extract_id = ?", [extract_id]).fetchone()
            if status is None:
                raise UndoRefused(f"There is no extract {extract_id}.")
            if status[0] != "loaded":
                raise UndoRefused(f"Extract {extract_id} is already {status[0]}; nothing was changed.")
            later = cur.execute(
                """SELECT count(*) FROM (SELECT 1 FROM metric_history WHERE extract_id = ?
                                         UNION ALL SELECT 1 FROM case_history WHERE extract_id = ?)""",
                [extract_id, extract_id],
            ).fetchone()
            if later and later[0]:
                raise UndoRefused(
                    f"Extract {extract_id} cannot be undone: later extracts replaced some of its values or "
                    "cases. Undo those first, newest first."
                )
            counts = {}
            for table, history, cols in (
                ("metric_values", "metric_history", "area_code, month, metric, value, missing_reason"),
                (
                    "cases",
                    "case_history",
                    "case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason, as_of",
                ),
            ):
                removed = cur.execute(f"DELETE FROM {table} WHERE extract_id = ?", [extract_id]).fetchone()
                restored = cur.execute(
                    f"INSERT INTO {table} SELECT {cols}, extract_id FROM {history} WHERE superseded_by = ?",
                    [extract_id],
                ).fetchone()
                cur.execute(f"DELETE FROM {history} WHERE superseded_by = ?", [extract_id])
                counts[table] = int(removed[0]) if removed else 0
                counts[f"{table}_restored"] = int(restored[0]) if restored else 0
            cur.execute("UPDATE extracts SET status = 'undone' WHERE extract_id = ?", [extract_id])
            cur.execute(
                "INSERT INTO extract_log VALUES (?, 'undone', ?, ?, NULL)",
                [extract_id, datetime.now(), undone_by],
            )
        return {
            "values": counts["metric_values"],
            "values_restored": counts["metric_values_restored"],
            "cases": counts["cases"],
            "cases_restored": counts["cases_restored"],
        }

    def metric_value_history(self, area_code: str, month: date, metric: str) -> pl.DataFrame:
        """The current value of one key and every earlier value it replaced, newest first, each with
        the extract it came from and the extract that replaced it (null for the current value)."""
        return self._frame(
            """SELECT v.value, v.missing_reason, v.extract_id, v.superseded_by, e.file_name, e.loaded_at
               FROM (SELECT value, missing_reason, extract_id, NULL::INTEGER AS superseded_by
                     FROM metric_values WHERE area_code = ? AND month = ? AND metric = ?
                     UNION ALL
                     SELECT value, missing_reason, extract_id, superseded_by
                     FROM metric_history WHERE area_code = ? AND month = ? AND metric = ?) v
               JOIN extracts e USING (extract_id)
               ORDER BY v.extract_id DESC""",
            [area_code, month, metric] * 2,
        )

    def case_history_of(self, case_ref: str) -> pl.DataFrame:
        """The current row of one case and every earlier version it replaced, newest first."""
        return self._frame(
            """SELECT * FROM (SELECT *, NULL::INTEGER AS superseded_by FROM cases WHERE case_ref = ?
                              UNION ALL SELECT * FROM case_history WHERE case_ref = ?)
               ORDER BY extract_id DESC""",
            [case_ref, case_ref],
        )

    def stored_cases_missing_from(self, incoming: pl.DataFrame) -> int:
        """Stored cases of the incoming cases' forces whose case_ref is not in the incoming frame."""
        if self._rows("SELECT count(*) FROM (SELECT 1 FROM cases LIMIT 1)")[0][0] == 0:
            return 0
        cur = self._con.cursor()
        try:
            cur.register("incoming_refs", incoming.select("case_ref", "force_code"))
            row = cur.execute(
                """SELECT count(*) FROM cases c
                   WHERE c.force_code IN (SELECT DISTINCT force_code FROM incoming_refs)
                     AND c.case_ref NOT IN (SELECT case_ref FROM incoming_refs)"""
            ).fetchone()
            return int(row[0]) if row else 0
        finally:
            cur.close()


class ExtractConflict(StorageError):
    """A load that would not match what the evaluator previewed (already loaded, data changed)."""


class UndoRefused(StorageError):
    """An undo that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class ExtractDetails:
    """What a load was, beside the extracts row: format, layout, sheet, size, stored original, summary."""

    file_format: str | None = None
    layout: str | None = None
    sheet: str | None = None
    size_bytes: int | None = None
    stored_as: str | None = None
    summary: str | None = None  # JSON: the preview's counts and notes


def _with_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None).alias(c) for c in missing).select(columns)


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def is_duckdb_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(12)[8:12] == DUCKDB_MAGIC


def _refuse_foreign_file(path: Path) -> None:
    """A file that exists but is not a DuckDB database (damaged, truncated, another kind of file) is
    never opened: DuckDB would otherwise start an empty database over it."""
    try:
        if not path.exists() or path.is_dir():
            return
        if not is_duckdb_file(path):
            raise StorageError(
                f"The file {path} is not a Soteria database (it is empty, damaged or another kind of file); "
                "nothing was changed. Restore a backup (python -m soteria backup --list, then restore), or "
                "point SOTERIA_DB / --db at the right file."
            )
    except OSError as exc:
        raise StorageError(f"The database {path} cannot be read: {exc.strerror or exc}") from exc


def verify_database_file(path: Path) -> None:
    """Check that a file (a snapshot) is a readable Soteria database; StorageError saying why if not."""
    if not path.is_file() or not is_duckdb_file(path):
        raise StorageError(f"{path.name} is damaged or not a database (no DuckDB header); nothing changed.")
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("SELECT max(version) FROM schema_version").fetchall()
            con.execute("SELECT count(*) FROM extracts").fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise StorageError(f"{path.name} cannot be read ({exc}); nothing was changed.") from exc


def _copy_atomically(source: Path, dest: Path) -> None:
    """Copy to a temporary name beside dest, flush it to disk, then rename over dest."""
    import os
    import shutil

    tmp = dest.with_name(f".{dest.name}.partial")
    shutil.copyfile(source, tmp)
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, dest)


_stores: dict[Path, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: Path | str) -> Store:
    """The process-wide store for a path (one connection per process and file)."""
    key = Path(path).resolve()
    with _stores_lock:
        store = _stores.get(key)
        if store is None or store.closed:
            store = _stores[key] = Store(key)
        return store


def close_stores() -> None:
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
