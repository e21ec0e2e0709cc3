"""Deployments in SQLite, and the one every environment starts with.

Each environment is seeded on first use with one deployed, current deployment (see
`trigger.emulator.routes.deployments`), so a fresh emulator answers like a project that has
deployed once. Rows are newest first by ``seq`` (the server orders by id).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import msgspec

from trigger.emulator.store import Store, register_tables

__all__ = ["DeploymentRow", "DeploymentStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS deployments (
    seq INTEGER PRIMARY KEY,
    env_id TEXT NOT NULL,
    friendly_id TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    is_current INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS deployments_env ON deployments (env_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS deployments_version ON deployments (env_id, version);
"""

register_tables(_DDL, ["deployments"])


class DeploymentRow(msgspec.Struct, frozen=True, kw_only=True):
    """A stored deployment (times in Unix ms)."""

    id: str
    """Internal id."""
    friendly_id: str
    env_id: str
    version: str
    short_code: str
    status: str = "DEPLOYED"
    type: str = "UNMANAGED"
    content_hash: str = ""
    image_reference: str | None = None
    image_platform: str = "linux/amd64"
    runtime: str | None = "python"
    runtime_version: str | None = None
    git: dict[str, object] | None = None
    error_data: dict[str, object] | None = None
    worker_id: str | None = None
    worker_friendly_id: str | None = None
    tasks: tuple[str, ...] = ()
    """Task ids the deployment's worker declares (empty: the registered handlers)."""
    created_at: int = 0
    deployed_at: int | None = None
    seq: int = 0


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(DeploymentRow)


def version_for(day_ms: int, counter: int) -> str:
    """A version as the server makes them: ``YYYYMMDD.N``."""
    day = datetime.fromtimestamp(day_ms / 1000, tz=timezone.utc).strftime("%Y%m%d")
    return f"{day}.{counter}"


class DeploymentStore:
    """The deployment queries over a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[DeploymentRow]:
        with self.store.reading() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [msgspec.structs.replace(_DECODER.decode(row[0]), seq=row[1]) for row in rows]

    def count(self, env_id: str) -> int:
        """How many deployments an environment has."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM deployments WHERE env_id = ?", (env_id,)
            ).fetchone()
        return int(row[0])

    @staticmethod
    def insert(conn: sqlite3.Connection, row: DeploymentRow, *, current: bool) -> None:
        """Add a deployment (inside a `Store.transaction`); ``current`` moves the label."""
        if current:
            conn.execute("UPDATE deployments SET is_current = 0 WHERE env_id = ?", (row.env_id,))
        conn.execute(
            "INSERT INTO deployments (env_id, friendly_id, version, created_at, is_current, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                row.env_id,
                row.friendly_id,
                row.version,
                row.created_at,
                1 if current else 0,
                _ENCODER.encode(row),
            ),
        )

    @staticmethod
    def make_current(conn: sqlite3.Connection, env_id: str, friendly_id: str) -> None:
        """Move the ``current`` label (inside a `Store.transaction`)."""
        conn.execute(
            "UPDATE deployments SET is_current = (friendly_id = ?) WHERE env_id = ?",
            (friendly_id, env_id),
        )

    def page(
        self,
        env_id: str,
        *,
        size: int,
        before_seq: int | None,
        status: str | None,
        created_from: int | None,
        created_to: int | None,
    ) -> list[DeploymentRow]:
        """Up to ``size`` deployments newest first, after a cursor and filters."""
        where = ["env_id = ?"]
        args: list[object] = [env_id]
        if before_seq is not None:
            where.append("seq < ?")
            args.append(before_seq)
        if created_from is not None:
            where.append("created_at >= ?")
            args.append(created_from)
        if created_to is not None:
            where.append("created_at <= ?")
            args.append(created_to)
        rows = self._rows(
            f"SELECT data, seq FROM deployments WHERE {' AND '.join(where)} "
            "ORDER BY seq DESC LIMIT ?",
            (*args, size if status is None else -1),
        )
        if status is not None:
            rows = [row for row in rows if row.status == status][:size]
        return rows

    def by_friendly_id(self, env_id: str, friendly_id: str) -> DeploymentRow | None:
        """A deployment of an environment by its ``deployment_…`` id."""
        rows = self._rows(
            "SELECT data, seq FROM deployments WHERE env_id = ? AND friendly_id = ?",
            (env_id, friendly_id),
        )
        return rows[0] if rows else None

    def by_version(self, env_id: str, version: str) -> DeploymentRow | None:
        """A deployment of an environment by version."""
        rows = self._rows(
            "SELECT data, seq FROM deployments WHERE env_id = ? AND version = ?",
            (env_id, version),
        )
        return rows[0] if rows else None

    def current(self, env_id: str) -> DeploymentRow | None:
        """The deployment labelled current."""
        rows = self._rows(
            "SELECT data, seq FROM deployments WHERE env_id = ? AND is_current = 1", (env_id,)
        )
        return rows[0] if rows else None

    def latest(self, env_id: str, kind: str) -> DeploymentRow | None:
        """The newest deployment of a type (``UNMANAGED`` for ``/latest``)."""
        for row in self._rows(
            "SELECT data, seq FROM deployments WHERE env_id = ? ORDER BY seq DESC", (env_id,)
        ):
            if row.type == kind:
                return row
        return None
