"""Session channels' records: appends and reads as the server's management routes serve them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock

CONFIG = {"basePayload": {"chatId": "chat-7"}}


def _session(http: httpx.Client, external_id: str = "chat-7", **fields: Any) -> dict[str, Any]:
    body = {"type": "chat", "taskIdentifier": "agent", "triggerConfig": CONFIG, **fields}
    if external_id:
        body["externalId"] = external_id
    created = http.post("/api/v1/sessions", json=body)
    assert created.status_code in (200, 201), created.text
    result: dict[str, Any] = created.json()
    return result


def test_appended_records_read_back_in_order(http: httpx.Client) -> None:
    session = _session(http)
    base = f"/realtime/v1/sessions/{session['id']}"
    first = http.post(f"{base}/in/append", content=b'{"text":"hello"}')
    assert (first.status_code, first.json()) == (200, {"ok": True, "seq": 0})
    second = http.post(f"{base}/in/append", content=b"plain text", headers={"x-part-id": "p-2"})
    assert second.json() == {"ok": True, "seq": 1}
    assert http.post(f"{base}/out/append", content=b'"reply"').json() == {"ok": True, "seq": 0}
    # The external id and the session id address the same channel.
    records = http.get("/realtime/v1/sessions/chat-7/in/records").json()["records"]
    assert [(r["data"], r["seqNum"]) for r in records] == [
        ('{"text":"hello"}', 0),
        ("plain text", 1),
    ]
    assert records[1] == {"data": "plain text", "id": "p-2", "seqNum": 1, "headers": []}
    after = http.get(f"{base}/in/records", params={"afterEventId": "0"}).json()["records"]
    assert [r["seqNum"] for r in after] == [1]
    out = http.get(f"{base}/out/records").json()["records"]
    assert [r["data"] for r in out] == ['"reply"']


def test_a_repeated_part_id_stores_one_record(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    session = _session(http)
    path = f"/realtime/v1/sessions/{session['id']}/in/append"
    headers = {"x-part-id": "part-1"}
    assert http.post(path, content=b"once", headers=headers).json() == {"ok": True, "seq": 0}
    # A retry of a committed append: nothing new, and no sequence number.
    assert http.post(path, content=b"once", headers=headers).json() == {"ok": True}
    records = http.get(f"/realtime/v1/sessions/{session['id']}/in/records").json()["records"]
    assert [r["id"] for r in records] == ["part-1"]


def test_a_part_id_is_remembered_for_five_minutes() -> None:
    clock = ManualClock()
    with Emulator(clock=clock) as emulator:
        headers = {"authorization": f"Bearer {emulator.secret_key}", "x-part-id": "p"}
        with httpx.Client(base_url=emulator.url, headers=headers) as http:
            session = _session(http)
            path = f"/realtime/v1/sessions/{session['id']}/in/append"
            assert http.post(path, content=b"a").json() == {"ok": True, "seq": 0}
            clock.advance(299)
            assert http.post(path, content=b"a").json() == {"ok": True}
            clock.advance(2)
            assert http.post(path, content=b"a").json() == {"ok": True, "seq": 1}


def test_named_channels_are_apart_from_the_default(http: httpx.Client) -> None:
    session = _session(http)
    base = f"/realtime/v1/sessions/{session['id']}"
    assert http.post(f"{base}/channels/approvals/in/append", content=b"yes").json()["seq"] == 0
    assert http.post(f"{base}/in/append", content=b"hi").json()["seq"] == 0
    named = http.get(f"{base}/channels/approvals/in/records").json()["records"]
    assert [r["data"] for r in named] == ["yes"]
    assert [r["data"] for r in http.get(f"{base}/in/records").json()["records"]] == ["hi"]


def test_public_token_of_the_session(trigger_emulator: Emulator, http: httpx.Client) -> None:
    session = _session(http)
    other = _session(http, "chat-8")
    token = {"authorization": f"Bearer {session['publicAccessToken']}"}
    base = f"/realtime/v1/sessions/{session['id']}"
    assert http.post(f"{base}/in/append", content=b"from browser", headers=token).json()["ok"]
    out = http.post(f"{base}/out/append", content=b"forged", headers=token)
    assert (out.status_code, out.json()) == (
        403,
        {"ok": False, "error": "Appending to the out channel requires secret key authentication"},
    )
    assert len(http.get(f"{base}/in/records", headers=token).json()["records"]) == 1
    elsewhere = f"/realtime/v1/sessions/{other['id']}"
    assert http.post(f"{elsewhere}/in/append", content=b"x", headers=token).status_code == 403
    assert http.get(f"{elsewhere}/in/records", headers=token).status_code == 403


def test_closed_and_expired_sessions_take_no_records(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    closed = _session(http, "chat-closed")
    http.post(f"/api/v1/sessions/{closed['id']}/close", json={})
    refused = http.post(f"/realtime/v1/sessions/{closed['id']}/in/append", content=b"late")
    assert (refused.status_code, refused.json()) == (
        400,
        {"ok": False, "error": "Cannot append to a closed session"},
    )


def test_expired_sessions_take_no_records() -> None:
    clock = ManualClock(1_767_225_600_000)  # 2026-01-01T00:00:00Z
    with Emulator(clock=clock) as emulator:
        headers = {"authorization": f"Bearer {emulator.secret_key}"}
        with httpx.Client(base_url=emulator.url, headers=headers) as http:
            session = _session(http, "chat-old", expiresAt="2026-01-01T01:00:00.000Z")
            path = f"/realtime/v1/sessions/{session['id']}/in/append"
            assert http.post(path, content=b"in time").json()["ok"] is True
            clock.advance(3601)
            gone = http.post(path, content=b"late")
            assert (gone.status_code, gone.json()) == (
                400,
                {"ok": False, "error": "Cannot append to an expired session"},
            )


def test_refusals(http: httpx.Client) -> None:
    unknown = http.post("/realtime/v1/sessions/session_nope/in/append", content=b"x")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Resource not found"})
    missing = http.get("/realtime/v1/sessions/session_nope/in/records")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    # An external id with no session yet reads an empty channel.
    assert http.get("/realtime/v1/sessions/no-such-chat/out/records").json() == {"records": []}
    session = _session(http)
    base = f"/realtime/v1/sessions/{session['id']}"
    bad_io = http.post(f"{base}/sideways/append", content=b"x")
    assert bad_io.status_code == 400
    assert bad_io.json()["error"] == "Params Error"
    assert bad_io.json()["details"][0]["message"] == (
        "Invalid enum value. Expected 'out' | 'in', received 'sideways'"
    )
    bad_after = http.get(f"{base}/in/records", params={"afterEventId": "one"})
    assert (bad_after.status_code, bad_after.json()["error"]) == (400, "Query Error")
    too_big = http.post(f"{base}/in/append", content=b"x" * (1024 * 1024 + 1))
    assert (too_big.status_code, too_big.json()) == (413, {"error": "Request body too large"})
    # Under the body limit, but too large once wrapped as the stored record (quotes double).
    quotes = http.post(f"{base}/in/append", content=b'"' * 600_000)
    assert quotes.status_code == 413
    assert quotes.json()["ok"] is False
    assert quotes.json()["error"].startswith("Record metered size 1200")
    assert http.get(f"{base}/in/append").status_code == 405


def test_a_client_cannot_claim_a_webhook_source_on_in(http: httpx.Client) -> None:
    session = _session(http)
    base = f"/realtime/v1/sessions/{session['id']}"
    part = b'{"kind":"action","payload":{"actionSource":"webhook","name":"approve"}}'
    http.post(f"{base}/in/append", content=part)
    http.post(f"{base}/out/append", content=part)
    stored_in = http.get(f"{base}/in/records").json()["records"][0]["data"]
    assert stored_in == '{"kind":"action","payload":{"name":"approve"}}'
    assert http.get(f"{base}/out/records").json()["records"][0]["data"] == part.decode()


def test_an_append_after_the_run_ended_starts_a_continuation(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    session = _session(http)
    trigger_emulator.wait_for_run(session["runId"])
    http.post(f"/realtime/v1/sessions/{session['id']}/in/append", content=b"next turn")
    current = http.get(f"/api/v1/sessions/{session['id']}").json()["currentRunId"]
    assert current != session["runId"]
    run = trigger_emulator.wait_for_run(current)
    assert run["payload"]["continuation"] is True
    assert run["payload"]["previousRunId"] == session["runId"]


def test_a_cached_create_refreshes_the_trigger_config(http: httpx.Client) -> None:
    _session(http)
    again = http.post(
        "/api/v1/sessions",
        json={"type": "chat", "taskIdentifier": "agent", "externalId": "chat-7",
              "triggerConfig": {"basePayload": {"chatId": "chat-7", "model": "v2"}}},
    )  # fmt: skip
    assert again.status_code == 200 and again.json()["isCached"] is True
    assert again.json()["triggerConfig"]["basePayload"]["model"] == "v2"
    fetched = http.get("/api/v1/sessions/chat-7").json()
    assert fetched["triggerConfig"]["basePayload"] == {"chatId": "chat-7", "model": "v2"}


def test_sdk_appends_and_reads(trigger_client: trigger.Client) -> None:
    created = trigger_client.sessions.create(
        type="chat", task_identifier="agent", trigger_config={"base_payload": {}}, external_id="c1"
    )
    sessions = trigger_client.sessions
    assert sessions.append("c1", "in", {"text": "hi"}, part_id="m-1").ok
    assert sessions.append(created.id, "in", "plain").ok
    records = sessions.records("c1", "in").records
    assert [(r.data, r.seq_num) for r in records] == [('{"text":"hi"}', 0), ("plain", 1)]
    assert records[0].id == "m-1"
    assert [r.data for r in sessions.records("c1", "in", after_event_id=0).records] == ["plain"]
    sessions.close("c1")
    with pytest.raises(trigger.BadRequestError, match="closed session"):
        sessions.append("c1", "in", "late")


@pytest.mark.anyio
async def test_async_sdk_appends_and_reads(trigger_async_client: trigger.AsyncClient) -> None:
    sessions = trigger_async_client.sessions
    await sessions.create(
        type="chat", task_identifier="agent", trigger_config={"base_payload": {}}, external_id="c2"
    )
    assert (await sessions.append("c2", "out", b'{"delta":"Hel"}')).ok
    assert (await sessions.append("c2", "out", b'{"delta":"lo"}')).ok
    records = (await sessions.records("c2", "out")).records
    assert [r.data for r in records] == ['{"delta":"Hel"}', '{"delta":"lo"}']


def test_list_filters_are_not_split_on_commas(http: httpx.Client) -> None:
    # The server's list takes one value per filter: a comma is part of the value.
    _session(http)
    both = http.get("/api/v1/sessions", params={"filter[status]": "ACTIVE,CLOSED"})
    assert (both.status_code, both.json()["error"]) == (400, "Query Error")
    assert both.json()["details"][0]["code"] == "invalid_union"
    assert http.get("/api/v1/sessions", params={"filter[type]": "chat,other"}).json()["data"] == []
    assert len(http.get("/api/v1/sessions", params={"filter[type]": "chat"}).json()["data"]) == 1
    assert http.get("/api/v1/sessions", params={"filter[type]": ""}).json()["data"] == []
