"""Wire format of the batch endpoints: item validation, request bodies and the NDJSON stream.

Everything here is pure (no I/O). A batch's items are walked several times (to validate
them, to find the payloads to offload, then once per stream attempt) and never copied: the
NDJSON body is produced lazily, chunk by chunk, so a batch of any size streams in bounded
memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypedDict

import msgspec

from trigger._validation import check_bool, check_str, compact
from trigger._wire.idempotency import (
    check_idempotency_key_ttl,
    guard_options,
    hash_idempotency_key,
    idempotency_key_options,
    idempotency_key_parts,
    is_hashed_key,
)
from trigger._wire.payloads import OFFLOAD_THRESHOLD, EncodedPayload, encode_payload
from trigger._wire.tasks import TriggerOptions, trigger_options_to_wire

__all__ = [
    "CHUNK_SIZE",
    "TASK_BATCH_MAX_ITEMS",
    "BatchItem",
    "BatchPlan",
    "IdempotencyKey",
    "IndexedBatchItem",
    "ProcessingStrategy",
    "TaskBatchItem",
    "already_created",
    "guard_items",
]

TASK_BATCH_MAX_ITEMS = 100
"""Most items ``POST /api/v1/tasks/{taskIdentifier}/batch`` accepts (a server constant)."""

CHUNK_SIZE = 64 * 1024
"""The NDJSON stream is sent in chunks of about this many bytes."""

LINE_ENCODER = msgspec.json.Encoder()
"""Encodes the NDJSON lines of item streams."""

ProcessingStrategy = Literal["parallel", "sequential"]
"""How ``POST /api/v2/tasks/batch`` processes its items."""

IdempotencyKey = str | Sequence[str]
"""A user key, or its parts (joined with ``-`` before hashing); a 64-character string (such
as a key from ``idempotency_keys.create``) is taken as an already hashed key."""


class _BatchItemTask(TypedDict):
    task: str
    """The task to run."""


class BatchItem(_BatchItemTask, total=False):
    """One run of a batch: ``{"task": "send-email", "payload": {...}, "options": {...}}``."""

    payload: Any
    """The run's payload (``None`` or absent: no payload)."""
    options: TriggerOptions
    """Options of this run (snake_case, as for `tasks.trigger`)."""


class IndexedBatchItem(BatchItem, total=False):
    """A `BatchItem` with its explicit position in the batch (for `batch.stream_items`)."""

    index: int
    """Zero-based position; the server deduplicates items by it."""


class TaskBatchItem(TypedDict, total=False):
    """One run of a single-task batch (`batch.trigger_task_v1`)."""

    payload: Any
    """The run's payload."""
    options: TriggerOptions
    """Options of this run."""


_ITEM_KEYS = frozenset({"task", "payload", "options"})
_INDEXED_ITEM_KEYS = _ITEM_KEYS | {"index"}
_TASK_ITEM_KEYS = frozenset({"payload", "options"})
_PROCESSING_STRATEGIES = ("parallel", "sequential")


# -- idempotency keys ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchKey:
    """A batch idempotency key as sent, and the base its items' keys are derived from.

    Attributes:
        hashed: The value sent as ``idempotencyKey``.
        origin: ``idempotencyKeyOptions``: the user key and its scope (``None`` for a bare
            pre-hashed key).
        item_base: What item keys are derived from (the key as the official SDK writes it).
    """

    hashed: str
    origin: dict[str, str] | None = field(default=None, repr=False)
    item_base: str | None = field(default=None, repr=False)

    def options(self) -> dict[str, str] | None:
        """``idempotencyKeyOptions`` of the batch: its user key and scope, when known."""
        return None if self.origin is None else dict(self.origin)

    def item_key(self, index: int) -> str:
        """The key of an item without its own: the hash of ``"<batch key>-<index>"``."""
        return hash_idempotency_key([self.item_base or self.hashed, str(index)])


def batch_key(name: str, key: IdempotencyKey) -> BatchKey:
    """Hash a batch idempotency key as the official SDK does (see `trigger._wire.idempotency`).

    Outside a task the scope adds nothing, so ``"order-42"`` and ``["order", "42"]`` give
    the same key. A 64-character string is taken as already hashed and sent unchanged; a key
    from ``idempotency_keys.create`` also sends its user key and scope.
    """
    if is_hashed_key(key):
        assert isinstance(key, str)
        return BatchKey(str(key), idempotency_key_options(key))
    parts = idempotency_key_parts(name, key)
    # Items derive from the key as the official SDK writes it: a list key is stringified the
    # JavaScript way ("order,42"), so items dedupe against batches triggered from TypeScript.
    item_base = key if isinstance(key, str) else ",".join(parts)
    return BatchKey(hash_idempotency_key(key, name=name), idempotency_key_options(key), item_base)


def _ttl(name: str, value: str | timedelta | None) -> str | None:
    return None if value is None else check_idempotency_key_ttl(name, value)


# -- items ---------------------------------------------------------------------------------


def check_items(name: str, items: object, *, maximum: int | None = None) -> Sequence[Any]:
    """A non-empty sequence of items (walked more than once, so iterators are refused)."""
    if isinstance(items, (str, bytes, bytearray, Mapping)) or not isinstance(items, Sequence):
        raise TypeError(
            f"{name} must be a sequence (list or tuple) of items, not {type(items).__name__}"
        )
    if not items:
        raise ValueError(f"{name} must hold at least one item: a batch cannot be empty")
    if maximum is not None and len(items) > maximum:
        raise ValueError(
            f"{name} holds {len(items)} items; this endpoint accepts at most {maximum}"
        )
    return items


def _check_keys(name: str, item: object, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type(item).__name__}")
    unknown = sorted(str(key) for key in item if key not in allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise ValueError(f"{name} has unknown keys {unknown}; an item takes {known}")
    return item


def _item_options(name: str, item: Mapping[str, Any]) -> dict[str, Any]:
    options = item.get("options")
    if options is None:
        return {}
    return dict(trigger_options_to_wire(options, name=f"{name}['options']", batch_item=True))


@dataclass
class BatchPlan:
    """A validated batch, ready to be offloaded, created and streamed.

    Attributes:
        items: The caller's items (not copied).
        indexes: Explicit item indexes (``None``: each item's position).
        task_identifiers: The distinct tasks, sorted.
        key: The batch idempotency key, if any.
        key_ttl: The batch's ``idempotencyKeyTTL``, given to items that carry no TTL.
        large: Positions of the items whose payload must be offloaded.
        offloaded: Offloaded payloads by position (filled by the offload phase).
    """

    items: Sequence[Any]
    indexes: list[int] | None
    task_identifiers: list[str]
    key: BatchKey | None = None
    key_ttl: str | None = None
    large: list[int] = field(default_factory=list)
    offloaded: dict[int, EncodedPayload] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many items the batch has."""
        return len(self.items)

    def task(self, position: int) -> str:
        """The task of the item at ``position``."""
        task: str = self.items[position]["task"]
        return task

    def payload(self, position: int) -> Any:
        """The payload of the item at ``position`` (``None`` when it has none)."""
        return self.items[position].get("payload")

    def lines(self) -> Iterator[dict[str, Any]]:
        """The NDJSON lines, one per item, built lazily (nothing is kept between lines)."""
        for position, item in enumerate(self.items):
            index = position if self.indexes is None else self.indexes[position]
            options = _item_options(f"items[{position}]", item)
            encoded = self.offloaded.get(position)
            if encoded is None:
                encoded = encode_payload(item.get("payload"))
            if self.key is not None and "idempotencyKey" not in options:
                options["idempotencyKey"] = self.key.item_key(index)
            if (
                self.key_ttl is not None
                and "idempotencyKey" in options
                and "idempotencyKeyTTL" not in options
            ):
                options["idempotencyKeyTTL"] = self.key_ttl
            yield item_line(index, item["task"], encoded, options)


def _payload_options(options: dict[str, Any], encoded: EncodedPayload) -> None:
    if encoded.payload_type is not None:
        options["payloadType"] = encoded.payload_type
    options["payloadSize"] = encoded.size


def item_line(
    index: int, task: str, encoded: EncodedPayload, options: dict[str, Any]
) -> dict[str, Any]:
    """One NDJSON line: ``{index, task, payload, options}`` with the payload's type and size."""
    _payload_options(options, encoded)
    line: dict[str, Any] = {"index": index, "task": task}
    if encoded.value is not None:
        line["payload"] = encoded.value
    line["options"] = options
    return line


def plan_batch(
    items: object,
    *,
    indexed: bool,
    idempotency_key: IdempotencyKey | None = None,
    idempotency_key_ttl: str | timedelta | None = None,
) -> BatchPlan:
    """Validate every item (task, options, payload) before anything is sent.

    Args:
        items: The items.
        indexed: Items may carry their own ``index`` (`batch.stream_items`).
        idempotency_key: The batch key; items without their own key derive theirs from it.
        idempotency_key_ttl: How long the keys last, e.g. ``"1h"``.
    """
    checked = check_items("items", items)
    key = None if idempotency_key is None else batch_key("idempotency_key", idempotency_key)
    ttl = _ttl("idempotency_key_ttl", idempotency_key_ttl)
    allowed = _INDEXED_ITEM_KEYS if indexed else _ITEM_KEYS
    tasks: set[str] = set()
    large: list[int] = []
    indexes: list[int] | None = None
    seen: set[int] = set()
    for position, raw in enumerate(checked):
        name = f"items[{position}]"
        item = _check_keys(name, raw, allowed)
        tasks.add(check_str(f"{name}['task']", item.get("task")))
        _item_options(name, item)
        if indexed:
            index = item.get("index", position)
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise ValueError(f"{name}['index'] must be an int >= 0, got {index!r}")
            if index in seen:
                raise ValueError(f"{name}['index'] repeats index {index}")
            seen.add(index)
            if index != position and indexes is None:
                indexes = list(range(position))
            if indexes is not None:
                indexes.append(index)
        try:
            encoded = encode_payload(item.get("payload"))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}['payload'] cannot be serialized: {exc}") from exc
        if encoded.size >= OFFLOAD_THRESHOLD:
            large.append(position)
    return BatchPlan(
        items=checked,
        indexes=indexes,
        task_identifiers=sorted(tasks),
        key=key,
        key_ttl=ttl,
        large=large,
    )


def ndjson_chunks(lines: Iterator[dict[str, Any]], chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Encode lines as NDJSON (each ending with a newline), in chunks of about ``chunk_size``."""
    buffer = bytearray()
    for line in lines:
        LINE_ENCODER.encode_into(line, buffer, -1)
        buffer += b"\n"
        if len(buffer) >= chunk_size:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


# -- request bodies ------------------------------------------------------------------------


def create_body(
    run_count: int,
    *,
    task_identifiers: Sequence[str] | None,
    parent_run_id: str | None,
    resume_parent_on_completion: bool | None,
    key: BatchKey | None,
) -> dict[str, Any]:
    """Body of ``POST /api/v3/batches`` (task identifiers deduplicated and sorted)."""
    if isinstance(run_count, bool) or not isinstance(run_count, int):
        raise TypeError(f"run_count must be an int, not {type(run_count).__name__}")
    if run_count < 1:
        raise ValueError(f"run_count must be >= 1, got {run_count}")
    identifiers = None
    if task_identifiers is not None:
        if isinstance(task_identifiers, str):
            task_identifiers = [task_identifiers]
        if not isinstance(task_identifiers, Sequence):
            raise TypeError("task_identifiers must be a sequence of str")
        identifiers = sorted(
            {check_str(f"task_identifiers[{i}]", t) for i, t in enumerate(task_identifiers)}
        )
        if not identifiers:
            raise ValueError("task_identifiers must name at least one task")
    return compact(
        {
            "runCount": run_count,
            "taskIdentifiers": identifiers,
            "parentRunId": None
            if parent_run_id is None
            else check_str("parent_run_id", parent_run_id),
            "resumeParentOnCompletion": None
            if resume_parent_on_completion is None
            else check_bool("resume_parent_on_completion", resume_parent_on_completion),
            "idempotencyKey": None if key is None else key.hashed,
            "idempotencyKeyOptions": None if key is None else key.options(),
        }
    )


def one_shot_item(
    name: str, item: object, encoded: EncodedPayload, *, with_task: bool
) -> dict[str, Any]:
    """An item of the one-shot batch endpoints: ``{task?, payload, options}``."""
    checked = _check_keys(name, item, _ITEM_KEYS if with_task else _TASK_ITEM_KEYS)
    options = checked.get("options")
    if with_task:
        wire_options = _item_options(name, checked)
    elif options is None:
        wire_options = {}
    else:
        wire_options = dict(trigger_options_to_wire(options, name=f"{name}['options']"))
    _payload_options(wire_options, encoded)
    body: dict[str, Any] = {}
    if with_task:
        body["task"] = check_str(f"{name}['task']", checked.get("task"))
    if encoded.value is not None:
        body["payload"] = encoded.value
    body["options"] = wire_options
    return body


def check_one_shot_items(
    items: object, *, with_task: bool, maximum: int | None = None
) -> tuple[Sequence[Any], list[int]]:
    """Validate one-shot items; return them and the positions of payloads to offload."""
    checked = check_items("items", items, maximum=maximum)
    large: list[int] = []
    for position, item in enumerate(checked):
        name = f"items[{position}]"
        mapping = _check_keys(name, item, _ITEM_KEYS if with_task else _TASK_ITEM_KEYS)
        if with_task:
            check_str(f"{name}['task']", mapping.get("task"))
            _item_options(name, mapping)
        elif mapping.get("options") is not None:
            trigger_options_to_wire(mapping["options"], name=f"{name}['options']")
        try:
            encoded = encode_payload(mapping.get("payload"))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}['payload'] cannot be serialized: {exc}") from exc
        if encoded.size >= OFFLOAD_THRESHOLD:
            large.append(position)
    return checked, large


def parent_fields(
    parent_run_id: str | None, resume_parent_on_completion: bool | None
) -> dict[str, Any]:
    """``parentRunId`` / ``resumeParentOnCompletion`` of the one-shot batch bodies."""
    return compact(
        {
            "parentRunId": None
            if parent_run_id is None
            else check_str("parent_run_id", parent_run_id),
            "resumeParentOnCompletion": None
            if resume_parent_on_completion is None
            else check_bool("resume_parent_on_completion", resume_parent_on_completion),
        }
    )


def guard_items(items: Sequence[dict[str, Any]], key: str) -> set[int]:
    """Give one-shot item bodies without an idempotency key ``"<key>-<position>"``.

    Args:
        items: Item bodies from `one_shot_item`, changed in place.
        key: The call's derived key (`trigger._wire.idempotency.retry_guard`).

    Returns:
        The positions of the items that got a derived key.
    """
    return {
        position
        for position, item in enumerate(items)
        if guard_options(item["options"], f"{key}-{position}")
    }


def already_created(error: object) -> bool:
    """Whether an error is the server's answer to a batch key it already holds (a 422)."""
    status = getattr(error, "status", None)
    message = getattr(error, "message", None)
    return (
        status == 422
        and isinstance(message, str)
        and "already been created with the same idempotency key" in message
    )


def processing_strategy(value: object) -> str:
    """The ``batch-processing-strategy`` header value."""
    if value not in _PROCESSING_STRATEGIES:
        raise ValueError(f"processing_strategy must be 'parallel' or 'sequential', got {value!r}")
    return str(value)
