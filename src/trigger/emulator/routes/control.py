"""The emulator's control plane under ``/_emulator/`` (not part of the Trigger.dev API).

- ``GET /_emulator/health``: 200 with the URL, project ref, keys and environments;
- ``POST /_emulator/reset``: forget every run, queue and recorded request;
- ``GET /_emulator/requests``: the API requests received, oldest first, with their bodies
  (``?path=/api/v1/tasks`` keeps those whose path starts so; ``?method=POST``);
  ``DELETE`` clears the list;
- ``POST /_emulator/clock``: ``{"advance": seconds}`` moves a manual clock.
"""

from __future__ import annotations

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


@endpoint
async def clock(request: Request) -> Response:
    """Move a manual clock: ``{"advance": seconds}``; answers the clock's time."""
    state = emulator_state(request)
    if request.method == "POST":
        if not isinstance(state.clock, ManualClock):
            fail(409, "The emulator runs on the real clock (start it with a ManualClock)")
        try:
            body = loads((await request.body()).decode("utf-8", "replace") or "{}")
        except ValueError:
            fail(400, "Invalid JSON")
        seconds = body.get("advance") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            fail(400, "advance must be a non-negative number of seconds")
        state.clock.advance(seconds)
    return json_response({"nowMs": state.now_ms(), "virtual": state.clock.is_virtual})


routes = [
    Route("/_emulator/health", health, methods=["GET"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/requests", requests, methods=["GET", "DELETE"]),
    Route("/_emulator/clock", clock, methods=["GET", "POST"]),
]
