"""Wire format of the runs endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from trigger._validation import (
    check_bool,
    check_choices,
    check_number,
    check_str,
    comma_joined,
    compact,
    epoch_ms,
    iso_datetime,
    path_segment,
)
from trigger._wire.idempotency import check_raw_idempotency_key
from trigger._wire.payloads import encode_metadata, encode_payload
from trigger._wire.tasks import MachinePreset, trigger_options_to_wire

if TYPE_CHECKING:
    from trigger.types.runs import LegacyRunStatus, RunStatus

__all__ = [
    "MAX_PAGE_SIZE",
    "QueueFilter",
    "env_slugs",
    "list_runs_query",
    "page_query",
    "queue_filter",
    "replay_body",
]

MAX_PAGE_SIZE = 100
"""The largest ``page[size]`` every cursor-paginated list accepts (the server answers 400)."""


class QueueRef(TypedDict):
    """A queue named by its kind, as the official SDK takes it: ``{"type": "task", "name": …}``."""

    type: Literal["task", "custom"]
    name: str


QueueFilter = str | QueueRef | Sequence[str | QueueRef]
"""One queue or several: a custom queue's name, or a `QueueRef` mapping."""

# Path slugs the caller may use, and the internal slug the run-list filter matches.
_ENV_SLUGS = {"dev": "dev", "staging": "stg", "stg": "stg", "prod": "prod", "preview": "preview"}


def env_slugs(name: str, value: str | Sequence[str]) -> str:
    """Environment filter values as the server matches them (``staging`` becomes ``stg``)."""
    values = [value] if isinstance(value, str) else list(value)
    slugs = []
    for item in values:
        check_str(name, item)
        if item not in _ENV_SLUGS:
            known = ", ".join(sorted(_ENV_SLUGS))
            raise ValueError(f"{name} has an unknown environment {item!r}; use one of {known}")
        slugs.append(_ENV_SLUGS[item])
    if not slugs:
        raise ValueError(f"{name} must name at least one environment")
    return ",".join(slugs)


def queue_refs(name: str, value: object) -> list[QueueRef]:
    """One queue or several as `QueueRef` mappings; a bare name is a custom queue."""
    if isinstance(value, (str, Mapping)):
        items: Sequence[object] = [value]
    elif isinstance(value, Sequence):
        items = value
    else:
        raise TypeError(f"{name} must be a str, a queue mapping or a sequence of them")
    refs: list[QueueRef] = []
    for item in items:
        if isinstance(item, str):
            refs.append({"type": "custom", "name": check_str(name, item)})
        elif isinstance(item, Mapping):
            kind = item.get("type")
            if kind not in ("task", "custom"):
                raise ValueError(f"{name}['type'] must be 'task' or 'custom', got {kind!r}")
            refs.append({"type": kind, "name": check_str(f"{name}['name']", item.get("name"))})
        else:
            raise TypeError(f"{name} must be a str, a queue mapping or a sequence of them")
    if not refs:
        raise ValueError(f"{name} must not be empty")
    return refs


def queue_filter(name: str, value: QueueFilter) -> str:
    """Queues as the run-list filter takes them: ``task/<name>`` for task queues."""
    return ",".join(
        f"task/{ref['name']}" if ref["type"] == "task" else ref["name"]
        for ref in queue_refs(name, value)
    )


def page_query(*, limit: int | None, after: str | None, before: str | None) -> dict[str, str]:
    """``page[size]``, ``page[after]``, ``page[before]`` of a cursor-paginated list.

    The size is checked against 1-100 here because every cursor list of the API refuses
    anything else with a 400.
    """
    if after is not None and before is not None:
        raise ValueError("pass after or before, not both")
    query: dict[str, str] = {}
    if limit is not None:
        size = check_number("limit", limit, minimum=1, maximum=MAX_PAGE_SIZE, integer=True)
        query["page[size]"] = str(int(size))
    if after is not None:
        query["page[after]"] = check_str("after", after)
    if before is not None:
        query["page[before]"] = check_str("before", before)
    return query


def list_runs_query(
    *,
    status: RunStatus | LegacyRunStatus | Sequence[RunStatus | LegacyRunStatus] | None,
    task_identifier: str | Sequence[str] | None,
    version: str | Sequence[str] | None,
    tag: str | Sequence[str] | None,
    bulk_action: str | None,
    schedule: str | None,
    is_test: bool | None,
    from_: datetime | int | str | None,
    to: datetime | int | str | None,
    period: str | None,
    batch: str | None,
    queue: QueueFilter | None,
    machine: str | Sequence[str] | None,
    region: str | Sequence[str] | None,
    error: str | None,
    env: str | Sequence[str] | None,
    limit: int | None,
    after: str | None,
    before: str | None,
) -> dict[str, str]:
    """The query of ``GET /api/v1/runs`` (and of the project route, which adds ``env``)."""
    if status is not None:
        # Imported here: trigger.types imports this module (queue filters of bulk actions).
        from trigger.types.runs import LEGACY_RUN_STATUSES, RUN_STATUSES

        # The server refuses unknown names with a 400; say which before sending.
        check_choices("status", status, RUN_STATUSES | LEGACY_RUN_STATUSES)
    filters: dict[str, Any] = {
        "filter[status]": None if status is None else comma_joined("status", status),
        "filter[taskIdentifier]": None
        if task_identifier is None
        else comma_joined("task_identifier", task_identifier),
        "filter[version]": None if version is None else comma_joined("version", version),
        "filter[tag]": None if tag is None else comma_joined("tag", tag),
        "filter[bulkAction]": None
        if bulk_action is None
        else check_str("bulk_action", bulk_action),
        "filter[schedule]": None if schedule is None else check_str("schedule", schedule),
        "filter[isTest]": None if is_test is None else str(check_bool("is_test", is_test)).lower(),
        "filter[createdAt][from]": None if from_ is None else epoch_ms("from_", from_),
        "filter[createdAt][to]": None if to is None else epoch_ms("to", to),
        "filter[createdAt][period]": None if period is None else check_str("period", period),
        "filter[batch]": None if batch is None else check_str("batch", batch),
        "filter[queue]": None if queue is None else queue_filter("queue", queue),
        "filter[machine]": None if machine is None else comma_joined("machine", machine),
        "filter[region]": None if region is None else comma_joined("region", region),
        "filter[error]": None if error is None else check_str("error", error),
        "filter[env]": None if env is None else env_slugs("env", env),
    }
    return {**compact(filters), **page_query(limit=limit, after=after, before=before)}


def runs_list_path(project_ref: str | None) -> str:
    """The environment route, or the personal-access-token route of one project."""
    if project_ref is None:
        return "/api/v1/runs"
    return f"/api/v1/projects/{path_segment('project_ref', project_ref)}/runs"


def reschedule_body(delay: str | datetime) -> dict[str, str]:
    """Body of a reschedule: a duration such as ``"1h"`` or a point in time."""
    if isinstance(delay, datetime):
        return {"delay": iso_datetime("delay", delay)}
    return {"delay": check_str("delay", delay)}


def metadata_body(
    *,
    metadata: Mapping[str, Any] | None,
    operations: Sequence[Mapping[str, Any]] | None,
    parent_operations: Sequence[Mapping[str, Any]] | None,
    root_operations: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """Body of a metadata update: a whole object, and/or operations on it."""
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a mapping, not {type(metadata).__name__}")
    # An empty update is valid (the body is required, its fields are not): it sends {}.
    return compact(
        {
            "metadata": None if metadata is None else encode_metadata("metadata", metadata),
            "operations": _operations("operations", operations),
            "parentOperations": _operations("parent_operations", parent_operations),
            "rootOperations": _operations("root_operations", root_operations),
        }
    )


_OPERATION_TYPES = {"update", "set", "delete", "append", "remove", "increment"}


def _operations(
    name: str, value: Sequence[Mapping[str, Any]] | None
) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of operation mappings")
    result = []
    for index, operation in enumerate(value):
        if not isinstance(operation, Mapping) or operation.get("type") not in _OPERATION_TYPES:
            kinds = ", ".join(sorted(_OPERATION_TYPES))
            raise ValueError(f"{name}[{index}] must be a mapping whose 'type' is one of {kinds}")
        result.append(encode_metadata(f"{name}[{index}]", operation))
    return result


def replay_body(
    *,
    payload: Any,
    tags: str | Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    queue: str | None,
    concurrency_key: str | int | None,
    machine: MachinePreset | None,
    version: str | None,
    region: str | None,
    delay: str | datetime | timedelta | None,
    ttl: str | int | timedelta | None,
    idempotency_key: str | None,
    idempotency_key_ttl: str | timedelta | None,
    max_attempts: int | None,
    max_duration: float | timedelta | None,
    priority: float | None,
) -> dict[str, Any] | None:
    """Body of a replay with overrides, or ``None`` (no body) when nothing is overridden.

    The options shared with a trigger are checked and encoded by the trigger's own rules;
    where the replay body differs from a trigger's ``options`` it is written here: ``queue``
    is a bare name, ``version`` keeps its name, and the idempotency key goes out as given
    (the official client neither hashes nor scopes it).
    """
    shared = trigger_options_to_wire(
        {
            "tags": tags,
            "metadata": metadata,
            "concurrency_key": concurrency_key,
            "machine": machine,
            "delay": delay,
            "ttl": ttl,
            "idempotency_key_ttl": idempotency_key_ttl,
            "max_attempts": max_attempts,
            "max_duration": max_duration,
            "priority": priority,
            "region": region,
        },
        name="",
    )
    # TRIGGER_VERSION pins triggers; a replay without `version` runs on the current one.
    shared.pop("lockToVersion", None)
    if queue is not None:
        shared["queue"] = check_str("queue", queue)
    if version is not None:
        shared["version"] = check_str("version", version)
    if idempotency_key is not None:
        shared["idempotencyKey"] = check_raw_idempotency_key("idempotency_key", idempotency_key)
    encoded = None if payload is None else encode_payload(payload)
    if encoded is None and not shared:
        return None
    # Key order as the official client sends it (payloadType last); JSON does not care.
    order = (
        "payload",
        "tags",
        "metadata",
        "queue",
        "concurrencyKey",
        "machine",
        "version",
        "region",
        "delay",
        "ttl",
        "idempotencyKey",
        "idempotencyKeyTTL",
        "maxAttempts",
        "maxDuration",
        "priority",
    )
    body: dict[str, Any] = {}
    if encoded is not None:
        body["payload"] = encoded.value
    body.update({key: shared[key] for key in order if key in shared})
    if encoded is not None:
        body["payloadType"] = encoded.payload_type
    return body
