"""Against a real server: a call whose answer was lost, and that the SDK retried, starts one run.

Opt-in (docs/guides/real-server.md): skipped unless ``TRIGGER_REAL_API_URL`` and
``TRIGGER_REAL_SECRET_KEY`` (a ``tr_dev_`` key) are set. A `LossyProxy` on 127.0.0.1 sits
between the SDK and the server: it forwards a request whole, lets the server act on it, then
loses its answer, by resetting the connection or by holding the answer past the client's
timeout. The SDK retries; the runs are then counted by a tag unique to the test.

The runs are delayed by an hour, so no worker needs to execute them, and canceled afterwards.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

import trigger
from tests.lossy_proxy import Loss, LossyProxy, running_proxy
from tests.real_server import client_options, settings, skip_unless_configured, unique
from trigger import _retry
from trigger.types.runs import ListedRun

skip_unless_configured()
pytestmark = pytest.mark.anyio

CLIENT_TIMEOUT = float(os.environ.get("TRIGGER_REAL_CLIENT_TIMEOUT") or 3.0)
"""Seconds the SDK waits for an answer (``TRIGGER_REAL_CLIENT_TIMEOUT``, default 3); a held
answer comes 2 s later than that."""
RETRY = trigger.RetryOptions(max_attempts=4, min_timeout=0.2, max_timeout=1.0)
SETTLE = float(os.environ.get("TRIGGER_REAL_SETTLE") or 3.0)
"""Seconds to keep looking for late runs once the expected ones are listed (the list trails
the triggers by about a second, and batch runs are made after the batch is sealed;
``TRIGGER_REAL_SETTLE``, default 3)."""


@pytest.fixture
def proxy() -> Iterator[LossyProxy]:
    with running_proxy(settings().api_url) as lossy_proxy:
        yield lossy_proxy


@pytest.fixture
async def real() -> AsyncIterator[trigger.AsyncClient]:
    """A client of the real server itself, to count and cancel the runs."""
    async with trigger.AsyncClient(**client_options()) as client:
        yield client


@pytest.fixture
async def lossy(proxy: LossyProxy) -> AsyncIterator[trigger.AsyncClient]:
    """A client whose requests go through the proxy, with quick retries and a short timeout."""
    options = client_options(base_url=proxy.base_url, retry=RETRY, timeout=CLIENT_TIMEOUT)
    async with trigger.AsyncClient(**options) as client:
        yield client


def loss(how: str, method: str, path: str, *, exact: bool = False) -> Loss:
    if how == "drop":
        return Loss(method, path, "drop", exact=exact)
    return Loss(method, path, "delay", delay=CLIENT_TIMEOUT + 2, exact=exact)


async def tagged(real: trigger.AsyncClient, tag: str) -> list[ListedRun]:
    runs: list[ListedRun] = []
    async for run in real.runs.list(tag=tag):
        runs.append(run)
    return runs


async def runs_tagged(real: trigger.AsyncClient, tag: str, expected: int) -> list[ListedRun]:
    """Every run with ``tag``, once at least ``expected`` are listed and no more turn up."""
    deadline = time.monotonic() + settings().run_timeout
    while len(await tagged(real, tag)) < expected and time.monotonic() < deadline:
        await _retry.async_sleep(0.5)
    await _retry.async_sleep(SETTLE)
    runs = await tagged(real, tag)
    for run in runs:
        with contextlib.suppress(trigger.APIError):
            await real.runs.cancel(run.id, request_options={"max_attempts": 1})
    return runs


def assert_lost(proxy: LossyProxy, how: str) -> None:
    """The proxy did lose an answer, and the SDK sent the request again."""
    lost = [r for r in proxy.relayed if r.lost]
    assert [r.lost for r in lost] == [how], proxy.relayed
    again = [r for r in proxy.relayed if (r.method, r.path) == (lost[0].method, lost[0].path)]
    assert len(again) >= 2 or lost[0].path == "/api/v3/batches", proxy.relayed


async def test_the_server_starts_a_run_per_request_whatever_the_request_key(
    real: trigger.AsyncClient,
) -> None:
    # The premise: x-trigger-request-idempotency-key alone protects nothing (SERVER.md §1.10).
    tag = unique("request-key")
    server = settings()
    headers = {
        "authorization": f"Bearer {server.secret_key}",
        "x-trigger-request-idempotency-key": "5b0c7a0e-7f7e-4c55-9b1d-3f1b8a2c9d10",
    }
    body = {"options": {"tags": [tag], "delay": "1h"}}
    async with httpx.AsyncClient(base_url=server.api_url, headers=headers, timeout=30) as http:
        for _ in range(2):
            response = await http.post(f"/api/v1/tasks/{server.task}/trigger", json=body)
            assert response.status_code == 200
    assert len(await runs_tagged(real, tag, 2)) == 2


@pytest.mark.parametrize("key", [None, "caller-key"])
@pytest.mark.parametrize("how", ["drop", "delay"])
async def test_a_trigger_whose_answer_was_lost_starts_one_run(
    how: str,
    key: str | None,
    proxy: LossyProxy,
    lossy: trigger.AsyncClient,
    real: trigger.AsyncClient,
) -> None:
    tag = unique(f"trigger-{how}")
    proxy.lose(loss(how, "POST", f"/api/v1/tasks/{settings().task}/trigger"))
    result = await lossy.tasks.trigger(
        settings().task,
        {"n": 1},
        tags=tag,
        delay="1h",
        idempotency_key=None if key is None else unique(key),
    )
    assert_lost(proxy, how)
    runs = await runs_tagged(real, tag, 1)
    assert [run.id for run in runs] == [result.id]
    # The call's own key: the run is this call's. The caller's key: the server found a run
    # with it, which the SDK cannot tell from one an earlier call made.
    assert result.is_cached is (key is not None)


def batch_items(tag: str, count: int = 3) -> list[Any]:
    return [
        {"task": settings().task, "payload": {"n": n}, "options": {"tags": tag, "delay": "1h"}}
        for n in range(count)
    ]


@pytest.mark.parametrize("key", [None, "caller-key"])
@pytest.mark.parametrize("how", ["drop", "delay"])
@pytest.mark.parametrize("phase", ["create", "stream"])
async def test_a_batch_whose_answer_was_lost_starts_one_run_per_item(
    phase: str,
    how: str,
    key: str | None,
    proxy: LossyProxy,
    lossy: trigger.AsyncClient,
    real: trigger.AsyncClient,
) -> None:
    tag = unique(f"batch-{phase}-{how}")
    if phase == "create":
        proxy.lose(loss(how, "POST", "/api/v3/batches", exact=True))
    else:
        proxy.lose(loss(how, "POST", "/api/v3/batches/"))
    result = await lossy.batch.trigger(
        batch_items(tag), idempotency_key=None if key is None else unique(key)
    )
    assert_lost(proxy, how)
    runs = await runs_tagged(real, tag, 3)
    assert len(runs) == 3, [run.id for run in runs]
    retrieved = await real.batch.retrieve(result.id)
    assert sorted(retrieved.runs) == sorted(run.id for run in runs)


async def test_a_batch_key_used_again_starts_no_new_runs(
    lossy: trigger.AsyncClient, real: trigger.AsyncClient
) -> None:
    tag = unique("batch-again")
    key = unique("batch-key")
    first = await lossy.batch.trigger(batch_items(tag), idempotency_key=key)
    again = await lossy.batch.trigger(batch_items(tag), idempotency_key=key)
    runs = await runs_tagged(real, tag, 3)
    assert len(runs) == 3
    assert again.id != first.id  # the server cannot hand the first batch back


@pytest.mark.parametrize("call", ["trigger_v1", "trigger_v2", "trigger_task_v1"])
@pytest.mark.parametrize("how", ["drop", "delay"])
async def test_a_one_shot_batch_whose_answer_was_lost_starts_one_run_per_item(
    call: str,
    how: str,
    proxy: LossyProxy,
    lossy: trigger.AsyncClient,
    real: trigger.AsyncClient,
) -> None:
    tag = unique(f"{call}-{how}")
    task = settings().task
    paths = {
        "trigger_v1": "/api/v1/tasks/batch",
        "trigger_v2": "/api/v2/tasks/batch",
        "trigger_task_v1": f"/api/v1/tasks/{task}/batch",
    }
    proxy.lose(loss(how, "POST", paths[call], exact=True))
    items = batch_items(tag)
    if call == "trigger_task_v1":
        result: Any = await lossy.batch.trigger_task_v1(
            task, [{k: v for k, v in item.items() if k != "task"} for item in items]
        )
        batch_id = result.batch_id
    else:
        result = await getattr(lossy.batch, call)(items)
        batch_id = result.id
    assert_lost(proxy, how)
    runs = await runs_tagged(real, tag, 3)
    assert len(runs) == 3, [run.id for run in runs]
    if call != "trigger_v2":
        # The v1 routes answer the retry with the batch the lost attempt made.
        first = [r for r in proxy.relayed if r.path == paths[call]]
        assert len(first) == 2 and first[0].status in (200, 202)
        assert batch_id


async def test_a_created_key_shows_the_key_it_was_made_from(real: trigger.AsyncClient) -> None:
    tag = unique("created-key")
    user_key = unique("user-key")
    key = real.idempotency_keys.create(user_key, scope="global")
    first = await real.tasks.trigger(settings().task, {}, tags=tag, delay="1h", idempotency_key=key)
    again = await real.tasks.trigger(settings().task, {}, tags=tag, delay="1h", idempotency_key=key)
    assert again.id == first.id and again.is_cached is True
    run = await real.runs.retrieve(first.id)
    # The server shows idempotencyKeyOptions.key, which only a key's origin can supply.
    assert run.idempotency_key == user_key
    assert [listed.idempotency_key for listed in await runs_tagged(real, tag, 1)] == [key]


async def test_a_trigger_without_a_key_carries_the_calls_own(real: trigger.AsyncClient) -> None:
    tag = unique("own-key")
    await real.tasks.trigger(
        settings().task, {}, tags=tag, delay="1h", request_options={"idempotency_key": tag}
    )
    again = await real.tasks.trigger(
        settings().task, {}, tags=tag, delay="1h", request_options={"idempotency_key": tag}
    )
    (run,) = await runs_tagged(real, tag, 1)
    assert run.idempotency_key == f"request-{tag}"
    assert again.id == run.id and again.is_cached is False
