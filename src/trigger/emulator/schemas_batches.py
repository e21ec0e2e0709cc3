"""Request schemas of the batch endpoints, written from the server's zod schemas.

Field order matters: zod reports issues in the order of an object's declared keys. The
item options reuse the trigger options' field schemas (same rules, their own order).
"""

from __future__ import annotations

from trigger.emulator.schemas import TRIGGER_BODY, TRIGGER_HEADERS, TRIGGER_OPTIONS
from trigger.emulator.validation import AnyValue, Arr, Bool, Enum, Num, Obj, Schema, Str

__all__ = [
    "BATCH_ITEM",
    "BATCH_TRIGGER_HEADERS",
    "CREATE_BATCH_BODY",
    "ONE_SHOT_BODY",
    "ONE_SHOT_ITEM",
    "TASK_BATCH_BODY",
]

_ITEM_OPTION_ORDER = (
    "concurrencyKey",
    "delay",
    "idempotencyKey",
    "idempotencyKeyTTL",
    "idempotencyKeyOptions",
    "lockToVersion",
    "externalDeploymentId",
    "machine",
    "maxAttempts",
    "maxDuration",
    "metadata",
    "metadataType",
    "parentAttempt",
    "payloadType",
    "payloadSize",
    "queue",
    "concurrency",
    "tags",
    "test",
    "ttl",
    "priority",
    "region",
    "debounce",
)


def _item_option(name: str) -> Schema:
    if name == "queue":  # an item names its queue only
        return Obj({"name": Str()}).optional()
    return TRIGGER_OPTIONS.fields[name]


_ITEM_OPTIONS = Obj({name: _item_option(name) for name in _ITEM_OPTION_ORDER}).optional()

ONE_SHOT_ITEM = Obj(
    {"task": Str(), "payload": AnyValue(), "context": AnyValue(), "options": _ITEM_OPTIONS}
)
"""``BatchTriggerTaskItem``: one item of ``/api/v1/tasks/batch`` and ``/api/v2/tasks/batch``."""

ONE_SHOT_BODY = Obj(
    {
        "items": Arr(ONE_SHOT_ITEM),
        "dependentAttempt": Str().optional(),
        "parentRunId": Str().optional(),
        "resumeParentOnCompletion": Bool().optional(),
    }
)
"""``BatchTriggerTaskV2RequestBody`` (the v2 route's schema has no ``dependentAttempt``,
which changes nothing a client can see)."""

TASK_BATCH_BODY = Obj({"items": Arr(TRIGGER_BODY), "dependentAttempt": Str().optional()})
"""``BatchTriggerTaskRequestBody``: ``POST /api/v1/tasks/{taskId}/batch``."""

CREATE_BATCH_BODY = Obj(
    {
        "runCount": Num(("int",), ("positive",)),
        "taskIdentifiers": Arr(Str(min_length=1), min_items=1).optional(),
        "parentRunId": Str().optional(),
        "resumeParentOnCompletion": Bool().optional(),
        "idempotencyKey": Str(
            max_length=2048, max_message="idempotencyKey must be 2048 characters or less"
        ).optional(),
        "idempotencyKeyOptions": TRIGGER_OPTIONS.fields["idempotencyKeyOptions"],
    }
)
"""``CreateBatchRequestBody``: phase 1 of the two-phase API."""

BATCH_ITEM = Obj(
    {
        "index": Num(("int",), ("nonnegative",)),
        "task": Str(),
        "payload": AnyValue(),
        "options": _ITEM_OPTIONS,
    }
)
"""``BatchItemNDJSON``: one line of the item stream."""

BATCH_TRIGGER_HEADERS = Obj(
    {
        **TRIGGER_HEADERS.fields,
        "batch-processing-strategy": Enum(("sequential", "parallel")).nullish(),
    }
)
"""The one-shot batch routes' headers: the trigger route's plus the processing strategy."""
