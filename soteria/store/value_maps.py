"""The value mapping evaluators edit (how coded values become the dashboard's codes) and its log."""

from __future__ import annotations

import polars as pl

from soteria.reference import read_value_map
from soteria.store.connection import Connection


class ValueMaps(Connection):
    """The value mapping in force, replaced whole and logged value by value; the last save undone."""

    def value_map(self) -> pl.DataFrame:
        """The value mapping in force: the evaluators' own once saved, else the shipped defaults."""
        stored = self._frame("SELECT field, value, maps_to, note FROM value_map ORDER BY field, value")
        return stored if stored.height else read_value_map()

    def replace_value_map(self, mapping: pl.DataFrame, changed_by: str) -> int:
        """Store a whole new mapping (validated by ingest.value_map.validate) in one transaction, logging
        each value added, changed or taken out; returns the number of changes."""
        old = self.value_map().select("field", "value", old_maps_to="maps_to")
        new = mapping.select("field", "value", "maps_to", "note")
        diff = old.join(
            new.select("field", "value", new_maps_to="maps_to"),
            on=["field", "value"],
            how="full",
            coalesce=True,
        )
        diff = diff.filter(pl.col("old_maps_to").ne_missing(pl.col("new_maps_to")))
        with self._transaction() as cur:
            cur.register("new_map", new)
            cur.register("map_diff", diff)
            cur.execute(
                """INSERT INTO value_map_changes
                   SELECT now()::TIMESTAMP, ?, field, value, old_maps_to, new_maps_to FROM map_diff""",
                [changed_by],
            )
            cur.execute("DELETE FROM value_map")
            cur.execute("INSERT INTO value_map SELECT field, value, maps_to, note FROM new_map")
        return diff.height

    def value_map_changes(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM value_map_changes ORDER BY changed_at DESC")

    def undo_value_map_change(self, changed_by: str) -> int:
        """Put back the mapping as it was before its last save (every value that save added, changed
        or took out), logged as a change of its own; returns the number of values put back (0: none)."""
        log = self.value_map_changes()
        if log.is_empty():
            return 0
        last = log.filter(pl.col("changed_at") == pl.col("changed_at").max())
        current = self.value_map().select("field", "value", "maps_to", "note")
        reverted = last.select("field", "value", maps_to="old_maps_to")
        kept = current.join(reverted, on=["field", "value"], how="anti")
        put_back = reverted.filter(pl.col("maps_to").is_not_null()).join(
            current.select("field", "value", "note"), on=["field", "value"], how="left"
        )
        put_back = put_back.with_columns(pl.col("note").fill_null("put back by undo"))
        return self.replace_value_map(pl.concat([kept, put_back.select(kept.columns)]), changed_by)
