"""A run's trace, built from what the emulator recorded about it (pure).

The real server stores OpenTelemetry spans sent by the worker; the emulator has the run's
own record instead, and derives the same tree from it: the run's span (``SERVER`` kind,
named after the task), one ``Attempt N`` span per attempt and a ``run()`` span inside each,
with an ``exception`` event where an attempt failed. Span and trace ids are stable hashes
of the run id. The run keeps only its first start and its current attempt's start, so
earlier attempts share the time before the last one evenly.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from trigger.emulator.durations import iso
from trigger.emulator.engine.runs import RunState

__all__ = ["Span", "span_id", "spans", "trace_id"]

_FAILED = frozenset(
    {"COMPLETED_WITH_ERRORS", "CRASHED", "SYSTEM_FAILURE", "INTERRUPTED", "TIMED_OUT", "EXPIRED"}
)
_NS = 1_000_000


class Span(msgspec.Struct, frozen=True, kw_only=True):
    """One span of a run's trace (times in Unix ms, durations in ns)."""

    id: str
    parent_id: str | None
    message: str
    kind: str
    style: dict[str, str]
    start_ms: int
    duration_ns: int
    is_error: bool = False
    is_partial: bool = False
    is_cancelled: bool = False
    level: str = "TRACE"
    attempt_number: int | None = None
    entity_type: str | None = None
    events: tuple[dict[str, Any], ...] = ()


def trace_id(run: RunState) -> str:
    """The run's 32-hex-digit trace id."""
    return hashlib.sha256(f"trace:{run.id}".encode()).hexdigest()[:32]


def span_id(run: RunState, label: str) -> str:
    """A 16-hex-digit span id for one part of the run."""
    return hashlib.sha256(f"span:{run.id}:{label}".encode()).hexdigest()[:16]


def _exception_event(run: RunState, at_ms: int) -> dict[str, Any]:
    error = run.error or {}
    exception: dict[str, Any] = {}
    if error.get("type") == "BUILT_IN_ERROR":
        exception = {"type": error.get("name", "Error"), "message": error.get("message", "")}
        if error.get("stackTrace"):
            exception["stacktrace"] = error["stackTrace"]
    elif error.get("type") in ("STRING_ERROR", "CUSTOM_ERROR"):
        exception = {"message": str(error.get("raw", ""))}
    elif error.get("type") == "INTERNAL_ERROR":
        exception = {"type": "Error", "message": str(error.get("code", "UNKNOWN"))}
    return {"name": "exception", "time": iso(at_ms), "properties": {"exception": exception}}


def spans(run: RunState, now: int) -> list[Span]:
    """Every span of the run, the run's own first, then attempts in order."""
    final = run.is_final
    end = run.completed_at if run.completed_at is not None else run.updated_at
    root_end = end if final else None
    failed = run.status in _FAILED
    root_id = span_id(run, "root")
    out = [
        Span(
            id=root_id,
            parent_id=None,
            message=run.task,
            kind="SERVER",
            style={},
            start_ms=run.created_at,
            duration_ns=0 if root_end is None else max(0, root_end - run.created_at) * _NS,
            is_error=failed,
            is_partial=not final,
            is_cancelled=run.status == "CANCELED",
        )
    ]
    attempts = run.attempt_number
    if attempts <= 0 or run.started_at is None:
        return out
    running = not final and run.attempt_started_at is not None
    finish = end if final else (now if running else run.updated_at)
    if running and run.attempt_started_at is not None:
        last_start = run.attempt_started_at
    else:
        last_start = run.started_at + (finish - run.started_at) * (attempts - 1) // attempts
    earlier = attempts - 1
    for number in range(1, attempts + 1):
        if number < attempts:
            start = run.started_at + (last_start - run.started_at) * (number - 1) // earlier
            stop = run.started_at + (last_start - run.started_at) * number // earlier
            errored, partial = True, False
        else:
            start, stop = last_start, finish
            errored = failed or (not final and not running)
            partial = running
        duration = 0 if partial else max(0, stop - start) * _NS
        attempt_id = span_id(run, f"attempt:{number}")
        out.append(
            Span(
                id=attempt_id,
                parent_id=root_id,
                message=f"Attempt {number}",
                kind="CONSUMER",
                style={"icon": "attempt", "variant": "cold"},
                start_ms=start,
                duration_ns=duration,
                is_error=errored,
                is_partial=partial,
                is_cancelled=run.status == "CANCELED" and number == attempts,
                attempt_number=number,
                entity_type="attempt",
            )
        )
        out.append(
            Span(
                id=span_id(run, f"run:{number}"),
                parent_id=attempt_id,
                message="run()",
                kind="INTERNAL",
                style={"icon": "task-fn-run"},
                start_ms=start,
                duration_ns=duration,
                is_error=errored,
                is_partial=partial,
                is_cancelled=run.status == "CANCELED" and number == attempts,
                attempt_number=number,
                events=(_exception_event(run, stop),) if errored else (),
            )
        )
    return out
