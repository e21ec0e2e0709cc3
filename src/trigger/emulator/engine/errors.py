"""Error groups: failed runs grouped by task, error type and message (pure).

The real server groups error events by a fingerprint in its analytics store; the emulator
groups its failed runs by ``(task, error type, error message)``, so every run that failed
the same way counts once in one group. A group's lifecycle (resolved, ignored) is stored
apart from the runs and applied here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import msgspec

from trigger.emulator.engine.runs import RunState

__all__ = [
    "FAILED_STATUSES",
    "ErrorGroup",
    "GroupState",
    "error_signature",
    "group_runs",
    "ignore",
    "resolve",
    "unresolve",
]

FAILED_STATUSES = (
    "COMPLETED_WITH_ERRORS",
    "CRASHED",
    "SYSTEM_FAILURE",
    "INTERRUPTED",
    "TIMED_OUT",
)
"""Stored statuses of runs that ended with an error."""


class GroupState(msgspec.Struct, frozen=True, kw_only=True):
    """A group's lifecycle (times in Unix ms)."""

    status: str = "unresolved"
    resolved_at: int | None = None
    resolved_in_version: str | None = None
    ignored_at: int | None = None
    ignored_until: int | None = None
    ignored_reason: str | None = None
    ignored_until_occurrence_rate: float | None = None
    ignored_until_total_occurrences: int | None = None


class ErrorGroup(msgspec.Struct, frozen=True, kw_only=True):
    """One group of failed runs."""

    fingerprint: str
    task: str
    error_type: str
    error_message: str
    occurrences: tuple[int, ...]
    """When each failed run failed (Unix ms), oldest first."""
    versions: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The friendly id (``error_…``)."""
        return f"error_{self.fingerprint[:25]}"


def error_signature(run: RunState) -> tuple[str, str]:
    """``(type, message)`` of a failed run's error."""
    error = run.error or {}
    kind = error.get("type")
    if kind == "BUILT_IN_ERROR":
        return str(error.get("name") or "Error"), str(error.get("message") or "")
    if kind == "INTERNAL_ERROR":
        return str(error.get("code") or "INTERNAL_ERROR"), str(error.get("message") or "")
    return "Error", str(error.get("raw") or error.get("message") or "")


def group_runs(runs: Iterable[RunState]) -> list[ErrorGroup]:
    """Group failed runs; newest last occurrence first."""
    buckets: dict[str, tuple[str, str, str, list[int], list[str]]] = {}
    for run in runs:
        kind, message = error_signature(run)
        fingerprint = hashlib.sha256(f"{run.task}\n{kind}\n{message}".encode()).hexdigest()
        at = run.completed_at if run.completed_at is not None else run.updated_at
        bucket = buckets.setdefault(fingerprint, (run.task, kind, message, [], []))
        bucket[3].append(at)
        if run.lock_to_version and run.lock_to_version not in bucket[4]:
            bucket[4].append(run.lock_to_version)
    groups = [
        ErrorGroup(
            fingerprint=fingerprint,
            task=task,
            error_type=kind,
            error_message=message,
            occurrences=tuple(sorted(times)),
            versions=tuple(versions[-5:]),
        )
        for fingerprint, (task, kind, message, times, versions) in buckets.items()
    ]
    groups.sort(key=lambda group: (group.occurrences[-1], group.fingerprint), reverse=True)
    return groups


def resolve(state: GroupState, now: int, version: str | None) -> GroupState:
    """Mark resolved (optionally in a version)."""
    return GroupState(status="resolved", resolved_at=now, resolved_in_version=version)


def ignore(
    state: GroupState,
    now: int,
    *,
    duration_ms: int | None,
    occurrence_rate: float | None,
    total_occurrences: int | None,
    reason: str | None,
) -> GroupState:
    """Ignore, indefinitely or until a time or threshold."""
    return GroupState(
        status="ignored",
        ignored_at=now,
        ignored_until=now + duration_ms if duration_ms is not None else None,
        ignored_reason=reason,
        ignored_until_occurrence_rate=occurrence_rate,
        ignored_until_total_occurrences=total_occurrences,
    )


def unresolve(state: GroupState) -> GroupState:
    """Back to unresolved."""
    return GroupState()
