"""Concurrency limits in SQLite: each limit's overrides and pause per environment, and the
per-key overrides (keyed by environment, limit name and concurrency key); `NamedLimits`
reads them to gate runs on the named limits they hold."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import msgspec

from trigger.emulator.engine.dispatch import QueueState
from trigger.emulator.engine.limits import (
    KeyOverride,
    LimitState,
    apply_to_queue,
    held_limits,
    in_force,
    named_admits,
)
from trigger.emulator.engine.runs import RunState
from trigger.emulator.store import Store, register_tables

if TYPE_CHECKING:
    from trigger.emulator.handlers import TaskRegistry

__all__ = ["LimitTable", "NamedLimits", "holder_counts", "holds", "limited"]

_DDL = """
CREATE TABLE IF NOT EXISTS concurrency_limits (
    env_id TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (env_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS concurrency_limit_keys (
    env_id TEXT NOT NULL,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (env_id, name, key)
) WITHOUT ROWID;
"""

register_tables(_DDL, ("concurrency_limits", "concurrency_limit_keys"))

_ENCODER = msgspec.json.Encoder()
_LIMIT = msgspec.json.Decoder(LimitState)
_KEY = msgspec.json.Decoder(KeyOverride)


class LimitTable:
    """Queries over the store's connection (writes inside `Store.transaction`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, env_id: str, name: str) -> LimitState | None:
        """A limit's stored state."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM concurrency_limits WHERE env_id = ? AND name = ?",
                (env_id, name),
            ).fetchone()
        return _LIMIT.decode(row[0]) if row else None

    def put(self, conn: sqlite3.Connection, limit: LimitState) -> None:
        """Insert or replace a limit's state."""
        conn.execute(
            "INSERT OR REPLACE INTO concurrency_limits (env_id, name, data) VALUES (?, ?, ?)",
            (limit.env_id, limit.name, _ENCODER.encode(limit)),
        )

    def get_key(self, env_id: str, name: str, key: str) -> KeyOverride | None:
        """A key's override (expired ones included: the caller checks)."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT data FROM concurrency_limit_keys WHERE env_id = ? AND name = ? AND key = ?",
                (env_id, name, key),
            ).fetchone()
        return _KEY.decode(row[0]) if row else None

    def put_key(self, conn: sqlite3.Connection, override: KeyOverride) -> None:
        """Insert or replace a key's override."""
        conn.execute(
            "INSERT OR REPLACE INTO concurrency_limit_keys (env_id, name, key, data) "
            "VALUES (?, ?, ?, ?)",
            (override.env_id, override.name, override.key, _ENCODER.encode(override)),
        )

    def delete_key(self, conn: sqlite3.Connection, env_id: str, name: str, key: str) -> None:
        """Forget a key's override."""
        conn.execute(
            "DELETE FROM concurrency_limit_keys WHERE env_id = ? AND name = ? AND key = ?",
            (env_id, name, key),
        )


def limited(store: Store, env_id: str, queue: QueueState) -> QueueState:
    """The dispatcher's view of a queue under its task's inline limit (``task/<id>``)."""
    if not queue.name.startswith("task/"):
        return queue
    limit = LimitTable(store).get(env_id, queue.name)
    return queue if limit is None else apply_to_queue(limit, queue)


class NamedLimits:
    """One dispatch pass's view of the named limits: their totals in force and pause per
    environment, and the runs holding each, counted up as the pass starts runs."""

    def __init__(self, store: Store, registry: TaskRegistry) -> None:
        self.store = store
        self.registry = registry
        self.declared = registry.named_limits()
        self.active = bool(self.declared)
        """Whether any named limit is declared (none: every run is admitted, nothing read)."""
        self._envs: dict[str, tuple[dict[str, int | None], dict[str, bool], dict[str, int]]] = {}

    def _env(self, env_id: str) -> tuple[dict[str, int | None], dict[str, bool], dict[str, int]]:
        view = self._envs.get(env_id)
        if view is None:
            table = LimitTable(self.store)
            totals: dict[str, int | None] = {}
            paused: dict[str, bool] = {}
            for name, (total, _) in self.declared.items():
                stored = table.get(env_id, name)
                if stored is None:
                    totals[name] = in_force(total, None, None)
                    paused[name] = False
                else:
                    totals[name] = in_force(
                        total, stored.total_override, stored.total_overridden_at
                    )
                    paused[name] = stored.paused
            executing: dict[str, int] = {}
            for run in self.store.runs_in_status("EXECUTING"):
                if run.env_id == env_id:
                    for name in self._held(run):
                        executing[name] = executing.get(name, 0) + 1
            view = self._envs[env_id] = (totals, paused, executing)
        return view

    def _held(self, run: RunState) -> tuple[str, ...]:
        return held_limits(run.concurrency, self.registry.task_concurrency(run.task))

    def allows(self, run: RunState) -> bool:
        """Whether ``run`` may start under the named limits it holds."""
        if not self.active:
            return True
        held = self._held(run)
        if not held:
            return True
        totals, paused, executing = self._env(run.env_id)
        return named_admits(held, totals, paused, executing)

    def hold(self, run: RunState) -> None:
        """Count ``run`` as executing under its named limits (it starts now)."""
        if not self.active:
            return
        held = self._held(run)
        if held:
            executing = self._env(run.env_id)[2]
            for name in held:
                executing[name] = executing.get(name, 0) + 1


def holds(registry: TaskRegistry, run: RunState, name: str) -> bool:
    """Whether ``run`` holds the named limit ``name`` (given at trigger, or its task's)."""
    return name in held_limits(run.concurrency, registry.task_concurrency(run.task))


def holder_counts(store: Store, registry: TaskRegistry, env_id: str, name: str) -> tuple[int, int]:
    """Executing and queued runs of ``env_id`` holding the named limit ``name``."""
    running, queued = (
        sum(
            1
            for run in store.runs_in_status(status)
            if run.env_id == env_id and holds(registry, run, name)
        )
        for status in ("EXECUTING", "PENDING")
    )
    return running, queued
