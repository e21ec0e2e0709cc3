"""Runs through the real SDK over real sockets: trigger, retrieve, list, cancel, replay,
reschedule, tags, metadata, handlers, retries and idempotency."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, RetryPolicy, TaskContext


def test_trigger_runs_a_sync_handler(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    @trigger_emulator.task("double")
    def double(payload: dict[str, int]) -> dict[str, int]:
        return {"value": payload["value"] * 2}

    handle = trigger_client.tasks.trigger("double", {"value": 21})
    assert handle.id.startswith("run_")
    assert handle.is_cached is False
    assert handle.public_access_token
    run = trigger_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert run.status == "COMPLETED"
    assert run.output == {"value": 42}
    assert run.payload == {"value": 21}
    assert (run.is_completed, run.is_success, run.is_failed) == (True, True, False)
    assert run.attempt_count == 1
    assert run.started_at is not None and run.finished_at is not None
    assert run.ttl == "10m"  # the dev environment's default


@pytest.mark.anyio
async def test_async_client_and_async_handler(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    @trigger_emulator.task("greet")
    async def greet(payload: dict[str, str], ctx: TaskContext) -> str:
        return f"hello {payload['name']} from {ctx.run_id} attempt {ctx.attempt}"

    handle = await trigger_async_client.tasks.trigger("greet", {"name": "Ada"})
    run = await trigger_async_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert run.output == f"hello Ada from {handle.id} attempt 1"


def test_handler_context_writes_metadata_and_tags(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    seen: dict[str, Any] = {}

    @trigger_emulator.task("meta")
    def meta(payload: None, ctx: TaskContext) -> None:
        seen["tags"] = ctx.tags
        seen["start"] = ctx.metadata.current()
        ctx.metadata.set("progress", 0.5)
        ctx.metadata.increment("count", 2)
        ctx.metadata.append("steps", "one")
        ctx.add_tags("added")

    handle = trigger_client.tasks.trigger("meta", tags=["given"], metadata={"seed": True})
    run = trigger_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert seen == {"tags": ("given",), "start": {"seed": True}}
    assert run.metadata == {"seed": True, "progress": 0.5, "count": 2, "steps": ["one"]}
    assert run.tags == ["added", "given"]
    assert run.output is None


def test_a_raising_handler_is_retried_then_fails(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    attempts: list[int] = []

    @trigger_emulator.task("flaky", retry=RetryPolicy(max_attempts=3, min_delay_ms=10))
    def flaky(payload: None, ctx: TaskContext) -> str:
        attempts.append(ctx.attempt)
        raise ValueError(f"boom {ctx.attempt}")

    handle = trigger_client.tasks.trigger("flaky", max_attempts=2)
    run = trigger_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert attempts == [1, 2]  # the trigger's maxAttempts wins over the task's policy
    assert run.status == "FAILED"
    assert (run.is_completed, run.is_failed, run.is_success) == (True, True, False)
    assert run.attempt_count == 2
    assert run.error is not None
    assert run.error.name == "ValueError"
    assert run.error.message == "boom 2"
    assert run.error.stack_trace and "ValueError: boom 2" in run.error.stack_trace
    assert run.output is None


def test_a_handler_that_recovers_completes(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    @trigger_emulator.task("second-time", max_attempts=3)
    def second_time(payload: None, ctx: TaskContext) -> int:
        if ctx.attempt == 1:
            raise RuntimeError("not yet")
        return ctx.attempt

    run = trigger_client.runs.poll(
        trigger_client.tasks.trigger("second-time").id, interval=0.1, timeout=10
    )
    assert (run.status, run.output, run.attempt_count) == ("COMPLETED", 2, 2)
    assert run.error is None


def test_a_task_without_handler_completes_with_no_output(trigger_client: trigger.Client) -> None:
    run = trigger_client.runs.poll(
        trigger_client.tasks.trigger("nobody-home", [1]).id, interval=0.1, timeout=10
    )
    assert run.status == "COMPLETED"
    assert run.output is None
    assert run.duration_ms >= 40


def test_options_are_recorded_as_given(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    # A version lock must name a version a worker has: deploy it first.
    deployed = httpx.post(
        f"{trigger_emulator.url}/_emulator/deployments",
        json={"env": "dev", "version": "20250101.1"},
    )
    assert deployed.status_code == 201
    handle = trigger_client.tasks.trigger(
        "recorded",
        {"a": 1},
        delay="1h",
        ttl=90,
        tags=["b", "a"],
        metadata={"m": 1},
        machine="small-2x",
        max_attempts=4,
        max_duration=30,
        priority=10,
        version="20250101.1",
        concurrency_key=7,
        queue="emails",
        test=True,
    )
    run = trigger_client.runs.retrieve(handle.id)
    assert run.status == "DELAYED"
    assert run.is_queued
    assert run.delayed_until is not None
    assert run.ttl == "1m30s"  # integer seconds are stored as a duration string
    assert run.tags == ["a", "b"]
    assert run.metadata == {"m": 1}
    assert run.version == "20250101.1"
    assert run.is_test is True
    [listed] = list(trigger_client.runs.list(task_identifier="recorded"))
    assert listed.id == handle.id
    assert listed.env is not None and listed.env.name == "dev"
    [sent] = trigger_emulator.requests(path="/api/v1/tasks/recorded/trigger")
    options = sent["body"]["options"]
    assert options["machine"] == "small-2x"
    assert options["queue"] == {"name": "emails"}
    assert sent["headers"]["authorization"] == "Bearer tr_dev_***"


def test_idempotency_keys(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    first = trigger_client.tasks.trigger("idem", {"n": 1}, idempotency_key="order-42")
    again = trigger_client.tasks.trigger("idem", {"n": 2}, idempotency_key="order-42")
    assert (again.id, again.is_cached) == (first.id, True)
    other_task = trigger_client.tasks.trigger("idem-2", idempotency_key="order-42")
    assert other_task.id != first.id and not other_task.is_cached
    run = trigger_client.runs.retrieve(first.id)
    assert run.idempotency_key == "order-42"  # retrieve shows the user's key

    @trigger_emulator.task("idem-fail", max_attempts=1)
    def fails(payload: None) -> None:
        raise ValueError("no")

    failed = trigger_client.tasks.trigger("idem-fail", idempotency_key="k")
    trigger_client.runs.poll(failed.id, interval=0.1, timeout=10)
    retried = trigger_client.tasks.trigger("idem-fail", idempotency_key="k")
    assert retried.id != failed.id and not retried.is_cached  # a failed run frees its key


def test_list_filters_and_cursor_pages(trigger_client: trigger.Client) -> None:
    ids = [trigger_client.tasks.trigger("list-a", {"i": i}, delay="1h").id for i in range(5)]
    tagged = trigger_client.tasks.trigger("list-b", delay="1h", tags=["vip"]).id
    page = trigger_client.runs.list(task_identifier="list-a", limit=2)
    assert [r.id for r in page.data] == ids[::-1][:2]  # newest first
    assert [r.id for r in page] == ids[::-1]  # iterating walks every page
    second = page.get_next_page()
    assert [r.id for r in second.data] == ids[::-1][2:4]
    # As measured on the real server, a page fetched with page[before] comes oldest first
    # on the wire; the SDK puts it back in the list's order.
    back = second.get_previous_page()
    assert [r.id for r in back.data] == ids[::-1][:2]
    wire = httpx.get(
        f"{trigger_client.base_url}/api/v1/runs",
        params={
            "filter[taskIdentifier]": "list-a",
            "page[size]": "2",
            "page[before]": second.pagination.previous,
        },
        headers={"Authorization": f"Bearer {trigger_client._config.api_key}"},
    ).json()
    assert [r["id"] for r in wire["data"]] == ids[3:5]
    assert [r.id for r in trigger_client.runs.list(tag="vip")] == [tagged]
    assert [r.id for r in trigger_client.runs.list(status="DELAYED", task_identifier="list-b")] == [
        tagged
    ]
    assert list(trigger_client.runs.list(status="COMPLETED", task_identifier="list-a")) == []
    assert len(list(trigger_client.runs.list(task_identifier=["list-a", "list-b"]))) == 6
    early = datetime.now(timezone.utc) - timedelta(days=30)
    assert list(trigger_client.runs.list(to=early)) == []


def test_cancel_is_idempotent(trigger_client: trigger.Client) -> None:
    handle = trigger_client.tasks.trigger("to-cancel", delay="1h")
    assert trigger_client.runs.cancel(handle.id).id == handle.id
    assert trigger_client.runs.cancel(handle.id).id == handle.id
    run = trigger_client.runs.retrieve(handle.id)
    assert run.status == "CANCELED"
    assert (run.is_cancelled, run.is_completed, run.is_failed) == (True, True, True)
    assert run.finished_at is None  # canceled before it started, as measured
    assert run.error is not None and run.error.message == "Canceled by user"


def test_cancel_stops_an_executing_async_handler(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    stopped: list[bool] = []

    @trigger_emulator.task("slow")
    async def slow(payload: None) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            stopped.append(True)
            raise

    handle = trigger_client.tasks.trigger("slow")
    for _ in range(200):
        if trigger_client.runs.retrieve(handle.id).status == "EXECUTING":
            break
    trigger_client.runs.cancel(handle.id)
    run = trigger_client.runs.retrieve(handle.id)
    assert run.status == "CANCELED"
    assert run.finished_at is not None
    trigger_emulator.wait_for_run(handle.id)
    for _ in range(100):
        if stopped:
            break
        time.sleep(0.01)
    assert stopped == [True]


def test_reschedule_a_delayed_run(trigger_client: trigger.Client) -> None:
    handle = trigger_client.tasks.trigger("later", delay="1h")
    before = trigger_client.runs.retrieve(handle.id).delayed_until
    run = trigger_client.runs.reschedule(handle.id, delay="2h")
    assert run.id == handle.id
    assert run.delayed_until is not None and before is not None
    assert run.delayed_until - before >= timedelta(minutes=59)
    now = trigger_client.tasks.trigger("now")
    with pytest.raises(
        trigger.BadRequestError, match="Cannot reschedule a run that is not delayed"
    ):
        trigger_client.runs.reschedule(now.id, delay="1h")


def test_replay_makes_a_new_run(trigger_client: trigger.Client) -> None:
    original = trigger_client.tasks.trigger(
        "replayed", {"x": [1, 2]}, tags=["t1"], idempotency_key="once", delay="1h"
    )
    replay = trigger_client.runs.replay(original.id)
    assert replay.id != original.id
    run = trigger_client.runs.retrieve(replay.id)
    assert run.payload == {"x": [1, 2]}
    assert run.tags == ["t1"]
    assert run.idempotency_key is None  # not copied
    assert run.delayed_until is None  # not copied


def test_tags_and_metadata_endpoints(trigger_client: trigger.Client) -> None:
    handle = trigger_client.tasks.trigger("tagged", delay="1h", tags=["one"])
    assert trigger_client.runs.add_tags(handle.id, ["two", "one"]).message == (
        "Successfully set 1 new tags."
    )
    assert trigger_client.runs.add_tags(handle.id, "two").message == "No new tags to add"
    with pytest.raises(trigger.UnprocessableEntityError, match="Runs can only have 10 tags"):
        trigger_client.runs.add_tags(handle.id, [f"t{i}" for i in range(9)])
    assert trigger_client.runs.update_metadata(handle.id, metadata={"a": 1}).metadata == {"a": 1}
    # With operations the real server ignores `metadata` (see test_run_metadata_rules.py).
    updated = trigger_client.runs.update_metadata(
        handle.id, metadata={"a": 9}, operations=[{"type": "increment", "key": "a", "value": 4}]
    )
    assert updated.metadata == {"a": 5}
    snapshot = trigger_client.runs.retrieve_metadata(handle.id)
    assert snapshot.metadata == '{"a":5}'
    assert snapshot.metadata_type == "application/json"
    assert trigger_client.runs.retrieve(handle.id).metadata == {"a": 5}


def test_result_exists_only_for_canceled_runs(trigger_client: trigger.Client) -> None:
    handle = trigger_client.tasks.trigger("result-task", delay="1h")
    trigger_client.runs.cancel(handle.id)
    result = trigger_client.runs.result(handle.id)
    assert result is not None
    assert result.ok is False
    assert result.error is not None and result.error.code == "TASK_RUN_CANCELLED"


def test_code_under_test_reaches_the_emulator_through_the_environment(
    trigger_emulator: Emulator,
) -> None:
    with trigger.Client() as client:  # TRIGGER_API_URL and TRIGGER_SECRET_KEY are set
        handle = client.tasks.trigger("from-env", {"ok": True})
    assert trigger_emulator.wait_for_run(handle.id)["status"] == "COMPLETED"


def test_environments_are_separate(trigger_emulator: Emulator) -> None:
    with trigger_emulator.client("prod") as prod, trigger_emulator.client("dev") as dev:
        handle = prod.tasks.trigger("prod-task", delay="1h")
        assert prod.runs.retrieve(handle.id).ttl is None  # no default TTL outside dev
        with pytest.raises(trigger.NotFoundError):
            dev.with_options(retry=trigger.RetryOptions(max_attempts=1)).runs.retrieve(handle.id)


def test_raw_answers_carry_the_jwt_headers(trigger_emulator: Emulator) -> None:
    response = httpx.post(
        f"{trigger_emulator.url}/api/v1/tasks/raw/trigger",
        json={"payload": {"a": 1}, "options": {"delay": "1h"}},
        headers={"authorization": f"Bearer {trigger_emulator.secret_key}"},
    )
    assert response.status_code == 200
    run_id = response.json()["id"]
    assert response.json() == {"id": run_id, "isCached": False}
    claims = response.headers["x-trigger-jwt-claims"]
    env_id = trigger_emulator.environment_ids["dev"]
    scopes = f'["read:runs:{run_id}","write:inputStreams:{run_id}"]'
    assert claims == f'{{"sub":"{env_id}","pub":true,"scopes":{scopes}}}'
    assert response.headers["x-trigger-jwt"].count(".") == 2


def test_a_sync_handler_sees_its_run_canceled(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    started, saw_cancel = threading.Event(), threading.Event()

    @trigger_emulator.task("long-job")
    def long_job(payload: object, ctx: TaskContext) -> None:
        started.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if ctx.is_canceled:
                saw_cancel.set()
                return
            time.sleep(0.01)

    handle = trigger_client.tasks.trigger("long-job")
    assert started.wait(5)
    trigger_client.runs.cancel(handle.id)
    assert saw_cancel.wait(5)
    assert trigger_client.runs.retrieve(handle.id).status == "CANCELED"
