"""A session's transcript (from the snapshot a ``chat.agent`` run uploads) and a run's
packet URL, on the emulator through both clients; their error bodies over raw HTTP."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator

MESSAGES = [
    {"id": f"msg_{i}", "role": "user" if i % 2 else "assistant", "parts": [{"type": "text"}]}
    for i in range(5)
]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def serialized_v2(messages: list[dict[str, Any]], out_id: str, in_id: str) -> str:
    """A version 2 blob laid out as the 4.8.3 core's ``serializeTranscriptSnapshot`` does."""
    header = _compact(
        {"v": 2, "savedAt": 1, "lastOutEventId": out_id, "lastInEventId": in_id, "state": None}
    )
    lines, offsets, cursor = [], [], len(header.encode()) + 1
    for message in messages:
        line = _compact({"id": message["id"], "final": True, "message": message})
        offsets.append(cursor)
        lines.append(line)
        cursor += len(line.encode()) + 1
    offsets.append(cursor)
    footer = _compact(
        {
            "ids": [m["id"] for m in messages],
            "offsets": offsets,
            "savedAt": 1,
            "lastOutEventId": out_id,
            "lastInEventId": in_id,
        }
    )
    trailer = f"#tt2:{len(footer.encode()):016d}\n"
    return header + "\n" + "".join(f"{line}\n" for line in lines) + footer + "\n" + trailer


def _session(client: trigger.Client, external_id: str = "chat-42") -> str:
    return client.sessions.create(
        type="chat.agent",
        task_identifier="support-agent",
        trigger_config={"base_payload": {}},
        external_id=external_id,
    ).id


def _upload(http: httpx.Client, session: str, blob: str) -> None:
    url = http.put(f"/api/v1/sessions/{session}/snapshot-url").json()["presignedUrl"]
    assert httpx.put(url, content=blob.encode()).status_code == 200


def test_a_version_1_snapshot_pages_backwards(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    session = _session(trigger_client)
    assert trigger_client.sessions.transcript(session).messages == []
    _upload(http, session, _compact({"version": 1, "messages": MESSAGES, "lastOutEventId": "41"}))
    whole = trigger_client.sessions.transcript("chat-42")
    assert [m["id"] for m in whole.messages] == [m["id"] for m in MESSAGES]
    assert whole.next_cursor is None and whole.cursors is not None
    assert (whole.cursors.last_out_event_id, whole.cursors.last_in_event_id) == ("41", None)
    newest = trigger_client.sessions.transcript(session, limit=2)
    assert [m["id"] for m in newest.messages] == ["msg_3", "msg_4"]
    older = trigger_client.sessions.transcript(session, limit=2, before=newest.next_cursor)
    assert [m["id"] for m in older.messages] == ["msg_1", "msg_2"]
    oldest = trigger_client.sessions.transcript(session, limit=2, before=older.next_cursor)
    assert ([m["id"] for m in oldest.messages], oldest.next_cursor) == (["msg_0"], None)
    gone = trigger_client.sessions.transcript(session, before="msg_unknown")
    assert (gone.messages, gone.next_cursor) == ([], None)


def test_a_version_2_snapshot_as_the_official_client_writes_it(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    session = _session(trigger_client)
    _upload(http, session, serialized_v2(MESSAGES[:3], "30", "4"))
    page = trigger_client.sessions.transcript(session)
    assert page.messages == MESSAGES[:3]
    assert page.cursors is not None
    assert (page.cursors.last_out_event_id, page.cursors.last_in_event_id) == ("30", "4")


def test_entries_the_client_would_drop_are_dropped(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    session = _session(trigger_client)
    odd = [
        {"role": "user"},
        {"id": "", "role": "user"},
        "text",
        MESSAGES[0],
    ]
    _upload(http, session, _compact({"version": 1, "messages": odd}))
    assert trigger_client.sessions.transcript(session).messages == [MESSAGES[0]]
    _upload(http, session, "not a snapshot")
    assert trigger_client.sessions.transcript(session).messages == []


@pytest.mark.anyio
async def test_the_async_client(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    created = await trigger_async_client.sessions.create(
        type="chat.agent",
        task_identifier="support-agent",
        trigger_config={"base_payload": {}},
        external_id="chat-async",
    )
    headers = {"authorization": f"Bearer {trigger_emulator.secret_key}"}
    async with httpx.AsyncClient(base_url=trigger_emulator.url, headers=headers) as http:
        url = (await http.put(f"/api/v1/sessions/{created.id}/snapshot-url")).json()
        stored = await http.put(
            url["presignedUrl"], content=_compact({"version": 1, "messages": MESSAGES})
        )
        assert stored.status_code == 200
    page = await trigger_async_client.sessions.transcript("chat-async", limit=1)
    assert ([m["id"] for m in page.messages], page.next_cursor) == (["msg_4"], "msg_4")
    trigger_emulator.register("report", lambda payload: {"rows": "r" * 150_000})
    handle = await trigger_async_client.tasks.trigger("report")
    trigger_emulator.wait_for_run(handle.id)
    found = await trigger_async_client.runs.retrieve_packet_url(handle.id, "output")
    async with httpx.AsyncClient() as storage:
        assert (await storage.get(found.presigned_url)).json()["json"]["rows"] == "r" * 150_000


def test_a_run_packet_url_downloads_the_offloaded_data(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    trigger_emulator.register("echo", lambda payload: {"size": len(payload["blob"])})
    big = {"blob": "p" * 600_000}
    handle = trigger_client.tasks.trigger("echo", big)
    trigger_emulator.wait_for_run(handle.id)
    found = trigger_client.runs.retrieve_packet_url(handle.id, "payload")
    assert httpx.get(found.presigned_url).json() == big
    # The inline output has no packet to point at.
    with pytest.raises(trigger.NotFoundError):
        trigger_client.runs.retrieve_packet_url(handle.id, "output")
    stored = trigger_client.runs.retrieve(handle.id, download_offloaded=False)
    assert stored.payload_presigned_url


def test_error_bodies(trigger_client: trigger.Client, http: httpx.Client) -> None:
    unknown = http.get("/api/v1/sessions/session_nope/transcript")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not found"})
    assert unknown.headers["x-should-retry"] == "false"
    session = _session(trigger_client)
    query = http.get(f"/api/v1/sessions/{session}/transcript", params={"limit": "many"})
    assert (query.status_code, query.json()["error"]) == (400, "Query Error")
    assert http.post(f"/api/v1/sessions/{session}/transcript").status_code == 405
    put_unknown = http.put("/api/v1/sessions/session_nope/snapshot-url")
    assert (put_unknown.status_code, put_unknown.json()) == (404, {"error": "Resource not found"})
    assert http.post(f"/api/v1/sessions/{session}/snapshot-url").headers["allow"] == "PUT"
    run = http.get("/api/v1/runs/run_nope/packets/output")
    assert (run.status_code, run.json()) == (404, {"error": "Not found"})
    field = http.get("/api/v1/runs/run_nope/packets/metadata").json()
    assert field["error"] == "Params Error"
    assert field["details"][0]["message"] == (
        "Invalid enum value. Expected 'payload' | 'output', received 'metadata'"
    )


def test_the_transcript_needs_a_secret_key(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    session = _session(trigger_client)
    token = trigger_client.auth.create_public_token(scopes=[f"read:sessions:{session}"])
    refused = httpx.get(
        f"{trigger_emulator.url}/api/v1/sessions/{session}/transcript",
        headers={"authorization": f"Bearer {token}"},
    )
    assert (refused.status_code, refused.json()) == (401, {"error": "Invalid API key"})
