"""Models of sessions and of the records on their ``in`` and ``out`` channels."""

from __future__ import annotations

import typing
from datetime import datetime
from typing import Any

import msgspec

from trigger._models import Model

__all__ = [
    "SESSION_STATUSES",
    "AsyncSessionEvents",
    "CreatedSession",
    "Session",
    "SessionAppendResult",
    "SessionEvent",
    "SessionEvents",
    "SessionRecord",
    "SessionRecords",
    "SessionTriggerConfig",
]

SESSION_STATUSES = frozenset({"ACTIVE", "CLOSED", "EXPIRED"})
"""The lifecycle statuses ``sessions.list(status=...)`` accepts."""


class SessionTriggerConfig(Model, kw_only=True):
    """How a session triggers its runs: the base payload and standard trigger options."""

    base_payload: dict[str, Any]
    """Payload merged into every run the session triggers."""
    machine: str | None = None
    """Machine preset of each run, e.g. ``small-1x``."""
    queue: str | None = None
    """Queue the runs go to."""
    tags: list[str] | None = None
    """Tags applied to every run (at most 5)."""
    max_attempts: int | None = None
    """Maximum attempts per run (1-10)."""
    max_duration: int | None = None
    """Wall-clock cap of each run, in seconds."""
    lock_to_version: str | None = None
    """Worker version every run is pinned to."""
    region: str | None = None
    """Region the runs are scheduled in."""
    idle_timeout_in_seconds: int | None = None
    """Idle timeout handed to the task through its payload (1-3600)."""


class Session(Model, kw_only=True):
    """A session: the durable identity of a two-way record stream across its runs."""

    id: str
    """Session id, ``session_…``."""
    type: str
    """Your free-form discriminator, e.g. ``chat.agent``."""
    task_identifier: str
    """The task the session triggers runs of."""
    created_at: datetime
    """When the session was created."""
    updated_at: datetime
    """When the session last changed."""
    external_id: str | None = None
    """Your own id of the session, if one was set."""
    trigger_config: SessionTriggerConfig | None = None
    """How runs are triggered (absent on list rows)."""
    current_run_id: str | None = None
    """The live run, ``run_…``, if any (absent on list rows)."""
    tags: list[str] = msgspec.field(default_factory=list)
    """Tags of the session."""
    metadata: dict[str, Any] | None = None
    """Your metadata, or ``None`` when unset."""
    closed_at: datetime | None = None
    """When the session was closed; ``None`` while open."""
    closed_reason: str | None = None
    """The reason given when it was closed."""
    expires_at: datetime | None = None
    """Retention deadline, if any."""


class CreatedSession(Session, kw_only=True):
    """A session just started (or the open session already holding its ``external_id``).

    The ``public_access_token`` is hidden from ``repr()``.
    """

    run_id: str
    """The first run triggered with the session, ``run_…``."""
    public_access_token: str
    """A token for this session only (``read:sessions`` and ``write:sessions``, 1 h), safe to
    hand to a browser."""
    is_cached: bool = False
    """Whether an open session already existed for the ``external_id``."""


class SessionAppendResult(Model, kw_only=True):
    """The answer to appending a record to a session channel."""

    ok: bool = True
    """Whether the record was stored."""
    message: str | None = None
    """Details from the server, if any."""


class SessionRecord(Model, kw_only=True):
    """One record read back from a session channel."""

    id: str
    """The record's part id (the ``part_id`` it was appended with, or the server's own). To
    resume, pass its `seq_num`: as ``last_event_id`` to `sessions.subscribe`, as
    ``after_event_id`` to `sessions.records`."""
    seq_num: int | None = None
    """Its sequence number in the channel."""
    data: Any = None
    """The record as it was appended."""
    headers: Any = None
    """Headers stored with the record, if any."""


class SessionRecords(Model, kw_only=True):
    """Records of a session channel, oldest first."""

    records: list[SessionRecord] = msgspec.field(default_factory=list)
    """The records."""


class SessionEvent(msgspec.Struct, kw_only=True, frozen=True):
    """One server-sent event of a session channel subscription."""

    id: str = ""
    """The event id as the server relays it from S2 (``seq_num,count,bytes`` on a batch).
    To resume, pass the last record's ``seq_num`` as ``last_event_id``, not this."""
    event: str = "message"
    """The event type."""
    data: str = ""
    """The event data, as text."""
    retry: int | None = None
    """The reconnection delay the server asked for, in milliseconds."""

    def json(self) -> Any:
        """The data decoded as JSON.

        Raises:
            ValueError: The data is not JSON.
        """
        try:
            return msgspec.json.decode(self.data)
        except msgspec.DecodeError as exc:
            raise ValueError(f"event {self.id!r} does not carry JSON data: {exc}") from exc

    def records(self) -> list[SessionRecord]:
        """The channel records a ``batch`` event carries, as `sessions.records` gives them:
        each with its part id, sequence number, the data as appended, and its headers.
        Other events (``ping``, the closing ``[DONE]``) carry none, and S2's command records
        are skipped, as the official client skips them.

        Raises:
            ValueError: A ``batch`` event whose data is not S2's ``{"records": [...]}``.
        """
        if self.event != "batch":
            return []
        batch = self.json()
        items = batch.get("records") if isinstance(batch, dict) else None
        if not isinstance(items, list):
            raise ValueError(f"batch event {self.id!r} holds no records list")
        return [_record(item) for item in items if isinstance(item, dict) and not _command(item)]


def _command(item: dict[str, Any]) -> bool:
    # An S2 command record (fence, trim) has one header with an empty name; the official
    # client skips them, as here.
    headers = item.get("headers")
    return bool(
        isinstance(headers, list)
        and headers
        and isinstance(headers[0], list)
        and headers[0]
        and headers[0][0] == ""
    )


def _record(item: dict[str, Any]) -> SessionRecord:
    # S2 keeps the server's envelope as the record body: the JSON text of {data, id}.
    body = item.get("body")
    envelope: Any = None
    if isinstance(body, str):
        try:
            envelope = msgspec.json.decode(body)
        except msgspec.DecodeError:
            envelope = None
    seq_num = item.get("seq_num")
    if isinstance(envelope, dict) and "data" in envelope:
        data, part_id = envelope["data"], envelope.get("id")
    else:
        data, part_id = body, None
    return SessionRecord(
        id=str(part_id if part_id is not None else seq_num),
        seq_num=seq_num if isinstance(seq_num, int) else None,
        data=data,
        headers=item.get("headers"),
    )


# typing's aliases rather than collections.abc's: only they take a ``__doc__`` on every
# supported Python (on 3.10 a collections.abc alias has none and refuses one), so
# ``help(SessionEvents)`` explains itself.
AsyncSessionEvents = typing.AsyncGenerator[SessionEvent, None]
AsyncSessionEvents.__doc__ = """What the async ``sessions.subscribe`` returns: ``async for`` it;
``aclose()`` it (or use ``contextlib.aclosing``) to stop early and close the connection at once."""

SessionEvents = typing.Generator[SessionEvent, None, None]
SessionEvents.__doc__ = """What the sync ``sessions.subscribe`` returns: ``for`` it; ``close()``
it (or use ``contextlib.closing``) to stop early and close the connection at once."""
