"""A run's state and every transition of its lifecycle, as pure functions.

Each function takes a `RunState` and the clock's time in Unix ms and returns a new state: no
I/O, no clock reads, no threads. The runtime decides when to call them; the store persists
what they return. Statuses are the server's database names (see `statuses`).

Lifecycle (SERVER.md §4.5)::

    trigger -> DELAYED -(delay reached)-> PENDING -(dequeued)-> EXECUTING -> COMPLETED_SUCCESSFULLY
            -> PENDING (no delay)                   |                   -> COMPLETED_WITH_ERRORS
            -> PENDING_VERSION (no handler, parked) +-(TTL while PENDING)-> EXPIRED
    any non-final -(cancel)-> CANCELED;  EXECUTING -(maxDuration)-> TIMED_OUT
"""

from __future__ import annotations

from typing import Any

import msgspec

from trigger.emulator.durations import natural_duration_ms
from trigger.emulator.engine.statuses import FINAL

__all__ = [
    "FREES_IDEMPOTENCY_KEY",
    "AttemptRecord",
    "RetryPolicy",
    "RunState",
    "Timer",
    "add_tags",
    "cancel",
    "complete",
    "due_at",
    "fail",
    "fire_timer",
    "idempotency_key_reusable",
    "park",
    "reschedule",
    "retry_delay_ms",
    "set_metadata",
    "start_attempt",
    "unpark",
]

FREES_IDEMPOTENCY_KEY = frozenset(
    {"COMPLETED_WITH_ERRORS", "INTERRUPTED", "SYSTEM_FAILURE", "CRASHED", "TIMED_OUT", "EXPIRED"}
)
"""Final statuses whose run gives its task idempotency key up to the next trigger."""


class AttemptRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt of a run that has ended (times in Unix ms): what its trace shows."""

    number: int
    started_at: int
    ended_at: int
    outcome: str
    """``succeeded``, ``failed`` or ``canceled``."""
    error: dict[str, Any] | None = None


class RunState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything stored about one run (database field names, times in Unix ms)."""

    id: str
    """Internal id (the part after ``run_``)."""
    friendly_id: str
    env_id: str
    task: str
    status: str
    created_at: int
    updated_at: int
    payload: str | None = None
    payload_type: str = "application/json"
    metadata: str | None = None
    metadata_type: str = "application/json"
    seed_metadata: str | None = None
    seed_metadata_type: str = "application/json"
    tags: tuple[str, ...] = ()
    idempotency_key: str | None = None
    idempotency_key_user: str | None = None
    idempotency_key_scope: str | None = None
    idempotency_key_expires_at: int | None = None
    queue: str = ""
    concurrency_key: str | None = None
    concurrency: tuple[str, ...] | None = None
    """Named concurrency limits given at trigger (``options.concurrency``), replacing the
    task's declared ones; ``None``: the task's."""
    machine: str | None = None
    max_attempts: int | None = None
    max_duration_s: float | None = None
    priority_ms: int = 0
    lock_to_version: str | None = None
    region: str | None = None
    is_test: bool = False
    ttl: str | None = None
    delay_until: int | None = None
    queued_at: int | None = None
    started_at: int | None = None
    completed_at: int | None = None
    expired_at: int | None = None
    attempt_number: int = 0
    attempt_started_at: int | None = None
    next_attempt_at: int | None = None
    attempt_deadline: int | None = None
    auto_complete_at: int | None = None
    output: str | None = None
    output_type: str = "application/json"
    error: dict[str, Any] | None = None
    usage_duration_ms: int = 0
    batch_id: str | None = None
    schedule_id: str | None = None
    bulk_action_id: str | None = None
    parent_run_id: str | None = None
    root_run_id: str | None = None
    depth: int = 0
    resume_parent_on_completion: bool = False
    replayed_from: str | None = None
    trigger_source: str = "api"
    external_deployment_id: str | None = None
    attempts: tuple[AttemptRecord, ...] = ()
    """The attempts that ended, oldest first (the current one joins when it ends)."""
    realtime_streams: tuple[str, ...] = ()
    """Keys of the realtime streams written to the run (its ``realtimeStreams`` column)."""

    @property
    def is_final(self) -> bool:
        """Whether the run has reached a status it never leaves."""
        return self.status in FINAL


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How a failing handler is retried: attempts in total and exponential backoff.

    The defaults are faster than the cloud's (1 s, x2) so tests stay quick.
    """

    max_attempts: int = 3
    """Attempts in all, the first included (1: never retried)."""
    min_delay_ms: int = 50
    """The wait after the first failed attempt."""
    max_delay_ms: int = 1000
    """The longest wait between two attempts."""
    factor: float = 2.0
    """How much each wait grows over the one before."""


def retry_delay_ms(attempt: int, policy: RetryPolicy) -> int:
    """The wait after failed attempt ``attempt`` (1-based): ``min(max, min * factor**(n-1))``."""
    return round(min(policy.max_delay_ms, policy.min_delay_ms * policy.factor ** (attempt - 1)))


def _ttl_expiry(run: RunState) -> int | None:
    if run.status != "PENDING" or not run.ttl or run.queued_at is None:
        return None
    duration = natural_duration_ms(run.ttl)
    return None if duration is None else run.queued_at + duration


def due_at(run: RunState) -> int | None:
    """The next instant the run needs attention without any request, or ``None``."""
    if run.status == "DELAYED":
        return run.delay_until
    if run.status == "PENDING":
        return _ttl_expiry(run)
    if run.status == "EXECUTING":
        times = [t for t in (run.next_attempt_at, run.attempt_deadline, run.auto_complete_at) if t]
        return min(times) if times else None
    return None


class Timer(msgspec.Struct, frozen=True):
    """What firing a run's timer did: ``kind`` and the run after it."""

    kind: str
    """``enqueued``, ``expired``, ``timed_out``, ``completed``, ``retry_due`` or ``none``."""
    run: RunState


def fire_timer(run: RunState, now: int) -> Timer:
    """Apply whatever the run's timer says is due at ``now``."""
    if run.status == "DELAYED" and run.delay_until is not None and run.delay_until <= now:
        # The TTL clock starts when the run enters the queue.
        return Timer("enqueued", _replace(run, now, status="PENDING", queued_at=now))
    if run.status == "PENDING":
        expiry = _ttl_expiry(run)
        if expiry is not None and expiry <= now:
            error = {
                "type": "STRING_ERROR",
                "raw": f"Run expired because the TTL ({run.ttl}) was reached",
            }
            expired = _replace(
                run, now, status="EXPIRED", expired_at=now, completed_at=now, error=error
            )
            return Timer("expired", expired)
    if run.status == "EXECUTING":
        if run.attempt_deadline is not None and run.attempt_deadline <= now:
            error = {"type": "INTERNAL_ERROR", "code": "MAX_DURATION_EXCEEDED"}
            return Timer("timed_out", _finish(run, now, "TIMED_OUT", error=error))
        if run.auto_complete_at is not None and run.auto_complete_at <= now:
            return Timer("completed", _finish(run, now, "COMPLETED_SUCCESSFULLY"))
        if run.next_attempt_at is not None and run.next_attempt_at <= now:
            return Timer("retry_due", run)
    return Timer("none", run)


def _replace(run: RunState, now: int, **changes: Any) -> RunState:
    return msgspec.structs.replace(run, updated_at=max(now, run.updated_at), **changes)


def _ended(
    run: RunState, now: int, outcome: str, error: dict[str, Any] | None
) -> tuple[AttemptRecord, ...]:
    """The run's attempts with the current one (if one runs) recorded as ended at ``now``."""
    if run.attempt_started_at is None:
        return run.attempts
    ended = AttemptRecord(
        number=run.attempt_number,
        started_at=run.attempt_started_at,
        ended_at=now,
        outcome=outcome,
        error=error,
    )
    return (*run.attempts, ended)


def _attempt_usage(run: RunState, now: int) -> int:
    if run.attempt_started_at is None:
        return run.usage_duration_ms
    return run.usage_duration_ms + max(0, now - run.attempt_started_at)


def _finish(
    run: RunState,
    now: int,
    status: str,
    *,
    output: str | None = None,
    output_type: str = "application/json",
    error: dict[str, Any] | None = None,
) -> RunState:
    return _replace(
        run,
        now,
        status=status,
        completed_at=now,
        output=output,
        output_type=output_type,
        error=error,
        usage_duration_ms=_attempt_usage(run, now),
        attempts=_ended(run, now, "succeeded" if error is None else "failed", error),
        attempt_started_at=None,
        next_attempt_at=None,
        attempt_deadline=None,
        auto_complete_at=None,
    )


def start_attempt(run: RunState, now: int) -> RunState:
    """Dequeue a ``PENDING`` run (or retry an ``EXECUTING`` one) into a new attempt."""
    if run.status not in ("PENDING", "EXECUTING"):
        raise ValueError(f"cannot start an attempt of a {run.status} run")
    deadline = None
    if run.max_duration_s is not None and run.max_duration_s > 0:
        deadline = now + round(run.max_duration_s * 1000)
    return _replace(
        run,
        now,
        status="EXECUTING",
        started_at=run.started_at if run.started_at is not None else now,
        attempt_number=run.attempt_number + 1,
        attempt_started_at=now,
        next_attempt_at=None,
        attempt_deadline=deadline,
    )


def complete(
    run: RunState, now: int, output: str | None, output_type: str = "application/json"
) -> RunState:
    """The current attempt succeeded with ``output`` (already serialized)."""
    if run.status != "EXECUTING":
        return run
    return _finish(run, now, "COMPLETED_SUCCESSFULLY", output=output, output_type=output_type)


def fail(run: RunState, now: int, error: dict[str, Any], retry_at: int | None) -> RunState:
    """The current attempt failed: wait for ``retry_at``, or fail the run when ``None``."""
    if run.status != "EXECUTING":
        return run
    if retry_at is not None:
        return _replace(
            run,
            now,
            usage_duration_ms=_attempt_usage(run, now),
            attempts=_ended(run, now, "failed", error),
            attempt_started_at=None,
            attempt_deadline=None,
            next_attempt_at=retry_at,
        )
    return _finish(run, now, "COMPLETED_WITH_ERRORS", error=error)


def cancel(run: RunState, now: int) -> RunState:
    """Cancel a run; a final run is returned unchanged (cancel is idempotent).

    Measured on the real server: a run canceled before it started keeps ``completedAt``
    empty; one canceled while executing gets it.
    """
    if run.is_final:
        return run
    error = {"type": "STRING_ERROR", "raw": "Canceled by user"}
    started = run.started_at is not None
    return _replace(
        run,
        now,
        status="CANCELED",
        error=error,
        completed_at=now if started else None,
        usage_duration_ms=_attempt_usage(run, now),
        attempts=_ended(run, now, "canceled", None),
        attempt_started_at=None,
        next_attempt_at=None,
        attempt_deadline=None,
        auto_complete_at=None,
    )


def reschedule(run: RunState, now: int, delay_until: int) -> RunState:
    """Move a ``DELAYED`` run's start to ``delay_until``."""
    if run.status != "DELAYED":
        raise ValueError("Cannot reschedule a run that is not delayed")
    return _replace(run, now, delay_until=delay_until)


def park(run: RunState, now: int) -> RunState:
    """Hold a queued run in ``PENDING_VERSION`` (no deployed version declares its task)."""
    return _replace(run, now, status="PENDING_VERSION")


def unpark(run: RunState, now: int) -> RunState:
    """Release a ``PENDING_VERSION`` run into the queue (its task has appeared)."""
    if run.status != "PENDING_VERSION":
        return run
    return _replace(run, now, status="PENDING", queued_at=now)


def idempotency_key_reusable(run: RunState, now: int) -> bool:
    """Whether a trigger with this run's key makes a new run (the key expired or failed)."""
    expired = run.idempotency_key_expires_at is not None and run.idempotency_key_expires_at <= now
    return expired or run.status in FREES_IDEMPOTENCY_KEY


def set_metadata(run: RunState, now: int, metadata: str | None, metadata_type: str) -> RunState:
    """Replace the run's metadata (already serialized)."""
    return _replace(run, now, metadata=metadata, metadata_type=metadata_type)


def add_tags(run: RunState, now: int, tags: tuple[str, ...]) -> RunState:
    """Add tags the run does not have yet."""
    new = tuple(tag for tag in dict.fromkeys(tags) if tag not in run.tags)
    if not new:
        return run
    return _replace(run, now, tags=run.tags + new)
