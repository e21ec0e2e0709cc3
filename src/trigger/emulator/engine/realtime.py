"""Realtime run shapes as the server writes them: columns, values, messages, offsets, handles.

Pure functions (no I/O, no clock reads) from SERVER.md §11 and the server's native backend
(``electricStreamProtocol.server.ts``, ``nativeRealtimeClient.server.ts``): every column of a
run row is sent as a string (or ``null``) in Postgres' text form, typed by the
``electric-schema`` header; an answer is a JSON array of change messages closed by the
``up-to-date`` control message.

Offsets are ``<updatedAt ms>_<seq>`` like the native backend's, where ``seq`` is the
emulator's change counter (every run write bumps it, in the store, across restarts): a live
request sends back the offset it was given, and every run whose change number is above its
``seq`` is a change the caller has not seen. Unlike ``updatedAt`` alone this tells apart two
writes in one millisecond, and writes under a virtual clock that does not move.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from trigger.emulator.durations import iso, natural_duration_ms
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.statuses import API_VERSION
from trigger.emulator.jsjson import js_number, js_stringify

__all__ = [
    "COLUMNS",
    "INITIAL_OFFSET",
    "MAX_CREATED_AT_AGE_MS",
    "MAX_LIST_RESULTS",
    "RESERVED_COLUMNS",
    "Change",
    "batch_handle",
    "body",
    "clamp_floor",
    "created_at_floor",
    "encode_offset",
    "encode_row",
    "filter_ms_from_handle",
    "invalid_tag",
    "list_handle",
    "live_hold_ms",
    "offset_seq",
    "run_handle",
    "schema_header",
    "skip_columns",
]

INITIAL_OFFSET = "-1"
"""The offset of a first request: no row seen yet."""

MAX_CREATED_AT_AGE_MS = 24 * 3600 * 1000
"""The tag feed looks back at most one day (``REALTIME_MAXIMUM_CREATED_AT_FILTER_AGE_IN_MS``)."""

MAX_LIST_RESULTS = 1000
"""At most this many runs in a tag or batch snapshot (the native backend's cap)."""

_CREATED_AT_BUCKET_MS = 60_000
"""The tag feed's lower bound is floored to the minute, so same-tag feeds share it."""

_LIVE_HOLD_MS = 20_000
_LIVE_JITTER = 0.15

ColumnType = Literal["text", "timestamp", "int4", "float8", "bool", "jsonb"]

# (name, type, dims, empty array as null) in the server's order (RUN_ELECTRIC_COLUMNS).
COLUMNS: tuple[tuple[str, ColumnType, int, bool], ...] = (
    ("id", "text", 0, False),
    ("taskIdentifier", "text", 0, False),
    ("createdAt", "timestamp", 0, False),
    ("updatedAt", "timestamp", 0, False),
    ("startedAt", "timestamp", 0, False),
    ("delayUntil", "timestamp", 0, False),
    ("queuedAt", "timestamp", 0, False),
    ("expiredAt", "timestamp", 0, False),
    ("completedAt", "timestamp", 0, False),
    ("friendlyId", "text", 0, False),
    ("number", "int4", 0, False),
    ("isTest", "bool", 0, False),
    ("status", "text", 0, False),
    ("usageDurationMs", "int4", 0, False),
    ("costInCents", "float8", 0, False),
    ("baseCostInCents", "float8", 0, False),
    ("ttl", "text", 0, False),
    ("payload", "text", 0, False),
    ("payloadType", "text", 0, False),
    ("metadata", "text", 0, False),
    ("metadataType", "text", 0, False),
    ("output", "text", 0, False),
    ("outputType", "text", 0, False),
    ("runTags", "text", 1, True),
    ("error", "jsonb", 0, False),
    ("realtimeStreams", "text", 1, False),
)

RESERVED_COLUMNS = frozenset({"id", "taskIdentifier", "friendlyId", "status", "createdAt"})
"""Columns ``skipColumns`` never removes."""

_UNSAFE_TAG = re.compile(r'[\x00-\x1f\x7f\\"]')

Operation = Literal["insert", "update"]
Change = tuple[RunState, Operation]
"""A run to send and the operation it is sent as."""


def skip_columns(query_value: str | None, claims_realtime: object) -> frozenset[str]:
    """The columns left out: the JWT's ``realtime.skipColumns`` if it has any, else the
    query's comma list; never a reserved column."""
    raw: Iterable[object] = ()
    jwt_skip = claims_realtime.get("skipColumns") if isinstance(claims_realtime, dict) else None
    if isinstance(jwt_skip, list):
        raw = jwt_skip
    elif query_value:
        raw = query_value.split(",")
    names = (str(name).strip() for name in raw)
    return frozenset(name for name in names if name and name not in RESERVED_COLUMNS)


def _timestamp(ms: int | None) -> str | None:
    # ISO 8601 without the trailing Z (Postgres' text form; the SDK appends the Z).
    return None if ms is None else iso(ms)[:-1]


def _array(values: Sequence[str], empty_as_null: bool) -> str | None:
    if not values:
        return None if empty_as_null else "{}"
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


def _values(run: RunState) -> dict[str, Any]:
    streams: Sequence[str] = getattr(run, "realtime_streams", ()) or ()
    return {
        "id": run.id,
        "taskIdentifier": run.task,
        "createdAt": _timestamp(run.created_at),
        "updatedAt": _timestamp(run.updated_at),
        "startedAt": _timestamp(run.started_at),
        "delayUntil": _timestamp(run.delay_until),
        "queuedAt": _timestamp(run.queued_at),
        "expiredAt": _timestamp(run.expired_at),
        "completedAt": _timestamp(run.completed_at),
        "friendlyId": run.friendly_id,
        "number": "0",
        "isTest": "t" if run.is_test else "f",
        "status": run.status,
        "usageDurationMs": js_number(run.usage_duration_ms),
        "costInCents": "0",
        "baseCostInCents": "0",
        "ttl": run.ttl,
        "payload": run.payload,
        "payloadType": run.payload_type,
        "metadata": run.metadata,
        "metadataType": run.metadata_type,
        "output": run.output,
        "outputType": run.output_type,
        "runTags": _array(run.tags, True),
        "error": None if run.error is None else js_stringify(run.error),
        "realtimeStreams": _array(list(streams), False),
    }


def encode_row(run: RunState, skip: frozenset[str] = frozenset()) -> dict[str, str | None]:
    """A run's ``value`` object: every column not skipped, as the server encodes it."""
    values = _values(run)
    return {name: values[name] for name, *_ in COLUMNS if name not in skip}


def schema_header(skip: frozenset[str] = frozenset()) -> str:
    """The ``electric-schema`` header for the columns sent."""
    parts = []
    for name, kind, dims, _ in COLUMNS:
        if name in skip:
            continue
        info = {"type": kind, "dims": dims} if dims else {"type": kind}
        parts.append(f"{js_stringify(name)}:{js_stringify(info)}")
    return "{" + ",".join(parts) + "}"


def _key(run: RunState) -> str:
    return f'"public"."TaskRun"/"{run.id}"'


def body(
    changes: Sequence[Change], skip: frozenset[str] = frozenset(), api_version: str | None = None
) -> str:
    """An answer: one change message per run, then ``up-to-date`` (just that when empty).

    For any other API version than the current one, ``DEQUEUED`` is written ``EXECUTING``.
    """
    messages = [
        '{"key":'
        + js_stringify(_key(run))
        + ',"value":'
        + js_stringify(encode_row(run, skip))
        + ',"headers":{"operation":"'
        + operation
        + '"}}'
        for run, operation in changes
    ]
    messages.append('{"headers":{"control":"up-to-date"}}')
    text = "[" + ",".join(messages) + "]"
    if api_version != API_VERSION:
        text = text.replace('"status":"DEQUEUED"', '"status":"EXECUTING"')
    return text


def encode_offset(updated_at_ms: int, seq: int) -> str:
    """An offset: the newest ``updatedAt`` sent and the change counter it was read at."""
    return f"{int(updated_at_ms)}_{int(seq)}"


def offset_seq(offset: str | None) -> int:
    """The change counter of an offset the client sent back (0 when it is none of ours)."""
    if not offset:
        return 0
    _, _, seq = offset.partition("_")
    return int(seq) if seq.isdigit() and len(seq) < 19 else 0


def run_handle(run: RunState) -> str:
    """The single-run shape's handle: stable per run (no must-refetch ever)."""
    return f"run-{run.id}"


def list_handle(created_floor_ms: int, seq: int, suffix: str) -> str:
    """A tag feed's handle: it pins the feed's ``createdAt`` lower bound."""
    return f"runs_{int(created_floor_ms)}_{seq}_{suffix}"


def batch_handle(batch_id: str, seq: int, suffix: str) -> str:
    """A batch feed's handle (one per connection, never derived from the batch alone)."""
    return f"batch_{batch_id}_{seq}_{suffix}"


def filter_ms_from_handle(handle: str) -> int | None:
    """The ``createdAt`` lower bound a tag feed's handle pinned, if it is one."""
    parts = handle.split("_")
    if len(parts) < 2 or parts[0] != "runs" or not parts[1].isdigit() or len(parts[1]) > 16:
        return None
    value = int(parts[1])
    return value if value > 0 else None


def _bucket(ms: int) -> int:
    return ms // _CREATED_AT_BUCKET_MS * _CREATED_AT_BUCKET_MS


def created_at_floor(created_at: str | None, now_ms: int) -> int:
    """The tag feed's lower bound for ``createdAt``: ``now`` minus the duration (``24h``
    when absent or unreadable), at most one day back, floored to the minute."""
    oldest = now_ms - MAX_CREATED_AT_AGE_MS
    duration = natural_duration_ms(created_at if created_at is not None else "24h")
    floor = oldest if duration is None else max(oldest, now_ms - duration)
    return _bucket(floor)


def clamp_floor(floor_ms: int, now_ms: int) -> int:
    """A lower bound recovered from a handle, clamped to the one-day ceiling."""
    return _bucket(max(floor_ms, now_ms - MAX_CREATED_AT_AGE_MS))


def invalid_tag(tag: str) -> str | None:
    """The server's message for a tag it refuses (empty, control characters, ``\\``, ``"``)."""
    if tag == "" or _UNSAFE_TAG.search(tag):
        return f"Invalid tag: {js_stringify(tag)}"
    return None


def live_hold_ms(rand: float) -> int:
    """How long a live request is held when nothing changes: 20 s ± 15 % (``rand`` in [0, 1))."""
    return round(_LIVE_HOLD_MS * (1 - _LIVE_JITTER + rand * 2 * _LIVE_JITTER))
