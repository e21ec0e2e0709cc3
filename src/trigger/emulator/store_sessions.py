"""Sessions in SQLite: by id, by (environment, external id), and cursor pages by index."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import msgspec

from trigger.emulator.store import Store, decode_cursor, register_tables

__all__ = ["SessionRow", "SessionStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS sessions (
    seq INTEGER PRIMARY KEY,
    env_id TEXT NOT NULL,
    friendly_id TEXT NOT NULL UNIQUE,
    external_id TEXT,
    type TEXT NOT NULL,
    task TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_page ON sessions (env_id, created_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS sessions_external ON sessions (env_id, external_id)
    WHERE external_id IS NOT NULL;
"""

register_tables(_DDL, ["sessions"])


class SessionRow(msgspec.Struct, frozen=True, kw_only=True):
    """A stored session (times in Unix ms)."""

    id: str
    friendly_id: str
    env_id: str
    type: str
    task: str
    trigger_config: dict[str, Any]
    external_id: str | None = None
    current_run_id: str | None = None
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] | None = None
    closed_at: int | None = None
    closed_reason: str | None = None
    expires_at: int | None = None
    created_at: int = 0
    updated_at: int = 0


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(SessionRow)


class SessionStore:
    """The session queries over a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def find(self, env_id: str, key: str) -> SessionRow | None:
        """A session by ``session_…`` id, or by external id for any other value."""
        column = "friendly_id" if key.startswith("session_") else "external_id"
        with self.store.reading() as conn:
            row = conn.execute(
                f"SELECT data FROM sessions WHERE env_id = ? AND {column} = ?", (env_id, key)
            ).fetchone()
        return _DECODER.decode(row[0]) if row else None

    @staticmethod
    def put(conn: sqlite3.Connection, session: SessionRow) -> None:
        """Insert or replace a session (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT INTO sessions (env_id, friendly_id, external_id, type, task, created_at, "
            "data) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(friendly_id) DO UPDATE SET "
            "external_id = excluded.external_id, data = excluded.data",
            (
                session.env_id,
                session.friendly_id,
                session.external_id,
                session.type,
                session.task,
                session.created_at,
                _ENCODER.encode(session),
            ),
        )

    def page(
        self,
        env_id: str,
        *,
        cursor: str | None,
        backward: bool,
        types: Sequence[str] | None,
        tasks: Sequence[str] | None,
        external_id: str | None,
        created_from: int | None,
        created_to: int | None,
    ) -> list[tuple[SessionRow, int]]:
        """Every matching ``(row, seq)`` past the cursor, newest first (oldest first walking
        back); the route filters by tags and status and cuts the page."""
        where = ["env_id = ?"]
        args: list[Any] = [env_id]
        for column, values in (("type", types), ("task", tasks)):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        if external_id:
            where.append("external_id = ?")
            args.append(external_id)
        if created_from is not None:
            where.append("created_at >= ?")
            args.append(created_from)
        if created_to is not None:
            where.append("created_at <= ?")
            args.append(created_to)
        decoded = decode_cursor(cursor) if cursor else None
        if decoded is not None:
            where.append("(created_at, seq) > (?, ?)" if backward else "(created_at, seq) < (?, ?)")
            args.extend(decoded)
        order = "ASC" if backward else "DESC"
        with self.store.reading() as conn:
            rows = conn.execute(
                f"SELECT data, seq FROM sessions WHERE {' AND '.join(where)} "
                f"ORDER BY created_at {order}, seq {order}",
                args,
            ).fetchall()
        return [(_DECODER.decode(data), seq) for data, seq in rows]
