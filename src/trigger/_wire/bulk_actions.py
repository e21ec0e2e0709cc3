"""Wire format of the bulk-action endpoints: the create body and its run filter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from trigger._validation import (
    check_bool,
    check_number,
    check_str,
    check_str_list,
    compact,
    iso_datetime,
)
from trigger._wire.runs import queue_refs
from trigger.types.bulk_actions import BulkActionFilter

__all__ = ["CURRENT_RUN_STATUSES", "BulkActionType", "bulk_action_filter", "create_body"]

BulkActionType = Literal["cancel", "replay"]
"""What a bulk action does to the runs it selects."""

CURRENT_RUN_STATUSES = frozenset(
    {
        "PENDING_VERSION",
        "DELAYED",
        "QUEUED",
        "DEQUEUED",
        "EXECUTING",
        "WAITING",
        "COMPLETED",
        "CANCELED",
        "FAILED",
        "CRASHED",
        "SYSTEM_FAILURE",
        "EXPIRED",
        "TIMED_OUT",
    }
)
"""Run statuses a bulk-action filter accepts: the server checks the current vocabulary only."""

# Legacy statuses, which the bulk-action route rejects, and their current names.
_LEGACY_STATUSES = {
    "WAITING_FOR_DEPLOY": "PENDING_VERSION",
    "FROZEN": "WAITING",
    "REATTEMPTING": "EXECUTING",
    "INTERRUPTED": "FAILED",
}

_MULTI = {
    "status": "status",
    "task_identifier": "taskIdentifier",
    "version": "version",
    "tag": "tag",
    "machine": "machine",
    "region": "region",
}
_SINGLE = {
    "period": "period",
    "bulk_action": "bulkAction",
    "schedule": "schedule",
    "batch": "batch",
}
_TIMES = {"from_": "from", "to": "to"}
_KNOWN = {*_MULTI, *_SINGLE, *_TIMES, "is_test", "queue"}


def _one_or_many(name: str, value: object) -> str | list[str]:
    if isinstance(value, str):
        return check_str(name, value)
    items = check_str_list(name, value)  # type: ignore[arg-type]  # checked inside
    if not items:
        raise ValueError(f"{name} must not be empty")
    return items


def _statuses(name: str, value: object) -> str | list[str]:
    statuses = _one_or_many(name, value)
    for status in [statuses] if isinstance(statuses, str) else statuses:
        if status in _LEGACY_STATUSES:
            raise ValueError(
                f"{name} {status!r} is a legacy status, which bulk actions do not accept; "
                f"use {_LEGACY_STATUSES[status]!r}"
            )
        if status not in CURRENT_RUN_STATUSES:
            known = ", ".join(sorted(CURRENT_RUN_STATUSES))
            raise ValueError(f"{name} has an unknown status {status!r}; use one of {known}")
    return statuses


def _point_in_time(name: str, value: object) -> str | int:
    if isinstance(value, (datetime, str)):
        return iso_datetime(name, value)
    return int(check_number(name, value, minimum=0))


def bulk_action_filter(value: BulkActionFilter) -> dict[str, Any]:
    """The ``filter`` object of a create body, with wire names and checked values."""
    if not isinstance(value, Mapping):
        raise TypeError(f"filter must be a mapping, not {type(value).__name__}")
    unknown = sorted(str(key) for key in value if key not in _KNOWN)
    if unknown:
        raise ValueError(
            f"filter has unknown field(s) {', '.join(unknown)}; use {', '.join(sorted(_KNOWN))}"
        )
    fields: Mapping[str, Any] = value
    result: dict[str, Any] = {}
    for key, wire in _MULTI.items():
        if fields.get(key) is not None:
            check = _statuses if key == "status" else _one_or_many
            result[wire] = check(f"filter['{key}']", fields[key])
    for key, wire in _SINGLE.items():
        if fields.get(key) is not None:
            result[wire] = check_str(f"filter['{key}']", fields[key])
    for key, wire in _TIMES.items():
        if fields.get(key) is not None:
            result[wire] = _point_in_time(f"filter['{key}']", fields[key])
    if fields.get("is_test") is not None:
        result["isTest"] = check_bool("filter['is_test']", fields["is_test"])
    if fields.get("queue") is not None:
        result["queue"] = queue_refs("filter['queue']", fields["queue"])
    if not result:
        raise ValueError("filter must set at least one field")
    return result


def create_body(
    *,
    action: BulkActionType,
    filter: BulkActionFilter | None,
    run_ids: str | Sequence[str] | None,
    name: str | None,
    target_region: str | None,
) -> dict[str, Any]:
    """Body of ``POST /api/v1/bulk-actions``: the action and exactly one run selection."""
    if action not in ("cancel", "replay"):
        raise ValueError(f"action must be 'cancel' or 'replay', got {action!r}")
    if (filter is None) == (run_ids is None):
        raise ValueError("pass exactly one of filter or run_ids")
    ids: list[str] | None = None
    if run_ids is not None:
        ids = check_str_list("run_ids", run_ids)
        if not ids:
            raise ValueError("run_ids must name at least one run")
        # The server's cap (500 by default) is configurable: it answers for itself.
    if name is not None:
        check_str("name", name)
        if len(name) > 255:
            raise ValueError(f"name must be at most 255 characters, got {len(name)}")
    if target_region is not None:
        if action != "replay":
            raise ValueError("target_region is only accepted when replaying runs")
        check_str("target_region", target_region)
    return compact(
        {
            "action": action,
            "filter": None if filter is None else bulk_action_filter(filter),
            "runIds": ids,
            "name": name,
            "targetRegion": target_region,
        }
    )
