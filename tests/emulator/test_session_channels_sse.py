"""Session channels as server-sent events: ``GET /realtime/v1/sessions/{id}[/channels/{name}]/
{in|out}`` in S2's format, live, through the SDK and on the raw wire."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator
from trigger.emulator.engine import session_streams
from trigger.emulator.routes import streams as stream_routes
from trigger.types.sessions import SessionEvent

CONFIG = {"base_payload": {"chatId": "chat-7"}}


def _records(event: SessionEvent) -> list[tuple[int, Any, str]]:
    """``(seq_num, data, part id)`` of a batch event's records."""
    assert event.event == "batch", event
    out = []
    for record in event.json()["records"]:
        body = json.loads(record["body"])
        out.append((record["seq_num"], body["data"], body["id"]))
    return out


def _start(client: trigger.Client, external_id: str) -> str:
    session = client.sessions.start(
        type="chat.agent", task_identifier="agent", trigger_config=CONFIG, external_id=external_id
    )
    return session.id


# -- through the SDK ---------------------------------------------------------------------------


def test_a_sync_subscriber_sees_each_record_live(trigger_client: trigger.Client) -> None:
    session = _start(trigger_client, "chat-live")
    trigger_client.sessions.append(session, "out", "Hello", part_id="p-0")
    seen: list[tuple[int, Any, str]] = []
    started = time.monotonic()
    events = trigger_client.sessions.subscribe("chat-live", "out", timeout_seconds=30)
    for event in events:
        seen.extend(_records(event))
        if len(seen) == 3:
            events.close()
            break
        # Appended while the stream is open: it arrives on the same answer.
        trigger_client.sessions.append(
            session, "out", f"part {len(seen)}", part_id=f"p-{len(seen)}"
        )
    # Live, not at the 30 s timeout.
    assert time.monotonic() - started < 15
    assert seen == [(0, "Hello", "p-0"), (1, "part 1", "p-1"), (2, "part 2", "p-2")]


@pytest.mark.anyio
async def test_an_async_subscriber_sees_each_record_live(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    client = trigger_async_client
    created = await client.sessions.start(
        type="chat.agent", task_identifier="agent", trigger_config=CONFIG, external_id="chat-async"
    )
    await client.sessions.append(created.id, "in", {"text": "hi"}, part_id="m-0")
    seen: list[tuple[int, Any, str]] = []
    ends: list[str] = []
    # Drained to its end (2 s without records), so the answer's every event is seen: the
    # second record was appended while the one answer was open.
    async for event in client.sessions.subscribe(created.id, "in", timeout_seconds=2):
        if event.event != "batch":
            ends.append(event.data)
            continue
        seen.extend(_records(event))
        if len(seen) == 1:
            await client.sessions.append("chat-async", "in", {"text": "more"}, part_id="m-1")
    assert seen == [(0, '{"text":"hi"}', "m-0"), (1, '{"text":"more"}', "m-1")]
    assert ends == ["[DONE]"]
    reads = [
        r
        for r in trigger_emulator.requests()
        if r["path"] == f"/realtime/v1/sessions/{created.id}/in"
    ]
    assert len(reads) == 1


def test_resume_after_a_seq_num_and_the_end_of_an_idle_stream(
    trigger_client: trigger.Client,
) -> None:
    session = _start(trigger_client, "chat-resume")
    for n in range(3):
        trigger_client.sessions.append(session, "out", f"r{n}", part_id=f"r-{n}")
    events = list(
        trigger_client.sessions.subscribe(session, "out", last_event_id=0, timeout_seconds=1)
    )
    # Everything after seq 0 in one batch, then S2's [DONE] once nothing came for 1 s. The
    # id is S2's: the last seq_num, the records and their metered bytes (8 + body) so far.
    metered = 2 * (8 + len('{"data":"r1","id":"r-1"}'))
    assert [(e.event, e.id) for e in events] == [
        ("batch", f"2,2,{metered}"),
        ("message", f"2,2,{metered}"),  # an SSE id stays until the next one
    ]
    assert _records(events[0]) == [(1, "r1", "r-1"), (2, "r2", "r-2")]
    assert events[1].data == "[DONE]"
    # The server reads the number before the first "-"; S2's own "seq,count,bytes" id is no
    # number to it, so the read starts over.
    again = list(
        trigger_client.sessions.subscribe(
            session, "out", last_event_id=f"2,2,{metered}", timeout_seconds=1
        )
    )
    assert [seq for seq, _, _ in _records(again[0])] == [0, 1, 2]
    # Past the tail, the read is clamped to it (S2 ``clamp=true``): nothing yet.
    assert [
        e.data
        for e in trigger_client.sessions.subscribe(
            session, "out", last_event_id=99, timeout_seconds=1
        )
    ] == ["[DONE]"]


def test_a_named_channel_is_a_stream_of_its_own(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    session = _start(trigger_client, "chat-named")
    trigger_client.sessions.append(session, "out", "default out", part_id="d-1")
    appended = http.post(
        f"/realtime/v1/sessions/{session}/channels/tools/out/append",
        content=b'{"tool":"search"}',
        headers={"x-part-id": "t-1"},
    )
    assert appended.json() == {"ok": True, "seq": 0}
    trigger_client.sessions.append(session, "in", {"q": "shoes"}, channel="tools", part_id="q-1")
    events = list(
        trigger_client.sessions.subscribe(session, "out", channel="tools", timeout_seconds=1)
    )
    assert _records(events[0]) == [(0, '{"tool":"search"}', "t-1")]
    named_in = trigger_client.sessions.records("chat-named", "in", channel="tools").records
    assert [(r.seq_num, r.id, r.data) for r in named_in] == [(0, "q-1", '{"q":"shoes"}')]
    assert trigger_client.sessions.records(session, "in").records == []


def test_an_unknown_session_is_a_404_with_the_servers_body(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    with pytest.raises(trigger.NotFoundError) as raised:
        list(trigger_client.sessions.subscribe("session_nosuchsession", "out"))
    assert raised.value.status_code == 404
    assert raised.value.body == {"error": "Not found"}
    answer = http.get("/realtime/v1/sessions/session_nosuchsession/channels/tools/out")
    assert (answer.status_code, answer.json()) == (404, {"error": "Not found"})
    assert answer.headers["x-should-retry"] == "false"
    # An external id with no session yet is an empty channel, as the server's row-optional
    # subscribe reads it.
    events = list(trigger_client.sessions.subscribe("chat-not-yet", "out", timeout_seconds=1))
    assert [e.data for e in events] == ["[DONE]"]


# -- on the wire -------------------------------------------------------------------------------


def test_the_answer_is_s2s_event_stream(
    trigger_client: trigger.Client, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_routes, "ping_interval_s", 0.2)
    session = _start(trigger_client, "chat-wire")
    trigger_client.sessions.append(session, "out", "line\nbreak", part_id="w-1")
    answer = http.get(f"/realtime/v1/sessions/{session}/out", headers={"timeout-seconds": "1"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert answer.headers["x-stream-version"] == "v2"
    assert answer.headers["cache-control"] == "no-cache"
    blocks = answer.text.split("\n\n")
    body = json.dumps({"data": "line\nbreak", "id": "w-1"}, separators=(",", ":"))
    metered = 8 + len(body.encode())
    first = blocks[0].split("\n")
    assert first[:2] == ["event: batch", f"id: 0,1,{metered}"]
    batch = json.loads(first[2].removeprefix("data: "))
    assert [(r["seq_num"], r["body"]) for r in batch["records"]] == [(0, body)]
    assert isinstance(batch["records"][0]["timestamp"], int)
    pings = [block for block in blocks if block.startswith("event: ping\n")]
    assert len(pings) >= 2
    assert isinstance(json.loads(pings[0].split("data: ")[1])["timestamp"], int)
    assert blocks[-2:] == ["data: [DONE]", ""]


@pytest.mark.parametrize(
    ("value", "status", "text"),
    [
        ("abc", 400, "Invalid timeout seconds"),
        ("1.5", 400, "Invalid timeout seconds"),
        ("0", 400, "Timeout seconds must be greater than 0"),
        ("601", 400, "Timeout seconds must be less than 600"),
        ("1", 200, "data: [DONE]\n\n"),
    ],
)
def test_timeout_seconds_is_checked_as_the_session_route_does(
    trigger_client: trigger.Client, http: httpx.Client, value: str, status: int, text: str
) -> None:
    session = _start(trigger_client, "chat-timeout")
    answer = http.get(f"/realtime/v1/sessions/{session}/in", headers={"timeout-seconds": value})
    assert (answer.status_code, answer.text) == (status, text)


def test_head_put_and_a_bad_io(trigger_client: trigger.Client, http: httpx.Client) -> None:
    session = _start(trigger_client, "chat-methods")
    head = http.head(f"/realtime/v1/sessions/{session}/out")
    assert (head.status_code, head.headers["x-last-chunk-index"]) == (200, "0")
    put = http.put(f"/realtime/v1/sessions/{session}/channels/tools/out")
    assert (put.status_code, put.text) == (501, "Session channels require the S2 realtime backend")
    bad = http.get(f"/realtime/v1/sessions/{session}/sideways")
    assert bad.status_code == 400 and bad.json()["error"] == "Params Error"


def test_a_fractional_last_event_id_fails_as_s2_refuses_it(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    session = _start(trigger_client, "chat-fraction")
    answer = http.get(f"/realtime/v1/sessions/{session}/out", headers={"last-event-id": "1.5"})
    assert (answer.status_code, answer.json()) == (500, {"error": "Internal Server Error"})


# -- the frames (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start"),
    [(None, 0), ("", 0), ("4", 5), ("4-7", 5), (" 4 ", 5), ("0x10", 17), ("abc", 0), ("-3", 1)],
)
def test_the_start_is_last_event_id_plus_one_as_the_server_parses_it(
    value: str | None, start: int
) -> None:
    # "-3" splits to "" before its "-", and Number("") is 0: the read starts at 1.
    assert session_streams.start_seq(value) == start


def test_batches_hold_at_most_1000_records_and_1_mib() -> None:
    small = [(seq, 1700000000000, "x") for seq in range(1001)]
    frames, progress = session_streams.batch_events(small, (0, 0))
    ids = [line for line in frames.decode().split("\n") if line.startswith("id: ")]
    assert ids == ["id: 999,1000,9000", "id: 1000,1001,9009"]
    assert progress == (1001, 9009)
    big = [(seq, 1700000000000, "y" * (600 * 1024)) for seq in range(3)]
    frames, _ = session_streams.batch_events(big, progress)
    assert frames.decode().count("event: batch\n") == 3  # two would pass 1 MiB


def test_event_records_decode_a_batch_as_the_records_call_reads_it(
    trigger_client: trigger.Client,
) -> None:
    session = _start(trigger_client, "chat-decoded")
    trigger_client.sessions.append(session, "out", "Hello", part_id="p-0")
    trigger_client.sessions.append(session, "out", {"n": 1}, part_id="p-1")
    events = list(trigger_client.sessions.subscribe(session, "out", timeout_seconds=1))
    decoded = [record for event in events for record in event.records()]
    drained = trigger_client.sessions.records(session, "out").records
    assert [(r.id, r.seq_num, r.data) for r in decoded] == [
        (r.id, r.seq_num, r.data) for r in drained
    ]
    assert [(r.seq_num, r.data, r.id) for r in decoded] == [
        item for event in events if event.event == "batch" for item in _records(event)
    ]
    assert [event.records() for event in events if event.event != "batch"] == [[]]
