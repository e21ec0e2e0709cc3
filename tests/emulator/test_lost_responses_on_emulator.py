"""A retried trigger whose answer was lost starts exactly one run, against the emulator.

tests/lossy_proxy.py forwards each request whole to the emulator (which acts on it) and then
loses the answer: it resets the connection (``drop``) or holds the answer past the client's
timeout (``delay``). The SDK retries; the emulator must then hold one run per trigger, and
one run per batch item, with or without the caller's own idempotency key, in `trigger.Client`
and in `trigger.AsyncClient` (on asyncio and on trio).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import trigger
from tests.lossy_proxy import Loss, LossyProxy, running_proxy
from trigger.emulator import Emulator

TASK = "hello"
CLIENT_TIMEOUT = 1.0
"""Seconds the SDK waits for an answer; a held answer comes a second later than that."""
RETRY = trigger.RetryOptions(max_attempts=4, min_timeout=0.1, max_timeout=0.5)


@pytest.fixture
def proxy(trigger_emulator: Emulator) -> Iterator[LossyProxy]:
    trigger_emulator.register(TASK, lambda payload: {"echo": payload})
    with running_proxy(trigger_emulator.url) as lossy_proxy:
        yield lossy_proxy


def _lossy_options(proxy: LossyProxy) -> dict[str, Any]:
    return {"base_url": proxy.base_url, "retry": RETRY, "timeout": CLIENT_TIMEOUT}


def _loss(how: str, path: str, *, exact: bool = False) -> Loss:
    if how == "drop":
        return Loss("POST", path, "drop", exact=exact)
    return Loss("POST", path, "delay", delay=CLIENT_TIMEOUT + 1, exact=exact)


def _tag(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def _key(key: str | None) -> str | None:
    return None if key is None else _tag(key)


def _items(tag: str) -> list[Any]:
    return [
        {"task": TASK, "payload": {"n": n}, "options": {"tags": tag, "delay": "1h"}}
        for n in range(3)
    ]


def _assert_lost_and_retried(proxy: LossyProxy, how: str) -> None:
    lost = [r for r in proxy.relayed if r.lost]
    assert [r.lost for r in lost] == [how], proxy.relayed
    again = [r for r in proxy.relayed if (r.method, r.path) == (lost[0].method, lost[0].path)]
    # A lost create is followed by a create under the same key, or by the stream it made.
    assert len(again) >= 2 or lost[0].path == "/api/v3/batches", proxy.relayed


def _runs_tagged(emulator: Emulator, tag: str) -> list[str]:
    # The emulator commits before it answers: what is listed now is every run there is.
    with emulator.client() as client:
        return [run.id for run in client.runs.list(tag=tag)]


def _batch_run_ids(emulator: Emulator, batch_id: str, expected: int) -> list[str]:
    # A streamed batch's runs are made once it is sealed, a moment after the answer.
    deadline = time.monotonic() + 10
    with emulator.client() as client:
        while True:
            runs = client.batch.retrieve(batch_id).runs
            if len(runs) >= expected or time.monotonic() > deadline:
                return list(runs)
            time.sleep(0.02)


TRIGGER_CASES = pytest.mark.parametrize(
    ("how", "key"), [(h, k) for h in ("drop", "delay") for k in (None, "caller-key")]
)
BATCH_CASES = pytest.mark.parametrize(
    ("phase", "how", "key"),
    [(p, h, k) for p in ("create", "stream") for h in ("drop", "delay") for k in (None, "caller")],
)


def _batch_loss(proxy: LossyProxy, phase: str, how: str) -> None:
    if phase == "create":
        proxy.lose(_loss(how, "/api/v3/batches", exact=True))
    else:
        proxy.lose(_loss(how, "/api/v3/batches/"))


def _assert_one_run_per_item(emulator: Emulator, batch_id: str, tag: str) -> None:
    batch_runs = _batch_run_ids(emulator, batch_id, 3)
    tagged = _runs_tagged(emulator, tag)
    assert len(tagged) == 3, tagged
    assert sorted(batch_runs) == sorted(tagged)


@TRIGGER_CASES
def test_sync_trigger_whose_answer_was_lost_starts_one_run(
    how: str, key: str | None, proxy: LossyProxy, trigger_emulator: Emulator
) -> None:
    tag = _tag(f"trigger-{how}")
    proxy.lose(_loss(how, f"/api/v1/tasks/{TASK}/trigger"))
    with trigger_emulator.client(**_lossy_options(proxy)) as lossy:
        result = lossy.tasks.trigger(
            TASK, {"n": 1}, tags=tag, delay="1h", idempotency_key=_key(key)
        )
    _assert_lost_and_retried(proxy, how)
    assert _runs_tagged(trigger_emulator, tag) == [result.id]
    # With the caller's key the retry finds a run the SDK cannot tell from an earlier call's.
    assert result.is_cached is (key is not None)


@pytest.mark.anyio
@TRIGGER_CASES
async def test_async_trigger_whose_answer_was_lost_starts_one_run(
    how: str, key: str | None, proxy: LossyProxy, trigger_emulator: Emulator
) -> None:
    tag = _tag(f"trigger-{how}")
    proxy.lose(_loss(how, f"/api/v1/tasks/{TASK}/trigger"))
    async with trigger_emulator.async_client(**_lossy_options(proxy)) as lossy:
        result = await lossy.tasks.trigger(
            TASK, {"n": 1}, tags=tag, delay="1h", idempotency_key=_key(key)
        )
    _assert_lost_and_retried(proxy, how)
    assert _runs_tagged(trigger_emulator, tag) == [result.id]
    assert result.is_cached is (key is not None)


@BATCH_CASES
def test_sync_batch_whose_answer_was_lost_starts_one_run_per_item(
    phase: str, how: str, key: str | None, proxy: LossyProxy, trigger_emulator: Emulator
) -> None:
    tag = _tag(f"batch-{phase}-{how}")
    _batch_loss(proxy, phase, how)
    with trigger_emulator.client(**_lossy_options(proxy)) as lossy:
        result = lossy.batch.trigger(_items(tag), idempotency_key=_key(key))
    _assert_lost_and_retried(proxy, how)
    assert result.run_count == 3
    _assert_one_run_per_item(trigger_emulator, result.id, tag)


@pytest.mark.anyio
@BATCH_CASES
async def test_async_batch_whose_answer_was_lost_starts_one_run_per_item(
    phase: str, how: str, key: str | None, proxy: LossyProxy, trigger_emulator: Emulator
) -> None:
    tag = _tag(f"batch-{phase}-{how}")
    _batch_loss(proxy, phase, how)
    async with trigger_emulator.async_client(**_lossy_options(proxy)) as lossy:
        result = await lossy.batch.trigger(_items(tag), idempotency_key=_key(key))
    _assert_lost_and_retried(proxy, how)
    assert result.run_count == 3
    _assert_one_run_per_item(trigger_emulator, result.id, tag)


def test_without_the_sdks_keys_a_retried_trigger_would_start_two_runs(
    proxy: LossyProxy, trigger_emulator: Emulator
) -> None:
    # The premise, so the tests above can fail: two identical requests that carry no
    # idempotency key start two runs on the emulator, as on the server.
    tag = _tag("premise")
    headers = {"authorization": f"Bearer {trigger_emulator.secret_key}"}
    body = {"payload": {"n": 1}, "options": {"tags": [tag], "delay": "1h"}}
    with httpx.Client(base_url=trigger_emulator.url, headers=headers) as http:
        for _ in range(2):
            assert http.post(f"/api/v1/tasks/{TASK}/trigger", json=body).status_code == 200
    assert len(_runs_tagged(trigger_emulator, tag)) == 2
