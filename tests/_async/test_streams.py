"""Realtime run streams on the wire (pytest-httpx): reads, resumes, retries, v1 and v2
events, appends, created streams and input-stream sends."""

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
from tests.operations.sessions import TrackedStream
from tests.operations.streams import NetworkStream
from trigger.types.streams import CreatedStream, StreamPart

pytestmark = pytest.mark.anyio

FAST = trigger.RetryOptions(max_attempts=3, min_timeout=0, max_timeout=0)
RUN = "run_cm3tv2gh50001rdc7k0e8k1q2"
V1_EVENTS = (
    b'id: 1717243200000-0\ndata: {"step":"load","percent":10}\n\n'
    b'id: 1717243200000-1\ndata: "halfway there"\n\n'
    b": ping\n\n"
    b"id: 1717243200500-0\ndata: not json at all\n\n"
)


def sse(stream: TrackedStream | NetworkStream, headers: dict[str, str] | None = None) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream", **(headers or {})}, stream=stream
        )

    return respond


async def drain(stream: Any, into: list[Any] | None = None) -> list[Any]:
    """Every item of a read, appended to ``into`` as they arrive."""
    received: list[Any] = [] if into is None else into
    async for item in stream:
        received.append(item)
    return received


def batch(*records: dict[str, Any]) -> bytes:
    return b"event: batch\ndata: " + json.dumps({"records": list(records)}).encode() + b"\n\n"


def record(seq: int, data: Any, record_id: str | None, headers: Any = None) -> dict[str, Any]:
    body = json.dumps({"data": data, "id": record_id}) if record_id is not None else ""
    return {"seq_num": seq, "body": body, "timestamp": 1717243200000 + seq, "headers": headers}


@pytest.fixture
async def fast_client() -> Any:
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, retry=FAST) as client:
        yield client


# -- reading ----------------------------------------------------------------------------------


async def test_a_read_yields_the_decoded_chunks_and_sends_the_official_headers(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    stream = TrackedStream([V1_EVENTS])
    httpx_mock.add_callback(sse(stream))
    read = client.streams.read(RUN, "progress")
    assert httpx_mock.get_requests() == []  # opened on the first iteration
    assert await drain(read) == [
        {"step": "load", "percent": 10},
        "halfway there",
        "not json at all",
    ]
    assert read.closed
    assert stream.closed
    assert read.last_event_id == "1717243200500-0"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.url == f"{BASE_URL}/realtime/v1/streams/{RUN}/progress"
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["timeout-seconds"] == "60"
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert "last-event-id" not in request.headers
    assert "x-trigger-request-idempotency-key" not in request.headers


async def test_runs_stream_sends_no_timeout_and_reads_the_default_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_callback(sse(TrackedStream([b"id: 5-0\ndata: 1\n\n"])))
    assert await drain(client.runs.stream(RUN)) == [1]
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.path == f"/realtime/v1/streams/{RUN}/default"
    assert "timeout-seconds" not in request.headers


async def test_parts_carry_the_event_id_and_the_time_it_names(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_callback(sse(TrackedStream([V1_EVENTS])))
    parts = await drain(client.streams.read(RUN, "progress").parts())
    assert parts[0] == StreamPart(
        id="1717243200000-0",
        chunk={"step": "load", "percent": 10},
        timestamp=datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc),
    )
    assert [p.id for p in parts] == ["1717243200000-0", "1717243200000-1", "1717243200500-0"]
    assert parts[2].timestamp == datetime(2024, 6, 1, 12, 0, 0, 500000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("arguments", "headers"),
    [
        ({"last_event_id": "1717243200000-1"}, {"last-event-id": "1717243200000-1"}),
        ({"start_index": 3}, {"last-event-id": "2"}),
        ({"start_index": 0}, {}),
        ({"start": "latest"}, {"x-trigger-stream-start": "latest"}),
        ({"start": "latest", "last_event_id": "7-0"}, {"last-event-id": "7-0"}),
        ({"timeout_seconds": 600}, {"timeout-seconds": "600"}),
        ({"timeout_seconds": None}, {}),
    ],
)
async def test_read_options_become_the_official_headers(
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    arguments: dict[str, Any],
    headers: dict[str, str],
) -> None:
    httpx_mock.add_callback(sse(TrackedStream([b""])))
    await drain(client.streams.read(RUN, "progress", **arguments))
    request = httpx_mock.get_request()
    assert request is not None
    sent = {
        name: request.headers[name]
        for name in ("last-event-id", "x-trigger-stream-start", "timeout-seconds")
        if name in request.headers
    }
    expected = {"timeout-seconds": "60", **headers}
    if arguments.get("timeout_seconds", 60) is None:
        del expected["timeout-seconds"]
    assert sent == expected


async def test_a_dropped_read_resumes_after_the_last_event_id(
    fast_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    first = TrackedStream(
        [b"id: 10-0\ndata: 0\n\n", b"id: 10-1\ndata: 1\n\n", b"id: 11-0\ndata: 2\n\n"],
        fail_after=2,
    )
    second = TrackedStream([b"id: 11-0\ndata: 2\n\n", b"id: 12-0\ndata: 3\n\n"])
    httpx_mock.add_callback(sse(first))
    httpx_mock.add_callback(sse(second))
    chunks = await drain(fast_client.streams.read(RUN, "progress"))
    assert chunks == [0, 1, 2, 3]
    requests = httpx_mock.get_requests()
    assert [r.headers.get("last-event-id") for r in requests] == [None, "10-1"]
    assert first.closed and second.closed


async def test_failures_in_a_row_use_up_the_attempts_and_a_chunk_resets_them(
    fast_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # Each connection delivers one chunk, then drops: the reads go on (the count restarts
    # with every chunk), until three failures in a row: the last drop and two refusals.
    for index in range(4):
        httpx_mock.add_callback(
            sse(TrackedStream([f"id: {index}-0\ndata: {index}\n\n".encode(), b""], fail_after=1))
        )
    for _ in range(2):
        httpx_mock.add_exception(httpx.ConnectError("connection refused"))
    received: list[Any] = []
    with pytest.raises(trigger.APIConnectionError, match="after 3 attempts") as caught:
        await drain(fast_client.streams.read(RUN, "progress"), received)
    assert received == [0, 1, 2, 3]
    assert SECRET_KEY not in repr(caught.value) + str(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    assert cause.request.headers["authorization"] == "Bearer ***"
    assert len(httpx_mock.get_requests()) == 6


async def test_5xx_and_429_answers_are_retried_with_the_clients_backoff(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, json={"error": "Service Unavailable"})
    httpx_mock.add_response(
        status_code=429, json={"error": "Too many"}, headers={"retry-after": "2"}
    )
    httpx_mock.add_callback(sse(TrackedStream([b"id: 1-0\ndata: 1\n\n"])))
    assert await drain(retrying_client.streams.read(RUN, "progress")) == [1]
    assert len(sleeps) == 2
    assert 1 <= sleeps[0] <= 2  # the policy's first backoff (1 s, up to twice with jitter)
    assert sleeps[1] == 2  # what Retry-After asked for


@pytest.mark.parametrize("status", [400, 404, 409, 410, 422])
async def test_statuses_that_mean_the_stream_is_gone_are_not_retried(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, status: int, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        status_code=status, json={"error": "Not found"}, headers={"x-should-retry": "true"}
    )
    with pytest.raises(trigger.APIStatusError) as caught:
        await drain(retrying_client.streams.read(RUN, "progress"))
    assert caught.value.status == status
    assert sleeps == []
    assert len(httpx_mock.get_requests()) == 1


async def test_auth_errors_raise_with_the_servers_body_and_no_key(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=401, json={"error": "Invalid API key"})
    with pytest.raises(trigger.AuthenticationError, match="Invalid API key") as caught:
        await drain(retrying_client.streams.read(RUN, "progress"))
    assert caught.value.body == {"error": "Invalid API key"}
    assert caught.value.request is not None
    assert caught.value.request.headers["authorization"] == "Bearer ***"
    httpx_mock.add_response(
        status_code=403,
        json={
            "error": "Unauthorized",
            "code": "unauthorized",
            "param": "access_token",
            "type": "authorization",
        },
    )
    with pytest.raises(trigger.PermissionDeniedError):
        await drain(retrying_client.streams.read(RUN, "progress"))
    assert sleeps == []


async def test_an_answer_that_is_not_an_event_stream_is_refused(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"ok": True})
    with pytest.raises(trigger.APIResponseValidationError, match="text/event-stream"):
        await drain(client.streams.read(RUN, "progress"))


async def test_v2_batches_yield_each_record_once_and_skip_commands(
    fast_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    first = TrackedStream(
        [
            b"event: ping\ndata: {}\n\n",
            batch(
                record(0, {"token": "Hel"}, "p1", []),
                record(1, None, None, [["", "trim"]]),  # an S2 command record
                record(2, {"token": "lo"}, "p2", [["trigger-control", "note"]]),
            ),
            batch(record(3, {"token": "lo"}, "p2", [])),  # a replayed duplicate
            b"",
        ],
        fail_after=3,
    )
    second = TrackedStream([batch(record(4, "!", "p3"))])
    httpx_mock.add_callback(sse(first, {"x-stream-version": "v2"}))
    httpx_mock.add_callback(sse(second, {"x-stream-version": "v2"}))
    read = fast_client.streams.read(RUN, "chat")
    parts = await drain(read.parts())
    assert [(p.id, p.chunk, p.record_id) for p in parts] == [
        ("0", {"token": "Hel"}, "p1"),
        ("2", {"token": "lo"}, "p2"),
        ("4", "!", "p3"),
    ]
    assert parts[1].headers == [("trigger-control", "note")]
    assert parts[0].timestamp == datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert read.version == "v2"
    # The cursor moved past the skipped duplicate too.
    assert [r.headers.get("last-event-id") for r in httpx_mock.get_requests()] == [None, "3"]


async def test_a_v2_error_event_is_a_failed_read(
    fast_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    for _ in range(3):
        stream = TrackedStream([b'event: error\ndata: {"message":"stream deleted"}\n\n'])
        httpx_mock.add_callback(sse(stream, {"x-stream-version": "v2"}))
    with pytest.raises(trigger.APIConnectionError, match="stream deleted"):
        await drain(fast_client.streams.read(RUN, "chat"))
    assert len(httpx_mock.get_requests()) == 3


async def test_closing_a_read_releases_its_connection(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    stream = NetworkStream(
        [b"id: 1-0\ndata: 1\n\n", b"id: 2-0\ndata: 2\n\n", b"id: 3-0\ndata: 3\n\n"]
    )
    httpx_mock.add_callback(sse(stream))
    async with client.streams.read(RUN, "progress") as read:
        async for chunk in read:
            assert chunk == 1
            break
        assert not stream.closed
    assert stream.closed
    assert stream.sent < 3
    assert await drain(read) == []  # a closed read yields nothing more


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"timeout_seconds": 0}, ValueError, "timeout_seconds must be >= 1"),
        ({"timeout_seconds": 601}, ValueError, "timeout_seconds must be <= 600"),
        ({"timeout_seconds": True}, TypeError, "timeout_seconds must be an int"),
        ({"last_event_id": "1-0\r\nx-evil: 1"}, ValueError, "last_event_id must not contain"),
        ({"last_event_id": 5}, TypeError, "last_event_id must be a str"),
        ({"start_index": -1}, ValueError, "start_index must be >= 0"),
        ({"start_index": 2, "last_event_id": "1-0"}, ValueError, "not both"),
        ({"start": "end"}, ValueError, "start must be 'beginning' or 'latest'"),
        ({"request_options": {"retries": 2}}, TypeError, "retries"),
    ],
)
async def test_bad_read_arguments_are_refused_before_any_request(
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        client.streams.read(RUN, "progress", **arguments)
    with pytest.raises(TypeError, match="run_id must be a str"):
        client.streams.read(None, "progress")  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


async def test_reading_without_httpx_sse_names_the_extra(
    client: trigger.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "httpx_sse", None)
    with pytest.raises(ImportError, match=r"pip install 'trigger-sdk\[realtime\]'"):
        client.runs.stream(RUN, "progress")


# -- writing ----------------------------------------------------------------------------------


async def test_append_posts_the_raw_part_with_one_part_id_across_retries(
    fast_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=502, json={"error": "Bad Gateway"})
    httpx_mock.add_response(json={"ok": True})
    assert await fast_client.streams.append(RUN, "notes", "Build started") is None
    first, second = httpx_mock.get_requests()
    assert first.method == "POST"
    assert first.url.path == f"/realtime/v1/streams/{RUN}/self/notes/append"
    assert first.content == b"Build started"
    assert first.headers["x-part-id"] == second.headers["x-part-id"]
    assert len(first.headers["x-part-id"]) >= 8


async def test_append_takes_a_target_a_part_id_and_bytes(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"ok": True})
    await client.streams.append(RUN, "notes", b"\xe2\x9c\x93 done", target="root", part_id="p-7")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.path == f"/realtime/v1/streams/{RUN}/root/notes/append"
    assert request.headers["x-part-id"] == "p-7"
    assert request.content == "✓ done".encode()


async def test_append_raises_the_servers_refusal(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        status_code=400, text="Cannot append to a realtime stream on a completed run"
    )
    with pytest.raises(trigger.BadRequestError, match="completed run"):
        await client.streams.append(RUN, "notes", "too late")
    httpx_mock.add_response(json={"ok": False, "message": "stream closed"})
    with pytest.raises(trigger.APIResponseValidationError, match="stream closed"):
        await client.streams.append(RUN, "notes", "refused")


async def test_bad_writes_are_refused_before_any_request(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(TypeError, match="part must be str or bytes, not dict"):
        await client.streams.append(RUN, "notes", {"text": "hi"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the limit is 512 KiB"):
        await client.streams.append(RUN, "notes", "x" * (512 * 1024 + 1))
    with pytest.raises(ValueError, match="target must be 'self', 'parent' or 'root'"):
        await client.streams.append(RUN, "notes", "hi", target="sibling")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="part_id must not contain"):
        await client.streams.append(RUN, "notes", "hi", part_id="a\nb")
    with pytest.raises(TypeError, match="data cannot be sent as JSON"):
        await client.streams.send_input(RUN, "approval", object())
    assert httpx_mock.get_requests() == []


async def test_create_answers_the_streams_version(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=202, json={"version": "v1"})
    assert await client.streams.create(RUN, "summary", target="parent") == CreatedStream(
        version="v1"
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert (request.method, request.url.path) == (
        "PUT",
        f"/realtime/v1/streams/{RUN}/parent/summary",
    )


async def test_send_input_posts_the_data(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"ok": True})
    assert await client.streams.send_input(RUN, "approval", {"approved": True}) is None
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.path == f"/realtime/v1/streams/{RUN}/input/approval"
    assert json.loads(request.content) == {"data": {"approved": True}}
