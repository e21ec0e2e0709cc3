"""Run events, trace and spans (SERVER.md §2.3), and the PAT project runs list.

Events, trace and span detail are builder loaders (key or JWT with a read scope on the run,
its task, a tag or its batch); an unknown run is 404 ``Not found`` with
``x-should-retry: true``. Their spans come from `trigger.emulator.engine.traces`: the run's
own span, and an ``Attempt N`` span (with its ``run()``) for each attempt, with the times and
error that attempt had. A run that has not started has no events yet and a trace holding
only its own open span, as measured. A trace request with ``page[size]`` (the 4.8.3
client's ``retrieveRunTracePage``) gets the paged form ``{data, attemptFailures,
pagination}``: flat rows oldest first with durations in nanoseconds (the snapshot server has
no such form; this follows the 4.8.3 client's schema).

``GET /api/v1/projects/{ref}/runs`` takes a personal access token; ``filter[env]`` picks the
environment (the first of prod, dev, stg, preview that it names, as the server's database
order has them; naming none is the server's 500).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.auth import AuthFailure, Resource, authenticate_pat
from trigger.emulator.durations import iso
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.traces import Span, spans, trace_id
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    Reply,
    api_version,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    method_not_allowed,
    parse_query,
)
from trigger.emulator.routes.runs import LIST_QUERY, list_page
from trigger.emulator.validation import CoercedNumber, Obj, Str

__all__ = ["routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_ENV_ORDER = ("prod", "dev", "stg", "preview")


def _resources(run: RunState) -> list[Resource]:
    out: list[Resource] = [("runs", run.friendly_id), ("tasks", run.task)]
    out.extend(("tags", tag) for tag in run.tags)
    if run.batch_id:
        out.append(("batch", run.batch_id))
    return out


def _run(request: Request) -> tuple[RunState, Environment, int]:
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    env = credential.env
    assert env is not None
    state = emulator_state(request)
    run = state.store.get_run(env.id, request.path_params["run_id"])
    if run is None:
        fail(404, "Not found", {"x-should-retry": "true"})
    forbid_unless(credential, "read", _resources(run))
    return run, env, state.now_ms()


def _event(span: Span, run: RunState, env: Environment) -> dict[str, Any]:
    return {
        "spanId": span.id,
        "parentId": span.parent_id,
        "runId": run.friendly_id,
        "idempotencyKey": None,
        "message": span.message,
        "style": span.style,
        "startTime": str(span.start_ms * 1_000_000),
        "duration": span.duration_ns,
        "isError": span.is_error,
        "isPartial": span.is_partial,
        "isCancelled": span.is_cancelled,
        "kind": span.kind,
        "level": span.level,
        "events": list(span.events),
        "environmentType": env.type,
        "taskSlug": run.task,
        "attemptNumber": span.attempt_number,
    }


@endpoint
async def events(request: Request) -> Response:
    """``GET /api/v1/runs/{runId}/events``: every span, oldest first."""
    run, env, now = _run(request)
    if run.started_at is None:
        return json_response({"events": []})
    found = sorted(spans(run, now), key=lambda span: span.start_ms)
    return json_response({"events": [_event(span, run, env) for span in found]})


def _node(span: Span, run: RunState, children: dict[str | None, list[Span]]) -> dict[str, Any]:
    node: dict[str, Any] = {"id": span.id}
    if span.parent_id is not None:
        node["parentId"] = span.parent_id
    node["runId"] = run.friendly_id
    node["data"] = {
        "message": span.message,
        "taskSlug": run.task,
        "events": [],
        "startTime": iso(span.start_ms),
        "duration": span.duration_ns / 1_000_000,
        "isError": span.is_error,
        "isPartial": span.is_partial,
        "isCancelled": span.is_cancelled,
        "level": span.level,
    }
    node["children"] = [_node(child, run, children) for child in children.get(span.id, [])]
    return node


TRACE_PAGE_QUERY = Obj(
    {
        "page[size]": CoercedNumber(("int",), ("positive",), ("max", 10_000)).optional(),
        "page[after]": Str().optional(),
    }
)


def _page_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).rstrip(b"=").decode()


def _page_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        return 0
    offset = data.get("o") if isinstance(data, dict) else None
    return offset if isinstance(offset, int) and offset >= 0 else 0


def _trace_page(run: RunState, found: list[Span], q: dict[str, Any]) -> dict[str, Any]:
    """The 4.8.3 paged form: flat rows oldest first, the attempts that failed, a cursor."""
    ordered = sorted(found, key=lambda span: span.start_ms)
    start = _page_offset(q.get("page[after]"))
    size = q.get("page[size]") or 10_000
    page = ordered[start : start + size]
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for span in page:
        row: dict[str, Any] = {"id": span.id}
        if span.parent_id is not None:
            row["parentId"] = span.parent_id
        row.update(
            {
                "runId": run.friendly_id,
                "message": span.message,
                "startTime": iso(span.start_ms),
                "duration": span.duration_ns,
                "isError": span.is_error,
                "isPartial": span.is_partial,
                "isCancelled": span.is_cancelled,
                "level": span.level,
            }
        )
        if span.attempt_number is not None:
            row["attemptNumber"] = span.attempt_number
        rows.append(row)
        if span.entity_type == "attempt" and span.is_error and span.attempt_number is not None:
            failures.append(
                {"spanId": span.id, "attemptNumber": span.attempt_number, "runId": run.friendly_id}
            )
    pagination: dict[str, Any] = {}
    if start + size < len(ordered):
        pagination["next"] = _page_cursor(start + size)
    return {"data": rows, "attemptFailures": failures, "pagination": pagination}


@endpoint
async def trace(request: Request) -> Response:
    """``GET /api/v1/runs/{runId}/trace``: ``{trace: {traceId, rootSpan}}``, or the 4.8.3
    client's paged form when it asks for a page (``page[size]``)."""
    run, _, now = _run(request)
    found = spans(run, now)
    if "page[size]" in request.query_params:
        return json_response(_trace_page(run, found, parse_query(request, TRACE_PAGE_QUERY)))
    children: dict[str | None, list[Span]] = {}
    for span in found:
        children.setdefault(span.parent_id, []).append(span)
    root = _node(found[0], run, children)
    return json_response({"trace": {"traceId": trace_id(run), "rootSpan": root}})


@endpoint
async def span_detail(request: Request) -> Response:
    """``GET /api/v1/runs/{runId}/spans/{spanId}``: one span (404 ``Span not found``)."""
    run, _, now = _run(request)
    wanted = request.path_params["span_id"]
    span = next((span for span in spans(run, now) if span.id == wanted), None)
    if span is None:
        fail(404, "Span not found")
    body: dict[str, Any] = {
        "spanId": span.id,
        "parentId": span.parent_id,
        "runId": run.friendly_id,
        "message": span.message,
        "isError": span.is_error,
        "isPartial": span.is_partial,
        "isCancelled": span.is_cancelled,
        "level": span.level,
        "startTime": iso(span.start_ms),
        # Measured: the server divides an already-converted duration by 1e6 again.
        "durationMs": span.duration_ns / 1e12,
    }
    if span.events:
        body["events"] = list(span.events)
    if span.entity_type is not None:
        body["entityType"] = span.entity_type
    return json_response(body)


@endpoint
async def project_runs(request: Request) -> Response:
    """``GET /api/v1/projects/{projectRef}/runs`` (personal access tokens only)."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    q = parse_query(request, LIST_QUERY)
    state = emulator_state(request)
    try:
        authenticate_pat(
            state.project, request.headers.get("authorization"), strict=state.strict_keys
        )
    except AuthFailure as failure:
        raise Reply(json_response(failure.body, failure.status)) from None
    if request.path_params["project_ref"] != state.project.ref:
        fail(404, "Project not found")
    wanted = q.get("filter[env]") or []
    slug = next((slug for slug in _ENV_ORDER if slug in wanted), None)
    if slug is None:
        fail(500, "Internal Server Error")
    env = state.project.envs[slug]
    return json_response(list_page(state, env, q, api_version(request)))


routes = [
    Route("/api/v1/runs/{run_id}/events", events, methods=_ALL),
    Route("/api/v1/runs/{run_id}/trace", trace, methods=_ALL),
    Route("/api/v1/runs/{run_id}/spans/{span_id}", span_detail, methods=_ALL),
    Route("/api/v1/projects/{project_ref}/runs", project_runs, methods=_ALL),
]
