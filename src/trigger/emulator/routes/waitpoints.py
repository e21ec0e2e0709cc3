"""Waitpoint token endpoints: create, list, retrieve, complete, and the callback URL.

Each follows its server route (SERVER.md §2.10, §7): create and list take secret keys only;
complete also takes a public access token with ``write:waitpoints:<id>``; the callback URL
takes no key at all (the HMAC in its path authenticates it). Retrieving an unknown token
answers 500 ``{"error":"Internal Server Error"}``, as the real server does (its presenter
throws a validation error the loader route does not map).
"""

from __future__ import annotations

import hmac
import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator import jwt
from trigger.emulator.durations import idempotency_ttl_ms, js_date_ms, parse_delay, period_ms
from trigger.emulator.engine.waitpoints import WaitpointState
from trigger.emulator.jsjson import superjson_stringify
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    check_content_length,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    loads,
    method_not_allowed,
    parse_body,
    parse_query,
)
from trigger.emulator.shapes_waitpoints import list_token, retrieve_token
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_waitpoints import TokenQuery
from trigger.emulator.validation import (
    MISSING,
    AnyValue,
    Arr,
    CoercedDate,
    CoercedNumber,
    Obj,
    Path,
    Schema,
    Str,
    Union,
    js_number,
)
from trigger.emulator.waiting import WaitpointService, callback_hash

__all__ = ["routes"]

CREATE_MAX_BYTES = 10 * 1024
COMPLETE_MAX_BYTES = 3_145_728
MAX_TAGS = 10
TOKEN_LIFETIME_S = 24 * 3600
_ACTION_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_STATUSES = ("WAITING", "COMPLETED", "TIMED_OUT")

_TAG = Str(max_length=128, max_message="Tags must be less than 128 characters")

CREATE_BODY = Obj(
    {
        "idempotencyKey": Str(
            max_length=2048, max_message="idempotencyKey must be 2048 characters or less"
        ).optional(),
        "idempotencyKeyTTL": Str().optional(),
        "timeout": Union(Str(), CoercedDate(js_date_ms)).optional(),
        "tags": Union(_TAG, Arr(_TAG)).optional(),
    }
)
"""``CreateWaitpointTokenRequestBody``."""

COMPLETE_BODY = Obj({"data": AnyValue()})
"""``CompleteWaitpointTokenRequestBody``: ``{data?}`` (any JSON, ``null`` included)."""


class _Statuses(Schema):
    """``filter[status]``: comma-joined token statuses, ``Invalid status values: …``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or not parsed:
            return status, MISSING, issues
        values = parsed.split(",")
        bad = [item for item in values if item not in _STATUSES]
        if bad:
            message = f"Invalid status values: {', '.join(bad)}"
            return 1, MISSING, [{"code": "custom", "message": message, "path": list(path)}]
        return 0, list(dict.fromkeys(values)), []


class _Split(Schema):
    """A comma-joined list (empty: absent)."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or not parsed:
            return status, MISSING, issues
        return 0, parsed.split(","), []


def _query_date(text: str) -> int | None:
    # The server's CoercedDate: a numeric string is Unix ms, anything else a date.
    number = js_number(text)
    if math.isfinite(number):
        return int(number)
    return js_date_ms(text)


LIST_QUERY = Obj(
    {
        "page[size]": CoercedNumber(("int",), ("positive",), ("min", 1), ("max", 100)).optional(),
        "page[after]": Str().optional(),
        "page[before]": Str().optional(),
        "filter[status]": _Statuses(),
        "filter[idempotencyKey]": Str().optional(),
        "filter[tags]": _Split(),
        "filter[createdAt][period]": Str().optional(),
        "filter[createdAt][from]": CoercedDate(_query_date).optional(),
        "filter[createdAt][to]": CoercedDate(_query_date).optional(),
    }
)
"""``ApiWaitpointListSearchParams``."""


def _remix_error(status: int) -> Reply:
    """What Remix answers for a method the route has no handler for."""
    body = json_response({"message": "Unexpected Server Error"}, status, {"x-remix-error": "yes"})
    return Reply(body)


def _service(state: EmulatorState) -> WaitpointService:
    return state.runtime.waits


def _url(state: EmulatorState, token: WaitpointState) -> str:
    return _service(state).callback_url(token, state.url)


def _internal_id(value: str) -> str:
    """``WaitpointId.toId``: a friendly id's internal part; anything else is used as is.

    Raises:
        ValueError: ``waitpoint_…`` with more than one ``_`` (the server throws: a 500).
    """
    if not value.startswith("waitpoint_"):
        return value
    parts = value.split("_")
    if len(parts) != 2 or not parts[1]:
        raise ValueError("Invalid friendly ID format")
    return parts[1]


def _stringify_io(value: Any) -> tuple[str | None, str | None]:
    """``stringifyIO``: a string is ``text/plain``, absent is nothing, the rest superjson."""
    if value is MISSING:
        return None, None
    if isinstance(value, str):
        return value, "text/plain"
    return superjson_stringify(value), "application/super+json"


def _node_hex(text: str) -> bytes:
    """``Buffer.from(text, "hex")``: the bytes of the leading valid hex pairs."""
    out = bytearray()
    for index in range(0, len(text) - 1, 2):
        pair = text[index : index + 2]
        if not all(c in "0123456789abcdefABCDEF" for c in pair):
            break
        out.append(int(pair, 16))
    return bytes(out)


# -- create and list -----------------------------------------------------------------------


async def _create(request: Request) -> Response:
    credential = builder_auth(request, allow_jwt=False)
    check_content_length(request, CREATE_MAX_BYTES)
    body = await parse_body(request, CREATE_BODY)
    state = emulator_state(request)
    env = credential.environment
    tags_value = body.get("tags")
    tags: list[str] = [tags_value] if isinstance(tags_value, str) else list(tags_value or [])
    if len(tags) > MAX_TAGS:
        fail(
            422,
            f"Waitpoints can only have {MAX_TAGS} tags, you're trying to set {len(tags)}.",
        )
    now = state.now_ms()
    ttl = body.get("idempotencyKeyTTL")
    key_ttl = idempotency_ttl_ms(ttl) if ttl else None
    timeout = body.get("timeout")
    # A date (coerced from a number) is used as given, even in the past; a string is a
    # future date or a duration, anything else meaning "no timeout".
    timeout_at = timeout if isinstance(timeout, int) else parse_delay(timeout, now)
    token, cached = _service(state).create_token(
        env,
        state.ids,
        idempotency_key=body.get("idempotencyKey") or None,
        key_ttl_ms=key_ttl,
        timeout_at=timeout_at,
        tags=tags,
    )
    claims: dict[str, Any] = {
        "sub": env.id,
        "pub": True,
        "scopes": [f"write:waitpoints:{token.friendly_id}"],
    }
    headers = {
        "x-trigger-jwt": jwt.sign(
            claims, env.api_key, now_s=now // 1000, lifetime_s=TOKEN_LIFETIME_S
        ),
        "x-trigger-jwt-claims": json.dumps({"sub": env.id, "pub": True}, separators=(",", ":")),
    }
    answer = {"id": token.friendly_id, "isCached": cached, "url": _url(state, token)}
    return json_response(answer, 200, headers)


def _token_query(env_id: str, q: dict[str, Any], now: int) -> TokenQuery:
    statuses: list[str] | None = q.get("filter[status]")
    output_is_error: bool | None = None
    stored: list[str] | None = None
    if statuses:
        if len(statuses) == 1 and statuses[0] in ("COMPLETED", "TIMED_OUT"):
            output_is_error = statuses[0] == "TIMED_OUT"
        stored = list(dict.fromkeys("PENDING" if s == "WAITING" else "COMPLETED" for s in statuses))
    created_from: int | None = None
    period = q.get("filter[createdAt][period]")
    if period:
        duration = period_ms(period)
        if duration is not None:
            created_from = now - duration
    if "filter[createdAt][from]" in q:
        given = q["filter[createdAt][from]"]
        created_from = given if created_from is None else max(given, created_from)
    return TokenQuery(
        env_id=env_id,
        statuses=stored,
        output_is_error=output_is_error,
        idempotency_key=q.get("filter[idempotencyKey]") or None,
        tags=q.get("filter[tags]"),
        created_from=created_from,
        created_to=q.get("filter[createdAt][to]"),
    )


async def _list(request: Request) -> Response:
    credential = builder_auth(request, allow_jwt=False)
    q = parse_query(request, LIST_QUERY)
    state = emulator_state(request)
    env = credential.environment
    size: int = q.get("page[size]") or 25
    cursor: str | None = q.get("page[after]") or None
    backward = False
    if q.get("page[before]"):
        cursor, backward = q["page[before]"], True
    query = _token_query(env.id, q, state.now_ms())
    rows = _service(state).table.page(query, size=size, cursor=cursor, backward=backward)
    has_more = len(rows) > size
    pagination: dict[str, str] = {}
    if not backward:
        if cursor and rows:
            pagination["previous"] = rows[0].id
        if has_more:
            pagination["next"] = rows[size - 1].id
        page = rows[:size]
    else:
        rows.reverse()  # the server fetches oldest first and shows newest first
        if has_more:
            pagination["previous"] = rows[1].id
            pagination["next"] = rows[size].id
            page = rows[1 : size + 1]
        else:
            if len(rows) >= size:
                pagination["next"] = rows[size - 1].id
            page = rows[:size]
    # The server writes `next` before `previous`.
    ordered = {k: pagination[k] for k in ("next", "previous") if k in pagination}
    data = [_list_token(state, token) for token in page]
    return json_response({"data": data, "pagination": ordered})


def _list_token(state: EmulatorState, token: WaitpointState) -> dict[str, Any]:
    return list_token(token, _url(state, token))


@endpoint
async def tokens(request: Request) -> Response:
    """``GET`` (list, newest first) and ``POST`` (create) ``/api/v1/waitpoints/tokens``."""
    if request.method == "GET":
        return await _list(request)
    if request.method != "POST":
        method_not_allowed("POST")
    return await _create(request)


# -- retrieve and complete ------------------------------------------------------------------


@endpoint
async def retrieve(request: Request) -> Response:
    """``GET /api/v1/waitpoints/tokens/{id}`` (an unknown id: 500, as on the server)."""
    if request.method != "GET":
        raise _remix_error(405)
    credential = builder_auth(request, allow_jwt=False)
    state = emulator_state(request)
    try:
        internal = _internal_id(request.path_params["waitpoint_id"])
    except ValueError:
        fail(500, "Internal Server Error")
    token = _service(state).table.get(internal, credential.environment.id)
    if token is None:
        fail(500, "Internal Server Error")
    return json_response(retrieve_token(token, _url(state, token)))


@endpoint
async def complete(request: Request) -> Response:
    """``POST /api/v1/waitpoints/tokens/{id}/complete``: ``{"success": true}``."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, COMPLETE_MAX_BYTES)
    body = await parse_body(request, COMPLETE_BODY)
    friendly = request.path_params["waitpoint_id"]
    forbid_unless(credential, "write", [("waitpoints", friendly)])
    try:
        internal = _internal_id(friendly)
    except ValueError:
        fail(500, "Internal Server Error")
    state = emulator_state(request)
    env = credential.environment
    service = _service(state)
    token = service.table.get(internal, env.id)
    if token is None:
        fail(404, "Waitpoint not found")
    if token.is_pending:
        output, output_type = _stringify_io(body.get("data", MISSING))
        service.complete(env.id, internal, output, output_type)
    return json_response({"success": True})


@endpoint
async def callback(request: Request) -> Response:
    """``POST /api/v1/waitpoints/tokens/{id}/callback/{hash}``: no key; the hash is the key."""
    if request.method == "GET":
        raise _remix_error(400)
    if request.method != "POST":
        method_not_allowed("POST")
    length = request.headers.get("content-length")
    if not length:
        fail(411, "Content-Length header is required")
    try:
        too_large = int(length.strip()) > COMPLETE_MAX_BYTES
    except ValueError:
        too_large = False  # parseInt of garbage is NaN, and NaN > n is false
    if too_large:
        fail(413, "Request body too large")
    try:
        internal = _internal_id(request.path_params["waitpoint_id"])
    except ValueError:
        raise Reply(Response(b"Unexpected Server Error", 500, media_type="text/plain")) from None
    state = emulator_state(request)
    service = _service(state)
    token = service.table.get(internal)
    env = state.project.env_by_id(token.env_id) if token is not None else None
    if token is None or env is None:
        fail(404, "Waitpoint not found")
    given = request.path_params["hash"]
    expected = callback_hash(token.id, env.api_key)
    if len(given) != len(expected):
        fail(401, "Invalid URL, hash doesn't match")
    given_bytes = _node_hex(given)
    if len(given_bytes) != len(expected) // 2:
        # Node's timingSafeEqual throws on buffers of different lengths (a hash with
        # non-hex characters), inside the route's try: its generic 500.
        fail(500, "Failed to complete HTTP callback")
    if not hmac.compare_digest(given_bytes, bytes.fromhex(expected)):
        fail(401, "Invalid URL, hash doesn't match")
    if token.is_pending:
        try:
            data = loads((await request.body()).decode("utf-8", "replace"))
        except ValueError:
            data = {}  # the server completes with {} when the body is not JSON
        output, output_type = _stringify_io(data)
        service.complete(token.env_id, token.id, output, output_type)
    return json_response({"success": True})


routes = [
    Route("/api/v1/waitpoints/tokens", tokens, methods=_ACTION_METHODS),
    Route(
        "/api/v1/waitpoints/tokens/{waitpoint_id}/callback/{hash}",
        callback,
        methods=_ACTION_METHODS,
    ),
    Route("/api/v1/waitpoints/tokens/{waitpoint_id}/complete", complete, methods=_ACTION_METHODS),
    Route("/api/v1/waitpoints/tokens/{waitpoint_id}", retrieve, methods=_ACTION_METHODS),
]
