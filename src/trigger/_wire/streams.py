"""Wire format of realtime run streams: paths, read headers, and decoding their events.

A read is ``GET /realtime/v1/streams/{runId}/{key}`` answered with server-sent events
(SERVER.md §11.7). Their shape depends on the run's streams version, which the answer's
``X-Stream-Version`` header names (absent: ``v1``):

- ``v1`` (Redis): one event per chunk, ``id: <ms>-<seq>`` and ``data: <JSON text>``; the
  chunk is the JSON value (the text itself when it is not JSON), its time the id's ``<ms>``.
- ``v2`` (S2): ``event: batch`` events whose data is ``{"records": [{"seq_num", "body",
  "timestamp", "headers"}]}``; each record's body is ``{"data": <chunk>, "id": <record
  id>}``. Records whose first header has an empty name are S2 commands (skipped), a record
  id seen before is a duplicate (dropped), and ``event: error`` means the read failed.

Either way the resume cursor (``Last-Event-ID``) moves past every event or record read,
skipped ones included, as the official client's does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from trigger._models import ENCODER
from trigger._validation import check_number, check_str, path_segment
from trigger.types.streams import StreamPart

if TYPE_CHECKING:
    import httpx

    from trigger._wire.sessions import AsyncServerSentEvents, ServerSentEvents
    from trigger.types.sessions import SessionEvent

__all__ = [
    "DEFAULT_KEY",
    "NON_RETRYABLE",
    "AsyncCloser",
    "Closer",
    "StreamDecoder",
    "StreamFailure",
    "Target",
    "append_content",
    "decode_chunk",
    "input_body",
    "input_path",
    "read_headers",
    "read_timeout",
    "require_httpx_sse",
    "stream_path",
    "target_path",
]

DEFAULT_KEY = "default"
"""The stream key the official SDK reads and writes when it is given none."""

NON_RETRYABLE = frozenset({400, 404, 409, 410, 422})
"""Statuses a stream read never retries (the official client's set): the stream is gone or
the request wrong."""

Target = Literal["self", "parent", "root"]
"""Which run a write lands on: the run named, its parent, or its root."""

_TARGETS = ("self", "parent", "root")
_SEEN_IDS = 5000
"""Record ids remembered to drop duplicates (the official client's window)."""
_MIN_READ_TIMEOUT = 30.0
"""The least time a read waits for bytes: servers ping every 10 s while a stream is idle."""
_MAX_APPEND = 512 * 1024
_MAX_INPUT = 1024 * 1024
_START_HEADER = "x-trigger-stream-start"
_MAX_DRAIN = 1000
"""Events a close reads at most from data already buffered before a read is cancelled."""


def require_httpx_sse() -> None:
    """Fail early, and clearly, when the optional ``httpx-sse`` dependency is missing.

    Raises:
        ImportError: ``httpx-sse`` is not installed.
    """
    try:
        import httpx_sse  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "Reading a realtime stream needs httpx-sse: pip install 'trigger-sdk[realtime]'"
        ) from exc


def stream_path(run_id: str, key: str) -> str:
    """``/realtime/v1/streams/{runId}/{key}``."""
    return f"/realtime/v1/streams/{path_segment('run_id', run_id)}/{path_segment('key', key)}"


def input_path(run_id: str, stream_id: str) -> str:
    """``/realtime/v1/streams/{runId}/input/{streamId}``."""
    run = path_segment("run_id", run_id)
    return f"/realtime/v1/streams/{run}/input/{path_segment('stream_id', stream_id)}"


def target_path(run_id: str, target: str, key: str, suffix: str = "") -> str:
    """``/realtime/v1/streams/{runId}/{target}/{key}`` plus an optional suffix."""
    if target not in _TARGETS:
        raise ValueError(f"target must be 'self', 'parent' or 'root', not {target!r}")
    run = path_segment("run_id", run_id)
    return f"/realtime/v1/streams/{run}/{target}/{path_segment('key', key)}{suffix}"


def _event_id(name: str, value: object) -> str:
    text = check_str(name, value)
    if any(char in text for char in "\r\n\0"):
        raise ValueError(f"{name} must not contain CR, LF or NUL characters")
    return text


def read_headers(
    *,
    last_event_id: str | None,
    start_index: int | None,
    timeout_seconds: int | None,
    start: str,
) -> dict[str, str]:
    """The request headers of a read, arguments checked.

    ``start_index`` n reads from the n-th chunk, as the official ``streams.read`` does
    (``Last-Event-ID: n-1``); ``start="latest"`` asks for new chunks only when there is no
    id to resume from (``X-Trigger-Stream-Start: latest``).
    """
    headers = {"accept": "text/event-stream"}
    if last_event_id is not None and start_index is not None:
        raise ValueError("give last_event_id or start_index, not both")
    if start not in ("beginning", "latest"):
        raise ValueError(f"start must be 'beginning' or 'latest', not {start!r}")
    if start_index is not None:
        index = int(check_number("start_index", start_index, minimum=0, integer=True))
        if index:  # the official client sends nothing for 0
            headers["last-event-id"] = str(index - 1)
    elif last_event_id is not None:
        headers["last-event-id"] = _event_id("last_event_id", last_event_id)
    if "last-event-id" not in headers and start == "latest":
        headers[_START_HEADER] = "latest"
    if timeout_seconds is not None:
        seconds = check_number(
            "timeout_seconds", timeout_seconds, minimum=1, maximum=600, integer=True
        )
        headers["timeout-seconds"] = str(int(seconds))
    return headers


def read_timeout(timeout: httpx.Timeout) -> httpx.Timeout:
    """The timeout of a read: the client's, waiting at least 30 s for the next bytes (an
    idle stream only sends a ping every 10 s)."""
    if timeout.read is None or timeout.read >= _MIN_READ_TIMEOUT:
        return timeout
    import httpx

    return httpx.Timeout(
        connect=timeout.connect, read=_MIN_READ_TIMEOUT, write=timeout.write, pool=timeout.pool
    )


def decode_chunk(text: str) -> Any:
    """A v1 event's data as the official client reads it: its JSON value, else the text."""
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text


def _utc(ms: float) -> datetime:
    try:
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return datetime.now(tz=timezone.utc)


def _redis_time(event_id: str) -> datetime:
    head = event_id.split("-", 1)[0]
    if not head.isdigit() or not head.isascii():
        return datetime.now(tz=timezone.utc)
    return _utc(int(head))


class StreamFailure(Exception):
    """A v2 stream sent ``event: error``: the read failed on the server's side."""


class StreamDecoder:
    """Turns the events of one stream's reads into parts, and keeps the resume cursor.

    One decoder lives across reconnects of a read, so the cursor and the duplicate window
    carry over; `start` is called with each answer's ``X-Stream-Version``.
    """

    def __init__(self, last_event_id: str | None = None) -> None:
        self.last_event_id = last_event_id
        """The id the next connection resumes after (``None``: from the start)."""
        self.version = "v1"
        """The streams version of the current answer."""
        self._seen: OrderedDict[str, None] = OrderedDict()

    def start(self, headers: Mapping[str, str]) -> None:
        """A new answer began: read its streams version."""
        self.version = headers.get("x-stream-version") or "v1"

    def decode(self, event: SessionEvent) -> list[StreamPart]:
        """The parts of one event (none for pings and skipped records).

        Raises:
            StreamFailure: A v2 ``error`` event.
        """
        if self.version == "v1":
            if event.id:
                self.last_event_id = event.id
            return [
                StreamPart(
                    id=event.id or "unknown",
                    chunk=decode_chunk(event.data),
                    timestamp=_redis_time(event.id),
                )
            ]
        if event.event == "error":
            raise StreamFailure(f"the stream read failed: {event.data[:500]}")
        if event.event != "batch":
            return []
        try:
            batch = msgspec.json.decode(event.data)
        except msgspec.DecodeError:
            return []
        records = batch.get("records") if isinstance(batch, dict) else None
        if not isinstance(records, list):
            return []
        return [part for record in records for part in self._record(record)]

    def _record(self, record: Any) -> list[StreamPart]:
        if not isinstance(record, dict):
            return []
        seq = record.get("seq_num")
        if isinstance(seq, int) and not isinstance(seq, bool):
            self.last_event_id = str(seq)
        headers = record.get("headers") or []
        if isinstance(headers, list) and headers and _first_name(headers) == "":
            return []  # an S2 command record (trim, fence)
        body = record.get("body")
        parsed: Any = None
        if isinstance(body, str) and body:
            try:
                parsed = msgspec.json.decode(body)
            except msgspec.DecodeError:
                parsed = None
        record_id = parsed.get("id") if isinstance(parsed, dict) else None
        if isinstance(record_id, str) and record_id:
            if record_id in self._seen:
                return []
            self._seen[record_id] = None
            if len(self._seen) > _SEEN_IDS:
                self._seen.popitem(last=False)
        timestamp = record.get("timestamp")
        return [
            StreamPart(
                id=str(seq),
                chunk=parsed.get("data") if isinstance(parsed, dict) else None,
                timestamp=_utc(timestamp)
                if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool)
                else datetime.now(tz=timezone.utc),
                headers=[
                    (str(pair[0]), str(pair[1]))
                    for pair in headers
                    if isinstance(pair, list) and len(pair) == 2
                ]
                if isinstance(headers, list)
                else [],
                record_id=record_id if isinstance(record_id, str) else None,
            )
        ]


def _first_name(headers: list[Any]) -> str | None:
    first = headers[0]
    return first[0] if isinstance(first, list) and first and isinstance(first[0], str) else None


def append_content(part: str | bytes) -> bytes:
    """The body of an append: the part's text as it is (the server stores it as a string)."""
    if isinstance(part, str):
        content = part.encode("utf-8")
    elif isinstance(part, (bytes, bytearray, memoryview)):
        content = bytes(part)
    else:
        raise TypeError(f"part must be str or bytes, not {type(part).__name__}")
    if len(content) > _MAX_APPEND:
        raise ValueError(f"part is {len(content)} bytes; the limit is 512 KiB")
    return content


def input_body(data: Any) -> bytes:
    """The body of an input-stream send: ``{"data": data}``."""
    try:
        content = ENCODER.encode({"data": data})
    except (TypeError, msgspec.EncodeError) as exc:
        raise TypeError(f"data cannot be sent as JSON: {exc}") from None
    if len(content) > _MAX_INPUT:
        raise ValueError(f"data is {len(content)} bytes of JSON; the limit is 1 MiB")
    return content


class AsyncCloser:
    """Closes a streamed async response, even from a cancelled task (the sync client uses
    `Closer`, which the generated sync code names in place of this class)."""

    @staticmethod
    async def close(response: httpx.Response, events: AsyncServerSentEvents | None = None) -> None:
        """Stop parsing ``events`` and close ``response``.

        Closing the event parser from the outside would leave httpx's own body generators
        suspended under it (trio warns when they are collected): a cancelled read ends them
        from the inside instead, the way `trigger._attempt` does. The response is then
        closed shielded from any cancellation being delivered.
        """
        import anyio

        if events is not None:
            with anyio.CancelScope() as scope:
                scope.cancel()
                for _ in range(_MAX_DRAIN):
                    try:
                        await events.__anext__()
                    except Exception:  # the end of the events, or the read failing
                        break
        with anyio.CancelScope(shield=True):
            await response.aclose()


class Closer:
    """Closes a streamed sync response."""

    @staticmethod
    def close(response: httpx.Response, events: ServerSentEvents | None = None) -> None:
        """Stop parsing ``events`` and close ``response``."""
        try:
            if events is not None:
                events.close()
        finally:
            response.close()
