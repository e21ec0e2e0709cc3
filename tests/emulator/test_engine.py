"""The engine's pure transitions, the durations grammars and the dispatcher."""

from __future__ import annotations

import msgspec
import pytest

from trigger.emulator.durations import (
    idempotency_ttl_ms,
    iso,
    natural_duration_ms,
    parse_delay,
    period_ms,
    stringify_duration,
)
from trigger.emulator.engine import runs as engine
from trigger.emulator.engine.dispatch import QueueState, free_slots, select_dequeue
from trigger.emulator.engine.metadata import MetadataError, apply_operations
from trigger.emulator.engine.runs import RetryPolicy, RunState
from trigger.emulator.engine.statuses import api_status, flags, statuses_for_filter

T0 = 1_700_000_000_000


def run(**changes: object) -> RunState:
    base = RunState(
        id="c1",
        friendly_id="run_c1",
        env_id="e",
        task="t",
        status="PENDING",
        created_at=T0,
        updated_at=T0,
        queued_at=T0,
        queue="task/t",
    )
    return msgspec.structs.replace(base, **changes)


def test_natural_durations_follow_the_server_grammar() -> None:
    assert natural_duration_ms("1h30m") == 5_400_000
    assert natural_duration_ms("2w") == 14 * 86_400_000
    assert natural_duration_ms("10hr") == 36_000_000
    assert natural_duration_ms("1.5h") is None
    assert natural_duration_ms("") is None
    assert natural_duration_ms("5x") is None


def test_delay_parsing() -> None:
    assert parse_delay("1m", T0) == T0 + 60_000
    assert parse_delay(iso(T0 + 5000), T0) == T0 + 5000
    assert parse_delay(iso(T0 - 5000), T0) is None  # a past date: no delay
    assert parse_delay("soon", T0) is None  # unparseable: no delay


def test_other_grammars() -> None:
    assert idempotency_ttl_ms("2s") == 2000
    assert idempotency_ttl_ms("1h30m") is None  # only one number and one unit
    assert idempotency_ttl_ms("1w") is None
    assert period_ms("7d") == 7 * 86_400_000
    assert period_ms("1.5h") == 5_400_000
    assert period_ms("junk") is None
    assert stringify_duration(90) == "1m30s"
    assert stringify_duration(0) is None
    assert iso(T0 + 7) == "2023-11-14T22:13:20.007Z"


def test_status_vocabularies_and_flags() -> None:
    assert api_status("PENDING", "2025-07-16") == "QUEUED"
    assert api_status("DEQUEUED", "2025-07-16") == "DEQUEUED"
    assert api_status("DEQUEUED", None) == "EXECUTING"
    assert api_status("INTERRUPTED", None) == "INTERRUPTED"
    assert api_status("INTERRUPTED", "2025-07-16") == "FAILED"
    assert not any(flags("EXPIRED").values())
    assert not any(flags("TIMED_OUT").values())
    assert flags("CANCELED")["isCompleted"] and flags("CANCELED")["isFailed"]
    assert statuses_for_filter("FAILED") == ("COMPLETED_WITH_ERRORS",)
    assert statuses_for_filter("FROZEN") == ("PAUSED", "WAITING_TO_RESUME")
    assert statuses_for_filter("nope") is None


def test_delay_then_ttl_then_expiry() -> None:
    delayed = run(status="DELAYED", delay_until=T0 + 1000, queued_at=None, ttl="10m")
    assert engine.due_at(delayed) == T0 + 1000
    assert engine.fire_timer(delayed, T0 + 999).kind == "none"
    queued = engine.fire_timer(delayed, T0 + 1000)
    assert queued.kind == "enqueued"
    assert queued.run.status == "PENDING"
    # The TTL clock starts when the run enters the queue.
    assert engine.due_at(queued.run) == T0 + 1000 + 600_000
    expired = engine.fire_timer(queued.run, T0 + 1000 + 600_000)
    assert expired.kind == "expired"
    assert expired.run.status == "EXPIRED"
    assert expired.run.expired_at == expired.run.completed_at == T0 + 601_000
    assert expired.run.error == {
        "type": "STRING_ERROR",
        "raw": "Run expired because the TTL (10m) was reached",
    }


def test_attempts_retries_and_failure() -> None:
    first = engine.start_attempt(run(), T0 + 10)
    assert (first.status, first.attempt_number, first.started_at) == ("EXECUTING", 1, T0 + 10)
    error = {"type": "BUILT_IN_ERROR", "name": "ValueError", "message": "x", "stackTrace": ""}
    waiting = engine.fail(first, T0 + 30, error, retry_at=T0 + 80)
    assert waiting.status == "EXECUTING"
    assert engine.fire_timer(waiting, T0 + 80).kind == "retry_due"
    second = engine.start_attempt(waiting, T0 + 80)
    assert second.attempt_number == 2
    assert second.started_at == T0 + 10
    failed = engine.fail(second, T0 + 100, error, retry_at=None)
    assert failed.status == "COMPLETED_WITH_ERRORS"
    assert failed.error == error
    assert failed.usage_duration_ms == 20 + 20
    assert engine.idempotency_key_reusable(failed, T0 + 100)


def test_retry_backoff() -> None:
    policy = RetryPolicy(min_delay_ms=100, max_delay_ms=300, factor=2)
    assert [engine.retry_delay_ms(n, policy) for n in (1, 2, 3, 4)] == [100, 200, 300, 300]


def test_cancel_rules() -> None:
    queued = engine.cancel(run(), T0 + 5)
    assert queued.status == "CANCELED"
    assert queued.completed_at is None  # canceled before it started (as measured)
    assert queued.error == {"type": "STRING_ERROR", "raw": "Canceled by user"}
    executing = engine.cancel(engine.start_attempt(run(), T0), T0 + 5)
    assert executing.completed_at == T0 + 5
    done = engine.complete(engine.start_attempt(run(), T0), T0 + 1, '"ok"')
    assert engine.cancel(done, T0 + 9) is done
    assert not engine.idempotency_key_reusable(done, T0 + 9)


def test_max_duration_times_out() -> None:
    started = engine.start_attempt(run(max_duration_s=1.5), T0)
    assert engine.due_at(started) == T0 + 1500
    timed_out = engine.fire_timer(started, T0 + 1500)
    assert timed_out.kind == "timed_out"
    assert timed_out.run.status == "TIMED_OUT"


def test_reschedule_only_delayed() -> None:
    with pytest.raises(ValueError, match="not delayed"):
        engine.reschedule(run(), T0, T0 + 5)
    moved = engine.reschedule(run(status="DELAYED", delay_until=T0 + 5), T0, T0 + 50)
    assert moved.delay_until == T0 + 50


def test_dispatch_respects_pause_and_limits() -> None:
    a, b, c = run(id="a"), run(id="b"), run(id="c")
    queues = {
        "one": QueueState(name="one", concurrency_limit=2),
        "paused": QueueState(name="paused", paused=True),
    }
    chosen = select_dequeue({"one": [a, b, c], "paused": [a], "free": [b]}, queues, {"one": 1})
    assert [r.id for r in chosen] == ["a", "b"]
    assert free_slots(QueueState(name="x", concurrency_limit=1, override=3), 1) == 2


def test_metadata_operations() -> None:
    out = apply_operations(
        {"a": 1, "list": [1, 2]},
        [
            {"type": "set", "key": "$.nested.value", "value": 3},
            {"type": "increment", "key": "a", "value": 2},
            {"type": "append", "key": "list", "value": 3},
            {"type": "remove", "key": "list", "value": 1},
            {"type": "delete", "key": "gone"},
        ],
    )
    assert out == {"a": 3, "list": [2, 3], "nested": {"value": 3}}
    with pytest.raises(MetadataError):
        apply_operations({}, [{"type": "set", "key": "$.__proto__.x", "value": 1}])
