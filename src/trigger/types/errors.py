"""Models of error groups (``client.errors``): failed runs grouped by error fingerprint."""

from __future__ import annotations

from datetime import datetime

import msgspec

from trigger._models import Model

__all__ = ["ERROR_GROUP_STATUSES", "ErrorGroup", "ListedErrorGroup"]

ERROR_GROUP_STATUSES = frozenset({"unresolved", "resolved", "ignored"})
"""The lifecycle statuses of an error group (lower case on the wire)."""


class ListedErrorGroup(Model, kw_only=True):
    """An error group as it appears in `errors.list` results."""

    id: str
    """Error group id, ``error_…``."""
    fingerprint: str
    """The fingerprint the failures are grouped by."""
    task_identifier: str
    """The task the error occurs in."""
    error_type: str
    """The error type or name, e.g. ``TypeError``."""
    error_message: str
    """The normalized error message."""
    status: str
    """``unresolved``, ``resolved`` or ``ignored``."""
    count: int
    """Occurrences (in a list: within the requested time range; retrieved: all time)."""
    first_seen: datetime
    """When the error first occurred."""
    last_seen: datetime
    """When the error last occurred."""
    resolved_at: datetime | None = None
    """When the group was marked resolved."""
    ignored_until: datetime | None = None
    """Until when the group is ignored (``None``: not ignored, or ignored with no end)."""


class ErrorGroup(ListedErrorGroup, kw_only=True):
    """An error group with its whole lifecycle state (retrieve, resolve, ignore, unresolve)."""

    affected_versions: list[str] = msgspec.field(default_factory=list)
    """The most recent worker versions the error occurred in (up to five)."""
    resolved_in_version: str | None = None
    """The worker version recorded as fixing it."""
    resolved_by: str | None = None
    """The user who resolved it, when attributable."""
    ignored_at: datetime | None = None
    """When the group was ignored."""
    ignored_reason: str | None = None
    """Why the group was ignored."""
    ignored_by_user_id: str | None = None
    """The user who ignored it."""
    ignored_until_occurrence_rate: float | None = None
    """Re-surface once occurrences per minute exceed this."""
    ignored_until_total_occurrences: int | None = None
    """Re-surface after this many new occurrences."""
