"""Realtime stream entries in SQLite, and the readers to wake when one is written.

One row per entry, keyed by ``(run, key, ms, seq)``: the Redis stream id of the entry
(`trigger.emulator.engine.streams`), so entries come back in the order they were written and
a reader resumes after any id it was given. Each stream keeps its newest
`~trigger.emulator.engine.streams.MAX_LENGTH` entries, as the server's ``MAXLEN`` does.

`StreamFeed` wakes the server-sent-event readers of a stream the moment an entry of it is
committed, from whatever thread wrote (a route, or a handler's ``ctx.stream``). No polling.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Protocol

from trigger.emulator.engine import streams as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.streams import EntryId
from trigger.emulator.store import PerStore, Store, register_tables

__all__ = ["Entry", "StreamFeed", "StreamStore", "Wakeable", "stream_feed"]

_DDL = """
CREATE TABLE IF NOT EXISTS stream_entries (
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    chunk_index INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, key, ms, seq)
) WITHOUT ROWID;
"""
register_tables(_DDL, ("stream_entries",))

Entry = tuple[EntryId, str]
"""A stored entry: its id and its line."""

_READ_COUNT = 100
"""Entries sent per read (``XREAD COUNT 100``)."""


class StreamStore:
    """The stream entries of a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        conn: sqlite3.Connection,
        run_id: str,
        key: str,
        lines: Sequence[str],
        now_ms: int,
        *,
        client_id: str = "",
        first_chunk: int = 0,
    ) -> list[EntryId]:
        """Append ``lines`` to a stream (inside a `Store.transaction`): their ids, in order.

        ``client_id`` and the chunk numbers from ``first_chunk`` are what the ingest
        endpoint records, so a writer can ask where to resume (`last_chunk_index`); appends
        record ``("", 0)``. Call `StreamFeed.notify` after the commit.
        """
        last = self._last(conn, run_id, key)
        ids: list[EntryId] = []
        for index, line in enumerate(lines):
            last = engine.next_id(last, now_ms)
            ids.append(last)
            conn.execute(
                "INSERT INTO stream_entries (run_id, key, ms, seq, client_id, chunk_index, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, key, last[0], last[1], client_id, first_chunk + index, line),
            )
        if ids:
            self._trim(conn, run_id, key)
        return ids

    def write(
        self,
        run: RunState,
        key: str,
        lines: Sequence[str],
        now_ms: int,
        *,
        register: bool,
        client_id: str = "",
        first_chunk: int = 0,
    ) -> list[EntryId]:
        """Append ``lines`` to a stream of ``run`` in one transaction, then wake its readers.

        ``register`` also lists ``key`` in the run's ``realtimeStreams`` (what creating a
        stream and appending to one do; ingesting does not).
        """
        with self.store.transaction() as conn:
            if register:
                current = self.store.get_run_by_id(run.id) or run
                updated = engine.with_stream(current, key, now_ms)
                if updated is not current:
                    self.store.update_run(conn, updated, current)
            ids = self.add(
                conn,
                run.friendly_id,
                key,
                lines,
                now_ms,
                client_id=client_id,
                first_chunk=first_chunk,
            )
        if ids:
            stream_feed(self.store).notify(run.friendly_id, key)
        return ids

    @staticmethod
    def _last(conn: sqlite3.Connection, run_id: str, key: str) -> EntryId | None:
        row = conn.execute(
            "SELECT ms, seq FROM stream_entries WHERE run_id = ? AND key = ? "
            "ORDER BY ms DESC, seq DESC LIMIT 1",
            (run_id, key),
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    @staticmethod
    def _trim(conn: sqlite3.Connection, run_id: str, key: str) -> None:
        row = conn.execute(
            "SELECT ms, seq FROM stream_entries WHERE run_id = ? AND key = ? "
            "ORDER BY ms DESC, seq DESC LIMIT 1 OFFSET ?",
            (run_id, key, engine.MAX_LENGTH),
        ).fetchone()
        if row is not None:
            conn.execute(
                "DELETE FROM stream_entries WHERE run_id = ? AND key = ? AND (ms, seq) <= (?, ?)",
                (run_id, key, row[0], row[1]),
            )

    def tail(self, run_id: str, key: str) -> EntryId | None:
        """The id of a stream's newest entry (``None`` when it has none)."""
        with self.store.reading() as conn:
            return self._last(conn, run_id, key)

    def read(self, run_id: str, key: str, cursor: EntryId) -> list[Entry]:
        """The next entries after ``cursor``, oldest first (at most 100)."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT ms, seq, data FROM stream_entries WHERE run_id = ? AND key = ? "
                "AND (ms, seq) > (?, ?) ORDER BY ms, seq LIMIT ?",
                (run_id, key, cursor[0], cursor[1], _READ_COUNT),
            ).fetchall()
        return [((int(ms), int(seq)), str(data)) for ms, seq, data in rows]

    def last_chunk_index(self, run_id: str, key: str, client_id: str) -> int:
        """The chunk number of the newest entry ``client_id`` ingested (-1: none)."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT chunk_index FROM stream_entries WHERE run_id = ? AND key = ? "
                "AND client_id = ? ORDER BY ms DESC, seq DESC LIMIT 1",
                (run_id, key, client_id),
            ).fetchone()
        return int(row[0]) if row else -1


class Wakeable(Protocol):
    """A connected reader: something to wake (the realtime routes' ``Waiter``)."""

    def wake(self) -> None:
        """Wake it (safe from any thread)."""
        ...


class StreamFeed:
    """The connected readers of one store's streams (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readers: dict[tuple[str, str], set[Wakeable]] = {}
        self.closed = False
        """Shutting down: every reader ends."""

    def add(self, run_id: str, key: str, reader: Wakeable) -> None:
        """Start waking ``reader`` for a stream (before it first reads: nothing slips by)."""
        with self._lock:
            self._readers.setdefault((run_id, key), set()).add(reader)
        if self.closed:
            reader.wake()

    def remove(self, run_id: str, key: str, reader: Wakeable) -> None:
        """Stop waking ``reader``."""
        with self._lock:
            readers = self._readers.get((run_id, key))
            if readers is not None:
                readers.discard(reader)
                if not readers:
                    del self._readers[(run_id, key)]

    def notify(self, run_id: str, key: str) -> None:
        """Wake every reader of a stream that was just written (after the commit)."""
        with self._lock:
            readers = list(self._readers.get((run_id, key), ()))
        for reader in readers:
            reader.wake()

    def reading(self, run_id: str | None = None, key: str | None = None) -> int:
        """How many readers are connected now (of one run's streams, or of one stream)."""
        with self._lock:
            return sum(
                len(readers)
                for (run, name), readers in self._readers.items()
                if (run_id is None or run == run_id) and (key is None or name == key)
            )

    def close(self) -> None:
        """End every reader now (the server is stopping)."""
        self.closed = True
        with self._lock:
            readers = [reader for group in self._readers.values() for reader in group]
        for reader in readers:
            reader.wake()


_FEEDS: PerStore[StreamFeed] = PerStore(lambda _: StreamFeed())


def stream_feed(store: Store) -> StreamFeed:
    """The stream feed of ``store``."""
    return _FEEDS.of(store)
