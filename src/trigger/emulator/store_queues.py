"""Queue queries beyond the store's own: an environment's queues, live counts, percentages.

Queues are few per environment, so a list page sorts them in memory (the API's pages are
offset pages by name); the counts use the store's partial indexes on queued and executing
runs.
"""

from __future__ import annotations

import sqlite3

from trigger.emulator.store import QueueRow, Store, register_tables

__all__ = ["QueueCounts", "counts", "env_queues", "get_percent", "set_percent"]

_DDL = """
CREATE TABLE IF NOT EXISTS queue_override_percents (
    env_id TEXT NOT NULL,
    name TEXT NOT NULL,
    percent REAL NOT NULL,
    PRIMARY KEY (env_id, name)
) WITHOUT ROWID;
"""

register_tables(_DDL, ("queue_override_percents",))

QueueCounts = tuple[int, int]
"""``(running, queued)``."""


def env_queues(store: Store, env_id: str) -> list[QueueRow]:
    """Every queue of an environment."""
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT env_id, name, id, type, concurrency_limit, override, overridden_at, paused "
            "FROM queues WHERE env_id = ?",
            (env_id,),
        ).fetchall()
    return [
        QueueRow(
            env_id=row[0],
            name=row[1],
            id=row[2],
            type=row[3],
            concurrency_limit=row[4],
            override=row[5],
            overridden_at=row[6],
            paused=bool(row[7]),
        )
        for row in rows
    ]


def counts(store: Store, env_id: str, name: str) -> QueueCounts:
    """Executing and queued runs of a queue (waiting runs hold no slot, so count as neither)."""
    with store.reading() as conn:
        running = conn.execute(
            "SELECT COUNT(*) FROM runs WHERE status = 'EXECUTING' AND env_id = ? AND queue = ?",
            (env_id, name),
        ).fetchone()[0]
        queued = conn.execute(
            "SELECT COUNT(*) FROM runs WHERE status = 'PENDING' AND env_id = ? AND queue = ?",
            (env_id, name),
        ).fetchone()[0]
    return int(running), int(queued)


def get_percent(store: Store, env_id: str, name: str) -> float | None:
    """The percentage a queue's override was given as, if it was."""
    with store.reading() as conn:
        row = conn.execute(
            "SELECT percent FROM queue_override_percents WHERE env_id = ? AND name = ?",
            (env_id, name),
        ).fetchone()
    return float(row[0]) if row else None


def set_percent(conn: sqlite3.Connection, env_id: str, name: str, percent: float | None) -> None:
    """Record (or with ``None`` forget) a percentage override (inside a transaction)."""
    if percent is None:
        conn.execute(
            "DELETE FROM queue_override_percents WHERE env_id = ? AND name = ?", (env_id, name)
        )
    else:
        conn.execute(
            "INSERT OR REPLACE INTO queue_override_percents (env_id, name, percent) "
            "VALUES (?, ?, ?)",
            (env_id, name, percent),
        )
