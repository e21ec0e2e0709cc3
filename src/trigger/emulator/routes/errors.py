"""Error groups (SERVER.md §2.12): list, retrieve, resolve, ignore, unresolve.

Builder routes, key or JWT (``read:errors``, ``write:errors:{id}``). Groups are computed
from the environment's failed runs by the server's fingerprint
(`trigger.emulator.engine.errors`). The list counts each group's runs created within the
requested range (default: the last day, at most 30 days back), most frequent first, 25 a
page; ``firstSeen``/``lastSeen`` are all-time. Retrieve counts all of a group's runs. An
``{errorId}`` is ``error_<fingerprint>`` or the bare fingerprint.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.durations import iso, js_date_ms, period_ms
from trigger.emulator.engine import errors as engine
from trigger.emulator.engine.errors import ErrorGroup, GroupState, Occurrence
from trigger.emulator.engine.runs import RunState
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
from trigger.emulator.shapes import LOCAL_WORKER_VERSION
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


def _listed(group: ErrorGroup, state: GroupState) -> dict[str, Any]:
    return {
        "id": group.id,
        "fingerprint": group.fingerprint,
        "taskIdentifier": group.task,
        "errorType": group.error_type,
        "errorMessage": group.error_message,
        "status": state.status,
        "count": group.count,
        "firstSeen": iso(group.first_seen),
        "lastSeen": iso(group.last_seen),
        "resolvedAt": _time(state.resolved_at),
        "ignoredUntil": _time(state.ignored_until),
    }


def _time(ms: int | None) -> str | None:
    return iso(ms) if ms is not None else None


def _detail(group: ErrorGroup, state: GroupState) -> dict[str, Any]:
    # The server's key order (ApiErrorGroupPresenter).
    return {
        "id": group.id,
        "fingerprint": group.fingerprint,
        "taskIdentifier": group.task,
        "errorType": group.error_type,
        "errorMessage": group.error_message,
        "count": group.count,
        "firstSeen": iso(group.first_seen),
        "lastSeen": iso(group.last_seen),
        "affectedVersions": list(group.versions),
        "status": state.status,
        "resolvedAt": _time(state.resolved_at),
        "resolvedInVersion": state.resolved_in_version,
        "resolvedBy": None,
        "ignoredAt": _time(state.ignored_at),
        "ignoredUntil": _time(state.ignored_until),
        "ignoredReason": state.ignored_reason,
        "ignoredByUserId": None,
        "ignoredUntilOccurrenceRate": state.ignored_until_occurrence_rate,
        "ignoredUntilTotalOccurrences": state.ignored_until_total_occurrences,
    }


def _occurrences(state: EmulatorState, env: Environment) -> list[Occurrence]:
    out = []
    for run in ErrorStore(state.store).failed_runs(env.id):
        found = engine.occurrence(run, _version(run))
        if found is not None:
            out.append(found)
    return out


def _version(run: RunState) -> str:
    # The run's worker version, as the run list shows it (shapes.py).
    if run.lock_to_version is not None:
        return run.lock_to_version
    return LOCAL_WORKER_VERSION if run.started_at is not None else ""


@endpoint
async def list_errors(request: Request) -> Response:
    """``GET /api/v1/errors``: groups with occurrences in the range, most frequent first."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    q = parse_query(request, LIST_QUERY)
    forbid_unless(credential, "read", [("errors", None)])
    state = emulator_state(request)
    env = credential.env
    assert env is not None
    period = q.get("filter[period]")
    low, high = engine.time_window(
        state.now_ms(),
        period=period_ms(period) if period else None,
        period_given=bool(period),
        low=q.get("filter[from]") or None,
        high=q.get("filter[to]"),
    )
    before, after = q.get("page[before]"), q.get("page[after]")
    cursor = before or after
    query = engine.ListFilter(
        low=low,
        high=high,
        tasks=tuple(q.get("filter[taskIdentifier]") or ()),
        versions=tuple(q.get("filter[version]") or ()),
        statuses=tuple(q.get("filter[status]") or ()),
        search=q.get("filter[search]") or "",
        cursor=engine.decode_cursor(cursor) if cursor else None,
        backward=bool(before),
        size=q.get("page[size]") or 25,
    )
    page = engine.list_groups(
        _occurrences(state, env), ErrorStore(state.store).states(env.id), query
    )
    pagination: dict[str, str] = {}
    if page.next is not None:
        pagination["next"] = page.next
    if page.previous is not None:
        pagination["previous"] = page.previous
    data = [_listed(group, group_state) for group, group_state in page.rows]
    return json_response({"data": data, "pagination": pagination})


def _fingerprint_of(error_id: str) -> str:
    """``ErrorId.toId``: the part after ``error_``; an id of another shape is the server's
    500 (its friendly-id parser throws)."""
    if not error_id.startswith("error_"):
        return error_id
    parts = error_id.split("_")
    if len(parts) != 2 or not parts[1]:
        fail(500, "Internal Server Error")
    return parts[1]


def _find(state: EmulatorState, env: Environment, error_id: str) -> ErrorGroup | None:
    return engine.find_group(_occurrences(state, env), _fingerprint_of(error_id))


@endpoint
async def retrieve(request: Request) -> Response:
    """``GET /api/v1/errors/{errorId}``."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    state = emulator_state(request)
    env = credential.env
    assert env is not None
    error_id = request.path_params["error_id"]
    group = _find(state, env, error_id)
    if group is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    forbid_unless(credential, "read", [("errors", error_id)])
    stored = ErrorStore(state.store).states(env.id)
    return json_response(_detail(group, stored.get((group.task, group.fingerprint), GroupState())))


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
        group = _find(state, env, error_id)
        forbid_unless(credential, "write", [("errors", error_id)])
        if group is None:
            fail(404, "Resource not found")
        store = ErrorStore(state.store)
        key = (group.task, group.fingerprint)
        current = store.states(env.id).get(key, GroupState())
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
                count_now=group.count,
            )
        else:
            changed = engine.unresolve(current)
        with state.store.transaction() as conn:
            ErrorStore.put(conn, env.id, group.task, group.fingerprint, changed)
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
