"""Realtime run streams as the server's Redis backend (v1) keeps and sends them: pure functions.

SERVER.md §11.7 and ``redisRealtimeStreams.server.ts``: a stream is a Redis stream per run and
key whose entries have ids ``<ms>-<seq>`` (``XADD *``: the time in ms, and a sequence number
that restarts at 0 each new millisecond and never goes backwards). Readers get one
server-sent event per stored line, ``id: <entry id>\\ndata: <line>\\n\\n``, a ``: ping``
comment after 10 s without anything sent, and the connection closed once no data came for
``Timeout-Seconds`` (60 s by default). Appended parts are stored as the JSON text of the part
string, so the event's data is a JSON string literal; lines written through the ingest
endpoint (and a handler's ``ctx.stream``) are stored as sent, so they are JSON of any value.

No I/O and no clock reads: times come in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from trigger.emulator.engine.runs import RunState
from trigger.emulator.jsjson import js_stringify

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "INPUT_PREFIX",
    "MAX_APPEND_BYTES",
    "MAX_INPUT_BYTES",
    "MAX_LENGTH",
    "PING",
    "PING_INTERVAL_S",
    "TARGETS",
    "EntryId",
    "Target",
    "after",
    "appended_line",
    "event",
    "format_id",
    "input_key",
    "input_record_line",
    "js_parse_int",
    "lines_of",
    "next_id",
    "parse_entry_id",
    "read_timeout",
    "split_lines",
    "target_of",
    "with_stream",
]

DEFAULT_TIMEOUT_S = 60
"""How long a reader is kept without new data when it names no ``Timeout-Seconds``
(``REALTIME_STREAMS_INACTIVITY_TIMEOUT_MS``, 60 s)."""
PING_INTERVAL_S = 10.0
"""A ``: ping`` comment goes out after this long without anything sent."""
MAX_LENGTH = 1000
"""Entries kept per stream (``REALTIME_STREAM_MAX_LENGTH``): older ones are trimmed."""
MAX_APPEND_BYTES = 512 * 1024
"""The append endpoint's body limit."""
MAX_INPUT_BYTES = 1024 * 1024
"""The input-stream send endpoint's body limit."""
INPUT_PREFIX = "$trigger.input:"
"""Input streams live beside the run's streams under this prefix."""
PING = b": ping\n\n"
"""The keep-alive comment."""

Target = Literal["self", "parent", "root"]
TARGETS: tuple[Target, ...] = ("self", "parent", "root")
"""The run a write addresses: the one in the path, its parent, or its root."""

EntryId = tuple[int, int]
"""A stream entry id as ``(ms, seq)``: ``<ms>-<seq>`` on the wire."""

_ENTRY_ID = re.compile(r"^([0-9]{1,20})(?:-([0-9]{1,20}))?$")
_MAX_U64 = 2**64 - 1
# JavaScript's white space and line terminators, which parseInt skips before the number.
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def format_id(entry: EntryId) -> str:
    """``<ms>-<seq>``."""
    return f"{entry[0]}-{entry[1]}"


def next_id(last: EntryId | None, now_ms: int) -> EntryId:
    """The id ``XADD *`` gives the next entry: the time, or the last id's time when the clock
    is behind it, with the sequence restarting at 0 in each new millisecond."""
    if last is None or now_ms > last[0]:
        return (now_ms, 0)
    return (last[0], last[1] + 1)


def parse_entry_id(value: str) -> EntryId | Literal["$"] | None:
    """A ``Last-Event-ID`` as ``XREAD`` reads it: ``<ms>-<seq>``, ``<ms>`` (seq 0), or ``$``
    (only what comes next); ``None`` for anything else (Redis refuses it)."""
    if value == "$":
        return "$"
    match = _ENTRY_ID.match(value)
    if match is None:
        return None
    ms, seq = int(match.group(1)), int(match.group(2) or 0)
    if ms > _MAX_U64 or seq > _MAX_U64:
        return None
    return (ms, seq)


def after(cursor: EntryId, entry: EntryId) -> bool:
    """Whether ``entry`` comes after ``cursor`` (``XREAD`` returns ids above the one given)."""
    return entry > cursor


def split_lines(pending: str, text: str) -> tuple[list[str], str]:
    """The complete lines of ``pending + text`` (blank ones dropped, as readers never see
    them) and what is left after the last newline."""
    parts = (pending + text).split("\n")
    rest = parts.pop()
    return [line for line in parts if line.strip()], rest


def appended_line(part: str) -> str:
    """How an appended part is stored: the JSON text of the part string."""
    return js_stringify(part)


def input_key(stream_id: str) -> str:
    """The stream an input stream's records are kept in."""
    return INPUT_PREFIX + stream_id


def input_record_line(data: object) -> str:
    """How an input-stream record is stored: the JSON text of the JSON text of ``data``
    (``JSON.stringify(JSON.stringify(data))``; ``undefined`` stays the word)."""
    return js_stringify(js_stringify(data))


def event(entry: EntryId, line: str) -> bytes:
    """One server-sent event for a stored line."""
    return f"id: {format_id(entry)}\ndata: {line}\n\n".encode()


def js_parse_int(text: str, radix: int | None = None) -> int | None:
    """JavaScript's ``parseInt``: leading white space, a sign, then digits as far as they go
    (``0x`` means hex when no radix is given); ``None`` for ``NaN``."""
    rest = text.lstrip(_JS_SPACE)
    sign = 1
    if rest[:1] in ("+", "-"):
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    base = radix or 10
    if (radix is None or radix == 16) and rest[:2].lower() == "0x":
        base, rest = 16, rest[2:]
    alphabet = "0123456789abcdef"[:base]
    digits = ""
    for char in rest.lower():
        if char not in alphabet:
            break
        digits += char
    return sign * int(digits, base) if digits else None


def read_timeout(raw: str | None, *, strict: bool) -> tuple[int | None, str | None]:
    """The ``Timeout-Seconds`` of a read: ``(seconds or None, error text or None)``.

    The run-stream route (``strict`` false) tests the parsed number for truthiness, as its
    code does: a value that is not a number, or ``0``, means the default timeout. The
    input-stream route (``strict``) refuses a value that is not a number.
    """
    if strict:
        value = None if raw is None else js_parse_int(raw, 10)
        if raw is not None and value is None:
            return None, "Invalid timeout seconds"
    else:
        value = js_parse_int(raw) if raw else None
        if not value:
            return None, None
    if value is not None and value < 1:
        return None, "Timeout seconds must be greater than 0"
    if value is not None and value > 600:
        return None, "Timeout seconds must be less than 600"
    return value, None


def with_stream(run: RunState, key: str, now_ms: int) -> RunState:
    """``run`` with ``key`` among its ``realtimeStreams`` (written, so ``updatedAt`` moves)."""
    import msgspec

    if key in run.realtime_streams:
        return run
    return msgspec.structs.replace(
        run, realtime_streams=(*run.realtime_streams, key), updated_at=now_ms
    )


def target_of(run: RunState, target: Target) -> str | None:
    """The ``run_…`` id a write to ``target`` of ``run`` lands on (``None``: no such run)."""
    if target == "self":
        return run.friendly_id
    return run.parent_run_id if target == "parent" else run.root_run_id


def lines_of(chunks: Iterable[str]) -> list[str]:
    """Every complete or final line of a whole ingest body, read chunk by chunk."""
    lines: list[str] = []
    rest = ""
    for chunk in chunks:
        complete, rest = split_lines(rest, chunk)
        lines.extend(complete)
    if rest.strip():
        lines.append(rest.strip())
    return lines
