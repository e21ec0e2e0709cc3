"""Realtime run streams against the emulator: a handler's chunks read live, a read resumed
after its connection was cut, appends and input sends through the API, refusals."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

import trigger
from tests.stream_proxy import cutting_proxy
from trigger.emulator import Emulator, TaskContext

pytestmark = pytest.mark.anyio

FAST = trigger.RetryOptions(max_attempts=3, min_timeout=0.01, max_timeout=0.05)


class Gates:
    """One gate per chunk: the handler writes chunk n + 1 only once the reader has chunk n,
    so every chunk the reader gets was written after it started reading (live)."""

    def __init__(self, count: int) -> None:
        self.read = [threading.Event() for _ in range(count)]
        self.waited: list[bool] = []

    def reader_got(self, index: int) -> None:
        self.read[index].set()


@pytest.fixture
def gates(trigger_emulator: Emulator) -> Iterator[Gates]:
    gates = Gates(5)

    @trigger_emulator.task("render-video", max_attempts=1)
    def render(payload: Any, ctx: TaskContext) -> dict[str, int]:
        progress = ctx.stream("progress")
        for index, seen in enumerate(gates.read):
            progress.write({"frame": index, "percent": (index + 1) * 20})
            gates.waited.append(seen.wait(10))
        return {"frames": len(gates.read)}

    yield gates
    for gate in gates.read:  # never leave the handler waiting
        gate.set()


async def drain(stream: Any) -> list[Any]:
    """Every chunk of a read."""
    received: list[Any] = []
    async for chunk in stream:
        received.append(chunk)
    return received


def _client(emulator: Emulator, **options: Any) -> trigger.AsyncClient:
    return trigger.AsyncClient(emulator.secret_key, base_url=emulator.url, **options)


async def test_a_handlers_chunks_are_read_live_in_order_each_once(
    trigger_emulator: Emulator, gates: Gates
) -> None:
    async with _client(trigger_emulator) as client:
        run = await client.tasks.trigger("render-video", {"title": "Launch"})
        chunks = []
        async with client.runs.stream(run.id, "progress", timeout_seconds=1) as stream:
            async for chunk in stream:
                chunks.append(chunk)
                gates.reader_got(len(chunks) - 1)
        assert stream.closed  # the server ended the read a second after the last chunk
        assert chunks == [{"frame": n, "percent": (n + 1) * 20} for n in range(5)]
        assert gates.waited == [True] * 5
        finished = await client.runs.retrieve(run.id)
        assert finished.status == "COMPLETED"


async def test_a_cut_read_resumes_after_the_last_event_id(
    trigger_emulator: Emulator, gates: Gates
) -> None:
    async with _client(trigger_emulator) as direct:
        run = await direct.tasks.trigger("render-video", {"title": "Launch"})
        with cutting_proxy(trigger_emulator.url, events=2) as proxy:
            async with trigger.AsyncClient(
                trigger_emulator.secret_key, base_url=proxy.base_url, retry=FAST
            ) as client:
                parts = []
                async for part in client.streams.read(
                    run.id, "progress", timeout_seconds=1
                ).parts():
                    parts.append(part)
                    gates.reader_got(len(parts) - 1)
            assert proxy.cuts == 1
    assert [p.chunk["frame"] for p in parts] == [0, 1, 2, 3, 4]
    assert len({p.id for p in parts}) == 5
    reads = trigger_emulator.requests(path=f"/realtime/v1/streams/{run.id}/progress")
    assert [r["headers"].get("last-event-id") for r in reads] == [None, parts[1].id]


async def test_appends_and_input_sends_through_the_api(trigger_emulator: Emulator) -> None:
    async with _client(trigger_emulator) as client:
        run = await client.tasks.trigger("publish-post", {"slug": "launch"}, delay="1h")
        created = await client.streams.create(run.id, "review")
        assert created.version == "v1"
        await client.streams.append(run.id, "review", "Looks good to me")
        await client.streams.append(run.id, "review", '{"approved": true}')
        notes = await drain(client.streams.read(run.id, "review", timeout_seconds=1))
        assert notes == ["Looks good to me", '{"approved": true}']  # appended parts are text
        await client.streams.send_input(run.id, "approval", {"approved": True})
        sent = trigger_emulator.requests(path=f"/realtime/v1/streams/{run.id}/input/approval")
        assert [r["body"] for r in sent] == [{"data": {"approved": True}}]


async def test_refusals_raise_with_the_servers_bodies(trigger_emulator: Emulator) -> None:
    async with _client(trigger_emulator) as client:
        handle = await client.tasks.trigger("publish-post", {"slug": "launch"}, delay="1h")
        other = await client.tasks.trigger("publish-post", {"slug": "other"}, delay="1h")
        with pytest.raises(trigger.NotFoundError) as missing:
            await drain(client.runs.stream("run_doesnotexist000000000", "progress"))
        assert missing.value.body == {"error": "Not found"}
        # A run's public access token reads that run's streams, and only those.
        token = handle.public_access_token
        assert token is not None
        async with trigger.AsyncClient(token, base_url=trigger_emulator.url) as public:
            assert await drain(public.streams.read(handle.id, "log", timeout_seconds=1)) == []
            with pytest.raises(trigger.PermissionDeniedError) as refused:
                await drain(public.streams.read(other.id, "log", timeout_seconds=1))
            assert refused.value.body == {
                "error": "Unauthorized",
                "code": "unauthorized",
                "param": "access_token",
                "type": "authorization",
            }
            # Writes take secret keys only.
            with pytest.raises(trigger.AuthenticationError, match="Invalid API key"):
                await public.streams.append(handle.id, "log", "from the browser")
        async with trigger.AsyncClient("tr_dev_", base_url=trigger_emulator.url) as wrong:
            with pytest.raises(trigger.AuthenticationError) as bad_key:
                await drain(wrong.streams.read(handle.id, "log", timeout_seconds=1))
        assert bad_key.value.body == {"error": "Invalid API key"}
        assert trigger_emulator.secret_key not in str(bad_key.value)
