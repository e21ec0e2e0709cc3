"""Schedules in SQLite: one row per schedule, looked up by id, deduplication key or page,
and one registration per schedule (its next occurrence), found by fire time.

The deduplication key is unique per project (the emulator has one project), so it is a
unique column. Pages are the server's offset pages (``page``/``perPage``, newest first), read
through the ``(env_id, created_at, seq)`` index. Registrations live in a table of their own
(the server's worker jobs), indexed by ``fire_at``: the runtime asks for the soonest one at
every step, one index read.
"""

from __future__ import annotations

import sqlite3

import msgspec

from trigger.emulator.engine.schedules import Registration, ScheduleState
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
CREATE TABLE IF NOT EXISTS schedule_registrations (
    schedule_id TEXT PRIMARY KEY,
    fire_at INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS schedule_registrations_due
    ON schedule_registrations (fire_at, schedule_id);
"""

register_tables(_DDL, ["schedules", "schedule_registrations"])

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(ScheduleState)
_REGISTRATION = msgspec.json.Decoder(Registration)


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
        """Delete a schedule and its registration (inside a `Store.transaction`)."""
        conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
        conn.execute("DELETE FROM schedule_registrations WHERE schedule_id = ?", (schedule_id,))

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

    # -- registrations ----------------------------------------------------------------------

    @staticmethod
    def register(
        conn: sqlite3.Connection, schedule_id: str, registration: Registration | None
    ) -> None:
        """Store a schedule's next occurrence, or drop it for ``None`` (in a transaction)."""
        if registration is None:
            conn.execute("DELETE FROM schedule_registrations WHERE schedule_id = ?", (schedule_id,))
            return
        conn.execute(
            "INSERT INTO schedule_registrations (schedule_id, fire_at, data) VALUES (?, ?, ?) "
            "ON CONFLICT(schedule_id) DO UPDATE SET fire_at = excluded.fire_at, "
            "data = excluded.data",
            (schedule_id, registration.fire_at, _ENCODER.encode(registration)),
        )

    def next_fire_at(self) -> int | None:
        """The soonest fire time of any registration (one index read)."""
        with self.store.reading() as conn:
            row = conn.execute("SELECT MIN(fire_at) FROM schedule_registrations").fetchone()
        return row[0] if row and row[0] is not None else None

    def due(self, now: int, limit: int) -> list[tuple[ScheduleState, Registration]]:
        """Registrations due at ``now`` with their schedules, soonest first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT s.data, r.data FROM schedule_registrations r "
                "JOIN schedules s ON s.id = r.schedule_id WHERE r.fire_at <= ? "
                "ORDER BY r.fire_at, s.seq LIMIT ?",
                (now, limit),
            ).fetchall()
        return [(_DECODER.decode(row[0]), _REGISTRATION.decode(row[1])) for row in rows]

    def unregistered(self) -> list[ScheduleState]:
        """Schedules without a registration (stored by an emulator that did not fire them)."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT s.data FROM schedules s LEFT JOIN schedule_registrations r "
                "ON r.schedule_id = s.id WHERE r.schedule_id IS NULL"
            ).fetchall()
        return [_DECODER.decode(row[0]) for row in rows]

    def declarative(self, env_id: str, task: str) -> ScheduleState | None:
        """The ``DECLARATIVE`` schedule of a task in an environment, if any."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT data FROM schedules WHERE env_id = ? ORDER BY seq", (env_id,)
            ).fetchall()
        for row in rows:
            schedule = _DECODER.decode(row[0])
            if schedule.type == "DECLARATIVE" and schedule.task == task:
                return schedule
        return None
