"""Schedules and timezones (SERVER.md §2.5, §5): legacy routes, key only.

``{scheduleId}`` is a ``sched_…`` id or, for any other value, a deduplication key. A
schedule whose environment is not the caller's is invisible (404), except that an upsert
with its deduplication key moves it to the caller's environment, as on the server. Any
task must be declared as scheduled (``@emulator.task(id, scheduled=True)`` or
``emulator.declare_task(id, scheduled=True)``) once any task is declared; while none is,
any task id is accepted. Writes keep each schedule's registration (its next occurrence) in
the same transaction (`trigger.emulator.scheduling`), and wake the runtime that fires it.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.engine import cron
from trigger.emulator.engine import schedules as engine
from trigger.emulator.engine.schedules import ScheduleError, ScheduleState
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    emulator_state,
    endpoint,
    fail,
    json_response,
    legacy_auth,
    legacy_json_body,
)
from trigger.emulator.routes._legacy import (
    invalid_body,
    legacy_method_rejected,
    no_action,
    no_handler,
    no_loader,
)
from trigger.emulator.scheduling import phase_secret, save
from trigger.emulator.shapes_schedules import list_item, timezones, upserted, viewed
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_schedules import ScheduleStore
from trigger.emulator.validation import CoercedNumber, Custom, Obj, Path, Schema, Str

__all__ = ["routes"]

_AUTH_ERROR = "Invalid or Missing API Key"
_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_SOMETHING_WRONG = "Something went wrong, please try again."
_DEFAULT_PAGE_SIZE = 20


def _window_rule(value: Any) -> tuple[list[tuple[str, Path]], Any]:
    try:
        cron.parse_window(value)
    except ValueError as error:
        return [(str(error), ())], value
    return [], value


_WINDOW = Custom(Str(), _window_rule)


def _options(with_key: bool) -> Schema:
    fields: dict[str, Schema] = {"task": Str(), "cron": Str()}
    if with_key:
        fields["deduplicationKey"] = Str()
    fields.update(
        {
            "externalId": Str().optional(),
            "timezone": Str().optional(),
            "window": _WINDOW.optional(),
        }
    )
    return Obj(fields)


CREATE_BODY = _options(with_key=True)
UPDATE_BODY = _options(with_key=False)

_POSITIVE_INT = CoercedNumber(("int",), ("positive",))
LIST_QUERY = Obj({"page": _POSITIVE_INT.optional(), "perPage": _POSITIVE_INT.optional()})


def _describe(expression: str) -> str:
    try:
        return cron.describe(expression)
    except ValueError:
        fail(500, _SOMETHING_WRONG)


def _checked(state: EmulatorState, body: dict[str, Any]) -> cron.ScheduleWindow | None:
    try:
        _, window = engine.check(
            body["cron"],
            body.get("timezone"),
            body.get("window"),
            frozenset(timezones()),
            state.url or "http://localhost:3030",
        )
    except ScheduleError as error:
        fail(422, str(error))
    # Checked after the cron, timezone and window, as the server's CheckScheduleService
    # does. Lenient while no task is declared at all (an emulator used only for schedules).
    if state.registry.any_declared():
        kind = state.registry.task_kind(body["task"])
        if kind is None:
            fail(422, f"Task with identifier {body['task']} not found in project.")
        if not kind:
            fail(422, f"Task with identifier {body['task']} is not a scheduled task.")
    return window


def _upsert(
    state: EmulatorState,
    env: Environment,
    body: dict[str, Any],
    existing: ScheduleState | None,
    window: cron.ScheduleWindow | None,
) -> ScheduleState:
    now = state.now_ms()
    description = _describe(body["cron"])
    if existing is not None:
        try:
            return engine.update(
                existing,
                env_id=env.id,
                cron_expression=body["cron"],
                description=description,
                tz=body.get("timezone"),
                external_id=body.get("externalId"),
                window=window,
                now=now,
            )
        except ScheduleError as error:
            fail(422, str(error))
    given_key = body.get("deduplicationKey") or None
    internal_id = state.ids.cuid()
    return engine.create(
        internal_id=internal_id,
        friendly_id=f"sched_{state.ids.token(21)}",
        env_id=env.id,
        task=body["task"],
        cron_expression=body["cron"],
        description=description,
        deduplication_key=given_key or state.ids.token(24),
        user_provided_key=given_key is not None,
        tz=body.get("timezone"),
        external_id=body.get("externalId"),
        window=window,
        now=now,
    )


def _save_and_answer(
    state: EmulatorState,
    env: Environment,
    existing: ScheduleState | None,
    schedule: ScheduleState,
) -> Response:
    with state.store.transaction() as conn:
        registered = save(state, conn, existing, schedule)
    state.runtime.wake()
    if not registered:
        # A valid cron that never matches (`0 0 31 2,4 *`): the server stores the schedule,
        # then its registration throws.
        fail(500, _SOMETHING_WRONG)
    when = engine.timing(schedule, state.now_ms(), phase_secret(state))
    return json_response(upserted(schedule, env, when))


def _env(state: EmulatorState, request: Request) -> Environment:
    env = legacy_auth(request, _AUTH_ERROR).env
    assert env is not None
    return env


def _visible(state: EmulatorState, env: Environment, key: str) -> ScheduleState:
    schedule = ScheduleStore(state.store).find(key)
    if schedule is None or schedule.env_id != env.id:
        fail(404, "Schedule not found")
    return schedule


@endpoint
async def collection(request: Request) -> Response:
    """``GET /api/v1/schedules`` (offset pages) and ``POST`` (create or upsert by key)."""
    state = emulator_state(request)
    if request.method == "GET":
        env = _env(state, request)
        query, issues = LIST_QUERY.parse(dict(request.query_params))
        if issues:
            invalid_body(issues, "Invalid request parameters")
        page = query.get("page") or 1
        size = min(query.get("perPage") or _DEFAULT_PAGE_SIZE, 100)
        rows, total = ScheduleStore(state.store).page(env.id, page, size)
        now = state.now_ms()
        secret = phase_secret(state)
        data = [
            list_item(row, env, engine.timing(row, now, secret, list_view=True)) for row in rows
        ]
        pagination = {"currentPage": page, "totalPages": -(-total // size), "count": total}
        return json_response({"data": data, "pagination": pagination})
    if request.method != "POST":
        legacy_method_rejected()
    env = _env(state, request)
    raw = await legacy_json_body(request)
    body, issues = CREATE_BODY.parse(raw)
    if issues:
        invalid_body(issues)
    window = _checked(state, body)
    key = body.get("deduplicationKey") or None
    existing = ScheduleStore(state.store).by_deduplication_key(key) if key else None
    return _save_and_answer(state, env, existing, _upsert(state, env, body, existing, window))


@endpoint
async def one(request: Request) -> Response:
    """``GET``, ``PUT`` (an unknown id creates) and ``DELETE /api/v1/schedules/{id}``."""
    state = emulator_state(request)
    env = _env(state, request)
    key = request.path_params["schedule_id"]
    if request.method == "GET":
        schedule = _visible(state, env, key)
        when = engine.timing(schedule, state.now_ms(), phase_secret(state))
        return json_response(viewed(schedule, env, when))
    if request.method == "DELETE":
        schedule = _visible(state, env, key)
        with state.store.transaction() as conn:
            ScheduleStore.delete(conn, schedule.id)
        state.runtime.wake()
        return json_response({"id": schedule.friendly_id})
    if request.method != "PUT":
        no_handler()
    raw = await legacy_json_body(request)
    body, issues = UPDATE_BODY.parse(raw)
    if issues:
        invalid_body(issues)
    existing = ScheduleStore(state.store).find(key)
    if existing is not None and existing.env_id != env.id:
        fail(404, "Schedule not found")
    window = _checked(state, body)
    return _save_and_answer(state, env, existing, _upsert(state, env, body, existing, window))


def _toggle(active: bool) -> Any:
    @endpoint
    async def handler(request: Request) -> Response:
        if request.method == "GET":
            no_loader()
        if request.method != "POST":
            legacy_method_rejected()
        state = emulator_state(request)
        env = _env(state, request)
        schedule = _visible(state, env, request.path_params["schedule_id"])
        changed = msgspec.structs.replace(
            schedule, active=active, updated_at=max(state.now_ms(), schedule.updated_at)
        )
        # Only the flag: the registration stands, and an inactive schedule's occurrences are
        # skipped as they come (so reactivating fires the next one, not a missed one).
        with state.store.transaction() as conn:
            ScheduleStore.put(conn, changed)
        when = engine.timing(changed, state.now_ms(), phase_secret(state))
        return json_response(viewed(changed, env, when))

    handler.__doc__ = f"``POST /api/v1/schedules/{{id}}/{'activate' if active else 'deactivate'}``."
    return handler


@endpoint
async def list_timezones(request: Request) -> Response:
    """``GET /api/v1/timezones``: no auth; ``excludeUtc=true`` leaves ``UTC`` out."""
    if request.method != "GET":
        no_action()
    names = timezones()
    if request.query_params.get("excludeUtc") == "true":
        names = names[1:]
    return json_response({"timezones": list(names)})


routes = [
    Route("/api/v1/schedules", collection, methods=_ALL),
    Route("/api/v1/schedules/{schedule_id}", one, methods=_ALL),
    Route("/api/v1/schedules/{schedule_id}/activate", _toggle(True), methods=_ALL),
    Route("/api/v1/schedules/{schedule_id}/deactivate", _toggle(False), methods=_ALL),
    Route("/api/v1/timezones", list_timezones, methods=_ALL),
]
