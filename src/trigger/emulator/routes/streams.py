"""Realtime run streams: ``/realtime/v1/streams/{runId}/…`` (SERVER.md §11.7).

- ``GET /realtime/v1/streams/{runId}/{key}``: the stream as server-sent events, live. What
  was written after ``Last-Event-ID`` (everything without one) comes at once, then each new
  entry the moment it is committed (by a route or a handler's ``ctx.stream``); a ``: ping``
  comment after 10 s of silence; the answer ends once no data came for ``Timeout-Seconds``
  (60 s by default), when the client goes, or when the emulator stops.
- ``PUT /realtime/v1/streams/{runId}/{self|parent|root}/{key}``: registers the key on the
  target run (``202 {"version": "v1"}``); ``POST`` there ingests a body of lines; ``HEAD``
  answers ``X-Last-Chunk-Index`` for a writer resuming.
- ``POST …/{key}/append``: one part (the raw body), stored as its JSON string.
- ``POST /realtime/v1/streams/{runId}/input/{streamId}``: ``{"data": …}`` into an input
  stream; ``GET`` there reads it as events.

The emulator is a server without S2: every run's streams are version ``v1`` (Redis), whatever
``x-trigger-realtime-streams-version`` a trigger asked for. Checks run in the server's order
with its statuses and bodies (several answers are plain text there, and here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from trigger.emulator.auth import Credential, Resource
from trigger.emulator.engine import streams as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.streams import EntryId
from trigger.emulator.faults_layer import STATE_ABORT
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
)
from trigger.emulator.routes._legacy import no_action, no_loader
from trigger.emulator.routes._sse import EVENT_STREAM, live_events
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_realtime import Waiter, feed_of
from trigger.emulator.store_streams import StreamStore, stream_feed
from trigger.emulator.validation import Enum, Obj, Str

__all__ = ["ping_interval_s", "routes"]

ping_interval_s = engine.PING_INTERVAL_S
"""Seconds of silence before a ``: ping`` (tests shorten it)."""

_TEXT = "text/plain;charset=UTF-8"
_SSE_HEADERS = {
    "content-type": EVENT_STREAM,
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "access-control-allow-origin": "*",
}
_TARGET_PARAMS = Obj({"runId": Str(), "target": Enum(engine.TARGETS), "streamId": Str()})


def _text(status: int, text: str) -> NoReturn:
    raise Reply(Response(text.encode(), status, media_type=_TEXT))


def _env_id(credential: Credential) -> str:
    env = credential.env
    assert env is not None  # builder routes take environment credentials only
    return env.id


def _read_resources(run: RunState) -> list[Resource]:
    resources: list[Resource] = [("runs", run.friendly_id), ("tasks", run.task)]
    resources.extend(("tags", tag) for tag in run.tags)
    if run.batch_id:
        resources.append(("batch", run.batch_id))
    return resources


def _target_params(request: Request) -> tuple[str, engine.Target, str]:
    params = {
        "runId": request.path_params["run_id"],
        "target": request.path_params["target"],
        "streamId": request.path_params["stream_id"],
    }
    value, issues = _TARGET_PARAMS.parse(params)
    if issues:
        raise Reply(json_response({"error": "Params Error", "details": issues}, 400))
    return value["runId"], value["target"], value["streamId"]


def _target_run(state: EmulatorState, env_id: str, run_id: str, target: engine.Target) -> RunState:
    """The run a write lands on (404 text ``Run not found`` / ``Target not found``)."""
    run = state.store.get_run(env_id, run_id)
    if run is None:
        _text(404, "Run not found")
    target_id = engine.target_of(run, target)
    found = state.store.get_run(env_id, target_id) if target_id else None
    if found is None:
        _text(404, "Target not found")
    return found


# -- reading ----------------------------------------------------------------------------------


def _cursor(store: StreamStore, run_id: str, key: str, last_event_id: str | None) -> EntryId | None:
    """Where reading starts (``None``: an id Redis refuses)."""
    if not last_event_id:
        return (0, 0)
    parsed = engine.parse_entry_id(last_event_id)
    if parsed == "$":
        return store.tail(run_id, key) or (0, 0)
    return parsed


async def _events(
    request: Request, run_id: str, key: str, cursor: EntryId | None, timeout_s: float
) -> AsyncIterator[bytes]:
    state = emulator_state(request)
    if cursor is None:
        # XREAD refuses the id: the server's stream errors after its head was sent.
        abort = request.scope.get("state", {}).get(STATE_ABORT)
        if abort is not None:
            abort(True)
        return
    store = StreamStore(state.store)
    streams, shutdown = stream_feed(state.store), feed_of(state.store)
    waiter = Waiter(lambda _run: False)  # woken by new entries, and by the emulator stopping
    streams.add(run_id, key, waiter)
    shutdown.add(waiter)
    position = cursor

    def read() -> bytes:
        nonlocal position
        entries = store.read(run_id, key, position)
        if not entries:
            return b""
        position = entries[-1][0]
        return b"".join(engine.event(entry, line) for entry, line in entries)

    try:
        async for frames in live_events(
            read,
            waiter,
            stopping=lambda: shutdown.closed or streams.closed,
            timeout_s=timeout_s,
            ping_interval_s=ping_interval_s,
            ping=lambda: engine.PING,
        ):
            yield frames
    finally:
        streams.remove(run_id, key, waiter)
        shutdown.remove(waiter)


def _stream_answer(request: Request, run: RunState, key: str, timeout: int | None) -> Response:
    store = StreamStore(emulator_state(request).store)
    cursor = _cursor(store, run.friendly_id, key, request.headers.get("last-event-id") or None)
    seconds = float(timeout or engine.DEFAULT_TIMEOUT_S)
    body = _events(request, run.friendly_id, key, cursor, seconds)
    return StreamingResponse(body, 200, headers=_SSE_HEADERS)


def _readable_run(request: Request, credential: Credential) -> RunState:
    run = emulator_state(request).store.get_run(_env_id(credential), request.path_params["run_id"])
    if run is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    forbid_unless(credential, "read", _read_resources(run))
    return run


@endpoint
async def read(request: Request) -> Response:
    """``GET /realtime/v1/streams/{runId}/{key}``: the stream as server-sent events."""
    if request.method != "GET":
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    run = _readable_run(request, credential)
    timeout, error = engine.read_timeout(request.headers.get("timeout-seconds"), strict=False)
    if error is not None:
        _text(400, error)
    return _stream_answer(request, run, request.path_params["stream_id"], timeout)


# -- input streams ----------------------------------------------------------------------------


async def _send_input(request: Request) -> Response:
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, engine.MAX_INPUT_BYTES)
    run_id = request.path_params["run_id"]
    forbid_unless(credential, "write", [("inputStreams", run_id)])
    state = emulator_state(request)
    run = state.store.get_run(_env_id(credential), run_id)
    if run is None:
        raise Reply(json_response({"ok": False, "error": "Run not found"}, 404))
    if run.completed_at is not None:
        raise Reply(
            json_response(
                {"ok": False, "error": "Cannot send to input stream on a completed run"}, 400
            )
        )
    try:
        body = loads((await request.body()).decode("utf-8", "replace"))
    except ValueError:
        # request.json() throws inside the handler: the builder's catch-all.
        fail(500, "Internal Server Error")
    if not isinstance(body, dict):
        raise Reply(json_response({"ok": False, "error": "Invalid request body"}, 400))
    line = engine.input_record_line(body["data"]) if "data" in body else '"undefined"'
    key = engine.input_key(request.path_params["stream_id"])
    StreamStore(state.store).write(run, key, [line], state.now_ms(), register=False)
    return json_response({"ok": True})


@endpoint
async def input_stream(request: Request) -> Response:
    """``POST`` (send ``{"data": …}``) and ``GET`` (read as events) of an input stream."""
    if request.method != "GET":
        return await _send_input(request)
    credential = builder_auth(request, allow_jwt=True)
    run = _readable_run(request, credential)
    timeout, error = engine.read_timeout(request.headers.get("timeout-seconds"), strict=True)
    if error is not None:
        _text(400, error)
    key = engine.input_key(request.path_params["stream_id"])
    return _stream_answer(request, run, key, timeout)


# -- writing ----------------------------------------------------------------------------------


def _create(state: EmulatorState, env_id: str, target: RunState, key: str) -> Response:
    current = state.store.get_run(env_id, target.friendly_id)
    if current is None:
        _text(404, "Run not found")
    if current.completed_at is not None:
        _text(400, "Cannot initialize a realtime stream on a completed run")
    now = state.now_ms()
    with state.store.transaction() as conn:
        fresh = state.store.get_run_by_id(current.id) or current
        updated = engine.with_stream(fresh, key, now)
        if updated is not fresh:
            state.store.update_run(conn, updated, fresh)
    return json_response({"version": "v1"}, 202)


async def _ingest(request: Request, state: EmulatorState, target: RunState, key: str) -> Response:
    client_id = request.headers.get("x-client-id") or "default"
    if (request.headers.get("x-stream-version") or "v1") != "v1":
        # A v2 stream needs S2, which this server lacks: the builder's catch-all.
        fail(500, "Internal Server Error")
    resume = request.headers.get("x-resume-from-chunk")
    first = 0
    if resume:
        parsed = engine.js_parse_int(resume, 10)
        if parsed is None or parsed < 0:
            _text(400, f"Invalid X-Resume-From-Chunk header value: {resume}")
        first = parsed
    text = (await request.body()).decode("utf-8", "replace")
    lines = engine.lines_of([text])
    StreamStore(state.store).write(
        target, key, lines, state.now_ms(), register=False, client_id=client_id, first_chunk=first
    )
    return Response(b"", 200)


def _last_chunk(request: Request, credential: Credential) -> Response:
    run_id, target, key = _target_params(request)
    state = emulator_state(request)
    env_id = _env_id(credential)
    run = state.store.get_run(env_id, run_id)
    if run is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    target_id = engine.target_of(run, target)
    if target_id is None:
        _text(404, "Target not found")
    if request.method != "HEAD":
        _text(405, "Only HEAD requests are allowed for this endpoint")
    if (request.headers.get("x-stream-version") or "v1") != "v1":
        fail(500, "Internal Server Error")
    client_id = request.headers.get("x-client-id") or "default"
    index = StreamStore(state.store).last_chunk_index(target_id, key, client_id)
    return Response(b"", 200, {"x-last-chunk-index": str(index)})


@endpoint
async def target_stream(request: Request) -> Response:
    """``PUT`` (create), ``POST`` (ingest lines) and ``HEAD`` (last chunk index) of a
    stream of a run, its parent or its root."""
    if request.method in ("GET", "HEAD"):
        return _last_chunk(request, builder_auth(request, allow_jwt=False))
    credential = builder_auth(request, allow_jwt=False)
    run_id, target, key = _target_params(request)
    state = emulator_state(request)
    env_id = _env_id(credential)
    found = _target_run(state, env_id, run_id, target)
    if request.method == "PUT":
        return _create(state, env_id, found, key)
    return await _ingest(request, state, found, key)


@endpoint
async def append(request: Request) -> Response:
    """``POST …/{target}/{key}/append``: one part, the raw body (``200 {"ok": true}``)."""
    if request.method == "GET":
        no_loader()
    credential = builder_auth(request, allow_jwt=False)
    check_content_length(request, engine.MAX_APPEND_BYTES)
    run_id, target, key = _target_params(request)
    state = emulator_state(request)
    env_id = _env_id(credential)
    found = _target_run(state, env_id, run_id, target)
    current = state.store.get_run(env_id, found.friendly_id)
    if current is None:
        _text(404, "Run not found")
    if current.completed_at is not None:
        _text(400, "Cannot append to a realtime stream on a completed run")
    part = (await request.body()).decode("utf-8", "replace")
    line = engine.appended_line(part)
    StreamStore(state.store).write(current, key, [line], state.now_ms(), register=True)
    return json_response({"ok": True})


_ALL: Any = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

routes = [
    Route("/realtime/v1/streams/{run_id}/input/{stream_id}", input_stream, methods=_ALL),
    Route("/realtime/v1/streams/{run_id}/{target}/{stream_id}/append", append, methods=_ALL),
    Route("/realtime/v1/streams/{run_id}/{target}/{stream_id}", target_stream, methods=_ALL),
    Route("/realtime/v1/streams/{run_id}/{stream_id}", read, methods=_ALL),
]
