"""Loads and undos: one transaction each, with the history that lets an undo put back what was there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from soteria.store.connection import Connection
from soteria.store.records import ExtractConflict, ExtractDetails, ExtractRecord, UndoRefused
from soteria.store.schema import (
    CASE_COLUMNS,
    METRIC_COLUMNS,
)


def _with_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None).alias(c) for c in missing).select(columns)


class ExtractLoads(Connection):
    """The extracts table: a load's values and cases with the rows they replace, and their undo."""

    def stored_originals(self) -> list[str]:
        """The kept originals' names that loads refer to (undone loads included: they stay downloadable)."""
        rows = self._rows("SELECT DISTINCT stored_as FROM extract_details WHERE stored_as IS NOT NULL")
        return [str(r[0]) for r in rows]

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
                    """INSERT INTO case_history BY NAME
                       SELECT c.*, ? AS superseded_by
                       FROM cases c SEMI JOIN incoming_cases i USING (case_ref)""",
                    [extract_id],
                )
                cur.execute(
                    """DELETE FROM cases
                       WHERE case_ref IN (SELECT case_ref FROM case_history WHERE superseded_by = ?)""",
                    [extract_id],
                )
                cols = ", ".join(CASE_COLUMNS)  # the schema's own column names, never data
                cur.execute(
                    f"""INSERT INTO cases BY NAME
                       SELECT {cols}, ?::DATE AS as_of, ? AS extract_id
                       FROM incoming_cases""",
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
                    ", ".join([*CASE_COLUMNS, "as_of"]),
                ),
            ):
                removed = cur.execute(f"DELETE FROM {table} WHERE extract_id = ?", [extract_id]).fetchone()
                restored = cur.execute(
                    f"INSERT INTO {table} BY NAME "
                    f"SELECT {cols}, extract_id FROM {history} WHERE superseded_by = ?",
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
