"""The example tasks the documentation's pages trigger, for an emulator to run.

``trigger emulator --example-tasks`` registers them, and so does the docs' test runner, so a
reader following a page against their own emulator sees what the page shows:

- ``hello-world``: ``{"name": ...}`` -> ``{"message": "Hello, <name>!"}``;
- ``send-email``: ``{"to": ...}`` -> ``{"sent": True, "to": <to>}`` (a concurrency limit of 10);
- ``flaky``: fails its first attempt, then returns ``{"attempt": n}`` (3 attempts);
- ``approve-order``: creates a waitpoint token (its id in the run's metadata as ``token_id``,
  tagged ``order:<order_id>``), waits for it and returns what completed it;
- ``daily-digest``: declared as a scheduled task (no handler), for schedules to name;
- ``generate-report``: writes ``{"step", "percent"}`` chunks to its ``progress`` stream
  (``load``, ``render``, ``upload``, 20 ms apart), then returns ``{"pages": 12}``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from trigger.emulator.handlers import TaskContext

if TYPE_CHECKING:
    from trigger.emulator.server import Emulator

__all__ = ["register_example_tasks"]


def _hello_world(payload: dict[str, Any]) -> dict[str, str]:
    return {"message": f"Hello, {payload['name']}!"}


def _send_email(payload: dict[str, Any]) -> dict[str, Any]:
    return {"sent": True, "to": payload["to"]}


def _flaky(payload: Any, ctx: TaskContext) -> dict[str, int]:
    if ctx.attempt == 1:
        raise RuntimeError("the first attempt always fails")
    return {"attempt": ctx.attempt}


async def _approve_order(payload: Any, ctx: TaskContext) -> Any:
    order = payload.get("order_id") if isinstance(payload, dict) else None
    token = ctx.wait.create_token(
        timeout="1h", tags=[f"order:{order}"] if isinstance(order, str) else []
    )
    # Where a client finds the token to complete: the run's metadata.
    ctx.metadata.set("token_id", token.id)
    result = await ctx.wait.for_token(token)
    return result.unwrap()


def _generate_report(payload: Any, ctx: TaskContext) -> dict[str, int]:
    progress = ctx.stream("progress")
    for step, percent in (("load", 30), ("render", 80), ("upload", 100)):
        time.sleep(0.02)
        progress.write({"step": step, "percent": percent})
    return {"pages": 12}


def register_example_tasks(emulator: Emulator) -> None:
    """Register the documentation's example tasks on ``emulator`` (see the module's list)."""
    emulator.register("hello-world", _hello_world)
    emulator.register("send-email", _send_email, concurrency_limit=10)
    emulator.register("flaky", _flaky, max_attempts=3)
    emulator.register("approve-order", _approve_order)
    emulator.register("generate-report", _generate_report)
    # schedules.task in TypeScript: the emulator lets schedules name only scheduled tasks.
    emulator.declare_task("daily-digest", scheduled=True)
