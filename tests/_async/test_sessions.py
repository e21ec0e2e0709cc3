"""The sessions API and its channels on the wire: requests, decoding, and event streams."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.operations.sessions import (
    CLOSED_SESSION,
    CREATED_SESSION,
    LISTED_SESSION,
    RECORDS,
    SESSION,
    SSE_BODY,
    TRIGGER_CONFIG,
    TrackedStream,
)
from trigger.types.sessions import SessionEvent, SessionTriggerConfig

pytestmark = pytest.mark.anyio

TOKEN = CREATED_SESSION["publicAccessToken"]


def only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    request = httpx_mock.get_request()
    assert request is not None
    return request


async def drain(events: Any, into: list[SessionEvent] | None = None) -> list[SessionEvent]:
    """Every event of a subscription, appended to ``into`` as they arrive."""
    received: list[SessionEvent] = [] if into is None else into
    async for event in events:
        received.append(event)
    return received


def stream_response(stream: TrackedStream, content_type: str = "text/event-stream") -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type}, stream=stream)

    return respond


# -- create / start ---------------------------------------------------------------------------


async def test_create_sends_the_whole_body_and_hides_the_token(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=201, json=CREATED_SESSION)
    session = await client.sessions.create(
        type="chat.agent",
        task_identifier="my-chat",
        trigger_config={
            "base_payload": {"chatId": "chat_1234"},
            "machine": "small-1x",
            "queue": "chats",
            "tags": "chat:chat_1234",
            "max_attempts": 3,
            "max_duration": 600,
            "lock_to_version": "20240523.1",
            "region": "eu-central-1",
            "idle_timeout_in_seconds": 300,
        },
        external_id="chat_1234",
        tags=["chat:1234"],
        metadata={"lastSeenBy": "support"},
        expires_at=datetime(2025, 7, 1, tzinfo=timezone.utc),
    )
    request = only_request(httpx_mock)
    assert request.method == "POST"
    assert request.url.path == "/api/v1/sessions"
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert json.loads(request.content) == {
        "type": "chat.agent",
        "taskIdentifier": "my-chat",
        "triggerConfig": {
            "basePayload": {"chatId": "chat_1234"},
            "machine": "small-1x",
            "queue": "chats",
            "tags": ["chat:chat_1234"],
            "maxAttempts": 3,
            "maxDuration": 600,
            "lockToVersion": "20240523.1",
            "region": "eu-central-1",
            "idleTimeoutInSeconds": 300,
        },
        "externalId": "chat_1234",
        "tags": ["chat:1234"],
        "metadata": {"lastSeenBy": "support"},
        "expiresAt": "2025-07-01T00:00:00.000Z",
    }
    assert session.id == "session_abc123"
    assert session.run_id == "run_def456"
    assert session.is_cached is False
    assert session.public_access_token == TOKEN
    assert session.trigger_config is not None
    assert session.trigger_config.base_payload == {"chatId": "chat_1234"}
    assert session.trigger_config.max_attempts == 3
    assert session.created_at == datetime(2025, 6, 1, 10, 0, tzinfo=timezone.utc)
    assert TOKEN not in repr(session)


async def test_start_is_create_and_takes_wire_names_or_a_model(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={**CREATED_SESSION, "isCached": True}, is_reusable=True)
    cached = await client.sessions.start(
        type="chat.agent", task_identifier="my-chat", trigger_config=TRIGGER_CONFIG
    )
    assert cached.is_cached is True
    config = SessionTriggerConfig(base_payload={"chatId": "c"}, max_attempts=2)
    await client.sessions.start(type="t", task_identifier="task", trigger_config=config)
    first, second = (json.loads(r.content) for r in httpx_mock.get_requests())
    assert first == {
        "type": "chat.agent",
        "taskIdentifier": "my-chat",
        "triggerConfig": TRIGGER_CONFIG,
    }
    assert second["triggerConfig"] == {"basePayload": {"chatId": "c"}, "maxAttempts": 2}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"type": ""}, ValueError, "type"),
        ({"type": "x" * 65}, ValueError, "at most 64"),
        ({"task_identifier": "t" * 129}, ValueError, "at most 128"),
        ({"task_identifier": None}, TypeError, "task_identifier"),
        ({"external_id": "session_1"}, ValueError, "reserved prefix"),
        ({"external_id": "  session_1"}, ValueError, "reserved prefix"),
        ({"external_id": "e" * 257}, ValueError, "256"),
        ({"external_id": " "}, ValueError, "external_id"),
        ({"tags": [f"t{i}" for i in range(11)]}, ValueError, "at most 10"),
        ({"tags": ["x" * 129]}, ValueError, "128"),
        ({"metadata": ["a"]}, TypeError, "metadata"),
        ({"expires_at": datetime(2025, 1, 1)}, ValueError, "timezone-aware"),
        ({"metadata": {"blob": "x" * 33_000}}, ValueError, "32 KB"),
        ({"trigger_config": {}}, ValueError, "base_payload"),
        ({"trigger_config": {"base_payload": [1]}}, TypeError, "base_payload"),
        ({"trigger_config": {"base_payload": {}, "bogus": 1}}, ValueError, "unknown field"),
        (
            {"trigger_config": {"base_payload": {}, "basePayload": {}}},
            ValueError,
            "twice",
        ),
        ({"trigger_config": {"base_payload": {}, "machine": "huge"}}, ValueError, "machine"),
        ({"trigger_config": {"base_payload": {}, "queue": "q" * 129}}, ValueError, "128"),
        ({"trigger_config": {"base_payload": {}, "tags": ["a"] * 6}}, ValueError, "at most 5"),
        ({"trigger_config": {"base_payload": {}, "max_attempts": 0}}, ValueError, "max_attempts"),
        ({"trigger_config": {"base_payload": {}, "maxAttempts": 11}}, ValueError, "max_attempts"),
        ({"trigger_config": {"base_payload": {}, "max_attempts": 2.5}}, TypeError, "max_attempts"),
        ({"trigger_config": {"base_payload": {}, "max_duration": 0}}, ValueError, "max_duration"),
        (
            {"trigger_config": {"base_payload": {}, "idle_timeout_in_seconds": 3601}},
            ValueError,
            "idle_timeout_in_seconds",
        ),
        ({"trigger_config": {"base_payload": {}, "region": ""}}, ValueError, "region"),
        ({"trigger_config": "config"}, TypeError, "trigger_config"),
    ],
)
async def test_create_rejects_bad_input_before_sending(
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    arguments: dict[str, Any] = {
        "type": "chat.agent",
        "task_identifier": "my-chat",
        "trigger_config": {"base_payload": {}},
        **kwargs,
    }
    with pytest.raises(error, match=message):
        await client.sessions.create(**arguments)
    assert httpx_mock.get_requests() == []


async def test_create_maps_a_reused_closed_external_id_to_conflict(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=409, json={"error": "Session is closed"})
    with pytest.raises(trigger.ConflictError, match="Session is closed"):
        await client.sessions.create(
            type="chat.agent", task_identifier="my-chat", trigger_config={"base_payload": {}}
        )


# -- list / retrieve / update / close --------------------------------------------------------


async def test_list_sends_every_filter_with_unix_ms_bounds(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"data": [LISTED_SESSION], "pagination": {"next": "session_2"}})
    first = await client.sessions.list(
        type="chat.agent",
        tag=["chat:1234"],
        task_identifier="my-chat",
        external_id="chat_1234",
        status="ACTIVE",
        from_=datetime(2025, 1, 1, tzinfo=timezone.utc),
        to=1735776000000,
        limit=50,
        before="session_0",
    )
    request = only_request(httpx_mock)
    assert request.method == "GET"
    assert request.url.path == "/api/v1/sessions"
    assert request.url.query.decode() == (
        "filter%5Btype%5D=chat.agent&filter%5Btags%5D=chat%3A1234"
        "&filter%5BtaskIdentifier%5D=my-chat&filter%5BexternalId%5D=chat_1234"
        "&filter%5Bstatus%5D=ACTIVE"
        "&filter%5BcreatedAt%5D%5Bfrom%5D=1735689600000"
        "&filter%5BcreatedAt%5D%5Bto%5D=1735776000000"
        "&page%5Bsize%5D=50&page%5Bbefore%5D=session_0"
    )
    row = first.data[0]
    assert row.trigger_config is None
    assert row.current_run_id is None
    assert row.metadata == {"lastSeenBy": "support"}
    assert first.has_next_page()


async def test_list_walks_every_page(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/sessions?filter%5BcreatedAt%5D%5Bperiod%5D=7d",
        json={"data": [LISTED_SESSION], "pagination": {"next": "session_abc123"}},
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/sessions?filter%5BcreatedAt%5D%5Bperiod%5D=7d"
        "&page%5Bafter%5D=session_abc123",
        json={"data": [{**LISTED_SESSION, "id": "session_2"}], "pagination": {}},
    )
    ids = [session.id async for session in client.sessions.list(period="7d")]
    assert ids == ["session_abc123", "session_2"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"from_": "2025-01-01T00:00:00Z"}, "Unix milliseconds"),
        ({"to": "1735776000000"}, "Unix milliseconds"),
        ({"status": "OPEN"}, "unknown value"),
        ({"from_": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"limit": 0}, "limit"),
        ({"after": "a", "before": "b"}, "after or before"),
        ({"type": [""]}, "type"),
        ({"status": ["ACTIVE", "CLOSED"]}, "status takes one value"),
        ({"tag": ["chat:1234", "vip"]}, "tag takes one value"),
        ({"task_identifier": ["my-chat", "other"]}, "task_identifier takes one value"),
        ({"type": []}, "type takes one value"),
    ],
)
async def test_list_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.sessions.list(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_retrieve_encodes_an_external_id(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=SESSION, is_reusable=True)
    session = await client.sessions.retrieve("session_abc123")
    await client.sessions.retrieve("chat/1234?x=1")
    first, second = httpx_mock.get_requests()
    assert first.url.raw_path == b"/api/v1/sessions/session_abc123"
    assert second.url.raw_path == b"/api/v1/sessions/chat%2F1234%3Fx%3D1"
    assert session.current_run_id == "run_def456"
    assert session.trigger_config is not None
    assert session.trigger_config.idle_timeout_in_seconds == 300
    assert session.closed_at is None


async def test_update_sends_only_what_was_passed(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=SESSION, is_reusable=True)
    await client.sessions.update("session_abc123", tags=["priority"], metadata={"a": 1})
    await client.sessions.update("session_abc123", metadata=None)
    await client.sessions.update("chat_1234", external_id="chat_1234")
    await client.sessions.update("chat_1234", tags=[])
    requests = httpx_mock.get_requests()
    assert [r.method for r in requests] == ["PATCH"] * 4
    assert [r.url.path for r in requests] == [
        "/api/v1/sessions/session_abc123",
        "/api/v1/sessions/session_abc123",
        "/api/v1/sessions/chat_1234",
        "/api/v1/sessions/chat_1234",
    ]
    assert [json.loads(r.content) for r in requests] == [
        {"tags": ["priority"], "metadata": {"a": 1}},
        {"metadata": None},
        {"externalId": "chat_1234"},
        {"tags": []},
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tags": ["t"] * 11}, "at most 10"),
        ({"metadata": "x"}, "metadata"),
        ({"external_id": "session_x"}, "reserved prefix"),
        ({"metadata": {"blob": "x" * 33_000}}, "32 KB"),
    ],
)
async def test_update_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.sessions.update("session_abc123", **kwargs)
    assert httpx_mock.get_requests() == []


async def test_close_always_sends_an_object(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CLOSED_SESSION, is_reusable=True)
    closed = await client.sessions.close("session_abc123", reason="user signed out")
    await client.sessions.close("session_abc123")
    first, second = httpx_mock.get_requests()
    assert first.method == second.method == "POST"
    assert first.url.path == "/api/v1/sessions/session_abc123/close"
    assert json.loads(first.content) == {"reason": "user signed out"}
    assert second.content == b"{}"
    assert closed.closed_at == datetime(2025, 6, 1, 11, 0, tzinfo=timezone.utc)
    assert closed.closed_reason == "user signed out"
    with pytest.raises(ValueError, match="256"):
        await client.sessions.close("session_abc123", reason="r" * 257)
    with pytest.raises(ValueError, match="session"):
        await client.sessions.close("")
    assert len(httpx_mock.get_requests()) == 2


# -- channels -------------------------------------------------------------------------------


async def test_append_sends_the_record_raw_with_a_part_id(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"ok": True}, is_reusable=True)
    result = await client.sessions.append(
        "session_abc123", "in", {"role": "user", "text": "hi"}, part_id="part-1"
    )
    await client.sessions.append("chat/1", "out", "plain text")
    await client.sessions.append(
        "chat_1",
        "in",
        b"\x00\x01",
        part_id="part-2",
        request_options={"extra_headers": {"X-PART-ID": "ignored", "x-note": "kept"}},
    )
    assert result.ok is True
    first, second, third = httpx_mock.get_requests()
    assert first.method == "POST"
    assert first.url.raw_path == b"/realtime/v1/sessions/session_abc123/in/append"
    assert json.loads(first.content) == {"role": "user", "text": "hi"}
    assert first.headers["content-type"] == "application/json"
    assert first.headers["x-part-id"] == "part-1"
    assert first.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert second.url.raw_path == b"/realtime/v1/sessions/chat%2F1/out/append"
    assert second.content == b"plain text"
    assert second.headers["content-type"] == "text/plain; charset=utf-8"
    assert "x-part-id" not in second.headers
    assert third.content == b"\x00\x01"
    assert third.headers["content-type"] == "application/octet-stream"
    assert third.headers.get_list("x-part-id") == ["part-2"]
    assert third.headers["x-note"] == "kept"


async def test_append_reports_a_closed_session(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=400, json={"ok": False, "message": "Session is closed"})
    with pytest.raises(trigger.BadRequestError):
        await client.sessions.append("session_abc123", "in", {"a": 1})


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("session_1", "both", "x"), {}, ValueError, "io"),
        (("", "in", "x"), {}, ValueError, "session"),
        (("session_1", "in", None), {}, TypeError, "record"),
        (("session_1", "in", b"x" * (1024 * 1024 + 1)), {}, ValueError, "1 MiB"),
        (("session_1", "in", {"a": object()}), {}, TypeError, "JSON"),
        (("session_1", "in", "x"), {"part_id": "a\nb"}, ValueError, "part_id"),
        (("session_1", "in", "x"), {"part_id": ""}, ValueError, "part_id"),
    ],
)
async def test_append_rejects_bad_input_before_sending(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.sessions.append(*args, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_records_reads_the_channel_at_once(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RECORDS, is_reusable=True)
    records = await client.sessions.records("session_abc123", "out", after_event_id="0")
    await client.sessions.records("session_abc123", "in", after_event_id=7)
    await client.sessions.records("session_abc123", "in")
    first, second, third = httpx_mock.get_requests()
    assert first.method == "GET"
    assert first.url.path == "/realtime/v1/sessions/session_abc123/out/records"
    assert first.url.query == b"afterEventId=0"
    assert second.url.query == b"afterEventId=7"
    assert third.url.query == b""
    assert [r.id for r in records.records] == ["1", "2"]
    assert records.records[1].seq_num == 2
    assert json.loads(records.records[0].data) == {"role": "user", "text": "hi"}
    assert records.records[1].headers == [["k", "v"]]
    with pytest.raises(ValueError, match="io"):
        await client.sessions.records("session_abc123", "sideways")  # type: ignore[arg-type]
    assert len(httpx_mock.get_requests()) == 3


async def test_subscribe_parses_events_across_chunk_boundaries(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # The body split at awkward places: mid-field, mid-line, between CR and LF.
    chunks = [
        b"id: 1\r",
        b'\ndata: {"text":',
        b'"hi"}\r\n\r\n: keep-alive\n\nid: 2\nevent: chu',
        b'nk\ndata: {"text":"the',
        b're"}\ndata: {"more":true}\nretry: 1500\n',
        b"\n",
    ]
    stream = TrackedStream(chunks)
    httpx_mock.add_callback(stream_response(stream))
    events = await drain(
        client.sessions.subscribe("session_abc123", "out", last_event_id=0, timeout_seconds=600)
    )
    assert events == [
        SessionEvent(id="1", event="message", data='{"text":"hi"}'),
        SessionEvent(id="2", event="chunk", data='{"text":"there"}\n{"more":true}', retry=1500),
    ]
    assert events[0].json() == {"text": "hi"}
    with pytest.raises(ValueError, match="JSON"):
        events[1].json()
    assert stream.closed
    request = only_request(httpx_mock)
    assert request.method == "GET"
    assert request.url.raw_path == b"/realtime/v1/sessions/session_abc123/out"
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["last-event-id"] == "0"
    assert request.headers["timeout-seconds"] == "600"
    # The client's 60 s read timeout is stretched to outlast the server's own 600 s wait.
    assert request.extensions["timeout"]["read"] == 610
    assert request.extensions["timeout"]["connect"] == 10
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert "x-trigger-request-idempotency-key" not in request.headers


# httpx leaves its own inner byte generators suspended when a stream is closed mid-way; trio
# reports each of them as a ResourceWarning when they are collected. Our generators are closed.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_subscribe_is_lazy_and_closes_the_response_when_stopped_early(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    stream = TrackedStream([b"id: 1\ndata: a\n\n", b"id: 2\ndata: b\n\n", b"id: 3\ndata: c\n\n"])
    httpx_mock.add_callback(stream_response(stream))
    events = client.sessions.subscribe("chat/1", "in", last_event_id="41")
    assert httpx_mock.get_requests() == []
    async for event in events:
        assert event.id == "1"
        break
    assert not stream.closed
    await events.aclose()
    assert stream.closed
    assert stream.sent < 3
    request = only_request(httpx_mock)
    assert request.url.raw_path == b"/realtime/v1/sessions/chat%2F1/in"
    assert request.headers["last-event-id"] == "41"
    assert "timeout-seconds" not in request.headers
    assert request.extensions["timeout"]["read"] == 60


async def test_subscribe_maps_error_statuses(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=403, json={"error": "Forbidden: missing read:sessions"})
    with pytest.raises(trigger.PermissionDeniedError, match="read:sessions") as caught:
        await drain(client.sessions.subscribe("session_abc123", "out"))
    assert caught.value.body == {"error": "Forbidden: missing read:sessions"}
    httpx_mock.add_response(status_code=404, text="no such session")
    with pytest.raises(trigger.NotFoundError):
        await drain(client.sessions.subscribe("session_abc123", "out"))


async def test_subscribe_refuses_a_body_that_is_not_an_event_stream(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"records": []})
    with pytest.raises(trigger.APIResponseValidationError, match="text/event-stream"):
        await drain(client.sessions.subscribe("session_abc123", "out"))


async def test_subscribe_wraps_transport_errors(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    with pytest.raises(trigger.APIConnectionError) as refused:
        await drain(client.sessions.subscribe("session_abc123", "out"))
    assert isinstance(refused.value.__cause__, httpx.ConnectError)

    stream = TrackedStream([b"id: 1\ndata: a\n\n", b"id: 2\ndata: b\n\n"], fail_after=1)
    httpx_mock.add_callback(stream_response(stream))
    received: list[SessionEvent] = []
    with pytest.raises(trigger.APIConnectionError) as dropped:
        await drain(client.sessions.subscribe("session_abc123", "out"), received)
    assert [event.id for event in received] == ["1"]
    assert isinstance(dropped.value.__cause__, httpx.ReadError)
    assert stream.closed

    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    with pytest.raises(trigger.APITimeoutError):
        await drain(client.sessions.subscribe("session_abc123", "out"))


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("session_1", "up"), {}, ValueError, "io"),
        (("", "out"), {}, ValueError, "session"),
        (("session_1", "out"), {"timeout_seconds": 0}, ValueError, "timeout_seconds"),
        (("session_1", "out"), {"timeout_seconds": 601}, ValueError, "timeout_seconds"),
        (("session_1", "out"), {"timeout_seconds": 1.5}, TypeError, "timeout_seconds"),
        (("session_1", "out"), {"last_event_id": "1\r\n"}, ValueError, "last_event_id"),
        (("session_1", "out"), {"last_event_id": -1}, ValueError, "last_event_id"),
        (
            ("session_1", "out"),
            {"request_options": {"extra_headers": {"authorization": "x"}}},
            ValueError,
            "authorization",
        ),
    ],
)
async def test_subscribe_rejects_bad_input_at_the_call(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        client.sessions.subscribe(*args, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_subscribe_without_httpx_sse_names_the_extra(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "httpx_sse", None)
    with pytest.raises(ImportError, match=r'pip install "trigger-sdk\[realtime\]"'):
        client.sessions.subscribe("session_abc123", "out")
    assert httpx_mock.get_requests() == []


async def test_the_sse_fixture_body_parses(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(content=SSE_BODY, headers={"content-type": "text/event-stream"})
    events = await drain(client.sessions.subscribe("session_abc123", "out"))
    assert [(e.id, e.event, e.json()) for e in events] == [
        ("1", "message", {"text": "hi"}),
        ("2", "chunk", {"text": "there"}),
    ]


# -- raw responses ----------------------------------------------------------------------------


async def test_every_method_but_subscribe_has_a_raw_twin(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    raw = client.sessions.with_raw_response
    httpx_mock.add_response(status_code=201, json=CREATED_SESSION)
    created = await raw.start(type="t", task_identifier="task", trigger_config={"base_payload": {}})
    assert created.status_code == 201
    assert created.parse().run_id == "run_def456"
    httpx_mock.add_response(json={"data": [LISTED_SESSION], "pagination": {}})
    assert (await raw.list()).parse().data[0].id == "session_abc123"
    httpx_mock.add_response(json=SESSION)
    assert (await raw.retrieve("session_abc123")).parse().type == "chat.agent"
    httpx_mock.add_response(json=SESSION)
    assert (await raw.update("session_abc123", tags=[])).parse().id == "session_abc123"
    httpx_mock.add_response(json=CLOSED_SESSION)
    assert (await raw.close("session_abc123")).parse().closed_reason == "user signed out"
    httpx_mock.add_response(json={"ok": True, "message": "stored"})
    assert (await raw.append("session_abc123", "in", "x")).parse().message == "stored"
    httpx_mock.add_response(json=RECORDS)
    assert len((await raw.records("session_abc123", "out")).parse().records) == 2
    assert not hasattr(raw, "subscribe")
