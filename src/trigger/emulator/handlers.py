"""Python task handlers: registration, and the context a handler receives.

A handler is a function (sync or async) taking ``(payload)`` or ``(payload, ctx)``. Its return
value becomes the run's output (JSON); an exception fails the attempt, and the run is retried
with backoff until its attempts are used up. ``ctx`` is a `TaskContext`: the run id, the
attempt number, tags, and metadata that reads and writes the stored run (visible through
``GET /api/v3/runs/{id}`` while the handler runs).
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from trigger.emulator.engine.runs import RetryPolicy

if TYPE_CHECKING:
    from trigger.emulator.stream_writer import TaskStream, TaskStreams
    from trigger.emulator.waiting import TaskWait

__all__ = ["Handler", "RunAccess", "TaskContext", "TaskMetadata", "TaskRegistry", "TaskSpec"]

# typing's alias rather than collections.abc's: only it takes a ``__doc__`` on Python 3.10.
Handler = typing.Callable[..., Any]
Handler.__doc__ = """``fn(payload)`` or ``fn(payload, ctx)``, sync or async."""


class RunAccess(Protocol):
    """What a context needs from the runtime to read and change its run."""

    def run_metadata(self, run_id: str) -> dict[str, Any]:
        """The run's current metadata object."""
        ...

    def apply_metadata(
        self, run_id: str, operations: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """Apply metadata operations to the run; its metadata afterwards."""
        ...

    def add_run_tags(self, run_id: str, tags: Sequence[str]) -> tuple[str, ...]:
        """Add tags to the run; its tags afterwards."""
        ...

    def run_is_canceled(self, run_id: str) -> bool:
        """Whether the run was canceled."""
        ...


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """A registered task."""

    id: str
    handler: Handler
    retry: RetryPolicy | None = None
    """Retry policy for this task (``None``: the emulator's default)."""
    queue: str | None = None
    """A custom queue name for its runs (``None``: the task's own queue)."""
    concurrency_limit: int | None = None
    """Concurrency limit of the task's queue (``None``: unlimited)."""
    scheduled: bool = False
    """A scheduled task (``schedules.task`` in the TypeScript SDK): schedules may name it."""
    concurrency: tuple[str, ...] = ()
    """Named concurrency limits its runs hold (unless a trigger gives its own)."""

    @property
    def is_async(self) -> bool:
        """Whether the handler is a coroutine function."""
        return inspect.iscoroutinefunction(self.handler)

    @property
    def takes_context(self) -> bool:
        """Whether the handler accepts a second (context) argument."""
        try:
            parameters = list(inspect.signature(self.handler).parameters.values())
        except (TypeError, ValueError):
            return True
        positional = [
            p
            for p in parameters
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        ]
        return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in positional)


class TaskRegistry:
    """The registered tasks, by id (thread-safe)."""

    def __init__(self) -> None:
        self._tasks: dict[str, TaskSpec] = {}
        self._declared: dict[str, bool] = {}
        self._limits: dict[str, tuple[int | None, int | None]] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[TaskSpec], None]] = []

    def register(self, spec: TaskSpec) -> None:
        """Add or replace a task, then tell the listeners (the runtime releases its runs)."""
        with self._lock:
            self._tasks[spec.id] = spec
            listeners = list(self._listeners)
        for listener in listeners:
            listener(spec)

    def unregister(self, task_id: str) -> None:
        """Forget a task."""
        with self._lock:
            self._tasks.pop(task_id, None)
            self._declared.pop(task_id, None)

    def get(self, task_id: str) -> TaskSpec | None:
        """The task with this id."""
        with self._lock:
            return self._tasks.get(task_id)

    def declared_limit(self, queue: str) -> int | None:
        """The concurrency limit a registered task declares for a queue (``None``: none).

        ``task/<id>`` is the task's own queue; any other name a custom queue of some task.
        """
        with self._lock:
            if queue.startswith("task/"):
                spec = self._tasks.get(queue[5:])
                if spec is not None and spec.queue is None:
                    return spec.concurrency_limit
            for spec in self._tasks.values():
                if spec.queue == queue and spec.concurrency_limit is not None:
                    return spec.concurrency_limit
            return None

    def declare_limit(self, name: str, *, total: int | None, per_key: int | None) -> None:
        """Declare (or redeclare) a named concurrency limit with its bounds."""
        with self._lock:
            self._limits[name] = (total, per_key)

    def forget_limit(self, name: str) -> None:
        """Forget a named limit's declaration."""
        with self._lock:
            self._limits.pop(name, None)

    def named_limits(self) -> dict[str, tuple[int | None, int | None]]:
        """The declared named limits: ``name -> (total, perKey)``."""
        with self._lock:
            return dict(self._limits)

    def task_concurrency(self, task_id: str) -> tuple[str, ...]:
        """The named limits a registered task declares (``()``: none)."""
        with self._lock:
            spec = self._tasks.get(task_id)
            return spec.concurrency if spec is not None else ()

    def declare(self, task_id: str, *, scheduled: bool) -> None:
        """Declare a task without a handler (a task a worker elsewhere would run)."""
        with self._lock:
            self._declared[task_id] = scheduled

    def task_kind(self, task_id: str) -> bool | None:
        """Whether a declared task is scheduled; ``None`` when no task has that id."""
        with self._lock:
            spec = self._tasks.get(task_id)
            return spec.scheduled if spec is not None else self._declared.get(task_id)

    def declared_ids(self) -> list[str]:
        """Ids of tasks declared without a handler."""
        with self._lock:
            return sorted(self._declared)

    def any_declared(self) -> bool:
        """Whether any task is declared (registered with a handler, or without)."""
        with self._lock:
            return bool(self._tasks or self._declared)

    def ids(self) -> list[str]:
        """Every registered task id."""
        with self._lock:
            return sorted(self._tasks)

    def subscribe(self, listener: Callable[[TaskSpec], None]) -> None:
        """Call ``listener`` after each registration."""
        with self._lock:
            self._listeners.append(listener)

    def clear(self) -> None:
        """Forget every task."""
        with self._lock:
            self._tasks.clear()
            self._declared.clear()
            self._limits.clear()


class TaskMetadata:
    """The run's metadata, read from and written to the stored run."""

    def __init__(self, access: RunAccess, run_id: str) -> None:
        self._access = access
        self._run_id = run_id

    def current(self) -> dict[str, Any]:
        """The whole metadata object."""
        return self._access.run_metadata(self._run_id)

    def get(self, key: str, default: Any = None) -> Any:
        """One top-level value."""
        return self.current().get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Set a key (a JSON path such as ``$.a.b`` sets a nested value)."""
        self._access.apply_metadata(self._run_id, [{"type": "set", "key": key, "value": value}])

    def delete(self, key: str) -> None:
        """Remove a key."""
        self._access.apply_metadata(self._run_id, [{"type": "delete", "key": key}])

    def append(self, key: str, value: Any) -> None:
        """Append to the list at ``key`` (creating it)."""
        self._access.apply_metadata(self._run_id, [{"type": "append", "key": key, "value": value}])

    def remove(self, key: str, value: Any) -> None:
        """Remove ``value`` from the list at ``key``."""
        self._access.apply_metadata(self._run_id, [{"type": "remove", "key": key, "value": value}])

    def increment(self, key: str, amount: float = 1) -> None:
        """Add ``amount`` to the number at ``key`` (missing counts as 0)."""
        self._access.apply_metadata(
            self._run_id, [{"type": "increment", "key": key, "value": amount}]
        )

    def replace(self, metadata: Mapping[str, Any]) -> None:
        """Replace the whole metadata object."""
        self._access.apply_metadata(self._run_id, [{"type": "update", "value": dict(metadata)}])


class TaskContext:
    """What a handler knows about the run it executes."""

    def __init__(
        self,
        access: RunAccess,
        *,
        run_id: str,
        task_id: str,
        attempt: int,
        tags: tuple[str, ...],
        is_test: bool,
        environment: str,
        payload_type: str,
        wait: TaskWait | None = None,
    ) -> None:
        self._access = access
        self._wait = wait
        self.run_id = run_id
        """The run (``run_…``)."""
        self.task_id = task_id
        """The task's identifier."""
        self.attempt = attempt
        """The attempt number, from 1."""
        self.is_test = is_test
        """Whether the run was triggered as a test."""
        self.environment = environment
        """The environment slug (``dev``, ``stg``, ``prod``, ``preview``)."""
        self.payload_type = payload_type
        """How the payload was sent (``application/json``, ``application/super+json`` ...)."""
        self.metadata = TaskMetadata(access, run_id)
        """The run's metadata, read and written through the store."""
        self._tags = tags

    @property
    def tags(self) -> tuple[str, ...]:
        """The run's tags."""
        return self._tags

    def add_tags(self, *tags: str) -> None:
        """Add tags to the run."""
        self._tags = self._access.add_run_tags(self.run_id, tags)

    @property
    def wait(self) -> TaskWait:
        """Waiting: on tokens (``for_token``) and on the clock (``for_seconds``)."""
        if self._wait is None:
            raise RuntimeError("this context cannot wait (it was not made by the runtime)")
        return self._wait

    @property
    def streams(self) -> TaskStreams:
        """The run's realtime streams, which readers see live (``ctx.streams.write(key, v)``)."""
        from trigger.emulator.stream_writer import TaskStreams

        return TaskStreams(self._access, self.run_id)

    def stream(self, key: str = "default") -> TaskStream:
        """One realtime stream of the run (``ctx.stream("progress").write({...})``)."""
        return self.streams.stream(key)

    @property
    def is_canceled(self) -> bool:
        """Whether the run was canceled (a sync handler should stop when it is)."""
        return self._access.run_is_canceled(self.run_id)

    def __repr__(self) -> str:
        return (
            f"TaskContext(run_id={self.run_id!r}, task_id={self.task_id!r}, attempt={self.attempt})"
        )
