"""Against a real server: queues (list, retrieve, pause, resume, concurrency overrides).

Opt-in (docs/guides/real-server.md). Only the queue of the project's scheduled task is paused or
overridden, and always restored, so the worker's task (which other users of a shared
server trigger) is never held up.
"""

from __future__ import annotations

import contextlib

import pytest

import trigger
from tests.real_server import NO_RETRY, settings, skip_unless_configured
from trigger._paging import OffsetPagination

skip_unless_configured()
pytestmark = pytest.mark.anyio


async def reset_quietly(client: trigger.AsyncClient, queue: str) -> None:
    with contextlib.suppress(trigger.BadRequestError):  # not overridden (any more)
        await client.queues.reset_concurrency_limit(queue, type="task", request_options=NO_RETRY)


async def test_list_and_retrieve_queues(real: trigger.AsyncClient) -> None:
    by_name = {queue.name: queue async for queue in real.queues.list(per_page=100)}
    assert settings().task in by_name
    mine = by_name[settings().task]
    assert mine.id.startswith("queue_")
    assert mine.type == "task"

    by_task = await real.queues.retrieve(settings().task, type="task")
    by_id = await real.queues.retrieve(mine.id)
    by_mapping = await real.queues.retrieve({"type": "task", "name": settings().task})
    assert by_task.id == by_id.id == by_mapping.id == mine.id
    assert by_task.name == settings().task
    assert by_task.queued >= 0 and by_task.running >= 0

    first = await real.queues.list(per_page=1)
    assert len(first.data) == 1
    assert isinstance(first.pagination, OffsetPagination)
    assert first.pagination.current_page == 1


async def test_pause_and_resume(real: trigger.AsyncClient) -> None:
    queue = settings().scheduled_task
    try:
        paused = await real.queues.pause(queue, type="task")
        assert paused.paused is True
        assert (await real.queues.retrieve(queue, type="task")).paused is True
        resumed = await real.queues.resume(queue, type="task")
        assert resumed.paused is False
    finally:
        await real.queues.resume(queue, type="task")


async def test_concurrency_override_and_reset(real: trigger.AsyncClient) -> None:
    queue = settings().scheduled_task
    try:
        overridden = await real.queues.override_concurrency_limit(queue, 2, type="task")
        assert overridden.concurrency_limit == 2
        assert overridden.concurrency is not None
        assert overridden.concurrency.override == 2
        assert overridden.concurrency.overridden_at is not None
        reset = await real.queues.reset_concurrency_limit(queue, type="task")
        assert reset.concurrency is not None
        assert reset.concurrency.override is None
    finally:
        await reset_quietly(real, queue)


async def test_queue_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError) as retrieve:
        await real.queues.retrieve("no-such-task-queue", type="task", request_options=NO_RETRY)
    assert retrieve.value.message == "queue-not-found"
    with pytest.raises(trigger.NotFoundError) as pause:
        await real.queues.pause("no-such-task-queue", type="task", request_options=NO_RETRY)
    assert pause.value.message == "queue-not-found"
    with pytest.raises(trigger.NotFoundError) as override:
        await real.queues.override_concurrency_limit(
            "no-such-task-queue", 1, type="task", request_options=NO_RETRY
        )
    assert override.value.message == "Queue not found"
    with pytest.raises(trigger.BadRequestError) as not_overridden:
        await real.queues.reset_concurrency_limit(
            settings().scheduled_task, type="task", request_options=NO_RETRY
        )
    assert not_overridden.value.message == "Queue is not overridden"
    try:
        with pytest.raises(trigger.BadRequestError):
            # Above the environment's concurrency limit: refused, not capped.
            await real.queues.override_concurrency_limit(
                settings().scheduled_task, 100000, type="task", request_options=NO_RETRY
            )
    finally:
        await reset_quietly(real, settings().scheduled_task)
