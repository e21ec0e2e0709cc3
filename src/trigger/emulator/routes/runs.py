"""Run endpoints: list, retrieve, cancel, replay, reschedule, metadata, tags, result.

Each handler follows its server route's order of checks (SERVER.md §1.1, §2.3); the
state changes are the engine's functions; the JSON comes from `trigger.emulator.shapes`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.auth import Credential, Resource
from trigger.emulator.durations import js_date_ms, parse_delay, period_ms
from trigger.emulator.engine import runs as engine
from trigger.emulator.engine.metadata import MetadataError, apply_operations
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.statuses import (
    CURRENT_API_STATUSES,
    LEGACY_API_STATUSES,
    statuses_for_filter,
)
from trigger.emulator.packets import presigner
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    Reply,
    api_version,
    builder_auth,
    check_content_length,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    legacy_auth,
    legacy_json_body,
    method_not_allowed,
    parse_body,
    parse_query,
)
from trigger.emulator.routes._legacy import legacy_method_rejected, no_action, no_loader
from trigger.emulator.schemas import (
    MACHINE_PRESETS,
    RESCHEDULE_BODY,
    TAGS_BODY,
    UPDATE_METADATA_BODY,
)
from trigger.emulator.shapes import decode_packet, list_item, retrieve_run
from trigger.emulator.shapes_schedules import run_schedule
from trigger.emulator.state import EmulatorState
from trigger.emulator.store import ListQuery, encode_cursor
from trigger.emulator.store_errors import ErrorStore
from trigger.emulator.store_schedules import ScheduleStore
from trigger.emulator.triggering import (
    MAX_TAGS,
    METADATA_MAX_BYTES,
    TriggerError,
    replay_body,
    trigger_run,
)
from trigger.emulator.validation import (
    MISSING,
    CoercedDate,
    CoercedNumber,
    Obj,
    Path,
    Schema,
    Str,
)

__all__ = ["LIST_QUERY", "list_page", "routes"]

_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_DEFAULT_WINDOW_MS = 7 * 24 * 3600 * 1000
_METADATA_MAX_BODY = 2 * 1024 * 1024
_METADATA_GRACE_MS = 3600 * 1000
"""Measured: a finished run's metadata stays writable for an hour after it completed."""


class _CsvFilter(Schema):
    """A comma-joined filter; ``check`` returns a custom issue message for bad values."""

    def __init__(self, check: Callable[[list[str]], str | None] | None = None) -> None:
        self.check = check

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or parsed is MISSING or parsed == "":
            return status, MISSING, issues
        values = parsed.split(",")
        if self.check is not None:
            message = self.check(values)
            if message:
                return 1, MISSING, [{"code": "custom", "message": message, "path": list(path)}]
        return 0, list(dict.fromkeys(values)), []


def _bad_statuses(values: list[str]) -> str | None:
    known = CURRENT_API_STATUSES | LEGACY_API_STATUSES
    bad = [value for value in values if value not in known]
    return f"Invalid status values: {', '.join(bad)}" if bad else None


def _bad_machines(values: list[str]) -> str | None:
    bad = [value for value in values if value not in MACHINE_PRESETS]
    return f"Invalid machine values: {', '.join(bad)}" if bad else None


class _IsTest(Schema):
    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or not parsed:
            return status, MISSING, issues
        if parsed in ("true", "false"):
            return 0, parsed == "true", []
        message = f"Invalid value for isTest: {parsed}"
        return 1, MISSING, [{"code": "custom", "message": message, "path": list(path)}]


def _query_date(text: str) -> int | None:
    # CoercedDate: a numeric string is Unix ms, anything else a date.
    from trigger.emulator.validation import js_number

    number = js_number(text)
    if number == number and abs(number) != float("inf"):
        return int(number)
    return js_date_ms(text)


LIST_QUERY = Obj(
    {
        "page[size]": CoercedNumber(("int",), ("positive",), ("min", 1), ("max", 100)).optional(),
        "page[after]": Str().optional(),
        "page[before]": Str().optional(),
        "filter[status]": _CsvFilter(_bad_statuses),
        "filter[env]": _CsvFilter(),
        "filter[taskIdentifier]": _CsvFilter(),
        "filter[version]": _CsvFilter(),
        "filter[tag]": _CsvFilter(),
        "filter[bulkAction]": Str().optional(),
        "filter[schedule]": Str().optional(),
        "filter[error]": Str().optional(),
        "filter[isTest]": _IsTest(),
        "filter[createdAt][from]": CoercedDate(_query_date).optional(),
        "filter[createdAt][to]": CoercedDate(_query_date).optional(),
        "filter[createdAt][period]": Str().optional(),
        "filter[batch]": Str().optional(),
        "filter[queue]": _CsvFilter(),
        "filter[region]": _CsvFilter(),
        "filter[machine]": _CsvFilter(_bad_machines),
    }
)


def _list_query(env_id: str, q: dict[str, Any], now: int) -> ListQuery:
    statuses: list[str] | None = None
    if q.get("filter[status]"):
        statuses = []
        for name in q["filter[status]"]:
            statuses.extend(statuses_for_filter(name) or ())
    period = q.get("filter[createdAt][period]") or None
    created_from = q.get("filter[createdAt][from]")
    created_to = q.get("filter[createdAt][to]")
    window_from: int | None = None
    if period:
        duration = period_ms(period)
        if duration is not None:
            window_from = now - duration
    elif not created_from and not created_to:
        window_from = now - _DEFAULT_WINDOW_MS
    lower = (
        max(v for v in (window_from, created_from) if v is not None)
        if (window_from is not None or created_from is not None)
        else None
    )
    return ListQuery(
        env_id=env_id,
        statuses=statuses,
        tasks=q.get("filter[taskIdentifier]"),
        versions=q.get("filter[version]"),
        tags=q.get("filter[tag]"),
        bulk_action=q.get("filter[bulkAction]") or None,
        schedule=q.get("filter[schedule]") or None,
        is_test=q.get("filter[isTest]"),
        created_from=lower,
        created_to=created_to if created_to else None,
        batch=q.get("filter[batch]") or None,
        queues=q.get("filter[queue]"),
        regions=q.get("filter[region]"),
        machines=q.get("filter[machine]"),
    )


@endpoint
async def list_runs(request: Request) -> Response:
    """``GET /api/v1/runs``: newest first, cursor pages (SERVER.md §2.3)."""
    if request.method != "GET":
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    q = parse_query(request, LIST_QUERY)
    tasks = q.get("filter[taskIdentifier]") or []
    allowed = credential.can("read", [("runs", None), ("tasks", None)])
    if tasks and not allowed:
        allowed = credential.can("read", [("tasks", task) for task in tasks], "every")
    if not allowed:
        forbid_unless(credential, "read", [])
    state = emulator_state(request)
    return json_response(list_page(state, credential.environment, q, api_version(request)))


def list_page(
    state: EmulatorState, env: Environment, q: dict[str, Any], version: str | None
) -> dict[str, Any]:
    """One page of an environment's runs for validated `LIST_QUERY` values."""
    size = q.get("page[size]") or 25
    cursor = q.get("page[before]") or q.get("page[after]") or None
    backward = bool(q.get("page[before]"))
    query = _list_query(env.id, q, state.now_ms())
    if q.get("filter[error]"):
        ids = ErrorStore(state.store).run_ids(env.id, q["filter[error]"])
        query = msgspec.structs.replace(query, ids=ids, match_nothing=not ids)
    rows, has_more = state.store.list_runs(query, size=size, cursor=cursor, backward=backward)

    def cursor_of(item: tuple[RunState, int]) -> str:
        return encode_cursor(item[0].created_at, item[1], item[0].id)

    pagination: dict[str, str] = {}
    if not backward:
        if cursor and rows:
            pagination["previous"] = cursor_of(rows[0])
        if has_more:
            pagination["next"] = cursor_of(rows[-1])
    elif rows:
        pagination["next"] = cursor_of(rows[0])
        if has_more:
            pagination["previous"] = cursor_of(rows[-1])
    data = [list_item(run, env, version) for run, _ in rows]
    return {"data": data, "pagination": pagination}


def _run_resources(run: RunState) -> list[Resource]:
    resources: list[Resource] = [("runs", run.friendly_id), ("tasks", run.task)]
    resources.extend(("tags", tag) for tag in run.tags)
    if run.batch_id:
        resources.append(("batch", run.batch_id))
    return resources


def retrieve_body(state: EmulatorState, run: RunState, version: str | None) -> dict[str, Any]:
    """A run as ``GET /api/v3/runs/{id}`` answers it (parent, root, schedule, URLs)."""
    parent = root = None
    if run.parent_run_id:
        parent = state.store.get_run(run.env_id, run.parent_run_id)
    if run.root_run_id:
        root = state.store.get_run(run.env_id, run.root_run_id)
    presign = presigner(state.url, state.project, run, state.now_ms())
    schedule = ScheduleStore(state.store).find(run.schedule_id) if run.schedule_id else None
    shown = run_schedule(schedule) if schedule is not None else None
    return retrieve_run(run, version, parent=parent, root=root, presign=presign, schedule=shown)


@endpoint
async def retrieve(request: Request) -> Response:
    """``GET /api/v3/runs/{runId}`` (404 ``Not found`` with ``x-should-retry: true``)."""
    if request.method != "GET":
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    state = emulator_state(request)
    env = credential.environment
    run = state.store.get_run(env.id, request.path_params["run_id"])
    if run is None:
        fail(404, "Not found", {"x-should-retry": "true"})
    forbid_unless(credential, "read", _run_resources(run))
    return json_response(retrieve_body(state, run, api_version(request)))


def _action_run(request: Request, credential: Credential, param: str) -> RunState:
    state = emulator_state(request)
    run = state.store.get_run(credential.environment.id, request.path_params[param])
    resources: list[Resource] = (
        [("runs", run.friendly_id), ("tasks", run.task)]
        if run is not None
        else [("runs", request.path_params[param])]
    )
    forbid_unless(credential, "write", resources)
    if run is None:
        fail(404, "Resource not found")
    return run


@endpoint
async def cancel(request: Request) -> Response:
    """``POST /api/v2/runs/{runParam}/cancel``: idempotent; 200 ``{id}``."""
    if request.method == "GET":
        no_loader()
    credential = builder_auth(request, allow_jwt=True)
    run = _action_run(request, credential, "run_id")
    state = emulator_state(request)
    now = state.now_ms()
    with state.store.transaction() as conn:
        current = state.store.get_run_by_id(run.id) or run
        canceled = engine.cancel(current, now)
        if canceled is not current:
            state.store.update_run(conn, canceled, current)
    state.runtime.stop_handler(run.id)
    state.runtime.wake()
    return json_response({"id": run.friendly_id})


@endpoint
async def replay(request: Request) -> Response:
    """``POST /api/v1/runs/{runParam}/replay``: a new run from the old one's inputs."""
    if request.method == "GET":
        no_loader()
    if request.method != "POST":
        method_not_allowed("POST")
    credential = builder_auth(request, allow_jwt=False)
    run = _action_run(request, credential, "run_id")
    state = emulator_state(request)
    try:
        outcome = trigger_run(
            state,
            credential.environment,
            run.task,
            replay_body(run),
            trigger_source=request.headers.get("x-trigger-source"),
            replayed_from=run.friendly_id,
        )
    except TriggerError as error:
        fail(400, error.message)
    return json_response({"id": outcome.run.friendly_id})


@endpoint
async def reschedule(request: Request) -> Response:
    """``POST /api/v1/runs/{runParam}/reschedule`` (legacy route; DELAYED runs only)."""
    if request.method == "GET":
        no_loader()
    if request.method != "POST":
        legacy_method_rejected()
    credential = legacy_auth(request, "Invalid or missing API Key")
    raw = await legacy_json_body(request)
    body, issues = RESCHEDULE_BODY.parse(raw)
    if issues:
        fail(400, "Invalid request body")
    state = emulator_state(request)
    now = state.now_ms()
    delay = body["delay"]
    delay_until = delay if isinstance(delay, int) else parse_delay(delay, now)
    if delay_until is None:
        fail(400, f"Invalid delay: {delay}")
    env = credential.environment
    with state.store.transaction() as conn:
        run = state.store.get_run(env.id, request.path_params["run_id"])
        if run is None:
            fail(404, "Run not found")
        if run.status != "DELAYED":
            fail(400, "Cannot reschedule a run that is not delayed")
        updated = engine.reschedule(run, now, delay_until)
        state.store.update_run(conn, updated, run)
    state.runtime.wake()
    return json_response(retrieve_body(state, updated, api_version(request)))


@endpoint
async def metadata(request: Request) -> Response:
    """``PUT`` (builder, key only) and ``GET`` (legacy) ``/api/v1/runs/{runId}/metadata``."""
    state = emulator_state(request)
    if request.method == "GET":
        credential = legacy_auth(request, "Invalid or Missing API Key")
        run = state.store.get_run(credential.environment.id, request.path_params["run_id"])
        if run is None:
            fail(404, "Run not found")
        return json_response({"metadata": run.metadata, "metadataType": run.metadata_type})
    if request.method != "PUT":
        method_not_allowed("PUT")
    credential = builder_auth(request, allow_jwt=False)
    check_content_length(request, _METADATA_MAX_BODY)
    body = await parse_body(request, UPDATE_METADATA_BODY)
    env = credential.environment
    now = state.now_ms()
    with state.store.transaction() as conn:
        run = state.store.get_run(env.id, request.path_params["run_id"])
        if run is None:
            fail(404, "Task Run not found")
        if (
            run.is_final
            and run.completed_at is not None
            and now - run.completed_at > _METADATA_GRACE_MS
        ):
            fail(422, "Cannot update metadata for a completed run")
        current = decode_packet(run.metadata, run.metadata_type)
        base: dict[str, Any] = current if isinstance(current, dict) else {}
        # Measured: an `operations` array (even empty) applies to the stored metadata and
        # `metadata` is ignored; without one `metadata` replaces it; neither answers {}.
        # Parent and root operations of a root run land on the run itself after the answer.
        later = list(body.get("parentOperations") or []) + list(body.get("rootOperations") or [])
        try:
            if "operations" in body:
                answer = written = apply_operations(base, body["operations"])
            elif "metadata" in body:
                answer = written = dict(body["metadata"])
            else:
                answer, written = {}, base
            updated = apply_operations(written, later)
        except MetadataError as error:
            fail(422, str(error))
        text = json.dumps(updated, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode("utf-8")) > METADATA_MAX_BYTES:
            fail(413, f"Metadata exceeds maximum size of {METADATA_MAX_BYTES} bytes")
        if updated != current:
            state.store.update_run(
                conn, engine.set_metadata(run, now, text, "application/json"), run
            )
    return json_response({"metadata": answer})


@endpoint
async def add_tags(request: Request) -> Response:
    """``POST /api/v1/runs/{runId}/tags`` (legacy route)."""
    if request.method == "GET":
        no_loader()
    if request.method != "POST":
        legacy_method_rejected()
    credential = legacy_auth(request, "Invalid or Missing API Key")
    try:
        raw = await legacy_json_body(request)
    except Reply:
        fail(500, "Something went wrong, please try again.")
    body, issues = TAGS_BODY.parse(raw)
    if issues:
        raise Reply(json_response({"error": "Invalid request body", "issues": issues}, 400))
    tags = [body["tags"]] if isinstance(body["tags"], str) else list(body["tags"])
    wanted = [tag for tag in tags if tag.strip()]
    if not wanted:
        return json_response({"message": "No new tags to add"})
    state = emulator_state(request)
    env = credential.environment
    now = state.now_ms()
    with state.store.transaction() as conn:
        run = state.store.get_run(env.id, request.path_params["run_id"])
        if run is None:
            fail(404, "Run not found")
        new = [tag for tag in dict.fromkeys(wanted) if tag not in run.tags]
        total = len(run.tags) + len(new)
        if total > MAX_TAGS:
            names = ", ".join(f"'{tag}'" for tag in new)
            fail(
                422,
                f"Runs can only have {MAX_TAGS} tags, you're trying to set {total}. "
                f"These tags have not been set: {names}.",
            )
        if not new:
            return json_response({"message": "No new tags to add"})
        state.store.update_run(conn, engine.add_tags(run, now, tuple(new)), run)
    return json_response({"message": f"Successfully set {len(new)} new tags."})


@endpoint
async def result(request: Request) -> Response:
    """``GET /api/v1/runs/{runParam}/result``.

    Measured on the real server: only canceled runs have a result here; every other run,
    finished or not, answers 404 (the v2 engine writes no attempt rows).
    """
    if request.method != "GET":
        no_action()
    credential = legacy_auth(request, "Invalid or Missing API Key")
    state = emulator_state(request)
    run = state.store.get_run(credential.environment.id, request.path_params["run_id"])
    if run is None or run.status != "CANCELED":
        fail(404, "Run either doesn't exist or is not finished")
    return json_response(
        {
            "ok": False,
            "id": run.friendly_id,
            "taskIdentifier": run.task,
            "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
        }
    )


routes = [
    Route("/api/v1/runs", list_runs, methods=_ALL_METHODS),
    Route("/api/v3/runs/{run_id}", retrieve, methods=_ALL_METHODS),
    Route("/api/v2/runs/{run_id}/cancel", cancel, methods=_ALL_METHODS),
    Route("/api/v1/runs/{run_id}/replay", replay, methods=_ALL_METHODS),
    Route("/api/v1/runs/{run_id}/reschedule", reschedule, methods=_ALL_METHODS),
    Route("/api/v1/runs/{run_id}/metadata", metadata, methods=_ALL_METHODS),
    Route("/api/v1/runs/{run_id}/tags", add_tags, methods=_ALL_METHODS),
    Route("/api/v1/runs/{run_id}/result", result, methods=_ALL_METHODS),
]
