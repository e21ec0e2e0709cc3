"""What a handler writes to its run's realtime streams: ``ctx.streams`` and ``ctx.stream(key)``.

The in-task side of the official SDK's ``streams.pipe``, ``streams.writer`` and
``streams.append``: the key is registered on the run (its ``realtimeStreams``, as creating a
stream does), and each chunk is stored as one line of JSON, which a reader of
``GET /realtime/v1/streams/{runId}/{key}`` (``client.runs.stream`` in the SDK, the official
``runs.fetchStream``) receives the moment it is written::

    @emulator.task("generate-report")
    def generate_report(payload, ctx):
        progress = ctx.stream("progress")
        for step in ("load", "render", "upload"):
            progress.write({"step": step})
        return {"done": True}

The methods are plain (blocking) calls, quick enough for an async handler too, like
``ctx.metadata``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trigger.emulator.clock import Clock
from trigger.emulator.engine import streams as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.jsjson import js_stringify
from trigger.emulator.store import Store
from trigger.emulator.store_streams import StreamStore

__all__ = ["DEFAULT_KEY", "TaskStream", "TaskStreams"]

DEFAULT_KEY = "default"
"""The key the official SDK writes to when it is given none."""


def _line(name: str, value: Any) -> str:
    try:
        return js_stringify(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a JSON value (dict, list, str, int, float, bool or None), "
            f"not {type(value).__name__}"
        ) from None


def _key(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"key must be a str, not {type(value).__name__}")
    if not value or "/" in value:
        raise ValueError(f"key must be a non-empty path segment (no '/'), got {value!r}")
    return value


class TaskStreams:
    """The realtime streams a handler writes (``ctx.streams``).

    ``target`` picks the run written to: ``"self"`` (the default), ``"parent"`` or
    ``"root"`` (the run itself when it has none, as in the official SDK), or a ``run_…`` id.
    """

    def __init__(self, access: object, run_id: str) -> None:
        store, clock = getattr(access, "store", None), getattr(access, "clock", None)
        if not isinstance(store, Store) or not isinstance(clock, Clock):
            raise RuntimeError("this context cannot write streams (it was not made by the runtime)")
        self._store = store
        self._clock = clock
        self._run_id = run_id

    def _target(self, target: str) -> RunState:
        if not isinstance(target, str):
            raise TypeError(f"target must be a str, not {type(target).__name__}")
        run = self._store.get_run_by_id(self._run_id.partition("_")[2])
        if run is None:
            raise LookupError(f"the run {self._run_id} is gone (the emulator was reset)")
        if target in engine.TARGETS:
            wanted = engine.target_of(run, target) or run.friendly_id
        elif target.startswith("run_"):
            wanted = target
        else:
            raise ValueError(f"target must be 'self', 'parent', 'root' or a run id, got {target!r}")
        found = run if wanted == run.friendly_id else self._store.get_run(run.env_id, wanted)
        if found is None:
            raise LookupError(f"target: no run {wanted} in this environment")
        if found.completed_at is not None:
            raise RuntimeError(f"cannot write a realtime stream of {wanted}: the run has completed")
        return found

    def _write(self, key: str, lines: list[str], target: str) -> list[str]:
        run = self._target(target)
        ids = StreamStore(self._store).write(
            run, _key(key), lines, self._clock.now_ms(), register=True
        )
        return [engine.format_id(entry) for entry in ids]

    def write(self, key: str, value: Any, *, target: str = "self") -> str:
        """Write one chunk (any JSON value) to stream ``key``; the event id it got."""
        return self._write(key, [_line("value", value)], target)[0]

    def append(self, key: str, part: str, *, target: str = "self") -> str:
        """Append one text part, as the official ``streams.append`` does; its event id."""
        if not isinstance(part, str):
            raise TypeError(f"part must be a str, not {type(part).__name__}")
        return self._write(key, [engine.appended_line(part)], target)[0]

    def pipe(self, key: str, values: Iterable[Any], *, target: str = "self") -> list[str]:
        """Write every value of ``values`` (each one chunk, in one commit); their event ids."""
        lines = [_line(f"values[{index}]", value) for index, value in enumerate(values)]
        return self._write(key, lines, target) if lines else []

    def stream(self, key: str = DEFAULT_KEY, *, target: str = "self") -> TaskStream:
        """One stream, to write to without naming it each time."""
        return TaskStream(self, _key(key), target)


class TaskStream:
    """One realtime stream of the run (``ctx.stream(key)``)."""

    def __init__(self, streams: TaskStreams, key: str, target: str) -> None:
        self._streams = streams
        self.key = key
        """The stream's key."""
        self.target = target
        """The run it writes to (``"self"``, ``"parent"``, ``"root"`` or a run id)."""

    def write(self, value: Any) -> str:
        """Write one chunk (any JSON value); the event id it got."""
        return self._streams.write(self.key, value, target=self.target)

    def append(self, part: str) -> str:
        """Append one text part (``streams.append``); its event id."""
        return self._streams.append(self.key, part, target=self.target)

    def pipe(self, values: Iterable[Any]) -> list[str]:
        """Write every value of ``values``; their event ids."""
        return self._streams.pipe(self.key, values, target=self.target)

    def __repr__(self) -> str:
        return f"TaskStream(key={self.key!r}, target={self.target!r})"
