"""The change feed behind realtime shapes: a change number per run, and waiters to wake.

Every write of a run bumps one counter and stamps the run with it (``realtime_runs``), kept
by SQLite triggers in the write's own transaction, so the numbers survive a restart of an
emulator on a file and never go backwards (a reset keeps the counter). A live request asks
for the runs whose change number is above the one its offset carries.

`ChangeFeed` wakes the long polls waiting on a store: the store calls it after each commit
that wrote runs (``Store.run_listeners``), and it wakes exactly the waiters whose filter a
written run matches, on their own event loop, from whatever thread wrote. No polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from trigger.emulator.engine.runs import RunState
from trigger.emulator.store import PerStore, Store, register_tables

__all__ = ["ChangeFeed", "RealtimeRow", "RealtimeStore", "Waiter", "feed_of"]

_DDL = """
CREATE TABLE IF NOT EXISTS realtime_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO realtime_clock (id, seq) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS realtime_runs (
    run_seq INTEGER PRIMARY KEY,
    created_seq INTEGER NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS realtime_runs_change ON realtime_runs (change_seq);
CREATE TRIGGER IF NOT EXISTS realtime_run_inserted AFTER INSERT ON runs BEGIN
    UPDATE realtime_clock SET seq = seq + 1 WHERE id = 1;
    INSERT OR REPLACE INTO realtime_runs (run_seq, created_seq, change_seq)
        SELECT NEW.seq, seq, seq FROM realtime_clock WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS realtime_run_updated AFTER UPDATE OF data ON runs
WHEN OLD.data IS NOT NEW.data BEGIN
    UPDATE realtime_clock SET seq = seq + 1 WHERE id = 1;
    INSERT INTO realtime_runs (run_seq, created_seq, change_seq)
        SELECT NEW.seq, 0, seq FROM realtime_clock WHERE id = 1
        ON CONFLICT (run_seq) DO UPDATE SET change_seq = excluded.change_seq;
END;
"""
# The counter is not in the tables a reset empties: offsets handed out before a reset stay
# below every change after it.
register_tables(_DDL, ("realtime_runs",))

_DECODER = msgspec.json.Decoder(RunState)
_LIMIT = 1000


class RealtimeRow(msgspec.Struct, frozen=True):
    """A run with its change numbers: of its creation and of its latest write."""

    run: RunState
    created_seq: int
    change_seq: int


class RealtimeStore:
    """The realtime reads of a `Store` (each one consistent with the counter it returns)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def clock(self) -> int:
        """The change counter now."""
        with self.store.reading() as conn:
            (clock,) = conn.execute("SELECT seq FROM realtime_clock WHERE id = 1").fetchone()
        return int(clock)

    def _read(self, sql: str, args: Sequence[Any]) -> tuple[int, list[RealtimeRow]]:
        with self.store.reading() as conn:
            (clock,) = conn.execute("SELECT seq FROM realtime_clock WHERE id = 1").fetchone()
            rows = conn.execute(sql, args).fetchall()
        return clock, [RealtimeRow(_DECODER.decode(data), c, s) for data, c, s in rows]

    def run(self, env_id: str, friendly_id: str, since: int = -1) -> tuple[int, list[RealtimeRow]]:
        """``(counter, [the run])`` if it changed after ``since``, else ``(counter, [])``."""
        return self._read(
            "SELECT r.data, COALESCE(x.created_seq, 0), COALESCE(x.change_seq, 0) FROM runs r "
            "LEFT JOIN realtime_runs x ON x.run_seq = r.seq "
            "WHERE r.friendly_id = ? AND r.env_id = ? AND COALESCE(x.change_seq, 0) > ?",
            (friendly_id, env_id, since),
        )

    def tagged(
        self, env_id: str, tags: Sequence[str], created_after: int, since: int = -1
    ) -> tuple[int, list[RealtimeRow]]:
        """Runs of an environment having every tag, created after ``created_after`` (Unix
        ms): the newest 1,000 (``since`` -1), or those changed after ``since``."""
        where = "r.env_id = ? AND r.created_at > ?"
        args: list[Any] = [env_id, created_after]
        wanted = list(dict.fromkeys(tags))
        if wanted:
            where += (
                " AND (SELECT COUNT(*) FROM run_tags t WHERE t.run_seq = r.seq AND t.tag IN "
                f"({','.join('?' * len(wanted))})) = ?"
            )
            args += [*wanted, len(wanted)]
        return self._set(where, args, since)

    def batch(self, env_id: str, batch_id: str, since: int = -1) -> tuple[int, list[RealtimeRow]]:
        """Runs of a batch (``batch_…``): all (``since`` -1), or those changed after ``since``."""
        return self._set("r.env_id = ? AND r.batch_id = ?", [env_id, batch_id], since)

    def _set(self, where: str, args: list[Any], since: int) -> tuple[int, list[RealtimeRow]]:
        columns = "r.data, COALESCE(x.created_seq, 0), COALESCE(x.change_seq, 0)"
        if since < 0:
            # The snapshot: the newest runs, sent oldest first.
            clock, rows = self._read(
                f"SELECT {columns} FROM runs r LEFT JOIN realtime_runs x ON x.run_seq = r.seq "
                f"WHERE {where} ORDER BY r.created_at DESC, r.seq DESC LIMIT {_LIMIT}",
                args,
            )
            return clock, rows[::-1]
        # Changes walk the change index from the caller's offset, in the order they happened.
        return self._read(
            f"SELECT {columns} FROM realtime_runs x JOIN runs r ON r.seq = x.run_seq "
            f"WHERE x.change_seq > ? AND {where} ORDER BY x.change_seq LIMIT {_LIMIT}",
            [since, *args],
        )


class Waiter:
    """One held long poll: woken when a written run passes its filter (or on shutdown)."""

    def __init__(self, matches: Callable[[RunState], bool]) -> None:
        self.matches = matches
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def wake(self) -> None:
        """Set the event on the waiter's loop (safe from any thread)."""
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            self.loop.call_soon_threadsafe(self.event.set)


class ChangeFeed:
    """The waiters of one store (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[Waiter] = set()
        self.closed = False
        """Shutting down: no request is held any more."""

    def notify(self, runs: list[RunState]) -> None:
        """Wake every waiter one of these just-committed runs matches."""
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            if any(waiter.matches(run) for run in runs):
                waiter.wake()

    def add(self, waiter: Waiter) -> None:
        """Start waking ``waiter`` (before it first reads, so no change slips between)."""
        with self._lock:
            self._waiters.add(waiter)
        if self.closed:
            waiter.wake()

    def remove(self, waiter: Waiter) -> None:
        """Stop waking ``waiter``."""
        with self._lock:
            self._waiters.discard(waiter)

    def waiting(self) -> int:
        """How many long polls are held now."""
        with self._lock:
            return len(self._waiters)

    def close(self) -> None:
        """Release every held long poll now and hold none from here on (server stopping)."""
        self.closed = True
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.wake()


def _listening_feed(store: Store) -> ChangeFeed:
    feed = ChangeFeed()
    store.run_listeners.append(feed.notify)
    return feed


_FEEDS: PerStore[ChangeFeed] = PerStore(_listening_feed)


def feed_of(store: Store) -> ChangeFeed:
    """The change feed of ``store``, listening to its commits from the first call on."""
    return _FEEDS.of(store)
