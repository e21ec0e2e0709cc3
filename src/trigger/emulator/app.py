"""The ASGI application: the routes, and the middleware the real server runs first.

Before any route, the real server's rate-limit middleware refuses an ``/api`` request
without an ``Authorization`` header with a pretty-printed ``application/problem+json`` 401
(SERVER.md §1.1). This middleware does that, records every API request for the control
plane, answers CORS preflights, and turns anything unexpected into a JSON 500.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from trigger.emulator.faults import SCOPE_FIRED, SCOPE_LIMITED, SCOPE_RATE_HEADERS
from trigger.emulator.faults_layer import FaultLayer
from trigger.emulator.routes import (
    batches,
    bulk_actions,
    concurrency_limits,
    control,
    deployments,
    envvars,
    errors,
    faults,
    identity,
    packets,
    prompts,
    query,
    query_dashboards,
    queues,
    realtime,
    run_traces,
    runs,
    schedules,
    session_transcripts,
    sessions,
    streams,
    tasks,
    tokens,
    waitpoints,
    webhooks,
)
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_batches import BatchStore

__all__ = ["build_app"]

logger = logging.getLogger("trigger.emulator")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_BATCH_ITEMS = re.compile(r"^/api/v3/batches/batch_([^/]+)/items/?$")
_STREAM_GRANTS = 10
"""Item streams of one batch that bypass the rate limiter (minted at create, SERVER.md §1.9)."""

_NO_AUTH_PATHS = (
    re.compile(r"^/api/v1/timezones/?$"),
    re.compile(r"^/api/v1/auth/jwt/claims/?$"),
    re.compile(r"^/api/v1/waitpoints/tokens/[^/]+/callback/[^/]+/?$"),
    re.compile(r"^/api/v[12]/packets/"),
    re.compile(r"^/api/v\d+/deployments/current/?$"),
)

_MISSING_AUTH = json.dumps(
    {
        "title": "Unauthorized",
        "status": 401,
        "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401",
        "detail": "No authorization header provided",
        "error": "No authorization header provided",
    },
    indent=2,
).encode()

_CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, HEAD, PUT, PATCH, POST, DELETE"),
    (b"access-control-allow-headers", b"*"),
    (b"access-control-expose-headers", b"x-trigger-jwt, x-trigger-jwt-claims"),
    (b"access-control-max-age", b"300"),
]


def _redacted_auth(value: str) -> str:
    token = value[7:] if value.startswith("Bearer ") else value
    match = re.match(r"^(tr_(?:dev|stg|prod|preview|pat)_)", token)
    if match:
        return f"Bearer {match.group(1)}***"
    return "Bearer ***" if token else ""


class EmulatorMiddleware:
    """Missing-credential 401s, CORS preflights, request recording, JSON 500s."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state
        self._grants_used: dict[str, int] = {}

    def _stream_grant(self, path: str) -> bool:
        """Whether a batch's item stream spends one of its grants (and skips the limiter)."""
        match = _BATCH_ITEMS.match(path)
        if match is None or BatchStore(self.state.store).get_by_id(match.group(1)) is None:
            return False
        used = self._grants_used.get(match.group(1), 0)
        if used >= _STREAM_GRANTS:
            return False
        if len(self._grants_used) > 10_000:
            self._grants_used.clear()
        self._grants_used[match.group(1)] = used + 1
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        status_holder = [0]
        whitelisted = any(p.match(path) for p in _NO_AUTH_PATHS)
        # An empty header counts as none (the real middleware tests it for truthiness).
        has_auth = bool(headers.get("authorization"))
        limited = (
            path.startswith("/api")
            and method != "OPTIONS"
            and not whitelisted
            and has_auth
            and not self._stream_grant(path)
        )
        if limited:
            scope[SCOPE_LIMITED] = True  # the fault layer's rate limiter counts it

        recorded = [False]

        def record() -> None:
            if not recorded[0] and not path.startswith("/_emulator"):
                recorded[0] = True
                self._record(scope, headers, body, status_holder[0], started)

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                if limited:
                    # The limiter's headers come first, as Express sets them before the route.
                    rate = scope.get(SCOPE_RATE_HEADERS)
                    rate = self._rate_headers() if rate is None else rate
                    message["headers"] = [*rate, *message.get("headers", [])]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Before the last byte leaves: a client holding its answer finds its request.
                record()
            await send(message)

        started = time.perf_counter()
        try:
            if method == "OPTIONS" and (path.startswith("/api/") or path.startswith("/realtime/")):
                await self._raw(recording_send, 200, b"{}", "application/json", _CORS_HEADERS)
            elif path.startswith("/api") and not has_auth and not whitelisted:
                await self._raw(
                    recording_send, 401, _MISSING_AUTH, "application/problem+json; charset=utf-8"
                )
            else:
                await self.app(scope, replay, recording_send)
        except Exception:
            logger.exception("emulator request %s %s failed", method, path)
            if status_holder[0] == 0:
                await self._raw(
                    recording_send,
                    500,
                    b'{"error":"Internal Server Error"}',
                    "application/json; charset=utf-8",
                )
        finally:
            record()

    def _rate_headers(self) -> list[tuple[bytes, bytes]]:
        # The emulator does not rate-limit; it sends the headers the real limiter sets on
        # every limited request (SERVER.md §1.9), as for a bucket that is never drained.
        reset = str(self.state.now_ms() + 10_000).encode()
        return [
            (b"x-ratelimit-limit", b"750"),
            (b"x-ratelimit-remaining", b"749"),
            (b"x-ratelimit-reset", reset),
        ]

    @staticmethod
    async def _raw(
        send: Send,
        status: int,
        body: bytes,
        content_type: str,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *(extra or []),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _record(
        self, scope: Scope, headers: dict[str, str], body: bytes, status: int, started: float
    ) -> None:
        logged = dict(headers)
        if "authorization" in logged:
            logged["authorization"] = _redacted_auth(logged["authorization"])
        query = scope.get("query_string", b"").decode("latin-1")
        self.state.requests.add(
            {
                "at": self.state.now_ms(),
                "method": scope["method"],
                "path": scope["path"],
                "query": query,
                "headers": logged,
                "status": status,
                "durationMs": round((time.perf_counter() - started) * 1000, 3),
                **({"faults": scope[SCOPE_FIRED]} if SCOPE_FIRED in scope else {}),
            },
            body,
            headers.get("content-type", ""),
        )


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status == 405:
        return Response(b"", 405)
    body = json.dumps({"error": "Not found"}).encode()
    return Response(body, 404, media_type="application/json; charset=utf-8")


def build_app(state: EmulatorState) -> ASGIApp:
    """The emulator's ASGI application over ``state``."""
    app = Starlette(
        routes=[
            *tasks.routes,
            *runs.routes,
            *realtime.routes,
            *streams.routes,
            *run_traces.routes,
            *schedules.routes,
            *envvars.routes,
            *deployments.routes,
            *tokens.routes,
            *identity.routes,
            *errors.routes,
            *sessions.routes,
            *session_transcripts.routes,
            # Before query's: the dashboard list lives here, with the custom dashboards.
            *query_dashboards.routes,
            *query.routes,
            *prompts.routes,
            *waitpoints.routes,
            *webhooks.routes,
            *queues.routes,
            *concurrency_limits.routes,
            *batches.routes,
            *bulk_actions.routes,
            *packets.routes,
            *control.routes,
            *faults.routes,
        ],
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.router.redirect_slashes = False
    app.state.emulator = state
    return EmulatorMiddleware(FaultLayer(app, state), state)
