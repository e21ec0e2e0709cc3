"""Batch endpoints: the two-phase v3 API, the one-shot batch triggers, retrieve and results.

Each handler follows its server route's order of checks (SERVER.md §1.1, §2.2); items become
runs through the trigger logic (`trigger.emulator.batching`); the JSON comes from
`trigger.emulator.shapes_batches`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NoReturn

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator import jwt
from trigger.emulator.auth import Credential, Resource
from trigger.emulator.batching import ItemOutcome, run_item
from trigger.emulator.durations import IDEMPOTENCY_DEFAULT_TTL_MS, idempotency_ttl_ms
from trigger.emulator.engine import batches as engine
from trigger.emulator.engine.batches import BatchKind, BatchState
from trigger.emulator.ids import split_friendly_id
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    UNAUTHORIZED_BODY,
    Reply,
    builder_auth,
    check_content_length,
    emulator_state,
    endpoint,
    fail,
    json_response,
    legacy_auth,
    loads,
    method_not_allowed,
    parse_body,
    parse_headers,
)
from trigger.emulator.routes._legacy import no_action, no_loader
from trigger.emulator.schemas import TRIGGER_HEADERS
from trigger.emulator.schemas_batches import (
    BATCH_ITEM,
    BATCH_TRIGGER_HEADERS,
    CREATE_BATCH_BODY,
    ONE_SHOT_BODY,
    TASK_BATCH_BODY,
)
from trigger.emulator.shapes_batches import (
    batch_results,
    batch_v1,
    batch_v2,
    created_batch,
    stream_answer,
)
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_batches import BatchStore
from trigger.emulator.v8_json import json_parse_error

__all__ = [
    "MAX_ITEM_BYTES",
    "MAX_ONE_SHOT_ITEMS",
    "MAX_STREAM_ITEMS",
    "MAX_TASK_BATCH_ITEMS",
    "routes",
]

MAX_STREAM_ITEMS = 1000
"""``STREAMING_BATCH_MAX_ITEMS``: the largest ``runCount`` of a v3 batch."""
MAX_ITEM_BYTES = 3_145_728
"""``STREAMING_BATCH_ITEM_MAXIMUM_SIZE``: a longer NDJSON line becomes a pre-failed run."""
MAX_ONE_SHOT_ITEMS = 500
"""``MAX_BATCH_V2_TRIGGER_ITEMS`` (and the ``batchTriggerAndWait`` cap, also 500)."""
MAX_TASK_BATCH_ITEMS = 100
"""``MAX_BATCH_TRIGGER_ITEMS``: ``POST /api/v1/tasks/{taskId}/batch``."""

_CREATE_MAX_BYTES = 131_072
_ONE_SHOT_MAX_BYTES = 1_000_000
_TASK_BATCH_MAX_BYTES = 3_145_728
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_TRIGGER_SOURCES = ("sdk", "cli", "mcp")
_DUPLICATE_KEY = "Cannot create batch as it has already been created with the same idempotency key."
_INDEX = re.compile(rb'"index"\s*:\s*(\d+)')
_TASK = re.compile(rb'"task"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _forbidden() -> NoReturn:
    raise Reply(json_response(UNAUTHORIZED_BODY, 403))


def _trigger_source(headers: Mapping[str, Any]) -> str:
    if headers.get("x-trigger-worker"):
        return "sdk"
    source = headers.get("x-trigger-source")
    return source if source in _TRIGGER_SOURCES else "api"


def _token_headers(state: EmulatorState, env: Environment, scopes: Sequence[str]) -> dict[str, str]:
    """``x-trigger-jwt`` (1 h) with ``scopes``; the claims header carries no scopes."""
    claims = {"sub": env.id, "pub": True, "scopes": list(scopes)}
    token = jwt.sign(claims, env.api_key, now_s=state.now_ms() // 1000, lifetime_s=3600)
    return {
        "x-trigger-jwt-claims": json.dumps({"sub": env.id, "pub": True}, separators=(",", ":")),
        "x-trigger-jwt": token,
    }


def _batch_token(state: EmulatorState, env: Environment, batch: BatchState) -> dict[str, str]:
    """The token the one-shot routes answer with: ``read:batch:{id}``."""
    return _token_headers(state, env, [f"read:batch:{batch.friendly_id}"])


def _check_parent(state: EmulatorState, credential: Credential, parent_run_id: Any) -> None:
    """403 ``Unauthorized`` when a JWT may not write the parent run it names."""
    if not parent_run_id or credential.can("write", [("runs", None)]):
        return
    run = state.store.get_run(credential.environment.id, str(parent_run_id))
    resources: list[Resource] = []
    if run is not None:
        resources = [("runs", run.friendly_id), ("tasks", run.task)]
        resources.extend(("tags", tag) for tag in run.tags)
    if run is None or not credential.can("write", resources):
        fail(403, "Unauthorized")


def _new_batch(
    state: EmulatorState,
    env: Environment,
    kind: BatchKind,
    run_count: int,
    *,
    key: str | None = None,
    key_expires_at: int | None = None,
    trigger_source: str = "api",
    parent_run_id: str | None = None,
    resume_parent: bool = False,
) -> BatchState:
    internal, friendly = state.ids.friendly("batch")
    now = state.now_ms()
    return BatchState(
        id=internal,
        friendly_id=friendly,
        env_id=env.id,
        kind=kind,
        status="PENDING",
        run_count=run_count,
        created_at=now,
        updated_at=now,
        idempotency_key=key,
        idempotency_key_expires_at=key_expires_at,
        sealed=kind in ("v1", "v1_task"),
        parent_run_id=parent_run_id,
        resume_parent_on_completion=resume_parent,
        trigger_source=trigger_source,
    )


# -- phase 1: create ---------------------------------------------------------------------


@endpoint
async def create_batch(request: Request) -> Response:
    """``POST /api/v3/batches``: an empty, unsealed batch expecting ``runCount`` items."""
    if request.method in ("GET", "HEAD"):
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, _CREATE_MAX_BYTES)
    headers = parse_headers(request, TRIGGER_HEADERS)
    body = await parse_body(request, CREATE_BATCH_BODY)
    broad: list[Resource] = [("batch", None), ("tasks", None)]
    tasks = body.get("taskIdentifiers")
    allowed = credential.can("batchTrigger", broad)
    if tasks and not allowed:
        allowed = credential.can("batchTrigger", [("tasks", task) for task in tasks], "every")
    if not allowed:
        _forbidden()
    state = emulator_state(request)
    _check_parent(state, credential, body.get("parentRunId"))
    if body["runCount"] > MAX_STREAM_ITEMS:
        fail(
            400,
            f"Batch runCount of {body['runCount']} exceeds maximum allowed of {MAX_STREAM_ITEMS}.",
        )
    env = credential.environment
    batch = _new_batch(
        state,
        env,
        "v3",
        int(body["runCount"]),
        key=body.get("idempotencyKey"),
        trigger_source=_trigger_source(headers),
        parent_run_id=body.get("parentRunId"),
        resume_parent=bool(body.get("resumeParentOnCompletion")),
    )
    try:
        with state.store.transaction() as conn:
            BatchStore(state.store).insert(conn, batch)
    except sqlite3.IntegrityError:
        # The environment's unique (env, idempotencyKey) index, as on the server (§1.10).
        fail(422, _DUPLICATE_KEY)
    scopes = [f"read:batch:{batch.friendly_id}"]
    if headers.get("x-trigger-client") == "browser" and credential.can(
        "batchTrigger", [("tasks", None)]
    ):
        scopes.append(f"write:batch:{batch.friendly_id}")
    return json_response(created_batch(batch), 202, _token_headers(state, env, scopes))


# -- phase 2: the item stream ------------------------------------------------------------


class _StreamFailure(Exception):
    """The stream cannot go on: answer ``status`` with ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _oversized(line: bytes, position: int) -> dict[str, Any]:
    head = line[:512]
    index = _INDEX.search(head)
    task = _TASK.search(head)
    size_kb = len(line) / 1024
    message = (
        f"Batch item payload is too large ({size_kb:.1f} KB). Maximum allowed size is "
        f"{MAX_ITEM_BYTES / 1024:.1f} KB. Reduce the payload size or offload large data to "
        "external storage."
    )
    return {
        "__oversized": True,
        "index": int(index.group(1)) if index else position,
        "task": json.loads(b'"' + task.group(1) + b'"') if task else "unknown",
        "error": message,
        "errorCode": "PAYLOAD_TOO_LARGE",
    }


def _parsed_lines(raw: bytes) -> Iterator[Any]:
    """The stream's objects, parsed line by line as the server's NDJSON parser does.

    Raises:
        _StreamFailure: a line is not UTF-8 (500) or not JSON (400).
    """
    emitted = 0
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if len(line) > MAX_ITEM_BYTES:
            yield _oversized(line, emitted)
            emitted += 1
            continue
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise _StreamFailure(500, "Something went wrong") from None
        if not text:
            continue
        try:
            value = loads(text)
        except ValueError:
            message = json_parse_error(text) or "Unexpected end of JSON input"
            raise _StreamFailure(400, f"Invalid JSON at line {number}: {message}") from None
        yield value
        emitted += 1


def _item_task(item: Any) -> str | None:
    task = item.get("task") if isinstance(item, dict) else None
    return task if isinstance(task, str) else None


def _authorized(items: Iterator[Any], credential: Credential, batch_id: str) -> Iterator[Any]:
    """Items as the credential may stream them: a batch writer any, others their tasks only."""
    if credential.can("write", [("batch", batch_id)]):
        yield from items
        return
    first = True
    for item in items:
        task = _item_task(item)
        if task is None or not credential.can("batchTrigger", [("tasks", task)]):
            raise _StreamFailure(403, "Unauthorized")
        first = False
        yield item
    if first:  # no item: nothing authorizes the request
        raise _StreamFailure(403, "Unauthorized")


def _checked_item(value: Any, run_count: int) -> tuple[int, dict[str, Any]]:
    """An item's index and what to keep of it.

    Raises:
        _StreamFailure: 422 for an invalid item or an index beyond ``runCount``.
    """
    if isinstance(value, dict) and value.get("__oversized"):
        index = int(value["index"])
        kept = {k: value[k] for k in ("task", "error", "errorCode")}
    else:
        parsed, issues = BATCH_ITEM.parse(value)
        if issues:
            raw_index = value.get("index") if isinstance(value, dict) else None
            where = "unknown index"
            if isinstance(raw_index, (int, float)) and not isinstance(raw_index, bool):
                where = f"index {_js_number(raw_index)}"
            text = json.dumps(issues, indent=2, ensure_ascii=False)
            raise _StreamFailure(422, f"Invalid item at {where}: {text}")
        index = int(parsed["index"])
        kept = {k: parsed[k] for k in ("task", "payload", "options") if k in parsed}
    if index >= run_count:
        raise _StreamFailure(422, f"Item index {index} exceeds batch runCount {run_count}")
    return index, kept


def _js_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


@endpoint
async def stream_items(request: Request) -> Response:
    """``POST /api/v3/batches/{batchId}/items``: NDJSON items, deduplicated by index.

    The batch is sealed (``PROCESSING``) when every index up to ``runCount`` has arrived;
    the runtime then turns the items into runs. Items before a bad line are kept.
    """
    if request.method in ("GET", "HEAD"):
        raise Reply(
            json_response({"error": "Method not allowed. Use POST to stream batch items."}, 405)
        )
    content_type = request.headers.get("content-type") or ""
    if "application/x-ndjson" not in content_type and "application/ndjson" not in content_type:
        fail(415, "Content-Type must be application/x-ndjson or application/ndjson")
    credential = builder_auth(request, allow_jwt=True)
    state = emulator_state(request)
    env = credential.environment
    batch_id = request.path_params["batch_id"]
    items = _authorized(_parsed_lines(await request.body()), credential, batch_id)
    batches = BatchStore(state.store)
    kept: list[tuple[int, dict[str, Any]]] = []
    failure: _StreamFailure | None = None
    batch: BatchState | None = None
    try:
        if not credential.can("write", [("batch", batch_id)]):
            # The server authorizes the first item before it looks at the batch.
            first = next(items)
            items = _chain(first, items)
        if split_friendly_id(batch_id, "batch") is None:
            fail(422, f"Invalid batchFriendlyId: {batch_id}")
        batch = batches.get(env.id, batch_id)
        if batch is None:
            fail(422, f"Batch {batch_id} not found")
        if engine.is_sealed_retry(batch):
            return json_response(stream_answer(batch, 0, 0, None))
        if batch.status != "PENDING":
            fail(422, f"Batch {batch_id} is not in PENDING status (current: {batch.status})")
        for value in items:
            if batch.kind != "v3":  # a one-shot batch has no item queue to add to
                fail(500, "Something went wrong")
            kept.append(_checked_item(value, batch.run_count))
    except _StreamFailure as error:
        if batch is None:  # before the batch was looked at: nothing was kept
            fail(error.status, error.message)
        failure = error
    accepted = 0
    with state.store.transaction() as conn:
        current = batches.get_by_id(batch.id) or batch
        for index, item in kept:
            text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
            accepted += batches.add_item(conn, batch.id, index, text)
        enqueued = batches.item_count(batch.id)
        sealed = failure is None and enqueued == current.run_count
        if sealed and current.status == "PENDING" and not current.sealed:
            current = engine.seal(current, state.now_ms())
            batches.update(conn, current)
    if failure is not None:
        fail(failure.status, failure.message)
    if not sealed:
        return json_response(stream_answer(current, accepted, len(kept) - accepted, enqueued))
    state.runtime.wake()
    return json_response(stream_answer(current, accepted, len(kept) - accepted, None))


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


# -- one-shot batches --------------------------------------------------------------------


def _v1_cached(state: EmulatorState, env: Environment, task: str, body: Mapping[str, Any]) -> Any:
    """The run an item's key finds for the v1 routes: any run whose key has not expired."""
    key = (body.get("options") or {}).get("idempotencyKey")
    if not key:
        return None
    existing = state.store.find_idempotent(env.id, task, key)
    if existing is None:
        return None
    expires = existing.idempotency_key_expires_at
    return existing if expires is None or expires > state.now_ms() else None


def _run_one_shot(
    state: EmulatorState,
    env: Environment,
    batch: BatchState,
    items: Sequence[tuple[str, Mapping[str, Any]]],
) -> tuple[BatchState, list[ItemOutcome]]:
    """Store the batch and the runs of its items, in one transaction."""
    batches = BatchStore(state.store)
    outcomes: list[ItemOutcome] = []
    with state.store.transaction() as conn:
        batches.insert(conn, batch)
        for task, body in items:
            cached = _v1_cached(state, env, task, body) if batch.kind != "v2" else None
            if cached is not None:
                outcomes.append((cached, True))
            else:
                outcomes.append(run_item(state, env, batch, task, body))
        all_cached = all(is_cached for _, is_cached in outcomes)
        batch = msgspec.structs.replace(
            batch,
            run_ids=tuple(run.friendly_id for run, _ in outcomes),
            # Measured: only v1 batches list results (their own canceled runs); v2 lists none.
            own_run_ids=tuple(
                run.friendly_id
                for run, is_cached in outcomes
                if not is_cached and batch.kind != "v2"
            ),
            item_keys=tuple((body.get("options") or {}).get("idempotencyKey") for _, body in items),
            status="COMPLETED" if batch.kind != "v2" and all_cached else "PENDING",
        )
        batches.update(conn, batch)
    state.runtime.wake()
    return batch, outcomes


def _one_shot_items(body: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(item["task"], item) for item in body["items"]]


def _authorize_items(credential: Credential, items: Sequence[tuple[str, Any]]) -> None:
    # ``everyResource`` over the distinct tasks: no item, no authorization (even for keys).
    tasks: list[Resource] = [("tasks", task) for task in dict.fromkeys(t for t, _ in items)]
    if not tasks or not credential.can("batchTrigger", tasks, "every"):
        _forbidden()


def _v1_existing(state: EmulatorState, env: Environment, key: str | None) -> BatchState | None:
    """The batch a v1 batch key finds; an expired one gives its key up."""
    if not key:
        return None
    batches = BatchStore(state.store)
    existing = batches.find_by_key(env.id, key)
    if existing is None:
        return None
    expires = existing.idempotency_key_expires_at
    if expires is not None and expires < state.now_ms():
        with state.store.transaction() as conn:
            batches.update(conn, engine.without_idempotency_key(existing, state.now_ms()))
        return None
    return existing


def _v1_answer(batch: BatchState, runs: list[dict[str, Any]], *, cached: bool) -> dict[str, Any]:
    if cached:
        out: dict[str, Any] = {"id": batch.friendly_id}
        if batch.idempotency_key is not None:
            out["idempotencyKey"] = batch.idempotency_key
        out["isCached"] = True
        out["runs"] = runs
        return out
    out = {"id": batch.friendly_id, "isCached": False}
    if batch.idempotency_key is not None:
        out["idempotencyKey"] = batch.idempotency_key
    out["runs"] = runs
    return out


def _cached_runs(state: EmulatorState, batch: BatchState) -> list[dict[str, Any]]:
    runs = []
    for position, run_id in enumerate(batch.run_ids):
        run = state.store.get_run(batch.env_id, run_id)
        item: dict[str, Any] = {"id": run_id, "taskIdentifier": run.task if run else "unknown"}
        item["isCached"] = True
        key = batch.item_keys[position] if position < len(batch.item_keys) else None
        if key is not None:
            item["idempotencyKey"] = key
        runs.append(item)
    return runs


def _item_cap(count: int, maximum: int, suffix: str = "") -> None:
    if count > maximum:
        fail(
            400,
            f"Batch size of {count} is too large. Maximum allowed batch size is {maximum}{suffix}.",
        )


@endpoint
async def trigger_v2(request: Request) -> Response:
    """``POST /api/v2/tasks/batch``: up to 500 items in one request; 202 ``{id, runCount}``."""
    if request.method in ("GET", "HEAD"):
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, _ONE_SHOT_MAX_BYTES)
    headers = parse_headers(request, BATCH_TRIGGER_HEADERS)
    body = await parse_body(request, ONE_SHOT_BODY)
    items = _one_shot_items(body)
    _authorize_items(credential, items)
    state = emulator_state(request)
    _check_parent(state, credential, body.get("parentRunId"))
    _item_cap(len(items), MAX_ONE_SHOT_ITEMS)
    env = credential.environment
    batch = _new_batch(state, env, "v2", len(items), trigger_source=_trigger_source(headers))
    batch, _ = _run_one_shot(state, env, batch, items)
    answer = {"id": batch.friendly_id, "isCached": False, "runCount": batch.run_count}
    return json_response(answer, 202, _batch_token(state, env, batch))


@endpoint
async def trigger_v1(request: Request) -> Response:
    """``POST /api/v1/tasks/batch``: 202 with one entry per run; batch key in a header."""
    if request.method in ("GET", "HEAD"):
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, _ONE_SHOT_MAX_BYTES)
    headers = parse_headers(request, BATCH_TRIGGER_HEADERS)
    body = await parse_body(request, ONE_SHOT_BODY)
    items = _one_shot_items(body)
    _authorize_items(credential, items)
    if body.get("dependentAttempt"):
        _item_cap(len(items), MAX_ONE_SHOT_ITEMS, " when batchTriggerAndWait")
    else:
        _item_cap(len(items), MAX_ONE_SHOT_ITEMS)
    state = emulator_state(request)
    env = credential.environment
    key = headers.get("idempotency-key") or None
    existing = _v1_existing(state, env, key)
    if existing is not None:
        answer = _v1_answer(existing, _cached_runs(state, existing), cached=True)
        return json_response(answer, 202, _batch_token(state, env, existing))
    ttl = idempotency_ttl_ms(headers.get("idempotency-key-ttl"))
    expires = state.now_ms() + (ttl if ttl is not None else IDEMPOTENCY_DEFAULT_TTL_MS)
    batch = _new_batch(
        state,
        env,
        "v1",
        len(items),
        key=key,
        key_expires_at=expires if key else None,
        trigger_source=_trigger_source(headers),
    )
    batch, outcomes = _run_one_shot(state, env, batch, items)
    runs = []
    for (task, item_body), (run, is_cached) in zip(items, outcomes, strict=True):
        entry: dict[str, Any] = {"id": run.friendly_id, "isCached": is_cached}
        item_key = (item_body.get("options") or {}).get("idempotencyKey")
        if item_key:
            entry["idempotencyKey"] = item_key
        entry["taskIdentifier"] = task
        runs.append(entry)
    answer = _v1_answer(batch, runs, cached=False)
    return json_response(answer, 202, _batch_token(state, env, batch))


_STRIPPED_OPTIONS = ("dependentBatch", "parentBatch", "dependentAttempt")


@endpoint
async def trigger_task_v1(request: Request) -> Response:
    """``POST /api/v1/tasks/{taskId}/batch``: up to 100 runs of one task, key only."""
    if request.method in ("GET", "HEAD"):
        no_loader()
    if request.method != "POST":
        method_not_allowed("POST")
    credential = builder_auth(request, allow_jwt=False)
    check_content_length(request, _TASK_BATCH_MAX_BYTES)
    task_id = request.path_params["task_id"]
    headers = parse_headers(request, TRIGGER_HEADERS)
    body = await parse_body(request, TASK_BATCH_BODY)
    if not credential.can("batchTrigger", [("tasks", task_id)]):
        _forbidden()
    if not body["items"]:
        fail(400, "No items to trigger")
    if len(body["items"]) > MAX_TASK_BATCH_ITEMS:
        fail(400, f"Too many items. Maximum allowed batch size is {MAX_TASK_BATCH_ITEMS}.")
    state = emulator_state(request)
    for item in body["items"]:
        _check_parent(state, credential, (item.get("options") or {}).get("parentRunId"))
    env = credential.environment
    key = headers.get("idempotency-key") or None
    existing = _v1_existing(state, env, key)
    if existing is None:
        items: list[tuple[str, Mapping[str, Any]]] = []
        for item in body["items"]:
            options = {
                k: v for k, v in (item.get("options") or {}).items() if k not in _STRIPPED_OPTIONS
            }
            items.append((task_id, {**item, "options": options}))
        batch = _new_batch(state, env, "v1_task", len(items), key=key)
        existing, _ = _run_one_shot(state, env, batch, items)
    answer = {"batchId": existing.friendly_id, "runs": list(existing.run_ids)}
    return json_response(answer, 200, _batch_token(state, env, existing))


# -- reads -------------------------------------------------------------------------------


def _readable_batch(request: Request) -> BatchState:
    if request.method not in ("GET", "HEAD"):
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    state = emulator_state(request)
    batch = BatchStore(state.store).get(credential.environment.id, request.path_params["batch_id"])
    if batch is None:
        fail(404, "Not found", {"x-should-retry": "true"})
    if not credential.can("read", [("batch", batch.friendly_id), ("runs", None)]):
        _forbidden()
    return batch


@endpoint
async def retrieve_v1(request: Request) -> Response:
    """``GET /api/v1/batches/{batchId}``."""
    return json_response(batch_v1(_readable_batch(request)))


@endpoint
async def retrieve_v2(request: Request) -> Response:
    """``GET /api/v2/batches/{batchId}`` (what the SDKs' ``batch.retrieve`` calls)."""
    return json_response(batch_v2(_readable_batch(request)))


@endpoint
async def results(request: Request) -> Response:
    """``GET /api/v1/batches/{batchId}/results`` (legacy route, keys only)."""
    if request.method not in ("GET", "HEAD"):
        no_action()
    credential = legacy_auth(request, "Invalid or Missing API Key")
    state = emulator_state(request)
    env = credential.environment
    batch = BatchStore(state.store).get(env.id, request.path_params["batch_id"])
    if batch is None:
        fail(404, "Batch not found")
    own = [state.store.get_run(env.id, run_id) for run_id in batch.own_run_ids]
    return json_response(batch_results(batch, [run for run in own if run is not None]))


routes = [
    Route("/api/v3/batches", create_batch, methods=_METHODS),
    Route("/api/v3/batches/{batch_id}/items", stream_items, methods=_METHODS),
    Route("/api/v2/tasks/batch", trigger_v2, methods=_METHODS),
    Route("/api/v1/tasks/batch", trigger_v1, methods=_METHODS),
    Route("/api/v1/tasks/{task_id:path}/batch", trigger_task_v1, methods=_METHODS),
    Route("/api/v1/batches/{batch_id}", retrieve_v1, methods=_METHODS),
    Route("/api/v2/batches/{batch_id}", retrieve_v2, methods=_METHODS),
    Route("/api/v1/batches/{batch_id}/results", results, methods=_METHODS),
]
