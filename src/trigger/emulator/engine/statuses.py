"""Run statuses: the stored (database) names, the two API vocabularies, and the flags.

Runs are stored with the server's database status (``PENDING``, ``COMPLETED_WITH_ERRORS`` ...)
and shown in the current vocabulary when the request says ``x-trigger-api-version:
2025-07-16``, in the legacy one otherwise (SERVER.md §4).
"""

from __future__ import annotations

__all__ = [
    "API_VERSION",
    "DB_STATUSES",
    "FINAL",
    "LEGACY_API_STATUSES",
    "CURRENT_API_STATUSES",
    "api_status",
    "flags",
    "statuses_for_filter",
]

API_VERSION = "2025-07-16"
"""The ``x-trigger-api-version`` value that selects the current vocabulary."""

DB_STATUSES = (
    "DELAYED",
    "PENDING",
    "PENDING_VERSION",
    "WAITING_FOR_DEPLOY",
    "DEQUEUED",
    "EXECUTING",
    "RETRYING_AFTER_FAILURE",
    "WAITING_TO_RESUME",
    "PAUSED",
    "COMPLETED_SUCCESSFULLY",
    "COMPLETED_WITH_ERRORS",
    "INTERRUPTED",
    "CANCELED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "EXPIRED",
    "TIMED_OUT",
)

FINAL = frozenset(
    {
        "CANCELED",
        "INTERRUPTED",
        "COMPLETED_SUCCESSFULLY",
        "COMPLETED_WITH_ERRORS",
        "SYSTEM_FAILURE",
        "CRASHED",
        "EXPIRED",
        "TIMED_OUT",
    }
)
"""Database statuses a run never leaves."""

_CURRENT = {
    "DELAYED": "DELAYED",
    "PENDING": "QUEUED",
    "PENDING_VERSION": "PENDING_VERSION",
    "WAITING_FOR_DEPLOY": "PENDING_VERSION",
    "DEQUEUED": "DEQUEUED",
    "EXECUTING": "EXECUTING",
    "RETRYING_AFTER_FAILURE": "EXECUTING",
    "WAITING_TO_RESUME": "WAITING",
    "PAUSED": "WAITING",
    "COMPLETED_SUCCESSFULLY": "COMPLETED",
    "COMPLETED_WITH_ERRORS": "FAILED",
    "INTERRUPTED": "FAILED",
    "CANCELED": "CANCELED",
    "CRASHED": "CRASHED",
    "SYSTEM_FAILURE": "SYSTEM_FAILURE",
    "EXPIRED": "EXPIRED",
    "TIMED_OUT": "TIMED_OUT",
}

_LEGACY = {
    **_CURRENT,
    "WAITING_FOR_DEPLOY": "WAITING_FOR_DEPLOY",
    "DEQUEUED": "EXECUTING",
    "RETRYING_AFTER_FAILURE": "REATTEMPTING",
    "WAITING_TO_RESUME": "FROZEN",
    "PAUSED": "FROZEN",
    "INTERRUPTED": "INTERRUPTED",
}

CURRENT_API_STATUSES = frozenset(_CURRENT.values())
LEGACY_API_STATUSES = frozenset(_LEGACY.values())

_FILTER = {
    "DELAYED": ("DELAYED",),
    "PENDING_VERSION": ("PENDING_VERSION",),
    "WAITING_FOR_DEPLOY": ("WAITING_FOR_DEPLOY",),
    "QUEUED": ("PENDING",),
    "DEQUEUED": ("DEQUEUED",),
    "EXECUTING": ("EXECUTING",),
    "REATTEMPTING": ("RETRYING_AFTER_FAILURE",),
    "FROZEN": ("PAUSED", "WAITING_TO_RESUME"),
    "WAITING": ("WAITING_TO_RESUME",),
    "COMPLETED": ("COMPLETED_SUCCESSFULLY",),
    "FAILED": ("COMPLETED_WITH_ERRORS",),
    "INTERRUPTED": ("INTERRUPTED",),
    "CANCELED": ("CANCELED",),
    "CRASHED": ("CRASHED",),
    "SYSTEM_FAILURE": ("SYSTEM_FAILURE",),
    "EXPIRED": ("EXPIRED",),
    "TIMED_OUT": ("TIMED_OUT",),
}


def api_status(db_status: str, api_version: str | None) -> str:
    """The status a client sees for a stored status under an API version."""
    table = _CURRENT if api_version == API_VERSION else _LEGACY
    return table[db_status]


def statuses_for_filter(name: str) -> tuple[str, ...] | None:
    """The stored statuses a ``filter[status]`` value selects, or ``None`` if unknown."""
    return _FILTER.get(name)


def flags(api_status_name: str) -> dict[str, bool]:
    """The seven boolean helpers, computed from the API status (in the server's order)."""
    is_completed = api_status_name in (
        "COMPLETED",
        "CANCELED",
        "FAILED",
        "CRASHED",
        "INTERRUPTED",
        "SYSTEM_FAILURE",
    )
    return {
        "isQueued": api_status_name
        in ("QUEUED", "WAITING_FOR_DEPLOY", "DELAYED", "PENDING_VERSION"),
        "isExecuting": api_status_name in ("EXECUTING", "REATTEMPTING", "FROZEN", "DEQUEUED"),
        "isCompleted": is_completed,
        "isFailed": is_completed and api_status_name != "COMPLETED",
        "isSuccess": is_completed and api_status_name == "COMPLETED",
        "isCancelled": api_status_name == "CANCELED",
        "isWaiting": api_status_name == "WAITING",
    }
