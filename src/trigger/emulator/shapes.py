"""The JSON the emulator answers with, built from stored state (SERVER.md §2.3).

Written from the server's presenters, field for field and in their order: absent values are
omitted (``undefined`` in the server's ``json()``), dates are ISO-8601 with milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from trigger.emulator.durations import iso
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.statuses import FINAL, api_status, flags
from trigger.emulator.project import Environment

__all__ = [
    "MISSING_VALUE",
    "decode_packet",
    "list_item",
    "retrieve_run",
    "serialized_error",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING_VALUE"


MISSING_VALUE: Any = _Missing()
"""A packet that holds nothing (the field is omitted)."""

_STREAM_KEYS = ("$$streams", "$$streamsVersion", "$$streamsBaseUrl")

LOCAL_WORKER_VERSION = "20260101.1"
"""The version of the emulator's one worker: a run started without a version lock is locked
to it, as the real server locks a run to the worker that dequeues it (``version`` appears)."""


def _version(run: RunState) -> str | None:
    if run.lock_to_version is not None:
        return run.lock_to_version
    return LOCAL_WORKER_VERSION if run.started_at is not None else None


def decode_packet(data: str | None, data_type: str) -> Any:
    """A stored packet as JSON: ``application/json`` parsed, superjson's ``json`` part, text."""
    if data is None or data == "":
        return MISSING_VALUE
    if data_type in ("application/json", "application/super+json"):
        try:
            value = json.loads(data)
        except ValueError:
            return data
        if data_type == "application/super+json" and isinstance(value, dict):
            return value.get("json")
        return value
    return data


def serialized_error(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored ``TaskRunError`` as the API shows it: ``{name?, message, stackTrace?}``."""
    if not error:
        return None
    kind = error.get("type")
    if kind == "BUILT_IN_ERROR":
        out: dict[str, Any] = {
            "name": error.get("name", "Error"),
            "message": error.get("message", ""),
        }
        if error.get("stackTrace") is not None:
            out["stackTrace"] = error["stackTrace"]
        return out
    if kind in ("STRING_ERROR", "CUSTOM_ERROR"):
        return {"message": str(error.get("raw", ""))}
    if kind == "INTERNAL_ERROR":
        return {"message": f"trigger.dev internal error ({error.get('code', 'UNKNOWN')})"}
    return None


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value is not MISSING_VALUE:
        out[key] = value


def _put_packet(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not MISSING_VALUE:
        out[key] = value


def _time(ms: int | None) -> str | None:
    return iso(ms) if ms is not None else None


def _trigger_function(run: RunState) -> str:
    if run.batch_id:
        return "batchTriggerAndWait" if run.resume_parent_on_completion else "batchTrigger"
    return "triggerAndWait" if run.resume_parent_on_completion else "trigger"


def _common(run: RunState, api_version: str | None) -> dict[str, Any]:
    status = api_status(run.status, api_version)
    out: dict[str, Any] = {"id": run.friendly_id, "taskIdentifier": run.task}
    _put(out, "idempotencyKey", run.idempotency_key_user or run.idempotency_key)
    _put(out, "version", _version(run))
    out["status"] = status
    out["createdAt"] = iso(run.created_at)
    _put(out, "startedAt", _time(run.started_at))
    out["updatedAt"] = iso(run.updated_at)
    _put(out, "finishedAt", _time(run.completed_at))
    _put(out, "expiredAt", _time(run.expired_at))
    _put(out, "delayedUntil", _time(run.delay_until))
    _put(out, "ttl", run.ttl)
    out["costInCents"] = 0
    out["baseCostInCents"] = 0
    out["durationMs"] = run.usage_duration_ms
    out["isTest"] = run.is_test
    out["depth"] = run.depth
    out["tags"] = sorted(run.tags)
    out.update(flags(status))
    out["triggerFunction"] = _trigger_function(run)
    _put(out, "batchId", run.batch_id)
    _put(out, "metadata", decode_packet(run.metadata, run.metadata_type))
    _put(out, "region", run.region)
    return out


def retrieve_run(
    run: RunState,
    api_version: str | None,
    *,
    parent: RunState | None = None,
    root: RunState | None = None,
    children: list[RunState] | None = None,
    presign: Callable[[str], str] | None = None,
    schedule: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``GET /api/v3/runs/{id}``: a `RetrieveRunResponse`.

    ``presign`` makes the download URL of an offloaded payload or output (its path);
    ``schedule`` is the schedule that triggered the run, as the retrieve shows it.
    """
    out = _common(run, api_version)
    if run.payload_type != "application/store":
        _put_packet(out, "payload", decode_packet(run.payload, run.payload_type))
    elif presign is not None and run.payload:
        out["payloadPresignedUrl"] = presign(run.payload)
    if run.status == "COMPLETED_SUCCESSFULLY" and run.output_type != "application/store":
        _put_packet(out, "output", decode_packet(run.output, run.output_type))
    elif run.status == "COMPLETED_SUCCESSFULLY" and presign is not None and run.output:
        out["outputPresignedUrl"] = presign(run.output)
    _put(out, "error", serialized_error(run.error))
    _put(out, "schedule", schedule)
    out["attemptCount"] = run.attempt_number
    out["attempts"] = []
    related: dict[str, Any] = {}
    if root is not None:
        related["root"] = _common(root, api_version)
    if parent is not None:
        related["parent"] = _common(parent, api_version)
    related["children"] = [_common(child, api_version) for child in children or []]
    out["relatedRuns"] = related
    return out


def list_item(run: RunState, env: Environment, api_version: str | None) -> dict[str, Any]:
    """One row of ``GET /api/v1/runs``."""
    status = api_status(run.status, api_version)
    out: dict[str, Any] = {"id": run.friendly_id, "status": status, "taskIdentifier": run.task}
    _put(out, "idempotencyKey", run.idempotency_key)
    _put(out, "version", _version(run))
    out["createdAt"] = iso(run.created_at)
    out["updatedAt"] = iso(run.updated_at)
    _put(out, "startedAt", _time(run.started_at))
    finished = run.completed_at
    if finished is None and run.status in FINAL:
        finished = run.updated_at
    _put(out, "finishedAt", _time(finished))
    _put(out, "delayedUntil", _time(run.delay_until))
    out["isTest"] = run.is_test
    _put(out, "ttl", run.ttl)
    _put(out, "expiredAt", _time(run.expired_at))
    env_out: dict[str, Any] = {"id": env.id, "name": env.slug}
    _put(env_out, "user", env.user_name)
    out["env"] = env_out
    out["tags"] = sorted(run.tags)
    out["costInCents"] = 0
    out["baseCostInCents"] = 0
    out["durationMs"] = run.usage_duration_ms
    out["depth"] = run.depth
    metadata = decode_packet(run.metadata, run.metadata_type)
    if isinstance(metadata, dict):
        metadata = {k: v for k, v in metadata.items() if k not in _STREAM_KEYS}
    _put(out, "metadata", metadata)
    out["taskKind"] = "STANDARD"
    _put(out, "region", run.region)
    out.update(flags(status))
    return out
