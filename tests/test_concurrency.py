"""Cancellation and whole-attempt deadlines of async calls (asyncio and trio), and a sync
client shared by many threads."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import anyio
import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import Fault, FaultServer, Received, json_fault, pool_is_reusable
from tests.fixtures import RETRIEVED_RUN


def echo_run(request: Received) -> Fault:
    run_id = unquote(request.raw_path.rsplit("/", 1)[-1])
    return Fault(body=json.dumps({**RETRIEVED_RUN, "id": run_id}).encode())


@pytest.mark.anyio
async def test_cancel_scope_interrupts_a_stalled_request(fault_server: FaultServer) -> None:
    fault_server.script(Fault(stall=3, body=b"{}"), Fault(handler=echo_run))
    async with trigger.AsyncClient(SECRET_KEY, base_url=fault_server.base_url) as client:
        started = time.monotonic()
        with anyio.move_on_after(0.2) as scope:
            await client.runs.retrieve("run_slow")
        assert scope.cancelled_caught
        assert time.monotonic() - started < 1.0
        assert pool_is_reusable(client)
        assert (await client.runs.retrieve("run_next")).id == "run_next"


@pytest.mark.anyio
async def test_cancel_scope_interrupts_the_backoff(fault_server: FaultServer) -> None:
    fault_server.script(json_fault(503, {"error": "down"}))
    slow_retries = trigger.RetryOptions(min_timeout=20, max_timeout=30)
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, retry=slow_retries
    ) as client:
        started = time.monotonic()
        with anyio.move_on_after(0.3) as scope:
            await client.runs.retrieve("run_1")
        assert scope.cancelled_caught
        assert time.monotonic() - started < 1.5
        assert len(fault_server.received) == 1
        assert pool_is_reusable(client)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_asyncio_task_cancellation(fault_server: FaultServer) -> None:
    fault_server.script(Fault(stall=3, body=b"{}"), Fault(handler=echo_run))
    async with trigger.AsyncClient(SECRET_KEY, base_url=fault_server.base_url) as client:
        task = asyncio.ensure_future(client.runs.retrieve("run_slow"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 0.5
        assert pool_is_reusable(client)
        assert (await client.runs.retrieve("run_after")).id == "run_after"


@pytest.mark.anyio
async def test_many_concurrent_async_calls_get_their_own_answers(
    fault_server: FaultServer,
) -> None:
    fault_server.script(Fault(handler=echo_run))
    results: dict[str, str] = {}
    async with trigger.AsyncClient(SECRET_KEY, base_url=fault_server.base_url) as client:

        async def fetch(index: int) -> None:
            run = await client.runs.retrieve(f"run_{index}")
            results[f"run_{index}"] = run.id

        async with anyio.create_task_group() as group:
            for index in range(100):
                group.start_soon(fetch, index)
    assert all(key == value for key, value in results.items())
    assert len(results) == 100


def test_one_sync_client_shared_by_16_threads(fault_server: FaultServer) -> None:
    fault_server.script(Fault(handler=echo_run))
    with trigger.Client(SECRET_KEY, base_url=fault_server.base_url) as client:

        def fetch(index: int) -> tuple[str, str]:
            run = client.runs.retrieve(f"run_{index}")
            return f"run_{index}", run.id

        with ThreadPoolExecutor(max_workers=16) as pool:
            pairs = list(pool.map(fetch, range(400)))
        assert pool_is_reusable(client)
    assert all(asked == got for asked, got in pairs)
    keys = {r.headers["x-trigger-request-idempotency-key"] for r in fault_server.received}
    assert len(keys) == 400


@pytest.mark.anyio
async def test_dribbled_headers_cannot_outlast_the_timeout(fault_server: FaultServer) -> None:
    # The status line and headers a byte every 0.3 s: each read is quick, the head takes 30 s.
    # Async only: a blocking sync read cannot be interrupted between bytes of the head.
    fault_server.script(Fault(body=b"{}", dribble=0.3, dribble_head=True), Fault(handler=echo_run))
    async with trigger.AsyncClient(
        SECRET_KEY,
        base_url=fault_server.base_url,
        timeout=1,
        retry=trigger.RetryOptions(max_attempts=1),
    ) as client:
        started = time.monotonic()
        with pytest.raises(trigger.APITimeoutError) as caught:
            await client.runs.retrieve("run_slow")
        assert time.monotonic() - started < 3
        assert "1 s timeout" in str(caught.value)
        assert pool_is_reusable(client)
        assert (await client.runs.retrieve("run_next")).id == "run_next"
