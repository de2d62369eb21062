"""Reference tables, the pilot register with its change log, roles and metadata."""

from __future__ import annotations

import secrets
from datetime import datetime

import polars as pl

from soteria.store.connection import Connection
from soteria.store.records import StorageError

CELL_KEY = "cell_key_secret"


class ReferenceTables(Connection):
    """Areas, the force to CPS Area map, the pilot register, roles and metadata."""

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
                      OR o.pilot_start IS DISTINCT FROM n.pilot_start
                      OR o.is_assumption IS DISTINCT FROM n.is_assumption
                      OR o.source IS DISTINCT FROM n.source""",
                [changed_by],
            ).fetchone()
            cur.execute("DELETE FROM pilot_register")
            cur.execute("INSERT INTO pilot_register SELECT * FROM new_register")
        return int(changed[0]) if changed else 0

    def pilot_register_changes(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM pilot_register_changes ORDER BY changed_at DESC")

    def user_roles(self) -> dict[str, str]:
        """identity -> role, from the role table."""
        return dict(self._rows("SELECT identity, role FROM user_roles"))

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

    def meta(self) -> dict[str, str]:
        return dict(self._rows("SELECT key, value FROM meta"))

    def cell_key_secret(self, meta: dict[str, str] | None = None) -> str:
        """The secret behind the perturbation of small counts (soteria.disclosure.perturb): made once per
        database, kept in it and in its snapshots, never shown or exported."""
        meta = self.meta() if meta is None else meta
        secret = meta.get(CELL_KEY)
        if secret:
            return secret
        if self.read_only:
            raise StorageError(
                f"{self.path.name} has no disclosure-control secret yet: open it once for writing "
                "(start the dashboard or run any loading command) so that one is made"
            )
        secret = secrets.token_hex(32)
        self.set_meta({CELL_KEY: secret})
        return secret

    def set_meta(self, values: dict[str, str]) -> None:
        with self._transaction() as cur:
            for key, value in values.items():
                cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
