"""Stored packets in SQLite: the emulator's object storage for large payloads and outputs.

One row per object key (``<projectRef>/<env slug>/<path>``, as the server lays out its
bucket), with the content type it was uploaded with. A packet is written in the same
transaction as the run that refers to it.
"""

from __future__ import annotations

import sqlite3

from trigger.emulator.store import Store, register_tables

__all__ = ["PacketStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS packets (
    key TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
"""

register_tables(_DDL, ("packets",))


class PacketStore:
    """The packet table of a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def put(
        self, conn: sqlite3.Connection, key: str, content_type: str, data: bytes, now: int
    ) -> None:
        """Store (or replace) an object (inside a transaction)."""
        conn.execute(
            "INSERT OR REPLACE INTO packets (key, content_type, data, updated_at) "
            "VALUES (?, ?, ?, ?)",
            (key, content_type, data, now),
        )

    def get(self, key: str) -> tuple[str, bytes] | None:
        """``(content type, bytes)`` of an object, or ``None``."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT content_type, data FROM packets WHERE key = ?", (key,)
            ).fetchone()
        return (str(row[0]), bytes(row[1])) if row else None
