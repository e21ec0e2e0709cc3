"""Against a real server: the two-phase batch trigger, the one-shot v1/v2 batches, reads.

Opt-in (docs/guides/real-server.md). Batches are small (a few items of the dev worker's task), so
the environment's batch rate limit (a bucket of 1,200 items) is barely touched.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import trigger
from tests.real_server import (
    NO_RETRY,
    requires,
    settings,
    skip_unless_configured,
    unique,
)
from trigger import _retry
from trigger.types.batch import RetrievedBatch

skip_unless_configured()
pytestmark = pytest.mark.anyio


def expected_output(payload: Any) -> dict[str, Any]:
    return {"greeting": "hi", "echo": payload}


async def processed(client: trigger.AsyncClient, batch_id: str, runs: int) -> RetrievedBatch:
    """The batch once the server has created all ``runs`` of its runs (it does so after
    the stream is sealed, asynchronously)."""
    deadline = time.monotonic() + settings().run_timeout
    while True:
        batch = await client.batch.retrieve(batch_id)
        if len(batch.runs) >= runs:
            return batch
        if time.monotonic() > deadline:
            raise AssertionError(f"batch {batch_id} still has runs {batch.runs}: {batch}")
        await _retry.async_sleep(0.5)


async def finished(client: trigger.AsyncClient, batch_id: str, status: str) -> RetrievedBatch:
    """The batch once it reaches ``status`` (``COMPLETED`` follows the last run's end)."""
    deadline = time.monotonic() + settings().run_timeout
    while True:
        batch = await client.batch.retrieve(batch_id)
        if batch.status == status:
            return batch
        if time.monotonic() > deadline:
            raise AssertionError(f"batch {batch_id} is still {batch.status}")
        await _retry.async_sleep(0.5)


async def test_batch_trigger_runs_every_item(real: trigger.AsyncClient) -> None:
    tag = unique("batch")
    items: list[Any] = [
        {"task": settings().task, "payload": {"i": i}, "options": {"tags": [tag]}} for i in range(3)
    ]
    result = await real.batch.trigger(items)
    assert result.id.startswith("batch_")
    assert result.run_count == 3
    assert result.is_cached is False
    assert result.public_access_token

    batch = await processed(real, result.id, 3)
    assert batch.run_count == 3
    outputs = []
    for run_id in batch.runs:
        run = await real.runs.poll(run_id, interval=0.5, timeout=settings().run_timeout)
        assert run.status == "COMPLETED"
        assert run.batch_id == result.id
        assert run.tags == [tag]
        outputs.append(run.output)
    assert sorted(output["echo"]["i"] for output in outputs) == [0, 1, 2]

    done = await finished(real, result.id, "COMPLETED")
    assert done.processing is not None and done.processing.errors == []
    v1 = await real.batch.retrieve_v1(result.id)
    assert v1.status == "COMPLETED"
    assert sorted(v1.runs) == sorted(batch.runs)
    assert v1.successful_run_count == 3

    listed = await real.runs.list(batch=result.id)
    assert {run.id for run in listed.data} <= set(batch.runs)


async def test_batch_results_of_a_completed_batch(real: trigger.AsyncClient) -> None:
    result = await real.tasks.batch_trigger(settings().task, [{"payload": {"r": 1}}])
    batch = await processed(real, result.id, 1)
    await real.runs.poll(batch.runs[0], interval=0.5, timeout=settings().run_timeout)
    await finished(real, result.id, "COMPLETED")

    results = await real.batch.results(result.id)
    assert results.id == result.id
    assert [item.id for item in results.items] == batch.runs
    assert results.items[0].ok is True
    assert results.items[0].json_output() == expected_output({"r": 1})


async def test_batch_idempotency_key_starts_each_item_once(real: trigger.AsyncClient) -> None:
    key = unique("batch-key")
    items: list[Any] = [{"task": settings().task, "payload": {"k": 1}}]
    first = await real.batch.trigger(items, idempotency_key=key)
    assert first.is_cached is False
    first_runs = (await processed(real, first.id, 1)).runs

    # The server refuses a second batch with the same key (422, never isCached); the SDK
    # then sends the batch without it, and the items' own derived keys find the first runs.
    again = await real.batch.trigger(items, idempotency_key=key)
    assert (await processed(real, again.id, 1)).runs == first_runs
    await real.runs.poll(first_runs[0], interval=0.5, timeout=settings().run_timeout)

    # The server's own answer to the repeated key, through the one-phase create.
    with pytest.raises(trigger.UnprocessableEntityError) as caught:
        await real.batch.create(1, idempotency_key=key, request_options=NO_RETRY)
    assert caught.value.message == (
        "Cannot create batch as it has already been created with the same idempotency key."
    )


async def test_two_phase_create_and_stream(real: trigger.AsyncClient) -> None:
    created = await real.batch.create(2, task_identifiers=[settings().task])
    assert created.id.startswith("batch_")
    assert created.run_count == 2
    pending = await real.batch.retrieve(created.id)
    assert pending.status == "PENDING"
    assert pending.runs == []

    items: list[Any] = [
        {"index": 1, "task": settings().task, "payload": {"n": 1}},
        {"index": 0, "task": settings().task, "payload": {"n": 0}},
    ]
    streamed = await real.batch.stream_items(created.id, items)
    assert streamed.sealed is True
    assert (streamed.items_accepted, streamed.items_deduplicated) == (2, 0)
    # Streaming the same items again is harmless: the sealed batch takes nothing.
    again = await real.batch.stream_items(created.id, items)
    assert again.sealed is True
    assert again.items_accepted == 0

    batch = await processed(real, created.id, 2)
    for run_id in batch.runs:
        run = await real.runs.poll(run_id, interval=0.5, timeout=settings().run_timeout)
        assert run.status == "COMPLETED"


async def test_batch_v2_and_v1_in_one_request(real: trigger.AsyncClient) -> None:
    items: list[Any] = [
        {"task": settings().task, "payload": {"v": 2}},
        {"task": settings().task, "payload": {"v": 2.5}},
    ]
    v2 = await real.batch.trigger_v2(items)
    assert v2.id.startswith("batch_")
    assert v2.run_count == 2
    assert v2.public_access_token

    v1 = await real.batch.trigger_v1([{"task": settings().task, "payload": {"v": 1}}])
    assert v1.id.startswith("batch_")
    assert len(v1.runs) == 1
    assert v1.runs[0].task_identifier == settings().task
    run = await real.runs.poll(v1.runs[0].id, interval=0.5, timeout=settings().run_timeout)
    assert run.output == expected_output({"v": 1})

    per_task = await real.batch.trigger_task_v1(settings().task, [{"payload": {"t": 1}}])
    assert per_task.batch_id.startswith("batch_")
    assert len(per_task.runs) == 1
    run = await real.runs.poll(per_task.runs[0], interval=0.5, timeout=settings().run_timeout)
    assert run.output == expected_output({"t": 1})

    batch = await processed(real, v2.id, 2)
    for run_id in batch.runs:
        await real.runs.poll(run_id, interval=0.5, timeout=settings().run_timeout)


async def test_batch_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError) as retrieve:
        await real.batch.retrieve("batch_doesnotexist00000000", request_options=NO_RETRY)
    assert retrieve.value.message == "Not found"
    with pytest.raises(trigger.NotFoundError) as results:
        await real.batch.results("batch_doesnotexist00000000", request_options=NO_RETRY)
    assert results.value.message == "Batch not found"
    with pytest.raises(trigger.UnprocessableEntityError) as stream:
        await real.batch.stream_items(
            "batch_doesnotexist00000000",
            [{"task": settings().task, "payload": {}}],
            request_options=NO_RETRY,
        )
    assert stream.value.message == "Batch batch_doesnotexist00000000 not found"


async def test_batch_v2_without_items_is_refused_before_sending(
    real: trigger.AsyncClient,
) -> None:
    with pytest.raises(ValueError, match="items"):
        await real.batch.trigger_v2([])
    with pytest.raises(ValueError, match="100"):
        await real.batch.trigger_task_v1(settings().task, [{"payload": {}}] * 101)


async def overdraw(client: trigger.AsyncClient) -> None:
    """Announce batches of 1,000 runs until the batch limiter refuses one (at most 3)."""
    for _ in range(3):
        await client.batch.create(
            1000, task_identifiers=[settings().task], request_options=NO_RETRY
        )


@requires("prod_key")
async def test_batch_rate_limit_answer_gives_a_usable_wait(real: trigger.AsyncClient) -> None:
    # Two batches of 1,000 announced runs (never streamed, so nothing runs) overdraw the
    # batch bucket of 1,200. In prod, so the dev environment's budget is left alone.
    prod = real.with_options(secret_key=settings().prod_key)
    with pytest.raises(trigger.RateLimitError) as caught:
        await overdraw(prod)
    limited = caught.value
    wait = limited.retry_after
    now = time.time()
    # The real server joins both limiters' resets: "<global, Unix ms>, <batch, Unix s>".
    parts = [float(part) for part in limited.headers["x-ratelimit-reset"].split(",")]
    in_seconds = [part for part in parts if part < 1e11]
    batch_reset = in_seconds[0] if in_seconds else parts[0] / 1000
    assert wait is not None, limited.headers
    assert batch_reset - now - 1 <= wait <= 120, (wait, limited.headers)
