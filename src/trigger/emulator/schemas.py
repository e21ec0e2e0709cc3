"""Request schemas of the endpoints served, written from the server's zod schemas.

Field order matters: zod reports issues in the order of an object's declared keys.
"""

from __future__ import annotations

import re
from typing import Any

from trigger.emulator.durations import js_date_ms
from trigger.emulator.validation import (
    MISSING,
    AnyValue,
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
)

__all__ = [
    "MACHINE_PRESETS",
    "RESCHEDULE_BODY",
    "TAGS_BODY",
    "TRIGGER_BODY",
    "TRIGGER_HEADERS",
    "UPDATE_METADATA_BODY",
    "idempotency_reset_body",
]

MACHINE_PRESETS = (
    "micro",
    "small-1x",
    "small-2x",
    "medium-1x",
    "medium-2x",
    "large-1x",
    "large-2x",
)

_TAG = Str(max_length=128, max_message="Tags must be less than 128 characters")
_TAGS = Union(_TAG, Arr(_TAG))


class _Stringified(Schema):
    """``z.union([z.string(), z.number()]).transform(String)``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Union(Str(), Num()).run(value, path)
        if issues:
            return status, parsed, issues
        if isinstance(parsed, float) and parsed.is_integer():
            parsed = int(parsed)
        return status, str(parsed), issues


_LIMIT_NAME = re.compile(r"[a-zA-Z0-9_-]{1,122}")
_LIMIT_NAME_MESSAGE = (
    "Concurrency limit names are 1-122 characters using only letters, numbers, underscores "
    "and hyphens"
)
_MAX_LIMITS = 2


class _LimitName(Schema):
    """``z.string().regex(/^[a-zA-Z0-9_-]{1,122}$/, {message})``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().run(value, path)
        if issues or _LIMIT_NAME.fullmatch(parsed):
            return status, parsed, issues
        issue = {
            "validation": "regex",
            "code": "invalid_string",
            "message": _LIMIT_NAME_MESSAGE,
            "path": list(path),
        }
        return 1, parsed, [issue]


class _ConcurrencyLimits(Schema):
    """``TriggerConcurrencyLimitsSchema``: ``z.string().regex(...).array().max(2)``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Arr(_LimitName()).run(value, path)
        if isinstance(value, list) and len(value) > _MAX_LIMITS:
            # zod checks the array's length before its items.
            too_big = {
                "code": "too_big",
                "maximum": _MAX_LIMITS,
                "type": "array",
                "inclusive": True,
                "exact": False,
                "message": f"Array must contain at most {_MAX_LIMITS} element(s)",
                "path": list(path),
            }
            return max(status, 1), parsed, [too_big, *issues]
        return status, parsed, issues


class _Trimmed(Schema):
    """``z.preprocess(trim, z.string().max(n).optional())``: blank strings are absent."""

    def __init__(self, max_length: int, message: str) -> None:
        self.inner = Str(max_length=max_length, max_message=message).optional()

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        if isinstance(value, str):
            value = value.strip() or MISSING
        return self.inner.run(value, path)


TRIGGER_OPTIONS = Obj(
    {
        "dependentAttempt": Str().optional(),
        "parentAttempt": Str().optional(),
        "dependentBatch": Str().optional(),
        "parentBatch": Str().optional(),
        "parentRunId": Str().optional(),
        "resumeParentOnCompletion": Bool().optional(),
        "lockToVersion": Str().optional(),
        "externalDeploymentId": _Trimmed(128, "externalId must be at most 128 characters"),
        "queue": Obj({"name": Str(), "concurrencyLimit": Num(("int",)).optional()}).optional(),
        "concurrency": _ConcurrencyLimits().optional(),
        "concurrencyKey": _Stringified().optional(),
        "delay": Union(Str(), CoercedDate(js_date_ms)).optional(),
        "idempotencyKey": Str(
            max_length=2048, max_message="idempotencyKey must be 2048 characters or less"
        ).optional(),
        "idempotencyKeyTTL": Str().optional(),
        "idempotencyKeyOptions": Obj(
            {"key": Str(), "scope": Enum(("run", "attempt", "global"))}
        ).optional(),
        "machine": Enum(MACHINE_PRESETS).optional(),
        "maxAttempts": Num(("int",)).optional(),
        "maxDuration": Num().optional(),
        "metadata": AnyValue(),
        "metadataType": Str().optional(),
        "payloadType": Str().optional(),
        "payloadSize": Num(("int",), ("nonnegative",)).optional(),
        "tags": _TAGS.optional(),
        "test": Bool().optional(),
        "ttl": Union(Str(), Num(("nonnegative",), ("int",))).optional(),
        "priority": Num().optional(),
        "bulkActionId": Str().optional(),
        "region": Str().optional(),
        "debounce": Obj(
            {
                "key": Str(max_length=512),
                "delay": Str(),
                "mode": Enum(("leading", "trailing")).optional(),
                "maxDelay": Str().optional(),
            }
        ).optional(),
    }
)


def _store_payload_rule(body: Any) -> tuple[list[tuple[str, Path]], Any]:
    options = body.get("options") or {}
    if options.get("payloadType") != "application/store":
        return [], body
    payload = body.get("payload")
    if not isinstance(payload, str) or not payload:
        message = "payload must be a non-empty string when options.payloadType is application/store"
        return [(message, ("payload",))], body
    return [], body


TRIGGER_BODY = Custom(
    Obj({"payload": AnyValue(), "context": AnyValue(), "options": TRIGGER_OPTIONS.optional()}),
    _store_payload_rule,
)
"""``TriggerTaskRequestBody``."""

TRIGGER_HEADERS = Obj(
    {
        "idempotency-key": Str(
            max_length=2048, max_message="idempotency-key must be 2048 characters or less"
        ).nullish(),
        "idempotency-key-ttl": Str().nullish(),
        "trigger-version": Str().nullish(),
        "x-trigger-span-parent-as-link": CoercedNumber().nullish(),
        "x-trigger-worker": Str().nullish(),
        "x-trigger-client": Str().nullish(),
        "x-trigger-engine-version": Enum(("V1", "V2")).nullish(),
        "x-trigger-request-idempotency-key": Str().nullish(),
        "x-trigger-realtime-streams-version": Str().nullish(),
        "x-trigger-source": Str().nullish(),
    }
)
"""The trigger route's headers."""

RESCHEDULE_BODY = Obj({"delay": Union(Str(), CoercedDate(js_date_ms))})

TAGS_BODY = Obj({"tags": _TAGS})


class _Record(Schema):
    """``z.record(json)``: any JSON object, kept whole."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, _, issues = Obj({}).run(value, path)
        return status, value if not issues else MISSING, issues


_OPERATION_TYPES = ("update", "set", "delete", "append", "remove", "increment")
_KEY = Str()


class _Operation(Schema):
    """``RunMetadataChangeOperation``: a union discriminated on ``type``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        if not isinstance(value, dict):
            return Obj({}).run(value, path)
        if value.get("type") not in _OPERATION_TYPES:
            options = " | ".join(f"'{t}'" for t in _OPERATION_TYPES)
            issue = {
                "code": "invalid_union_discriminator",
                "options": list(_OPERATION_TYPES),
                "path": [*path, "type"],
                "message": f"Invalid discriminator value. Expected {options}",
            }
            return 2, MISSING, [issue]
        kind = value["type"]
        fields: dict[str, Schema]
        if kind == "update":
            fields = {"type": Str(), "value": _Record()}
        elif kind == "delete":
            fields = {"type": Str(), "key": _KEY}
        elif kind == "increment":
            fields = {"type": Str(), "key": _KEY, "value": Num()}
        else:
            fields = {"type": Str(), "key": _KEY, "value": AnyValue()}
        return Obj(fields).run(value, path)


UPDATE_METADATA_BODY = Obj(
    {
        "metadata": _Record().optional(),
        "operations": Arr(_Operation()).optional(),
        "parentOperations": Arr(_Operation()).optional(),
        "rootOperations": Arr(_Operation()).optional(),
    }
)


def idempotency_reset_body() -> Schema:
    """``{taskIdentifier}`` (at least one character)."""
    return Obj({"taskIdentifier": Str(min_length=1, min_message="Task identifier is required")})
