"""Queue settings changed through the API, as pure functions (SERVER.md §2.7, §6).

A queue's limit in force is its override when one is set, else its base limit (declared by
the task's handler, ``None`` meaning only the environment limit applies). Pausing holds
every queued run of the queue; runs already executing carry on. Overrides are refused above
the environment's maximum, and a percentage override is a share of that maximum.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from trigger.emulator.store import QueueRow

__all__ = [
    "ENV_CONCURRENCY_LIMIT",
    "OverrideError",
    "materialize_percent",
    "override",
    "reset",
    "set_paused",
]

ENV_CONCURRENCY_LIMIT = 300
"""The environment's maximum concurrency (the real server's seeded environments answer
``cannot exceed the environment limit (300)``)."""


class OverrideError(ValueError):
    """An override the server refuses (400 with this message)."""


def materialize_percent(percent: float, env_limit: int = ENV_CONCURRENCY_LIMIT) -> int:
    """The absolute limit of a percentage override: ``floor``, clamped to ``1..env_limit``."""
    return min(max(math.floor(env_limit * percent / 100), 1), env_limit)


def override(
    queue: QueueRow, now: int, limit: int, env_limit: int = ENV_CONCURRENCY_LIMIT
) -> QueueRow:
    """Override a queue's limit (the base stays for `reset`).

    Raises:
        OverrideError: ``limit`` is above the environment's maximum.
    """
    if limit > env_limit:
        raise OverrideError(
            f"Concurrency limit ({limit}) cannot exceed the environment limit ({env_limit})"
        )
    return msgspec.structs.replace(queue, override=limit, overridden_at=now)


def reset(queue: QueueRow) -> QueueRow:
    """Drop the override, back to the base limit.

    Raises:
        OverrideError: The queue has no override.
    """
    if queue.overridden_at is None:
        raise OverrideError("Queue is not overridden")
    return msgspec.structs.replace(queue, override=None, overridden_at=None)


def set_paused(queue: QueueRow, paused: bool) -> QueueRow:
    """Pause or resume a queue."""
    return msgspec.structs.replace(queue, paused=paused)
