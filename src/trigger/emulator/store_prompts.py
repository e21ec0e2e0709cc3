"""Prompts and their versions in SQLite: one row per prompt (by environment and slug) and
one per version (by prompt and number)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import msgspec

from trigger.emulator.engine.prompts import PromptRow, VersionRow
from trigger.emulator.store import Store, register_tables

__all__ = ["PromptStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS prompts (
    env_id TEXT NOT NULL,
    slug TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (env_id, slug)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS prompt_versions (
    prompt_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (prompt_id, version)
) WITHOUT ROWID;
"""

register_tables(_DDL, ("prompts", "prompt_versions"))

_ENCODER = msgspec.json.Encoder()
_PROMPT = msgspec.json.Decoder(PromptRow)
_VERSION = msgspec.json.Decoder(VersionRow)


class PromptStore:
    """Queries over the store's connection (writes inside `Store.transaction`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, env_id: str, slug: str) -> PromptRow | None:
        """A prompt of an environment by slug."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM prompts WHERE env_id = ? AND slug = ?", (env_id, slug)
            ).fetchone()
        return _PROMPT.decode(row[0]) if row else None

    def in_env(self, env_id: str) -> list[PromptRow]:
        """Every prompt of an environment, most recently updated first."""
        with self.store.reading() as conn:
            rows = conn.execute("SELECT data FROM prompts WHERE env_id = ?", (env_id,)).fetchall()
        prompts = [_PROMPT.decode(data) for (data,) in rows]
        return sorted(prompts, key=lambda p: p.updated_at, reverse=True)

    def versions(self, prompt_id: str) -> list[VersionRow]:
        """A prompt's versions, newest first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT data FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC",
                (prompt_id,),
            ).fetchall()
        return [_VERSION.decode(data) for (data,) in rows]

    @staticmethod
    def put(conn: sqlite3.Connection, prompt: PromptRow) -> None:
        """Insert or replace a prompt."""
        conn.execute(
            "INSERT OR REPLACE INTO prompts (env_id, slug, data) VALUES (?, ?, ?)",
            (prompt.env_id, prompt.slug, _ENCODER.encode(prompt)),
        )

    @staticmethod
    def put_versions(conn: sqlite3.Connection, versions: Iterable[VersionRow]) -> None:
        """Insert or replace versions."""
        conn.executemany(
            "INSERT OR REPLACE INTO prompt_versions (prompt_id, version, data) VALUES (?, ?, ?)",
            [(v.prompt_id, v.version, _ENCODER.encode(v)) for v in versions],
        )
