"""Batches in SQLite: the batch records, the streamed items waiting to become runs.

A batch is a row with its indexed columns and the whole `BatchState` as JSON. The v3 item
stream lands in ``batch_items`` (one row per index, so a re-sent index is a no-op) until the
runtime turns the items into runs; each chunk of runs and the marks on its items commit
together, so a restart neither loses nor repeats an item. Hot paths are index lookups: a
batch by id, by (env, idempotency key), the batches the runtime still has work for
(``open``), and the unfinished runs of the batches waiting on them
(``runs (batch_id, status)``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import msgspec

from trigger.emulator.engine.batches import BatchState, awaits_runs
from trigger.emulator.engine.statuses import FINAL
from trigger.emulator.store import Store, register_tables

__all__ = ["BatchStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    friendly_id TEXT NOT NULL UNIQUE,
    env_id TEXT NOT NULL,
    status TEXT NOT NULL,
    idempotency_key TEXT,
    open INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS batches_idempotency ON batches (env_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS batches_open ON batches (open, seq) WHERE open != 0;
CREATE TABLE IF NOT EXISTS batch_items (
    batch_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    item TEXT NOT NULL,
    run_id TEXT,
    PRIMARY KEY (batch_id, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_batch ON runs (batch_id, status) WHERE batch_id IS NOT NULL;
"""

register_tables(_DDL, ("batches", "batch_items"))

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(BatchState)
_FINAL = tuple(sorted(FINAL))
_PROCESSING, _AWAITING_RUNS = 1, 2


def _open(batch: BatchState) -> int:
    """What the runtime still has to do for the batch: process its items, or watch its runs."""
    if batch.status == "PROCESSING":
        return _PROCESSING
    return _AWAITING_RUNS if awaits_runs(batch) else 0


class BatchStore:
    """The batch tables of a `Store` (reads under its lock, writes inside its transactions)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- batches ----------------------------------------------------------------------------

    def insert(self, conn: sqlite3.Connection, batch: BatchState) -> None:
        """Add a batch (inside a transaction).

        Raises:
            sqlite3.IntegrityError: Its idempotency key is taken in its environment.
        """
        conn.execute(
            "INSERT INTO batches (id, friendly_id, env_id, status, idempotency_key, open, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                batch.id,
                batch.friendly_id,
                batch.env_id,
                batch.status,
                batch.idempotency_key,
                _open(batch),
                _ENCODER.encode(batch),
            ),
        )

    def update(self, conn: sqlite3.Connection, batch: BatchState) -> None:
        """Write a changed batch (inside a transaction)."""
        conn.execute(
            "UPDATE batches SET status = ?, idempotency_key = ?, open = ?, data = ? WHERE id = ?",
            (
                batch.status,
                batch.idempotency_key,
                _open(batch),
                _ENCODER.encode(batch),
                batch.id,
            ),
        )

    def _one(self, sql: str, args: Sequence[object]) -> BatchState | None:
        with self.store.reading() as conn:
            row = conn.execute(sql, args).fetchone()
        return _DECODER.decode(row[0]) if row else None

    def _many(self, sql: str, args: Sequence[object]) -> list[BatchState]:
        with self.store.reading() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [_DECODER.decode(row[0]) for row in rows]

    def get(self, env_id: str, friendly_id: str) -> BatchState | None:
        """A batch of an environment by its ``batch_…`` id."""
        return self._one(
            "SELECT data FROM batches WHERE friendly_id = ? AND env_id = ?", (friendly_id, env_id)
        )

    def get_by_id(self, batch_id: str) -> BatchState | None:
        """A batch by its internal id."""
        return self._one("SELECT data FROM batches WHERE id = ?", (batch_id,))

    def find_by_key(self, env_id: str, key: str) -> BatchState | None:
        """The batch holding an idempotency key in an environment."""
        return self._one(
            "SELECT data FROM batches WHERE env_id = ? AND idempotency_key = ?", (env_id, key)
        )

    def actionable(self, limit: int = 100) -> list[BatchState]:
        """Batches the runtime has work for now, in one query: first those waiting on their
        runs whose runs are all final (to complete), then those with items to process.

        The ``batches_open`` index finds the open batches (``open != 0`` is its condition)
        and ``runs (batch_id, status)`` answers each waiting batch's check.
        """
        placeholders = ",".join("?" * len(_FINAL))
        return self._many(
            "SELECT data FROM batches b WHERE b.open != 0 AND (b.open = ? OR NOT EXISTS "
            "(SELECT 1 FROM runs r WHERE r.batch_id = b.friendly_id "
            f"AND r.status NOT IN ({placeholders}))) ORDER BY b.open DESC, b.seq LIMIT ?",
            (_PROCESSING, *_FINAL, limit),
        )

    # -- streamed items ---------------------------------------------------------------------

    def add_item(self, conn: sqlite3.Connection, batch_id: str, index: int, item: str) -> bool:
        """Keep a streamed item (inside a transaction); ``False`` when its index was there."""
        cursor = conn.execute(
            "INSERT OR IGNORE INTO batch_items (batch_id, idx, item) VALUES (?, ?, ?)",
            (batch_id, index, item),
        )
        return cursor.rowcount == 1

    def item_count(self, batch_id: str) -> int:
        """How many distinct indexes of a batch arrived."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM batch_items WHERE batch_id = ?", (batch_id,)
            ).fetchone()
        return int(row[0])

    def unprocessed_items(self, batch_id: str, limit: int) -> list[tuple[int, str]]:
        """``(index, item JSON)`` of items with no run yet, in index order."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT idx, item FROM batch_items WHERE batch_id = ? AND run_id IS NULL "
                "ORDER BY idx LIMIT ?",
                (batch_id, limit),
            ).fetchall()
        return [(int(row[0]), str(row[1])) for row in rows]

    def set_item_run(self, conn: sqlite3.Connection, batch_id: str, index: int, run: str) -> None:
        """Record the run an item became (inside a transaction)."""
        conn.execute(
            "UPDATE batch_items SET run_id = ? WHERE batch_id = ? AND idx = ?",
            (run, batch_id, index),
        )

    def item_runs(self, batch_id: str) -> list[str]:
        """The runs the items became, in index order."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT run_id FROM batch_items WHERE batch_id = ? AND run_id IS NOT NULL "
                "ORDER BY idx",
                (batch_id,),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def delete_items(self, conn: sqlite3.Connection, batch_id: str) -> None:
        """Forget a processed batch's items (inside a transaction)."""
        conn.execute("DELETE FROM batch_items WHERE batch_id = ?", (batch_id,))
