"""Realtime run streams on the emulator, on the wire: reads as server-sent events, writes,
appends, input streams, and a handler's ``ctx.stream`` (SERVER.md §11.7)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, TaskContext
from trigger.emulator.engine import streams as engine
from trigger.emulator.routes import streams as routes
from trigger.emulator.store_streams import StreamStore, stream_feed


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {trigger_emulator.secret_key}"}
    with httpx.Client(base_url=trigger_emulator.url, headers=headers, timeout=20) as client:
        yield client


def _delayed_run(client: trigger.Client) -> str:
    """A run that has not completed (its streams take writes)."""
    return client.tasks.trigger("report-builder", {"week": 7}, delay="1h").id


def _events(text: str) -> list[dict[str, str]]:
    """The events of an SSE body (comments and the blank separators dropped)."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        if fields:
            events.append(fields)
    return events


def _read(http: httpx.Client, path: str, **headers: str) -> httpx.Response:
    return http.get(path, headers={"timeout-seconds": "1", **headers})


def _store(emulator: Emulator) -> Any:
    return emulator._store  # the test reaches into the emulator's own database


# -- reading ------------------------------------------------------------------------------------


def test_a_read_sends_each_entry_as_an_event_then_ends_after_the_timeout(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    for part in ("first", "second", '{"n": 3}'):
        assert http.post(f"/realtime/v1/streams/{run_id}/self/log/append", content=part).json() == {
            "ok": True
        }
    started = time.monotonic()
    answer = _read(http, f"/realtime/v1/streams/{run_id}/log")
    assert time.monotonic() - started >= 1  # the server held the read for Timeout-Seconds
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert answer.headers["cache-control"] == "no-cache"
    assert "x-stream-version" not in answer.headers
    events = _events(answer.text)
    # Appended parts are stored as JSON strings: the data is a JSON string literal.
    assert [json.loads(e["data"]) for e in events] == ["first", "second", '{"n": 3}']
    ids = [e["id"] for e in events]
    assert all(engine.parse_entry_id(i) not in (None, "$") for i in ids)
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
    assert len(set(ids)) == 3


def test_last_event_id_resumes_after_that_entry(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    for index in range(4):
        http.post(f"/realtime/v1/streams/{run_id}/self/log/append", content=f"part {index}")
    path = f"/realtime/v1/streams/{run_id}/log"
    ids = [e["id"] for e in _events(_read(http, path).text)]
    after = _events(_read(http, path, **{"last-event-id": ids[1]}).text)
    assert [json.loads(e["data"]) for e in after] == ["part 2", "part 3"]
    assert [e["id"] for e in after] == ids[2:]
    # "$" reads only what comes next; a bare number is "<ms>-0", before every real id.
    assert _events(_read(http, path, **{"last-event-id": "$"}).text) == []
    assert len(_events(_read(http, path, **{"last-event-id": "3"}).text)) == 4


def test_an_id_redis_refuses_breaks_the_answer_after_its_head(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    headers = {"last-event-id": "not-an-id"}
    with http.stream("GET", f"/realtime/v1/streams/{run_id}/log", headers=headers) as answer:
        assert answer.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            answer.read()


def test_pings_keep_an_idle_read_alive(
    trigger_client: trigger.Client, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "ping_interval_s", 0.2)
    run_id = _delayed_run(trigger_client)
    text = _read(http, f"/realtime/v1/streams/{run_id}/log").text
    assert text.startswith(": ping\n\n")
    assert text.count(": ping\n\n") >= 3
    assert _events(text) == []


@pytest.mark.parametrize(
    ("value", "status", "body"),
    [
        ("-1", 400, "Timeout seconds must be greater than 0"),
        ("601", 400, "Timeout seconds must be less than 600"),
        ("600", 200, None),
        # The route tests the parsed number for truthiness: these mean the default 60 s.
        ("abc", 200, None),
        ("0", 200, None),
    ],
)
def test_timeout_seconds_is_checked_as_the_run_stream_route_does(
    trigger_client: trigger.Client, http: httpx.Client, value: str, status: int, body: str | None
) -> None:
    run_id = _delayed_run(trigger_client)
    with http.stream(
        "GET", f"/realtime/v1/streams/{run_id}/log", headers={"timeout-seconds": value}
    ) as answer:
        assert answer.status_code == status
        if body is not None:
            assert answer.read().decode() == body
            assert answer.headers["content-type"] == "text/plain;charset=UTF-8"


def test_a_reader_sees_each_entry_the_moment_it_is_written(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    received: list[threading.Event] = [threading.Event() for _ in range(3)]
    waited: list[bool] = []

    @trigger_emulator.task("live-writer")
    def live_writer(payload: Any, ctx: TaskContext) -> None:
        for index, seen in enumerate(received):
            ctx.stream("ticks").write({"tick": index})
            waited.append(seen.wait(10))  # the next tick only once the reader has this one

    run_id = trigger_client.tasks.trigger("live-writer", {}).id
    ticks = []
    with http.stream(
        "GET", f"/realtime/v1/streams/{run_id}/ticks", headers={"timeout-seconds": "1"}
    ) as answer:
        for line in answer.iter_lines():
            if line.startswith("data: "):
                ticks.append(json.loads(line[6:]))
                received[len(ticks) - 1].set()
    assert ticks == [{"tick": 0}, {"tick": 1}, {"tick": 2}]
    assert waited == [True, True, True]


def test_a_reader_that_goes_away_is_forgotten(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    http.post(f"/realtime/v1/streams/{run_id}/self/log/append", content="hello")
    feed = stream_feed(_store(trigger_emulator))
    with http.stream("GET", f"/realtime/v1/streams/{run_id}/log") as answer:
        next(answer.iter_lines())
        assert feed.reading(run_id) == 1
    deadline = time.monotonic() + 10
    while feed.reading(run_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert feed.reading(run_id) == 0


def test_stopping_the_emulator_ends_open_reads_cleanly() -> None:
    emulator = Emulator()
    emulator.start()
    try:
        with emulator.client() as client:
            run_id = client.tasks.trigger("report-builder", {}, delay="1h").id
        url = f"{emulator.url}/realtime/v1/streams/{run_id}/log"
        headers = {"authorization": f"Bearer {emulator.secret_key}", "timeout-seconds": "600"}
        outcome: list[Any] = []

        def read() -> None:
            try:
                outcome.append(httpx.get(url, headers=headers, timeout=30).text)
            except httpx.HTTPError as error:
                outcome.append(error)

        reader = threading.Thread(target=read)
        reader.start()
        deadline = time.monotonic() + 10
        while not stream_feed(_store(emulator)).reading(run_id) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        emulator.stop()
    reader.join(10)
    assert outcome == [""]  # a clean end, not a connection cut at the shutdown deadline


def test_a_jwt_reads_the_run_it_was_issued_for_only(
    trigger_client: trigger.Client, trigger_emulator: Emulator
) -> None:
    handle = trigger_client.tasks.trigger("report-builder", {}, delay="1h")
    other = _delayed_run(trigger_client)
    token = handle.public_access_token
    assert token is not None
    headers = {"authorization": f"Bearer {token}", "timeout-seconds": "1"}
    with httpx.Client(base_url=trigger_emulator.url, headers=headers) as public:
        assert public.get(f"/realtime/v1/streams/{handle.id}/log").status_code == 200
        refused = public.get(f"/realtime/v1/streams/{other}/log")
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "Unauthorized",
        "code": "unauthorized",
        "param": "access_token",
        "type": "authorization",
    }


def test_reads_refuse_missing_and_bad_keys_and_unknown_runs(
    trigger_client: trigger.Client, trigger_emulator: Emulator, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    path = f"/realtime/v1/streams/{run_id}/log"
    bare = httpx.get(trigger_emulator.url + path)
    assert (bare.status_code, bare.json()) == (401, {"error": "Invalid or Missing API key"})
    wrong = httpx.get(trigger_emulator.url + path, headers={"authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()) == (401, {"error": "Invalid API key"})
    missing = http.get("/realtime/v1/streams/run_doesnotexist/log")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    assert missing.headers["x-should-retry"] == "false"


# -- writing ------------------------------------------------------------------------------------


def test_creating_a_stream_registers_its_key_on_the_run(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    before = _store(trigger_emulator).get_run_by_id(run_id[4:])
    created = http.put(f"/realtime/v1/streams/{run_id}/self/summary")
    assert (created.status_code, created.json()) == (202, {"version": "v1"})
    http.put(f"/realtime/v1/streams/{run_id}/self/summary")
    http.post(f"/realtime/v1/streams/{run_id}/self/notes/append", content="hi")
    after = _store(trigger_emulator).get_run_by_id(run_id[4:])
    assert after.realtime_streams == ("summary", "notes")
    assert after.updated_at >= before.updated_at


def test_writes_refuse_what_the_server_refuses(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    base = f"/realtime/v1/streams/{run_id}"

    def text(answer: httpx.Response) -> tuple[int, str]:
        return answer.status_code, answer.text

    assert text(http.put("/realtime/v1/streams/run_nope/self/log")) == (404, "Run not found")
    # A root run has no parent.
    assert text(http.put(f"{base}/parent/log")) == (404, "Target not found")
    bad = http.put(f"{base}/sibling/log")
    assert bad.status_code == 400
    assert bad.json()["error"] == "Params Error"
    assert bad.json()["details"][0]["code"] == "invalid_enum_value"
    assert text(http.get(f"{base}/self/log")) == (
        405,
        "Only HEAD requests are allowed for this endpoint",
    )
    assert http.get(f"{base}/self/log/append").json() == {"message": "Unexpected Server Error"}
    too_big = http.post(f"{base}/self/log/append", content=b"x" * (512 * 1024 + 1))
    assert (too_big.status_code, too_big.json()) == (413, {"error": "Request body too large"})
    bad_resume = http.post(
        f"{base}/self/log", content=b"{}\n", headers={"x-resume-from-chunk": "-1"}
    )
    assert text(bad_resume) == (400, "Invalid X-Resume-From-Chunk header value: -1")
    # Writes take secret keys only: a public access token is not one.
    token = trigger_client.tasks.trigger("report-builder", {}, delay="1h").public_access_token
    jwt = httpx.post(
        trigger_emulator.url + f"{base}/self/log/append",
        content="hi",
        headers={"authorization": f"Bearer {token}"},
    )
    assert (jwt.status_code, jwt.json()) == (401, {"error": "Invalid API key"})


def test_a_completed_run_takes_no_appends_and_no_new_streams(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    @trigger_emulator.task("quick")
    def quick(payload: Any) -> None:
        return None

    run_id = trigger_client.runs.poll(trigger_client.tasks.trigger("quick", {}).id, interval=0.1).id
    base = f"/realtime/v1/streams/{run_id}/self/log"
    refused = http.post(f"{base}/append", content="late")
    assert (refused.status_code, refused.text) == (
        400,
        "Cannot append to a realtime stream on a completed run",
    )
    assert http.put(base).text == "Cannot initialize a realtime stream on a completed run"


def test_ingested_lines_are_entries_and_head_says_where_to_resume(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    path = f"/realtime/v1/streams/{run_id}/self/tokens"
    body = b'{"token":"Hel"}\n{"token":"lo"}\n\n{"token":"!"}'
    ingested = http.post(path, content=body, headers={"x-client-id": "writer-a"})
    assert (ingested.status_code, ingested.content) == (200, b"")
    head = http.head(path, headers={"x-client-id": "writer-a"})
    assert head.headers["x-last-chunk-index"] == "2"
    assert (
        http.head(path, headers={"x-client-id": "writer-b"}).headers["x-last-chunk-index"] == "-1"
    )
    resumed = http.post(
        path,
        content=b'{"token":" again"}\n',
        headers={"x-client-id": "writer-a", "x-resume-from-chunk": "3"},
    )
    assert resumed.status_code == 200
    assert http.head(path, headers={"x-client-id": "writer-a"}).headers["x-last-chunk-index"] == "3"
    events = _events(_read(http, f"/realtime/v1/streams/{run_id}/tokens").text)
    assert [json.loads(e["data"]) for e in events] == [
        {"token": "Hel"},
        {"token": "lo"},
        {"token": "!"},
        {"token": " again"},
    ]


def test_a_stream_keeps_its_newest_thousand_entries(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    body = "".join(f'{{"n":{n}}}\n' for n in range(1005)).encode()
    http.post(f"/realtime/v1/streams/{run_id}/self/numbers", content=body)
    events = _events(_read(http, f"/realtime/v1/streams/{run_id}/numbers").text)
    assert [json.loads(e["data"])["n"] for e in events] == list(range(5, 1005))


@pytest.mark.trigger_emulator(clock="virtual")
def test_ids_keep_growing_while_a_virtual_clock_stands_still(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    run_id = _delayed_run(trigger_client)
    store = StreamStore(_store(trigger_emulator))
    run = _store(trigger_emulator).get_run_by_id(run_id[4:])
    ids = store.write(run, "log", ["1", "2", "3"], trigger_emulator.clock.now_ms(), register=False)
    ids += store.write(run, "log", ["4"], trigger_emulator.clock.now_ms(), register=False)
    now = trigger_emulator.clock.now_ms()
    assert ids == [(now, 0), (now, 1), (now, 2), (now, 3)]


# -- input streams ------------------------------------------------------------------------------


def test_input_stream_sends_are_read_back_as_json_text(
    trigger_client: trigger.Client, trigger_emulator: Emulator, http: httpx.Client
) -> None:
    handle = trigger_client.tasks.trigger("report-builder", {}, delay="1h")
    base = f"/realtime/v1/streams/{handle.id}/input/approval"
    # The trigger's public access token carries write:inputStreams for its run.
    public = {"authorization": f"Bearer {handle.public_access_token}"}
    sent = httpx.post(
        trigger_emulator.url + base, json={"data": {"approved": True}}, headers=public
    )
    assert (sent.status_code, sent.json()) == (200, {"ok": True})
    events = _events(_read(http, base).text)
    assert [json.loads(json.loads(e["data"])) for e in events] == [{"approved": True}]
    assert http.post(base, json=[1]).json() == {"ok": False, "error": "Invalid request body"}
    missing = http.post("/realtime/v1/streams/run_nope/input/approval", json={"data": 1})
    assert (missing.status_code, missing.json()) == (404, {"ok": False, "error": "Run not found"})
    # The input route refuses a Timeout-Seconds that is not a number, unlike the stream route.
    bad = http.get(base, headers={"timeout-seconds": "abc"})
    assert (bad.status_code, bad.text) == (400, "Invalid timeout seconds")


# -- a handler's ctx.stream ---------------------------------------------------------------------


def test_a_handler_writes_values_appends_text_and_pipes(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    outcome: dict[str, Any] = {}

    @trigger_emulator.task("report-builder")
    def build(payload: Any, ctx: TaskContext) -> None:
        outcome["ids"] = [
            ctx.stream("progress").write({"percent": 10}),
            ctx.streams.append("progress", "halfway"),
            *ctx.streams.pipe("progress", [{"percent": 90}, None, [1, 2]]),
        ]
        for bad, call in {
            "value": lambda: ctx.stream("progress").write({1, 2}),
            "key": lambda: ctx.streams.write("a/b", 1),
            "part": lambda: ctx.streams.append("progress", 5),  # type: ignore[arg-type]
        }.items():
            try:
                call()
            except (TypeError, ValueError) as error:
                outcome[bad] = str(error)

    run_id = trigger_client.tasks.trigger("report-builder", {}).id
    trigger_client.runs.poll(run_id, interval=0.1)
    events = _events(_read(http, f"/realtime/v1/streams/{run_id}/progress").text)
    assert [json.loads(e["data"]) for e in events] == [
        {"percent": 10},
        "halfway",
        {"percent": 90},
        None,
        [1, 2],
    ]
    assert outcome["ids"] == [e["id"] for e in events]
    assert outcome["value"].startswith("value must be a JSON value")
    assert outcome["key"].startswith("key must be a non-empty path segment")
    assert outcome["part"] == "part must be a str, not int"
    assert _store(trigger_emulator).get_run_by_id(run_id[4:]).realtime_streams == ("progress",)


def test_a_handler_writes_to_another_run_but_not_to_a_completed_one(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    waiting = _delayed_run(trigger_client)
    # No handler: the run completes by itself.
    finished = trigger_client.runs.poll(
        trigger_client.tasks.trigger("hello-world", {"name": "Ada"}).id, interval=0.1
    ).id

    @trigger_emulator.task("notifier", max_attempts=1)
    def notify(payload: Any, ctx: TaskContext) -> None:
        ctx.streams.write("inbox", {"from": ctx.run_id}, target=waiting)
        ctx.streams.stream("inbox", target=finished).write("late")

    notifier = trigger_client.tasks.trigger("notifier", {}).id
    run = trigger_client.runs.poll(notifier, interval=0.1)
    assert run.status == "FAILED"
    assert run.error is not None
    assert f"cannot write a realtime stream of {finished}" in (run.error.message or "")
    events = _events(_read(http, f"/realtime/v1/streams/{waiting}/inbox").text)
    assert [json.loads(e["data"]) for e in events] == [{"from": notifier}]


def test_a_realtime_subscriber_sees_the_streams_a_run_writes(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    # The official client's withStreams() discovers streams in the realtimeStreams column.
    run_id = _delayed_run(trigger_client)
    shape = http.get(f"/realtime/v1/runs/{run_id}", params={"offset": "-1"})
    assert shape.json()[0]["value"]["realtimeStreams"] == "{}"
    http.post(f"/realtime/v1/streams/{run_id}/self/progress/append", content="queued")
    http.put(f"/realtime/v1/streams/{run_id}/self/summary")
    again = http.get(f"/realtime/v1/runs/{run_id}", params={"offset": "-1"})
    assert again.json()[0]["value"]["realtimeStreams"] == '{"progress","summary"}'
