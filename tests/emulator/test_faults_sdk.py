"""Every fault kind, seen by `trigger.Client` and by `trigger.AsyncClient` on asyncio and
on trio, with the SDK's retries doing what docs/guides/errors-and-retries.md says.

Retried: connection errors (a dropped connection, a truncated body, a timeout), 408, 409,
429 and every 5xx, and anything with ``x-should-retry: true``; never anything with
``x-should-retry: false``. A 429 waits for its reset. After the last attempt the status's
exception (or `APIConnectionError`) is raised, with ``attempts``. A trigger whose answer
was lost after the emulator made the run ends with that one run: every attempt carries
the SDK's request key, and the SDK gives the trigger a task idempotency key built from it.

Each case is written once and run in the three modes.
"""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest

import trigger
from trigger.emulator import Emulator
from trigger.emulator.faults import FaultRule, RateLimit

TASK = "fault-target"
FAST = trigger.RetryOptions(max_attempts=3, min_timeout=0.01, max_timeout=0.05)
FAST_OPTIONS: trigger.RequestOptions = {"min_timeout": 0.01, "max_timeout": 0.05}
"""For the batch item stream, which has a retry policy of its own (1 to 30 s)."""


@dataclass
class Context:
    """What a case's call and check see."""

    emulator: Emulator
    tag: str
    run_id: str = ""


@dataclass
class Outcome:
    """What the call returned or raised, and how long it took."""

    value: Any = None
    error: BaseException | None = None
    elapsed: float = 0.0


Check = Callable[[Context, Outcome, FaultRule], None]


@dataclass(frozen=True)
class Case:
    """A rule, an SDK call made under it, and what must come of it."""

    id: str
    rule: str
    call: Callable[[Any, Context], Any]
    check: Check
    retry: trigger.RetryOptions = FAST
    timeout: float | None = None
    needs_run: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _runs_tagged(emulator: Emulator, tag: str) -> list[str]:
    with emulator.client() as client:
        return [run.id for run in client.runs.list(tag=tag)]


def _logged(emulator: Emulator, path: str, method: str) -> list[dict[str, Any]]:
    return emulator.requests(path=path, method=method)


def _trigger(client: Any, ctx: Context) -> Any:
    return client.tasks.trigger(TASK, {"tag": ctx.tag}, tags=ctx.tag, delay="1h")


def _list(client: Any, ctx: Context) -> Any:
    return client.runs.list(tag=ctx.tag)


def _retrieve(client: Any, ctx: Context) -> Any:
    return client.runs.retrieve(ctx.run_id)


def _batch(client: Any, ctx: Context) -> Any:
    items = [
        {"task": TASK, "payload": {"n": n}, "options": {"tags": ctx.tag, "delay": "1h"}}
        for n in range(3)
    ]
    return client.batch.trigger(items, request_options=FAST_OPTIONS)


# -- checks ---------------------------------------------------------------------------------------


def _succeeded(*, fired: int, path: str, method: str, attempts: int) -> Check:
    def check(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
        assert outcome.error is None, repr(outcome.error)
        assert rule.fired == fired
        logged = _logged(ctx.emulator, path.format(run_id=ctx.run_id), method)
        assert len(logged) == attempts, logged
        keys = {entry["headers"].get("x-trigger-request-idempotency-key") for entry in logged}
        assert len(keys) == 1 and None not in keys  # one request key on every attempt

    return check


def _raised(kind: type[BaseException], *, attempts: int, status: int | None = None) -> Check:
    def check(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
        assert type(outcome.error) is kind, repr(outcome.error)
        assert isinstance(outcome.error, trigger.APIError)
        assert outcome.error.attempts == attempts
        assert rule.fired == attempts
        if status is not None:
            assert isinstance(outcome.error, trigger.APIStatusError)
            assert outcome.error.status == status
            if attempts > 1:
                assert f"after {attempts} attempts" in str(outcome.error)

    return check


def _one_run(*, fired: int = 1) -> Check:
    def check(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
        assert outcome.error is None, repr(outcome.error)
        assert rule.fired == fired
        # The emulator commits before it answers: listed now is every run there is.
        assert _runs_tagged(ctx.emulator, ctx.tag) == [outcome.value.id]
        assert outcome.value.is_cached is False  # as the first answer would have said

    return check


def _slow_first_attempt_one_run(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
    assert outcome.error is None, repr(outcome.error)
    assert rule.fired == 1
    path = f"/api/v1/tasks/{TASK}/trigger"
    deadline = time.monotonic() + 10
    # The first attempt, slowed past the client's timeout, is applied once its delay ends.
    while len(_logged(ctx.emulator, path, "POST")) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [entry["status"] for entry in _logged(ctx.emulator, path, "POST")] == [200, 200]
    assert _runs_tagged(ctx.emulator, ctx.tag) == [outcome.value.id]


def _applied_once_then_raised(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
    # Without retries a lost answer is an error, though the run was made.
    assert type(outcome.error) is trigger.APIConnectionError, repr(outcome.error)
    assert len(_runs_tagged(ctx.emulator, ctx.tag)) == 1


def _one_batch(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
    assert outcome.error is None, repr(outcome.error)
    assert rule.fired == 1
    deadline = time.monotonic() + 10
    with ctx.emulator.client() as client:
        while len(client.batch.retrieve(outcome.value.id).runs) < 3:
            assert time.monotonic() < deadline, "the batch's runs were never made"
            time.sleep(0.02)
        runs = sorted(client.batch.retrieve(outcome.value.id).runs)
    assert sorted(_runs_tagged(ctx.emulator, ctx.tag)) == runs  # one run per item


def _waited_for_the_reset(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
    _succeeded(fired=1, path="/api/v1/runs", method="GET", attempts=2)(ctx, outcome, rule)
    # The backoff alone would be under 0.05 s; the reset was 0.5 s away.
    assert outcome.elapsed >= 0.45


def _rate_limit_error(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
    _raised(trigger.RateLimitError, attempts=2, status=429)(ctx, outcome, rule)
    assert isinstance(outcome.error, trigger.RateLimitError)
    assert outcome.error.retry_after is not None and 0 <= outcome.error.retry_after <= 2
    assert outcome.error.headers["content-type"].startswith("application/problem+json")


def _slowed(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
    _succeeded(fired=1, path="/api/v1/runs", method="GET", attempts=1)(ctx, outcome, rule)
    assert outcome.elapsed >= 0.3


def _same_run(ctx: Context, outcome: Outcome, rule: FaultRule) -> None:
    path = "/api/v3/runs/{run_id}"
    _succeeded(fired=1, path=path, method="GET", attempts=2)(ctx, outcome, rule)
    assert outcome.value.id == ctx.run_id


# -- the cases --------------------------------------------------------------------------------------

EXHAUSTED = {
    500: trigger.InternalServerError,
    502: trigger.InternalServerError,
    503: trigger.InternalServerError,
    504: trigger.InternalServerError,
    408: trigger.APIStatusError,
    409: trigger.ConflictError,
}

CASES = [
    *(
        Case(
            f"{status}-retried",
            f"runs.list status={status} times=2",
            _list,
            _succeeded(fired=2, path="/api/v1/runs", method="GET", attempts=3),
        )
        for status in EXHAUSTED
    ),
    *(
        Case(
            f"{status}-exhausted",
            f"runs.list status={status}",
            _list,
            _raised(kind, attempts=3, status=status),
        )
        for status, kind in EXHAUSTED.items()
    ),
    Case(
        "should-retry-false",
        "runs.list status=503 should_retry=false",
        _list,
        _raised(trigger.InternalServerError, attempts=1, status=503),
    ),
    Case(
        "should-retry-true-on-a-400",
        "runs.list status=400 should_retry=true times=1",
        _list,
        _succeeded(fired=1, path="/api/v1/runs", method="GET", attempts=2),
    ),
    Case(
        "400-not-retried",
        "runs.list status=400",
        _list,
        _raised(trigger.BadRequestError, attempts=1, status=400),
    ),
    Case(
        "429-waits-for-the-reset",
        "runs.list status=429 retry_after=0.5 times=1",
        _list,
        _waited_for_the_reset,
        retry=trigger.RetryOptions(max_attempts=3, min_timeout=0.01, max_timeout=5),
    ),
    Case(
        "429-exhausted",
        "runs.list status=429 retry_after=0.1",
        _list,
        _rate_limit_error,
        retry=trigger.RetryOptions(max_attempts=2, min_timeout=0.01, max_timeout=0.05),
    ),
    Case("batch-429", "batch.create status=429 times=1", _batch, _one_batch),
    Case("latency", "runs.list latency=300ms times=1", _list, _slowed),
    Case(
        "latency-past-the-timeout",
        "tasks.trigger latency=1.5s times=1",
        _trigger,
        _slow_first_attempt_one_run,
        timeout=0.5,
    ),
    Case("drop-before", "tasks.trigger drop=before times=1", _trigger, _one_run()),
    Case("drop-after", "tasks.trigger drop=after times=1", _trigger, _one_run()),
    Case("drop-after-twice", "tasks.trigger drop=after times=2", _trigger, _one_run(fired=2)),
    Case(
        "drop-after-without-retries",
        "tasks.trigger drop=after",
        _trigger,
        _applied_once_then_raised,
        retry=trigger.RetryOptions(max_attempts=1),
    ),
    Case("drop-after-batch-create", "batch.create drop=after times=1", _batch, _one_batch),
    Case("drop-after-batch-stream", "batch.stream_items drop=after times=1", _batch, _one_batch),
    Case(
        "drop-exhausted",
        "runs.list drop=before",
        _list,
        _raised(trigger.APIConnectionError, attempts=3),
    ),
    Case(
        "truncate-retrieve", "runs.retrieve truncate times=1", _retrieve, _same_run, needs_run=True
    ),
    Case("truncate-trigger", "tasks.trigger truncate times=1", _trigger, _one_run()),
    Case(
        "truncate-exhausted",
        "runs.list truncate",
        _list,
        _raised(trigger.APIConnectionError, attempts=3),
    ),
]


def _context(emulator: Emulator, case: Case) -> Context:
    ctx = Context(emulator, f"{case.id}-{uuid.uuid4().hex[:8]}")
    if case.needs_run:
        headers = {"authorization": f"Bearer {emulator.secret_key}"}
        body = {"payload": {}, "options": {"tags": [ctx.tag], "delay": "1h"}}
        answer = httpx.post(
            f"{emulator.url}/api/v1/tasks/{TASK}/trigger", json=body, headers=headers
        )
        ctx.run_id = answer.json()["id"]
        httpx.delete(f"{emulator.url}/_emulator/requests")  # count only the case's requests
    return ctx


def _options(case: Case) -> dict[str, Any]:
    options: dict[str, Any] = {"retry": case.retry}
    if case.timeout is not None:
        options["timeout"] = case.timeout
    return options


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_sync_client(case: Case, trigger_emulator: Emulator) -> None:
    ctx = _context(trigger_emulator, case)
    rule = trigger_emulator.faults.add(case.rule)
    outcome = Outcome()
    started = time.perf_counter()
    with trigger_emulator.client(**_options(case)) as client:
        try:
            outcome.value = case.call(client, ctx)
        except trigger.TriggerError as error:
            outcome.error = error
    outcome.elapsed = time.perf_counter() - started
    trigger_emulator.faults.clear()
    case.check(ctx, outcome, rule)


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_async_client(case: Case, trigger_emulator: Emulator) -> None:
    ctx = _context(trigger_emulator, case)
    rule = trigger_emulator.faults.add(case.rule)
    outcome = Outcome()
    started = time.perf_counter()
    async with trigger_emulator.async_client(**_options(case)) as client:
        try:
            result = case.call(client, ctx)
            outcome.value = await result if inspect.isawaitable(result) else result
        except trigger.TriggerError as error:
            outcome.error = error
    outcome.elapsed = time.perf_counter() - started
    trigger_emulator.faults.clear()
    case.check(ctx, outcome, rule)


def test_without_the_request_key_a_lost_answer_would_mean_two_runs(
    trigger_emulator: Emulator,
) -> None:
    # The premise, so the drop-after cases can fail: a client that retries a trigger
    # without the SDK's keys starts a second run.
    tag = f"premise-{uuid.uuid4().hex[:8]}"
    trigger_emulator.faults.add("tasks.trigger drop=after times=1")
    headers = {"authorization": f"Bearer {trigger_emulator.secret_key}"}
    body = {"payload": {}, "options": {"tags": [tag], "delay": "1h"}}
    with httpx.Client(base_url=trigger_emulator.url, headers=headers) as http:
        with pytest.raises(httpx.TransportError):
            http.post(f"/api/v1/tasks/{TASK}/trigger", json=body)
        assert http.post(f"/api/v1/tasks/{TASK}/trigger", json=body).status_code == 200
    assert len(_runs_tagged(trigger_emulator, tag)) == 2


# -- seeded probabilities and the real limiter, in the three modes -----------------------------

MODES = ["sync", "asyncio", "trio"]


def _list_n_times(emulator: Emulator, mode: str, n: int, retry: trigger.RetryOptions) -> float:
    """``runs.list`` n times in turn through the mode's client; the seconds it all took."""
    started = time.perf_counter()
    if mode == "sync":
        with emulator.client(retry=retry) as client:
            for _ in range(n):
                client.runs.list(limit=1).data  # noqa: B018 (the request is the point)
    else:

        async def calls() -> None:
            async with emulator.async_client(retry=retry) as client:
                for _ in range(n):
                    await client.runs.list(limit=1)

        anyio.run(calls, backend=mode)
    return time.perf_counter() - started


def _statuses(emulator: Emulator) -> list[int]:
    return [entry["status"] for entry in emulator.requests(path="/api/v1/runs", method="GET")]


@pytest.mark.parametrize("mode", MODES)
def test_a_seeded_probability_gives_the_same_faults_every_time(mode: str) -> None:
    patient = trigger.RetryOptions(max_attempts=20, min_timeout=0.001, max_timeout=0.005)
    sequences = []
    for seed in (7, 7, 8):
        with Emulator(fault_seed=seed, faults=["runs.list status=503 probability=0.5"]) as emu:
            _list_n_times(emu, mode, 12, patient)  # every call succeeds in the end
            statuses = _statuses(emu)
            (rule,) = emu.faults.list()
            assert statuses.count(503) == rule.fired
            assert statuses.count(200) == 12
            sequences.append(statuses)
    assert sequences[0] == sequences[1]  # the same seed: the same requests broken
    assert sequences[0] != sequences[2]
    assert 503 in sequences[0]


@pytest.mark.parametrize("mode", MODES)
def test_the_real_rate_limiter_is_waited_out_by_the_sdk(mode: str) -> None:
    limit = RateLimit(limit=2, refill=2, interval=0.5)
    retry = trigger.RetryOptions(max_attempts=5, min_timeout=0.01, max_timeout=2)
    with Emulator(rate_limit=limit) as emulator:
        elapsed = _list_n_times(emulator, mode, 5, retry)
        statuses = _statuses(emulator)
        assert statuses.count(200) == 5  # each call got through in the end
        assert 429 in statuses
        # Five requests through a bucket of two, refilled every 0.5 s: two refills at least.
        assert elapsed >= 0.9
