"""The emulator's control plane under ``/_emulator/`` (not part of the Trigger.dev API).

- ``GET /_emulator/health``: 200 with the URL, project ref, keys and environments;
- ``POST /_emulator/reset``: forget every run, queue and recorded request;
- ``GET /_emulator/requests``: the API requests received, oldest first, with their bodies
  (``?path=/api/v1/tasks`` keeps those whose path starts so; ``?method=POST``);
  ``DELETE`` clears the list;
- ``GET /_emulator/clock``: the time and the clock's mode (``real``, ``virtual``, ``auto``);
  ``POST`` moves a virtual clock, event by event as `Emulator.advance` does:
  ``{"advance": seconds}`` or ``{"advanceTo": "2026-03-01T09:00:00Z" | unix_ms}``, and
  ``{"mode": "virtual" | "auto"}`` switches auto-skipping; ``timeout`` (seconds, default
  30) bounds the wait for handlers.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.clock import ManualClock
from trigger.emulator.routes._http import emulator_state, endpoint, fail, json_response, loads

__all__ = ["routes"]


@endpoint
async def health(request: Request) -> Response:
    """Ready: the URL, project ref, keys and environments."""
    return json_response(emulator_state(request).health())


@endpoint
async def reset(request: Request) -> Response:
    """Forget every run, queue and recorded request."""
    emulator_state(request).reset()
    return json_response({"ok": True})


@endpoint
async def requests(request: Request) -> Response:
    """The recorded API requests (``DELETE`` clears them)."""
    state = emulator_state(request)
    if request.method == "DELETE":
        state.requests.clear()
        return json_response({"ok": True})
    prefix = request.query_params.get("path")
    method = request.query_params.get("method")
    return json_response({"requests": state.requests.items(prefix, method)})


def _clock_answer(clock_ms: int, mode: str) -> dict[str, Any]:
    now = datetime.fromtimestamp(clock_ms / 1000, tz=timezone.utc)
    return {
        "now": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "nowMs": clock_ms,
        "mode": mode,
        "virtual": mode != "real",
    }


def _target_ms(body: dict[str, Any], now_ms: int) -> int | None:
    """The instant a clock request moves to (``None``: it does not move the clock)."""
    if "advance" in body and "advanceTo" in body:
        fail(400, "Give advance or advanceTo, not both")
    if "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            fail(400, "advance must be a non-negative number of seconds")
        return now_ms + round(seconds * 1000)
    if "advanceTo" in body:
        value = body["advanceTo"]
        if isinstance(value, int) and not isinstance(value, bool):
            target = value
        elif isinstance(value, str):
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                when = None
            if when is None or when.utcoffset() is None:
                fail(400, "advanceTo must be an ISO 8601 time with an offset or Unix milliseconds")
            target = round(when.timestamp() * 1000)
        else:
            fail(400, "advanceTo must be an ISO 8601 time with an offset or Unix milliseconds")
        if target < now_ms:
            fail(400, "advanceTo is before the emulator's time; the clock never goes back")
        return target
    return None


@endpoint
async def clock(request: Request) -> Response:
    """The clock's time and mode; ``POST`` moves a virtual clock or switches auto mode."""
    state = emulator_state(request)
    if request.method == "POST":
        if not isinstance(state.clock, ManualClock):
            fail(409, "The emulator runs on the real clock (start it with --clock virtual)")
        try:
            body = loads((await request.body()).decode("utf-8", "replace") or "{}")
        except ValueError:
            fail(400, "Invalid JSON")
        if not isinstance(body, dict):
            fail(400, "The body must be a JSON object")
        unknown = sorted(set(body) - {"advance", "advanceTo", "mode", "timeout"})
        if unknown:
            fail(400, f"Unknown field {unknown[0]!r}: use advance, advanceTo, mode, timeout")
        mode = body.get("mode")
        if mode is not None and mode not in ("virtual", "auto"):
            fail(400, "mode must be 'virtual' or 'auto'")
        timeout = body.get("timeout", 30)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            fail(400, "timeout must be a positive number of seconds")
        target = _target_ms(body, state.now_ms())
        if mode is not None:
            state.clock.auto = mode == "auto"
        if target is not None:
            try:
                await run_in_threadpool(state.runtime.advance_to, target, float(timeout))
            except TimeoutError as exc:
                fail(504, str(exc))
    return json_response(_clock_answer(state.now_ms(), state.clock.mode))


routes = [
    Route("/_emulator/health", health, methods=["GET"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/requests", requests, methods=["GET", "DELETE"]),
    Route("/_emulator/clock", clock, methods=["GET", "POST"]),
]
