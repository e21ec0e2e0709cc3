"""A session channel read as server-sent events, as the server relays S2's: pure functions.

``realtime.v1.sessions.$session.$io.ts`` answers ``GET`` with S2's read session on the
channel's stream (``s2realtimeStreams.server.ts``), from ``seq_num`` = ``Last-Event-ID`` + 1
(its leading ``-``-separated part through ``Number()``; anything else reads from 0), clamped
to the tail, waiting ``Timeout-Seconds`` (60 by default) for new records. S2 sends
(``s2_api::v1::stream::sse``):

- ``event: batch``, ``id: <last seq_num>,<records sent so far>,<metered bytes so far>``,
  ``data: {"records": [{"seq_num", "timestamp", "body"}]}``; a record's body is the JSON text
  of ``{"data": <part>, "id": <part id>}``; ``headers`` only when it has some (the emulator
  stores none);
- ``event: ping`` with ``data: {"timestamp": <ms>}`` while it waits;
- ``data: [DONE]`` when the session ends.

No I/O and no clock reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from trigger.emulator.jsjson import js_stringify
from trigger.emulator.validation import js_number

__all__ = [
    "BATCH_MAX_BYTES",
    "BATCH_MAX_RECORDS",
    "DEFAULT_TIMEOUT_S",
    "DONE",
    "Progress",
    "batch_events",
    "ping_event",
    "read_timeout",
    "record_body",
    "start_seq",
]

BATCH_MAX_RECORDS = 1000
"""Records per ``batch`` event at most (S2's ``RECORD_BATCH_MAX``)."""
BATCH_MAX_BYTES = 1024 * 1024
"""Metered bytes per ``batch`` event at most."""
DEFAULT_TIMEOUT_S = 60
"""How long a reader waits for records when it names no ``Timeout-Seconds`` (S2 wait)."""
DONE = b"data: [DONE]\n\n"
"""The last event of a read session that ended."""
_RECORD_OVERHEAD = 8

Progress = tuple[int, int]
"""``(records sent, metered bytes sent)`` so far in one answer."""


def start_seq(last_event_id: str | None) -> int | float:
    """The ``seq_num`` the server asks S2 to read from (``parseLastEventId``): the id's part
    before the first ``-`` through ``Number()``, plus one; 0 without a usable number. A
    fraction is passed on as it is (S2 refuses it)."""
    if not last_event_id:
        return 0
    value = js_number(last_event_id.split("-")[0])
    if not math.isfinite(value) or value < 0:
        return 0
    start = value + 1
    return int(start) if start == int(start) else start


def read_timeout(raw: str | None) -> tuple[int | None, str | None]:
    """``Timeout-Seconds`` as the session route reads it (``Number()``, an integer 1-600):
    ``(seconds or None, error text or None)``; an empty header is none."""
    if not raw:
        return None, None
    value = js_number(raw)
    if not math.isfinite(value) or value != int(value):
        return None, "Invalid timeout seconds"
    if value < 1:
        return None, "Timeout seconds must be greater than 0"
    if value > 600:
        return None, "Timeout seconds must be less than 600"
    return int(value), None


def record_body(data: str, part_id: str) -> str:
    """A stored record's S2 body: ``JSON.stringify({data, id})``."""
    return js_stringify({"data": data, "id": part_id})


def _metered(body: str) -> int:
    return _RECORD_OVERHEAD + len(body.encode("utf-8"))


def batch_events(
    records: Sequence[tuple[int, int, str]], progress: Progress
) -> tuple[bytes, Progress]:
    """The ``batch`` events of records ``(seq_num, timestamp ms, body)``, in order, and the
    progress after them."""
    out: list[bytes] = []
    count, size = progress
    start = 0
    while start < len(records):
        end, batch_bytes = start, 0
        while end < len(records) and end - start < BATCH_MAX_RECORDS:
            metered = _metered(records[end][2])
            if end > start and batch_bytes + metered > BATCH_MAX_BYTES:
                break
            batch_bytes += metered
            end += 1
        chunk = records[start:end]
        count, size = count + len(chunk), size + batch_bytes
        data = js_stringify(
            {
                "records": [
                    {"seq_num": seq, "timestamp": timestamp, "body": body}
                    for seq, timestamp, body in chunk
                ]
            }
        )
        out.append(f"event: batch\nid: {chunk[-1][0]},{count},{size}\ndata: {data}\n\n".encode())
        start = end
    return b"".join(out), (count, size)


def ping_event(now_ms: int) -> bytes:
    """S2's keep-alive event."""
    return f'event: ping\ndata: {{"timestamp":{now_ms}}}\n\n'.encode()
