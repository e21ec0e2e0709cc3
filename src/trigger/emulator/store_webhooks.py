"""Webhooks in SQLite: endpoints, deliveries, waiters, alert channels and alert deliveries.

Endpoints are found by ``wh_…`` id or declared id within an environment, and by the opaque
id of their ingress URL. Deliveries are paged by ``(env_id, created_at, seq)`` from a
cursor, newest first, and deduplicated by ``(endpoint, idempotency key)``. A waiter is a row
beside its waitpoint token (the token holds its state: pending, completed, timed out).
Alert deliveries record every signed request the emulator sent, with its exact body.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import msgspec

from trigger.emulator.store import Store, decode_cursor, register_tables

__all__ = [
    "ALERT_STATUSES",
    "AlertChannelRow",
    "AlertDeliveryRow",
    "DeliveryRow",
    "EndpointRow",
    "SubscriberRow",
    "WaiterRow",
    "WebhookStore",
]

_DDL = """
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id TEXT PRIMARY KEY,
    env_id TEXT NOT NULL,
    declared_id TEXT NOT NULL,
    opaque_id TEXT NOT NULL UNIQUE,
    data BLOB NOT NULL,
    UNIQUE (env_id, declared_id)
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    env_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_page
    ON webhook_deliveries (env_id, created_at, seq);
CREATE INDEX IF NOT EXISTS webhook_deliveries_key
    ON webhook_deliveries (endpoint_id, idempotency_key, created_at);
CREATE TABLE IF NOT EXISTS webhook_waiters (
    waitpoint_id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    url_token TEXT UNIQUE,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_waiters_endpoint ON webhook_waiters (endpoint_id);
CREATE TABLE IF NOT EXISTS webhook_alert_channels (
    id TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_alert_deliveries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_alert_pending (run_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS webhook_alert_on_failure AFTER UPDATE OF status ON runs
WHEN new.status IN ('COMPLETED_WITH_ERRORS', 'CRASHED', 'SYSTEM_FAILURE', 'TIMED_OUT',
                    'INTERRUPTED')
    AND old.status IS NOT new.status
    AND EXISTS (SELECT 1 FROM webhook_alert_channels)
BEGIN
    INSERT OR IGNORE INTO webhook_alert_pending (run_id) VALUES (new.id);
END;
CREATE TRIGGER IF NOT EXISTS webhook_alert_on_failed_insert AFTER INSERT ON runs
WHEN new.status IN ('COMPLETED_WITH_ERRORS', 'CRASHED', 'SYSTEM_FAILURE', 'TIMED_OUT',
                    'INTERRUPTED')
    AND EXISTS (SELECT 1 FROM webhook_alert_channels)
BEGIN
    INSERT OR IGNORE INTO webhook_alert_pending (run_id) VALUES (new.id);
END;
"""

ALERT_STATUSES = ("COMPLETED_WITH_ERRORS", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT", "INTERRUPTED")
"""Stored statuses of a run that failed (the run engine's ``runFailed``): a run entering one
while an alert channel exists is queued for alerting by the triggers above, so a step finds
new failures without scanning the runs."""

register_tables(
    _DDL,
    [
        "webhook_endpoints",
        "webhook_deliveries",
        "webhook_waiters",
        "webhook_alert_channels",
        "webhook_alert_deliveries",
        "webhook_alert_pending",
    ],
)


class SubscriberRow(msgspec.Struct, frozen=True, kw_only=True):
    """A task subscribed to an endpoint."""

    task_id: str
    filter: str | None = None


class EndpointRow(msgspec.Struct, frozen=True, kw_only=True):
    """A stored endpoint (times in Unix ms)."""

    id: str
    """Internal id (the part after ``wh_``)."""
    env_id: str
    declared_id: str
    source: str
    opaque_id: str
    status: str = "active"
    secret_provisioning: str = "either"
    secret: str | None = None
    previous_secret: str | None = None
    previous_secret_expires_at: int | None = None
    subscribers: tuple[SubscriberRow, ...] = ()
    metadata: dict[str, Any] | None = None
    created_at: int = 0
    updated_at: int = 0

    @property
    def friendly_id(self) -> str:
        """``wh_…``."""
        return f"wh_{self.id}"


class DeliveryRow(msgspec.Struct, frozen=True, kw_only=True):
    """A stored delivery (times in Unix ms)."""

    id: str
    """The ``whd_…`` id."""
    env_id: str
    endpoint_id: str
    status: str
    idempotency_key: str
    external_delivery_id: str
    created_at: int
    updated_at: int
    processed_at: int | None = None
    is_test: bool = False
    event: Any = None
    headers: dict[str, str] | None = None
    raw_body_hash: str | None = None
    error: str | None = None
    filter_reason: str | None = None
    targets: tuple[dict[str, Any], ...] = ()
    replayed_from: str | None = None


class WaiterRow(msgspec.Struct, frozen=True, kw_only=True):
    """A waiter: the match a delivery must meet to complete its waitpoint."""

    waitpoint_id: str
    """The waitpoint's internal id."""
    endpoint_id: str
    env_id: str
    match: dict[str, Any] | None = None
    filter: str | None = None
    url_token: str | None = None
    """For a URL-matched waiter (no ``match``): the last segment of its own URL."""
    claimed_by: str | None = None
    """The delivery that completed it."""
    cancelled: bool = False
    created_at: int = 0


class AlertChannelRow(msgspec.Struct, frozen=True, kw_only=True):
    """A webhook alert channel: where the emulator posts signed alerts."""

    id: str
    url: str
    secret: str
    env_ids: tuple[str, ...]
    alert_types: tuple[str, ...] = ("TASK_RUN",)
    enabled: bool = True
    created_at: int = 0


class AlertDeliveryRow(msgspec.Struct, frozen=True, kw_only=True):
    """One alert the emulator sent (or tries to send) to a channel."""

    id: str
    channel_id: str
    url: str
    type: str
    body: str
    """The exact JSON text sent (what the signature covers)."""
    signature: str
    run_id: str | None = None
    status: str = "pending"
    """``pending``, ``succeeded`` or ``failed``."""
    attempts: int = 0
    response_status: int | None = None
    error: str | None = None
    created_at: int = 0
    delivered_at: int | None = None


_ENC = msgspec.json.Encoder()
_ENDPOINT = msgspec.json.Decoder(EndpointRow)
_DELIVERY = msgspec.json.Decoder(DeliveryRow)
_WAITER = msgspec.json.Decoder(WaiterRow)
_CHANNEL = msgspec.json.Decoder(AlertChannelRow)
_ALERT = msgspec.json.Decoder(AlertDeliveryRow)


class WebhookStore:
    """The webhook queries over a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- endpoints ------------------------------------------------------------------------------

    def endpoint(self, env_id: str, key: str) -> EndpointRow | None:
        """An endpoint of an environment by ``wh_…`` id or by declared id."""
        if key.startswith("wh_"):
            sql, args = (
                "SELECT data FROM webhook_endpoints WHERE id = ? AND env_id = ?",
                (
                    key[3:],
                    env_id,
                ),
            )
        else:
            sql, args = (
                "SELECT data FROM webhook_endpoints WHERE env_id = ? AND declared_id = ?",
                (env_id, key),
            )
        with self.store.reading() as conn:
            row = conn.execute(sql, args).fetchone()
        return _ENDPOINT.decode(row[0]) if row else None

    def endpoint_by_id(self, endpoint_id: str) -> EndpointRow | None:
        """An endpoint by internal id, whatever its environment."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM webhook_endpoints WHERE id = ?", (endpoint_id,)
            ).fetchone()
        return _ENDPOINT.decode(row[0]) if row else None

    def endpoint_by_opaque(self, opaque_id: str) -> EndpointRow | None:
        """The endpoint whose ingress URL ends in ``opaque_id``."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM webhook_endpoints WHERE opaque_id = ?", (opaque_id,)
            ).fetchone()
        return _ENDPOINT.decode(row[0]) if row else None

    def endpoints(self, env_id: str) -> list[EndpointRow]:
        """Every endpoint of an environment, by declared id."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT data FROM webhook_endpoints WHERE env_id = ? ORDER BY declared_id",
                (env_id,),
            ).fetchall()
        return [_ENDPOINT.decode(row[0]) for row in rows]

    @staticmethod
    def put_endpoint(conn: sqlite3.Connection, endpoint: EndpointRow) -> None:
        """Insert or replace an endpoint (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT INTO webhook_endpoints (id, env_id, declared_id, opaque_id, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
            (
                endpoint.id,
                endpoint.env_id,
                endpoint.declared_id,
                endpoint.opaque_id,
                _ENC.encode(endpoint),
            ),
        )

    # -- deliveries -----------------------------------------------------------------------------

    def delivery(self, env_id: str, delivery_id: str) -> DeliveryRow | None:
        """A delivery of an environment by ``whd_…`` id."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM webhook_deliveries WHERE id = ? AND env_id = ?",
                (delivery_id, env_id),
            ).fetchone()
        return _DELIVERY.decode(row[0]) if row else None

    def duplicate(self, endpoint_id: str, key: str, since: int) -> DeliveryRow | None:
        """The delivery of an endpoint holding ``key`` that arrived at ``since`` or later."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM webhook_deliveries WHERE endpoint_id = ? AND "
                "idempotency_key = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1",
                (endpoint_id, key, since),
            ).fetchone()
        return _DELIVERY.decode(row[0]) if row else None

    @staticmethod
    def put_delivery(conn: sqlite3.Connection, delivery: DeliveryRow) -> None:
        """Insert or replace a delivery (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT INTO webhook_deliveries (id, env_id, endpoint_id, status, idempotency_key, "
            "created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "status = excluded.status, data = excluded.data",
            (
                delivery.id,
                delivery.env_id,
                delivery.endpoint_id,
                delivery.status,
                delivery.idempotency_key,
                delivery.created_at,
                _ENC.encode(delivery),
            ),
        )

    def delivery_page(
        self,
        env_id: str,
        *,
        endpoint_ids: Sequence[str] | None,
        statuses: Sequence[str] | None,
        created_from: int | None,
        created_to: int | None,
        cursor: str | None,
        backward: bool,
        size: int,
    ) -> list[tuple[DeliveryRow, int]]:
        """Up to ``size + 1`` matching ``(row, seq)`` past the cursor: newest first, or
        oldest first walking back."""
        where = ["env_id = ?"]
        args: list[Any] = [env_id]
        for column, values in (("endpoint_id", endpoint_ids), ("status", statuses)):
            if values is not None:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
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
        args.append(size + 1)
        with self.store.reading() as conn:
            rows = conn.execute(
                f"SELECT data, seq FROM webhook_deliveries WHERE {' AND '.join(where)} "
                f"ORDER BY created_at {order}, seq {order} LIMIT ?",
                args,
            ).fetchall()
        return [(_DELIVERY.decode(data), seq) for data, seq in rows]

    # -- waiters --------------------------------------------------------------------------------

    def waiter(self, waitpoint_id: str) -> WaiterRow | None:
        """A waiter by its waitpoint's internal id."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM webhook_waiters WHERE waitpoint_id = ?", (waitpoint_id,)
            ).fetchone()
        return _WAITER.decode(row[0]) if row else None

    def waiter_by_token(self, url_token: str) -> WaiterRow | None:
        """The URL-matched waiter whose own URL ends in ``url_token``."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM webhook_waiters WHERE url_token = ?", (url_token,)
            ).fetchone()
        return _WAITER.decode(row[0]) if row else None

    def waiters_of(self, endpoint_id: str) -> list[WaiterRow]:
        """Every waiter of an endpoint, unclaimed and not cancelled, oldest first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT data FROM webhook_waiters WHERE endpoint_id = ? ORDER BY rowid",
                (endpoint_id,),
            ).fetchall()
        waiters = [_WAITER.decode(row[0]) for row in rows]
        return [w for w in waiters if w.claimed_by is None and not w.cancelled]

    @staticmethod
    def put_waiter(conn: sqlite3.Connection, waiter: WaiterRow) -> None:
        """Insert or replace a waiter (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT INTO webhook_waiters (waitpoint_id, endpoint_id, url_token, data) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(waitpoint_id) DO UPDATE SET data = excluded.data",
            (waiter.waitpoint_id, waiter.endpoint_id, waiter.url_token, _ENC.encode(waiter)),
        )

    # -- alert channels and their deliveries ----------------------------------------------------

    def channels(self) -> list[AlertChannelRow]:
        """Every alert channel, oldest first."""
        with self.store.reading() as conn:
            rows = conn.execute("SELECT data FROM webhook_alert_channels ORDER BY rowid").fetchall()
        return [_CHANNEL.decode(row[0]) for row in rows]

    @staticmethod
    def put_channel(conn: sqlite3.Connection, channel: AlertChannelRow) -> None:
        """Insert or replace an alert channel (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT INTO webhook_alert_channels (id, data) VALUES (?, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
            (channel.id, _ENC.encode(channel)),
        )

    @staticmethod
    def delete_channel(conn: sqlite3.Connection, channel_id: str) -> bool:
        """Remove an alert channel; whether it existed."""
        cursor = conn.execute("DELETE FROM webhook_alert_channels WHERE id = ?", (channel_id,))
        return cursor.rowcount > 0

    def pending_alerts(self, limit: int = 500) -> list[str]:
        """Internal ids of runs that failed while an alert channel existed, not yet alerted."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT run_id FROM webhook_alert_pending LIMIT ?", (limit,)
            ).fetchall()
        return [row[0] for row in rows]

    @staticmethod
    def done_alerting(conn: sqlite3.Connection, run_ids: Sequence[str]) -> None:
        """Take runs off the alert queue (inside a `Store.transaction`)."""
        conn.executemany(
            "DELETE FROM webhook_alert_pending WHERE run_id = ?", [(run_id,) for run_id in run_ids]
        )

    def run_number(self, env_id: str, task: str, run_id: str) -> int:
        """The run's number within its task and environment (1 for the first run)."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM runs WHERE env_id = ? AND task = ? AND "
                "seq <= (SELECT seq FROM runs WHERE id = ?)",
                (env_id, task, run_id),
            ).fetchone()
        return int(row[0]) if row else 1

    @staticmethod
    def put_alert(conn: sqlite3.Connection, alert: AlertDeliveryRow) -> None:
        """Insert or replace an alert delivery (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT INTO webhook_alert_deliveries (id, data) VALUES (?, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
            (alert.id, _ENC.encode(alert)),
        )

    @staticmethod
    def update_alert(conn: sqlite3.Connection, alert: AlertDeliveryRow) -> None:
        """Record an attempt of an alert delivery that still exists (a reset forgot it)."""
        conn.execute(
            "UPDATE webhook_alert_deliveries SET data = ? WHERE id = ?",
            (_ENC.encode(alert), alert.id),
        )

    def alerts(self) -> list[AlertDeliveryRow]:
        """Every alert delivery, oldest first."""
        with self.store.reading() as conn:
            rows = conn.execute("SELECT data FROM webhook_alert_deliveries ORDER BY seq").fetchall()
        return [_ALERT.decode(row[0]) for row in rows]

    def alert(self, alert_id: str) -> AlertDeliveryRow | None:
        """One alert delivery by id."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM webhook_alert_deliveries WHERE id = ?", (alert_id,)
            ).fetchone()
        return _ALERT.decode(row[0]) if row else None
