"""Waitpoints in SQLite: the tokens, their tags, and which runs wait on which waitpoint.

Hot paths are index lookups: a waitpoint by id or by (env, idempotency key), list pages
walking ``(env_id, type, seq)`` newest first from a cursor (the internal id of a row, as the
server's cursors are), the due timers, and the runs blocked on a waitpoint.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import msgspec

from trigger.emulator.engine.waitpoints import WaitpointState
from trigger.emulator.store import Store, register_tables

__all__ = ["RunWait", "TokenQuery", "WaitpointTable"]

_DDL = """
CREATE TABLE IF NOT EXISTS waitpoints (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    env_id TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    inactive_idempotency_key TEXT,
    output_is_error INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    fire_at INTEGER,
    data BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS waitpoints_key ON waitpoints (env_id, idempotency_key);
CREATE INDEX IF NOT EXISTS waitpoints_page ON waitpoints (env_id, type, seq);
CREATE INDEX IF NOT EXISTS waitpoints_inactive ON waitpoints (env_id, inactive_idempotency_key)
    WHERE inactive_idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS waitpoints_due ON waitpoints (fire_at)
    WHERE status = 'PENDING' AND fire_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS waitpoint_tags (
    waitpoint_seq INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (waitpoint_seq, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS waitpoint_tags_tag ON waitpoint_tags (tag, waitpoint_seq);
CREATE TABLE IF NOT EXISTS run_waits (
    waitpoint_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    blocked_at INTEGER NOT NULL,
    deadline_left_ms INTEGER,
    PRIMARY KEY (waitpoint_id, run_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_waits_run ON run_waits (run_id);
"""

register_tables(_DDL, ("waitpoints", "waitpoint_tags", "run_waits"))

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(WaitpointState)


class TokenQuery(msgspec.Struct, kw_only=True):
    """Filters of a token list, already validated (``None``: no filter)."""

    env_id: str
    statuses: list[str] | None = None
    """Stored statuses (``PENDING``, ``COMPLETED``)."""
    output_is_error: bool | None = None
    idempotency_key: str | None = None
    tags: list[str] | None = None
    created_from: int | None = None
    created_to: int | None = None


class RunWait(msgspec.Struct, frozen=True, kw_only=True):
    """A run blocked on a waitpoint."""

    waitpoint_id: str
    run_id: str
    blocked_at: int
    deadline_left_ms: int | None = None


def _columns(waitpoint: WaitpointState) -> tuple[Any, ...]:
    return (
        waitpoint.env_id,
        waitpoint.type,
        waitpoint.status,
        waitpoint.idempotency_key,
        waitpoint.inactive_idempotency_key,
        1 if waitpoint.output_is_error else 0,
        waitpoint.created_at,
        waitpoint.fire_at if waitpoint.is_pending else None,
        _ENCODER.encode(waitpoint),
    )


class WaitpointTable:
    """Queries over the store's connection (writes inside `Store.transaction`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writes -----------------------------------------------------------------------------

    def insert(self, conn: sqlite3.Connection, waitpoint: WaitpointState) -> None:
        """Add a waitpoint and its tags."""
        cursor = conn.execute(
            "INSERT INTO waitpoints (id, env_id, type, status, idempotency_key, "
            "inactive_idempotency_key, output_is_error, created_at, fire_at, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (waitpoint.id, *_columns(waitpoint)),
        )
        if waitpoint.tags:
            conn.executemany(
                "INSERT OR IGNORE INTO waitpoint_tags (waitpoint_seq, tag) VALUES (?, ?)",
                [(cursor.lastrowid, tag) for tag in waitpoint.tags],
            )

    def update(self, conn: sqlite3.Connection, waitpoint: WaitpointState) -> None:
        """Write a changed waitpoint (its tags never change)."""
        conn.execute(
            "UPDATE waitpoints SET env_id = ?, type = ?, status = ?, idempotency_key = ?, "
            "inactive_idempotency_key = ?, output_is_error = ?, created_at = ?, fire_at = ?, "
            "data = ? WHERE id = ?",
            (*_columns(waitpoint), waitpoint.id),
        )

    def add_wait(self, conn: sqlite3.Connection, wait: RunWait) -> None:
        """Record that a run waits on a waitpoint."""
        conn.execute(
            "INSERT OR REPLACE INTO run_waits (waitpoint_id, run_id, blocked_at, "
            "deadline_left_ms) VALUES (?, ?, ?, ?)",
            (wait.waitpoint_id, wait.run_id, wait.blocked_at, wait.deadline_left_ms),
        )

    def remove_wait(self, conn: sqlite3.Connection, waitpoint_id: str, run_id: str) -> None:
        """Forget one wait."""
        conn.execute(
            "DELETE FROM run_waits WHERE waitpoint_id = ? AND run_id = ?", (waitpoint_id, run_id)
        )

    def remove_all_waits(self, conn: sqlite3.Connection) -> None:
        """Forget every wait (after a restart no handler is waiting)."""
        conn.execute("DELETE FROM run_waits")

    # -- reads ------------------------------------------------------------------------------

    def _one(self, sql: str, args: Sequence[Any]) -> WaitpointState | None:
        with self.store.reading() as conn:
            row = conn.execute(sql, args).fetchone()
        return _DECODER.decode(row[0]) if row else None

    def get(self, waitpoint_id: str, env_id: str | None = None) -> WaitpointState | None:
        """A waitpoint by internal id (of one environment when ``env_id`` is given)."""
        if env_id is None:
            return self._one("SELECT data FROM waitpoints WHERE id = ?", (waitpoint_id,))
        return self._one(
            "SELECT data FROM waitpoints WHERE id = ? AND env_id = ?", (waitpoint_id, env_id)
        )

    def by_key(self, env_id: str, key: str) -> WaitpointState | None:
        """The waitpoint holding an idempotency key in an environment."""
        return self._one(
            "SELECT data FROM waitpoints WHERE env_id = ? AND idempotency_key = ?", (env_id, key)
        )

    def waits_on(self, waitpoint_id: str) -> list[RunWait]:
        """The runs blocked on a waitpoint."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT run_id, blocked_at, deadline_left_ms FROM run_waits WHERE waitpoint_id = ?",
                (waitpoint_id,),
            ).fetchall()
        return [
            RunWait(waitpoint_id=waitpoint_id, run_id=r[0], blocked_at=r[1], deadline_left_ms=r[2])
            for r in rows
        ]

    def waits_of(self, run_id: str) -> list[RunWait]:
        """What a run waits on."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT waitpoint_id, blocked_at, deadline_left_ms FROM run_waits "
                "WHERE run_id = ? ORDER BY blocked_at",
                (run_id,),
            ).fetchall()
        return [
            RunWait(waitpoint_id=r[0], run_id=run_id, blocked_at=r[1], deadline_left_ms=r[2])
            for r in rows
        ]

    def due(self, now: int, limit: int = 500) -> list[WaitpointState]:
        """Pending waitpoints whose timer is due at ``now``, soonest first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT data FROM waitpoints WHERE status = 'PENDING' AND fire_at IS NOT NULL "
                "AND fire_at <= ? ORDER BY fire_at LIMIT ?",
                (now, limit),
            ).fetchall()
        return [_DECODER.decode(row[0]) for row in rows]

    def next_due(self) -> int | None:
        """The soonest timer of any pending waitpoint."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT MIN(fire_at) FROM waitpoints WHERE status = 'PENDING' "
                "AND fire_at IS NOT NULL"
            ).fetchone()
        return row[0] if row and row[0] is not None else None

    def page(
        self, query: TokenQuery, *, size: int, cursor: str | None, backward: bool
    ) -> list[WaitpointState]:
        """Up to ``size + 1`` tokens from the cursor: newest first, or oldest first backward.

        A cursor is a token's internal id; one that names no token gives an empty page.
        """
        where = ["env_id = ?", "type = 'MANUAL'"]
        args: list[Any] = [query.env_id]
        with self.store.reading() as conn:
            if cursor:
                row = conn.execute(
                    "SELECT seq FROM waitpoints WHERE id = ? AND env_id = ?",
                    (cursor, query.env_id),
                ).fetchone()
                if row is None:
                    return []
                where.append("seq > ?" if backward else "seq < ?")
                args.append(row[0])
            if query.statuses:
                where.append(f"status IN ({','.join('?' * len(query.statuses))})")
                args.extend(query.statuses)
            if query.output_is_error is not None:
                where.append("output_is_error = ?")
                args.append(1 if query.output_is_error else 0)
            if query.idempotency_key:
                where.append("(idempotency_key = ? OR inactive_idempotency_key = ?)")
                args.extend((query.idempotency_key, query.idempotency_key))
            if query.created_from is not None:
                where.append("created_at >= ?")
                args.append(query.created_from)
            if query.created_to is not None:
                where.append("created_at <= ?")
                args.append(query.created_to)
            if query.tags:
                where.append(
                    "EXISTS (SELECT 1 FROM waitpoint_tags t WHERE t.waitpoint_seq = "
                    f"waitpoints.seq AND t.tag IN ({','.join('?' * len(query.tags))}))"
                )
                args.extend(query.tags)
            order = "ASC" if backward else "DESC"
            args.append(size + 1)
            rows = conn.execute(
                f"SELECT data FROM waitpoints WHERE {' AND '.join(where)} "
                f"ORDER BY seq {order} LIMIT ?",
                args,
            ).fetchall()
        return [_DECODER.decode(row[0]) for row in rows]
