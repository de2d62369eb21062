"""Source profiles: each source's saved column mapping (kept as JSON text), and its change log."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from soteria.store.connection import Connection


class SourceProfiles(Connection):
    """The column mappings evaluators save per source (soteria.ingest.profiles gives them meaning)."""

    def source_profiles(self) -> pl.DataFrame:
        return self._frame(
            "SELECT name, kind, columns, updated_by, updated_at FROM source_profiles ORDER BY name"
        )

    def source_profile(self, name: str) -> tuple[str, str] | None:
        """(kind, columns JSON) of the profile called `name`, or None."""
        rows = self._rows("SELECT kind, columns FROM source_profiles WHERE name = ?", [name])
        return (rows[0][0], rows[0][1]) if rows else None

    def save_source_profile(self, name: str, kind: str, columns: str, changed_by: str) -> bool:
        """Create or replace a profile, logging the change; False when nothing changed."""
        with self._transaction() as cur:
            row = cur.execute("SELECT kind, columns FROM source_profiles WHERE name = ?", [name]).fetchone()
            if row and (row[0], row[1]) == (kind, columns):
                return False
            now = datetime.now()
            cur.execute("DELETE FROM source_profiles WHERE name = ?", [name])
            cur.execute(
                "INSERT INTO source_profiles VALUES (?, ?, ?, ?, ?)", [name, kind, columns, changed_by, now]
            )
            cur.execute(
                "INSERT INTO source_profile_changes VALUES (?, ?, ?, ?, ?, ?)",
                [now, changed_by, name, kind, row[1] if row else None, columns],
            )
        return True

    def delete_source_profile(self, name: str, changed_by: str) -> bool:
        """Delete a profile, logging it; False when there is no such profile."""
        with self._transaction() as cur:
            row = cur.execute("SELECT kind, columns FROM source_profiles WHERE name = ?", [name]).fetchone()
            if not row:
                return False
            cur.execute("DELETE FROM source_profiles WHERE name = ?", [name])
            cur.execute(
                "INSERT INTO source_profile_changes VALUES (?, ?, ?, ?, ?, ?)",
                [datetime.now(), changed_by, name, row[0], row[1], None],
            )
        return True

    def source_profile_changes(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM source_profile_changes ORDER BY changed_at DESC")
