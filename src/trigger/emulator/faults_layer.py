"""The ASGI layer that applies an emulator's fault rules and rate limiter to each request.

It sits inside ``app.py``'s middleware (which records the request, answers CORS
preflights and the missing-credential 401) and before the routes: the rate limiter runs
first, as the real server's middleware does, then the fault rules.

Dropping a connection, or cutting an answer short, needs the transport, which an ASGI
scope does not carry. The emulator serves with `FaultProtocol`, uvicorn's h11 protocol
with one addition: each connection puts a callable into the ``state`` that every request's
scope copies, which closes that connection without an answer (or after what was already
written), and tells uvicorn the client is gone, so it neither writes nor logs any more of
that answer. With no rule and no limiter, the layer costs one attribute read per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from trigger.emulator.faults import SCOPE_FIRED, SCOPE_LIMITED, SCOPE_RATE_HEADERS, Fault
from trigger.emulator.faults_limiter import (
    Verdict,
    batch_limit_answer,
    limiter_problem,
    realtime_limit_answer,
)
from trigger.emulator.state import EmulatorState

__all__ = ["STATE_ABORT", "FaultLayer", "FaultProtocol"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Abort = Callable[[bool], None]

STATE_ABORT = "trigger.emulator.abort"
"""Key, in ``scope["state"]``, of the callable that closes the request's connection:
``abort(False)`` resets it at once, ``abort(True)`` closes it after what was written."""

_STORAGE = "/_emulator/storage/"
"""The presigned packet URLs: data, not control, so rules may name them."""
_JSON = b"application/json; charset=utf-8"
_PROBLEM = b"application/problem+json; charset=utf-8"
_DEFAULT_LIMIT = 750
_LINGER_RESET = struct.pack("ii", 1, 0)


class FaultProtocol(H11Protocol):
    """uvicorn's h11 protocol, letting the fault layer close a connection unanswered."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set up the connection, and give its requests the callable that aborts it."""
        super().connection_made(transport)
        # A per-connection copy: every request's scope copies this dict as its "state".
        self.app_state = {**self.app_state, STATE_ABORT: self._abort}

    def _abort(self, graceful: bool) -> None:
        cycle = self.cycle
        if cycle is not None:
            # uvicorn then drops the rest of this answer, and does not report it unfinished.
            cycle.disconnected = True
        if graceful:
            self.transport.close()
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                # Closing with a zero linger sends a reset, as a dropped connection looks.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        self.transport.abort()


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def _bare(path: str) -> str:
    return path.rstrip("/") or "/"


async def _answer(
    send: Send, status: int, body: bytes, content_type: bytes, headers: list[Any]
) -> None:
    start = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": start + headers})
    await send({"type": "http.response.body", "body": body})


class _Truncating:
    """Passes the answer's head and half its body on, then closes the connection."""

    def __init__(self, send: Send, abort: Abort) -> None:
        self._send = send
        self._abort = abort
        self._cut: int | None = None
        self._sent = 0
        self._done = False

    async def __call__(self, message: Message) -> None:
        if self._done:
            await self._send(message)  # uvicorn drops it; the request log still sees it
            return
        if message["type"] == "http.response.start":
            length = _content_length(message.get("headers", ()))
            self._cut = None if length is None else length // 2
            await self._send(message)
            if self._cut == 0:
                self._close()
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if self._cut is None:  # no length (a stream): half of the first part
            if body or not more:
                await self._send({**message, "body": body[: len(body) // 2], "more_body": True})
                self._close()
            return
        room = self._cut - self._sent
        if len(body) < room and more:
            self._sent += len(body)
            await self._send(message)
            return
        await self._send({**message, "body": body[:room], "more_body": True})
        self._close()

    def _close(self) -> None:
        self._done = True
        self._abort(True)


def _content_length(headers: Any) -> int | None:
    for key, value in headers:
        if key.lower() == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value)
    return None


class FaultLayer:
    """Runs the rate limiter and the fault rules of ``state.faults`` before the routes."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.state.faults
        if not faults.active or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/_emulator/") and not path.startswith(_STORAGE):
            await self.app(scope, receive, send)
            return
        limiter = faults.limiter
        if limiter is not None and scope.get(SCOPE_LIMITED):
            now = self.state.now_ms()
            verdict = limiter.take(_header(scope, b"authorization"), now)
            scope[SCOPE_RATE_HEADERS] = verdict.headers()
            if not verdict.allowed:
                body = limiter_problem(verdict.limit, verdict.remaining, verdict.reset_ms, now)
                await _answer(send, 429, body, _PROBLEM, [])
                return
        raw = scope.get("raw_path")
        raw_path = raw.decode("latin-1") if isinstance(raw, bytes) else path
        decision = faults.decide(scope["method"], path, raw_path)
        if decision is None:
            await self.app(scope, receive, send)
            return
        scope[SCOPE_FIRED] = list(decision.fired)
        if decision.latency:
            await asyncio.sleep(decision.latency)
        rule = decision.rule
        if rule is None:
            await self.app(scope, receive, send)
            return
        fault = rule.fault
        if fault.status is not None:
            await self._status(scope, send, fault)
            return
        abort: Abort | None = scope.get("state", {}).get(STATE_ABORT)
        if abort is None:
            raise RuntimeError("dropping a connection needs the emulator's own HTTP server")
        if fault.drop == "before":
            abort(False)
            return
        if fault.drop == "after":

            async def after(message: Message) -> None:
                # The route has answered, so it has committed: lose its answer.
                if message["type"] == "http.response.start":
                    abort(False)
                await send(message)  # uvicorn drops it; the request log still sees it

            await self.app(scope, receive, after)
            return
        await self.app(scope, receive, _Truncating(send, abort))

    async def _status(self, scope: Scope, send: Send, fault: Fault) -> None:
        status = fault.status
        assert status is not None
        headers: list[tuple[bytes, bytes]] = []
        if fault.should_retry is not None:
            headers.append((b"x-should-retry", b"true" if fault.should_retry else b"false"))
        if status != 429:
            try:
                reason = http.HTTPStatus(status).phrase
            except ValueError:
                reason = "Error"
            body = json.dumps(
                {"error": fault.message or reason}, ensure_ascii=False, separators=(",", ":")
            ).encode()
            await _answer(send, status, body, _JSON, headers)
            return
        now = self.state.now_ms()
        wait = 1.0 if fault.retry_after is None else fault.retry_after
        reset = now + round(wait * 1000)
        path = _bare(scope["path"])
        if scope["method"] == "POST" and path == "/api/v3/batches":
            # Inside the route: the global limiter's headers come too (SERVER.md §15).
            limit_headers, body = batch_limit_answer(reset, now)
            await _answer(send, 429, body, _JSON, headers + limit_headers)
        elif path.startswith("/realtime/"):
            await _answer(send, 429, realtime_limit_answer(), _JSON, headers)
        else:
            limiter = self.state.faults.limiter
            limit = _DEFAULT_LIMIT if limiter is None else limiter.config.limit
            scope[SCOPE_RATE_HEADERS] = []  # this answer carries the limiter's own
            verdict = Verdict(False, limit, -1, reset)
            body = limiter_problem(limit, -1, reset, now)
            await _answer(send, 429, body, _PROBLEM, headers + verdict.headers())
