"""Cancelling a task that waits for a stream's next chunk closes the read's connection at
once, on asyncio and trio (the emulator sees its reader go)."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

import trigger
from trigger.emulator import Emulator
from trigger.emulator.store_streams import stream_feed

pytestmark = pytest.mark.anyio


async def _until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(10):
        while not condition():
            await anyio.sleep(0.01)


async def test_cancelling_a_waiting_read_closes_its_connection(trigger_emulator: Emulator) -> None:
    feed = stream_feed(trigger_emulator._store)
    async with trigger.AsyncClient(
        trigger_emulator.secret_key, base_url=trigger_emulator.url
    ) as client:
        run = await client.tasks.trigger("transcode", {"file": "talk.mp4"}, delay="1h")
        stream = client.streams.read(run.id, "progress", timeout_seconds=600)
        received: list[object] = []

        async def read() -> None:
            async for chunk in stream:
                received.append(chunk)

        async with anyio.create_task_group() as group:
            group.start_soon(read)
            await _until(lambda: feed.reading(run.id) == 1)  # the read is connected
            group.cancel_scope.cancel()
        # The server notices the closed connection and lets its reader go.
        await _until(lambda: feed.reading(run.id) == 0)
        assert received == []
        assert repr(stream).endswith("not connected last_event_id=None>")
        await stream.aclose()
