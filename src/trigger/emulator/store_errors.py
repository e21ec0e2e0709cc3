"""Error groups in SQLite: only their lifecycles are stored; the groups come from failed runs.

A lifecycle is keyed by ``(environment, task, fingerprint)``, as the server's
``ErrorGroupState`` rows are.
"""

from __future__ import annotations

import sqlite3

import msgspec

from trigger.emulator.engine.errors import FAILED_STATUSES, GroupState, fingerprint
from trigger.emulator.engine.runs import RunState
from trigger.emulator.store import Store, register_tables

__all__ = ["ErrorStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS error_group_states (
    env_id TEXT NOT NULL,
    task TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (env_id, task, fingerprint)
) WITHOUT ROWID;
"""

register_tables(_DDL, ["error_group_states"])

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

    def run_ids(self, env_id: str, error_id: str) -> list[str]:
        """Internal ids of the environment's failed runs in an error group (``error_…`` id
        or bare fingerprint, of any task), for a run list's ``filter[error]``."""
        wanted = error_id[len("error_") :] if error_id.startswith("error_") else error_id
        return [run.id for run in self.failed_runs(env_id) if fingerprint(run.error) == wanted]

    def states(self, env_id: str) -> dict[tuple[str, str], GroupState]:
        """Every stored lifecycle of an environment, by ``(task, fingerprint)``."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT task, fingerprint, data FROM error_group_states WHERE env_id = ?",
                (env_id,),
            ).fetchall()
        return {(row[0], row[1]): _DECODER.decode(row[2]) for row in rows}

    @staticmethod
    def put(
        conn: sqlite3.Connection, env_id: str, task: str, fingerprint: str, state: GroupState
    ) -> None:
        """Store a group's lifecycle (inside a `Store.transaction`)."""
        conn.execute(
            "INSERT OR REPLACE INTO error_group_states (env_id, task, fingerprint, data) "
            "VALUES (?, ?, ?, ?)",
            (env_id, task, fingerprint, _ENCODER.encode(state)),
        )
