"""A batch's state and its lifecycle, as pure functions of ``(state, now)``.

Four kinds of batch share one record, as on the server (SERVER.md §2.2):

- ``v3``: the two-phase API. Created ``PENDING`` and unsealed; the item stream seals it
  (``PROCESSING``) once every index up to ``runCount`` has arrived; the runtime then creates
  its runs and puts it back to ``PENDING`` with ``processingCompletedAt``; it becomes
  ``COMPLETED`` when every run is final (finished, not necessarily successful).
- ``v2``: ``POST /api/v2/tasks/batch``. Runs are created with the batch; ``COMPLETED`` when
  every run is final.
- ``v1`` and ``v1_task``: ``POST /api/v1/tasks/batch`` and ``POST /api/v1/tasks/{id}/batch``.
  Runs are created with the batch, which stays ``PENDING`` (measured: the v2 run engine never
  completes these), except that a batch whose runs were all found by their idempotency keys
  is ``COMPLETED`` from the start. Only these batches list results: the canceled runs they
  created themselves.

Nothing here reads a clock or touches the store.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "BATCH_STATUSES",
    "BatchError",
    "BatchKind",
    "BatchState",
    "awaits_runs",
    "complete",
    "is_sealed_retry",
    "processed",
    "seal",
    "without_idempotency_key",
]

BatchKind = Literal["v3", "v2", "v1", "v1_task"]
"""Which endpoint made the batch (it decides the lifecycle, see the module docstring)."""

BATCH_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "PARTIAL_FAILED", "ABORTED")
"""Every status a batch can have (API value = database value)."""


class BatchError(msgspec.Struct, frozen=True, kw_only=True):
    """An item that could not become a run (``processing.errors[]``)."""

    index: int
    task_identifier: str
    error: str
    error_code: str | None = None


class BatchState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything stored about one batch (times in Unix ms)."""

    id: str
    """Internal id (the part after ``batch_``)."""
    friendly_id: str
    env_id: str
    kind: BatchKind
    status: str
    run_count: int
    created_at: int
    updated_at: int
    idempotency_key: str | None = None
    idempotency_key_expires_at: int | None = None
    sealed: bool = False
    sealed_at: int | None = None
    processing_started_at: int | None = None
    processing_completed_at: int | None = None
    completed_at: int | None = None
    run_ids: tuple[str, ...] = ()
    """Friendly run ids in item order (empty until the runs exist)."""
    own_run_ids: tuple[str, ...] = ()
    """Runs this batch created itself (not found by a key): the v1 batches' result items."""
    item_keys: tuple[str | None, ...] = ()
    """The items' own idempotency keys (v1 batches answer a repeat with them)."""
    successful_run_count: int | None = None
    failed_run_count: int | None = None
    errors: tuple[BatchError, ...] = ()
    parent_run_id: str | None = None
    resume_parent_on_completion: bool = False
    trigger_source: str = "api"


def _replace(batch: BatchState, now: int, **changes: Any) -> BatchState:
    return msgspec.structs.replace(batch, updated_at=max(now, batch.updated_at), **changes)


def seal(batch: BatchState, now: int) -> BatchState:
    """Every item arrived: seal the batch and hand it to processing (``PROCESSING``)."""
    return _replace(
        batch, now, status="PROCESSING", sealed=True, sealed_at=now, processing_started_at=now
    )


def processed(
    batch: BatchState,
    now: int,
    run_ids: tuple[str, ...],
    errors: tuple[BatchError, ...] = (),
) -> BatchState:
    """Every item was turned into a run (or failed): the status the server's callback sets.

    All runs created: back to ``PENDING`` (waiting for the runs to finish); some failed:
    ``PARTIAL_FAILED``; all failed: ``ABORTED`` (with ``completedAt``).
    """
    failed = len(errors)
    successful = len(run_ids)
    if failed and not successful:
        status = "ABORTED"
    elif failed:
        status = "PARTIAL_FAILED"
    else:
        status = "PENDING"
    return _replace(
        batch,
        now,
        status=status,
        run_ids=run_ids,
        successful_run_count=successful,
        failed_run_count=failed,
        errors=errors,
        processing_completed_at=now,
        completed_at=now if status == "ABORTED" else batch.completed_at,
    )


def awaits_runs(batch: BatchState) -> bool:
    """Whether the batch becomes ``COMPLETED`` once its runs are all final."""
    if batch.kind == "v3":
        return batch.processing_completed_at is not None and batch.status in (
            "PENDING",
            "PARTIAL_FAILED",
        )
    return batch.kind == "v2" and batch.status == "PENDING"


def complete(batch: BatchState, now: int) -> BatchState:
    """Every run of the batch is final."""
    if not awaits_runs(batch):
        return batch
    return _replace(batch, now, status="COMPLETED", completed_at=now)


def is_sealed_retry(batch: BatchState) -> bool:
    """Whether an item stream for this batch has nothing left to do (the server's
    ``isIdempotentRetrySuccess``): it was sealed, processed or finished already."""
    return batch.status in ("PROCESSING", "COMPLETED", "PARTIAL_FAILED") or (
        batch.status == "PENDING" and (batch.sealed or batch.processing_completed_at is not None)
    )


def without_idempotency_key(batch: BatchState, now: int) -> BatchState:
    """Free the batch's idempotency key (it expired, so a new batch may take it)."""
    return _replace(batch, now, idempotency_key=None, idempotency_key_expires_at=None)
