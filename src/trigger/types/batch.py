"""Models of batches: creation, item streams, retrieval, results, and the one-shot triggers."""

from __future__ import annotations

from datetime import datetime

import msgspec

from trigger._models import Model
from trigger.types.runs import TaskRunExecutionResult

__all__ = [
    "RetrievedBatch",
    "BatchItemError",
    "BatchProcessing",
    "BatchResults",
    "BatchRunHandle",
    "BatchTriggerResult",
    "BatchTriggerV1Result",
    "BatchTriggerV2Result",
    "RetrievedBatchV1",
    "CreatedBatch",
    "StreamBatchItemsResult",
    "TaskBatchResult",
]


class CreatedBatch(Model, kw_only=True):
    """A batch created by phase 1 of the two-phase batch API (`batch.create`)."""

    id: str
    """Batch id, ``batch_…``; stream the items to it with `batch.stream_items`."""
    run_count: int
    """How many items the batch expects."""
    is_cached: bool = False
    """An earlier batch with the same idempotency key was returned; it needs no items."""
    idempotency_key: str | None = None
    """The (hashed) idempotency key of the batch, if it has one."""
    public_access_token: str | None = None
    """A public access token that can read this batch (the ``x-trigger-jwt`` header)."""


class StreamBatchItemsResult(Model, kw_only=True):
    """What the server did with a stream of batch items (`batch.stream_items`)."""

    id: str
    """Batch id."""
    items_accepted: int
    """Items enqueued by this stream."""
    items_deduplicated: int
    """Items skipped because an item with the same index was already enqueued."""
    sealed: bool
    """Whether the batch now holds every expected item and is being processed."""
    enqueued_count: int | None = None
    """Items enqueued so far (sent when the batch is not sealed)."""
    expected_count: int | None = None
    """Items the batch expects (sent when the batch is not sealed)."""


class BatchTriggerResult(Model, kw_only=True):
    """A batch triggered by `batch.trigger`: created, and its items streamed and sealed."""

    id: str
    """Batch id, ``batch_…``."""
    run_count: int
    """How many runs the batch triggers."""
    is_cached: bool = False
    """An earlier batch with the same idempotency key was returned; no items were sent."""
    idempotency_key: str | None = None
    """The (hashed) idempotency key of the batch, if it has one."""
    public_access_token: str | None = None
    """A public access token that can read this batch (the ``x-trigger-jwt`` header)."""


class BatchItemError(Model, kw_only=True):
    """An item of a batch that could not be triggered."""

    index: int
    """Position of the item in the batch."""
    task_identifier: str = ""
    """The item's task."""
    error: str = ""
    """What went wrong (the server sends a string, whatever the spec says)."""
    error_code: str | None = None
    """A machine-readable code, when there is one."""


class BatchProcessing(Model, kw_only=True):
    """How far the server got turning the items of a batch into runs."""

    completed_at: datetime | None = None
    """When every item was processed."""
    errors: list[BatchItemError] = msgspec.field(default_factory=list)
    """Items that failed to trigger."""


class RetrievedBatch(Model, kw_only=True):
    """A batch, as `batch.retrieve` returns it (``GET /api/v2/batches/{batchId}``)."""

    id: str
    """Batch id, ``batch_…``."""
    status: str
    """``PENDING``, ``PROCESSING``, ``COMPLETED``, ``PARTIAL_FAILED`` or ``ABORTED``."""
    idempotency_key: str | None = None
    """The (hashed) idempotency key of the batch, if it has one."""
    created_at: datetime | None = None
    """When the batch was created."""
    updated_at: datetime | None = None
    """When the batch last changed."""
    run_count: int = 0
    """How many runs the batch triggers."""
    runs: list[str] = msgspec.field(default_factory=list)
    """Ids of the runs triggered so far."""
    processing_completed_at: datetime | None = None
    """When every item was processed."""
    processing: BatchProcessing | None = None
    """Processing progress and per-item errors."""


class RetrievedBatchV1(Model, kw_only=True):
    """A batch, as `batch.retrieve_v1` returns it (``GET /api/v1/batches/{batchId}``)."""

    id: str
    """Batch id, ``batch_…``."""
    status: str
    """``PENDING``, ``PROCESSING``, ``COMPLETED``, ``PARTIAL_FAILED`` or ``ABORTED``."""
    idempotency_key: str | None = None
    """The (hashed) idempotency key of the batch, if it has one."""
    created_at: datetime | None = None
    """When the batch was created."""
    updated_at: datetime | None = None
    """When the batch last changed."""
    run_count: int = 0
    """How many runs the batch triggers."""
    runs: list[str] = msgspec.field(default_factory=list)
    """Ids of the runs triggered so far."""
    successful_run_count: int | None = None
    """Runs that succeeded (once the batch completed)."""
    failed_run_count: int | None = None
    """Runs that failed (once the batch completed)."""
    errors: list[BatchItemError] | None = None
    """Items that failed to trigger (for ``PARTIAL_FAILED`` batches)."""


class BatchResults(Model, kw_only=True):
    """The results of a batch's finished runs (`batch.results`)."""

    id: str
    """Batch id."""
    items: list[TaskRunExecutionResult] = msgspec.field(default_factory=list)
    """One result per finished run; runs still executing are left out."""


class BatchRunHandle(Model, kw_only=True):
    """A run created by `batch.trigger_v1`."""

    id: str
    """Run id, ``run_…``."""
    task_identifier: str = ""
    """The run's task."""
    is_cached: bool = False
    """An existing run was returned for the item's idempotency key."""
    idempotency_key: str | None = None
    """The (hashed) idempotency key of the run, if it has one."""


class BatchTriggerV1Result(Model, kw_only=True):
    """A batch triggered in one call by `batch.trigger_v1` (``POST /api/v1/tasks/batch``)."""

    id: str
    """Batch id, ``batch_…``."""
    is_cached: bool = False
    """An earlier batch with the same idempotency key was returned."""
    idempotency_key: str | None = None
    """The (hashed) idempotency key of the batch, if it has one."""
    runs: list[BatchRunHandle] = msgspec.field(default_factory=list)
    """The runs, in item order."""
    public_access_token: str | None = None
    """A public access token for the batch (the ``x-trigger-jwt`` header), when sent."""


class BatchTriggerV2Result(Model, kw_only=True):
    """A batch triggered in one call by `batch.trigger_v2` (``POST /api/v2/tasks/batch``)."""

    id: str
    """Batch id, ``batch_…``."""
    run_count: int = 0
    """How many runs the batch triggers."""
    is_cached: bool = False
    """Whether an existing batch was returned instead of a new one (a new batch: ``False``)."""
    idempotency_key: str | None = None
    """The batch's idempotency key, if it has one."""
    public_access_token: str | None = None
    """A public access token that can read this batch (the ``x-trigger-jwt`` header)."""


class TaskBatchResult(Model, kw_only=True):
    """A batch of one task triggered by `batch.trigger_task_v1`."""

    batch_id: str
    """Batch id, ``batch_…``."""
    runs: list[str] = msgspec.field(default_factory=list)
    """Ids of the runs, in item order."""
    public_access_token: str | None = None
    """A public access token that can read this batch (the ``x-trigger-jwt`` header)."""
