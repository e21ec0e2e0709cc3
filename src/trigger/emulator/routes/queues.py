"""Queue endpoints: list, retrieve, pause/resume, concurrency override and reset.

Builder routes (SERVER.md §2.7): secret keys, and for retrieve also a public access token
with ``read:queues``. A queue is named by its ``queue_…`` id, or with ``type=task`` by a task
id and with ``type=custom`` by a custom queue's name (each ``%2F`` in the segment read as
``/``). The queue of every registered handler exists in every environment, as a deployed
task's queue does; other queues appear with their first run.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.engine import queues as engine
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    method_not_allowed,
    parse_body,
    parse_query,
)
from trigger.emulator.routes._legacy import no_action
from trigger.emulator.shapes_queues import friendly_queue_id, queue_item
from trigger.emulator.state import EmulatorState
from trigger.emulator.store import QueueRow
from trigger.emulator.store_queues import counts, env_queues, get_percent, set_percent
from trigger.emulator.validation import (
    MISSING,
    CoercedNumber,
    Enum,
    Num,
    Obj,
    Path,
    Schema,
)

__all__ = ["ensure_registered_queues", "find_queue", "routes"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_LOOKUP = Enum(("task", "custom", "id"))
_PER_PAGE_DEFAULT = 25
_PER_PAGE_MAX = 100

LIST_QUERY = Obj(
    {
        "page": CoercedNumber(("int",), ("positive",)).optional(),
        "perPage": CoercedNumber(("int",), ("positive",)).optional(),
    }
)
RETRIEVE_QUERY = Obj({"type": _LOOKUP.optional()})
PAUSE_BODY = Obj({"type": _LOOKUP.optional(), "action": Enum(("pause", "resume"))})
RESET_BODY = Obj({"type": _LOOKUP.optional()})


_OVERRIDE_FIELDS: dict[str, Schema] = {
    "type": _LOOKUP.optional(),
    "concurrencyLimit": Num(("int",), ("min", 0), ("max", 100000)).optional(),
    "percent": Num(("positive",), ("max", 100)).optional(),
}
_ABORTED = 2


class _OverrideBody(Schema):
    """``{type?, concurrencyLimit?}`` or ``{type?, percent?}``: exactly one of the two."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Obj(_OVERRIDE_FIELDS).run(value, path)
        if not isinstance(value, dict):
            return status, parsed, issues
        # zod's refine runs unless a field aborted (a wrong type), so only then is it skipped.
        aborted = any(
            schema.run(value.get(name, MISSING), (*path, name))[0] == _ABORTED
            for name, schema in _OVERRIDE_FIELDS.items()
        )
        if not aborted and ("concurrencyLimit" in parsed) == ("percent" in parsed):
            message = "Provide exactly one of `concurrencyLimit` or `percent`"
            issues = [*issues, {"code": "custom", "message": message, "path": list(path)}]
            status = max(status, 1)
        return status, parsed, issues


OVERRIDE_BODY = _OverrideBody()


_BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")


def _decode_uri_component(text: str) -> str:
    """``decodeURIComponent``; a malformed escape throws there (a 500), so here too."""
    try:
        if _BAD_ESCAPE.search(text):
            raise ValueError(text)
        return urllib.parse.unquote(text, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Reply(json_response({"error": "Internal Server Error"}, 500)) from None


_PREFIX = "/api/v1/queues/"


def _segment(request: Request, suffix: str = "") -> str:
    """The queue segment as the server's router hands it over: the raw segment decoded once.

    Starlette matches on the decoded path, where ``task%2Fhourly`` has become two segments;
    the routes take ``{queue:path}`` and the segment is read from the raw path instead, so
    ``%2F`` and ``%252F`` both name ``task/hourly`` (as on the server) while a literal ``/``
    in the name matches no route (the server's 404).
    """
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    rest = raw.decode("latin-1").split("?", 1)[0][len(_PREFIX) :].rstrip("/")
    segment, _, tail = rest.partition("/")
    if not segment or ("/" + tail if tail else "") != suffix:
        raise Reply(json_response({"error": "Not found"}, 404))
    return urllib.parse.unquote(segment)


def _queue_name(segment: str, lookup: str) -> str:
    """The stored name a path segment addresses (``%2F`` is ``/``); ids are returned as is."""
    value = segment.replace("%2F", "/")
    if lookup == "id":
        return value
    name = _decode_uri_component(value).replace("%2F", "/")
    if lookup == "task":
        return "task/" + name.removeprefix("task/")
    return name


def ensure_registered_queues(state: EmulatorState, env: Environment) -> None:
    """Create the queue of every registered handler in ``env`` (once)."""
    missing: list[tuple[str, str]] = []
    for task_id in state.registry.ids():
        spec = state.registry.get(task_id)
        if spec is None:
            continue
        name, kind = (spec.queue, "custom") if spec.queue else (f"task/{spec.id}", "task")
        if state.store.get_queue(env.id, name) is None:
            missing.append((name, kind))
    if not missing:
        return
    with state.store.transaction() as conn:
        for name, kind in missing:
            if state.store.get_queue(env.id, name) is None:
                internal, _ = state.ids.friendly("queue")
                state.store.put_queue(
                    conn, QueueRow(env_id=env.id, name=name, id=internal, type=kind)
                )


def find_queue(
    state: EmulatorState, env: Environment, segment: str, lookup: str
) -> QueueRow | None:
    """The queue a path segment and lookup type address in ``env``."""
    ensure_registered_queues(state, env)
    name = _queue_name(segment, lookup)
    if lookup != "id":
        return state.store.get_queue(env.id, name)
    for queue in env_queues(state.store, env.id):
        if friendly_queue_id(queue) == name:
            return queue
    return None


def _item(state: EmulatorState, queue: QueueRow, *, with_percent: bool) -> dict[str, Any]:
    base = queue.concurrency_limit
    if base is None:
        base = state.registry.declared_limit(queue.name)
    running, queued = counts(state.store, queue.env_id, queue.name)
    percent = get_percent(state.store, queue.env_id, queue.name) if with_percent else None
    return queue_item(
        queue,
        base=base,
        running=running,
        queued=queued,
        with_percent=with_percent,
        percent=percent,
    )


@endpoint
async def list_queues(request: Request) -> Response:
    """``GET /api/v1/queues``: offset pages ordered by name (``perPage`` capped at 100)."""
    if request.method != "GET":
        no_action(marked=True)
    credential = builder_auth(request, allow_jwt=False)
    q = parse_query(request, LIST_QUERY)
    forbid_unless(credential, "read", [("queues", None)])
    state = emulator_state(request)
    env = credential.environment
    ensure_registered_queues(state, env)
    per_page = min(q.get("perPage") or _PER_PAGE_DEFAULT, _PER_PAGE_MAX)
    page = q.get("page") or 1
    queues = sorted(env_queues(state.store, env.id), key=lambda row: row.name.removeprefix("task/"))
    chunk = queues[(page - 1) * per_page : page * per_page]
    return json_response(
        {
            "data": [_item(state, queue, with_percent=True) for queue in chunk],
            "pagination": {
                "currentPage": page,
                "totalPages": math.ceil(len(queues) / per_page),
                "count": len(queues),
            },
        }
    )


@endpoint
async def retrieve_queue(request: Request) -> Response:
    """``GET /api/v1/queues/{queueParam}?type=id|task|custom`` (404 ``queue-not-found``)."""
    segment = _segment(request)
    if request.method != "GET":
        no_action(marked=True)
    credential = builder_auth(request, allow_jwt=True)
    q = parse_query(request, RETRIEVE_QUERY)
    forbid_unless(credential, "read", [("queues", None)])
    state = emulator_state(request)
    queue = find_queue(state, credential.environment, segment, q.get("type", "id"))
    if queue is None:
        fail(404, "queue-not-found")
    return json_response(_item(state, queue, with_percent=True))


async def _queue_action(
    request: Request, suffix: str, schema: Schema, missing: str
) -> tuple[EmulatorState, Environment, QueueRow, dict[str, Any]]:
    """The shared prologue of the POST actions on one queue, in the server's check order."""
    segment = _segment(request, suffix)
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=False)
    body = await parse_body(request, schema)
    forbid_unless(credential, "write", [("queues", None)])
    state = emulator_state(request)
    env = credential.environment
    queue = find_queue(state, env, segment, body.get("type", "id"))
    if queue is None:
        fail(404, missing)
    return state, env, queue, body


@endpoint
async def pause_queue(request: Request) -> Response:
    """``POST /api/v1/queues/{queueParam}/pause`` with ``{action: pause|resume, type?}``."""
    state, env, queue, body = await _queue_action(request, "/pause", PAUSE_BODY, "queue-not-found")
    with state.store.transaction() as conn:
        current = state.store.get_queue(env.id, queue.name) or queue
        changed = engine.set_paused(current, body["action"] == "pause")
        state.store.put_queue(conn, changed)
    state.runtime.wake()
    return json_response(_item(state, changed, with_percent=False))


@endpoint
async def override_concurrency(request: Request) -> Response:
    """``POST /api/v1/queues/{queueParam}/concurrency/override``: a limit or a percentage."""
    state, env, queue, body = await _queue_action(
        request, "/concurrency/override", OVERRIDE_BODY, "Queue not found"
    )
    percent: float | None = body.get("percent")
    limit = engine.materialize_percent(percent) if percent is not None else body["concurrencyLimit"]
    try:
        with state.store.transaction() as conn:
            current = state.store.get_queue(env.id, queue.name) or queue
            changed = engine.override(current, state.now_ms(), int(limit))
            state.store.put_queue(conn, changed)
            set_percent(conn, env.id, queue.name, percent)
    except engine.OverrideError as error:
        fail(400, str(error))
    state.runtime.wake()
    return json_response(_item(state, changed, with_percent=False))


@endpoint
async def reset_concurrency(request: Request) -> Response:
    """``POST /api/v1/queues/{queueParam}/concurrency/reset`` (400 when not overridden)."""
    state, env, queue, _ = await _queue_action(
        request, "/concurrency/reset", RESET_BODY, "Queue not found"
    )
    try:
        with state.store.transaction() as conn:
            current = state.store.get_queue(env.id, queue.name) or queue
            changed = engine.reset(current)
            state.store.put_queue(conn, changed)
            set_percent(conn, env.id, queue.name, None)
    except engine.OverrideError as error:
        fail(400, str(error))
    state.runtime.wake()
    return json_response(_item(state, changed, with_percent=False))


routes = [
    Route("/api/v1/queues", list_queues, methods=_METHODS),
    Route("/api/v1/queues/{queue:path}/pause", pause_queue, methods=_METHODS),
    Route(
        "/api/v1/queues/{queue:path}/concurrency/override", override_concurrency, methods=_METHODS
    ),
    Route("/api/v1/queues/{queue:path}/concurrency/reset", reset_concurrency, methods=_METHODS),
    Route("/api/v1/queues/{queue:path}", retrieve_queue, methods=_METHODS),
]
