"""Wire format of the queue endpoints: how a queue is named in the path, query and body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from trigger._validation import check_number, path_segment
from trigger._wire.runs import QueueRef

__all__ = [
    "MAX_CONCURRENCY_LIMIT",
    "QueueLookup",
    "QueueRef",
    "ResolvedQueue",
    "concurrency_limit",
    "offset_page_query",
    "resolve_queue",
]

QueueLookup = Literal["id", "task", "custom"]
"""How the server reads the queue segment of the path: a queue id, a task id, a queue name."""

_LOOKUPS: tuple[str, ...] = ("id", "task", "custom")

MAX_CONCURRENCY_LIMIT = 100_000
"""The largest concurrency limit the API accepts (the environment's maximum may be lower)."""


@dataclass(frozen=True)
class ResolvedQueue:
    """A queue argument turned into its path segment and its lookup ``type``."""

    segment: str
    """The encoded path segment."""
    type: QueueLookup
    """The lookup type sent to the server."""


def resolve_queue(name: str, queue: str | QueueRef, lookup: QueueLookup | None) -> ResolvedQueue:
    """Validate a queue argument (and ``type=``) and encode it for the path.

    A string is a queue id unless ``lookup`` says ``task`` or ``custom``; a `QueueRef`
    mapping carries its own type, which ``lookup`` may repeat but not contradict.
    """
    if lookup is not None and lookup not in _LOOKUPS:
        raise ValueError(f"type must be 'id', 'task' or 'custom', got {lookup!r}")
    if isinstance(queue, str):
        return ResolvedQueue(_queue_segment(name, queue), lookup or "id")
    if not isinstance(queue, Mapping):
        raise TypeError(
            f"{name} must be a queue id or a {{'type': ..., 'name': ...}} mapping, "
            f"not {type(queue).__name__}"
        )
    kind = queue.get("type")
    if kind not in ("task", "custom"):
        raise ValueError(f"{name}['type'] must be 'task' or 'custom', got {kind!r}")
    if lookup is not None and lookup != kind:
        raise ValueError(f"type={lookup!r} contradicts {name}['type']={kind!r}")
    segment = _queue_segment(f"{name}['name']", queue.get("name"))
    return ResolvedQueue(segment, kind)


def _queue_segment(name: str, value: object) -> str:
    # As the official client sends it: each "/" of a name is written as "%2F" first, then
    # the whole segment is percent-encoded, so "my/queue" travels as "my%252Fqueue".
    text = value.replace("/", "%2F") if isinstance(value, str) else value
    return path_segment(name, text)


def concurrency_limit(value: int, *, name: str = "limit") -> int:
    """A concurrency limit override: an int from 0 to 100000."""
    check_number(name, value, minimum=0, maximum=MAX_CONCURRENCY_LIMIT, integer=True)
    return value


def offset_page_query(*, page: int | None, per_page: int | None) -> dict[str, str]:
    """``perPage`` then ``page`` of an offset-paginated list (each only when given)."""
    query: dict[str, str] = {}
    if per_page is not None:
        query["perPage"] = str(check_number("per_page", per_page, minimum=1, integer=True))
    if page is not None:
        query["page"] = str(check_number("page", page, minimum=1, integer=True))
    return query
