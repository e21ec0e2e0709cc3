"""Models of bulk actions (``client.runs.bulk``) and the run filter they take."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from trigger._models import Model
from trigger._wire.runs import QueueFilter

__all__ = ["BulkAction", "BulkActionCounts", "BulkActionFilter"]


class BulkActionFilter(TypedDict, total=False):
    """Which runs a bulk action selects (at least one field, none of them empty).

    Keys are snake_case; they go out as the API's camelCase names (``task_identifier``
    becomes ``taskIdentifier``, ``from_`` becomes ``from``).
    """

    status: str | Sequence[str]
    """Run status(es), current vocabulary only (``"FAILED"``, ``["QUEUED", "DELAYED"]``)."""
    task_identifier: str | Sequence[str]
    """Task id(s)."""
    version: str | Sequence[str]
    """Worker version(s)."""
    tag: str | Sequence[str]
    """Tag(s)."""
    machine: str | Sequence[str]
    """Machine preset(s)."""
    region: str | Sequence[str]
    """Region(s)."""
    from_: datetime | int | str
    """Created at or after: an aware datetime, Unix milliseconds or an ISO string."""
    to: datetime | int | str
    """Created at or before: an aware datetime, Unix milliseconds or an ISO string."""
    period: str
    """Created within this period, e.g. ``"24h"`` (not with ``from_``/``to``)."""
    bulk_action: str
    """Runs processed by another bulk action (``bulk_…``)."""
    schedule: str
    """Runs created by this schedule (``sched_…``)."""
    batch: str
    """Runs of this batch (``batch_…``)."""
    is_test: bool
    """Only test runs, or only real ones."""
    queue: QueueFilter
    """Custom queue name(s), or ``{"type": "task" | "custom", "name": ...}`` mappings."""


class BulkActionCounts(Model, kw_only=True):
    """How far a bulk action has got."""

    total: int = 0
    """Runs selected when the bulk action was created."""
    success: int = 0
    """Runs processed successfully."""
    failure: int = 0
    """Runs that could not be processed."""


class BulkAction(Model, kw_only=True):
    """A bulk action: one cancel or replay applied to many runs, asynchronously."""

    id: str
    """Bulk action id, ``bulk_…``."""
    type: str
    """``CANCEL`` or ``REPLAY``."""
    status: str
    """``PENDING`` while runs are being processed, then ``COMPLETED`` or ``ABORTED``."""
    counts: BulkActionCounts
    """Selected, succeeded and failed run counts."""
    created_at: datetime
    """When the bulk action was created."""
    name: str | None = None
    """The name given at creation."""
    completed_at: datetime | None = None
    """When processing finished."""

    @property
    def is_final(self) -> bool:
        """Whether processing is over (the status is no longer ``PENDING``)."""
        return self.status != "PENDING"
