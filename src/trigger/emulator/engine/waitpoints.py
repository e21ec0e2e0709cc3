"""Waitpoints and the runs blocked on them, as pure functions of (state, now).

A waitpoint is ``PENDING`` until completed: through the API (a token's ``complete`` or its
callback URL), or by its timer (``fire_at``): a token's timeout completes it with the
timeout error, a ``DATETIME`` waitpoint (a handler's timed wait) without output. The API
shows ``WAITING``, ``COMPLETED`` or, for a completion whose output is an error,
``TIMED_OUT`` (SERVER.md §7).

A run waiting on one goes ``EXECUTING`` -> ``WAITING_TO_RESUME`` (API ``WAITING``) and back
when the last waitpoint it waits on completes. Waiting runs hold no queue slot (they are
not ``EXECUTING``); their attempt's ``maxDuration`` clock stops while they wait.
"""

from __future__ import annotations

import json

import msgspec

from trigger.emulator.durations import iso
from trigger.emulator.engine.runs import RunState

__all__ = [
    "WaitpointState",
    "api_status",
    "block_run",
    "complete",
    "fire",
    "key_expired",
    "resume_run",
    "rotate_key",
    "timeout_output",
]


class WaitpointState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything stored about one waitpoint (database names, times in Unix ms)."""

    id: str
    """Internal id (the part after ``waitpoint_``)."""
    friendly_id: str
    env_id: str
    created_at: int
    idempotency_key: str
    """The user's key, or a random one when none was given (always present)."""
    type: str = "MANUAL"
    """``MANUAL`` (a token) or ``DATETIME`` (a handler's timed wait)."""
    status: str = "PENDING"
    user_provided_key: bool = False
    idempotency_key_expires_at: int | None = None
    inactive_idempotency_key: str | None = None
    """The user's key after it expired (the token then holds a random one)."""
    completed_after: int | None = None
    """The timeout instant, shown as ``timeoutAt`` and ``completedAfter``."""
    fire_at: int | None = None
    """When the emulator completes it by itself (the timeout, or a waiting handler's)."""
    completed_at: int | None = None
    output: str | None = None
    output_type: str = "application/json"
    output_is_error: bool = False
    tags: tuple[str, ...] = ()
    """As given (retrieve shows them in this order, list sorted)."""

    @property
    def is_pending(self) -> bool:
        """Whether nothing has completed it yet."""
        return self.status == "PENDING"


def api_status(waitpoint: WaitpointState) -> str:
    """``WAITING``, ``COMPLETED`` or ``TIMED_OUT``."""
    if waitpoint.is_pending:
        return "WAITING"
    return "TIMED_OUT" if waitpoint.output_is_error else "COMPLETED"


def key_expired(waitpoint: WaitpointState, now: int) -> bool:
    """Whether the idempotency key no longer deduplicates (``now`` strictly after expiry)."""
    expires = waitpoint.idempotency_key_expires_at
    return expires is not None and now > expires


def rotate_key(waitpoint: WaitpointState, random_key: str) -> WaitpointState:
    """Retire an expired key: it moves to ``inactive_idempotency_key``."""
    return msgspec.structs.replace(
        waitpoint,
        idempotency_key=random_key,
        inactive_idempotency_key=waitpoint.idempotency_key,
    )


def complete(
    waitpoint: WaitpointState,
    now: int,
    output: str | None,
    output_type: str | None = None,
    *,
    is_error: bool = False,
) -> WaitpointState:
    """Complete a pending waitpoint; a completed one is returned unchanged (no-op)."""
    if not waitpoint.is_pending:
        return waitpoint
    return msgspec.structs.replace(
        waitpoint,
        status="COMPLETED",
        completed_at=now,
        output=output,
        output_type=output_type or waitpoint.output_type,
        output_is_error=is_error,
        fire_at=None,
    )


def timeout_output(at: int) -> str:
    """The error a timed-out token completes with (``timeoutError`` of the server)."""
    message = f"Waitpoint timed out at {iso(at)}"
    body = {"code": "TRIGGER_WAITPOINT_TIMEOUT", "message": message}
    return json.dumps(body, separators=(",", ":"))


def fire(waitpoint: WaitpointState, now: int) -> WaitpointState:
    """Apply the waitpoint's timer if it is due at ``now`` (else unchanged)."""
    at = waitpoint.fire_at
    if not waitpoint.is_pending or at is None or at > now:
        return waitpoint
    if waitpoint.type == "DATETIME":
        return complete(waitpoint, now, None)
    return complete(waitpoint, now, timeout_output(at), "application/json", is_error=True)


def block_run(run: RunState, now: int) -> RunState:
    """An executing run starts waiting: ``WAITING_TO_RESUME``, its attempt clock stopped."""
    if run.status != "EXECUTING":
        return run
    usage = run.usage_duration_ms
    if run.attempt_started_at is not None:
        usage += max(0, now - run.attempt_started_at)
    return msgspec.structs.replace(
        run,
        status="WAITING_TO_RESUME",
        updated_at=max(now, run.updated_at),
        usage_duration_ms=usage,
        attempt_started_at=None,
        attempt_deadline=None,
    )


def resume_run(run: RunState, now: int, deadline_left_ms: int | None) -> RunState:
    """A waiting run executes again; ``maxDuration`` resumes with the time it had left."""
    if run.status != "WAITING_TO_RESUME":
        return run
    return msgspec.structs.replace(
        run,
        status="EXECUTING",
        updated_at=max(now, run.updated_at),
        attempt_started_at=now,
        attempt_deadline=None if deadline_left_ms is None else now + max(0, deadline_left_ms),
    )
