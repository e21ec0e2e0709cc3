"""Named session channels on the wire (SURFACE-4.8 §4): ``channel=`` on append, records and
subscribe addresses ``/realtime/v1/sessions/{id}/channels/{channel}/…``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.operations.sessions import RECORDS, TrackedStream
from trigger.types.sessions import SessionEvent

pytestmark = pytest.mark.anyio

BATCH = (
    b"event: batch\nid: 0,1,41\n"
    b'data: {"records":[{"seq_num":0,"timestamp":1717243200000,'
    b'"body":"{\\"data\\":\\"hi\\",\\"id\\":\\"p-1\\"}"}]}\n\n'
)


async def drain(events: Any) -> list[SessionEvent]:
    received: list[SessionEvent] = []
    async for event in events:
        received.append(event)
    return received


async def test_append_to_a_named_channel_sends_in_append_with_a_part_id(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"ok": True}, is_reusable=True)
    result = await client.sessions.append(
        "chat/1", "in", {"tool": "search"}, channel="tools.v2", part_id="part-9"
    )
    await client.sessions.append("session_abc123", "in", "plain", channel="side_1")
    assert result.ok is True
    first, second = httpx_mock.get_requests()
    assert first.method == "POST"
    assert first.url.raw_path == b"/realtime/v1/sessions/chat%2F1/channels/tools.v2/in/append"
    assert json.loads(first.content) == {"tool": "search"}
    assert first.headers["x-part-id"] == "part-9"
    assert second.url.raw_path == b"/realtime/v1/sessions/session_abc123/channels/side_1/in/append"
    assert second.content == b"plain"
    # Without a part id the SDK makes one, as the official client's nanoid.
    generated = second.headers["x-part-id"]
    assert len(generated) == 21 and generated.replace("-", "").replace("_", "").isalnum()


async def test_a_retried_named_append_sends_the_same_part_id(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, json={"error": "busy"})
    httpx_mock.add_response(status_code=500, json={"error": "busy"})
    httpx_mock.add_response(json={"ok": True})
    await retrying_client.sessions.append("session_abc123", "in", {"n": 1}, channel="tools")
    requests = httpx_mock.get_requests()
    assert len(requests) == 3 and len(sleeps) == 2
    ids = {request.headers["x-part-id"] for request in requests}
    assert len(ids) == 1
    # A second call is a new record: a new part id.
    httpx_mock.add_response(json={"ok": True})
    await retrying_client.sessions.append("session_abc123", "in", {"n": 2}, channel="tools")
    assert httpx_mock.get_requests()[-1].headers["x-part-id"] not in ids


async def test_the_default_channel_keeps_its_paths_and_sends_no_invented_part_id(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"ok": True})
    await client.sessions.append("session_abc123", "out", "hello", channel=None)
    request = httpx_mock.get_requests()[0]
    assert request.url.raw_path == b"/realtime/v1/sessions/session_abc123/out/append"
    assert "x-part-id" not in request.headers


async def test_records_of_a_named_channel_read_either_direction(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RECORDS, is_reusable=True)
    records = await client.sessions.records("chat_1", "out", channel="tools", after_event_id=3)
    await client.sessions.records("chat_1", "in", channel="..")
    first, second = httpx_mock.get_requests()
    assert first.method == "GET"
    assert first.url.path == "/realtime/v1/sessions/chat_1/channels/tools/out/records"
    assert first.url.query == b"afterEventId=3"
    # A dot segment is a valid name; encoded so no URL parser folds it away.
    assert second.url.raw_path == b"/realtime/v1/sessions/chat_1/channels/%2E%2E/in/records"
    assert [record.id for record in records.records] == ["1", "2"]


async def test_subscribe_to_a_named_channel_reads_out(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    stream = TrackedStream([BATCH])
    httpx_mock.add_callback(
        lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=stream
        )
    )
    events = await drain(
        client.sessions.subscribe(
            "chat_1", "out", channel="tools", last_event_id=4, timeout_seconds=30
        )
    )
    request = httpx_mock.get_requests()[0]
    assert request.method == "GET"
    assert request.url.raw_path == b"/realtime/v1/sessions/chat_1/channels/tools/out"
    assert request.headers["last-event-id"] == "4"
    assert request.headers["timeout-seconds"] == "30"
    assert request.headers["accept"] == "text/event-stream"
    assert [(event.id, event.event) for event in events] == [("0,1,41", "batch")]
    assert json.loads(events[0].json()["records"][0]["body"]) == {"data": "hi", "id": "p-1"}
    assert stream.closed


BAD_CHANNELS = ["", "a/b", "with space", "x" * 129, "naïve", "tab\t", "new\nline", 7]


@pytest.mark.parametrize("channel", BAD_CHANNELS)
async def test_a_bad_channel_name_sends_nothing(
    channel: Any, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    error = TypeError if not isinstance(channel, str) else ValueError
    with pytest.raises(error, match="channel"):
        await client.sessions.append("chat_1", "in", "x", channel=channel)
    with pytest.raises(error, match="channel"):
        await client.sessions.records("chat_1", "in", channel=channel)
    with pytest.raises(error, match="channel"):
        client.sessions.subscribe("chat_1", "out", channel=channel)
    assert httpx_mock.get_requests() == []


async def test_a_name_of_128_characters_is_accepted(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"records": []})
    name = "A-z_0.9" * 18 + "xy"
    assert len(name) == 128
    await client.sessions.records("chat_1", "in", channel=name)
    path = httpx_mock.get_requests()[0].url.raw_path
    assert path == f"/realtime/v1/sessions/chat_1/channels/{name}/in/records".encode()


async def test_directions_a_named_channel_lacks_send_nothing(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # SURFACE-4.8 §4: a named channel has in/append and an out read, no other.
    with pytest.raises(ValueError, match="io must be 'in' with a named channel"):
        await client.sessions.append("chat_1", "out", "x", channel="tools")
    with pytest.raises(ValueError, match="io must be 'out' with a named channel"):
        client.sessions.subscribe("chat_1", "in", channel="tools")
    with pytest.raises(ValueError, match="io must be 'in' or 'out'"):
        await client.sessions.records("chat_1", "up", channel="tools")  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []
