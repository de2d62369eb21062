"""Reading what is stored: metric values, case timelines, their history, checksums and snapshots."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from soteria.store.connection import Connection
from soteria.store.files import copy_atomically
from soteria.store.schema import (
    AREA_KINDS,
)
from soteria.store.shared import write_lock as shared_write_lock


class StoredValues(Connection):
    """Stored metric values and cases as frames, and the database as a whole."""

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
            """SELECT case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason, as_of,
                      victim_sex, victim_age_band, victim_ethnicity
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
        if self.shared:  # the file is closed between writes: copy it under the writers' lock
            with self._write_lock, shared_write_lock(self.path):
                copy_atomically(self.path, dest)
            return
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("CHECKPOINT")
            except duckdb.Error:
                pass  # a reader's transaction may postpone the checkpoint: the WAL is copied with the file
            finally:
                cur.close()
            copy_atomically(self.path, dest)
            wal = Path(f"{self.path}.wal")
            if wal.exists() and wal.stat().st_size:
                copy_atomically(wal, Path(f"{dest}.wal"))

    def changes_by_extract(self) -> pl.DataFrame:
        """What each load changed: extract_id, what (a metric, or `cases`), area_code (for cases the
        force), new (values or cases it added), revised (values or cases it changed), unchanged (sent
        again as they were), first and last month (of report, for cases). Counts only: no value is
        given, so no small count is revealed."""
        return self._frame(
            """WITH metric_versions AS (
                   SELECT area_code, month, metric, value, missing_reason, extract_id FROM metric_values
                   UNION ALL
                   SELECT area_code, month, metric, value, missing_reason, extract_id FROM metric_history),
               case_versions AS (
                   SELECT case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason,
                          victim_sex, victim_age_band, victim_ethnicity, extract_id FROM cases
                   UNION ALL
                   SELECT case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason,
                          victim_sex, victim_age_band, victim_ethnicity, extract_id FROM case_history)
               SELECT n.extract_id, n.metric AS what, n.area_code,
                      count(*) FILTER (WHERE h.extract_id IS NULL) AS new,
                      count(*) FILTER (WHERE h.extract_id IS NOT NULL AND (h.value IS DISTINCT FROM n.value
                          OR h.missing_reason IS DISTINCT FROM n.missing_reason)) AS revised,
                      count(*) FILTER (WHERE h.extract_id IS NOT NULL AND h.value IS NOT DISTINCT FROM n.value
                          AND h.missing_reason IS NOT DISTINCT FROM n.missing_reason) AS unchanged,
                      min(n.month) AS first_month, max(n.month) AS last_month
               FROM metric_versions n LEFT JOIN metric_history h
                 ON h.area_code = n.area_code AND h.month = n.month AND h.metric = n.metric
                AND h.superseded_by = n.extract_id
               GROUP BY ALL
               UNION ALL
               SELECT n.extract_id, 'cases', n.force_code,
                      count(*) FILTER (WHERE h.extract_id IS NULL),
                      count(*) FILTER (WHERE h.extract_id IS NOT NULL AND (
                          h.force_code, h.reported_on, h.file_submitted_on, h.closed_on, h.closure_reason,
                          h.victim_sex, h.victim_age_band, h.victim_ethnicity)
                          IS DISTINCT FROM (n.force_code, n.reported_on, n.file_submitted_on, n.closed_on,
                          n.closure_reason, n.victim_sex, n.victim_age_band, n.victim_ethnicity)),
                      count(*) FILTER (WHERE h.extract_id IS NOT NULL AND (
                          h.force_code, h.reported_on, h.file_submitted_on, h.closed_on, h.closure_reason,
                          h.victim_sex, h.victim_age_band, h.victim_ethnicity)
                          IS NOT DISTINCT FROM (n.force_code, n.reported_on, n.file_submitted_on, n.closed_on,
                          n.closure_reason, n.victim_sex, n.victim_age_band, n.victim_ethnicity)),
                      date_trunc('month', min(n.reported_on))::DATE,
                      date_trunc('month', max(n.reported_on))::DATE
               FROM case_versions n LEFT JOIN case_history h
                 ON h.case_ref = n.case_ref AND h.superseded_by = n.extract_id
               GROUP BY ALL
               ORDER BY extract_id DESC, what, area_code"""
        )
