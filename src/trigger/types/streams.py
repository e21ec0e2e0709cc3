"""What realtime run streams give back: their parts, and a created stream's version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trigger._models import Model

__all__ = ["CreatedStream", "StreamPart"]


class StreamPart(Model, kw_only=True):
    """One chunk of a realtime stream, with where it sits in the stream.

    Iterating a stream (`AsyncRunStream`, `RunStream`) yields the chunks themselves; its
    ``parts()`` yields these.
    """

    id: str
    """The event id: send it as ``last_event_id`` to resume after this chunk (a Redis id
    ``<ms>-<seq>`` on v1 streams, the record's sequence number on v2 streams)."""
    chunk: Any
    """The chunk: the JSON value written (a chunk that is not JSON comes as its text; an
    appended part as the string it was)."""
    timestamp: datetime
    """When the chunk was written (UTC)."""
    headers: list[tuple[str, str]] | None = None
    """The record's headers on v2 (S2) streams; ``None`` on v1 streams."""
    record_id: str | None = None
    """The writer's id of the record on v2 streams (duplicates of one id are dropped)."""


class CreatedStream(Model, kw_only=True):
    """A stream registered on a run (``PUT /realtime/v1/streams/{runId}/{target}/{key}``)."""

    version: str
    """The run's realtime streams version: ``"v1"`` (Redis, as the emulator and servers
    without S2 keep streams) or ``"v2"`` (S2)."""
