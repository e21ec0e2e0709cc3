"""Schedules in SQLite: one row per schedule, looked up by id, deduplication key or page.

The deduplication key is unique per project (the emulator has one project), so it is a
unique column. Pages are the server's offset pages (``page``/``perPage``, newest first), read
through the ``(env_id, created_at, seq)`` index.
"""

from __future__ import annotations

import sqlite3

import msgspec

from trigger.emulator.engine.schedules import ScheduleState
from trigger.emulator.store import Store, register_tables

__all__ = ["ScheduleStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS schedules (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    friendly_id TEXT NOT NULL UNIQUE,
    deduplication_key TEXT NOT NULL UNIQUE,
    env_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    active INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS schedules_page ON schedules (env_id, created_at, seq);
"""

register_tables(_DDL, ["schedules"])

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(ScheduleState)


class ScheduleStore:
    """The schedule queries over a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def find(self, key: str) -> ScheduleState | None:
        """A schedule by ``sched_…`` id, or by deduplication key for any other value."""
        column = "friendly_id" if key.startswith("sched_") else "deduplication_key"
        with self.store.reading() as conn:
            row = conn.execute(f"SELECT data FROM schedules WHERE {column} = ?", (key,)).fetchone()
        return _DECODER.decode(row[0]) if row else None

    def by_deduplication_key(self, key: str) -> ScheduleState | None:
        """The schedule holding a deduplication key."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM schedules WHERE deduplication_key = ?", (key,)
            ).fetchone()
        return _DECODER.decode(row[0]) if row else None

    @staticmethod
    def put(conn: sqlite3.Connection, schedule: ScheduleState) -> None:
        """Insert or replace a schedule (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT INTO schedules (id, friendly_id, deduplication_key, env_id, created_at, "
            "active, data) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "deduplication_key = excluded.deduplication_key, env_id = excluded.env_id, "
            "active = excluded.active, data = excluded.data",
            (
                schedule.id,
                schedule.friendly_id,
                schedule.deduplication_key,
                schedule.env_id,
                schedule.created_at,
                1 if schedule.active else 0,
                _ENCODER.encode(schedule),
            ),
        )

    @staticmethod
    def delete(conn: sqlite3.Connection, schedule_id: str) -> None:
        """Delete a schedule (inside a `Store.transaction`)."""
        conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))

    def page(self, env_id: str, page: int, size: int) -> tuple[list[ScheduleState], int]:
        """One page of an environment's schedules, newest first, and the total count."""
        with self.store.reading() as conn:
            total = conn.execute(
                "SELECT COUNT(*) FROM schedules WHERE env_id = ?", (env_id,)
            ).fetchone()[0]
            rows = conn.execute(
                "SELECT data FROM schedules WHERE env_id = ? "
                "ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
                (env_id, size, (page - 1) * size),
            ).fetchall()
        return [_DECODER.decode(row[0]) for row in rows], int(total)

    def active(self) -> list[ScheduleState]:
        """Every active schedule (for firing them)."""
        with self.store.reading() as conn:
            rows = conn.execute("SELECT data FROM schedules WHERE active = 1").fetchall()
        return [_DECODER.decode(row[0]) for row in rows]
