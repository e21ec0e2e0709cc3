"""Every operation of tests/operations, called for real through the SDK against the emulator.

Each operation has a scenario: its own setup (a run to act on, a schedule, a token...), one
call of the SDK method under test, and assertions on what came back. A scenario is written
once, as a generator that yields SDK calls (``lambda c: c.runs.retrieve(run_id)``); a driver
makes each call with a `trigger.Client`, another with a `trigger.AsyncClient` (on asyncio and
on trio), and sends the result back into the scenario. After it, the emulator's request log
must hold an answered (< 400) request of that operation.

`test_every_operation_has_a_scenario` fails when an operation of tests/operations has no
scenario: the emulator serves every one.
"""

from __future__ import annotations

import inspect
import re
import time
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import trigger
from tests.operations import EXPECTED
from trigger.emulator import Emulator, RetryPolicy

Call = Callable[[Any], Any]
"""An SDK call: takes a client (sync or async) and returns its result (maybe awaitable)."""


@dataclass(frozen=True)
class As:
    """Make ``call`` with a copy of the client that uses ``key`` (a PAT, another env's key)."""

    key: str
    call: Call


Step = Call | As
Scenario = Generator[Step, Any, Any]
ScenarioFn = Callable[[Emulator], Scenario]

SCENARIOS: dict[tuple[str, str], ScenarioFn] = {}


POLL = {"interval": 0.1, "timeout": 15}


def scenario(method: str, path: str) -> Callable[[ScenarioFn], ScenarioFn]:
    """Register the decorated generator as the scenario of ``(method, path)``."""

    def register(fn: ScenarioFn) -> ScenarioFn:
        assert (method, path) not in SCENARIOS, f"two scenarios for {method} {path}"
        SCENARIOS[(method, path)] = fn
        return fn

    return register


def _hello(emulator: Emulator) -> None:
    emulator.register("hello", lambda payload: {"greeting": "hi", "echo": payload})


def _unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


# -- tasks, idempotency keys, packets ------------------------------------------------------


@scenario("POST", "/api/v1/tasks/{taskIdentifier}/trigger")
def _trigger(emulator: Emulator) -> Scenario:
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello", {"n": 1}, tags=["every-op"])
    assert handle.id.startswith("run_") and handle.is_cached is False
    run = yield lambda c: c.runs.poll(handle.id, **POLL)
    assert (run.status, run.output, run.tags) == (
        "COMPLETED",
        {"greeting": "hi", "echo": {"n": 1}},
        ["every-op"],
    )


@scenario("POST", "/api/v1/idempotencyKeys/{idempotencyKey}/reset")
def _reset_key(emulator: Emulator) -> Scenario:
    _hello(emulator)
    key = _unique("order")
    first = yield lambda c: c.tasks.trigger("hello", 1, idempotency_key=key)
    again = yield lambda c: c.tasks.trigger("hello", 2, idempotency_key=key)
    assert (again.id, again.is_cached) == (first.id, True)
    reset = yield lambda c: c.idempotency_keys.reset("hello", key)
    assert reset.id
    fresh = yield lambda c: c.tasks.trigger("hello", 3, idempotency_key=key)
    assert fresh.id != first.id and fresh.is_cached is False


def _upload(emulator: Emulator, filename: str, content: bytes) -> Scenario:
    upload = yield lambda c: c.packets.create_upload_url(filename)
    assert upload.presigned_url.startswith(emulator.url)
    put = httpx.put(
        upload.presigned_url, content=content, headers={"content-type": "application/json"}
    )
    assert put.status_code < 300, put.text


@scenario("PUT", "/api/v2/packets/{filename}")
def _packet_upload(emulator: Emulator) -> Scenario:
    filename = f"{_unique('payload')}.json"
    yield from _upload(emulator, filename, b'{"big":true}')
    download = yield lambda c: c.packets.retrieve_download_url(filename)
    assert httpx.get(download.presigned_url).content == b'{"big":true}'


@scenario("GET", "/api/v1/packets/{filename}")
def _packet_download(emulator: Emulator) -> Scenario:
    filename = f"{_unique('output')}.json"
    yield from _upload(emulator, filename, b'{"value":42}')
    download = yield lambda c: c.packets.retrieve_download_url(filename)
    value = yield lambda c: c.packets.download_value(download.presigned_url)
    assert value == {"value": 42}


# -- batches -------------------------------------------------------------------------------

ITEMS = [{"task": "hello", "payload": {"i": 0}}, {"task": "hello", "payload": {"i": 1}}]


def _poll(run_id: str) -> Call:
    return lambda c: c.runs.poll(run_id, **POLL)


def _retrieve(run_id: str) -> Call:
    return lambda c: c.runs.retrieve(run_id)


def _outputs(run_ids: list[str]) -> Scenario:
    outputs = []
    for run_id in run_ids:
        run = yield _poll(run_id)
        outputs.append(run.output)
    assert outputs == [{"greeting": "hi", "echo": item["payload"]} for item in ITEMS]


@scenario("POST", "/api/v1/tasks/{taskIdentifier}/batch")
def _task_batch_v1(emulator: Emulator) -> Scenario:
    _hello(emulator)
    result = yield lambda c: c.batch.trigger_task_v1(
        "hello", [{"payload": {"i": 0}}, {"payload": {"i": 1}}]
    )
    assert result.batch_id.startswith("batch_") and len(result.runs) == 2
    yield from _outputs(result.runs)


@scenario("POST", "/api/v1/tasks/batch")
def _batch_v1(emulator: Emulator) -> Scenario:
    _hello(emulator)
    result = yield lambda c: c.batch.trigger_v1(ITEMS)
    assert result.id.startswith("batch_")
    assert [run.task_identifier for run in result.runs] == ["hello", "hello"]
    yield from _outputs([run.id for run in result.runs])


@scenario("POST", "/api/v2/tasks/batch")
def _batch_v2(emulator: Emulator) -> Scenario:
    _hello(emulator)
    result = yield lambda c: c.batch.trigger_v2(ITEMS)
    assert result.id.startswith("batch_") and result.run_count == 2
    batch = yield lambda c: c.batch.retrieve(result.id)
    assert batch.run_count == 2


@scenario("POST", "/api/v3/batches")
def _batch_create(emulator: Emulator) -> Scenario:
    created = yield lambda c: c.batch.create(2)
    assert created.id.startswith("batch_") and created.run_count == 2
    assert created.is_cached is False
    batch = yield lambda c: c.batch.retrieve(created.id)
    assert batch.id == created.id and batch.run_count == 2


@scenario("POST", "/api/v3/batches/{batchId}/items")
def _batch_trigger(emulator: Emulator) -> Scenario:
    _hello(emulator)
    result = yield lambda c: c.batch.trigger(ITEMS)
    assert result.id.startswith("batch_") and result.run_count == 2
    run_ids = yield from _batch_runs(result.id)
    yield from _outputs(run_ids)


def _batch_runs(batch_id: str) -> Scenario:
    # The runs of a streamed batch are made once it is sealed, a moment after the answer.
    deadline = time.monotonic() + 15
    while True:
        batch = yield lambda c: c.batch.retrieve(batch_id)
        if len(batch.runs) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(batch.runs) == 2
    return list(batch.runs)


def _completed_batch(emulator: Emulator) -> Scenario:
    _hello(emulator)
    result = yield lambda c: c.batch.trigger(ITEMS)
    run_ids = yield from _batch_runs(result.id)
    for run_id in run_ids:
        emulator.wait_for_run(run_id)
    return result.id


@scenario("GET", "/api/v2/batches/{batchId}")
def _batch_retrieve(emulator: Emulator) -> Scenario:
    batch_id = yield from _completed_batch(emulator)
    batch = yield lambda c: c.batch.retrieve(batch_id)
    assert (batch.id, batch.run_count) == (batch_id, 2)
    assert batch.status in ("PENDING", "PROCESSING", "COMPLETED")


@scenario("GET", "/api/v1/batches/{batchId}")
def _batch_retrieve_v1(emulator: Emulator) -> Scenario:
    batch_id = yield from _completed_batch(emulator)
    batch = yield lambda c: c.batch.retrieve_v1(batch_id)
    assert (batch.id, batch.run_count) == (batch_id, 2)


@scenario("GET", "/api/v1/batches/{batchId}/results")
def _batch_results(emulator: Emulator) -> Scenario:
    batch_id = yield from _completed_batch(emulator)
    results = yield lambda c: c.batch.results(batch_id)
    assert results.id == batch_id
    assert [item.ok for item in results.items] == [True, True]


# -- runs ----------------------------------------------------------------------------------


def _finished_run(emulator: Emulator, payload: Any = None) -> Scenario:
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello", payload)
    run = yield lambda c: c.runs.poll(handle.id, **POLL)
    assert run.status == "COMPLETED"
    return str(handle.id)


@scenario("GET", "/api/v1/runs")
def _runs_list(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    page = yield lambda c: c.runs.list(limit=5, task_identifier="hello")
    assert [run.id for run in page.data] == [run_id]


@scenario("GET", "/api/v1/projects/{projectRef}/runs")
def _project_runs_list(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    ref = emulator.project_ref
    page = yield As(
        emulator.personal_access_token, lambda c: c.runs.list(project_ref=ref, env="dev")
    )
    assert run_id in [run.id for run in page.data]


@scenario("GET", "/api/v3/runs/{runId}")
def _run_retrieve(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator, {"x": 1})
    run = yield lambda c: c.runs.retrieve(run_id)
    assert (run.id, run.payload, run.output) == (
        run_id,
        {"x": 1},
        {"greeting": "hi", "echo": {"x": 1}},
    )


@scenario("POST", "/api/v1/runs/{runId}/replay")
def _run_replay(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator, {"x": 1})
    replayed = yield lambda c: c.runs.replay(run_id)
    assert replayed.id != run_id
    run = yield lambda c: c.runs.poll(replayed.id, **POLL)
    assert run.output == {"greeting": "hi", "echo": {"x": 1}}


@scenario("POST", "/api/v2/runs/{runId}/cancel")
def _run_cancel(emulator: Emulator) -> Scenario:
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello", delay="1h")
    canceled = yield lambda c: c.runs.cancel(handle.id)
    assert canceled.id == handle.id
    run = yield lambda c: c.runs.retrieve(handle.id)
    assert run.status == "CANCELED"


@scenario("POST", "/api/v1/runs/{runId}/reschedule")
def _run_reschedule(emulator: Emulator) -> Scenario:
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello", delay="1h")
    before = yield lambda c: c.runs.retrieve(handle.id)
    run = yield lambda c: c.runs.reschedule(handle.id, delay="2h")
    assert run.id == handle.id and run.status == "DELAYED"
    assert run.delayed_until is not None and before.delayed_until is not None
    assert run.delayed_until > before.delayed_until


@scenario("PUT", "/api/v1/runs/{runId}/metadata")
def _run_update_metadata(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    updated = yield lambda c: c.runs.update_metadata(run_id, metadata={"step": 1})
    assert updated.metadata == {"step": 1}
    run = yield lambda c: c.runs.retrieve(run_id)
    assert run.metadata == {"step": 1}


@scenario("GET", "/api/v1/runs/{runId}/metadata")
def _run_retrieve_metadata(emulator: Emulator) -> Scenario:
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello", metadata={"seed": True})
    snapshot = yield lambda c: c.runs.retrieve_metadata(handle.id)
    assert snapshot.metadata_type == "application/json"
    assert snapshot.metadata is not None and '"seed":true' in snapshot.metadata.replace(" ", "")


@scenario("POST", "/api/v1/runs/{runId}/tags")
def _run_add_tags(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    answer = yield lambda c: c.runs.add_tags(run_id, ["added"])
    assert answer.message
    run = yield lambda c: c.runs.retrieve(run_id)
    assert run.tags == ["added"]


@scenario("GET", "/api/v1/runs/{runId}/events")
def _run_events(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    events = yield lambda c: c.runs.events(run_id)
    assert events.events, "a finished run has events"


@scenario("GET", "/api/v1/runs/{runId}/trace")
def _run_trace(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    trace = yield lambda c: c.runs.trace(run_id)
    assert trace.trace.trace_id and trace.trace.root_span.run_id == run_id


@scenario("GET", "/api/v1/runs/{runId}/spans/{spanId}")
def _run_span(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    trace = yield lambda c: c.runs.trace(run_id)
    span_id = trace.trace.root_span.id
    span = yield lambda c: c.runs.retrieve_span(run_id, span_id)
    assert (span.span_id, span.run_id) == (span_id, run_id)


@scenario("GET", "/api/v1/runs/{runId}/result")
def _run_result(emulator: Emulator) -> Scenario:
    # The server answers this legacy route for canceled runs only (SERVER.md: a v2-engine
    # run that completed has no attempt rows, so 404; the SDK then builds the result).
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello", delay="1h")
    yield lambda c: c.runs.cancel(handle.id)
    result = yield lambda c: c.runs.result(handle.id)
    assert result is not None and (result.id, result.ok) == (handle.id, False)
    assert result.error is not None


# -- bulk actions --------------------------------------------------------------------------


def _delayed_runs(emulator: Emulator, count: int = 2) -> Scenario:
    _hello(emulator)
    ids = []
    for _ in range(count):
        handle = yield lambda c: c.tasks.trigger("hello", delay="1h")
        ids.append(handle.id)
    return ids


@scenario("POST", "/api/v1/bulk-actions")
def _bulk_create(emulator: Emulator) -> Scenario:
    ids = yield from _delayed_runs(emulator)
    created = yield lambda c: c.runs.bulk.cancel(run_ids=ids)
    assert created.id.startswith("bulk_")
    done = yield lambda c: c.runs.bulk.poll(created.id, **POLL)
    assert done.status == "COMPLETED" and done.counts.total == 2
    for run_id in ids:
        run = yield _retrieve(run_id)
        assert run.status == "CANCELED"


@scenario("GET", "/api/v1/bulk-actions")
def _bulk_list(emulator: Emulator) -> Scenario:
    ids = yield from _delayed_runs(emulator)
    created = yield lambda c: c.runs.bulk.cancel(run_ids=ids, name="every-op")
    page = yield lambda c: c.runs.bulk.list(limit=20)
    assert [action.id for action in page.data] == [created.id]


@scenario("GET", "/api/v1/bulk-actions/{bulkActionId}")
def _bulk_retrieve(emulator: Emulator) -> Scenario:
    ids = yield from _delayed_runs(emulator)
    created = yield lambda c: c.runs.bulk.cancel(run_ids=ids, name="every-op")
    action = yield lambda c: c.runs.bulk.retrieve(created.id)
    assert (action.id, action.type, action.name) == (created.id, "CANCEL", "every-op")


@scenario("POST", "/api/v1/bulk-actions/{bulkActionId}/abort")
def _bulk_abort(emulator: Emulator) -> Scenario:
    _hello(emulator)
    # 250 runs: the action works in chunks of 100, 200 ms apart, so it is still going when
    # the abort arrives (an action already done answers 409).
    body = {"items": [{"task": "hello", "options": {"delay": "1h"}}] * 250}
    headers = {"authorization": f"Bearer {emulator.secret_key}"}
    setup = httpx.post(f"{emulator.url}/api/v1/tasks/batch", json=body, headers=headers)
    assert setup.status_code == 202, setup.text
    created = yield lambda c: c.runs.bulk.cancel(filter={"task_identifier": "hello"})
    aborted = yield lambda c: c.runs.bulk.abort(created.id)
    assert aborted.id == created.id
    action = yield lambda c: c.runs.bulk.retrieve(created.id)
    assert action.status == "ABORTED" and action.counts.success < 250


# -- error groups --------------------------------------------------------------------------


def _error_group(emulator: Emulator) -> Scenario:
    def charge(payload: Any) -> None:
        raise ValueError("card declined")

    emulator.register("charge", charge, retry=RetryPolicy(max_attempts=1))
    handle = yield lambda c: c.tasks.trigger("charge", {})
    emulator.wait_for_run(handle.id)
    page = yield lambda c: c.errors.list(task_identifier="charge")
    assert len(page.data) == 1
    return str(page.data[0].id)


@scenario("GET", "/api/v1/errors")
def _errors_list(emulator: Emulator) -> Scenario:
    error_id = yield from _error_group(emulator)
    page = yield lambda c: c.errors.list(status="unresolved")
    assert [(g.id, g.error_message) for g in page.data] == [(error_id, "card declined")]


@scenario("GET", "/api/v1/errors/{errorId}")
def _errors_retrieve(emulator: Emulator) -> Scenario:
    error_id = yield from _error_group(emulator)
    group = yield lambda c: c.errors.retrieve(error_id)
    assert (group.id, group.task_identifier, group.count) == (error_id, "charge", 1)


@scenario("POST", "/api/v1/errors/{errorId}/resolve")
def _errors_resolve(emulator: Emulator) -> Scenario:
    error_id = yield from _error_group(emulator)
    group = yield lambda c: c.errors.resolve(error_id, resolved_in_version="20990101.1")
    assert (group.status, group.resolved_in_version) == ("resolved", "20990101.1")


@scenario("POST", "/api/v1/errors/{errorId}/ignore")
def _errors_ignore(emulator: Emulator) -> Scenario:
    error_id = yield from _error_group(emulator)
    group = yield lambda c: c.errors.ignore(error_id, duration=86_400_000, reason="known")
    assert (group.status, group.ignored_reason) == ("ignored", "known")


@scenario("POST", "/api/v1/errors/{errorId}/unresolve")
def _errors_unresolve(emulator: Emulator) -> Scenario:
    error_id = yield from _error_group(emulator)
    yield lambda c: c.errors.resolve(error_id)
    group = yield lambda c: c.errors.unresolve(error_id)
    assert group.status == "unresolved"


# -- queues and named concurrency limits ---------------------------------------------------


def _queued_task(emulator: Emulator) -> Scenario:
    _hello(emulator)
    emulator.register("limited", lambda payload: None, concurrency_limit=4)
    handle = yield lambda c: c.tasks.trigger("limited")
    emulator.wait_for_run(handle.id)


@scenario("GET", "/api/v1/queues")
def _queues_list(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    page = yield lambda c: c.queues.list(per_page=10)
    assert "limited" in [queue.name for queue in page.data]


@scenario("GET", "/api/v1/queues/{queueParam}")
def _queues_retrieve(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    queue = yield lambda c: c.queues.retrieve({"type": "task", "name": "limited"})
    assert (queue.name, queue.type, queue.concurrency_limit) == ("limited", "task", 4)


@scenario("POST", "/api/v1/queues/{queueParam}/pause")
def _queues_pause(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    paused = yield lambda c: c.queues.pause({"type": "task", "name": "limited"})
    assert paused.paused is True
    resumed = yield lambda c: c.queues.resume({"type": "task", "name": "limited"})
    assert resumed.paused is False


@scenario("POST", "/api/v1/queues/{queueParam}/concurrency/override")
def _queues_override(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    queue = yield lambda c: c.queues.override_concurrency_limit("limited", 2, type="task")
    assert (queue.concurrency_limit, queue.concurrency.base, queue.concurrency.override) == (
        2,
        4,
        2,
    )


@scenario("POST", "/api/v1/queues/{queueParam}/concurrency/reset")
def _queues_reset(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    yield lambda c: c.queues.override_concurrency_limit("limited", 2, type="task")
    queue = yield lambda c: c.queues.reset_concurrency_limit("limited", type="task")
    assert (queue.concurrency_limit, queue.concurrency.override) == (4, None)


@scenario("GET", "/api/v1/concurrency-limits")
def _limits_list(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    page = yield lambda c: c.concurrency_limits.list(per_page=20)
    assert [(limit.name, limit.total.current) for limit in page.data] == [("task/limited", 4)]


@scenario("GET", "/api/v1/concurrency-limits/{name}")
def _limits_retrieve(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    limit = yield lambda c: c.concurrency_limits.retrieve("task/limited")
    assert (limit.name, limit.total.base, limit.paused) == ("task/limited", 4, False)


@scenario("POST", "/api/v1/concurrency-limits/{name}/override")
def _limits_override(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    limit = yield lambda c: c.concurrency_limits.override("task/limited", total=9)
    assert (limit.total.current, limit.total.base, limit.total.override) == (9, 4, 9)


@scenario("POST", "/api/v1/concurrency-limits/{name}/pause")
def _limits_pause(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    limit = yield lambda c: c.concurrency_limits.pause("task/limited")
    assert limit.paused is True


@scenario("POST", "/api/v1/concurrency-limits/{name}/reset")
def _limits_reset(emulator: Emulator) -> Scenario:
    yield from _queued_task(emulator)
    yield lambda c: c.concurrency_limits.override("task/limited", total=9)
    limit = yield lambda c: c.concurrency_limits.reset("task/limited")
    assert (limit.total.current, limit.total.override) == (4, None)


# -- schedules -----------------------------------------------------------------------------


def _schedule(emulator: Emulator) -> Scenario:
    emulator.register("hourly", lambda payload: None, scheduled=True)
    key = _unique("dedup")
    created = yield lambda c: c.schedules.create(
        task="hourly", cron="0 * * * *", deduplication_key=key, external_id="user-1"
    )
    return created


@scenario("POST", "/api/v1/schedules")
def _schedules_create(emulator: Emulator) -> Scenario:
    created = yield from _schedule(emulator)
    assert created.id.startswith("sched_")
    assert (created.task, created.active, created.generator.expression) == (
        "hourly",
        True,
        "0 * * * *",
    )
    assert created.next_run is not None


@scenario("GET", "/api/v1/schedules")
def _schedules_list(emulator: Emulator) -> Scenario:
    created = yield from _schedule(emulator)
    page = yield lambda c: c.schedules.list(per_page=10)
    assert [schedule.id for schedule in page.data] == [created.id]


@scenario("GET", "/api/v1/schedules/{scheduleId}")
def _schedules_retrieve(emulator: Emulator) -> Scenario:
    created = yield from _schedule(emulator)
    schedule = yield lambda c: c.schedules.retrieve(created.id)
    assert (schedule.id, schedule.external_id) == (created.id, "user-1")


@scenario("PUT", "/api/v1/schedules/{scheduleId}")
def _schedules_update(emulator: Emulator) -> Scenario:
    created = yield from _schedule(emulator)
    updated = yield lambda c: c.schedules.update(
        created.id, task="hourly", cron="30 2 * * *", timezone="Europe/Paris"
    )
    assert (updated.id, updated.generator.expression, updated.timezone) == (
        created.id,
        "30 2 * * *",
        "Europe/Paris",
    )


@scenario("DELETE", "/api/v1/schedules/{scheduleId}")
def _schedules_delete(emulator: Emulator) -> Scenario:
    created = yield from _schedule(emulator)
    deleted = yield lambda c: c.schedules.delete(created.id)
    assert deleted.id == created.id
    page = yield lambda c: c.schedules.list()
    assert page.data == []


@scenario("POST", "/api/v1/schedules/{scheduleId}/deactivate")
def _schedules_deactivate(emulator: Emulator) -> Scenario:
    created = yield from _schedule(emulator)
    schedule = yield lambda c: c.schedules.deactivate(created.id)
    assert (schedule.id, schedule.active) == (created.id, False)


@scenario("POST", "/api/v1/schedules/{scheduleId}/activate")
def _schedules_activate(emulator: Emulator) -> Scenario:
    created = yield from _schedule(emulator)
    yield lambda c: c.schedules.deactivate(created.id)
    schedule = yield lambda c: c.schedules.activate(created.id)
    assert (schedule.id, schedule.active) == (created.id, True)


@scenario("GET", "/api/v1/timezones")
def _timezones(emulator: Emulator) -> Scenario:
    zones = yield lambda c: c.schedules.timezones()
    assert "UTC" in zones.timezones and "Europe/Paris" in zones.timezones


# -- environment variables -----------------------------------------------------------------


def _envvar(emulator: Emulator, name: str, value: str) -> Scenario:
    ref = emulator.project_ref
    created = yield lambda c: c.envvars.create(ref, "dev", name=name, value=value)
    assert created.success is True
    return ref


@scenario("GET", "/api/v1/projects/{projectRef}/envvars/{env}")
def _envvars_list(emulator: Emulator) -> Scenario:
    ref = yield from _envvar(emulator, "LISTED", "1")
    listed = yield lambda c: c.envvars.list(ref, "dev")
    assert [(v.name, v.value) for v in listed] == [("LISTED", "1")]


@scenario("POST", "/api/v1/projects/{projectRef}/envvars/{env}/import")
def _envvars_upload(emulator: Emulator) -> Scenario:
    ref = emulator.project_ref
    uploaded = yield lambda c: c.envvars.upload(ref, "dev", variables={"A": "1", "B": "2"})
    assert uploaded.success is True
    listed = yield lambda c: c.envvars.list(ref, "dev")
    assert sorted((v.name, v.value) for v in listed) == [("A", "1"), ("B", "2")]


@scenario("POST", "/api/v1/projects/{projectRef}/envvars/{env}")
def _envvars_create(emulator: Emulator) -> Scenario:
    ref = yield from _envvar(emulator, "CREATED", "yes")
    value = yield lambda c: c.envvars.retrieve(ref, "dev", "CREATED")
    assert value.value == "yes"


@scenario("GET", "/api/v1/projects/{projectRef}/envvars/{env}/{name}")
def _envvars_retrieve(emulator: Emulator) -> Scenario:
    ref = yield from _envvar(emulator, "SLACK_API_KEY", "slack_123")
    value = yield As(
        emulator.personal_access_token, lambda c: c.envvars.retrieve(ref, "dev", "SLACK_API_KEY")
    )
    assert (value.name, value.value) == ("SLACK_API_KEY", "slack_123")


@scenario("PUT", "/api/v1/projects/{projectRef}/envvars/{env}/{name}")
def _envvars_update(emulator: Emulator) -> Scenario:
    ref = yield from _envvar(emulator, "CHANGED", "1")
    updated = yield lambda c: c.envvars.update(ref, "dev", "CHANGED", value="2")
    assert updated.success is True
    value = yield lambda c: c.envvars.retrieve(ref, "dev", "CHANGED")
    assert value.value == "2"


@scenario("DELETE", "/api/v1/projects/{projectRef}/envvars/{env}/{name}")
def _envvars_delete(emulator: Emulator) -> Scenario:
    ref = yield from _envvar(emulator, "GONE", "1")
    deleted = yield lambda c: c.envvars.delete(ref, "dev", "GONE")
    assert deleted.success is True
    listed = yield lambda c: c.envvars.list(ref, "dev")
    assert listed == []


# -- deployments ---------------------------------------------------------------------------


def _deploy(emulator: Emulator, version: str) -> dict[str, Any]:
    response = httpx.post(
        f"{emulator.url}/_emulator/deployments", json={"version": version}, timeout=10
    )
    assert response.status_code == 201, response.text
    deployed: dict[str, Any] = response.json()
    return deployed


@scenario("GET", "/api/v1/deployments")
def _deployments_list(emulator: Emulator) -> Scenario:
    page = yield lambda c: c.deployments.list(limit=5)
    assert [d.status for d in page.data] == ["DEPLOYED"]


@scenario("GET", "/api/v1/deployments/current")
def _deployments_current(emulator: Emulator) -> Scenario:
    current = yield lambda c: c.deployments.retrieve_current()
    assert current.status == "DEPLOYED" and current.version


@scenario("GET", "/api/v1/deployments/{deploymentId}")
def _deployments_retrieve(emulator: Emulator) -> Scenario:
    deployed = _deploy(emulator, "20990101.1")
    detail = yield lambda c: c.deployments.retrieve(deployed["id"])
    assert (detail.id, detail.version, detail.status) == (deployed["id"], "20990101.1", "DEPLOYED")


@scenario("GET", "/api/v1/deployments/latest")
def _deployments_latest(emulator: Emulator) -> Scenario:
    deployed = _deploy(emulator, "20990101.1")
    latest = yield lambda c: c.deployments.retrieve_latest()
    assert (latest.id, latest.version) == (deployed["id"], "20990101.1")


@scenario("POST", "/api/v1/deployments/{version}/promote")
def _deployments_promote(emulator: Emulator) -> Scenario:
    deployed = _deploy(emulator, "20990101.1")
    promoted = yield lambda c: c.deployments.promote("20990101.1")
    assert (promoted.id, promoted.version) == (deployed["id"], "20990101.1")
    current = yield lambda c: c.deployments.retrieve_current()
    assert current.id == deployed["id"]


# -- waitpoint tokens ----------------------------------------------------------------------


@scenario("POST", "/api/v1/waitpoints/tokens")
def _tokens_create(emulator: Emulator) -> Scenario:
    created = yield lambda c: c.wait.create_token(timeout="1h", tags=["approval"])
    assert created.id.startswith("waitpoint_") and created.is_cached is False
    assert created.url.startswith(emulator.url)


@scenario("GET", "/api/v1/waitpoints/tokens")
def _tokens_list(emulator: Emulator) -> Scenario:
    created = yield lambda c: c.wait.create_token(tags=["approval"])
    page = yield lambda c: c.wait.list_tokens(status="WAITING")
    assert [token.id for token in page.data] == [created.id]


@scenario("GET", "/api/v1/waitpoints/tokens/{waitpointId}")
def _tokens_retrieve(emulator: Emulator) -> Scenario:
    created = yield lambda c: c.wait.create_token(tags=["approval"])
    token = yield lambda c: c.wait.retrieve_token(created.id)
    assert (token.id, token.status, token.tags) == (created.id, "WAITING", ["approval"])


@scenario("POST", "/api/v1/waitpoints/tokens/{waitpointId}/complete")
def _tokens_complete(emulator: Emulator) -> Scenario:
    created = yield lambda c: c.wait.create_token()
    completion = yield lambda c: c.wait.complete_token(created.id, {"approved": True})
    assert completion.success is True
    token = yield lambda c: c.wait.retrieve_token(created.id)
    assert token.status == "COMPLETED"
    assert token.output is not None and '"approved":true' in token.output


@scenario("POST", "/api/v1/waitpoints/tokens/{waitpointId}/callback/{callbackHash}")
def _tokens_callback(emulator: Emulator) -> Scenario:
    created = yield lambda c: c.wait.create_token()
    completion = yield lambda c: c.wait.complete_token_via_callback(created, {"status": "ok"})
    assert completion.success is True
    token = yield lambda c: c.wait.retrieve_token(created.id)
    assert token.status == "COMPLETED"
    assert token.output is not None and '"status":"ok"' in token.output


# -- sessions ------------------------------------------------------------------------------


def _session(emulator: Emulator) -> Scenario:
    _hello(emulator)
    created = yield lambda c: c.sessions.create(
        type="chat.agent",
        task_identifier="hello",
        trigger_config={"base_payload": {"chat": 1}},
        external_id=_unique("chat"),
        tags=["chat"],
    )
    return created


@scenario("POST", "/api/v1/sessions")
def _sessions_create(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    assert created.id.startswith("session_") and created.is_cached is False
    assert created.run_id.startswith("run_") and created.public_access_token
    run = yield lambda c: c.runs.retrieve(created.run_id)
    assert run.task_identifier == "hello"


@scenario("GET", "/api/v1/sessions")
def _sessions_list(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    page = yield lambda c: c.sessions.list(status="ACTIVE")
    assert [session.id for session in page.data] == [created.id]


@scenario("GET", "/api/v1/sessions/{session}")
def _sessions_retrieve(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    session = yield lambda c: c.sessions.retrieve(created.id)
    assert (session.id, session.external_id, session.tags) == (
        created.id,
        created.external_id,
        ["chat"],
    )


@scenario("PATCH", "/api/v1/sessions/{session}")
def _sessions_update(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    session = yield lambda c: c.sessions.update(created.id, tags=["a", "b"], metadata={"k": 1})
    assert (session.tags, session.metadata) == (["a", "b"], {"k": 1})


@scenario("POST", "/api/v1/sessions/{session}/close")
def _sessions_close(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    session = yield lambda c: c.sessions.close(created.id, reason="done")
    assert session.closed_at is not None and session.closed_reason == "done"


@scenario("POST", "/realtime/v1/sessions/{session}/{io}/append")
def _sessions_append(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    appended = yield lambda c: c.sessions.append(created.id, "in", {"text": "hi"})
    assert appended.ok is True


@scenario("GET", "/realtime/v1/sessions/{session}/{io}/records")
def _sessions_records(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    yield lambda c: c.sessions.append(created.id, "out", "hello", part_id="p-1")
    records = yield lambda c: c.sessions.records(created.id, "out")
    assert [(r.data, r.id, r.seq_num) for r in records.records] == [("hello", "p-1", 0)]


@scenario("GET", "/realtime/v1/sessions/{session}/{io}")
def _sessions_subscribe(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    yield lambda c: c.sessions.append(created.id, "out", "hello", part_id="p-1")
    events = yield lambda c: c.sessions.subscribe(created.id, "out", timeout_seconds=1)
    assert [event.event for event in events] == ["batch", "message"]
    records = events[0].json()["records"]
    assert [(r["seq_num"], r["body"]) for r in records] == [(0, '{"data":"hello","id":"p-1"}')]
    assert events[-1].data == "[DONE]"


# -- realtime run streams --------------------------------------------------------------------


def _chunks(stream: Any) -> Any:
    """A sync read drained here; an async one handed back (the driver drains it)."""
    return list(stream) if hasattr(stream, "__iter__") else stream


def _waiting_run() -> Call:
    # Delayed, so not completed: its streams take writes.
    return lambda c: c.tasks.trigger("hello", {"n": 1}, delay="1h")


@scenario("GET", "/realtime/v1/streams/{runId}/{streamKey}")
def _stream_read(emulator: Emulator) -> Scenario:
    emulator.register(
        "stream-notes", lambda payload, ctx: ctx.stream("notes").pipe(["a", {"n": 2}])
    )
    handle = yield lambda c: c.tasks.trigger("stream-notes", {})
    yield lambda c: c.runs.poll(handle.id, **POLL)
    chunks = yield lambda c: _chunks(c.streams.read(handle.id, "notes", timeout_seconds=1))
    assert chunks == ["a", {"n": 2}]


@scenario("PUT", "/realtime/v1/streams/{runId}/{target}/{streamKey}")
def _stream_create(emulator: Emulator) -> Scenario:
    run = yield _waiting_run()
    created = yield lambda c: c.streams.create(run.id, "notes")
    assert created.version == "v1"


@scenario("POST", "/realtime/v1/streams/{runId}/{target}/{streamKey}/append")
def _stream_append(emulator: Emulator) -> Scenario:
    run = yield _waiting_run()
    yield lambda c: c.streams.append(run.id, "notes", "reviewed")
    chunks = yield lambda c: _chunks(c.runs.stream(run.id, "notes", timeout_seconds=1))
    assert chunks == ["reviewed"]


@scenario("POST", "/realtime/v1/streams/{runId}/input/{streamId}")
def _stream_send_input(emulator: Emulator) -> Scenario:
    run = yield _waiting_run()
    sent = yield lambda c: c.streams.send_input(run.id, "approval", {"approved": True})
    assert sent is None


# -- query ---------------------------------------------------------------------------------


@scenario("POST", "/api/v1/query")
def _query_execute(emulator: Emulator) -> Scenario:
    run_id = yield from _finished_run(emulator)
    result = yield lambda c: c.query.execute("SELECT run_id, status FROM runs")
    assert result.results == [{"run_id": run_id, "status": "Completed"}]


@scenario("GET", "/api/v1/query/schema")
def _query_schema(emulator: Emulator) -> Scenario:
    schema = yield lambda c: c.query.schema()
    assert "runs" in [table.name for table in schema.tables]


@scenario("GET", "/api/v1/query/dashboards")
def _query_dashboards(emulator: Emulator) -> Scenario:
    dashboards = yield lambda c: c.query.dashboards.list()
    assert dashboards.dashboards and all(d.widgets for d in dashboards.dashboards)


_TITLE_ROW = {"type": "title"}
_RUN_COUNT = {"type": "bignumber", "column": "total", "aggregation": "sum"}


def _dashboard() -> Scenario:
    created = yield lambda c: c.query.dashboards.create(
        title=_unique("Email tasks"),
        widgets=[
            {"id": "overview", "title": "Overview", "display": _TITLE_ROW},
            {
                "id": "total",
                "title": "Total runs",
                "query": "SELECT count() AS total FROM runs",
                "display": _RUN_COUNT,
            },
        ],
    )
    return created


@scenario("POST", "/api/v1/query/dashboards")
def _dashboards_create(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    assert created.id.startswith("dashboard_") and created.revision
    assert [(w.id, w.position.y, w.position.h) for w in created.widgets] == [
        ("overview", 0, 2),
        ("total", 2, 15),
    ]


@scenario("GET", "/api/v1/query/dashboards/{dashboardId}")
def _dashboards_retrieve(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    fetched = yield lambda c: c.query.dashboards.retrieve(created.id)
    assert (fetched.id, fetched.revision, len(fetched.widgets)) == (
        created.id,
        created.revision,
        2,
    )


@scenario("PATCH", "/api/v1/query/dashboards/{dashboardId}")
def _dashboards_update(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    updated = yield lambda c: c.query.dashboards.update(
        created.id, description="Runs of send-email", revision=created.revision
    )
    assert updated.description == "Runs of send-email" and updated.revision != created.revision


@scenario("PUT", "/api/v1/query/dashboards/{dashboardId}")
def _dashboards_replace(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    replaced = yield lambda c: c.query.dashboards.replace(created.id, widgets=created.widgets[1:])
    assert [(w.id, w.position.y) for w in replaced.widgets] == [("total", 2)]


@scenario("DELETE", "/api/v1/query/dashboards/{dashboardId}")
def _dashboards_delete(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    deleted = yield lambda c: c.query.dashboards.delete(created.id)
    assert deleted.id == created.id
    try:
        yield lambda c: c.query.dashboards.retrieve(created.id)
    except trigger.NotFoundError:
        pass
    else:
        raise AssertionError("a deleted dashboard was still found")


@scenario("POST", "/api/v1/query/dashboards/{dashboardId}/widgets")
def _dashboards_widget_add(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    added = yield lambda c: c.query.dashboards.widgets.add(
        created.id, title="Failures", display=_TITLE_ROW
    )
    assert [w.id for w in added.dashboard.widgets][-1] == added.widget_id
    assert added.dashboard.widgets[-1].position.y == 17


@scenario("PATCH", "/api/v1/query/dashboards/{dashboardId}/widgets/{widgetId}")
def _dashboards_widget_update(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    updated = yield lambda c: c.query.dashboards.widgets.update(
        created.id, "total", title="All runs", position={"x": 0, "y": 2, "w": 6, "h": 8}
    )
    assert (updated.widgets[1].title, updated.widgets[1].position.w) == ("All runs", 6)


@scenario("DELETE", "/api/v1/query/dashboards/{dashboardId}/widgets/{widgetId}")
def _dashboards_widget_delete(emulator: Emulator) -> Scenario:
    created = yield from _dashboard()
    left = yield lambda c: c.query.dashboards.widgets.delete(
        created.id, "overview", revision=created.revision
    )
    assert [w.id for w in left.widgets] == ["total"]


# -- prompts -------------------------------------------------------------------------------


def _prompt(emulator: Emulator) -> str:
    slug = _unique("support-reply")
    emulator.define_prompt(slug, "Hello {{name}}", model="gpt-4o-mini")
    return slug


@scenario("GET", "/api/v1/prompts")
def _prompts_list(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    prompts = yield lambda c: c.prompts.list()
    assert slug in [p.slug for p in prompts]


@scenario("POST", "/api/v1/prompts/{slug}")
def _prompts_resolve(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    resolved = yield lambda c: c.prompts.resolve(slug, {"name": "Ada"})
    assert (resolved.text, resolved.version, resolved.model) == ("Hello Ada", 1, "gpt-4o-mini")


@scenario("GET", "/api/v1/prompts/{slug}/versions")
def _prompts_versions(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    emulator.define_prompt(slug, "Hi {{name}}")
    versions = yield lambda c: c.prompts.versions(slug)
    assert [(v.version, v.labels) for v in versions] == [(2, ["latest", "current"]), (1, [])]


@scenario("POST", "/api/v1/prompts/{slug}/promote")
def _prompts_promote(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    emulator.define_prompt(slug, "Hi {{name}}")
    yield lambda c: c.prompts.promote(slug, 1)
    resolved = yield lambda c: c.prompts.resolve(slug, {"name": "Ada"})
    assert (resolved.version, resolved.text) == (1, "Hello Ada")


@scenario("POST", "/api/v1/prompts/{slug}/override")
def _prompts_override_create(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    created = yield lambda c: c.prompts.create_override(slug, text_content="Dear {{name}}")
    resolved = yield lambda c: c.prompts.resolve(slug, {"name": "Ada"})
    assert (created.version, resolved.text) == (2, "Dear Ada")


@scenario("PUT", "/api/v1/prompts/{slug}/override")
def _prompts_override_update(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    yield lambda c: c.prompts.create_override(slug, text_content="Dear {{name}}")
    yield lambda c: c.prompts.update_override(slug, model="gpt-4o")
    resolved = yield lambda c: c.prompts.resolve(slug, {"name": "Ada"})
    assert (resolved.text, resolved.model) == ("Dear Ada", "gpt-4o")


@scenario("DELETE", "/api/v1/prompts/{slug}/override")
def _prompts_override_remove(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    yield lambda c: c.prompts.create_override(slug, text_content="Dear {{name}}")
    yield lambda c: c.prompts.remove_override(slug)
    resolved = yield lambda c: c.prompts.resolve(slug, {"name": "Ada"})
    assert resolved.text == "Hello Ada"


@scenario("POST", "/api/v1/prompts/{slug}/override/reactivate")
def _prompts_override_reactivate(emulator: Emulator) -> Scenario:
    slug = _prompt(emulator)
    yield lambda c: c.prompts.create_override(slug, text_content="Dear {{name}}")
    yield lambda c: c.prompts.remove_override(slug)
    yield lambda c: c.prompts.reactivate_override(slug, 2)
    resolved = yield lambda c: c.prompts.resolve(slug, {"name": "Ada"})
    assert resolved.text == "Dear Ada"


# -- a session's transcript, a run's packet URL ----------------------------------------------


@scenario("GET", "/api/v1/sessions/{session}/transcript")
def _sessions_transcript(emulator: Emulator) -> Scenario:
    created = yield from _session(emulator)
    key = {"authorization": f"Bearer {emulator.secret_key}"}
    url = f"{emulator.url}/api/v1/sessions/{created.id}/snapshot-url"
    upload = httpx.put(url, headers=key).json()["presignedUrl"]
    messages = [{"id": f"msg_{i}", "role": "user", "parts": []} for i in range(3)]
    stored = httpx.put(upload, json={"version": 1, "messages": messages, "lastOutEventId": "9"})
    assert stored.status_code == 200
    page = yield lambda c: c.sessions.transcript(created.id, limit=2)
    assert [m["id"] for m in page.messages] == ["msg_1", "msg_2"]
    assert page.next_cursor == "msg_1" and page.cursors.last_out_event_id == "9"


@scenario("GET", "/api/v1/runs/{runId}/packets/{field}")
def _runs_packet_url(emulator: Emulator) -> Scenario:
    emulator.register("report", lambda payload: {"rows": "x" * 200_000})
    handle = yield lambda c: c.tasks.trigger("report")
    yield lambda c: c.runs.poll(handle.id, **POLL)
    found = yield lambda c: c.runs.retrieve_packet_url(handle.id, "output")
    assert httpx.get(found.presigned_url).json()["json"]["rows"] == "x" * 200_000


# -- public access tokens ------------------------------------------------------------------


@scenario("POST", "/api/v1/auth/public-tokens")
def _public_token_minted(emulator: Emulator) -> Scenario:
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello")
    # An additional secret key cannot sign tokens itself: the server mints them.
    additional = "tr_dev_sk_" + emulator.secret_key.removeprefix("tr_dev_")
    token = yield As(
        additional, lambda c: c.auth.create_public_token(scopes=[f"read:runs:{handle.id}"])
    )
    run = yield As(token, lambda c: c.runs.retrieve(handle.id))
    assert run.id == handle.id


@scenario("POST", "/api/v1/auth/jwt/claims")
def _public_token_signed(emulator: Emulator) -> Scenario:
    _hello(emulator)
    handle = yield lambda c: c.tasks.trigger("hello")
    token = yield lambda c: c.auth.create_public_token(scopes=["read:runs"])
    run = yield As(token, lambda c: c.runs.retrieve(handle.id))
    assert run.id == handle.id
    claims = yield lambda c: c.auth.retrieve_jwt_claims()
    assert (claims.sub, claims.pub) == (emulator.environment_ids["dev"], True)


# -- webhooks ------------------------------------------------------------------------------


def _stripe_endpoint(emulator: Emulator, **options: Any) -> dict[str, Any]:
    return emulator.webhooks.endpoint("stripe", source="stripe", **options)


def _delivered(emulator: Emulator, event_id: str) -> str:
    url = _stripe_endpoint(emulator, tasks=["hello"])["url"]
    response = httpx.post(url, json={"id": event_id, "type": "checkout.session.completed"})
    assert response.status_code == 200, response.text
    return str(response.json()["deliveryId"])


@scenario("GET", "/api/v1/webhooks/endpoints")
def _webhook_endpoints(emulator: Emulator) -> Scenario:
    declared = _stripe_endpoint(emulator)
    endpoints = yield lambda c: c.webhooks.endpoints.list()
    assert [(e.id, e.declared_id, e.url) for e in endpoints] == [
        (declared["id"], "stripe", declared["url"])
    ]


@scenario("GET", "/api/v1/webhooks/endpoints/{endpointId}")
def _webhook_endpoint(emulator: Emulator) -> Scenario:
    _stripe_endpoint(emulator, tasks={"hello": "event.type == 'paid'"})
    detail = yield lambda c: c.webhooks.endpoints.retrieve("stripe")
    assert [(s.task_id, s.filter) for s in detail.subscribers] == [
        ("hello", "event.type == 'paid'")
    ]


@scenario("POST", "/api/v1/webhooks/endpoints/{endpointId}/rotate-secret")
def _webhook_rotate(emulator: Emulator) -> Scenario:
    _stripe_endpoint(emulator, secret="whsec_old")
    rotated = yield lambda c: c.webhooks.endpoints.generate_secret("stripe", previous_secret_ttl=60)
    assert rotated.secret.startswith("whsec_") and rotated.previous_secret_expires_at


@scenario("PUT", "/api/v1/webhooks/endpoints/{endpointId}/secret")
def _webhook_set_secret(emulator: Emulator) -> Scenario:
    _stripe_endpoint(emulator)
    result = yield lambda c: c.webhooks.endpoints.set_secret("stripe", "whsec_from_stripe")
    assert result.secret_set is True
    detail = yield lambda c: c.webhooks.endpoints.retrieve("stripe")
    assert detail.secret_set is True


@scenario("GET", "/api/v1/webhooks/deliveries")
def _webhook_deliveries(emulator: Emulator) -> Scenario:
    _hello(emulator)
    delivered = _delivered(emulator, _unique("evt"))
    page = yield lambda c: c.webhooks.deliveries.list(status="succeeded", endpoint="stripe")
    assert [d.id for d in page.data] == [delivered]


@scenario("GET", "/api/v1/webhooks/deliveries/{deliveryId}")
def _webhook_delivery(emulator: Emulator) -> Scenario:
    _hello(emulator)
    delivered = _delivered(emulator, _unique("evt"))
    delivery = yield lambda c: c.webhooks.deliveries.retrieve(delivered)
    run_id = delivery.targets[0].run_id
    run = yield lambda c: c.runs.poll(run_id, **POLL)
    assert run.output["echo"]["event"] == delivery.event


@scenario("POST", "/api/v1/webhooks/deliveries/{deliveryId}/replay")
def _webhook_replay(emulator: Emulator) -> Scenario:
    _hello(emulator)
    delivered = _delivered(emulator, _unique("evt"))
    replayed = yield lambda c: c.webhooks.deliveries.replay(delivered)
    assert replayed.replayed_from == delivered
    again = yield lambda c: c.webhooks.deliveries.retrieve(replayed.delivery_id)
    assert again.status == "succeeded" and again.targets[0].run_id


@scenario("POST", "/api/v1/webhooks/endpoints/{endpointId}/waiters")
def _webhook_waiter(emulator: Emulator) -> Scenario:
    url = _stripe_endpoint(emulator)["url"]
    order = _unique("ord")
    waiter = yield lambda c: c.webhooks.waiters.create(
        "stripe", match={"event.metadata.orderId": order}, timeout="1h"
    )
    httpx.post(url, json={"id": _unique("evt"), "metadata": {"orderId": order}})
    token = yield lambda c: c.wait.retrieve_token(waiter.id)
    assert token.status == "COMPLETED"
    assert token.decode_output()["event"]["metadata"]["orderId"] == order


@scenario("POST", "/api/v1/webhooks/waiters/{waiterId}/cancel")
def _webhook_cancel(emulator: Emulator) -> Scenario:
    _stripe_endpoint(emulator)
    waiter = yield lambda c: c.webhooks.waiters.create("stripe", match={"event.id": "evt_never"})
    cancelled = yield lambda c: c.webhooks.waiters.cancel(waiter.id)
    assert cancelled.cancelled is True


# -- the drivers ---------------------------------------------------------------------------


def _pattern(method: str, path: str) -> re.Pattern[str]:
    # A concurrency limit's name holds a slash (``task/<id>``); the log has decoded paths.
    parts = re.split(r"(\{[^}]+\})", path)
    regex = "".join(
        (".+" if part == "{name}" and "concurrency-limits" in path else "[^/]+")
        if part.startswith("{")
        else re.escape(part)
        for part in parts
    )
    return re.compile(f"^{regex}$")


def _assert_reached(emulator: Emulator, method: str, path: str) -> None:
    pattern = _pattern(method, path)
    seen = [
        item
        for item in emulator.requests(method=method)
        if pattern.match(item["path"]) and int(item["status"]) < 400
    ]
    assert seen, (
        f"no answered {method} {path} among {[(r['method'], r['path'], r['status']) for r in emulator.requests()]}"
    )


def _sync_call(client: trigger.Client, step: Step) -> Any:
    if isinstance(step, As):
        # A copy sharing the client's pool: the client closes it.
        return _sync_result(step.call(client.with_options(secret_key=step.key)))
    return _sync_result(step(client))


def _sync_result(result: Any) -> Any:
    return list(result) if inspect.isgenerator(result) else result


def drive_sync(fn: ScenarioFn, emulator: Emulator, client: trigger.Client) -> None:
    """Run a scenario, making each of its calls with ``client``."""
    gen = fn(emulator)
    try:
        step = next(gen)
        while True:
            try:
                value = _sync_call(client, step)
            except Exception as error:  # handed to the scenario, which may expect it
                step = gen.throw(error)
            else:
                step = gen.send(value)
    except StopIteration:
        pass


async def _async_result(result: Any) -> Any:
    if inspect.isawaitable(result):
        return await result
    if hasattr(result, "__aiter__"):
        return [item async for item in result]
    return result


async def _async_call(client: trigger.AsyncClient, step: Step) -> Any:
    if isinstance(step, As):
        return await _async_result(step.call(client.with_options(secret_key=step.key)))
    return await _async_result(step(client))


async def drive_async(fn: ScenarioFn, emulator: Emulator, client: trigger.AsyncClient) -> None:
    """Run a scenario, making each of its calls with ``client`` (awaited)."""
    gen = fn(emulator)
    try:
        step = next(gen)
        while True:
            try:
                value = await _async_call(client, step)
            except Exception as error:
                step = gen.throw(error)
            else:
                step = gen.send(value)
    except StopIteration:
        pass


OPS = sorted(SCENARIOS)


def _id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_operation_has_a_scenario() -> None:
    # Every operation is served: none may be left without a scenario.
    missing = sorted(EXPECTED - set(SCENARIOS))
    assert missing == [], "operations of tests/operations without a scenario here"
    assert sorted(set(SCENARIOS) - EXPECTED) == [], "not an operation"


@pytest.mark.parametrize("op", OPS, ids=_id)
def test_sync_client(op: tuple[str, str], trigger_emulator: Emulator) -> None:
    with trigger_emulator.client(timeout=30) as client:
        drive_sync(SCENARIOS[op], trigger_emulator, client)
    _assert_reached(trigger_emulator, *op)


@pytest.mark.anyio
@pytest.mark.parametrize("op", OPS, ids=_id)
async def test_async_client(op: tuple[str, str], trigger_emulator: Emulator) -> None:
    async with trigger_emulator.async_client(timeout=30) as client:
        await drive_async(SCENARIOS[op], trigger_emulator, client)
    _assert_reached(trigger_emulator, *op)
