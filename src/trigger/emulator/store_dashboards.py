"""Custom query dashboards in SQLite: one row per dashboard of the project, in creation order."""

from __future__ import annotations

import sqlite3

import msgspec

from trigger.emulator.engine.dashboards import DashboardState
from trigger.emulator.store import Store, register_tables

__all__ = ["DashboardStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS query_dashboards (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    data BLOB NOT NULL
) WITHOUT ROWID;
"""

register_tables(_DDL, ("query_dashboards",))

_ENCODER = msgspec.json.Encoder()
_DASHBOARD = msgspec.json.Decoder(DashboardState)


class DashboardStore:
    """Queries over the store's connection (writes inside `Store.transaction`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, dashboard_id: str) -> DashboardState | None:
        """A dashboard by its ``dashboard_…`` id."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM query_dashboards WHERE id = ?", (dashboard_id,)
            ).fetchone()
        return _DASHBOARD.decode(row[0]) if row else None

    def newest_first(self) -> list[DashboardState]:
        """Every dashboard, the most recently created first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT data FROM query_dashboards ORDER BY created_at DESC, id DESC"
            ).fetchall()
        return [_DASHBOARD.decode(data) for (data,) in rows]

    @staticmethod
    def put(conn: sqlite3.Connection, dashboard: DashboardState) -> None:
        """Insert or replace a dashboard."""
        conn.execute(
            "INSERT OR REPLACE INTO query_dashboards (id, created_at, data) VALUES (?, ?, ?)",
            (dashboard.id, dashboard.created_at, _ENCODER.encode(dashboard)),
        )

    @staticmethod
    def delete(conn: sqlite3.Connection, dashboard_id: str) -> None:
        """Forget a dashboard."""
        conn.execute("DELETE FROM query_dashboards WHERE id = ?", (dashboard_id,))
