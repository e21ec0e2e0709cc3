"""Models of queues: their counts, pause state and concurrency limits."""

from __future__ import annotations

from datetime import datetime

from trigger._models import Model

__all__ = ["QueueConcurrency", "QueueItem"]


class QueueConcurrency(Model, kw_only=True):
    """The concurrency limits of a queue: the one in force, the one in code, the override."""

    current: int | None = None
    """The limit in force now (the override when one is set, else the base)."""
    base: int | None = None
    """The limit defined in code."""
    override: int | None = None
    """The limit set through the API or dashboard, when one is set."""
    overridden_at: datetime | None = None
    """When the override was set."""
    overridden_by: str | None = None
    """Who set the override (``None`` when it was set through the API)."""


class QueueItem(Model, kw_only=True):
    """A queue, as `queues.list`, `queues.retrieve` and the queue actions return it."""

    id: str
    """Queue id, ``queue_…``."""
    name: str
    """For a task queue the task id; for a custom queue the name given in code."""
    type: str
    """``task`` (one per task, created automatically) or ``custom`` (declared in code)."""
    running: int
    """Runs of this queue executing now."""
    queued: int
    """Runs of this queue waiting to start."""
    paused: bool
    """Whether the queue is paused (no new runs start while it is)."""
    concurrency_limit: int | None = None
    """The limit in force, or ``None`` when the queue has none of its own."""
    concurrency: QueueConcurrency | None = None
    """The limit in detail: current, base and override."""
    release_concurrency_on_waitpoint: bool | None = None
    """Whether a run of this queue gives its concurrency slot back while it waits on a
    waitpoint (current servers always send ``True``; ``None`` when not sent)."""
