"""A bulk action's state and its lifecycle, as pure functions of ``(state, now)``.

A bulk action (SERVER.md §2.4) cancels or replays the runs its frozen selection names: the
listed run ids, or the runs a filter matched when it was created (the filter's time window
pinned then). The runtime works through them in chunks of `CHUNK_SIZE` with `CHUNK_DELAY_MS`
between chunks, as the server does; counts grow as it goes and the action is ``COMPLETED``
after the last chunk, or ``ABORTED`` when aborted first (what it did stays done).

Nothing here reads a clock or touches the store.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "CHUNK_DELAY_MS",
    "CHUNK_SIZE",
    "BulkActionState",
    "BulkSelection",
    "abort",
    "record_chunk",
]

CHUNK_SIZE = 100
"""``BULK_ACTION_BATCH_SIZE``: runs handled per chunk."""
CHUNK_DELAY_MS = 200
"""``BULK_ACTION_BATCH_DELAY_MS``: the pause between chunks."""


class BulkSelection(msgspec.Struct, frozen=True, kw_only=True):
    """Which runs a bulk action acts on: run ids, or a run-list filter frozen at creation.

    List fields hold database statuses and internal queue names; ``None`` means no filter.
    """

    run_ids: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    tasks: tuple[str, ...] | None = None
    versions: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    queues: tuple[str, ...] | None = None
    machines: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    bulk_action: str | None = None
    schedule: str | None = None
    batch: str | None = None
    is_test: bool | None = None
    created_from: int | None = None
    created_to: int | None = None


class BulkActionState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything stored about one bulk action (times in Unix ms)."""

    id: str
    """Internal id (the part after ``bulk_``)."""
    friendly_id: str
    env_id: str
    type: Literal["CANCEL", "REPLAY"]
    status: Literal["PENDING", "COMPLETED", "ABORTED"]
    created_at: int
    updated_at: int
    selection: BulkSelection
    total_count: int = 0
    success_count: int = 0
    failure_count: int = 0
    name: str | None = None
    target_region: str | None = None
    completed_at: int | None = None
    cursor: tuple[int, int] | None = None
    """``(created_at, seq)`` of the last run handled: the next chunk starts after it."""
    next_chunk_at: int | None = None
    """When the next chunk is due (``None``: no chunk pending)."""


def _replace(action: BulkActionState, now: int, **changes: Any) -> BulkActionState:
    return msgspec.structs.replace(action, updated_at=max(now, action.updated_at), **changes)


def record_chunk(
    action: BulkActionState,
    now: int,
    *,
    succeeded: int,
    failed: int,
    cursor: tuple[int, int] | None,
    finished: bool,
) -> BulkActionState:
    """One chunk was handled: add its counts; the action completes after its last chunk."""
    if action.status != "PENDING":
        return action
    return _replace(
        action,
        now,
        success_count=action.success_count + succeeded,
        failure_count=action.failure_count + failed,
        cursor=cursor if cursor is not None else action.cursor,
        status="COMPLETED" if finished else "PENDING",
        completed_at=now if finished else None,
        next_chunk_at=None if finished else now + CHUNK_DELAY_MS,
    )


def abort(action: BulkActionState, now: int) -> BulkActionState:
    """Stop a pending action (the caller checks it is pending); done runs stay done."""
    return _replace(action, now, status="ABORTED", next_chunk_at=None)
