"""Which queued runs may start now: queue pauses and concurrency limits (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from trigger.emulator.engine.runs import RunState

__all__ = ["QueueState", "free_slots", "select_dequeue"]


class QueueState(msgspec.Struct, frozen=True, kw_only=True):
    """What the dispatcher needs to know about one queue."""

    name: str
    concurrency_limit: int | None = None
    """The base limit (``None``: only the environment limit applies)."""
    override: int | None = None
    """A concurrency override in force, replacing the base limit."""
    paused: bool = False

    @property
    def limit(self) -> int | None:
        """The limit in force."""
        return self.override if self.override is not None else self.concurrency_limit


def free_slots(queue: QueueState, executing: int) -> int | None:
    """How many more runs the queue may start (``None``: no limit); 0 while paused."""
    if queue.paused:
        return 0
    if queue.limit is None:
        return None
    return max(0, queue.limit - executing)


def select_dequeue(
    candidates: Mapping[str, Sequence[RunState]],
    queues: Mapping[str, QueueState],
    executing: Mapping[str, int],
    env_free: int | None = None,
) -> list[RunState]:
    """The runs to start, per queue in the order given (oldest / highest priority first).

    Args:
        candidates: Queued runs per queue name, in dequeue order.
        queues: Queue settings by name (a queue not listed has no limit and is not paused).
        executing: Runs executing now, per queue name.
        env_free: Slots left under the environment's limit (``None``: no limit).
    """
    chosen: list[RunState] = []
    for name, runs in candidates.items():
        queue = queues.get(name, QueueState(name=name))
        slots = free_slots(queue, executing.get(name, 0))
        take = list(runs) if slots is None else list(runs)[:slots]
        chosen.extend(take)
    if env_free is not None:
        chosen = chosen[:env_free]
    return chosen
