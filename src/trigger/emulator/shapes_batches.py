"""The JSON answers of the batch endpoints, field for field in the server's order.

Absent values are omitted (``undefined`` in the server's ``json()``); dates are ISO-8601
with milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trigger.emulator.durations import iso
from trigger.emulator.engine.batches import BatchError, BatchState
from trigger.emulator.engine.runs import RunState

__all__ = [
    "batch_results",
    "batch_v1",
    "batch_v2",
    "created_batch",
    "stream_answer",
]


def created_batch(batch: BatchState, *, is_cached: bool = False) -> dict[str, Any]:
    """``POST /api/v3/batches``: ``{id, runCount, isCached, idempotencyKey?}``."""
    out: dict[str, Any] = {"id": batch.friendly_id, "runCount": batch.run_count}
    out["isCached"] = is_cached
    if batch.idempotency_key is not None:
        out["idempotencyKey"] = batch.idempotency_key
    return out


def stream_answer(
    batch: BatchState, accepted: int, deduplicated: int, enqueued: int | None
) -> dict[str, Any]:
    """``POST /api/v3/batches/{id}/items``; ``enqueued`` is ``None`` once the batch is sealed.

    ``runCount`` is sent too (the server's extra field).
    """
    out: dict[str, Any] = {
        "id": batch.friendly_id,
        "itemsAccepted": accepted,
        "itemsDeduplicated": deduplicated,
        "sealed": enqueued is None,
    }
    if enqueued is not None:
        out["enqueuedCount"] = enqueued
        out["expectedCount"] = batch.run_count
    out["runCount"] = batch.run_count
    return out


def _errors(errors: Sequence[BatchError]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        item: dict[str, Any] = {
            "index": error.index,
            "taskIdentifier": error.task_identifier,
            "error": error.error,
        }
        if error.error_code is not None:
            item["errorCode"] = error.error_code
        out.append(item)
    return out


def _head(batch: BatchState) -> dict[str, Any]:
    out: dict[str, Any] = {"id": batch.friendly_id, "status": batch.status}
    if batch.idempotency_key is not None:
        out["idempotencyKey"] = batch.idempotency_key
    out["createdAt"] = iso(batch.created_at)
    out["updatedAt"] = iso(batch.updated_at)
    return out


def batch_v1(batch: BatchState) -> dict[str, Any]:
    """``GET /api/v1/batches/{id}``: counts at the top, ``errors`` only when there are some."""
    out = _head(batch)
    out["runCount"] = batch.run_count
    out["runs"] = list(batch.run_ids)
    if batch.successful_run_count is not None:
        out["successfulRunCount"] = batch.successful_run_count
    if batch.failed_run_count is not None:
        out["failedRunCount"] = batch.failed_run_count
    if batch.errors:
        out["errors"] = _errors(batch.errors)
    return out


def batch_v2(batch: BatchState) -> dict[str, Any]:
    """``GET /api/v2/batches/{id}``: with ``processing {completedAt?, errors}``."""
    out = _head(batch)
    completed = batch.processing_completed_at
    if completed is not None:
        out["processingCompletedAt"] = iso(completed)
    out["runCount"] = batch.run_count
    out["runs"] = list(batch.run_ids)
    processing: dict[str, Any] = {}
    if completed is not None:
        processing["completedAt"] = iso(completed)
    processing["errors"] = _errors(batch.errors)
    out["processing"] = processing
    return out


def batch_results(batch: BatchState, runs: Sequence[RunState]) -> dict[str, Any]:
    """``GET /api/v1/batches/{id}/results``: an execution result per finished run it lists.

    Measured on the real server: only runs a v1 batch created itself have results, and of
    those only canceled ones (the v2 run engine writes no attempts, which completed and
    failed results are read from). Other batches answer an empty list.
    """
    items = [
        {
            "ok": False,
            "id": run.friendly_id,
            "taskIdentifier": run.task,
            "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
        }
        for run in runs
        if run.status == "CANCELED"
    ]
    return {"id": batch.friendly_id, "items": items}
