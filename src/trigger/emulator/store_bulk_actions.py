"""Bulk actions in SQLite: one row per action, its whole `BulkActionState` as JSON.

Hot paths are index lookups: an action by id; list pages walking ``(env_id, created_at,
seq)`` from a cursor (never ``OFFSET``); the pending actions the runtime works on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import msgspec

from trigger.emulator.engine.bulk_actions import BulkActionState
from trigger.emulator.store import Store, register_tables

__all__ = ["BulkActionStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS bulk_actions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    friendly_id TEXT NOT NULL UNIQUE,
    env_id TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS bulk_actions_page ON bulk_actions (env_id, created_at, id);
CREATE INDEX IF NOT EXISTS bulk_actions_pending ON bulk_actions (env_id, type, updated_at)
    WHERE status = 'PENDING';
"""

register_tables(_DDL, ("bulk_actions",))

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(BulkActionState)


class BulkActionStore:
    """The bulk-action table of a `Store` (reads under its lock, writes in transactions)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def insert(self, conn: sqlite3.Connection, action: BulkActionState) -> None:
        """Add a bulk action (inside a transaction)."""
        conn.execute(
            "INSERT INTO bulk_actions (id, friendly_id, env_id, type, status, created_at, "
            "updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                action.id,
                action.friendly_id,
                action.env_id,
                action.type,
                action.status,
                action.created_at,
                action.updated_at,
                _ENCODER.encode(action),
            ),
        )

    def update(self, conn: sqlite3.Connection, action: BulkActionState) -> None:
        """Write a changed bulk action (inside a transaction)."""
        conn.execute(
            "UPDATE bulk_actions SET status = ?, updated_at = ?, data = ? WHERE id = ?",
            (action.status, action.updated_at, _ENCODER.encode(action), action.id),
        )

    def _many(self, sql: str, args: Sequence[object]) -> list[BulkActionState]:
        with self.store.reading() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [_DECODER.decode(row[0]) for row in rows]

    def get(self, env_id: str, friendly_id: str) -> BulkActionState | None:
        """A bulk action of an environment by its ``bulk_…`` id."""
        found = self._many(
            "SELECT data FROM bulk_actions WHERE friendly_id = ? AND env_id = ?",
            (friendly_id, env_id),
        )
        return found[0] if found else None

    def get_by_id(self, action_id: str) -> BulkActionState | None:
        """A bulk action by its internal id."""
        found = self._many("SELECT data FROM bulk_actions WHERE id = ?", (action_id,))
        return found[0] if found else None

    def pending(self) -> list[BulkActionState]:
        """Every pending bulk action (the runtime's work)."""
        # Without the hint SQLite scans the whole table (finished actions too) at every step;
        # the partial index holds only the pending ones.
        return self._many(
            "SELECT data FROM bulk_actions INDEXED BY bulk_actions_pending "
            "WHERE status = 'PENDING' ORDER BY seq",
            (),
        )

    def count_live_replays(self, env_id: str, since: int) -> int:
        """Pending replays of an environment that made progress at or after ``since``."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM bulk_actions WHERE status = 'PENDING' AND env_id = ? "
                "AND type = 'REPLAY' AND updated_at >= ?",
                (env_id, since),
            ).fetchone()
        return int(row[0])

    def page(
        self, env_id: str, size: int, cursor: tuple[int, str] | None, backward: bool
    ) -> tuple[list[BulkActionState], bool]:
        """A page newest first (``backward``: oldest first from the cursor) and whether
        more rows follow, by ``(created_at, id)`` as the server orders them."""
        where = "env_id = ?"
        args: list[object] = [env_id]
        if cursor is not None:
            where += (
                " AND (created_at, id) > (?, ?)" if backward else " AND (created_at, id) < (?, ?)"
            )
            args.extend(cursor)
        order = "ASC" if backward else "DESC"
        args.append(size + 1)
        rows = self._many(
            f"SELECT data FROM bulk_actions WHERE {where} "
            f"ORDER BY created_at {order}, id {order} LIMIT ?",
            args,
        )
        return rows[:size], len(rows) > size
