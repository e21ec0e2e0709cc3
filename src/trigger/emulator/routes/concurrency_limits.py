"""Concurrency-limit endpoints (SDK 4.8): list, retrieve, override, reset, pause/resume.

The snapshot of the real server has no such routes: paths, bodies and answers follow the
4.8.3 client (its request and response schemas, SURFACE-4.8.md §1) and its documentation;
the error statuses and messages are inferred, treated like the queue routes' (404 for an
unknown name, 400 for a refused override). The limits served are the inline limits of
registered handlers (``concurrency_limit=`` gives ``task/<taskId>`` a ``total``); its
``total`` and pause are enforced on the task's queue, ``perKey`` bounds are recorded.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.durations import natural_duration_ms
from trigger.emulator.engine import limits as engine
from trigger.emulator.engine.limits import KeyOverride, LimitState
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    json_response,
    method_not_allowed,
    parse_body,
    parse_query,
)
from trigger.emulator.routes._legacy import no_action
from trigger.emulator.shapes_queues import limit_item, limit_key_item
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_limits import LimitTable, holder_counts, holds
from trigger.emulator.store_queues import counts
from trigger.emulator.validation import (
    MISSING,
    CoercedNumber,
    Enum,
    Num,
    Obj,
    Path,
    Schema,
    Str,
    Union,
)

__all__ = ["routes"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_NOT_FOUND = "Concurrency limit not found"
_ABORTED = 2


class _ConcurrencyKey(Schema):
    """A key as callers write it: a number becomes its string; then 1-128 characters."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Union(Str(), Num()).run(value, path)
        if status == _ABORTED:
            return status, parsed, issues
        if isinstance(parsed, float) and parsed.is_integer():
            parsed = int(parsed)
        return Str(min_length=1, max_length=128).run(str(parsed), path)


_BOUND = Num(("int",), ("min", 0), ("max", 100000))
_OVERRIDE_FIELDS: dict[str, Schema] = {
    "perKey": _BOUND.optional(),
    "total": _BOUND.optional(),
    "concurrencyKey": _ConcurrencyKey().optional(),
    "ttl": Union(Str(), Num(("int",), ("positive",))).optional(),
}


class _OverrideBody(Schema):
    """``OverrideConcurrencyLimitRequestBody``: the bounds, or one key's ``perKey``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Obj(_OVERRIDE_FIELDS).run(value, path)
        if not isinstance(value, dict) or any(
            schema.run(value.get(name, MISSING), (*path, name))[0] == _ABORTED
            for name, schema in _OVERRIDE_FIELDS.items()
        ):
            return status, parsed, issues  # zod's superRefine does not run after an abort
        extra: list[tuple[str, list[str | int]]] = []
        if "concurrencyKey" in parsed:
            if "perKey" not in parsed:
                extra.append(("A per-key override needs `perKey`", [*path, "perKey"]))
            if "total" in parsed:
                extra.append(
                    (
                        "`total` is not per key; omit it when overriding one concurrencyKey",
                        [*path, "total"],
                    )
                )
        else:
            if "ttl" in parsed:
                extra.append(
                    (
                        "`ttl` only applies to a per-key override; pass `concurrencyKey` with it",
                        [*path, "ttl"],
                    )
                )
            if "perKey" not in parsed and "total" not in parsed:
                extra.append(("Provide at least one of `perKey` or `total`", list(path)))
        if extra:
            issues = issues + [
                {"code": "custom", "path": where, "message": message} for message, where in extra
            ]
            status = max(status, 1)
        return status, parsed, issues


OVERRIDE_BODY = _OverrideBody()
RESET_BODY = Obj({"concurrencyKey": _ConcurrencyKey().optional()})
PAUSE_BODY = Obj({"action": Enum(("pause", "resume"))})
RETRIEVE_QUERY = Obj({"concurrencyKey": _ConcurrencyKey().optional()})
LIST_QUERY = Obj(
    {
        "page": CoercedNumber(("int",), ("positive",)).optional(),
        "perPage": CoercedNumber(("int",), ("positive",)).optional(),
    }
)


def declared_limits(state: EmulatorState) -> dict[str, tuple[int | None, int | None, str]]:
    """The limits declared by registered handlers (``task/<id>``) and the named ones
    (`Emulator.declare_concurrency_limit`): ``name -> (total, perKey, task id or name)``."""
    out: dict[str, tuple[int | None, int | None, str]] = {
        name: (total, per_key, name)
        for name, (total, per_key) in state.registry.named_limits().items()
    }
    for task_id in state.registry.ids():
        spec = state.registry.get(task_id)
        if spec is not None and spec.queue is None and spec.concurrency_limit is not None:
            out[f"task/{task_id}"] = (spec.concurrency_limit, None, task_id)
    return out


def _limits(state: EmulatorState, env: Environment) -> dict[str, LimitState]:
    """Every declared limit's state in ``env`` (rows created on first sight, for their ids)."""
    table = LimitTable(state.store)
    declared = declared_limits(state)
    found = {name: table.get(env.id, name) for name in declared}
    missing = [name for name, limit in found.items() if limit is None]
    if missing:
        with state.store.transaction() as conn:
            for name in missing:
                limit = table.get(env.id, name)
                if limit is None:
                    limit = LimitState(env_id=env.id, name=name, id=state.ids.cuid())
                    table.put(conn, limit)
                found[name] = limit
    return {name: limit for name, limit in found.items() if limit is not None}


def _find(state: EmulatorState, env: Environment, name: str) -> LimitState:
    limit = _limits(state, env).get(name)
    if limit is None:
        fail(404, _NOT_FOUND)
    return limit


def _bases(state: EmulatorState, name: str) -> tuple[int | None, int | None, str]:
    return declared_limits(state).get(name, (None, None, name.removeprefix("task/")))


def _item(state: EmulatorState, limit: LimitState) -> dict[str, Any]:
    total, per_key, _ = _bases(state, limit.name)
    if limit.name.startswith("task/"):
        running, queued = counts(state.store, limit.env_id, limit.name)
    else:  # a named limit counts the runs holding it, whatever their queue
        running, queued = holder_counts(state.store, state.registry, limit.env_id, limit.name)
    return limit_item(limit, total_base=total, per_key_base=per_key, running=running, queued=queued)


def _per_key_in_force(state: EmulatorState, limit: LimitState) -> int | None:
    _, per_key, _ = _bases(state, limit.name)
    return engine.in_force(per_key, limit.per_key_override, limit.per_key_overridden_at)


def _key_item(state: EmulatorState, limit: LimitState, key: str) -> dict[str, Any]:
    override = LimitTable(state.store).get_key(limit.env_id, limit.name, key)
    if override is not None and override.expires_at <= state.now_ms():
        override = None
    _, _, task_id = _bases(state, limit.name)
    named = not limit.name.startswith("task/")
    running = sum(
        1
        for run in state.store.runs_in_status("EXECUTING", None if named else task_id)
        if run.env_id == limit.env_id
        and run.concurrency_key == key
        and (not named or holds(state.registry, run, limit.name))
    )
    return limit_key_item(
        limit,
        key,
        per_key_in_force=_per_key_in_force(state, limit),
        override=override,
        running=running,
    )


def _ttl_ms(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value * 1000
    parsed = natural_duration_ms(value)
    if parsed is None:
        fail(400, f"Invalid ttl: {value}")
    return parsed


@endpoint
async def list_limits(request: Request) -> Response:
    """``GET /api/v1/concurrency-limits``: offset pages by name."""
    if request.method != "GET":
        no_action(marked=True)
    credential = builder_auth(request, allow_jwt=False)
    q = parse_query(request, LIST_QUERY)
    state = emulator_state(request)
    per_page = min(q.get("perPage") or 25, 100)
    page = q.get("page") or 1
    # Named limits sort before the derived task/… names.
    limits = sorted(
        _limits(state, credential.environment).values(),
        key=lambda limit: (limit.name.startswith("task/"), limit.name),
    )
    chunk = limits[(page - 1) * per_page : page * per_page]
    return json_response(
        {
            "data": [_item(state, limit) for limit in chunk],
            "pagination": {
                "currentPage": page,
                "totalPages": math.ceil(len(limits) / per_page),
                "count": len(limits),
            },
        }
    )


@endpoint
async def retrieve_limit(request: Request) -> Response:
    """``GET /api/v1/concurrency-limits/{name}`` (``?concurrencyKey=``: that key's view)."""
    if request.method != "GET":
        no_action(marked=True)
    credential = builder_auth(request, allow_jwt=False)
    q = parse_query(request, RETRIEVE_QUERY)
    state = emulator_state(request)
    limit = _find(state, credential.environment, request.path_params["name"])
    if "concurrencyKey" in q:
        return json_response(_key_item(state, limit, q["concurrencyKey"]))
    return json_response(_item(state, limit))


@endpoint
async def override_limit(request: Request) -> Response:
    """``POST /api/v1/concurrency-limits/{name}/override``: bounds, or one key's cap."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=False)
    body = await parse_body(request, OVERRIDE_BODY)
    state = emulator_state(request)
    env = credential.environment
    limit = _find(state, env, request.path_params["name"])
    table = LimitTable(state.store)
    now = state.now_ms()
    try:
        if "concurrencyKey" in body:
            key: KeyOverride = engine.override_key(
                limit,
                _per_key_in_force(state, limit),
                now,
                key=body["concurrencyKey"],
                per_key=body["perKey"],
                ttl_ms=_ttl_ms(body.get("ttl")),
            )
            with state.store.transaction() as conn:
                table.put_key(conn, key)
            return json_response(_key_item(state, limit, key.key))
        changed = engine.override_bounds(
            limit, now, per_key=body.get("perKey"), total=body.get("total")
        )
    except engine.LimitError as error:
        fail(400, str(error))
    with state.store.transaction() as conn:
        table.put(conn, changed)
    state.runtime.wake()
    return json_response(_item(state, changed))


@endpoint
async def reset_limit(request: Request) -> Response:
    """``POST /api/v1/concurrency-limits/{name}/reset`` (``{concurrencyKey}``: that key only)."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=False)
    body = await parse_body(request, RESET_BODY)
    state = emulator_state(request)
    env = credential.environment
    limit = _find(state, env, request.path_params["name"])
    table = LimitTable(state.store)
    if "concurrencyKey" in body:
        with state.store.transaction() as conn:
            table.delete_key(conn, env.id, limit.name, body["concurrencyKey"])
        return json_response(_key_item(state, limit, body["concurrencyKey"]))
    changed = engine.reset_bounds(limit)
    with state.store.transaction() as conn:
        table.put(conn, changed)
    state.runtime.wake()
    return json_response(_item(state, changed))


@endpoint
async def pause_limit(request: Request) -> Response:
    """``POST /api/v1/concurrency-limits/{name}/pause`` with ``{action: pause|resume}``."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=False)
    body = await parse_body(request, PAUSE_BODY)
    state = emulator_state(request)
    env = credential.environment
    limit = _find(state, env, request.path_params["name"])
    changed = engine.set_paused(limit, body["action"] == "pause")
    with state.store.transaction() as conn:
        LimitTable(state.store).put(conn, changed)
    state.runtime.wake()
    return json_response(_item(state, changed))


routes = [
    Route("/api/v1/concurrency-limits", list_limits, methods=_METHODS),
    Route("/api/v1/concurrency-limits/{name:path}/override", override_limit, methods=_METHODS),
    Route("/api/v1/concurrency-limits/{name:path}/reset", reset_limit, methods=_METHODS),
    Route("/api/v1/concurrency-limits/{name:path}/pause", pause_limit, methods=_METHODS),
    Route("/api/v1/concurrency-limits/{name:path}", retrieve_limit, methods=_METHODS),
]
