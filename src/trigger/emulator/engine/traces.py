"""A run's trace, built from what the emulator recorded about it (pure).

The real server stores OpenTelemetry spans sent by the worker; the emulator has the run's
own record instead, and derives the same tree from it: the run's span (``SERVER`` kind,
named after the task), one ``Attempt N`` span per attempt and a ``run()`` span inside each,
with an ``exception`` event carrying that attempt's own error where it failed. Each attempt
has the times the run recorded for it (`RunState.attempts`); the one running now is open
(``isPartial``). Span and trace ids are stable hashes of the run id.
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


def _exception_event(error: dict[str, Any] | None, at_ms: int) -> dict[str, Any]:
    error = error or {}
    exception: dict[str, Any] = {}
    if error.get("type") == "BUILT_IN_ERROR":
        exception = {"type": error.get("name", "Error"), "message": error.get("message", "")}
        if error.get("stackTrace"):
            exception["stacktrace"] = error["stackTrace"]
    elif error.get("type") in ("STRING_ERROR", "CUSTOM_ERROR"):
        exception = {"message": str(error.get("raw", ""))}
    elif error.get("type") == "INTERNAL_ERROR":
        exception = {"type": "Error", "message": str(error.get("message") or error.get("code", ""))}
    return {"name": "exception", "time": iso(at_ms), "properties": {"exception": exception}}


class _Attempt(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    start: int
    stop: int
    partial: bool = False
    errored: bool = False
    cancelled: bool = False
    error: dict[str, Any] | None = None


def _attempts(run: RunState, now: int) -> list[_Attempt]:
    """Every attempt with its own times: the recorded ones, then the one running now.

    Runs stored before attempts were recorded keep only their first start and the current
    attempt's: their earlier attempts share that time evenly, with the run's error."""
    out = [
        _Attempt(
            number=record.number,
            start=record.started_at,
            stop=record.ended_at,
            errored=record.outcome == "failed",
            cancelled=record.outcome == "canceled",
            error=record.error,
        )
        for record in run.attempts
    ]
    current = run.attempt_started_at if not run.is_final else None
    known = {attempt.number for attempt in out}
    if current is not None:
        known.add(run.attempt_number)
    missing = [n for n in range(1, run.attempt_number + 1) if n not in known]
    if missing and run.started_at is not None:
        end = run.completed_at if run.completed_at is not None else run.updated_at
        until = min([a.start for a in out] + ([] if current is None else [current]) + [end])
        span = max(0, until - run.started_at)
        final_failure = run.is_final and run.status != "COMPLETED_SUCCESSFULLY"
        for index, number in enumerate(missing):
            last = number == run.attempt_number
            out.append(
                _Attempt(
                    number=number,
                    start=run.started_at + span * index // len(missing),
                    stop=run.started_at + span * (index + 1) // len(missing),
                    errored=not last or final_failure,
                    cancelled=last and run.status == "CANCELED",
                    error=run.error,
                )
            )
    if current is not None:
        out.append(_Attempt(number=run.attempt_number, start=current, stop=now, partial=True))
    return sorted(out, key=lambda attempt: attempt.number)


def spans(run: RunState, now: int) -> list[Span]:
    """Every span of the run, the run's own first, then each attempt and its ``run()``."""
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
    for attempt in _attempts(run, now):
        duration = 0 if attempt.partial else max(0, attempt.stop - attempt.start) * _NS
        attempt_id = span_id(run, f"attempt:{attempt.number}")
        common: dict[str, Any] = {
            "start_ms": attempt.start,
            "duration_ns": duration,
            "is_error": attempt.errored,
            "is_partial": attempt.partial,
            "is_cancelled": attempt.cancelled,
            "attempt_number": attempt.number,
        }
        out.append(
            Span(
                id=attempt_id,
                parent_id=root_id,
                message=f"Attempt {attempt.number}",
                kind="CONSUMER",
                style={"icon": "attempt", "variant": "cold"},
                entity_type="attempt",
                **common,
            )
        )
        events = (_exception_event(attempt.error, attempt.stop),) if attempt.errored else ()
        out.append(
            Span(
                id=span_id(run, f"run:{attempt.number}"),
                parent_id=attempt_id,
                message="run()",
                kind="INTERNAL",
                style={"icon": "task-fn-run"},
                events=events,
                **common,
            )
        )
    return out
