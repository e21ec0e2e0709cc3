"""Error groups in SQLite: only their lifecycle is stored; the groups come from failed runs."""

from __future__ import annotations

import sqlite3

import msgspec

from trigger.emulator.engine.errors import FAILED_STATUSES, GroupState
from trigger.emulator.engine.runs import RunState
from trigger.emulator.store import Store, register_tables

__all__ = ["ErrorStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS error_groups (
    env_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (env_id, fingerprint)
) WITHOUT ROWID;
"""

register_tables(_DDL, ["error_groups"])

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(GroupState)


class ErrorStore:
    """The error-group queries over a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def failed_runs(self, env_id: str) -> list[RunState]:
        """Every run of an environment that ended with an error (by the status index)."""
        out: list[RunState] = []
        for status in FAILED_STATUSES:
            out.extend(run for run in self.store.runs_in_status(status) if run.env_id == env_id)
        return out

    def states(self, env_id: str) -> dict[str, GroupState]:
        """Every stored lifecycle of an environment, by fingerprint."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT fingerprint, data FROM error_groups WHERE env_id = ?", (env_id,)
            ).fetchall()
        return {row[0]: _DECODER.decode(row[1]) for row in rows}

    @staticmethod
    def put(conn: sqlite3.Connection, env_id: str, fingerprint: str, state: GroupState) -> None:
        """Store a group's lifecycle (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT OR REPLACE INTO error_groups (env_id, fingerprint, data) VALUES (?, ?, ?)",
            (env_id, fingerprint, _ENCODER.encode(state)),
        )
