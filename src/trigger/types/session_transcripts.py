"""Models of a session's persisted transcript (``sessions.transcript``)."""

from __future__ import annotations

from typing import Any

import msgspec

from trigger._models import Model

__all__ = ["SessionTranscript", "SessionTranscriptCursors"]


class SessionTranscriptCursors(Model, kw_only=True):
    """Where the persisted transcript ends in the session's channels."""

    last_out_event_id: str | None = None
    """The last ``out`` record the transcript includes (resume reading after it)."""
    last_in_event_id: str | None = None
    """The last ``in`` record the transcript includes."""


class SessionTranscript(Model, kw_only=True):
    """One page of the messages a ``chat.agent`` session persisted, oldest first."""

    messages: list[Any] = msgspec.field(default_factory=list)
    """The messages, as the agent stored them (AI SDK ``UIMessage`` objects)."""
    cursors: SessionTranscriptCursors | None = None
    """Where the transcript ends in the session's channels, when known."""
    next_cursor: str | None = None
    """Pass it as ``before`` for the page of older messages; ``None`` on the first page."""
