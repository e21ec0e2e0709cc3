"""The emulator's state in SQLite: one connection, one writer, committed before answering.

In memory by default; in a file with a path, in WAL mode, where everything (runs, keys, the
project) survives a restart. Every change runs in one ``BEGIN IMMEDIATE`` transaction under
the store's lock and is committed before the HTTP answer is sent, so an acknowledged write
survives the process being killed (``synchronous=NORMAL`` in WAL mode is durable against
process death; an operating-system crash could lose the last commits).

Hot paths are index lookups: a run by id, a run by (env, task, idempotency key), list pages
walking ``(env_id, created_at, seq)`` from a cursor (never ``OFFSET``), the due timers, and
the queued runs of a queue in dequeue order.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

import msgspec

from trigger.emulator.engine.runs import RunState, due_at

__all__ = [
    "ListQuery",
    "QueueRow",
    "Store",
    "decode_cursor",
    "encode_cursor",
    "register_tables",
]

_EXTRA_TABLES: list[tuple[str, tuple[str, ...]]] = []


def register_tables(ddl: str, tables: Sequence[str]) -> None:
    """Add an endpoint group's tables: created by every `Store`, emptied by `Store.reset`."""
    _EXTRA_TABLES.append((ddl, tuple(tables)))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    friendly_id TEXT NOT NULL UNIQUE,
    env_id TEXT NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL,
    queue TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    dequeue_key INTEGER,
    due_at INTEGER,
    idempotency_key TEXT,
    version TEXT,
    machine TEXT,
    region TEXT,
    batch_id TEXT,
    schedule_id TEXT,
    bulk_action_id TEXT,
    is_test INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_page ON runs (env_id, created_at, seq);
CREATE INDEX IF NOT EXISTS runs_due ON runs (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS runs_queued ON runs (env_id, queue, dequeue_key, seq)
    WHERE status = 'PENDING';
CREATE INDEX IF NOT EXISTS runs_running ON runs (env_id, queue) WHERE status = 'EXECUTING';
CREATE INDEX IF NOT EXISTS runs_status_task ON runs (status, task);
CREATE INDEX IF NOT EXISTS runs_idempotency ON runs (env_id, task, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS run_tags (
    run_seq INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (run_seq, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_tags_tag ON run_tags (tag, run_seq);
CREATE TABLE IF NOT EXISTS queues (
    env_id TEXT NOT NULL,
    name TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    concurrency_limit INTEGER,
    override INTEGER,
    overridden_at INTEGER,
    paused INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (env_id, name)
) WITHOUT ROWID;
"""

_ENCODER = msgspec.json.Encoder()
_RUN_DECODER = msgspec.json.Decoder(RunState)


def encode_cursor(created_at: int, seq: int, run_id: str) -> str:
    """An opaque page cursor for a row (base64url JSON, like the server's)."""
    raw = json.dumps({"c": created_at, "r": run_id, "s": seq}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[int, int] | None:
    """``(created_at, seq)`` of a cursor, or ``None`` when it is not one of ours."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    created, seq = data.get("c"), data.get("s")
    if not isinstance(created, int) or not isinstance(seq, int) or isinstance(created, bool):
        return None
    return created, seq


class ListQuery(msgspec.Struct, kw_only=True):
    """Filters of a run list, already validated (``None``: no filter)."""

    env_id: str
    statuses: list[str] | None = None
    tasks: list[str] | None = None
    versions: list[str] | None = None
    tags: list[str] | None = None
    bulk_action: str | None = None
    schedule: str | None = None
    is_test: bool | None = None
    created_from: int | None = None
    created_to: int | None = None
    batch: str | None = None
    queues: list[str] | None = None
    regions: list[str] | None = None
    machines: list[str] | None = None
    ids: list[str] | None = None
    """Internal run ids (an error group's runs)."""
    match_nothing: bool = False


class QueueRow(msgspec.Struct, kw_only=True):
    """A queue as stored."""

    env_id: str
    name: str
    id: str
    type: str
    concurrency_limit: int | None = None
    override: int | None = None
    overridden_at: int | None = None
    paused: bool = False


def _in(column: str, values: Sequence[Any], where: list[str], args: list[Any]) -> None:
    where.append(f"{column} IN ({','.join('?' * len(values))})")
    args.extend(values)


class _Checkpointer:
    """Copies the write-ahead log into the database file from a thread of its own.

    A passive checkpoint never blocks the writer; it runs every ``interval`` seconds and
    once more on `stop`.
    """

    def __init__(self, path: str, interval: float = 0.5) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="trigger-emulator-checkpoint", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stopping.wait(self._interval):
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:  # the database went away under us: nothing left to copy
            pass
        finally:
            self._conn.close()

    def stop(self) -> None:
        """Checkpoint once more, then close the thread's connection."""
        self._stopping.set()
        self._thread.join()


def _close(conn: sqlite3.Connection, checkpointer: _Checkpointer | None) -> None:
    if checkpointer is not None:
        checkpointer.stop()
    conn.close()


class Store:
    """SQLite-backed state. Thread-safe: every call holds the store's lock.

    Args:
        path: A database file (created if missing); ``None`` keeps everything in memory.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._depth = 0
        self.run_listeners: list[Callable[[list[RunState]], None]] = []
        """Called after each commit that wrote runs, with those runs (realtime waiters)."""
        self._written: list[RunState] = []
        self._conn = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None
        )
        self._checkpointer: _Checkpointer | None = None
        if path:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints (the only fsyncs in this mode) run on a thread of their own, so no
            # commit waits for the disk; a commit is still safe from a killed process.
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._conn.executescript(_SCHEMA)
        for ddl, _ in _EXTRA_TABLES:
            self._conn.executescript(ddl)
        if path:
            self._checkpointer = _Checkpointer(path)
        # An emulator built but never started or stopped still closes its database when it
        # is collected (Python 3.13 warns about a connection left open).
        self._closer = weakref.finalize(self, _close, self._conn, self._checkpointer)

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self._closer()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on exit (rolled back on an exception).

        A transaction opened inside another (same thread) is a savepoint of it, so a caller
        can make several writers' changes one atomic commit (a batch and all its runs).
        """
        with self.lock:
            depth = self._depth
            name = f"nested{depth}"
            self._conn.execute(f"SAVEPOINT {name}" if depth else "BEGIN IMMEDIATE")
            self._depth = depth + 1
            try:
                yield self._conn
            except BaseException:
                self._conn.execute(f"ROLLBACK TO {name}" if depth else "ROLLBACK")
                if depth:
                    self._conn.execute(f"RELEASE {name}")
                else:
                    self._written.clear()
                raise
            finally:
                self._depth = depth
            self._conn.execute(f"RELEASE {name}" if depth else "COMMIT")
            if not depth and self._written:
                written, self._written = self._written, []
                for listener in self.run_listeners:
                    listener(written)

    # -- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        """A stored JSON value, or ``None``."""
        with self.lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- runs -------------------------------------------------------------------------------

    @staticmethod
    def _columns(run: RunState) -> tuple[Any, ...]:
        dequeue_key = None
        if run.status == "PENDING":
            dequeue_key = (run.queued_at or run.created_at) - run.priority_ms
        return (
            run.env_id,
            run.task,
            run.status,
            run.queue,
            run.created_at,
            dequeue_key,
            due_at(run),
            run.idempotency_key,
            run.lock_to_version,
            run.machine,
            run.region,
            run.batch_id,
            run.schedule_id,
            run.bulk_action_id,
            1 if run.is_test else 0,
            _ENCODER.encode(run),
        )

    def insert_run(self, conn: sqlite3.Connection, run: RunState) -> None:
        """Add a run (inside a `transaction`)."""
        cursor = conn.execute(
            "INSERT INTO runs (id, friendly_id, env_id, task, status, queue, created_at, "
            "dequeue_key, due_at, idempotency_key, version, machine, region, batch_id, "
            "schedule_id, bulk_action_id, is_test, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run.id, run.friendly_id, *self._columns(run)),
        )
        self._written.append(run)
        seq = cursor.lastrowid
        if run.tags:
            conn.executemany(
                "INSERT OR IGNORE INTO run_tags (run_seq, tag) VALUES (?, ?)",
                [(seq, tag) for tag in run.tags],
            )

    def update_run(
        self, conn: sqlite3.Connection, run: RunState, old: RunState | None = None
    ) -> None:
        """Write a changed run (inside a `transaction`)."""
        conn.execute(
            "UPDATE runs SET env_id = ?, task = ?, status = ?, queue = ?, created_at = ?, "
            "dequeue_key = ?, due_at = ?, idempotency_key = ?, version = ?, machine = ?, "
            "region = ?, batch_id = ?, schedule_id = ?, bulk_action_id = ?, is_test = ?, "
            "data = ? WHERE id = ?",
            (*self._columns(run), run.id),
        )
        self._written.append(run)
        if old is None or old.tags != run.tags:
            row = conn.execute("SELECT seq FROM runs WHERE id = ?", (run.id,)).fetchone()
            if row:
                conn.execute("DELETE FROM run_tags WHERE run_seq = ?", (row[0],))
                conn.executemany(
                    "INSERT OR IGNORE INTO run_tags (run_seq, tag) VALUES (?, ?)",
                    [(row[0], tag) for tag in run.tags],
                )

    def _one(self, sql: str, args: Sequence[Any]) -> RunState | None:
        with self.lock:
            row = self._conn.execute(sql, args).fetchone()
        return _RUN_DECODER.decode(row[0]) if row else None

    def get_run(self, env_id: str, friendly_id: str) -> RunState | None:
        """A run of an environment by its ``run_…`` id."""
        return self._one(
            "SELECT data FROM runs WHERE friendly_id = ? AND env_id = ?", (friendly_id, env_id)
        )

    def get_run_by_id(self, run_id: str) -> RunState | None:
        """A run by its internal id, whatever its environment."""
        return self._one("SELECT data FROM runs WHERE id = ?", (run_id,))

    def find_idempotent(self, env_id: str, task: str, key: str) -> RunState | None:
        """The run holding a task idempotency key in an environment."""
        return self._one(
            "SELECT data FROM runs WHERE env_id = ? AND task = ? AND idempotency_key = ?",
            (env_id, task, key),
        )

    def runs_with_key(self, env_id: str, key: str, task: str) -> list[RunState]:
        """Every run holding ``key`` for ``task`` in an environment."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT data FROM runs WHERE env_id = ? AND task = ? AND idempotency_key = ?",
                (env_id, task, key),
            ).fetchall()
        return [_RUN_DECODER.decode(row[0]) for row in rows]

    def list_runs(
        self, query: ListQuery, *, size: int, cursor: str | None, backward: bool
    ) -> tuple[list[tuple[RunState, int]], bool]:
        """A page of runs: ``([(run, seq)], has_more)``.

        Forward pages walk newest first from the cursor; backward pages walk oldest first
        (as the server returns them).
        """
        if query.match_nothing:
            return [], False
        where = ["env_id = ?"]
        args: list[Any] = [query.env_id]
        if query.created_from is not None:
            where.append("created_at >= ?")
            args.append(query.created_from)
        if query.created_to is not None:
            where.append("created_at <= ?")
            args.append(query.created_to)
        for column, values in (
            ("status", query.statuses),
            ("task", query.tasks),
            ("version", query.versions),
            ("queue", query.queues),
            ("region", query.regions),
            ("machine", query.machines),
            ("id", query.ids),
        ):
            if values:
                _in(column, values, where, args)
        for column, value in (
            ("bulk_action_id", query.bulk_action),
            ("schedule_id", query.schedule),
            ("batch_id", query.batch),
        ):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if query.is_test is not None:
            where.append("is_test = ?")
            args.append(1 if query.is_test else 0)
        if query.tags:
            placeholders = ",".join("?" * len(query.tags))
            where.append(
                f"EXISTS (SELECT 1 FROM run_tags t WHERE t.run_seq = runs.seq "
                f"AND t.tag IN ({placeholders}))"
            )
            args.extend(query.tags)
        decoded = decode_cursor(cursor) if cursor else None
        if cursor and decoded is None and backward:
            return [], False
        if decoded is not None:
            where.append("(created_at, seq) > (?, ?)" if backward else "(created_at, seq) < (?, ?)")
            args.extend(decoded)
        order = "ASC" if backward else "DESC"
        sql = (
            f"SELECT data, seq FROM runs WHERE {' AND '.join(where)} "
            f"ORDER BY created_at {order}, seq {order} LIMIT ?"
        )
        args.append(size + 1)
        with self.lock:
            rows = self._conn.execute(sql, args).fetchall()
        runs = [(_RUN_DECODER.decode(data), seq) for data, seq in rows]
        return runs[:size], len(runs) > size

    def due_runs(self, now: int, limit: int = 500) -> list[RunState]:
        """Runs whose timer is due at ``now``, soonest first."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT data FROM runs WHERE due_at IS NOT NULL AND due_at <= ? "
                "ORDER BY due_at LIMIT ?",
                (now, limit),
            ).fetchall()
        return [_RUN_DECODER.decode(row[0]) for row in rows]

    def next_due(self) -> int | None:
        """The soonest timer of any run."""
        with self.lock:
            row = self._conn.execute(
                "SELECT MIN(due_at) FROM runs WHERE due_at IS NOT NULL"
            ).fetchone()
        return row[0] if row and row[0] is not None else None

    def queued_queues(self) -> list[tuple[str, str]]:
        """``(env_id, queue)`` of every queue holding at least one queued run."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT DISTINCT env_id, queue FROM runs WHERE status = 'PENDING'"
            ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def queued_runs(self, env_id: str, queue: str, limit: int) -> list[RunState]:
        """The queued runs of a queue in dequeue order (priority, then queue time)."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT data FROM runs WHERE status = 'PENDING' AND env_id = ? AND queue = ? "
                "ORDER BY dequeue_key, seq LIMIT ?",
                (env_id, queue, limit),
            ).fetchall()
        return [_RUN_DECODER.decode(row[0]) for row in rows]

    def executing_counts(self) -> dict[tuple[str, str], int]:
        """Executing runs per ``(env_id, queue)``."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT env_id, queue, COUNT(*) FROM runs WHERE status = 'EXECUTING' "
                "GROUP BY env_id, queue"
            ).fetchall()
        return {(row[0], row[1]): row[2] for row in rows}

    def runs_in_status(self, status: str, task: str | None = None) -> list[RunState]:
        """Runs in a stored status (optionally of one task)."""
        sql = "SELECT data FROM runs WHERE status = ?"
        args: list[Any] = [status]
        if task is not None:
            sql += " AND task = ?"
            args.append(task)
        with self.lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [_RUN_DECODER.decode(row[0]) for row in rows]

    # -- queues -----------------------------------------------------------------------------

    def get_queue(self, env_id: str, name: str) -> QueueRow | None:
        """A stored queue by internal name (``task/<id>`` or a custom name)."""
        with self.lock:
            row = self._conn.execute(
                "SELECT env_id, name, id, type, concurrency_limit, override, overridden_at, "
                "paused FROM queues WHERE env_id = ? AND name = ?",
                (env_id, name),
            ).fetchone()
        if row is None:
            return None
        return QueueRow(
            env_id=row[0],
            name=row[1],
            id=row[2],
            type=row[3],
            concurrency_limit=row[4],
            override=row[5],
            overridden_at=row[6],
            paused=bool(row[7]),
        )

    def put_queue(self, conn: sqlite3.Connection, queue: QueueRow) -> None:
        """Insert or replace a queue (inside a `transaction`)."""
        conn.execute(
            "INSERT OR REPLACE INTO queues (env_id, name, id, type, concurrency_limit, override, "
            "overridden_at, paused) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                queue.env_id,
                queue.name,
                queue.id,
                queue.type,
                queue.concurrency_limit,
                queue.override,
                queue.overridden_at,
                1 if queue.paused else 0,
            ),
        )

    # -- reset ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every run and queue (the project and its keys stay)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM runs")
            conn.execute("DELETE FROM run_tags")
            conn.execute("DELETE FROM queues")
            for _, tables in _EXTRA_TABLES:
                for table in tables:
                    conn.execute(f"DELETE FROM {table}")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection under the store's lock, for other modules' read-only queries."""
        with self.lock:
            yield self._conn


_T = TypeVar("_T")


class PerStore(Generic[_T]):
    """One object per `Store`, made on first use and dropped with the store.

    For the in-memory companions of a store (the feeds that wake waiting readers), which
    live beside it rather than in it so the store knows nothing of HTTP waiters.
    """

    def __init__(self, make: Callable[[Store], _T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[Store, _T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, store: Store) -> _T:
        """The object of ``store`` (made now if it is the first call)."""
        with self._lock:
            made = self._made.get(store)
            if made is None:
                made = self._made[store] = self._make(store)
            return made
