"""A ``chat.agent`` session's transcript from its snapshot blob: parsing and paging (pure).

The agent writes the blob through ``PUT /api/v1/sessions/{id}/snapshot-url`` after every
turn. Two formats exist (the 4.8.3 core's ``chatSnapshot.js``): version 1, one JSON
document ``{version: 1, messages: [...], lastOutEventId?, lastInEventId?}``; version 2,
NDJSON: a header line ``{"v":2, savedAt, lastOutEventId, lastInEventId, state}``, one
``{id, final, message}`` line per entry, a footer line (the entries' index) and a fixed
trailer ``#tt2:<16 digits>\\n``. Entries without a non-empty string ``id``, without an
object ``message``, or whose ``message.id`` differs are dropped, as the client drops them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import msgspec

__all__ = ["Transcript", "page", "parse_blob"]

_V2_PREFIX = '{"v":2'
_TRAILER_BYTES = 22
_TRAILER = re.compile(r"#tt2:\d{16}\n")


class Transcript(msgspec.Struct, frozen=True, kw_only=True):
    """The entries of a snapshot (``(id, message)``, oldest first) and its cursors."""

    entries: tuple[tuple[str, Any], ...] = ()
    last_out_event_id: str | None = None
    last_in_event_id: str | None = None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _entry(value: Any, *, enveloped: bool) -> tuple[str, Any] | None:
    if enveloped:
        if not isinstance(value, dict):
            return None
        entry_id, message = value.get("id"), value.get("message")
    else:
        message = value
        entry_id = value.get("id") if isinstance(value, dict) else None
    if not isinstance(entry_id, str) or not entry_id:
        return None
    if not isinstance(message, dict) or message.get("id") != entry_id:
        return None
    return entry_id, message


def _from_document(document: Any) -> Transcript | None:
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        return None
    version = document.get("version")
    if version not in (1, 2) or isinstance(version, bool):
        return None
    found = (_entry(item, enveloped=version == 2) for item in document["messages"])
    return Transcript(
        entries=tuple(entry for entry in found if entry is not None),
        last_out_event_id=_text(document.get("lastOutEventId")),
        last_in_event_id=_text(document.get("lastInEventId")),
    )


def parse_blob(text: str) -> Transcript | None:
    """The transcript of a snapshot blob of either version, or ``None`` when it is none."""
    if not text.startswith(_V2_PREFIX):
        return _from_document(_loads(text))
    newline = text.find("\n")
    if newline == -1:
        return None
    header = _loads(text[:newline])
    if not isinstance(header, dict):
        header = {}
    body = text[newline + 1 :]
    trailer_start = len(text) - _TRAILER_BYTES
    if trailer_start >= 0 and _TRAILER.fullmatch(text[trailer_start:]):
        # Without the footer line and the trailer, the rest is the entries.
        footer = text.rfind("\n", 0, trailer_start - 1)
        if footer > newline:
            body = text[newline + 1 : footer + 1]
    entries = []
    for line in body.split("\n"):
        entry = _entry(_loads(line), enveloped=True) if line else None
        if entry is not None:
            entries.append(entry)
    return Transcript(
        entries=tuple(entries),
        last_out_event_id=_text(header.get("lastOutEventId")),
        last_in_event_id=_text(header.get("lastInEventId")),
    )


def page(
    entries: Sequence[tuple[str, Any]], *, limit: int | None, before: str | None
) -> tuple[list[Any], str | None]:
    """One page, newest last: ``(messages, next cursor)`` (``pageTranscriptEntries``).

    ``before`` keeps the entries before that id (none when the id is gone); ``limit`` keeps
    the last that many, and the cursor is the first kept id when older ones remain. A
    limit below 1 means no limit.
    """
    chosen = list(entries)
    if before is not None:
        index = next((i for i, (entry_id, _) in enumerate(chosen) if entry_id == before), None)
        if index is None:
            return [], None
        chosen = chosen[:index]
    cursor = None
    if limit is not None and limit > 0 and len(chosen) > limit:
        chosen = chosen[len(chosen) - limit :]
        cursor = chosen[0][0]
    return [message for _, message in chosen], cursor
