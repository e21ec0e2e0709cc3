"""The JSON of queues (``toQueueItem``) and of concurrency limits (4.8.3 schemas).

A queue's ``concurrencyLimit`` is the limit in force; ``concurrency.base`` is the limit it
had before an override and is ``null`` unless one is set; ``overriddenBy`` is ``null`` for
API overrides. ``releaseConcurrencyOnWaitpoint`` is always ``true``. List and retrieve add
``concurrencyLimitOverridePercent``; pause, override and reset do not.
"""

from __future__ import annotations

from typing import Any

from trigger.emulator.durations import iso
from trigger.emulator.engine.limits import KeyOverride, LimitState, in_force
from trigger.emulator.store import QueueRow

__all__ = ["display_name", "friendly_queue_id", "limit_item", "limit_key_item", "queue_item"]


def friendly_queue_id(queue: QueueRow) -> str:
    """``queue_…`` (rows may hold the internal id or the friendly one)."""
    return queue.id if queue.id.startswith("queue_") else f"queue_{queue.id}"


def display_name(queue: QueueRow) -> str:
    """The name the API shows: a task queue without its ``task/`` prefix."""
    return queue.name[5:] if queue.name.startswith("task/") else queue.name


def queue_item(
    queue: QueueRow,
    *,
    base: int | None,
    running: int,
    queued: int,
    with_percent: bool = False,
    percent: float | None = None,
) -> dict[str, Any]:
    """A ``QueueItem``; ``base`` is the queue's own limit (stored, or declared by a handler)."""
    overridden = queue.overridden_at is not None
    current = queue.override if overridden else base
    out: dict[str, Any] = {
        "id": friendly_queue_id(queue),
        "name": display_name(queue),
        "type": "task" if queue.type == "task" else "custom",
        "running": running,
        "queued": queued,
        "paused": queue.paused,
        "concurrencyLimit": current,
        "concurrency": {
            "current": current,
            "base": base if overridden else None,
            "override": current if overridden else None,
            "overriddenBy": None,
            "overriddenAt": iso(queue.overridden_at) if queue.overridden_at is not None else None,
        },
        "releaseConcurrencyOnWaitpoint": True,
    }
    if with_percent:
        out["concurrencyLimitOverridePercent"] = percent
    return out


def _time(ms: int | None) -> str | None:
    return iso(ms) if ms is not None else None


def _bound(base: int | None, override: int | None, overridden_at: int | None) -> dict[str, Any]:
    return {
        "current": in_force(base, override, overridden_at),
        "base": base,
        "override": override if overridden_at is not None else None,
        "overriddenAt": _time(overridden_at),
    }


def limit_item(
    limit: LimitState,
    *,
    total_base: int | None,
    per_key_base: int | None,
    running: int,
    queued: int,
) -> dict[str, Any]:
    """A ``ConcurrencyLimitItem`` (4.8.3 schema; the server's field order is inferred)."""
    return {
        "id": f"climit_{limit.id}",
        "name": limit.name,
        "perKey": _bound(per_key_base, limit.per_key_override, limit.per_key_overridden_at),
        "total": _bound(total_base, limit.total_override, limit.total_overridden_at),
        "running": running,
        "queued": queued,
        "paused": limit.paused,
    }


def limit_key_item(
    limit: LimitState,
    key: str,
    *,
    per_key_in_force: int | None,
    override: KeyOverride | None,
    running: int,
) -> dict[str, Any]:
    """A ``ConcurrencyLimitKeyItem``: one key's view (``override`` only while it lasts)."""
    current = per_key_in_force if override is None else in_force(override.per_key, None, None)
    return {
        "name": limit.name,
        "concurrencyKey": key,
        "perKey": {
            "current": current,
            "base": per_key_in_force,
            "override": override.per_key if override is not None else None,
            "expiresAt": _time(override.expires_at) if override is not None else None,
        },
        "running": running,
        "paused": limit.paused,
    }
