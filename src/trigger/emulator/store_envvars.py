"""Environment variables in SQLite: one row per (environment, name), in write order."""

from __future__ import annotations

import sqlite3

from trigger.emulator.engine.envvars import EnvVarValue
from trigger.emulator.store import Store, register_tables

__all__ = ["EnvVarStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS envvar_values (
    env_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    is_secret INTEGER NOT NULL DEFAULT 0,
    write_seq INTEGER NOT NULL,
    PRIMARY KEY (env_id, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS envvar_values_name ON envvar_values (name);
"""

register_tables(_DDL, ["envvar_values"])


def _value(row: tuple[str, str, str, int, int]) -> EnvVarValue:
    return EnvVarValue(
        env_id=row[0], name=row[1], value=row[2], is_secret=bool(row[3]), write_seq=row[4]
    )


class EnvVarStore:
    """The environment-variable queries over a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def values(self, env_id: str) -> list[EnvVarValue]:
        """Every value of an environment, in write order."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT env_id, name, value, is_secret, write_seq FROM envvar_values "
                "WHERE env_id = ? ORDER BY write_seq",
                (env_id,),
            ).fetchall()
        return [_value(row) for row in rows]

    def exists_in_project(self, name: str) -> bool:
        """Whether any environment has a variable of this name (the server's project row)."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT 1 FROM envvar_values WHERE name = ? LIMIT 1", (name,)
            ).fetchone()
        return row is not None

    @staticmethod
    def put(
        conn: sqlite3.Connection, env_id: str, name: str, value: str, is_secret: bool | None
    ) -> None:
        """Set a value (inside a `Store.transaction`); ``is_secret`` ``None`` keeps the flag."""
        seq = conn.execute("SELECT COALESCE(MAX(write_seq), 0) + 1 FROM envvar_values").fetchone()
        conn.execute(
            "INSERT INTO envvar_values (env_id, name, value, is_secret, write_seq) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(env_id, name) DO UPDATE SET "
            "value = excluded.value, write_seq = excluded.write_seq, "
            "is_secret = CASE WHEN ? IS NULL THEN envvar_values.is_secret "
            "ELSE excluded.is_secret END",
            (
                env_id,
                name,
                value,
                1 if is_secret else 0,
                seq[0],
                None if is_secret is None else int(is_secret),
            ),
        )

    @staticmethod
    def delete(conn: sqlite3.Connection, env_id: str, name: str) -> bool:
        """Delete a value (inside a `Store.transaction`); whether there was one."""
        cursor = conn.execute(
            "DELETE FROM envvar_values WHERE env_id = ? AND name = ?", (env_id, name)
        )
        return cursor.rowcount > 0
