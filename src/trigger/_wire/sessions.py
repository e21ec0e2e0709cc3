"""Wire format of the session endpoints and their channels, and the event-stream readers."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import msgspec

from trigger._models import ENCODER
from trigger._types import NOT_GIVEN
from trigger._validation import (
    check_choices,
    check_number,
    check_str,
    check_str_list,
    comma_joined,
    compact,
    epoch_ms,
    iso_datetime,
    path_segment,
)
from trigger._wire.payloads import encode_metadata
from trigger._wire.runs import page_query
from trigger.types.sessions import SESSION_STATUSES, SessionEvent, SessionTriggerConfig

if TYPE_CHECKING:
    import httpx
    import httpx_sse

__all__ = [
    "AsyncServerSentEvents",
    "Channel",
    "ServerSentEvents",
    "SessionTriggerConfigParam",
    "append_content",
    "channel_path",
    "check_channel",
    "check_external_id",
    "close_body",
    "create_body",
    "is_event_stream",
    "list_sessions_query",
    "new_part_id",
    "part_id_header",
    "records_query",
    "require_httpx_sse",
    "session_path",
    "stream_headers",
    "stream_timeout",
    "trigger_config_body",
    "update_body",
    "with_headers",
]

Channel = Literal["in", "out"]
"""A session channel: ``"in"`` (to the task) or ``"out"`` (from the task)."""

MACHINE_PRESETS = frozenset(
    {"micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x", "large-2x"}
)

_MAX_BODY = 32 * 1024
_MAX_RECORD = 1024 * 1024
_RESERVED_PREFIX = "session_"
_CHANNEL_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")


class SessionTriggerConfigParam(TypedDict, total=False):
    """Trigger options of a session's runs, by their Python names (`SessionTriggerConfig`
    instances and the camelCase wire names are accepted too). ``base_payload`` is required.
    """

    base_payload: Mapping[str, Any]
    """Payload merged into every run the session triggers (a JSON object)."""
    machine: str
    """Machine preset: ``micro``, ``small-1x``, ``small-2x``, ``medium-1x``, ``medium-2x``,
    ``large-1x`` or ``large-2x``."""
    queue: str
    """Queue name (at most 128 characters)."""
    tags: str | Sequence[str]
    """Tags of every run (at most 5, each at most 128 characters)."""
    max_attempts: int
    """Attempts per run, 1-10."""
    max_duration: int
    """Wall-clock cap per run, in whole seconds (at least 1)."""
    lock_to_version: str
    """Worker version to pin every run to."""
    region: str
    """Region to run in."""
    idle_timeout_in_seconds: int
    """Idle timeout handed to the task, 1-3600 seconds."""


# Python name -> wire name; both spellings are accepted in a mapping.
_CONFIG_FIELDS = {
    "base_payload": "basePayload",
    "machine": "machine",
    "queue": "queue",
    "tags": "tags",
    "max_attempts": "maxAttempts",
    "max_duration": "maxDuration",
    "lock_to_version": "lockToVersion",
    "region": "region",
    "idle_timeout_in_seconds": "idleTimeoutInSeconds",
}
_WIRE_TO_PYTHON = {wire: name for name, wire in _CONFIG_FIELDS.items()}


def session_path(session: str, suffix: str = "") -> str:
    """``/api/v1/sessions/{session}`` (a ``session_…`` id or your external id)."""
    return f"/api/v1/sessions/{path_segment('session', session)}{suffix}"


def check_channel(value: object) -> str:
    """A named channel: 1-128 letters, digits, ``.``, ``_`` or ``-`` (the official
    ``sessions.defineChannel`` rule)."""
    text = check_str("channel", value)
    if not _CHANNEL_NAME.fullmatch(text):
        raise ValueError(
            "channel must be 1-128 characters of letters, digits, '.', '_' or '-', "
            f"got {text[:140]!r}"
        )
    return text


def channel_path(
    session: str,
    io: str,
    suffix: str = "",
    *,
    channel: str | None = None,
    named_io: tuple[str, ...] = ("in", "out"),
) -> str:
    """``/realtime/v1/sessions/{session}/{io}`` plus an optional suffix; with ``channel``,
    ``/realtime/v1/sessions/{session}/channels/{channel}/{io}…``, where only the ``named_io``
    directions exist (SURFACE-4.8 §4: ``in/append``, ``out`` read, ``{io}/records``)."""
    if io not in ("in", "out"):
        raise ValueError(f"io must be 'in' or 'out', not {io!r}")
    base = f"/realtime/v1/sessions/{path_segment('session', session)}"
    if channel is None:
        return f"{base}/{io}{suffix}"
    name = check_channel(channel)
    if io not in named_io:
        raise ValueError(
            f"io must be {' or '.join(repr(item) for item in named_io)} with a named channel, "
            f"not {io!r}"
        )
    return f"{base}/channels/{path_segment('channel', name)}/{io}{suffix}"


def new_part_id() -> str:
    """A fresh ``X-Part-Id`` (21 URL-safe characters, like the official client's nanoid)."""
    return secrets.token_urlsafe(16)[:21]


def _bounded_str(name: str, value: object, maximum: int) -> str:
    text = check_str(name, value)
    if len(text) > maximum:
        raise ValueError(f"{name} must be at most {maximum} characters, got {len(text)}")
    return text


def _tags(name: str, value: str | Sequence[str], maximum: int) -> list[str]:
    tags = check_str_list(name, value)
    if len(tags) > maximum:
        raise ValueError(f"{name} takes at most {maximum} tags, got {len(tags)}")
    for tag in tags:
        if len(tag) > 128:
            raise ValueError(f"{name} has a tag longer than 128 characters")
    return tags


def _int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    return int(check_number(name, value, minimum=minimum, maximum=maximum, integer=True))


def _object(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping (a JSON object), not {type(value).__name__}")
    return dict(value)


def check_external_id(name: str, value: object) -> str:
    """An external id: 1-256 characters (after trimming), not starting with ``session_``."""
    text = check_str(name, value)
    if len(text.strip()) > 256:
        raise ValueError(f"{name} must be at most 256 characters")
    if text.strip().startswith(_RESERVED_PREFIX):
        raise ValueError(f"{name} must not start with the reserved prefix {_RESERVED_PREFIX!r}")
    return text


def trigger_config_body(
    value: SessionTriggerConfig | SessionTriggerConfigParam | Mapping[str, Any],
) -> dict[str, Any]:
    """A session's ``triggerConfig`` on the wire, every field checked."""
    name = "trigger_config"
    if isinstance(value, SessionTriggerConfig):
        fields: dict[str, Any] = {
            key: getattr(value, key) for key in _CONFIG_FIELDS if getattr(value, key) is not None
        }
    elif isinstance(value, Mapping):
        fields = {}
        for key, item in value.items():
            python_name = key if key in _CONFIG_FIELDS else _WIRE_TO_PYTHON.get(key)
            if python_name is None:
                known = ", ".join(_CONFIG_FIELDS)
                raise ValueError(f"{name} has an unknown field {key!r}; known fields: {known}")
            if python_name in fields:
                raise ValueError(f"{name} sets {python_name!r} twice")
            if item is not None:
                fields[python_name] = item
    else:
        raise TypeError(
            f"{name} must be a mapping or a SessionTriggerConfig, not {type(value).__name__}"
        )
    if "base_payload" not in fields:
        raise ValueError(f"{name} needs base_payload (a JSON object, may be empty)")
    checked: dict[str, Any] = {
        "basePayload": _object(f"{name}['base_payload']", fields["base_payload"])
    }
    for key, item in fields.items():
        label = f"{name}[{key!r}]"
        if key == "machine":
            if item not in MACHINE_PRESETS:
                presets = ", ".join(sorted(MACHINE_PRESETS))
                raise ValueError(f"{label} must be one of {presets}, got {item!r}")
        elif key == "queue":
            _bounded_str(label, item, 128)
        elif key == "tags":
            item = _tags(label, item, 5)
        elif key == "max_attempts":
            item = _int(label, item, 1, 10)
        elif key == "max_duration":
            item = _int(label, item, 1)
        elif key in ("lock_to_version", "region"):
            check_str(label, item)
        elif key == "idle_timeout_in_seconds":
            item = _int(label, item, 1, 3600)
        else:  # base_payload, checked above
            continue
        checked[_CONFIG_FIELDS[key]] = item
    return checked


def _check_size(what: str, body: dict[str, Any], limit: int = _MAX_BODY) -> dict[str, Any]:
    try:
        size = len(ENCODER.encode(body))
    except (TypeError, msgspec.EncodeError) as exc:
        raise TypeError(f"{what} holds a value that cannot be sent as JSON: {exc}") from exc
    if size > limit:
        raise ValueError(f"{what} is {size} bytes of JSON; the limit is {limit // 1024} KB")
    return body


def create_body(
    *,
    type: str,
    task_identifier: str,
    trigger_config: SessionTriggerConfig | SessionTriggerConfigParam | Mapping[str, Any],
    external_id: str | None,
    tags: str | Sequence[str] | None,
    metadata: Mapping[str, Any] | None,
    expires_at: datetime | str | None,
) -> dict[str, Any]:
    """Body of ``POST /api/v1/sessions``."""
    body = compact(
        {
            "type": _bounded_str("type", type, 64),
            "taskIdentifier": _bounded_str("task_identifier", task_identifier, 128),
            "triggerConfig": trigger_config_body(trigger_config),
            "externalId": None if external_id is None else _external_id(external_id),
            "tags": None if tags is None else _tags("tags", tags, 10),
            "metadata": None if metadata is None else encode_metadata("metadata", metadata),
            "expiresAt": None if expires_at is None else iso_datetime("expires_at", expires_at),
        }
    )
    return _check_size("the session", body)


def _external_id(value: object) -> str:
    return check_external_id("external_id", value)


def update_body(*, tags: Any, metadata: Any, external_id: Any) -> dict[str, Any]:
    """Body of ``PATCH /api/v1/sessions/{session}``: only the fields given (``NOT_GIVEN``
    leaves a field out; ``metadata=None`` clears the metadata)."""
    body: dict[str, Any] = {}
    if tags is not NOT_GIVEN:
        body["tags"] = _tags("tags", tags, 10)
    if metadata is not NOT_GIVEN:
        body["metadata"] = None if metadata is None else encode_metadata("metadata", metadata)
    if external_id is not NOT_GIVEN:
        body["externalId"] = None if external_id is None else _external_id(external_id)
    # No field at all is a valid (empty) update: the body is required, its fields are not.
    return _check_size("the update", body)


def close_body(reason: str | None) -> dict[str, Any]:
    """Body of a close: always a JSON object, with the reason when given."""
    if reason is None:
        return {}
    return {"reason": _bounded_str("reason", reason, 256)}


def _single(name: str, value: str | Sequence[str] | None) -> None:
    if value is None or isinstance(value, str):
        return
    values = check_str_list(name, value)
    if len(values) != 1:
        raise ValueError(
            f"{name} takes one value: the API filters sessions by one {name} at a time "
            f"(it reads a list as one string), got {len(values)}"
        )


def list_sessions_query(
    *,
    type: str | Sequence[str] | None,
    tag: str | Sequence[str] | None,
    task_identifier: str | Sequence[str] | None,
    external_id: str | None,
    status: str | Sequence[str] | None,
    period: str | None,
    from_: datetime | int | None,
    to: datetime | int | None,
    limit: int | None,
    after: str | None,
    before: str | None,
) -> dict[str, str]:
    """The query of ``GET /api/v1/sessions``; created-at bounds go out as Unix ms integers
    (the server refuses ISO strings there).

    Each filter takes one value: the server reads a repeated or comma-joined filter as one
    string (``"ACTIVE,CLOSED"`` is refused as a status, ``"a,b"`` matches no tag), so a
    second value could only ever fail or match nothing.
    """
    if status is not None:
        check_choices("status", status, SESSION_STATUSES)
    for name, value in (("type", type), ("tag", tag), ("task_identifier", task_identifier)):
        _single(name, value)
    _single("status", status)
    for name, bound in (("from_", from_), ("to", to)):
        if isinstance(bound, str):
            raise TypeError(f"{name} must be an aware datetime or Unix milliseconds (int)")
    filters = {
        "filter[type]": None if type is None else comma_joined("type", type),
        "filter[tags]": None if tag is None else comma_joined("tag", tag),
        "filter[taskIdentifier]": None
        if task_identifier is None
        else comma_joined("task_identifier", task_identifier),
        "filter[externalId]": None
        if external_id is None
        else check_str("external_id", external_id),
        "filter[status]": None if status is None else comma_joined("status", status),
        "filter[createdAt][period]": None if period is None else check_str("period", period),
        "filter[createdAt][from]": None if from_ is None else epoch_ms("from_", from_),
        "filter[createdAt][to]": None if to is None else epoch_ms("to", to),
    }
    return {**compact(filters), **page_query(limit=limit, after=after, before=before)}


def append_content(record: Any) -> tuple[bytes, str]:
    """The body and content type of an appended record.

    ``bytes`` go out as they are, ``str`` as UTF-8 text, anything else as JSON.
    """
    if isinstance(record, (bytes, bytearray, memoryview)):
        content, content_type = bytes(record), "application/octet-stream"
    elif isinstance(record, str):
        content, content_type = record.encode(), "text/plain; charset=utf-8"
    elif record is None:
        raise TypeError("record must not be None")
    else:
        try:
            content = ENCODER.encode(record)
        except (TypeError, msgspec.EncodeError) as exc:
            raise TypeError(f"record cannot be sent as JSON: {exc}") from exc
        content_type = "application/json"
    if len(content) > _MAX_RECORD:
        raise ValueError(f"record is {len(content)} bytes; the limit is 1 MiB")
    return content, content_type


def part_id_header(part_id: str | None) -> dict[str, str]:
    """The ``X-Part-Id`` header that makes an append idempotent."""
    if part_id is None:
        return {}
    text = check_str("part_id", part_id)
    if any(char in text for char in "\r\n\0"):
        raise ValueError("part_id must not contain CR, LF or NUL characters")
    return {"x-part-id": text}


def with_headers(headers: Mapping[str, str] | None, overrides: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with ``overrides`` set, replacing any same-named header whatever its case."""
    names = {name.lower() for name in overrides}
    merged = {key: value for key, value in (headers or {}).items() if key.lower() not in names}
    merged.update(overrides)
    return merged


def records_query(after_event_id: str | int | None) -> dict[str, str]:
    """The query of a records read: ``afterEventId`` when given."""
    if after_event_id is None:
        return {}
    if isinstance(after_event_id, int) and not isinstance(after_event_id, bool):
        return {"afterEventId": str(_int("after_event_id", after_event_id, 0))}
    return {"afterEventId": check_str("after_event_id", after_event_id)}


def stream_headers(last_event_id: str | int | None, timeout_seconds: int | None) -> dict[str, str]:
    """Request headers of a channel subscription."""
    headers = {"accept": "text/event-stream", "cache-control": "no-store"}
    if last_event_id is not None:
        if isinstance(last_event_id, int) and not isinstance(last_event_id, bool):
            headers["last-event-id"] = str(_int("last_event_id", last_event_id, 0))
        else:
            text = check_str("last_event_id", last_event_id)
            if any(char in text for char in "\r\n\0"):
                raise ValueError("last_event_id must not contain CR, LF or NUL characters")
            headers["last-event-id"] = text
    if timeout_seconds is not None:
        headers["timeout-seconds"] = str(_int("timeout_seconds", timeout_seconds, 1, 600))
    return headers


def stream_timeout(timeout: httpx.Timeout, timeout_seconds: int | None) -> httpx.Timeout:
    """The subscription's timeout: waiting for data may last as long as the server keeps the
    stream open without records (``timeout_seconds``), plus a margin."""
    if timeout_seconds is None or timeout.read is None or timeout.read >= timeout_seconds + 10:
        return timeout
    import httpx

    return httpx.Timeout(
        connect=timeout.connect, read=timeout_seconds + 10, write=timeout.write, pool=timeout.pool
    )


def require_httpx_sse() -> None:
    """Fail early, and clearly, when the optional ``httpx-sse`` dependency is missing.

    Raises:
        ImportError: ``httpx-sse`` is not installed.
    """
    try:
        import httpx_sse  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            'Subscribing to a session channel needs httpx-sse: pip install "trigger-sdk[realtime]"'
        ) from exc


def is_event_stream(response: httpx.Response) -> bool:
    """Whether a response declares a ``text/event-stream`` body."""
    content_type = str(response.headers.get("content-type", ""))
    return content_type.partition(";")[0].strip().lower() == "text/event-stream"


def _session_event(sse: httpx_sse.ServerSentEvent) -> SessionEvent:
    # Callers skip events without data: httpx-sse dispatches one at every blank line once an
    # id was seen (e.g. after a keep-alive comment), where the SSE spec dispatches nothing.
    return SessionEvent(id=sse.id, event=sse.event, data=sse.data, retry=sse.retry)


class AsyncServerSentEvents:
    """The events of a streamed async response, parsed by httpx-sse.

    The sync client uses `ServerSentEvents`; the generated sync code names it in place of
    this class.
    """

    def __init__(self, response: httpx.Response) -> None:
        from httpx_sse import EventSource

        self._events = EventSource(response).aiter_sse()

    def __aiter__(self) -> AsyncIterator[SessionEvent]:
        return self

    async def __anext__(self) -> SessionEvent:
        while True:
            sse = await self._events.__anext__()
            if sse.data:
                return _session_event(sse)

    async def aclose(self) -> None:
        """Stop parsing (the caller closes the response)."""
        await self._events.aclose()


class ServerSentEvents:
    """The events of a streamed sync response, parsed by httpx-sse."""

    def __init__(self, response: httpx.Response) -> None:
        from httpx_sse import EventSource

        self._events = EventSource(response).iter_sse()

    def __iter__(self) -> Iterator[SessionEvent]:
        return self

    def __next__(self) -> SessionEvent:
        while True:
            sse = next(self._events)
            if sse.data:
                return _session_event(sse)

    def close(self) -> None:
        """Stop parsing (the caller closes the response)."""
        close = getattr(self._events, "close", None)
        if close is not None:
            close()
