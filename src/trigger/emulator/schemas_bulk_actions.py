"""Request schemas of the bulk-action endpoints, written from the server's zod schemas.

``CreateBulkActionRequestBody`` is a union discriminated on ``action`` (``targetRegion`` is
``z.never()`` for cancels), refined so exactly one of ``filter`` and ``runIds`` is given; the
filter is refined to hold at least one non-empty value.
"""

from __future__ import annotations

from typing import Any

from trigger.emulator.durations import js_date_ms
from trigger.emulator.schemas import MACHINE_PRESETS
from trigger.emulator.validation import (
    MISSING,
    Arr,
    Bool,
    CoercedDate,
    CoercedNumber,
    Custom,
    Enum,
    Num,
    Obj,
    Path,
    Schema,
    Str,
    Union,
    parsed_type,
)

__all__ = ["BULK_LIST_QUERY", "CREATE_BULK_ACTION_BODY", "RUN_STATUSES"]

RUN_STATUSES = (
    "PENDING_VERSION",
    "QUEUED",
    "DEQUEUED",
    "EXECUTING",
    "WAITING",
    "COMPLETED",
    "CANCELED",
    "FAILED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "DELAYED",
    "EXPIRED",
    "TIMED_OUT",
)
"""``RunStatus``: the current vocabulary, in the server's order (its enum message shows it)."""


def _one_or_many(item: Schema) -> Schema:
    return Union(item, Arr(item))


_STRINGS = _one_or_many(Str())
_QUEUE = Obj({"type": Enum(("task", "custom")), "name": Str()})
_DATE_OR_NUMBER = Union(CoercedDate(js_date_ms), Num())


def _non_empty(value: Any) -> bool:
    if value is MISSING:
        return False
    if isinstance(value, list):
        return any(_non_empty(item) for item in value)
    if isinstance(value, str):
        return bool(value.strip())
    return True


def _some_filter(value: Any) -> tuple[list[tuple[str, Path]], Any]:
    if any(_non_empty(item) for item in value.values()):
        return [], value
    return [("At least one filter must be provided", ())], value


_FILTER = Custom(
    Obj(
        {
            "status": _one_or_many(Enum(RUN_STATUSES)).optional(),
            "taskIdentifier": _STRINGS.optional(),
            "version": _STRINGS.optional(),
            "from": _DATE_OR_NUMBER.optional(),
            "to": _DATE_OR_NUMBER.optional(),
            "period": Str().optional(),
            "bulkAction": Str().optional(),
            "tag": _STRINGS.optional(),
            "schedule": Str().optional(),
            "isTest": Bool().optional(),
            "batch": Str().optional(),
            "queue": _one_or_many(_QUEUE).optional(),
            "machine": _one_or_many(Enum(MACHINE_PRESETS)).optional(),
            "region": _STRINGS.optional(),
        }
    ),
    _some_filter,
)


class _Never(Schema):
    """``z.never()``: any value is ``Expected never, received <type>``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        received = parsed_type(value)
        issue = {
            "code": "invalid_type",
            "expected": "never",
            "received": received,
            "path": list(path),
            "message": f"Expected never, received {received}",
        }
        return 2, MISSING, [issue]


def _selection(target_region: Schema) -> Obj:
    return Obj(
        {
            "action": Str(),
            "targetRegion": target_region,
            "filter": _FILTER.optional(),
            "runIds": Arr(Str(), min_items=1).optional(),
            "name": Str(
                max_length=255, max_message="Name must be less than 255 characters"
            ).optional(),
        }
    )


_BRANCHES = {"cancel": _selection(_Never().optional()), "replay": _selection(Str().optional())}


class _ByAction(Schema):
    """``z.discriminatedUnion("action", [cancel, replay])``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        if not isinstance(value, dict):
            return Obj({}).run(value, path)
        action = value.get("action")
        branch = _BRANCHES.get(action) if isinstance(action, str) else None
        if branch is None:
            options = list(_BRANCHES)
            issue = {
                "code": "invalid_union_discriminator",
                "options": options,
                "path": [*path, "action"],
                "message": "Invalid discriminator value. Expected "
                + " | ".join(f"'{o}'" for o in options),
            }
            return 2, MISSING, [issue]
        return branch.run(value, path)


def _exactly_one(value: Any) -> tuple[list[tuple[str, Path]], Any]:
    if ("filter" in value) + ("runIds" in value) == 1:
        return [], value
    return [("Exactly one of filter or runIds must be provided", ())], value


CREATE_BULK_ACTION_BODY = Custom(_ByAction(), _exactly_one)
"""``CreateBulkActionRequestBody``."""

BULK_LIST_QUERY = Obj(
    {
        "page[size]": CoercedNumber(("int",), ("positive",), ("min", 1), ("max", 100)).optional(),
        "page[after]": Str().optional(),
        "page[before]": Str().optional(),
    }
)
"""``ApiBulkActionListSearchParams``."""
