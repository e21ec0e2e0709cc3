"""Operations of the sessions group, realistic session bodies, and an event-stream helper."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import httpx

from tests.operations import Op

TRIGGER_CONFIG: dict[str, Any] = {
    "basePayload": {"chatId": "chat_1234"},
    "machine": "small-1x",
    "tags": ["chat:chat_1234"],
    "maxAttempts": 3,
    "idleTimeoutInSeconds": 300,
}

SESSION: dict[str, Any] = {
    "id": "session_abc123",
    "externalId": "chat_1234",
    "type": "chat.agent",
    "taskIdentifier": "my-chat",
    "triggerConfig": TRIGGER_CONFIG,
    "currentRunId": "run_def456",
    "tags": ["chat:1234"],
    "metadata": {"lastSeenBy": "support"},
    "closedAt": None,
    "closedReason": None,
    "expiresAt": None,
    "createdAt": "2025-06-01T10:00:00.000Z",
    "updatedAt": "2025-06-01T10:05:00.000Z",
}

LISTED_SESSION: dict[str, Any] = {
    key: value for key, value in SESSION.items() if key not in ("triggerConfig", "currentRunId")
}

CREATED_SESSION: dict[str, Any] = {
    **SESSION,
    "runId": "run_def456",
    "publicAccessToken": "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2lnbmF0dXJl",
    "isCached": False,
}

CLOSED_SESSION: dict[str, Any] = {
    **SESSION,
    "currentRunId": None,
    "closedAt": "2025-06-01T11:00:00.000Z",
    "closedReason": "user signed out",
}

RECORDS: dict[str, Any] = {
    "records": [
        {"data": '{"role":"user","text":"hi"}', "id": "1", "seqNum": 1},
        {"data": '{"role":"user","text":"again"}', "id": "2", "seqNum": 2, "headers": [["k", "v"]]},
    ]
}

SSE_BODY = b'id: 1\ndata: {"text":"hi"}\n\nid: 2\nevent: chunk\ndata: {"text":"there"}\n\n'


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body sent chunk by chunk, which records how far it was read and closed.

    Defined here (not in a test module) so the async and sync tests share one class.
    """

    def __init__(self, chunks: Iterable[bytes], fail_after: int | None = None) -> None:
        self.chunks = list(chunks)
        self.fail_after = fail_after
        self.sent = 0
        self.closed = False

    def _next_chunks(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            if self.fail_after is not None and self.sent >= self.fail_after:
                raise httpx.ReadError("connection reset")
            self.sent += 1
            yield chunk

    def __iter__(self) -> Iterator[bytes]:
        yield from self._next_chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._next_chunks():
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def event_stream(request: httpx.Request) -> httpx.Response:
    """Answer a subscription with two events."""
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, stream=TrackedStream([SSE_BODY])
    )


OPERATIONS = [
    Op(
        "POST",
        "/api/v1/sessions",
        lambda c: c.sessions.start(
            type="chat.agent", task_identifier="my-chat", trigger_config={"base_payload": {}}
        ),
        CREATED_SESSION,
    ),
    Op(
        "GET",
        "/api/v1/sessions",
        lambda c: c.sessions.list(status="ACTIVE"),
        {"data": [LISTED_SESSION], "pagination": {}},
    ),
    Op(
        "GET",
        "/api/v1/sessions/{session}",
        lambda c: c.sessions.retrieve("session_abc123"),
        SESSION,
    ),
    Op(
        "PATCH",
        "/api/v1/sessions/{session}",
        lambda c: c.sessions.update("session_abc123", tags=["a"]),
        SESSION,
    ),
    Op(
        "POST",
        "/api/v1/sessions/{session}/close",
        lambda c: c.sessions.close("session_abc123"),
        CLOSED_SESSION,
    ),
    Op(
        "POST",
        "/realtime/v1/sessions/{session}/{io}/append",
        lambda c: c.sessions.append("session_abc123", "in", {"text": "hi"}),
        {"ok": True},
    ),
    Op(
        "GET",
        "/realtime/v1/sessions/{session}/{io}",
        lambda c: c.sessions.subscribe("session_abc123", "out"),
        event_stream,
    ),
    Op(
        "GET",
        "/realtime/v1/sessions/{session}/{io}/records",
        lambda c: c.sessions.records("session_abc123", "out"),
        RECORDS,
    ),
]
