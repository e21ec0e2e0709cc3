"""Sessions in SQLite: by id, by (environment, external id), cursor pages by index, and the
records of their channels.

A channel's records are kept per ``(environment, addressing key, channel, io)``, where the
addressing key is the session's external id, else its ``session_…`` id (the server's
canonical key), and ``channel`` is ``""`` for a session's default channel. Sequence numbers
start at 0 in each, as S2 numbers a stream's records. Part ids an append claimed are kept
for five minutes, so a retried append with the same ``X-Part-Id`` stores nothing new.

`channel_feed` wakes the readers of a channel's event stream when a record of it is
committed (the run streams' `~trigger.emulator.store_streams.StreamFeed`, keyed by channel).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import msgspec

from trigger.emulator.store import PerStore, Store, decode_cursor, register_tables
from trigger.emulator.store_streams import StreamFeed, Wakeable

__all__ = [
    "PART_CLAIM_MS",
    "ChannelFeed",
    "ChannelKey",
    "ChannelRecord",
    "SessionRow",
    "SessionStore",
    "channel_feed",
]

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
CREATE TABLE IF NOT EXISTS session_records (
    env_id TEXT NOT NULL,
    address TEXT NOT NULL,
    channel TEXT NOT NULL,
    io TEXT NOT NULL,
    seq INTEGER NOT NULL,
    part_id TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (env_id, address, channel, io, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_part_claims (
    env_id TEXT NOT NULL,
    address TEXT NOT NULL,
    channel TEXT NOT NULL,
    io TEXT NOT NULL,
    part_id TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (env_id, address, channel, io, part_id)
) WITHOUT ROWID;
"""

register_tables(_DDL, ["sessions", "session_records", "session_part_claims"])

PART_CLAIM_MS = 5 * 60 * 1000
"""How long an append's ``X-Part-Id`` is remembered (the server's dedupe window)."""


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


class ChannelKey(msgspec.Struct, frozen=True, kw_only=True):
    """One channel's records: whose, which channel (``""``: the default one), which way."""

    env_id: str
    address: str
    """The session's canonical addressing key (external id, else ``session_…`` id)."""
    channel: str
    io: str
    """``in`` (towards the task) or ``out`` (from it)."""

    def _args(self) -> tuple[str, str, str, str]:
        return (self.env_id, self.address, self.channel, self.io)


class ChannelRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One stored record of a channel."""

    seq: int
    part_id: str
    data: str
    created_at: int


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(SessionRow)
_WHERE = "env_id = ? AND address = ? AND channel = ? AND io = ?"


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

    @staticmethod
    def claim_part(conn: sqlite3.Connection, key: ChannelKey, part_id: str, now: int) -> bool:
        """Claim an append's part id (inside a `Store.transaction`); ``False`` when another
        append claimed it within `PART_CLAIM_MS`."""
        row = conn.execute(
            f"SELECT claimed_at FROM session_part_claims WHERE {_WHERE} AND part_id = ?",
            (*key._args(), part_id),
        ).fetchone()
        if row is not None and row[0] + PART_CLAIM_MS > now:
            return False
        conn.execute(
            "INSERT OR REPLACE INTO session_part_claims (env_id, address, channel, io, part_id, "
            "claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
            (*key._args(), part_id, now),
        )
        return True

    @staticmethod
    def append(conn: sqlite3.Connection, key: ChannelKey, part_id: str, data: str, now: int) -> int:
        """Add a record (inside a `Store.transaction`); its sequence number."""
        row = conn.execute(
            f"SELECT MAX(seq) FROM session_records WHERE {_WHERE}", key._args()
        ).fetchone()
        seq = 0 if row is None or row[0] is None else int(row[0]) + 1
        conn.execute(
            "INSERT INTO session_records (env_id, address, channel, io, seq, part_id, data, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*key._args(), seq, part_id, data, now),
        )
        return seq

    def next_seq(self, key: ChannelKey) -> int:
        """The sequence number the channel's next record gets (its S2 tail)."""
        with self.store.reading() as conn:
            row = conn.execute(
                f"SELECT MAX(seq) FROM session_records WHERE {_WHERE}", key._args()
            ).fetchone()
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def records(self, key: ChannelKey, after: int | None = None) -> list[ChannelRecord]:
        """A channel's records after sequence number ``after`` (all without it), in order."""
        with self.store.reading() as conn:
            rows = conn.execute(
                f"SELECT seq, part_id, data, created_at FROM session_records WHERE {_WHERE} "
                "AND seq > ? ORDER BY seq",
                (*key._args(), -1 if after is None else after),
            ).fetchall()
        return [
            ChannelRecord(seq=row[0], part_id=row[1], data=row[2], created_at=row[3])
            for row in rows
        ]


def _feed_key(key: ChannelKey) -> tuple[str, str]:
    # JSON keeps the four parts apart whatever characters an external id holds.
    return key.env_id, _ENCODER.encode([key.address, key.channel, key.io]).decode()


class ChannelFeed:
    """The connected readers of one store's session channels (thread-safe)."""

    def __init__(self) -> None:
        self._feed = StreamFeed()

    def add(self, key: ChannelKey, reader: Wakeable) -> None:
        """Start waking ``reader`` for a channel (before it first reads)."""
        self._feed.add(*_feed_key(key), reader)

    def remove(self, key: ChannelKey, reader: Wakeable) -> None:
        """Stop waking ``reader``."""
        self._feed.remove(*_feed_key(key), reader)

    def notify(self, key: ChannelKey) -> None:
        """Wake every reader of a channel a record was just committed to."""
        self._feed.notify(*_feed_key(key))

    def reading(self) -> int:
        """How many readers are connected now."""
        return self._feed.reading()


_FEEDS: PerStore[ChannelFeed] = PerStore(lambda _: ChannelFeed())


def channel_feed(store: Store) -> ChannelFeed:
    """The channel feed of ``store``."""
    return _FEEDS.of(store)
