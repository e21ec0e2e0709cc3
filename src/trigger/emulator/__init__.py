"""A local Trigger.dev emulator: the management API over real HTTP, runs that really run.

    from trigger.emulator import Emulator

    with Emulator() as emulator:
        @emulator.task("hello")
        def hello(payload, ctx):
            return {"greeting": f"hello {payload['name']}"}

        client = emulator.client()
        run = client.runs.poll(client.tasks.trigger("hello", {"name": "Ada"}).id, interval=0.1)
        assert run.output == {"greeting": "hello Ada"}

Design
------
Layers, each visible as modules:

- **HTTP** (``routes/``, ``app.py``): thin Starlette routes, one module per endpoint group.
  Each runs its server route's checks in the server's order (method, credential, size,
  params, query, headers, body, resource, scopes) with the server's statuses and bodies,
  then calls the layers below. ``validation.py`` reproduces zod's issues and the
  ``zod-validation-error`` text; ``auth.py`` the credential rules and 401 bodies;
  ``shapes.py`` the JSON answers. Nothing here imports the SDK's models or wire code: the
  emulator is written from the server's facts (``SERVER.md``), so a mistake in the SDK cannot
  hide behind the same mistake here. The one exception is `Emulator.client`, which builds
  SDK clients for users.
- **Engine** (``engine/``): run state (`RunState`) and its lifecycle as pure functions of
  ``(state, now)``: no clock reads, no I/O. The runtime (``runtime.py``) reads the one
  `Clock`, fires due timers (delay, TTL, retry backoff, ``maxDuration``), starts queued runs
  within queue limits, and executes Python handlers (``handlers.py``).
- **Store** (``store.py``): SQLite through the standard library, one connection and one
  writer, WAL mode for files (checkpointed by a thread of its own, off the commit path), in
  memory by default. Every acknowledged write is committed before the answer. Hot paths
  use indexes; list pages walk ``(env_id, created_at, seq)`` from a cursor, never
  ``OFFSET``.

One clock drives everything: `SystemClock` is real time; `ManualClock`, the virtual clock,
moves only when told to (`Emulator.advance` walks it event by event, so a test jumps over
a day-long delay instantly) or, in auto mode, skips to the next due event whenever no
handler runs; every timer fires from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trigger.emulator.clock import Clock, ClockMode, ManualClock, SystemClock
from trigger.emulator.engine.runs import RetryPolicy
from trigger.emulator.handlers import TaskContext, TaskMetadata
from trigger.emulator.waiting import (
    CreatedToken,
    TaskWait,
    TokenResult,
    WaitCanceled,
    WaitpointTimeoutError,
)

if TYPE_CHECKING:
    from trigger.emulator.server import Emulator

__all__ = [
    "Clock",
    "ClockMode",
    "CreatedToken",
    "Emulator",
    "ManualClock",
    "RetryPolicy",
    "SystemClock",
    "TaskContext",
    "TaskMetadata",
    "TaskWait",
    "TokenResult",
    "WaitCanceled",
    "WaitpointTimeoutError",
]


def __getattr__(name: str) -> object:
    # `Emulator` needs the `emulator` extra (Starlette, uvicorn): importing this package, as
    # the pytest plugin and the `trigger` command do, must work without it and stay cheap.
    if name != "Emulator":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        from trigger.emulator.server import Emulator
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            f"the emulator needs {error.name!r}: pip install 'trigger-sdk[emulator]'",
            name=error.name,
        ) from error
    globals()["Emulator"] = Emulator
    return Emulator
