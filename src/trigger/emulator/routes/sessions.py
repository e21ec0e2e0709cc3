"""Sessions (SERVER.md §2.13): create (and its first run), list, retrieve, update, close,
and their channels' records.

``{session}`` is a ``session_…`` id or the session's external id. Create is idempotent on
the external id: an open session answers 200 with ``isCached: true`` (its trigger config
refreshed from the body), and triggers a continuation run (``continuation: true``,
``previousRunId``) when its current run has finished; a closed or expired one 409. A run's
payload is the trigger config's ``basePayload`` with ``sessionId`` added, as on the server.

Channel records, as ``realtime.v1.sessions.$session.$io.append`` and ``…records`` serve them
(and the 4.8.3 client's named channels under ``…/channels/{channel}/{io}/…``):

- ``POST …/{in|out}/append``: the raw body is one record (at most 1 MiB); ``X-Part-Id``
  makes a retry store nothing new for five minutes. A closed or expired session is 400
  ``{ok: false, error}``, ``out`` takes secret keys only (403), and an append to a session
  whose run has finished starts its continuation run, as the server does.
- ``GET …/{in|out}/records?afterEventId=<seq>``: ``{records: [{data, id, seqNum, headers}]}``
  after that sequence number, at once (no streaming).

- ``GET …/{in|out}``: the channel as server-sent events in S2's format
  (`trigger.emulator.engine.session_streams`), live: the records after ``Last-Event-ID``
  at once, then each new one the moment it is committed; a ``ping`` event after 10 s of
  silence; ``[DONE]`` once no record came for ``Timeout-Seconds`` (60 s by default).
  ``HEAD`` answers ``X-Last-Chunk-Index: 0``; ``PUT`` (which hands out S2 credentials on the
  server) answers 501, as a server without S2 does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, NoReturn

import msgspec
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from trigger.emulator import jwt
from trigger.emulator.auth import Credential
from trigger.emulator.durations import iso, js_date_ms, period_ms
from trigger.emulator.engine import session_streams
from trigger.emulator.jsjson import js_stringify
from trigger.emulator.project import Environment
from trigger.emulator.routes import streams as run_streams
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    check_content_length,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    loads,
    method_not_allowed,
    parse_body,
    parse_query,
)
from trigger.emulator.routes._sse import EVENT_STREAM, live_events
from trigger.emulator.schemas import MACHINE_PRESETS
from trigger.emulator.state import EmulatorState
from trigger.emulator.store import encode_cursor
from trigger.emulator.store_realtime import Waiter, feed_of
from trigger.emulator.store_sessions import ChannelKey, SessionRow, SessionStore, channel_feed
from trigger.emulator.triggering import TriggerError, trigger_run
from trigger.emulator.validation import (
    MISSING,
    Arr,
    CoercedDate,
    CoercedNumber,
    Custom,
    Enum,
    Nullish,
    Num,
    Obj,
    Path,
    Schema,
    Str,
    Union,
)

__all__ = ["routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_BODY_LIMIT = 32 * 1024
_STATUSES = ("ACTIVE", "CLOSED", "EXPIRED")
_APPEND_LIMIT = 1024 * 1024
_S2_RECORD_LIMIT = 1024 * 1024
_S2_RECORD_OVERHEAD = 8


class _JsonObject(Schema):
    """``z.record(z.unknown())``: any JSON object, kept whole."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, _, issues = Obj({}).run(value, path)
        return status, (value if not issues else MISSING), issues


def _at_most(count: int) -> Any:
    def rule(value: Any) -> tuple[list[tuple[str, Path]], Any]:
        if isinstance(value, list) and len(value) > count:
            return [(f"Array must contain at most {count} element(s)", ())], value
        return [], value

    return rule


class _ExternalId(Schema):
    """Trimmed, 1-256 characters, not starting with ``session_``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        if isinstance(value, str):
            value = value.strip()
        status, parsed, issues = Str(min_length=1, max_length=256).run(value, path)
        if status == 2:
            return status, parsed, issues
        if isinstance(parsed, str) and parsed.startswith("session_"):
            message = (
                "externalId cannot start with 'session_' (reserved prefix for internal friendlyIds)"
            )
            issues = [*issues, {"code": "custom", "message": message, "path": list(path)}]
        return (1 if issues else 0), parsed, issues


_TAG = Str(max_length=128)
TRIGGER_CONFIG = Obj(
    {
        "basePayload": _JsonObject(),
        "machine": Enum(MACHINE_PRESETS).optional(),
        "queue": Str(max_length=128).optional(),
        "tags": Custom(Arr(_TAG), _at_most(5)).optional(),
        "maxAttempts": Num(("int",), ("positive",), ("max", 10)).optional(),
        "maxDuration": Num(("int",), ("positive",)).optional(),
        "lockToVersion": Str().optional(),
        "region": Str().optional(),
        "idleTimeoutInSeconds": Num(("int",), ("positive",), ("max", 3600)).optional(),
    }
)
CREATE_BODY = Obj(
    {
        "type": Str(min_length=1, max_length=64),
        "externalId": _ExternalId().optional(),
        "taskIdentifier": Str(min_length=1, max_length=128),
        "triggerConfig": TRIGGER_CONFIG,
        "tags": Custom(Arr(_TAG), _at_most(10)).optional(),
        "metadata": _JsonObject().optional(),
        "expiresAt": CoercedDate(js_date_ms).optional(),
    }
)
UPDATE_BODY = Obj(
    {
        "tags": Custom(Arr(_TAG), _at_most(10)).optional(),
        "metadata": Nullish(_JsonObject()),
        "externalId": Nullish(_ExternalId()),
    }
)
CLOSE_BODY = Obj({"reason": Str(max_length=256).optional()})


class _OneOrMany(Schema):
    """``z.union([item, z.array(item)])`` as a list. The server does not split a value on
    commas: ``filter[type]=a,b`` matches the type ``a,b``, and ``filter[status]=ACTIVE,CLOSED``
    is no status (400)."""

    def __init__(self, item: Schema) -> None:
        self.item = item

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Union(self.item, Arr(self.item)).optional().run(value, path)
        if issues or parsed is MISSING:
            return status, parsed, issues
        return 0, parsed if isinstance(parsed, list) else [parsed], []


LIST_QUERY = Obj(
    {
        "page[size]": CoercedNumber(("int",), ("min", 1), ("max", 100)).optional(),
        "page[after]": Str().optional(),
        "page[before]": Str().optional(),
        "filter[type]": _OneOrMany(Str()),
        "filter[tags]": _OneOrMany(Str()),
        "filter[taskIdentifier]": _OneOrMany(Str()),
        "filter[externalId]": Str().optional(),
        "filter[status]": _OneOrMany(Enum(_STATUSES)),
        "filter[createdAt][period]": Str().optional(),
        "filter[createdAt][from]": CoercedNumber(("int",)).optional(),
        "filter[createdAt][to]": CoercedNumber(("int",)).optional(),
    }
)


def _status(session: SessionRow, now: int) -> str:
    if session.closed_at is not None:
        return "CLOSED"
    if session.expires_at is not None and session.expires_at < now:
        return "EXPIRED"
    return "ACTIVE"


def _item(session: SessionRow, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": session.friendly_id,
        "externalId": session.external_id,
        "type": session.type,
        "taskIdentifier": session.task,
    }
    if full:
        out["triggerConfig"] = session.trigger_config
        out["currentRunId"] = session.current_run_id
    out.update(
        {
            "tags": list(session.tags),
            "metadata": session.metadata,
            "closedAt": iso(session.closed_at) if session.closed_at is not None else None,
            "closedReason": session.closed_reason,
            "expiresAt": iso(session.expires_at) if session.expires_at is not None else None,
            "createdAt": iso(session.created_at),
            "updatedAt": iso(session.updated_at),
        }
    )
    return out


def _start_run(
    state: EmulatorState, env: Environment, session: SessionRow, previous: str | None
) -> str:
    """Trigger the session's next run; after a finished one it is a continuation."""
    config = session.trigger_config
    options: dict[str, Any] = {}
    for key in ("machine", "tags", "maxAttempts", "maxDuration", "lockToVersion", "region"):
        if key in config:
            options[key] = config[key]
    if "queue" in config:
        options["queue"] = {"name": config["queue"]}
    payload: dict[str, Any] = {**config.get("basePayload", {}), "sessionId": session.friendly_id}
    if previous is not None:
        # As the server does: mark the continuation and drop the first run's boot fields.
        payload.update({"continuation": True, "previousRunId": previous})
        for sticky in ("message", "messages", "trigger"):
            payload.pop(sticky, None)
    try:
        outcome = trigger_run(state, env, session.task, {"payload": payload, "options": options})
    except TriggerError as error:
        fail(422, error.message)
    return outcome.run.friendly_id


def _ensure_run(
    state: EmulatorState, env: Environment, session: SessionRow, now: int
) -> SessionRow:
    """The session with a live run: its current one, or a new (continuation) run."""
    current = (
        state.store.get_run(env.id, session.current_run_id) if session.current_run_id else None
    )
    if current is not None and not current.is_final:
        return session
    run_id = _start_run(state, env, session, session.current_run_id)
    session = msgspec.structs.replace(
        session, current_run_id=run_id, updated_at=max(now, session.updated_at)
    )
    with state.store.transaction() as conn:
        SessionStore.put(conn, session)
    return session


def _session_token(state: EmulatorState, env: Environment, session: SessionRow) -> str:
    key = session.external_id or session.friendly_id
    claims = {
        "sub": env.id,
        "pub": True,
        "scopes": [f"read:sessions:{key}", f"write:sessions:{key}"],
    }
    return jwt.sign(claims, env.api_key, now_s=state.now_ms() // 1000, lifetime_s=3600)


async def _create(request: Request) -> Response:
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, _BODY_LIMIT)
    body = await parse_body(request, CREATE_BODY)
    forbid_unless(credential, "write", [("tasks", body["taskIdentifier"]), ("sessions", None)])
    state = emulator_state(request)
    env = credential.environment
    now = state.now_ms()
    store = SessionStore(state.store)
    external = body.get("externalId")
    session = store.find(env.id, external) if external else None
    cached = session is not None
    if session is None:
        internal = state.ids.cuid()
        session = SessionRow(
            id=internal,
            friendly_id=f"session_{internal}",
            env_id=env.id,
            type=body["type"],
            task=body["taskIdentifier"],
            trigger_config=body["triggerConfig"],
            external_id=external,
            tags=tuple(body.get("tags", ())),
            metadata=body.get("metadata"),
            expires_at=body.get("expiresAt"),
            created_at=now,
            updated_at=now,
        )
    if session.closed_at is not None:
        fail(409, "Session is closed; use a different externalId to create a new session")
    if session.expires_at is not None and session.expires_at < now:
        fail(409, "Session is expired; use a different externalId to create a new session")
    if cached and session.trigger_config != body["triggerConfig"]:
        # The server refreshes a cached session's trigger config, so a redeployed config
        # reaches its next run.
        session = msgspec.structs.replace(session, trigger_config=body["triggerConfig"])
        with state.store.transaction() as conn:
            SessionStore.put(conn, session)
    session = _ensure_run(state, env, session, now)
    assert session.current_run_id is not None
    out = _item(session, full=True)
    out.update(
        {
            "runId": session.current_run_id,
            "publicAccessToken": _session_token(state, env, session),
            "isCached": cached,
        }
    )
    return json_response(out, 200 if cached else 201)


def _time_window(q: dict[str, Any], now: int) -> tuple[int | None, int | None]:
    if q.get("filter[createdAt][period]"):
        duration = period_ms(q["filter[createdAt][period]"])
        return (now - duration if duration is not None else None), None
    return q.get("filter[createdAt][from]"), q.get("filter[createdAt][to]")


async def _list(request: Request) -> Response:
    credential = builder_auth(request, allow_jwt=True)
    q = parse_query(request, LIST_QUERY)
    if q.get("page[after]") and q.get("page[before]"):
        issue = {
            "code": "custom",
            "message": "Cannot pass both page[after] and page[before] on the same request",
            "path": ["page[before]"],
        }
        raise Reply(json_response({"error": "Query Error", "details": [issue]}, 400))
    tasks = q.get("filter[taskIdentifier]") or []
    allowed = credential.can("read", [("sessions", None), ("tasks", None)])
    if tasks and not allowed:
        allowed = credential.can("read", [("tasks", task) for task in tasks], "every")
    if not allowed:
        forbid_unless(credential, "read", [])
    state = emulator_state(request)
    env = credential.environment
    now = state.now_ms()
    created_from, created_to = _time_window(q, now)
    backward = bool(q.get("page[before]"))
    rows = SessionStore(state.store).page(
        env.id,
        cursor=q.get("page[before]") or q.get("page[after]"),
        backward=backward,
        types=q.get("filter[type]"),
        tasks=tasks or None,
        external_id=q.get("filter[externalId]"),
        created_from=created_from,
        created_to=created_to,
    )
    wanted_tags = set(q.get("filter[tags]") or [])
    statuses = set(q.get("filter[status]") or [])
    rows = [
        (row, seq)
        for row, seq in rows
        if (not wanted_tags or wanted_tags & set(row.tags))
        and (not statuses or _status(row, now) in statuses)
    ]
    size = q.get("page[size]") or 20
    has_more = len(rows) > size
    page = rows[:size]

    def cursor(item: tuple[SessionRow, int]) -> str:
        return encode_cursor(item[0].created_at, item[1], item[0].id)

    pagination: dict[str, str] = {}
    cursor_given = bool(q.get("page[before]") or q.get("page[after]"))
    if not backward:
        if cursor_given and page:
            pagination["previous"] = cursor(page[0])
        if has_more:
            pagination["next"] = cursor(page[-1])
    else:
        # Walking back the server reads oldest first from the cursor, then shows the page
        # newest first; without a further page it gives ``next`` only for a full page.
        if page and (has_more or len(page) == size):
            pagination["next"] = cursor(page[0])
        if has_more:
            pagination["previous"] = cursor(page[-1])
        page.reverse()
    data = [_item(row, full=False) for row, _ in page]
    return json_response({"data": data, "pagination": pagination})


@endpoint
async def collection(request: Request) -> Response:
    """``GET /api/v1/sessions`` (list) and ``POST`` (create or continue)."""
    if request.method == "GET":
        return await _list(request)
    if request.method != "POST":
        method_not_allowed("POST")
    return await _create(request)


def _addresses(session: SessionRow) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = [("sessions", session.friendly_id)]
    if session.external_id:
        out.append(("sessions", session.external_id))
    return out


@endpoint
async def one(request: Request) -> Response:
    """``GET`` and ``PATCH /api/v1/sessions/{session}``."""
    key = request.path_params["session"]
    state = emulator_state(request)
    if request.method == "GET":
        credential = builder_auth(request, allow_jwt=True)
        session = SessionStore(state.store).find(credential.environment.id, key)
        if session is None:
            fail(404, "Not found", {"x-should-retry": "false"})
        forbid_unless(credential, "read", _addresses(session))
        return json_response(_item(session, full=True))
    if request.method != "PATCH":
        method_not_allowed("PATCH")
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, _BODY_LIMIT)
    body = await parse_body(request, UPDATE_BODY)
    forbid_unless(credential, "admin", [("sessions", key)])
    env = credential.environment
    session = SessionStore(state.store).find(env.id, key)
    if session is None:
        fail(404, "Session not found")
    if "externalId" in body and body["externalId"] != session.external_id:
        fail(
            422,
            "externalId cannot be changed after creation; close this session and create a new "
            "one with the desired externalId",
        )
    changes: dict[str, Any] = {"updated_at": max(state.now_ms(), session.updated_at)}
    if "tags" in body:
        changes["tags"] = tuple(body["tags"])
    if "metadata" in body:
        changes["metadata"] = body["metadata"]
    session = msgspec.structs.replace(session, **changes)
    with state.store.transaction() as conn:
        SessionStore.put(conn, session)
    return json_response(_item(session, full=True))


@endpoint
async def close(request: Request) -> Response:
    """``POST /api/v1/sessions/{session}/close``: idempotent; the first reason stays."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    if request.method != "POST":
        method_not_allowed("POST")
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, 1024)
    body = await parse_body(request, CLOSE_BODY)
    key = request.path_params["session"]
    forbid_unless(credential, "admin", [("sessions", key)])
    state = emulator_state(request)
    session = SessionStore(state.store).find(credential.environment.id, key)
    if session is None:
        fail(404, "Session not found")
    if session.closed_at is None:
        now = state.now_ms()
        session = msgspec.structs.replace(
            session,
            closed_at=now,
            closed_reason=body.get("reason"),
            updated_at=max(now, session.updated_at),
        )
        with state.store.transaction() as conn:
            SessionStore.put(conn, session)
    return json_response(_item(session, full=True))


_CHANNEL_PARAMS = Obj({"session": Str(), "io": Enum(("out", "in"))})


class _Digits(Schema):
    """``z.string().regex(/^\\d+$/)``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().run(value, path)
        if issues or (isinstance(parsed, str) and parsed.isascii() and parsed.isdigit()):
            return status, parsed, issues
        issue = {"validation": "regex", "code": "invalid_string", "message": "Invalid",
                 "path": list(path)}  # fmt: skip
        return 1, parsed, [issue]


_RECORDS_QUERY = Obj({"afterEventId": _Digits().optional()})


def _channel(request: Request) -> tuple[str, str, str]:
    """``(session, channel, io)`` of a channel path (400 ``Params Error`` for a bad ``io``)."""
    params = dict(request.path_params)
    _, issues = _CHANNEL_PARAMS.parse(params)
    if issues:
        raise Reply(json_response({"error": "Params Error", "details": issues}, 400))
    return params["session"], params.get("channel", ""), params["io"]


def _channel_ids(key: str, session: SessionRow | None) -> list[tuple[str, str | None]]:
    ids = dict.fromkeys([key])
    if session is not None:
        ids[session.friendly_id] = None
        if session.external_id:
            ids[session.external_id] = None
    return [("sessions", item) for item in ids]


def _channel_to_read(request: Request, state: EmulatorState, credential: Credential) -> ChannelKey:
    """The channel a read names, once the credential may read it.

    An external id with no session yet reads an empty channel; a ``session_…`` id must exist.
    """
    key, channel, io = _channel(request)
    env = credential.environment
    session = SessionStore(state.store).find(env.id, key)
    if session is None and key.startswith("session_"):
        fail(404, "Not found", {"x-should-retry": "false"})
    address = _address(session, key)
    forbid_unless(credential, "read", _channel_ids(address, session))
    return ChannelKey(env_id=env.id, address=address, channel=channel, io=io)


def _address(session: SessionRow | None, key: str) -> str:
    """The server's canonical addressing key: the external id, else the ``session_…`` id."""
    if session is None:
        return key
    return session.external_id or session.friendly_id


def _refuse(status: int, error: str) -> NoReturn:
    raise Reply(json_response({"ok": False, "error": error}, status))


def _webhook_source_stripped(part: str) -> str:
    """A client may not claim ``payload.actionSource: "webhook"`` on ``in`` (the server drops
    it, so the record is validated as a client action)."""
    if '"actionSource"' not in part:
        return part
    try:
        record = loads(part)
    except ValueError:
        return part
    payload = record.get("payload") if isinstance(record, dict) else None
    if isinstance(payload, dict) and payload.get("actionSource") == "webhook":
        del payload["actionSource"]
        return js_stringify(record)
    return part


@endpoint
async def channel_append(request: Request) -> Response:
    """``POST /realtime/v1/sessions/{session}[/channels/{channel}]/{io}/append``."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    if request.method != "POST":
        method_not_allowed("POST")
    credential = builder_auth(request, allow_jwt=True)
    check_content_length(request, _APPEND_LIMIT)
    key, channel, io = _channel(request)
    state = emulator_state(request)
    env = credential.environment
    session = SessionStore(state.store).find(env.id, key)
    forbid_unless(credential, "write", _channel_ids(key, session))
    if session is None:
        fail(404, "Resource not found")
    now = state.now_ms()
    if session.closed_at is not None:
        _refuse(400, "Cannot append to a closed session")
    if session.expires_at is not None and session.expires_at < now:
        _refuse(400, "Cannot append to an expired session")
    if io == "out" and credential.kind != "secret_key":
        _refuse(403, "Appending to the out channel requires secret key authentication")
    # Best effort, as on the server: the record is kept even when no run can start.
    with contextlib.suppress(Reply):
        session = _ensure_run(state, env, session, now)
    part = (await request.body()).decode("utf-8", "replace")
    if io == "in":
        part = _webhook_source_stripped(part)
    given = request.headers.get("x-part-id")
    part_id = given if given is not None else state.ids.token(7)
    metered = len(js_stringify({"data": part, "id": part_id}).encode("utf-8")) + _S2_RECORD_OVERHEAD
    if metered > _S2_RECORD_LIMIT:
        _refuse(
            413,
            f"Record metered size {metered} bytes exceeds the S2 per-record limit of "
            f"{_S2_RECORD_LIMIT} bytes. Reduce tool-output size or split into smaller parts.",
        )
    where = ChannelKey(env_id=env.id, address=_address(session, key), channel=channel, io=io)
    seq: int | None = None
    with state.store.transaction() as conn:
        if given is None or SessionStore.claim_part(conn, where, part_id, now):
            seq = SessionStore.append(conn, where, part_id, part, now)
    body: dict[str, Any] = {"ok": True}
    if seq is not None:
        channel_feed(state.store).notify(where)
        body["seq"] = seq
    return json_response(body)


@endpoint
async def channel_records(request: Request) -> Response:
    """``GET /realtime/v1/sessions/{session}[/channels/{channel}]/{io}/records``."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    _channel(request)  # a bad path answers before a bad query
    q = parse_query(request, _RECORDS_QUERY)
    state = emulator_state(request)
    where = _channel_to_read(request, state, credential)
    after = int(q["afterEventId"]) if q.get("afterEventId") is not None else None
    records = [
        {"data": record.data, "id": record.part_id, "seqNum": record.seq, "headers": []}
        for record in SessionStore(state.store).records(where, after)
    ]
    return json_response({"records": records})


_SSE_HEADERS = {
    "content-type": EVENT_STREAM,
    "cache-control": "no-cache",
    "x-stream-version": "v2",
    "access-control-expose-headers": "*",
    "access-control-allow-origin": "*",
}
_TEXT = "text/plain;charset=UTF-8"


def _text(status: int, text: str) -> NoReturn:
    raise Reply(Response(text.encode(), status, media_type=_TEXT))


async def _channel_events(
    state: EmulatorState, where: ChannelKey, start: int, timeout_s: float
) -> AsyncIterator[bytes]:
    store = SessionStore(state.store)
    channels, shutdown = channel_feed(state.store), feed_of(state.store)
    waiter = Waiter(lambda _run: False)  # woken by new records, and by the emulator stopping
    channels.add(where, waiter)
    shutdown.add(waiter)
    after = start - 1
    progress: session_streams.Progress = (0, 0)

    def read() -> bytes:
        nonlocal after, progress
        records = store.records(where, after)
        if not records:
            return b""
        after = records[-1].seq
        rows = [
            (
                record.seq,
                record.created_at,
                session_streams.record_body(record.data, record.part_id),
            )
            for record in records
        ]
        frames, progress = session_streams.batch_events(rows, progress)
        return frames

    try:
        async for frames in live_events(
            read,
            waiter,
            stopping=lambda: shutdown.closed,
            timeout_s=timeout_s,
            ping_interval_s=run_streams.ping_interval_s,
            ping=lambda: session_streams.ping_event(state.now_ms()),
            end=lambda: session_streams.DONE,
        ):
            yield frames
    finally:
        channels.remove(where, waiter)
        shutdown.remove(waiter)


@endpoint
async def channel_stream(request: Request) -> Response:
    """``GET /realtime/v1/sessions/{session}[/channels/{channel}]/{io}``: the channel as
    server-sent events (and ``HEAD``, and ``PUT``, which needs S2)."""
    if request.method not in ("GET", "HEAD"):
        if request.method != "PUT":
            method_not_allowed("PUT")
        credential = builder_auth(request, allow_jwt=True)
        key, _, io = _channel(request)
        forbid_unless(credential, "write", [("sessions", key)])
        if io == "out" and credential.kind != "secret_key":
            _text(403, "Initializing the out channel requires secret key authentication")
        session = SessionStore(emulator_state(request).store).find(credential.environment.id, key)
        if session is None and key.startswith("session_"):
            _text(404, "Session not found")
        if session is not None and session.closed_at is not None:
            _text(400, "Cannot initialize a channel on a closed session")
        _text(501, "Session channels require the S2 realtime backend")
    credential = builder_auth(request, allow_jwt=True)
    state = emulator_state(request)
    where = _channel_to_read(request, state, credential)
    if request.method == "HEAD":
        return Response(b"", 200, {"x-last-chunk-index": "0"})
    timeout, error = session_streams.read_timeout(request.headers.get("timeout-seconds"))
    if error is not None:
        _text(400, error)
    start = session_streams.start_seq(request.headers.get("last-event-id"))
    if not isinstance(start, int):
        # S2 refuses a fractional seq_num; the server's stream call throws.
        fail(500, "Internal Server Error")
    start = min(start, SessionStore(state.store).next_seq(where))  # ``clamp=true``
    seconds = float(timeout or session_streams.DEFAULT_TIMEOUT_S)
    body = _channel_events(state, where, start, seconds)
    return StreamingResponse(body, 200, headers=_SSE_HEADERS)


routes = [
    Route("/api/v1/sessions", collection, methods=_ALL),
    Route("/api/v1/sessions/{session}", one, methods=_ALL),
    Route("/api/v1/sessions/{session}/close", close, methods=_ALL),
    Route("/realtime/v1/sessions/{session}/{io}/append", channel_append, methods=_ALL),
    Route("/realtime/v1/sessions/{session}/{io}/records", channel_records, methods=_ALL),
    Route("/realtime/v1/sessions/{session}/{io}", channel_stream, methods=[*_ALL, "HEAD"]),
    Route(
        "/realtime/v1/sessions/{session}/channels/{channel}/{io}",
        channel_stream,
        methods=[*_ALL, "HEAD"],
    ),
    Route(
        "/realtime/v1/sessions/{session}/channels/{channel}/{io}/append",
        channel_append,
        methods=_ALL,
    ),
    Route(
        "/realtime/v1/sessions/{session}/channels/{channel}/{io}/records",
        channel_records,
        methods=_ALL,
    ),
]
