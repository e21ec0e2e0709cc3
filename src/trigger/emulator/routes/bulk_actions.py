"""Bulk-action endpoints: create (cancel or replay, by ids or filter), list, retrieve, abort.

Keys only (no public tokens), no CORS (SERVER.md §2.4). Creating freezes the selection and
counts it; the runtime does the work (`trigger.emulator.bulk`).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator import bulk
from trigger.emulator.durations import iso, period_ms
from trigger.emulator.engine import bulk_actions as engine
from trigger.emulator.engine.bulk_actions import BulkActionState, BulkSelection
from trigger.emulator.engine.statuses import statuses_for_filter
from trigger.emulator.routes._http import (
    builder_auth,
    check_content_length,
    emulator_state,
    endpoint,
    fail,
    json_response,
    parse_body,
    parse_query,
)
from trigger.emulator.routes._legacy import no_action, no_loader
from trigger.emulator.schemas_bulk_actions import BULK_LIST_QUERY, CREATE_BULK_ACTION_BODY
from trigger.emulator.store_bulk_actions import BulkActionStore

__all__ = ["MAX_CONCURRENT_REPLAYS", "MAX_RUN_IDS", "routes"]

MAX_RUN_IDS = 500
"""``BULK_ACTION_MAX_RUN_IDS``."""
MAX_CONCURRENT_REPLAYS = 3
"""``BULK_ACTION_MAX_CONCURRENT_REPLAYS``: pending replays per environment."""

_CREATE_MAX_BYTES = 1024 * 1024
_REPLAY_INFLIGHT_WINDOW_MS = 30 * 60 * 1000
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _listed(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, list) else (value,)


def _selection(body: dict[str, Any], now: int) -> BulkSelection:
    """The runs a create body selects, frozen now (the server's ``freezeRunListFilters``).

    Raises:
        ValueError: An unparseable ``period``.
    """
    if "runIds" in body:
        return BulkSelection(run_ids=tuple(dict.fromkeys(body["runIds"])))
    filters: dict[str, Any] = body["filter"]
    statuses = None
    if "status" in filters:
        statuses = tuple(
            s for name in _listed(filters["status"]) or () for s in statuses_for_filter(name) or ()
        )
    queues = None
    if "queue" in filters:
        queues = tuple(
            f"task/{q['name']}" if q["type"] == "task" else q["name"]
            for q in _listed(filters["queue"]) or ()
        )
    created_from = filters.get("from")
    created_to = filters.get("to")
    period = filters.get("period") or None
    if period is None and not created_from and not created_to:
        period = "7d"  # the run list's default window, pinned now
    if period is not None:
        duration = period_ms(period)
        if duration is None:
            raise ValueError(f"Invalid period: {period}")
        created_from, created_to = now - duration, now
    elif not created_to:
        created_to = now
    return BulkSelection(
        statuses=statuses,
        tasks=_listed(filters.get("taskIdentifier")),
        versions=_listed(filters.get("version")),
        tags=_listed(filters.get("tag")),
        queues=queues,
        machines=_listed(filters.get("machine")),
        regions=_listed(filters.get("region")),
        bulk_action=filters.get("bulkAction"),
        schedule=filters.get("schedule"),
        batch=filters.get("batch"),
        is_test=filters.get("isTest"),
        created_from=created_from or None,
        created_to=created_to,
    )


def bulk_action_object(action: BulkActionState) -> dict[str, Any]:
    """A ``BulkActionObject``: ``{id, name?, type, status, counts, createdAt, completedAt?}``."""
    out: dict[str, Any] = {"id": action.friendly_id}
    if action.name is not None:
        out["name"] = action.name
    out["type"] = action.type
    out["status"] = action.status
    out["counts"] = {
        "total": action.total_count,
        "success": action.success_count,
        "failure": action.failure_count,
    }
    out["createdAt"] = iso(action.created_at)
    if action.completed_at is not None:
        out["completedAt"] = iso(action.completed_at)
    return out


def _encode_cursor(action: BulkActionState) -> str:
    raw = json.dumps({"createdAt": action.created_at, "id": action.id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def _decode_cursor(cursor: str) -> tuple[int, str]:
    """``(createdAt, id)`` of a list cursor; a bad one is the server's unmapped 500."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        data = None
    created = data.get("createdAt") if isinstance(data, dict) else None
    ident = data.get("id") if isinstance(data, dict) else None
    if (
        not isinstance(created, (int, float))
        or isinstance(created, bool)
        or not isinstance(ident, str)
    ):
        fail(500, "Internal Server Error")
    return int(created), ident


@endpoint
async def bulk_actions(request: Request) -> Response:
    """``POST /api/v1/bulk-actions`` (create) and ``GET /api/v1/bulk-actions`` (list)."""
    if request.method in ("GET", "HEAD"):
        return _list(request)
    credential = builder_auth(request, allow_jwt=False)
    check_content_length(request, _CREATE_MAX_BYTES)
    body = await parse_body(request, CREATE_BULK_ACTION_BODY)
    run_ids = body.get("runIds")
    if run_ids is not None and len(run_ids) > MAX_RUN_IDS:
        fail(
            400,
            f"Too many runIds ({len(run_ids)}). Maximum is {MAX_RUN_IDS}. "
            "Use a filter to select more runs.",
        )
    state = emulator_state(request)
    env = credential.environment
    actions = BulkActionStore(state.store)
    now = state.now_ms()
    kind: Literal["CANCEL", "REPLAY"] = "CANCEL" if body["action"] == "cancel" else "REPLAY"
    if kind == "REPLAY":
        live = actions.count_live_replays(env.id, now - _REPLAY_INFLIGHT_WINDOW_MS)
        if live >= MAX_CONCURRENT_REPLAYS:
            fail(
                429,
                f"You can only run {MAX_CONCURRENT_REPLAYS} bulk replays at a time in this "
                "environment. Wait for an in-progress replay to finish before starting another.",
                {"x-should-retry": "false"},
            )
    try:
        selection = _selection(body, now)
    except ValueError:
        fail(500, "Failed to create bulk action")
    internal, friendly = state.ids.friendly("bulk")
    action = BulkActionState(
        id=internal,
        friendly_id=friendly,
        env_id=env.id,
        type=kind,
        status="PENDING",
        created_at=now,
        updated_at=now,
        selection=selection,
        total_count=bulk.count_selected(state, env.id, selection),
        name=body.get("name"),
        target_region=body.get("targetRegion") if kind == "REPLAY" else None,
        next_chunk_at=now,
    )
    with state.store.transaction() as conn:
        actions.insert(conn, action)
    state.runtime.wake()
    return json_response({"id": friendly}, 202)


def _list(request: Request) -> Response:
    credential = builder_auth(request, allow_jwt=False)
    query = parse_query(request, BULK_LIST_QUERY)
    after, before = query.get("page[after]"), query.get("page[before]")
    if after and before:  # the presenter throws: an unmapped 500
        fail(500, "Internal Server Error")
    size = query.get("page[size]") or 25
    given = after or before
    cursor = _decode_cursor(given) if isinstance(given, str) and given else None
    backward = bool(before)
    state = emulator_state(request)
    rows, more = BulkActionStore(state.store).page(
        credential.environment.id, size, cursor, backward
    )
    if backward:
        rows.reverse()
    pagination: dict[str, str] = {}
    if rows and (more or backward):
        pagination["next"] = _encode_cursor(rows[-1])
    if rows and ((not backward and after) or (backward and more)):
        pagination["previous"] = _encode_cursor(rows[0])
    return json_response({"data": [bulk_action_object(a) for a in rows], "pagination": pagination})


@endpoint
async def retrieve(request: Request) -> Response:
    """``GET /api/v1/bulk-actions/{bulkActionId}``: progress counts and status."""
    if request.method not in ("GET", "HEAD"):
        no_action()
    credential = builder_auth(request, allow_jwt=False)
    state = emulator_state(request)
    action = BulkActionStore(state.store).get(
        credential.environment.id, request.path_params["bulk_action_id"]
    )
    if action is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    return json_response(bulk_action_object(action))


@endpoint
async def abort(request: Request) -> Response:
    """``POST /api/v1/bulk-actions/{bulkActionId}/abort``: stop a pending action (409 else)."""
    if request.method in ("GET", "HEAD"):
        no_loader()
    credential = builder_auth(request, allow_jwt=False)
    state = emulator_state(request)
    actions = BulkActionStore(state.store)
    friendly = request.path_params["bulk_action_id"]
    with state.store.transaction() as conn:
        action = actions.get(credential.environment.id, friendly)
        if action is None:
            fail(404, "Resource not found")
        if action.status == "COMPLETED":
            fail(409, f"Bulk action group already completed: {friendly}")
        if action.status == "ABORTED":
            fail(409, f"Bulk action group already aborted: {friendly}")
        actions.update(conn, engine.abort(action, state.now_ms()))
    return json_response({"id": friendly})


routes = [
    Route("/api/v1/bulk-actions", bulk_actions, methods=_METHODS),
    Route("/api/v1/bulk-actions/{bulk_action_id}", retrieve, methods=_METHODS),
    Route("/api/v1/bulk-actions/{bulk_action_id}/abort", abort, methods=_METHODS),
]
