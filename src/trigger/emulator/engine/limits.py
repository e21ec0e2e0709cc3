"""Concurrency limits (SDK 4.8): overrides, per-key overrides and pause, as pure functions.

The snapshot server has no ``/api/v1/concurrency-limits`` routes, so these rules are
inferred from the 4.8.3 client's schemas and its documentation (SERVER.md §2.8): overrides
change only the bounds given and are undone by `reset_bounds`; a per-key override needs a
``perKey`` bound, lasts ``ttl`` (7 days by default, at most 30); a paused limit admits no
run. In the emulator a task's inline limit (``task/<taskId>``, declared by a handler's
``concurrency_limit``) bounds that task's queue: its ``total`` in force replaces the
declared limit unless the queue itself is overridden, and pausing it holds the task's runs.

Named limits (``Emulator.concurrency_limit``) are held by runs rather than queues: a run
holds the names given at trigger (``options.concurrency``) or, without them, the names its
task declares (``concurrency=`` of a handler); it starts only while every limit it holds
has a free ``total`` slot and is not paused (`held_limits`, `named_admits`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from trigger.emulator.engine.dispatch import QueueState
from trigger.emulator.engine.queues import ENV_CONCURRENCY_LIMIT

__all__ = [
    "DEFAULT_KEY_TTL_MS",
    "MAX_KEY_TTL_MS",
    "KeyOverride",
    "LimitError",
    "LimitState",
    "apply_to_queue",
    "held_limits",
    "in_force",
    "named_admits",
    "override_bounds",
    "override_key",
    "reset_bounds",
    "set_paused",
]

DEFAULT_KEY_TTL_MS = 7 * 24 * 3600 * 1000
MAX_KEY_TTL_MS = 30 * 24 * 3600 * 1000


class LimitError(ValueError):
    """A change the server refuses (400 with this message)."""


class LimitState(msgspec.Struct, frozen=True, kw_only=True):
    """A limit's stored state in one environment (its declared bounds come from code)."""

    env_id: str
    name: str
    id: str
    """Internal id (``climit_<id>``)."""
    total_override: int | None = None
    total_overridden_at: int | None = None
    per_key_override: int | None = None
    per_key_overridden_at: int | None = None
    paused: bool = False


class KeyOverride(msgspec.Struct, frozen=True, kw_only=True):
    """One concurrency key's temporary ``perKey`` cap."""

    env_id: str
    name: str
    key: str
    per_key: int
    expires_at: int
    overridden_at: int


def in_force(base: int | None, override: int | None, overridden_at: int | None) -> int | None:
    """The bound enforced: the override when set, else the base, clamped to the env limit."""
    value = override if overridden_at is not None else base
    return None if value is None else min(value, ENV_CONCURRENCY_LIMIT)


def _check(name: str, value: int) -> None:
    if value > ENV_CONCURRENCY_LIMIT:
        raise LimitError(
            f"{name} ({value}) cannot exceed the environment limit ({ENV_CONCURRENCY_LIMIT})"
        )


def override_bounds(
    limit: LimitState, now: int, *, per_key: int | None, total: int | None
) -> LimitState:
    """Override the given bounds only (the others keep their state).

    Raises:
        LimitError: A bound above the environment's maximum.
    """
    changes: dict[str, object] = {}
    if per_key is not None:
        _check("perKey", per_key)
        changes.update(per_key_override=per_key, per_key_overridden_at=now)
    if total is not None:
        _check("total", total)
        changes.update(total_override=total, total_overridden_at=now)
    return msgspec.structs.replace(limit, **changes)


def reset_bounds(limit: LimitState) -> LimitState:
    """Back to the declared bounds (per-key overrides are left alone)."""
    return msgspec.structs.replace(
        limit,
        total_override=None,
        total_overridden_at=None,
        per_key_override=None,
        per_key_overridden_at=None,
    )


def set_paused(limit: LimitState, paused: bool) -> LimitState:
    """Pause (no run holding the limit starts) or resume a limit."""
    return msgspec.structs.replace(limit, paused=paused)


def override_key(
    limit: LimitState,
    per_key_in_force: int | None,
    now: int,
    *,
    key: str,
    per_key: int,
    ttl_ms: int | None,
) -> KeyOverride:
    """A temporary cap for one key of a limit that has a ``perKey`` bound.

    Raises:
        LimitError: The limit has no ``perKey`` bound, the cap is above the environment's
            maximum, or the ttl is longer than 30 days.
    """
    if per_key_in_force is None:
        raise LimitError(
            f"Concurrency limit {limit.name} has no perKey bound, so it has no per-key "
            "override to set"
        )
    _check("perKey", per_key)
    ttl = DEFAULT_KEY_TTL_MS if ttl_ms is None else ttl_ms
    if ttl > MAX_KEY_TTL_MS:
        raise LimitError("ttl cannot be longer than 30 days")
    return KeyOverride(
        env_id=limit.env_id,
        name=limit.name,
        key=key,
        per_key=per_key,
        expires_at=now + ttl,
        overridden_at=now,
    )


def apply_to_queue(limit: LimitState, queue: QueueState) -> QueueState:
    """The dispatcher's view of a task queue under its inline limit."""
    limit_total = limit.total_override if limit.total_overridden_at is not None else None
    return msgspec.structs.replace(
        queue,
        concurrency_limit=limit_total if limit_total is not None else queue.concurrency_limit,
        paused=queue.paused or limit.paused,
    )


def held_limits(given: Sequence[str] | None, declared: Sequence[str]) -> tuple[str, ...]:
    """The named limits a run holds: those given at trigger replace the task's declared ones
    (an empty list holds none)."""
    return tuple(declared if given is None else given)


def named_admits(
    held: Sequence[str],
    totals: Mapping[str, int | None],
    paused: Mapping[str, bool],
    executing: Mapping[str, int],
) -> bool:
    """Whether a run holding ``held`` may start now.

    Args:
        held: The named limits the run holds (`held_limits`).
        totals: Each declared limit's ``total`` in force (``None``: no total; a name not
            declared does not gate).
        paused: Whether each limit is paused.
        executing: Runs executing now per limit name (including those started this step).
    """
    for name in held:
        if name not in totals:
            continue
        if paused.get(name, False):
            return False
        total = totals[name]
        if total is not None and executing.get(name, 0) >= total:
            return False
    return True
