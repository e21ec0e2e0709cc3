"""Error groups: failed runs grouped by their error's fingerprint, as the server does (pure).

The server fingerprints every run that ends ``COMPLETED_WITH_ERRORS``, ``CRASHED``,
``SYSTEM_FAILURE``, ``INTERRUPTED`` or ``TIMED_OUT`` (``utils/errorFingerprinting.ts``):
the first 16 hex digits of SHA-256 over ``<type>:<normalized message>:<normalized stack>``,
where ``type`` is the stored error's ``type`` (``BUILT_IN_ERROR`` ...), else its ``name``;
``message`` its ``message``, else ``name``, else ``raw``; and the message has its ids,
UUIDs, timestamps, URLs, numbers, paths, emails, addresses and long quoted strings replaced
by placeholders, so "order 1001 failed" and "order 1002 failed" are one group. A group is
one ``(fingerprint, task)`` pair; its id is ``error_<fingerprint>``.

Occurrences are counted by the minute they were created in (the server's per-minute
table), so a range ``[from, to]`` counts every run created from the start of ``from``'s
minute to the end of ``to``'s. Lists are ordered by that count, then fingerprint, then
task, all descending, and paged by a cursor over those three.

A group's lifecycle (resolved, ignored) is stored apart and changed only by the API: the
server re-opens ignored and resolved groups from its alert evaluator, which runs only for
projects with error alert channels, and the emulator has none.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from trigger.emulator.engine.runs import RunState
from trigger.emulator.jsjson import js_number

__all__ = [
    "FAILED_STATUSES",
    "ErrorGroup",
    "GroupState",
    "ListFilter",
    "ListPage",
    "Occurrence",
    "decode_cursor",
    "encode_cursor",
    "find_group",
    "fingerprint",
    "ignore",
    "list_groups",
    "normalize_message",
    "normalize_stack",
    "occurrence",
    "resolve",
    "time_window",
    "unresolve",
]

FAILED_STATUSES = (
    "COMPLETED_WITH_ERRORS",
    "CRASHED",
    "SYSTEM_FAILURE",
    "INTERRUPTED",
    "TIMED_OUT",
)
"""Stored statuses of runs that ended with an error (the ones the server fingerprints)."""

_MINUTE_MS = 60_000
_DAY_MS = 86_400_000
RETENTION_DAYS = 30
"""How far back a list reaches (the server's log retention without a billing plan)."""

# The server's replacements, in its order (JavaScript regexes: ``\b`` and ``\d`` are ASCII).
_MESSAGE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<uuid>"),
    (re.compile(r"run_[a-zA-Z0-9]+"), "<run-id>"),
    (re.compile(r"\b[a-z]+_[a-zA-Z0-9]{8,}\b", re.ASCII), "<id>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?", re.ASCII), "<timestamp>"),
    (re.compile(r"\b\d{10,13}\b", re.ASCII), "<timestamp>"),
    (re.compile(r"https?://[^\s]+"), "<url>"),
    (re.compile(r"\b\d{4,}\b", re.ASCII), "<id>"),
    (re.compile(r"(?:/[^/\s]+){2,}"), "<path>"),
    (re.compile(r"[A-Z]:\\(?:[^\\]+\\)+[^\\]+"), "<path>"),
    (re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", re.ASCII), "<email>"),
    (re.compile(r"0x[0-9a-fA-F]{8,}"), "<addr>"),
    (re.compile(r'"[^"]{20,}"'), '"<string>"'),
    (re.compile(r"'[^']{20,}'"), "'<string>'"),
)
_LINE_COLUMN = re.compile(r":\d+:\d+", re.ASCII)
_NUMBER = re.compile(r"\b\d+\b", re.ASCII)
_DIRECTORIES = re.compile(r"(?:/[^/\s]+)+/([^/\s]+)")


def _js_truthy_text(value: Any) -> str | None:
    """``String(value)`` when JavaScript finds ``value`` truthy, else ``None``."""
    if value is None or value is False or value == "" or value == 0 or value != value:
        return None
    if value is True:
        return "true"
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join("" if item is None else str(item) for item in value)
    return str(value)


def normalize_message(message: str) -> str:
    """The message with its dynamic parts replaced by placeholders (the server's rules)."""
    for pattern, placeholder in _MESSAGE_RULES:
        message = pattern.sub(placeholder, message)
    return message


def normalize_stack(stack: str) -> str:
    """The first five stack lines without positions, numbers and directories, ``|``-joined."""
    lines = []
    for line in stack.split("\n")[:5]:
        line = _LINE_COLUMN.sub(":_:_", line)
        line = _NUMBER.sub("_", line)
        line = _DIRECTORIES.sub(r"\1", line)
        line = line.strip()
        if line:
            lines.append(line)
    return "|".join(lines)


def fingerprint(error: Any) -> str:
    """A stored error's fingerprint (16 hex digits), or ``""`` when it is not an object."""
    if not isinstance(error, dict) or not error:
        return ""
    kind = _js_truthy_text(error.get("type")) or _js_truthy_text(error.get("name")) or "Error"
    message = (
        _js_truthy_text(error.get("message"))
        or _js_truthy_text(error.get("name"))
        or _js_truthy_text(error.get("raw"))
        or ""
    )
    stack = _js_truthy_text(error.get("stack")) or _js_truthy_text(error.get("stacktrace")) or ""
    text = f"{kind}:{normalize_message(message)}:{normalize_stack(stack)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Occurrence(msgspec.Struct, frozen=True, kw_only=True):
    """One failed run as the error tables hold it."""

    fingerprint: str
    task: str
    version: str
    """The worker version the run ran on (``""`` when none)."""
    at: int
    """When the run was created (Unix ms): the time occurrences are counted by."""
    error_type: str
    error_message: str


def _shown_text(value: Any, limit: int | None = None) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        text = None if value is None else json.dumps(value, separators=(",", ":"))
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    if text is not None and limit is not None:
        # ClickHouse's substring counts bytes.
        text = text.encode("utf-8")[:limit].decode("utf-8", "ignore")
    return text or None


def occurrence(run: RunState, version: str) -> Occurrence | None:
    """The run as an occurrence of its error group, or ``None`` when it is not one."""
    if run.status not in FAILED_STATUSES:
        return None
    found = fingerprint(run.error)
    if not found:
        return None
    error = run.error or {}
    return Occurrence(
        fingerprint=found,
        task=run.task,
        version=version,
        at=run.created_at,
        error_type=_shown_text(error.get("type")) or _shown_text(error.get("name")) or "Error",
        error_message=_shown_text(error.get("message"), 500) or "Unknown error",
    )


class GroupState(msgspec.Struct, frozen=True, kw_only=True):
    """A group's lifecycle (times in Unix ms); a group without one is unresolved."""

    status: str = "unresolved"
    resolved_at: int | None = None
    resolved_in_version: str | None = None
    ignored_at: int | None = None
    ignored_until: int | None = None
    ignored_reason: str | None = None
    ignored_until_occurrence_rate: float | None = None
    ignored_until_total_occurrences: int | None = None
    ignored_at_occurrence_count: int | None = None
    """The group's count when it was ignored with ``totalOccurrences`` (not shown)."""


class ErrorGroup(msgspec.Struct, frozen=True, kw_only=True):
    """One ``(fingerprint, task)`` group with its counts."""

    fingerprint: str
    task: str
    error_type: str
    error_message: str
    count: int
    first_seen: int
    last_seen: int
    versions: tuple[str, ...] = ()
    """Up to five versions it occurred in, newest first (detail only)."""

    @property
    def id(self) -> str:
        """The friendly id (``error_<fingerprint>``)."""
        return f"error_{self.fingerprint}"


class ListFilter(msgspec.Struct, frozen=True, kw_only=True):
    """What a list asks for (already validated)."""

    low: int
    high: int
    tasks: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    search: str = ""
    cursor: tuple[int, str, str] | None = None
    """``(count, fingerprint, task)`` of the row the page starts after."""
    backward: bool = False
    size: int = 25


class ListPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of groups with their lifecycles, and its cursors."""

    rows: tuple[tuple[ErrorGroup, GroupState], ...]
    next: str | None = None
    previous: str | None = None


def time_window(
    now: int,
    *,
    period: int | None,
    period_given: bool,
    low: int | None,
    high: int | None,
    default_ms: int = _DAY_MS,
) -> tuple[int, int]:
    """The list's ``[from, to]``: a period wins over ``from``/``to``, an unparseable one is
    the default, ``to`` alone reaches back by the default; then clamped to the retention."""
    if period_given:
        start, end = (now - period, now) if period else (now - default_ms, now)
    elif low is not None:
        start, end = low, high if high is not None else now
    else:
        start, end = now - default_ms, high if high is not None else now
    return max(start, now - RETENTION_DAYS * _DAY_MS), end


def encode_cursor(count: int, fingerprint_: str, task: str) -> str:
    """A list cursor: base64 of ``{occurrenceCount, fingerprint, taskIdentifier}``."""
    raw = json.dumps(
        {"occurrenceCount": count, "fingerprint": fingerprint_, "taskIdentifier": task},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def decode_cursor(cursor: str) -> tuple[int, str, str] | None:
    """A cursor's ``(count, fingerprint, task)``, or ``None`` when it is not one (then the
    server starts from the first row)."""
    # Node's base64 decoder takes the URL-safe alphabet too and skips anything else.
    text = _NOT_BASE64.sub("", cursor.replace("-", "+").replace("_", "/").split("=")[0])
    try:
        data = json.loads(base64.b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    count, found, task = (
        data.get("occurrenceCount"),
        data.get("fingerprint"),
        data.get("taskIdentifier"),
    )
    if not isinstance(count, (int, float)) or isinstance(count, bool):
        return None
    if not isinstance(found, str) or not isinstance(task, str):
        return None
    return int(count), found, task


def _ascii_lower(text: str) -> str:
    return text.translate(_LOWER)


_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def _minute(ms: int) -> int:
    return ms - ms % _MINUTE_MS


def _seen(occurrences: Iterable[Occurrence]) -> dict[str, tuple[int, int]]:
    seen: dict[str, tuple[int, int]] = {}
    for item in occurrences:
        first, last = seen.get(item.fingerprint, (item.at, item.at))
        seen[item.fingerprint] = (min(first, item.at), max(last, item.at))
    return seen


def list_groups(
    occurrences: Sequence[Occurrence],
    states: Mapping[tuple[str, str], GroupState],
    query: ListFilter,
) -> ListPage:
    """One page of groups: counts within the window, ordered and paged as the server does.

    ``states`` maps ``(task, fingerprint)`` to a stored lifecycle.
    """
    low, high = _minute(query.low), _minute(query.high)
    buckets: dict[tuple[str, str], list[Occurrence]] = {}
    for item in occurrences:
        if not low <= _minute(item.at) <= high:
            continue
        if query.tasks and item.task not in query.tasks:
            continue
        if query.versions and item.version not in query.versions:
            continue
        buckets.setdefault((item.fingerprint, item.task), []).append(item)
    wanted = set(query.statuses)
    search = query.search.strip().lower()
    rows: list[tuple[int, str, str, Occurrence]] = []
    for (found, task), members in buckets.items():
        status = states.get((task, found), GroupState()).status
        if wanted and status not in wanted:
            continue
        sample = min(members, key=lambda item: item.at)
        if search and not (
            search in _ascii_lower(sample.error_type)
            or search in _ascii_lower(sample.error_message)
        ):
            continue
        rows.append((len(members), found, task, sample))
    backward = query.backward
    if query.cursor is not None:
        cursor = query.cursor
        rows = [row for row in rows if (row[:3] > cursor if backward else row[:3] < cursor)]
    rows.sort(key=lambda row: row[:3], reverse=not backward)
    has_more = len(rows) > query.size
    page = rows[: query.size]
    if backward:
        page.reverse()
    cursors = [encode_cursor(count, found, task) for count, found, task, _ in page]
    if backward:
        previous = cursors[0] if has_more and cursors else None
        following = cursors[-1] if cursors else None
    else:
        previous = cursors[0] if query.cursor is not None and cursors else None
        following = cursors[-1] if has_more and cursors else None
    seen = _seen(occurrences)
    out: list[tuple[ErrorGroup, GroupState]] = []
    for count, found, task, sample in page:
        first, last = seen[found]
        group = ErrorGroup(
            fingerprint=found,
            task=task,
            error_type=sample.error_type,
            error_message=sample.error_message,
            count=count,
            first_seen=first,
            last_seen=last,
        )
        out.append((group, states.get((task, found), GroupState())))
    return ListPage(rows=tuple(out), next=following, previous=previous)


def _version_key(version: str) -> tuple[int, ...]:
    cleaned = re.sub(r"[-+].*$", "", re.sub(r"^v", "", version, flags=re.I))
    parts = []
    for part in cleaned.split("."):
        match = re.match(r"\s*[+-]?\d+", part)
        parts.append(int(match.group()) if match else 0)
    return tuple(parts)


def _newest_first(versions: Iterable[str]) -> list[str]:
    """Versions newest first by their numeric parts (missing parts count as 0), then text."""
    distinct = set(versions)
    width = max((len(_version_key(v)) for v in distinct), default=0)

    def key(version: str) -> tuple[tuple[int, ...], str]:
        parts = _version_key(version)
        return parts + (0,) * (width - len(parts)), version

    return sorted(distinct, key=key, reverse=True)


def find_group(occurrences: Sequence[Occurrence], fingerprint_: str) -> ErrorGroup | None:
    """A group by fingerprint with its all-time count (the one whose task saw it last, when
    several tasks share the fingerprint), or ``None``."""
    matching = [item for item in occurrences if item.fingerprint == fingerprint_]
    if not matching:
        return None
    task = max(matching, key=lambda item: item.at).task
    members = [item for item in matching if item.task == task]
    sample = min(members, key=lambda item: item.at)
    versions = _newest_first(item.version for item in matching if item.version)
    return ErrorGroup(
        fingerprint=fingerprint_,
        task=task,
        error_type=sample.error_type,
        error_message=sample.error_message,
        count=len(members),
        first_seen=min(item.at for item in members),
        last_seen=max(item.at for item in members),
        versions=tuple(versions[:5]),
    )


def resolve(state: GroupState, now: int, version: str | None) -> GroupState:
    """Mark resolved (optionally in a version); any ignore is cleared."""
    return GroupState(status="resolved", resolved_at=now, resolved_in_version=version)


def ignore(
    state: GroupState,
    now: int,
    *,
    duration_ms: int | None,
    occurrence_rate: float | None,
    total_occurrences: int | None,
    reason: str | None,
    count_now: int,
) -> GroupState:
    """Ignore, indefinitely or until a time or threshold; any resolution is cleared."""
    return GroupState(
        status="ignored",
        ignored_at=now,
        ignored_until=now + duration_ms if duration_ms else None,
        ignored_reason=reason,
        ignored_until_occurrence_rate=occurrence_rate,
        ignored_until_total_occurrences=total_occurrences,
        ignored_at_occurrence_count=count_now if total_occurrences else None,
    )


def unresolve(state: GroupState) -> GroupState:
    """Back to unresolved, every resolution and ignore cleared."""
    return GroupState()
