"""Realtime run subscriptions on the wire: Electric shape-stream requests and their answers.

Pure code (no I/O): what a subscription sends (the query parameters and headers of the
official client's ``ShapeStream`` of ``@electric-sql/client`` 1.0.14, as ``@trigger.dev/core``
4.8.3 drives it) and how it reads the answers (SERVER.md §11):

- a request carries ``offset`` (``-1`` first), ``log=full``, then ``handle`` once the server
  named the shape, and ``live=true`` with ``cursor`` once the shape was up to date; the
  parameters are sorted, as the official client sorts them;
- an answer is a JSON array of change messages (``insert``/``update``/``delete`` of a row
  keyed ``"public"."TaskRun"/"<id>"``) and control messages (``up-to-date``,
  ``must-refetch``); every column's value is a string in Postgres' text form, typed by the
  ``electric-schema`` header of the first answer;
- rows are merged per key (an ``update`` into the row before it) and handed on only when an
  answer ends ``up-to-date``, once per row that changed (`ShapeState`);
- a row becomes a `RealtimeRun` as the official client's ``RunSubscription`` makes its run
  objects (`run_from_row`): the API's status names, ``finishedAt`` from ``completedAt``,
  tags, costs and durations defaulted to empty and zero.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec

from trigger._validation import check_bool, check_str, check_str_list
from trigger._wire.payloads import STORE_TYPE, decode_payload
from trigger.types.realtime import RealtimeRun
from trigger.types.runs import RunError

__all__ = [
    "ELECTRIC_VERSION",
    "ELECTRIC_VERSION_HEADER",
    "LIVE_TIMEOUT",
    "ShapePage",
    "ShapeState",
    "api_status",
    "check_skip_columns",
    "read_page",
    "run_from_row",
    "runs_query",
    "skip_columns_query",
]

ELECTRIC_VERSION_HEADER = "x-trigger-electric-version"
ELECTRIC_VERSION = "1.0.0-beta.1"
"""The Electric protocol version the official client announces (current header names)."""

LIVE_TIMEOUT = 45.0
"""The least per-attempt timeout of a live request: the server holds one up to ~23 s."""

_DB_TO_API = {
    "DELAYED": "DELAYED",
    "WAITING_FOR_DEPLOY": "PENDING_VERSION",
    "PENDING_VERSION": "PENDING_VERSION",
    "PENDING": "QUEUED",
    "PAUSED": "WAITING",
    "WAITING_TO_RESUME": "WAITING",
    "DEQUEUED": "DEQUEUED",
    "RETRYING_AFTER_FAILURE": "EXECUTING",
    "EXECUTING": "EXECUTING",
    "CANCELED": "CANCELED",
    "COMPLETED_SUCCESSFULLY": "COMPLETED",
    "SYSTEM_FAILURE": "SYSTEM_FAILURE",
    "CRASHED": "CRASHED",
    "INTERRUPTED": "FAILED",
    "COMPLETED_WITH_ERRORS": "FAILED",
    "EXPIRED": "EXPIRED",
    "TIMED_OUT": "TIMED_OUT",
}

_JSON = msgspec.json.Decoder()
_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?")


def api_status(db_status: str) -> str:
    """The API name of a database status, as the official realtime client maps it (an
    unknown status reads ``QUEUED``)."""
    return _DB_TO_API.get(db_status, "QUEUED")


# -- requests --------------------------------------------------------------------------------


def check_skip_columns(skip_columns: str | Sequence[str] | None) -> list[str] | None:
    """The columns to leave out, checked (``None`` when none are)."""
    if skip_columns is None:
        return None
    names = check_str_list("skip_columns", skip_columns)
    for name in names:
        if not name or "," in name:
            raise ValueError("skip_columns must be column names without commas")
    return names or None


def skip_columns_query(skip_columns: str | Sequence[str] | None) -> dict[str, str]:
    """``skipColumns=a,b`` (the comma-joined list), or nothing."""
    names = check_skip_columns(skip_columns)
    return {"skipColumns": ",".join(names)} if names else {}


def runs_query(
    tags: str | Sequence[str], created_at: str | timedelta | None, skip_columns: Any
) -> dict[str, str]:
    """The base query of a tag subscription: ``tags``, ``createdAt``, ``skipColumns``.

    ``created_at`` is how far back the runs may have been created: a duration of the
    server's grammar (``"1h"``, ``"2d"``, ``"1w2d"``) or a timedelta of whole seconds
    (the server looks back at most one day, 24 hours by default).
    """
    tag_list = check_str_list("tags", tags)
    if not tag_list:
        raise ValueError("tags must name at least one tag")
    for tag in tag_list:
        if not tag or "," in tag or re.search(r'[\x00-\x1f\x7f\\"]', tag):
            raise ValueError(
                "each tag must be non-empty, without commas, backslashes, double quotes or "
                "control characters (the server refuses them)"
            )
    query = {"tags": ",".join(tag_list)}
    if created_at is not None:
        query["createdAt"] = _created_at(created_at)
    query.update(skip_columns_query(skip_columns))
    return query


def _created_at(value: str | timedelta) -> str:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds <= 0 or seconds != int(seconds):
            raise ValueError("created_at must be a positive timedelta of whole seconds")
        return f"{int(seconds)}s"
    text = check_str("created_at", value)
    if not re.fullmatch(r"(\d+(?:w|d|hr|h|m|s))+", text) or len(text) > 100:
        raise ValueError('created_at must be a duration such as "30m", "1h" or "2d"')
    return text


# -- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShapePage:
    """One answer, read but not yet applied: its ``electric-*`` headers and messages."""

    handle: str
    offset: str
    cursor: str | None
    schema: dict[str, Any]
    messages: list[dict[str, Any]]


def read_page(
    headers: Mapping[str, str], content: bytes, *, live: bool, schema: dict[str, Any] | None
) -> ShapePage:
    """Check and decode one successful answer (values typed by ``schema``, else by this
    answer's ``electric-schema``).

    Raises:
        ValueError: A required ``electric-*`` header is missing, or the body is not an
            array of shape messages.
    """
    required = ["electric-offset", "electric-handle", "electric-cursor" if live else None]
    if not live:
        required.append("electric-schema")
    missing = [name for name in required if name is not None and name not in headers]
    if missing:
        raise ValueError(f"the realtime answer lacks the header(s) {', '.join(missing)}")
    if schema is None:
        try:
            schema = _JSON.decode(headers.get("electric-schema", "{}"))
        except msgspec.DecodeError as exc:
            raise ValueError(f"electric-schema is not JSON: {exc}") from None
        if not isinstance(schema, dict):
            raise ValueError("electric-schema is not a JSON object")
    try:
        messages = _JSON.decode(content or b"[]")
    except msgspec.DecodeError as exc:
        raise ValueError(f"the realtime answer is not JSON: {exc}") from None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ValueError("the realtime answer is not an array of messages")
    for message in messages:
        value = message.get("value")
        if "key" in message and isinstance(value, dict):
            message["value"] = {name: _parse(name, raw, schema) for name, raw in value.items()}
    return ShapePage(
        handle=headers["electric-handle"],
        offset=headers["electric-offset"],
        cursor=headers.get("electric-cursor"),
        schema=schema,
        messages=messages,
    )


def _parse(name: str, raw: Any, schema: Mapping[str, Any]) -> Any:
    info = schema.get(name)
    if raw is None or not isinstance(info, dict) or not isinstance(raw, str):
        return raw
    scalar = _SCALARS.get(str(info.get("type")), _identity)
    if info.get("dims"):
        return _pg_array(raw, scalar)
    return scalar(raw)


def _identity(value: str) -> Any:
    return value


def _number(value: str) -> Any:
    try:
        number = float(value)
    except ValueError:
        return float("nan")  # what Number() makes of text that is no number
    return int(number) if number.is_integer() and "." not in value and "e" not in value else number


def _json(value: str) -> Any:
    try:
        return _JSON.decode(value)
    except msgspec.DecodeError as exc:
        raise ValueError(f"a jsonb value is not JSON: {exc}") from None


_SCALARS: dict[str, Callable[[str], Any]] = {
    "int2": _number,
    "int4": _number,
    "int8": int,
    "float4": _number,
    "float8": _number,
    "bool": lambda value: value in ("t", "true"),
    "json": _json,
    "jsonb": _json,
}


def _pg_array(text: str, parse: Callable[[str], Any]) -> Any:
    """A Postgres array literal (``{"a","b"}``, ``{1,NULL}``, nested), as Electric reads it."""
    position = 0

    def element(token: str, quoted: bool) -> Any:
        if not quoted and token == "NULL":
            return None
        return parse(token)

    def walk() -> list[Any]:
        nonlocal position
        items: list[Any] = []
        token, quoted, has_token = "", False, False
        while position < len(text):
            char = text[position]
            position += 1
            if char == '"':
                while position < len(text):
                    char = text[position]
                    position += 1
                    if char == "\\" and position < len(text):
                        token += text[position]
                        position += 1
                    elif char == '"':
                        break
                    else:
                        token += char
                quoted = has_token = True
            elif char == "{":
                items.append(walk())
                has_token = False
            elif char == "}":
                if has_token or token:
                    items.append(element(token, quoted))
                return items
            elif char == ",":
                if has_token or token:
                    items.append(element(token, quoted))
                token, quoted, has_token = "", False, False
            else:
                token += char
                has_token = True
        raise ValueError("an array value is not a closed Postgres array literal")

    if not text.startswith("{"):
        raise ValueError("an array value is not a Postgres array literal")
    position = 1
    return walk()


@dataclass
class ShapeState:
    """Where a subscription is in its shape, and the rows it holds (mutable).

    Args:
        base_query: The subscription's own parameters (``tags``, ``skipColumns``...).
    """

    base_query: dict[str, str]
    offset: str = "-1"
    handle: str | None = None
    cursor: str = ""
    up_to_date: bool = False
    schema: dict[str, Any] | None = None
    expired_handle: str | None = None
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: dict[str, None] = field(default_factory=dict)
    """Keys changed since the last ``up-to-date`` (in order)."""

    @property
    def live(self) -> bool:
        """Whether the next request is a live (held) one."""
        return self.up_to_date

    def query(self) -> dict[str, str]:
        """The next request's query, sorted by name as the official client sorts it."""
        query = dict(self.base_query)
        query["offset"] = self.offset
        query["log"] = "full"
        if self.up_to_date:
            query["live"] = "true"
            query["cursor"] = self.cursor
        if self.handle is not None:
            query["handle"] = self.handle
        if self.expired_handle is not None:
            query["expired_handle"] = self.expired_handle
        return dict(sorted(query.items()))

    def apply(self, page: ShapePage) -> list[dict[str, Any]]:
        """Take one answer: the rows to hand on (those changed, once the shape is up to
        date), in the order they first changed."""
        self.handle = page.handle
        self.offset = page.offset
        if page.cursor is not None:
            self.cursor = page.cursor
        if self.schema is None:
            self.schema = page.schema
        up_to_date = False
        for message in page.messages:
            headers = message.get("headers")
            headers = headers if isinstance(headers, dict) else {}
            if "key" in message:
                key = str(message["key"])
                value = message.get("value")
                value = value if isinstance(value, dict) else {}
                operation = headers.get("operation")
                if operation == "insert":
                    self.rows[key] = value
                    self.changed[key] = None
                elif operation == "update":
                    self.rows[key] = {**self.rows.get(key, {}), **value}
                    self.changed[key] = None
                elif operation == "delete":
                    self.rows.pop(key, None)
                    self.changed.pop(key, None)
            elif headers.get("control") == "must-refetch":
                self.rows.clear()
            elif headers.get("control") == "up-to-date":
                up_to_date = True
        if not up_to_date:
            return []
        self.up_to_date = True
        out = [self.rows[key] for key in self.changed if key in self.rows]
        self.changed.clear()
        return out

    def must_refetch(self, new_handle: str | None, messages: Sequence[Any] = ()) -> None:
        """A 409: forget the shape and start again from ``offset=-1`` under the new handle."""
        old = self.handle
        self.expired_handle = old
        self.handle = new_handle or (f"{old}-next" if old else None)
        self.offset = "-1"
        self.cursor = ""
        self.up_to_date = False
        self.schema = None
        self.rows.clear()
        self.changed.clear()
        del messages  # a 409's body is [must-refetch]: its effect is this reset


# -- rows into runs --------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    match = _TIMESTAMP.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a timestamp")
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    return datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        micro,
        tzinfo=timezone.utc,
    )


def _error(value: Any) -> RunError | None:
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    if kind == "BUILT_IN_ERROR":
        return RunError(
            name=value.get("name"),
            message=str(value.get("message") or ""),
            stack_trace=value.get("stackTrace"),
        )
    if kind == "INTERNAL_ERROR":
        return RunError(message=f"trigger.dev internal error ({value.get('code')})")
    return RunError(message=str(value.get("raw") or value.get("message") or ""))


def _number_or_zero(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def decode_packet(data: Any, data_type: Any) -> Any:
    """A payload, output or metadata column decoded by its type (``None`` when empty);
    text that does not parse as its type says is returned as it is."""
    if not isinstance(data, str) or not data:
        return None
    kind = data_type if isinstance(data_type, str) else "application/json"
    try:
        return decode_payload(data, kind)
    except ValueError:
        return data


def run_from_row(row: Mapping[str, Any], *, payload: Any = None, output: Any = None) -> RealtimeRun:
    """The run a shape row shows (payload and output already decoded by the caller).

    Raises:
        ValueError: The row lacks a required column (``id``, ``friendlyId``,
            ``taskIdentifier``, ``status``, ``createdAt``, ``updatedAt``) or has a
            timestamp that is not one.
    """
    for name in ("id", "friendlyId", "taskIdentifier", "status", "createdAt", "updatedAt"):
        if not isinstance(row.get(name), str):
            raise ValueError(f"the realtime row has no {name}")
    created_at = _time(row["createdAt"])
    updated_at = _time(row["updatedAt"])
    assert created_at is not None
    assert updated_at is not None
    metadata = None
    if row.get("metadata") and row.get("metadataType"):
        metadata = decode_packet(row.get("metadata"), row.get("metadataType"))
    return RealtimeRun(
        id=str(row["friendlyId"]),
        status=api_status(str(row["status"])),
        task_identifier=str(row["taskIdentifier"]),
        created_at=created_at,
        updated_at=updated_at,
        started_at=_time(row.get("startedAt")),
        delayed_until=_time(row.get("delayUntil")),
        queued_at=_time(row.get("queuedAt")),
        expired_at=_time(row.get("expiredAt")),
        finished_at=_time(row.get("completedAt")),
        payload=payload,
        output=output,
        metadata=metadata if isinstance(metadata, dict) else None,
        error=_error(row.get("error")),
        tags=_strings(row.get("runTags")),
        is_test=row.get("isTest") is True,
        number=int(_number_or_zero(row.get("number"))),
        duration_ms=_number_or_zero(row.get("usageDurationMs")),
        cost_in_cents=_number_or_zero(row.get("costInCents")),
        base_cost_in_cents=_number_or_zero(row.get("baseCostInCents")),
        ttl=row.get("ttl") if isinstance(row.get("ttl"), str) else None,
        realtime_streams=_strings(row.get("realtimeStreams")),
    )


def stored_packet(row: Mapping[str, Any], field_name: str) -> str | None:
    """The storage path of an offloaded ``payload`` or ``output`` (``application/store``)."""
    data, kind = row.get(field_name), row.get(f"{field_name}Type")
    if isinstance(data, str) and data and isinstance(kind, str) and kind.startswith(STORE_TYPE):
        return data
    return None


def check_stop(stop_on_completion: object) -> bool:
    """``stop_on_completion`` checked."""
    return check_bool("stop_on_completion", stop_on_completion)
