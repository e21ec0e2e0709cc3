"""What every route shares: JSON answers, the builder pipeline's checks, and error bodies.

The real server's "builder" routes check, in order: method, credential, body size, path
params, query, headers, body (SERVER.md §1.1); each failure has its own status and body
(§1.4). Route handlers here call the same checks in the same order; a failed check raises
`Reply`, which `endpoint` turns into the answer. Anything unexpected becomes the server's
own ``500 {"error": "Internal Server Error"}``, never a traceback.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import Response

from trigger.emulator.auth import (
    AuthFailure,
    Credential,
    Resource,
    authenticate_builder,
    authenticate_legacy,
)
from trigger.emulator.state import EmulatorState
from trigger.emulator.validation import Schema, format_issues

__all__ = [
    "Reply",
    "api_version",
    "builder_auth",
    "check_content_length",
    "emulator_state",
    "endpoint",
    "fail",
    "forbid_unless",
    "json_response",
    "legacy_auth",
    "legacy_json_body",
    "method_not_allowed",
    "parse_body",
    "parse_headers",
    "parse_query",
]

logger = logging.getLogger("trigger.emulator")

Endpoint = Callable[[Request], Awaitable[Response]]

UNAUTHORIZED_BODY = {
    "error": "Unauthorized",
    "code": "unauthorized",
    "param": "access_token",
    "type": "authorization",
}


class Reply(Exception):
    """Stop handling and answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A compact JSON answer (raw UTF-8, like the server's)."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, status, dict(headers or {}), media_type="application/json; charset=utf-8")


def fail(status: int, error: str, headers: Mapping[str, str] | None = None) -> NoReturn:
    """Answer ``{"error": error}`` with ``status``."""
    raise Reply(json_response({"error": error}, status, headers))


def method_not_allowed(allow: str, *, empty: bool = False) -> NoReturn:
    """405: ``{"error": "Method not allowed"}`` with ``Allow``, or an empty body."""
    if empty:
        raise Reply(Response(b"", 405))
    raise Reply(json_response({"error": "Method not allowed"}, 405, {"Allow": allow}))


def emulator_state(request: Request) -> EmulatorState:
    """The emulator behind this request."""
    state: EmulatorState = request.app.state.emulator
    return state


def api_version(request: Request) -> str | None:
    """The ``x-trigger-api-version`` header."""
    return request.headers.get("x-trigger-api-version")


def endpoint(fn: Endpoint) -> Endpoint:
    """Turn `Reply` into its answer and any other error into the server's 500."""

    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        try:
            return await fn(request)
        except Reply as reply:
            return reply.response
        except Exception:
            logger.exception("emulator route %s failed", request.url.path)
            return json_response({"error": "Internal Server Error"}, 500)

    return wrapper


def builder_auth(request: Request, *, allow_jwt: bool) -> Credential:
    """Authenticate as a builder route does (401 bodies of SERVER.md §1.2)."""
    state = emulator_state(request)
    try:
        return authenticate_builder(
            state.project,
            request.headers.get("authorization"),
            request.headers.get("x-trigger-branch"),
            allow_jwt=allow_jwt,
            strict=state.strict_keys,
            now_s=state.now_ms() // 1000,
        )
    except AuthFailure as failure:
        raise Reply(json_response(failure.body, failure.status)) from None


def legacy_auth(request: Request, message: str) -> Credential:
    """Authenticate as a legacy route does: secret keys only, 401 ``message`` otherwise."""
    state = emulator_state(request)
    try:
        return authenticate_legacy(
            state.project,
            request.headers.get("authorization"),
            request.headers.get("x-trigger-branch"),
            strict=state.strict_keys,
            message=message,
        )
    except AuthFailure as failure:
        raise Reply(json_response(failure.body, failure.status)) from None


def forbid_unless(
    credential: Credential, action: str, resources: list[Resource], mode: str = "any"
) -> None:
    """403 with the builder's body when a JWT's scopes do not cover ``resources``."""
    if not credential.can(action, resources, mode):
        raise Reply(json_response(UNAUTHORIZED_BODY, 403))


def check_content_length(request: Request, limit: int) -> None:
    """413 when ``Content-Length`` is missing or above ``limit``."""
    value = request.headers.get("content-length")
    try:
        length = int(value) if value is not None else None
    except ValueError:
        length = None
    if length is None or length > limit:
        fail(413, "Request body too large")


def _details(error: str, issues: list[dict[str, Any]]) -> NoReturn:
    raise Reply(json_response({"error": error, "details": issues}, 400))


def parse_query(request: Request, schema: Schema) -> dict[str, Any]:
    """Validate the query string, last value winning (400 ``Query Error``)."""
    value, issues = schema.parse(dict(request.query_params))
    if issues:
        _details("Query Error", issues)
    return dict(value)


def parse_headers(request: Request, schema: Schema) -> dict[str, Any]:
    """Validate headers (400 ``Headers Error``)."""
    value, issues = schema.parse(dict(request.headers))
    if issues:
        _details("Headers Error", issues)
    return dict(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def loads(text: str) -> Any:
    """``JSON.parse``: strict JSON (no ``NaN``/``Infinity``); raises ``ValueError``."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("too deep") from None


async def parse_body(request: Request, schema: Schema) -> Any:
    """Validate a JSON body as builder routes do (empty, invalid or falsy JSON, schema)."""
    raw = (await request.body()).decode("utf-8", "replace")
    if len(raw) == 0:
        fail(400, "Request body is empty")
    try:
        value = loads(raw)
    except ValueError:
        fail(400, "Invalid JSON")
    if value is None or value is False or value == 0 or value == "":
        fail(400, "Invalid JSON")
    parsed, issues = schema.parse(value)
    if issues:
        fail(400, format_issues(issues))
    return parsed


async def legacy_json_body(request: Request) -> Any:
    """``await request.json()`` on a legacy route: unparseable JSON is Remix's bare 500."""
    raw = (await request.body()).decode("utf-8", "replace")
    try:
        return loads(raw)
    except ValueError:
        raise Reply(Response(b"Unexpected Server Error", 500, media_type="text/plain")) from None
