"""A session's transcript and a run's packet URL (official SDK 4.8), and realistic bodies."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

TRANSCRIPT: dict[str, Any] = {
    "messages": [
        {"id": "msg_1", "role": "user", "parts": [{"type": "text", "text": "Where is my order?"}]},
        {
            "id": "msg_2",
            "role": "assistant",
            "parts": [{"type": "text", "text": "It shipped this morning."}],
        },
    ],
    "cursors": {"lastOutEventId": "41", "lastInEventId": "7"},
    "nextCursor": "msg_1",
}

PACKET_URL: dict[str, Any] = {
    "presignedUrl": "https://storage.example.com/packets/run_1234/output.json?X-Amz-Signature=abc",
    "storagePath": "run_1234/output.json",
}

OPERATIONS = [
    Op(
        "GET",
        "/api/v1/sessions/{session}/transcript",
        lambda c: c.sessions.transcript("chat-42", limit=2),
        TRANSCRIPT,
    ),
    Op(
        "GET",
        "/api/v1/runs/{runId}/packets/{field}",
        lambda c: c.runs.retrieve_packet_url("run_1234", "output"),
        PACKET_URL,
    ),
]
