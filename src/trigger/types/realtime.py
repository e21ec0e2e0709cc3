"""The run snapshots realtime subscriptions yield."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from trigger._models import Model
from trigger.types.runs import RunError

__all__ = ["RealtimeRun"]

_QUEUED = frozenset({"PENDING_VERSION", "QUEUED", "PENDING", "DELAYED"})
_EXECUTING = frozenset({"DEQUEUED", "EXECUTING"})
_FAILED = frozenset({"FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"})
_FINAL = _FAILED | {"COMPLETED", "CANCELED"}


class RealtimeRun(Model, kw_only=True):
    """A run as a realtime subscription shows it, at one change.

    The fields are those of the official client's realtime run objects (built from the
    server's run row): the status in the API's names, ``finished_at`` when the run
    finished, the payload and output decoded (JSON, or superjson into datetimes, sets and
    big integers; an offloaded packet downloaded), the metadata object.

    The ``is_*`` flags follow the official realtime client, which differs from `Run`'s:
    `is_completed` is true for every failure (``EXPIRED`` and ``TIMED_OUT`` included) and
    false for ``CANCELED``, and `is_executing` is false while ``WAITING``.
    """

    id: str
    """Run id, ``run_…``."""
    status: str
    """Status in the API's names (``QUEUED``, ``EXECUTING``, ``WAITING``, ``COMPLETED``...)."""
    task_identifier: str
    """The task this run executes."""
    created_at: datetime
    """When the run was created."""
    updated_at: datetime
    """When the run last changed (this change)."""
    started_at: datetime | None = None
    """When it first started executing."""
    delayed_until: datetime | None = None
    """For delayed runs: when they become queued."""
    queued_at: datetime | None = None
    """When it was queued."""
    expired_at: datetime | None = None
    """When it expired, if it did."""
    finished_at: datetime | None = None
    """When it finished (``completedAt``); ``None`` while it has not."""
    payload: Any = None
    """The payload, decoded (``None`` when the subscription skips the column)."""
    output: Any = None
    """The output once the run completed, decoded."""
    metadata: dict[str, Any] | None = None
    """The run's metadata object."""
    error: RunError | None = None
    """Why the run failed."""
    tags: list[str] = msgspec.field(default_factory=list)
    """Tags of the run."""
    is_test: bool = False
    """Triggered as a test run."""
    number: int = 0
    """The run's number."""
    duration_ms: float = 0
    """Execution time so far (``usageDurationMs``)."""
    cost_in_cents: float = 0
    """Compute cost so far."""
    base_cost_in_cents: float = 0
    """Invocation cost."""
    ttl: str | None = None
    """Time to live while queued, e.g. ``"10m"``."""
    realtime_streams: list[str] = msgspec.field(default_factory=list)
    """Keys of the streams the run writes."""

    @property
    def is_queued(self) -> bool:
        """Waiting to start (``QUEUED``, ``DELAYED``, ``PENDING_VERSION``)."""
        return self.status in _QUEUED

    @property
    def is_executing(self) -> bool:
        """Running now (``DEQUEUED``, ``EXECUTING``)."""
        return self.status in _EXECUTING

    @property
    def is_waiting(self) -> bool:
        """Paused on a wait (``WAITING``)."""
        return self.status == "WAITING"

    @property
    def is_completed(self) -> bool:
        """Succeeded or failed (not canceled), as the official realtime client counts it."""
        return self.status == "COMPLETED" or self.status in _FAILED

    @property
    def is_success(self) -> bool:
        """Finished with status ``COMPLETED``."""
        return self.status == "COMPLETED"

    @property
    def is_failed(self) -> bool:
        """Finished without success (``EXPIRED`` and ``TIMED_OUT`` included)."""
        return self.status in _FAILED

    @property
    def is_cancelled(self) -> bool:
        """Canceled."""
        return self.status == "CANCELED"

    @property
    def is_final(self) -> bool:
        """Whether the run can no longer change: it finished, or its status is final."""
        return self.finished_at is not None or self.status in _FINAL
