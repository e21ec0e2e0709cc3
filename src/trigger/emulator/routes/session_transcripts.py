"""A session's persisted chat transcript, and the snapshot URLs it is written through.

- ``PUT``/``GET /api/v1/sessions/{session}/snapshot-url``: ``{presignedUrl}`` to upload or
  download the session's snapshot blob (``sessions/<session id>/snapshot.json`` in the
  emulator's packet storage), as a ``chat.agent`` run writes it after each turn (server
  route ``api.v1.sessions.$sessionId.snapshot-url.ts``).
- ``GET /api/v1/sessions/{session}/transcript`` (``?limit=``, ``?before=``), secret keys
  only: the blob's messages, oldest first, paged as the 4.8.3 client's
  ``pageTranscriptEntries`` pages them, with the blob's cursors; no blob, no messages. The
  transcript route is not in the snapshot server [unverified beyond the 4.8.3 client].

A session is named by its ``session_…`` id or its external id, as on the other session
routes; an unknown one is the loader's 404 ``{"error":"Not found"}`` (the action's
``{"error":"Resource not found"}`` for a ``PUT``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.auth import Resource
from trigger.emulator.engine import transcripts as engine
from trigger.emulator.packets import object_key, presign
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    method_not_allowed,
    parse_query,
)
from trigger.emulator.routes._legacy import no_action
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_packets import PacketStore
from trigger.emulator.store_sessions import SessionRow, SessionStore
from trigger.emulator.validation import CoercedNumber, Obj, Str

__all__ = ["routes", "snapshot_path"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
TRANSCRIPT_QUERY = Obj({"limit": CoercedNumber(("int",)).optional(), "before": Str().optional()})


def snapshot_path(session: SessionRow) -> str:
    """Where a session's snapshot lives in an environment's packet storage."""
    return f"sessions/{session.friendly_id}/snapshot.json"


def _resources(param: str, session: SessionRow | None) -> list[Resource]:
    """The session by the URL's form, its id and its external id (any may be scoped)."""
    ids = [param]
    if session is not None:
        ids += [session.friendly_id, *([session.external_id] if session.external_id else [])]
    return [("sessions", item) for item in dict.fromkeys(ids)]


@endpoint
async def snapshot_url(request: Request) -> Response:
    """``PUT`` (upload) and ``GET`` (download) URL of the session's snapshot."""
    if request.method not in ("GET", "PUT"):
        method_not_allowed("PUT")
    state = emulator_state(request)
    credential = builder_auth(request, allow_jwt=True)
    env = credential.environment
    param = request.path_params["session"]
    session = SessionStore(state.store).find(env.id, param)
    if request.method == "GET":
        if session is None:
            fail(404, "Not found", {"x-should-retry": "false"})
        forbid_unless(credential, "read", _resources(param, session))
    else:
        forbid_unless(credential, "write", _resources(param, session))
        if session is None:
            fail(404, "Resource not found")
    url = presign(
        state.url, state.project, env, snapshot_path(session), request.method, state.now_ms()
    )
    return json_response({"presignedUrl": url})


def _transcript(state: EmulatorState, env: Environment, session: SessionRow) -> Any:
    found = PacketStore(state.store).get(object_key(state.project, env, snapshot_path(session)))
    if found is None:
        return None
    return engine.parse_blob(found[1].decode("utf-8", "replace"))


@endpoint
async def transcript(request: Request) -> Response:
    """``GET /api/v1/sessions/{session}/transcript``: one page of the stored messages."""
    if request.method != "GET":
        no_action()
    state = emulator_state(request)
    credential = builder_auth(request, allow_jwt=False)
    query = parse_query(request, TRANSCRIPT_QUERY)
    env = credential.environment
    session = SessionStore(state.store).find(env.id, request.path_params["session"])
    if session is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    stored = _transcript(state, env, session)
    if stored is None:
        return json_response({"messages": []})
    messages, cursor = engine.page(
        stored.entries, limit=query.get("limit"), before=query.get("before")
    )
    cursors = {
        key: value
        for key, value in (
            ("lastOutEventId", stored.last_out_event_id),
            ("lastInEventId", stored.last_in_event_id),
        )
        if value is not None
    }
    body: dict[str, Any] = {"messages": messages, "cursors": cursors}
    if cursor is not None:
        body["nextCursor"] = cursor
    return json_response(body)


routes = [
    Route("/api/v1/sessions/{session}/snapshot-url", snapshot_url, methods=_METHODS),
    Route("/api/v1/sessions/{session}/transcript", transcript, methods=_METHODS),
]
