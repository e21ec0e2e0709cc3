"""``POST /api/v1/tasks/{taskId}/trigger`` and ``POST /api/v1/idempotencyKeys/{key}/reset``."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.routes._http import (
    builder_auth,
    check_content_length,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    method_not_allowed,
    parse_body,
    parse_headers,
)
from trigger.emulator.schemas import TRIGGER_BODY, TRIGGER_HEADERS, idempotency_reset_body
from trigger.emulator.triggering import TriggerError, run_token_headers, trigger_run

__all__ = ["routes"]

TRIGGER_MAX_BYTES = 3_145_728
_ACTION_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@endpoint
async def trigger_task(request: Request) -> Response:
    """Start a run of a task (SERVER.md §2.1)."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, TRIGGER_MAX_BYTES)
    task_id = request.path_params["task_id"]
    headers = parse_headers(request, TRIGGER_HEADERS)
    body = await parse_body(request, TRIGGER_BODY)
    forbid_unless(credential, "trigger", [("tasks", task_id)])
    state = emulator_state(request)
    env = credential.env
    assert env is not None
    try:
        outcome = trigger_run(
            state,
            env,
            task_id,
            body,
            header_idempotency_key=headers.get("idempotency-key"),
            header_idempotency_ttl=headers.get("idempotency-key-ttl"),
            trigger_source=headers.get("x-trigger-source"),
        )
    except TriggerError as error:
        fail(error.status, error.message)
    return json_response(
        {"id": outcome.run.friendly_id, "isCached": outcome.is_cached},
        200,
        run_token_headers(state, env, outcome.run),
    )


@endpoint
async def reset_idempotency_key(request: Request) -> Response:
    """Free a task idempotency key so the next trigger with it makes a new run (§2.11)."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    key = request.path_params["key"]
    body = await parse_body(request, idempotency_reset_body())
    forbid_unless(credential, "write", [("runs", None)])
    state = emulator_state(request)
    env = credential.env
    assert env is not None
    task = body["taskIdentifier"]
    runs = state.store.runs_with_key(env.id, key, task)
    if not runs:
        fail(404, f"No runs found with idempotency key: {key} and task: {task}")
    with state.store.transaction() as conn:
        for run in runs:
            cleared = msgspec.structs.replace(
                run, idempotency_key=None, idempotency_key_expires_at=None
            )
            state.store.update_run(conn, cleared, run)
    return json_response({"id": key})


routes = [
    Route("/api/v1/tasks/{task_id:path}/trigger", trigger_task, methods=_ACTION_METHODS),
    Route(
        "/api/v1/idempotencyKeys/{key:path}/reset", reset_idempotency_key, methods=_ACTION_METHODS
    ),
]
