"""Realtime run shapes: ``/realtime/v1/runs/{runId}``, ``/runs`` and ``/batches/{batchId}``.

Electric shape-stream long polls as the server's native backend answers them (SERVER.md
§11): a first request (``offset=-1``) gets a snapshot (an ``insert`` per run, then
``up-to-date``) with the shape's ``electric-handle`` and ``electric-schema``; a ``live=true``
request with an offset and a handle is held until a run of the shape changes (answered with
its full row as an ``update``, or an ``insert`` for a run the caller has not seen) or the
hold ends (20 s ± 15 %: a bare ``up-to-date``), and a non-live request with a handle gets the
snapshot again. Waiting is on the store's change feed (`trigger.emulator.store_realtime`):
a held request wakes the moment a matching run is committed, and is let go at once when
its client disconnects or the emulator stops.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.auth import Credential, Resource
from trigger.emulator.engine import realtime as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.routes._http import (
    api_version,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    parse_query,
)
from trigger.emulator.routes._legacy import no_action
from trigger.emulator.store_batches import BatchStore
from trigger.emulator.store_realtime import RealtimeRow, RealtimeStore, Waiter, feed_of
from trigger.emulator.validation import MISSING, Obj, Path, Schema, Str

__all__ = ["hold_ms", "routes"]

_CURSORS = itertools.count(1)


def hold_ms() -> int:
    """How long a live request is held without a change, in ms (tests shorten it)."""
    return engine.live_hold_ms(random.random())


Read = Callable[[], tuple[int, list[RealtimeRow]]]


class _Tags(Schema):
    """``tags``: a comma list, each tag checked as the server's zod refinement does."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or parsed is MISSING or parsed == "":
            return status, MISSING, issues
        tags = parsed.split(",")
        for tag in tags:
            message = engine.invalid_tag(tag)
            if message:
                return 1, MISSING, [{"code": "custom", "message": message, "path": list(path)}]
        return 0, tags, []


_RUNS_QUERY = Obj({"tags": _Tags(), "createdAt": Str().optional()})


class _Shape:
    """What every shape request carries: the Electric parameters and how to answer."""

    def __init__(self, request: Request, credential: Credential) -> None:
        query = request.query_params
        self.offset = query.get("offset") or engine.INITIAL_OFFSET
        self.handle = query.get("handle") or query.get("shape_id") or None
        self.live = query.get("live") == "true"
        self.skip = engine.skip_columns(query.get("skipColumns"), credential.claims_realtime)
        self.version = api_version(request)
        # Current clients name the headers electric-offset/-handle; legacy ones (no version
        # header) read electric-chunk-last-offset/electric-shape-id.
        self.electric = request.headers.get("x-trigger-electric-version") is not None
        self.first = self.offset == engine.INITIAL_OFFSET or not self.handle

    def answer(
        self,
        changes: list[engine.Change],
        offset: str,
        handle: str,
        *,
        schema: bool,
        cursor: bool,
    ) -> Response:
        headers = {
            "content-type": "application/json",
            "cache-control": "no-store",
            "access-control-allow-origin": "*",
            "access-control-expose-headers": "*",
            ("electric-offset" if self.electric else "electric-chunk-last-offset"): offset,
            ("electric-handle" if self.electric else "electric-shape-id"): handle,
        }
        if cursor:
            headers["electric-cursor"] = str(next(_CURSORS))
        if schema:
            headers["electric-schema"] = engine.schema_header(self.skip)
        text = engine.body(changes, self.skip, self.version)
        return Response(text.encode("utf-8"), 200, headers)

    def snapshot(self, read: Read, handle: str) -> Response:
        clock, rows = read()
        newest = max((row.run.updated_at for row in rows), default=0)
        changes: list[engine.Change] = [(row.run, "insert") for row in rows]
        offset = engine.encode_offset(newest, clock)
        return self.answer(changes, offset, handle, schema=True, cursor=False)

    async def live_poll(
        self,
        request: Request,
        matches: Callable[[RunState], bool],
        read: Callable[[int], tuple[int, list[RealtimeRow]]],
    ) -> Response:
        assert self.handle is not None
        since = engine.offset_seq(self.offset)
        found = await _hold(request, matches, lambda: read(since))
        if found is None:
            return self.answer([], self.offset, self.handle, schema=False, cursor=True)
        clock, rows = found
        changes: list[engine.Change] = [
            (row.run, "insert" if row.created_seq > since else "update") for row in rows
        ]
        newest = max(row.run.updated_at for row in rows)
        offset = engine.encode_offset(newest, clock)
        return self.answer(changes, offset, self.handle, schema=False, cursor=True)


async def _disconnected(receive: Callable[[], Awaitable[Any]]) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _hold(
    request: Request, matches: Callable[[RunState], bool], read: Read
) -> tuple[int, list[RealtimeRow]] | None:
    """Read until there are rows, waiting on the change feed in between: the rows, or
    ``None`` when the hold ended (time, the client went away, the emulator stops)."""
    feed = feed_of(emulator_state(request).store)
    waiter = Waiter(matches)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + hold_ms() / 1000
    feed.add(waiter)  # before the first read: a change committed after it wakes us
    gone = asyncio.ensure_future(_disconnected(request.receive))
    try:
        while True:
            waiter.event.clear()
            clock, rows = read()
            if rows:
                return clock, rows
            remaining = deadline - loop.time()
            if feed.closed or gone.done() or remaining <= 0:
                return None
            woken = asyncio.ensure_future(waiter.event.wait())
            try:
                await asyncio.wait({woken, gone}, timeout=remaining, return_when="FIRST_COMPLETED")
            finally:
                woken.cancel()
    finally:
        feed.remove(waiter)
        gone.cancel()


def _suffix() -> str:
    return secrets.token_hex(4)


def _run_resources(run: RunState) -> list[Resource]:
    resources: list[Resource] = [("runs", run.friendly_id), ("tasks", run.task)]
    resources.extend(("tags", tag) for tag in run.tags)
    if run.batch_id:
        resources.append(("batch", run.batch_id))
    return resources


@endpoint
async def run_shape(request: Request) -> Response:
    """``GET /realtime/v1/runs/{runId}``: the one run."""
    if request.method != "GET":
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    env = credential.env
    assert env is not None
    state = emulator_state(request)
    run = state.store.get_run(env.id, request.path_params["run_id"])
    if run is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    forbid_unless(credential, "read", _run_resources(run))
    rt = RealtimeStore(state.store)
    shape = _Shape(request, credential)
    if shape.first or not shape.live:
        return shape.snapshot(
            lambda: rt.run(env.id, run.friendly_id), shape.handle or engine.run_handle(run)
        )
    run_id = run.id
    friendly = run.friendly_id
    return await shape.live_poll(
        request, lambda written: written.id == run_id, lambda since: rt.run(env.id, friendly, since)
    )


@endpoint
async def runs_shape(request: Request) -> Response:
    """``GET /realtime/v1/runs?tags=…&createdAt=…``: runs having every tag."""
    if request.method != "GET":
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    env = credential.env
    assert env is not None
    q = parse_query(request, _RUNS_QUERY)
    tags: list[str] = q.get("tags") or []
    resources: list[Resource] = [("runs", None), ("tags", None), *(("tags", t) for t in tags)]
    forbid_unless(credential, "read", resources)
    state = emulator_state(request)
    rt = RealtimeStore(state.store)
    shape = _Shape(request, credential)
    now = state.now_ms()
    if shape.first:
        floor = engine.created_at_floor(q.get("createdAt"), now)
        handle = engine.list_handle(floor, rt.clock(), _suffix())
        return shape.snapshot(lambda: rt.tagged(env.id, tags, floor), handle)
    assert shape.handle is not None
    # The window is pinned in the handle, so its lower bound never drifts.
    pinned = engine.filter_ms_from_handle(shape.handle)
    floor = (
        engine.clamp_floor(pinned, now)
        if pinned is not None
        else engine.created_at_floor(q.get("createdAt"), now)
    )
    if not shape.live:
        return shape.snapshot(lambda: rt.tagged(env.id, tags, floor), shape.handle)
    env_id, wanted = env.id, set(tags)

    def matches(run: RunState) -> bool:
        return run.env_id == env_id and run.created_at > floor and wanted.issubset(run.tags)

    return await shape.live_poll(
        request, matches, lambda since: rt.tagged(env_id, tags, floor, since)
    )


@endpoint
async def batch_shape(request: Request) -> Response:
    """``GET /realtime/v1/batches/{batchId}``: the runs of a batch."""
    if request.method != "GET":
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    env = credential.env
    assert env is not None
    state = emulator_state(request)
    batch_id = request.path_params["batch_id"]
    batch = BatchStore(state.store).get(env.id, batch_id)
    if batch is None:
        fail(404, "Not found", {"x-should-retry": "true"})
    forbid_unless(credential, "read", [("batch", batch.friendly_id), ("runs", None)])
    rt = RealtimeStore(state.store)
    shape = _Shape(request, credential)
    friendly = batch.friendly_id
    if not (shape.live and not shape.first):
        # The handle is per connection: two subscribers of one batch never share one.
        handle = shape.handle or engine.batch_handle(friendly, rt.clock(), _suffix())
        return shape.snapshot(lambda: rt.batch(env.id, friendly), handle)
    env_id = env.id

    def matches(run: RunState) -> bool:
        return run.env_id == env_id and run.batch_id == friendly

    return await shape.live_poll(request, matches, lambda since: rt.batch(env_id, friendly, since))


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

routes = [
    Route("/realtime/v1/runs/{run_id}", run_shape, methods=_METHODS),
    Route("/realtime/v1/runs", runs_shape, methods=_METHODS),
    Route("/realtime/v1/batches/{batch_id}", batch_shape, methods=_METHODS),
]
