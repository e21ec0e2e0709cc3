"""A session's transcript and a run's packet URL on the wire, with the 404 fallback of the
packet URL to the legacy packet route."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.operations.transcripts_and_packet_urls import PACKET_URL, TRANSCRIPT
from trigger.types import SessionTranscript

pytestmark = pytest.mark.anyio


async def test_transcript_sends_limit_and_before_only_when_given(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"messages": []})
    empty = await client.sessions.transcript("chat-42")
    request = httpx_mock.get_request()
    assert request is not None
    assert (request.method, str(request.url)) == (
        "GET",
        f"{BASE_URL}/api/v1/sessions/chat-42/transcript",
    )
    assert (empty.messages, empty.cursors, empty.next_cursor) == ([], None, None)
    httpx_mock.reset()
    httpx_mock.add_response(json=TRANSCRIPT)
    page = await client.sessions.transcript("session_abc", limit=2, before="msg_9")
    request = httpx_mock.get_request()
    assert request is not None
    assert str(request.url) == (
        f"{BASE_URL}/api/v1/sessions/session_abc/transcript?limit=2&before=msg_9"
    )
    assert isinstance(page, SessionTranscript)
    assert [message["id"] for message in page.messages] == ["msg_1", "msg_2"]
    assert page.cursors is not None
    assert (page.cursors.last_out_event_id, page.cursors.last_in_event_id) == ("41", "7")
    assert page.next_cursor == "msg_1"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"limit": 0}, ValueError, "limit must be >= 1"),
        ({"limit": "10"}, TypeError, "limit must be an int"),
        ({"before": ""}, ValueError, "before must be a non-empty string"),
    ],
)
async def test_transcript_bad_input(
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    kwargs: dict[str, object],
    error: type,
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        await client.sessions.transcript("chat-42", **kwargs)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


async def test_packet_url_of_a_run(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=PACKET_URL)
    found = await client.runs.retrieve_packet_url("run_1234", "output")
    request = httpx_mock.get_request()
    assert request is not None
    assert (request.method, str(request.url)) == (
        "GET",
        f"{BASE_URL}/api/v1/runs/run_1234/packets/output",
    )
    assert found.presigned_url == PACKET_URL["presignedUrl"]
    assert "X-Amz-Signature" not in repr(found)


async def test_packet_url_falls_back_to_the_packet_route_on_404(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    # A server before 4.8 has no such route; even a 404 it says to retry is not retried.
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1234/packets/payload",
        status_code=404,
        json={"error": "Not found"},
        headers={"x-should-retry": "true"},
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/packets/run_1234%2Fpayload.json",
        json={"presignedUrl": "https://storage.example.com/run_1234/payload.json?sig=1"},
    )
    found = await retrying_client.runs.retrieve_packet_url(
        "run_1234", "payload", storage_path="run_1234/payload.json"
    )
    assert found.presigned_url.endswith("sig=1")
    assert [r.url.raw_path for r in httpx_mock.get_requests()] == [
        b"/api/v1/runs/run_1234/packets/payload",
        b"/api/v1/packets/run_1234%2Fpayload.json",
    ]
    assert sleeps == []


async def test_packet_url_without_a_storage_path_raises_the_404(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "Not found"})
    with pytest.raises(trigger.NotFoundError) as raised:
        await client.runs.retrieve_packet_url("run_1234", "payload")
    assert raised.value.__context__ is None
    assert len(httpx_mock.get_requests()) == 1


async def test_other_packet_url_errors_do_not_fall_back(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=403, json={"error": "Unauthorized"})
    with pytest.raises(trigger.PermissionDeniedError):
        await client.runs.retrieve_packet_url("run_1234", "payload", storage_path="p.json")
    assert len(httpx_mock.get_requests()) == 1


async def test_packet_url_bad_input(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    with pytest.raises(ValueError, match="field must be 'payload' or 'output'"):
        await client.runs.retrieve_packet_url("run_1234", "metadata")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="storage_path must be a non-empty"):
        await client.runs.retrieve_packet_url("run_1234", "output", storage_path=" ")
    assert httpx_mock.get_requests() == []


async def test_raw_twins(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=TRANSCRIPT)
    raw = await client.sessions.with_raw_response.transcript("chat-42")
    assert raw.parse().next_cursor == "msg_1"
    httpx_mock.add_response(json=PACKET_URL)
    raw_url = await client.runs.with_raw_response.retrieve_packet_url("run_1234", "output")
    assert raw_url.status_code == 200 and raw_url.parse().presigned_url
