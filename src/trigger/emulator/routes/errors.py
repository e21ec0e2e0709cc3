"""Error groups (SERVER.md §2.12): list, retrieve, resolve, ignore, unresolve.

Builder routes, key or JWT (``read:errors``, ``write:errors:{id}``). The list counts the
occurrences within the requested range (default: the last day), newest first, 25 a page;
retrieve counts all of them. Groups are computed from the environment's failed runs
(`trigger.emulator.engine.errors`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.durations import iso, js_date_ms, period_ms
from trigger.emulator.engine import errors as engine
from trigger.emulator.engine.errors import ErrorGroup, GroupState
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
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
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_errors import ErrorStore
from trigger.emulator.validation import (
    MISSING,
    CoercedDate,
    CoercedNumber,
    Num,
    Obj,
    Path,
    Schema,
    Str,
    js_number,
)

__all__ = ["routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_DAY_MS = 24 * 3600 * 1000
_STATUSES = ("unresolved", "resolved", "ignored")


class _Csv(Schema):
    def __init__(self, check_statuses: bool = False) -> None:
        self.check_statuses = check_statuses

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or not parsed:
            return status, MISSING, issues
        values = parsed.split(",")
        if self.check_statuses:
            bad = [item for item in values if item not in _STATUSES]
            if bad:
                message = (
                    f"Invalid status values: {', '.join(bad)}. "
                    "Allowed: unresolved, resolved, ignored."
                )
                return 1, MISSING, [{"code": "custom", "message": message, "path": list(path)}]
        return 0, list(dict.fromkeys(values)), []


def _query_date(text: str) -> int | None:
    number = js_number(text)
    if number == number and abs(number) != float("inf"):
        return int(number)
    return js_date_ms(text)


LIST_QUERY = Obj(
    {
        "page[size]": CoercedNumber(("int",), ("positive",), ("min", 1), ("max", 100)).optional(),
        "page[after]": Str().optional(),
        "page[before]": Str().optional(),
        "filter[taskIdentifier]": _Csv(),
        "filter[version]": _Csv(),
        "filter[status]": _Csv(check_statuses=True),
        "filter[search]": Str(max_length=1000).optional(),
        "filter[period]": Str().optional(),
        "filter[from]": CoercedDate(_query_date).optional(),
        "filter[to]": CoercedDate(_query_date).optional(),
    }
)

RESOLVE_BODY = Obj({"resolvedInVersion": Str().optional()})
IGNORE_BODY = Obj(
    {
        "duration": Num(("int",), ("positive",)).optional(),
        "occurrenceRate": Num(("positive",)).optional(),
        "totalOccurrences": Num(("int",), ("positive",)).optional(),
        "reason": Str(max_length=1000).optional(),
    }
)


def _listed(group: ErrorGroup, state: GroupState, count: int) -> dict[str, Any]:
    return {
        "id": group.id,
        "fingerprint": group.fingerprint,
        "taskIdentifier": group.task,
        "errorType": group.error_type,
        "errorMessage": group.error_message,
        "status": state.status,
        "count": count,
        "firstSeen": iso(group.occurrences[0]),
        "lastSeen": iso(group.occurrences[-1]),
        "resolvedAt": iso(state.resolved_at) if state.resolved_at is not None else None,
        "ignoredUntil": iso(state.ignored_until) if state.ignored_until is not None else None,
    }


def _detail(group: ErrorGroup, state: GroupState) -> dict[str, Any]:
    out = _listed(group, state, len(group.occurrences))
    out.update(
        {
            "affectedVersions": list(group.versions),
            "resolvedInVersion": state.resolved_in_version,
            "resolvedBy": None,
            "ignoredAt": iso(state.ignored_at) if state.ignored_at is not None else None,
            "ignoredReason": state.ignored_reason,
            "ignoredByUserId": None,
            "ignoredUntilOccurrenceRate": state.ignored_until_occurrence_rate,
            "ignoredUntilTotalOccurrences": state.ignored_until_total_occurrences,
        }
    )
    return out


def _groups(state: EmulatorState, env: Environment) -> list[ErrorGroup]:
    return engine.group_runs(ErrorStore(state.store).failed_runs(env.id))


def _cursor(group: ErrorGroup) -> str:
    raw = json.dumps({"f": group.fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _position(groups: list[ErrorGroup], cursor: str) -> int | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    fingerprint = data.get("f") if isinstance(data, dict) else None
    for index, group in enumerate(groups):
        if group.fingerprint == fingerprint:
            return index
    return None


@endpoint
async def list_errors(request: Request) -> Response:
    """``GET /api/v1/errors``: groups with occurrences in the range, newest first."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    q = parse_query(request, LIST_QUERY)
    forbid_unless(credential, "read", [("errors", None)])
    state = emulator_state(request)
    env = credential.env
    assert env is not None
    now = state.now_ms()
    low: int | None = now - _DAY_MS
    high: int | None = None
    if q.get("filter[period]"):
        duration = period_ms(q["filter[period]"])
        low = now - duration if duration is not None else low
    elif q.get("filter[from]") is not None or q.get("filter[to]") is not None:
        low, high = q.get("filter[from]"), q.get("filter[to]")
    stored = ErrorStore(state.store).states(env.id)
    rows: list[tuple[ErrorGroup, GroupState, int]] = []
    search = (q.get("filter[search]") or "").lower()
    for group in _groups(state, env):
        count = sum(
            1
            for at in group.occurrences
            if (low is None or at >= low) and (high is None or at <= high)
        )
        group_state = stored.get(group.fingerprint, GroupState())
        if count == 0:
            continue
        if q.get("filter[taskIdentifier]") and group.task not in q["filter[taskIdentifier]"]:
            continue
        if q.get("filter[version]") and not set(group.versions) & set(q["filter[version]"]):
            continue
        if q.get("filter[status]") and group_state.status not in q["filter[status]"]:
            continue
        if search and search not in f"{group.error_type} {group.error_message}".lower():
            continue
        rows.append((group, group_state, count))
    size = q.get("page[size]") or 25
    groups = [row[0] for row in rows]
    pagination: dict[str, str] = {}
    if q.get("page[before]"):
        end = _position(groups, q["page[before]"])
        end = 0 if end is None else end
        start = max(0, end - size)
        page = rows[start:end]
        if page:
            pagination["next"] = _cursor(page[-1][0])
            if start > 0:
                pagination["previous"] = _cursor(page[0][0])
    else:
        start = 0
        if q.get("page[after]"):
            found = _position(groups, q["page[after]"])
            start = found + 1 if found is not None else 0
        page = rows[start : start + size]
        if start > 0 and page:
            pagination["previous"] = _cursor(page[0][0])
        if start + size < len(rows) and page:
            pagination["next"] = _cursor(page[-1][0])
    data = [_listed(group, group_state, count) for group, group_state, count in page]
    return json_response({"data": data, "pagination": pagination})


def _find(state: EmulatorState, env: Environment, error_id: str) -> ErrorGroup | None:
    for group in _groups(state, env):
        if group.id == error_id:
            return group
    return None


@endpoint
async def retrieve(request: Request) -> Response:
    """``GET /api/v1/errors/{errorId}``."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    state = emulator_state(request)
    env = credential.env
    assert env is not None
    group = _find(state, env, request.path_params["error_id"])
    if group is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    forbid_unless(credential, "read", [("errors", group.id)])
    group_state = ErrorStore(state.store).states(env.id).get(group.fingerprint, GroupState())
    return json_response(_detail(group, group_state))


def _action(kind: str) -> Any:
    @endpoint
    async def handler(request: Request) -> Response:
        if request.method == "GET":
            method_not_allowed("POST", empty=True)
        if request.method != "POST":
            method_not_allowed("POST")
        credential = builder_auth(request, allow_jwt=True)
        body: dict[str, Any] = {}
        if kind != "unresolve":
            body = await parse_body(request, RESOLVE_BODY if kind == "resolve" else IGNORE_BODY)
        state = emulator_state(request)
        env = credential.env
        assert env is not None
        error_id = request.path_params["error_id"]
        forbid_unless(credential, "write", [("errors", error_id)])
        group = _find(state, env, error_id)
        if group is None:
            fail(404, "Resource not found")
        store = ErrorStore(state.store)
        current = store.states(env.id).get(group.fingerprint, GroupState())
        now = state.now_ms()
        if kind == "resolve":
            changed = engine.resolve(current, now, body.get("resolvedInVersion"))
        elif kind == "ignore":
            changed = engine.ignore(
                current,
                now,
                duration_ms=body.get("duration"),
                occurrence_rate=body.get("occurrenceRate"),
                total_occurrences=body.get("totalOccurrences"),
                reason=body.get("reason"),
            )
        else:
            changed = engine.unresolve(current)
        with state.store.transaction() as conn:
            ErrorStore.put(conn, env.id, group.fingerprint, changed)
        return json_response(_detail(group, changed))

    handler.__doc__ = f"``POST /api/v1/errors/{{errorId}}/{kind}``."
    return handler


routes = [
    Route("/api/v1/errors", list_errors, methods=_ALL),
    Route("/api/v1/errors/{error_id}", retrieve, methods=_ALL),
    Route("/api/v1/errors/{error_id}/resolve", _action("resolve"), methods=_ALL),
    Route("/api/v1/errors/{error_id}/ignore", _action("ignore"), methods=_ALL),
    Route("/api/v1/errors/{error_id}/unresolve", _action("unresolve"), methods=_ALL),
]
