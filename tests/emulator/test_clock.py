"""The virtual clock: `Emulator.advance` walks due events in order, auto mode skips idle time,
the control endpoint and the CLI drive it, and the pytest marker picks it."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock, RetryPolicy, TaskContext
from trigger.emulator.cli import build_parser

START = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def virtual() -> Iterator[tuple[Emulator, trigger.Client]]:
    with Emulator(clock="virtual", start_time=START) as emulator, emulator.client() as client:
        yield emulator, client


def test_a_run_delayed_by_a_day_completes_after_advance(
    virtual: tuple[Emulator, trigger.Client],
) -> None:
    emulator, client = virtual
    emulator.register("send-reminder", lambda payload: {"reminded": payload["user"]})
    handle = client.tasks.trigger("send-reminder", {"user": "ada"}, delay="24h")
    assert client.runs.retrieve(handle.id).status == "DELAYED"
    emulator.advance(timedelta(hours=23, minutes=59))
    assert client.runs.retrieve(handle.id).status == "DELAYED"
    assert emulator.advance(timedelta(minutes=1)) == START + timedelta(days=1)
    run = client.runs.retrieve(handle.id)
    assert run.status == "COMPLETED" and run.output == {"reminded": "ada"}
    assert run.created_at == START  # answers carry the clock's time
    assert run.started_at == START + timedelta(days=1)


def test_advance_stops_at_every_due_instant_in_order(
    virtual: tuple[Emulator, trigger.Client],
) -> None:
    emulator, client = virtual
    seen: list[tuple[str, datetime]] = []
    emulator.register("tick", lambda payload: seen.append((payload["name"], emulator.now)))
    for name, hours in (("third", 3), ("first", 1), ("second", 2)):
        client.tasks.trigger("tick", {"name": name}, delay=f"{hours}h")
    emulator.advance(timedelta(hours=5))
    assert seen == [
        ("first", START + timedelta(hours=1)),
        ("second", START + timedelta(hours=2)),
        ("third", START + timedelta(hours=3)),
    ]
    assert emulator.now == START + timedelta(hours=5)


def test_ttl_expiry_follows_the_virtual_clock(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, client = virtual
    emulator.register("held", lambda payload: "ran", concurrency_limit=0)
    handle = client.tasks.trigger("held", ttl="10m")
    emulator.advance(599)
    assert client.runs.retrieve(handle.id).status == "QUEUED"
    emulator.advance(1)
    run = client.runs.retrieve(handle.id)
    assert run.status == "EXPIRED" and run.expired_at == START + timedelta(minutes=10)


def test_a_waitpoint_timeout_fires_on_advance(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, client = virtual
    results: list[Any] = []

    @emulator.task("approve-order")
    async def approve(payload: Any, ctx: TaskContext) -> str:
        token = ctx.wait.create_token(timeout="2h")
        results.append(await ctx.wait.for_token(token))
        return "done"

    handle = client.tasks.trigger("approve-order", {"order": 7})
    emulator.advance(timedelta(hours=1))
    assert client.runs.retrieve(handle.id).status == "WAITING"
    emulator.advance(timedelta(hours=1))
    run = client.runs.retrieve(handle.id)
    assert run.status == "COMPLETED"
    assert [r.ok for r in results] == [False]
    assert run.finished_at == START + timedelta(hours=2)


def test_handler_retries_keep_their_backoff(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, client = virtual
    attempts: list[datetime] = []

    def flaky(payload: Any, ctx: TaskContext) -> str:
        attempts.append(emulator.now)
        if ctx.attempt < 4:
            raise ConnectionError("upstream refused")
        return "delivered"

    policy = RetryPolicy(max_attempts=4, min_delay_ms=60_000, max_delay_ms=300_000, factor=3)
    emulator.register("deliver-webhook", flaky, retry=policy)
    handle = client.tasks.trigger("deliver-webhook", {"id": 1})
    emulator.advance(timedelta(hours=1))
    assert client.runs.retrieve(handle.id).status == "COMPLETED"
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert gaps == [timedelta(minutes=1), timedelta(minutes=3), timedelta(minutes=5)]


def test_timed_waits_inside_handlers(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, client = virtual
    stamps: list[datetime] = []

    @emulator.task("drip-campaign")
    async def drip(payload: Any, ctx: TaskContext) -> int:
        for _ in range(3):
            stamps.append(emulator.now)
            await ctx.wait.for_seconds(timedelta(days=1))
        return len(stamps)

    def sync_drip(payload: Any, ctx: TaskContext) -> int:
        ctx.wait.for_seconds_sync("2h")
        return 2

    emulator.register("sync-drip", sync_drip)
    handle = client.tasks.trigger("drip-campaign", {})
    sync_handle = client.tasks.trigger("sync-drip", {})
    emulator.advance(timedelta(days=3))
    assert stamps == [START, START + timedelta(days=1), START + timedelta(days=2)]
    assert client.runs.retrieve(handle.id).output == 3
    finished = client.runs.retrieve(sync_handle.id)
    assert finished.output == 2 and finished.finished_at == START + timedelta(hours=2)


def test_idempotency_key_ttls_follow_the_clock(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, client = virtual
    first = client.tasks.trigger(
        "charge", {"n": 1}, idempotency_key="order-1", idempotency_key_ttl="1h"
    )
    emulator.advance(timedelta(minutes=59))
    again = client.tasks.trigger(
        "charge", {"n": 1}, idempotency_key="order-1", idempotency_key_ttl="1h"
    )
    assert again.id == first.id
    emulator.advance(timedelta(minutes=2))
    later = client.tasks.trigger(
        "charge", {"n": 1}, idempotency_key="order-1", idempotency_key_ttl="1h"
    )
    assert later.id != first.id


def test_auto_mode_skips_idle_time() -> None:
    with Emulator(clock="auto", start_time=START) as emulator, emulator.client() as client:
        emulator.register("send-reminder", lambda payload: "sent")
        started = time.monotonic()
        handle = client.tasks.trigger("send-reminder", {}, delay="7d")
        run = client.runs.poll(handle.id, interval=0.1, timeout=10)
        assert run.status == "COMPLETED" and run.output == "sent"
        assert run.started_at == START + timedelta(days=7)
        assert time.monotonic() - started < 5  # generous: a real week is the alternative
        # With nothing due, time stands still.
        stood = emulator.now
        time.sleep(0.1)
        assert emulator.now == stood


def test_auto_mode_waits_for_a_running_handler() -> None:
    release = threading.Event()
    with Emulator(clock="auto", start_time=START) as emulator, emulator.client() as client:
        emulator.register("slow-export", lambda payload: release.wait(10) and "exported")
        slow = client.tasks.trigger("slow-export", {})
        later = client.tasks.trigger("send-reminder", {}, delay="1h")
        deadline = time.monotonic() + 10
        while client.runs.retrieve(slow.id).status != "EXECUTING":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.1)
        # The handler runs in real time: the delayed run's hour has not been skipped.
        assert client.runs.retrieve(later.id).status == "DELAYED"
        release.set()
        run = client.runs.poll(later.id, interval=0.1, timeout=10)
        assert run.started_at is not None and run.started_at >= START + timedelta(hours=1)


def test_auto_can_be_switched(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, client = virtual
    clock = emulator.clock
    assert isinstance(clock, ManualClock) and clock.mode == "virtual"
    handle = client.tasks.trigger("send-reminder", {}, delay="1h")
    time.sleep(0.1)
    assert client.runs.retrieve(handle.id).status == "DELAYED"
    clock.auto = True
    assert client.runs.poll(handle.id, interval=0.1, timeout=10).status == "COMPLETED"


def test_advance_refuses_bad_input(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, _ = virtual
    with pytest.raises(ValueError, match="by must not be negative"):
        emulator.advance(-1)
    with pytest.raises(TypeError, match="by must be a timedelta"):
        emulator.advance(True)
    with pytest.raises(TypeError, match="by must be a timedelta"):
        emulator.advance("1h")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout must be a positive"):
        emulator.advance(1, timeout=0)
    with pytest.raises(TypeError, match="timezone-aware"):
        emulator.advance_to(datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="never goes back"):
        emulator.advance_to(START - timedelta(seconds=1))
    assert emulator.advance_to(START + timedelta(hours=2)) == START + timedelta(hours=2)


def test_advance_needs_a_virtual_clock() -> None:
    with Emulator() as emulator:
        with pytest.raises(RuntimeError, match="real clock"):
            emulator.advance(1)
    with pytest.raises(ValueError, match="clock must be a Clock or one of"):
        Emulator(clock="sundial")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="start needs a virtual clock"):
        Emulator(start_time=START)
    with pytest.raises(TypeError, match="start must be a timezone-aware"):
        Emulator(clock="virtual", start_time=datetime(2026, 3, 1))


def test_advance_times_out_on_a_handler_that_never_yields(
    virtual: tuple[Emulator, trigger.Client],
) -> None:
    emulator, client = virtual
    release = threading.Event()
    emulator.register("stuck", lambda payload: release.wait(10))
    client.tasks.trigger("stuck", {})
    try:
        with pytest.raises(TimeoutError, match="handlers still running"):
            emulator.advance(60, timeout=0.3)
    finally:
        release.set()
    emulator.advance(60)  # the next advance works once the handler is done


def test_a_handler_cannot_advance_its_own_clock(virtual: tuple[Emulator, trigger.Client]) -> None:
    emulator, client = virtual
    errors: list[str] = []

    @emulator.task("impatient")
    async def impatient(payload: Any) -> None:
        try:
            emulator.advance(60)
        except RuntimeError as exc:
            errors.append(str(exc))

    handle = client.tasks.trigger("impatient", {})
    emulator.wait_for_run(handle.id)
    assert errors == ["a handler cannot advance the clock it runs on"]


def test_control_endpoint_moves_and_switches_the_clock(
    virtual: tuple[Emulator, trigger.Client],
) -> None:
    emulator, client = virtual
    url = f"{emulator.url}/_emulator/clock"
    assert httpx.get(url).json() == {
        "now": "2026-03-01T09:00:00.000Z",
        "nowMs": round(START.timestamp() * 1000),
        "mode": "virtual",
        "virtual": True,
    }
    handle = client.tasks.trigger("send-reminder", {}, delay="2h")
    moved = httpx.post(url, json={"advance": 3 * 3600}).json()
    assert moved["now"] == "2026-03-01T12:00:00.000Z"
    assert client.runs.retrieve(handle.id).status == "COMPLETED"
    moved = httpx.post(url, json={"advanceTo": "2026-03-02T09:00:00+00:00"}).json()
    assert moved["now"] == "2026-03-02T09:00:00.000Z"
    target = round((START + timedelta(days=2)).timestamp() * 1000)
    assert httpx.post(url, json={"advanceTo": target}).json()["nowMs"] == target
    assert httpx.post(url, json={"mode": "auto"}).json()["mode"] == "auto"
    assert isinstance(emulator.clock, ManualClock) and emulator.clock.auto
    assert httpx.post(url, json={"mode": "virtual"}).json()["mode"] == "virtual"


def test_a_reset_rewinds_the_virtual_clock_to_its_start_and_mode(
    virtual: tuple[Emulator, trigger.Client],
) -> None:
    emulator, client = virtual
    assert isinstance(emulator.clock, ManualClock)
    emulator.clock.auto = True
    client.tasks.trigger("send-reminder", {}, delay="3d")
    emulator.advance(timedelta(days=7))
    assert httpx.post(f"{emulator.url}/_emulator/reset").json() == {"ok": True}
    assert emulator.now == START
    assert emulator.clock.mode == "virtual"
    assert client.runs.list().data == []
    # Time moves on from the start as before, and a new run is timed from there.
    handle = client.tasks.trigger("send-reminder", {}, delay="1h")
    assert client.runs.retrieve(handle.id).delayed_until == START + timedelta(hours=1)
    emulator.advance(timedelta(hours=2))
    assert client.runs.retrieve(handle.id).status == "COMPLETED"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"advance": -1}, "advance must be a non-negative number of seconds"),
        ({"advance": "1h"}, "advance must be a non-negative number of seconds"),
        ({"advance": 1, "advanceTo": 5}, "Give advance or advanceTo, not both"),
        ({"advanceTo": "yesterday"}, "advanceTo must be an ISO 8601 time"),
        ({"advanceTo": "2026-03-01T10:00:00"}, "advanceTo must be an ISO 8601 time"),
        ({"advanceTo": 0}, "advanceTo is before the emulator's time"),
        ({"mode": "real"}, "mode must be 'virtual' or 'auto'"),
        ({"advance": 1, "timeout": 0}, "timeout must be a positive number of seconds"),
        ({"forward": 1}, "Unknown field 'forward'"),
        ([1], "The body must be a JSON object"),
    ],
)
def test_control_endpoint_refuses_bad_bodies(
    virtual: tuple[Emulator, trigger.Client], body: Any, message: str
) -> None:
    emulator, _ = virtual
    answer = httpx.post(f"{emulator.url}/_emulator/clock", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(message)
    assert emulator.now == START


def test_control_endpoint_on_the_real_clock_and_on_timeout() -> None:
    with Emulator() as emulator:
        answer = httpx.post(f"{emulator.url}/_emulator/clock", json={"advance": 1})
        assert answer.status_code == 409
        assert "real clock" in answer.json()["error"]
        assert httpx.get(f"{emulator.url}/_emulator/clock").json()["mode"] == "real"
    release = threading.Event()
    with Emulator(clock="virtual") as emulator, emulator.client() as client:
        emulator.register("stuck", lambda payload: release.wait(10))
        client.tasks.trigger("stuck", {})
        try:
            answer = httpx.post(
                f"{emulator.url}/_emulator/clock", json={"advance": 60, "timeout": 0.3}
            )
        finally:
            release.set()
        assert answer.status_code == 504
        assert "handlers still running" in answer.json()["error"]


def test_cli_parses_the_clock_flags() -> None:
    parser = build_parser()
    options = parser.parse_args(
        ["emulator", "--clock", "auto", "--start-time", "2026-03-01T09:00:00Z"]
    )
    assert options.clock == "auto" and options.start_time == START
    assert parser.parse_args(["emulator"]).clock == "real"
    with pytest.raises(SystemExit):
        parser.parse_args(["emulator", "--clock", "sundial"])
    with pytest.raises(SystemExit):
        parser.parse_args(["emulator", "--start-time", "2026-03-01T09:00:00"])


def test_cli_refuses_a_start_time_on_the_real_clock() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "trigger.emulator",
            "--start-time",
            "2026-03-01T09:00:00Z",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--start-time needs --clock virtual or auto" in done.stderr


@pytest.mark.trigger_emulator(clock="virtual", start_time=START)
def test_the_marker_gives_a_virtual_emulator(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    assert trigger_emulator.clock.mode == "virtual"
    handle = trigger_client.tasks.trigger("send-reminder", {"user": "ada"}, delay="1d")
    trigger_emulator.advance(timedelta(days=1, seconds=1))
    assert trigger_client.runs.retrieve(handle.id).status == "COMPLETED"


@pytest.mark.anyio
@pytest.mark.trigger_emulator(clock="auto", start_time=START)
async def test_the_marker_with_the_async_client(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    handle = await trigger_async_client.tasks.trigger("send-reminder", {}, delay="3d")
    run = await trigger_async_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert run.status == "COMPLETED" and run.started_at == START + timedelta(days=3)


def test_without_the_marker_the_session_emulator_runs_real_time(
    trigger_emulator: Emulator,
) -> None:
    assert trigger_emulator.clock.mode == "real"
