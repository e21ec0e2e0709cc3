"""Events, trace, spans and the paged trace are built from each attempt the run recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock, RetryPolicy, TaskContext

T0 = 1_773_000_000_000  # 2026-03-08T20:00:00Z
NS = 1_000_000


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.01)


@pytest.fixture
def setup() -> Iterator[tuple[Emulator, ManualClock, httpx.Client]]:
    clock = ManualClock(T0)
    with Emulator(clock=clock) as emulator:

        @emulator.task("flaky", retry=RetryPolicy(max_attempts=3, min_delay_ms=1000, factor=2.0))
        def flaky(payload: Any, ctx: TaskContext) -> str:
            clock.advance(2)  # each attempt works for two seconds
            if ctx.attempt < 3:
                raise ValueError(f"attempt {ctx.attempt} failed")
            return "shipped"

        headers = {"authorization": f"Bearer {emulator.secret_key}"}
        with httpx.Client(base_url=emulator.url, headers=headers) as http:
            yield emulator, clock, http


def _failed_twice_then_succeeded(emulator: Emulator, clock: ManualClock, http: httpx.Client) -> str:
    run_id = str(http.post("/api/v1/tasks/flaky/trigger", json={"payload": {}}).json()["id"])

    def attempts() -> int:
        events = http.get(f"/api/v1/runs/{run_id}/events").json()["events"]
        return sum(1 for e in events if e["message"].startswith("Attempt") and not e["isPartial"])

    _until(lambda: attempts() == 1, "had one attempt")  # 00:00-00:02, retry due 00:03
    clock.advance(1)
    _until(lambda: attempts() == 2, "had two attempts")  # 00:03-00:05, retry due 00:07
    clock.advance(2)
    emulator.wait_for_run(run_id)  # 00:07-00:09
    return run_id


def test_events_show_each_attempt_with_its_times_and_error(
    setup: tuple[Emulator, ManualClock, httpx.Client],
) -> None:
    emulator, clock, http = setup
    run_id = _failed_twice_then_succeeded(emulator, clock, http)
    events = http.get(f"/api/v1/runs/{run_id}/events").json()["events"]
    summary = [
        (e["message"], (int(e["startTime"]) - T0 * NS) // NS, e["duration"] // NS, e["isError"])
        for e in events
    ]
    assert summary == [
        ("flaky", 0, 9000, False),
        ("Attempt 1", 0, 2000, True),
        ("run()", 0, 2000, True),
        ("Attempt 2", 3000, 2000, True),
        ("run()", 3000, 2000, True),
        ("Attempt 3", 7000, 2000, False),
        ("run()", 7000, 2000, False),
    ]
    assert [e["attemptNumber"] for e in events] == [None, 1, 1, 2, 2, 3, 3]
    raised = [e["events"][0] for e in events if e["message"] == "run()" and e["events"]]
    assert [x["properties"]["exception"]["message"] for x in raised] == [
        "attempt 1 failed",
        "attempt 2 failed",
    ]
    assert [x["time"] for x in raised] == ["2026-03-08T20:00:02.000Z", "2026-03-08T20:00:05.000Z"]
    assert all(x["properties"]["exception"]["type"] == "ValueError" for x in raised)


def test_trace_and_span_detail(setup: tuple[Emulator, ManualClock, httpx.Client]) -> None:
    emulator, clock, http = setup
    run_id = _failed_twice_then_succeeded(emulator, clock, http)
    root = http.get(f"/api/v1/runs/{run_id}/trace").json()["trace"]["rootSpan"]
    attempts = root["children"]
    assert [(a["data"]["message"], a["data"]["isError"]) for a in attempts] == [
        ("Attempt 1", True),
        ("Attempt 2", True),
        ("Attempt 3", False),
    ]
    assert [a["data"]["startTime"] for a in attempts] == [
        "2026-03-08T20:00:00.000Z",
        "2026-03-08T20:00:03.000Z",
        "2026-03-08T20:00:07.000Z",
    ]
    second = http.get(f"/api/v1/runs/{run_id}/spans/{attempts[1]['id']}").json()
    assert (second["message"], second["isError"], second["startTime"]) == (
        "Attempt 2",
        True,
        "2026-03-08T20:00:03.000Z",
    )
    run_span = attempts[1]["children"][0]["id"]
    detail = http.get(f"/api/v1/runs/{run_id}/spans/{run_span}").json()
    assert detail["events"][0]["properties"]["exception"]["message"] == "attempt 2 failed"


def test_paged_trace(setup: tuple[Emulator, ManualClock, httpx.Client]) -> None:
    emulator, clock, http = setup
    run_id = _failed_twice_then_succeeded(emulator, clock, http)
    first = http.get(f"/api/v1/runs/{run_id}/trace", params={"page[size]": 4}).json()
    assert [row["message"] for row in first["data"]] == ["flaky", "Attempt 1", "run()", "Attempt 2"]
    assert first["data"][1]["duration"] == 2000 * NS  # nanoseconds, as the 4.8.3 schema says
    assert "parentId" not in first["data"][0]
    assert first["data"][1]["parentId"] == first["data"][0]["id"]
    assert [f["attemptNumber"] for f in first["attemptFailures"]] == [1, 2]
    rest = http.get(
        f"/api/v1/runs/{run_id}/trace",
        params={"page[size]": 4, "page[after]": first["pagination"]["next"]},
    ).json()
    assert [row["message"] for row in rest["data"]] == ["run()", "Attempt 3", "run()"]
    assert (rest["attemptFailures"], rest["pagination"]) == ([], {})
    bad = http.get(f"/api/v1/runs/{run_id}/trace", params={"page[size]": "0"})
    assert (bad.status_code, bad.json()["error"]) == (400, "Query Error")


def test_a_running_attempt_is_open(setup: tuple[Emulator, ManualClock, httpx.Client]) -> None:
    emulator, _, http = setup
    release = threading.Event()

    @emulator.task("slow", retry=RetryPolicy(max_attempts=1))
    def slow(payload: Any) -> None:
        release.wait(10)

    run_id = str(http.post("/api/v1/tasks/slow/trigger", json={"payload": {}}).json()["id"])
    try:

        def open_attempt() -> list[dict[str, Any]]:
            events: list[dict[str, Any]] = http.get(f"/api/v1/runs/{run_id}/events").json()[
                "events"
            ]
            return [e for e in events if e["message"] == "Attempt 1"]

        _until(lambda: bool(open_attempt()), "started")
        attempt = open_attempt()[0]
        assert (attempt["isPartial"], attempt["isError"], attempt["duration"]) == (True, False, 0)
    finally:
        release.set()
    emulator.wait_for_run(run_id)
    done = open_attempt()[0]
    assert (done["isPartial"], done["isError"]) == (False, False)


def test_canceled_attempt(setup: tuple[Emulator, ManualClock, httpx.Client]) -> None:
    emulator, clock, http = setup
    release = threading.Event()

    @emulator.task("stuck")
    def stuck(payload: Any) -> None:
        release.wait(10)

    run_id = str(http.post("/api/v1/tasks/stuck/trigger", json={"payload": {}}).json()["id"])
    try:
        _until(
            lambda: http.get(f"/api/v3/runs/{run_id}").json()["status"] == "EXECUTING", "started"
        )
        clock.advance(4)
        http.post(f"/api/v2/runs/{run_id}/cancel")
    finally:
        release.set()
    events = http.get(f"/api/v1/runs/{run_id}/events").json()["events"]
    attempt = next(e for e in events if e["message"] == "Attempt 1")
    assert (attempt["isCancelled"], attempt["isError"], attempt["duration"]) == (
        True,
        False,
        4000 * NS,
    )


def test_sdk_reads_the_attempts(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    @trigger_emulator.task("twice", retry=RetryPolicy(max_attempts=2, min_delay_ms=10))
    def twice(payload: Any, ctx: TaskContext) -> int:
        if ctx.attempt == 1:
            raise RuntimeError("first try")
        return ctx.attempt

    handle = trigger_client.tasks.trigger("twice")
    trigger_emulator.wait_for_run(handle.id)
    events = trigger_client.runs.events(handle.id).events
    attempts = [e for e in events if e.message.startswith("Attempt")]
    assert [(e.attempt_number, e.is_error) for e in attempts] == [(1, True), (2, False)]
    assert attempts[0].start_time < attempts[1].start_time
    trace = trigger_client.runs.trace(handle.id).trace
    assert [child.data.is_error for child in trace.root_span.children] == [True, False]


@pytest.mark.anyio
async def test_async_sdk_reads_the_attempts(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    @trigger_emulator.task("twice-async", retry=RetryPolicy(max_attempts=2, min_delay_ms=10))
    async def twice(payload: Any, ctx: TaskContext) -> int:
        if ctx.attempt == 1:
            raise KeyError("first try")
        return ctx.attempt

    handle = await trigger_async_client.tasks.trigger("twice-async")
    trigger_emulator.wait_for_run(handle.id)
    events = (await trigger_async_client.runs.events(handle.id)).events
    failed = [e for e in events if e.message == "run()" and e.is_error]
    assert len(failed) == 1
    assert failed[0].events[0]["properties"]["exception"]["type"] == "KeyError"
