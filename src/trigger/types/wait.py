"""Models of waitpoint tokens: created, listed, retrieved, completed."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import msgspec

from trigger._models import Model

__all__ = [
    "WAITPOINT_TOKEN_STATUSES",
    "CreatedWaitpointToken",
    "WaitpointToken",
    "WaitpointTokenCompletion",
    "decode_waitpoint_output",
]

WAITPOINT_TOKEN_STATUSES = frozenset({"WAITING", "COMPLETED", "TIMED_OUT"})
"""The statuses a waitpoint token can have (what ``list_tokens(status=...)`` accepts)."""

_CALLBACK_HASH = re.compile(r"(/callback/)[^/?#]+")


def _redacted_url(url: str) -> str:
    # The callback hash authenticates whoever holds the URL: keep it out of reprs.
    return _CALLBACK_HASH.sub(r"\1***", url)


class CreatedWaitpointToken(Model, kw_only=True):
    """A waitpoint token just created (or found again by its idempotency key).

    The callback ``url`` and the ``public_access_token`` are credentials: they are hidden
    from ``repr()``.
    """

    id: str
    """Token id, ``waitpoint_…``; pass it to ``wait.forToken()`` inside a task."""
    is_cached: bool = False
    """Whether an existing token was returned because its idempotency key was reused."""
    url: str
    """Callback URL: a POST to it completes the token without an API key."""
    public_access_token: str | None = None
    """A public access token (from the ``x-trigger-jwt`` response header) allowed to
    complete this token (``write:waitpoints:<id>``, valid 24 h); ``None`` if not sent."""

    def __repr__(self) -> str:
        token = "None" if self.public_access_token is None else "'***'"
        return (
            f"CreatedWaitpointToken(id={self.id!r}, is_cached={self.is_cached!r}, "
            f"url={_redacted_url(self.url)!r}, public_access_token={token})"
        )


class WaitpointToken(Model, kw_only=True):
    """A waitpoint token as listed or retrieved.

    ``output``, ``output_type`` and ``output_is_error`` are only sent by retrieve, once the
    token is completed; `decode_output` turns the serialized output back into a value.
    """

    id: str
    """Token id, ``waitpoint_…``."""
    url: str
    """Callback URL: a POST to it completes the token without an API key (hidden in repr)."""
    status: str
    """``WAITING``, ``COMPLETED`` or ``TIMED_OUT``."""
    created_at: datetime
    """When the token was created."""
    tags: list[str] = msgspec.field(default_factory=list)
    """Tags of the token."""
    idempotency_key: str | None = None
    """The idempotency key the token was created with."""
    idempotency_key_expires_at: datetime | None = None
    """When that idempotency key stops deduplicating."""
    timeout_at: datetime | None = None
    """When the token times out, if it has a timeout."""
    completed_after: datetime | None = None
    """The earliest the token completes by itself (its timeout instant), if it has one."""
    completed_at: datetime | None = None
    """When the token was completed (or timed out)."""
    output: str | None = None
    """The serialized output the token was completed with (retrieve only)."""
    output_type: str | None = None
    """Content type of `output`, e.g. ``application/json`` or ``application/super+json``."""
    output_is_error: bool | None = None
    """Whether the output describes an error (e.g. the timeout)."""

    def decode_output(self) -> Any:
        """The output as a Python value, decoded according to `output_type`.

        Returns:
            ``None`` without output; the JSON value for ``application/json`` and
            ``application/super+json`` (dates as aware `datetime`, big integers as `int`,
            sets as `set` or `list`, maps as `dict` or pairs); the text otherwise.

        Raises:
            ValueError: The output is not valid for its declared type.
        """
        return decode_waitpoint_output(self.output, self.output_type)

    def __repr__(self) -> str:
        return (
            f"WaitpointToken(id={self.id!r}, status={self.status!r}, "
            f"url={_redacted_url(self.url)!r}, created_at={self.created_at!r}, "
            f"tags={self.tags!r})"
        )


class WaitpointTokenCompletion(Model, kw_only=True):
    """The answer to completing a waitpoint token (completing twice is a no-op)."""

    success: bool = True
    """Always ``True`` when the request succeeded."""


def decode_waitpoint_output(output: str | None, output_type: str | None) -> Any:
    """Decode a serialized output according to its content type.

    Args:
        output: The serialized output, or ``None``.
        output_type: Its content type (``application/json`` when absent).

    Returns:
        The decoded value (see `WaitpointToken.decode_output`).

    Raises:
        ValueError: The output is not valid for its declared type.
    """
    if output is None:
        return None
    kind = (output_type or "application/json").split(";")[0].strip().lower()
    if kind not in ("application/json", "application/super+json"):
        return output
    try:
        value = msgspec.json.decode(output)
    except msgspec.DecodeError as exc:
        raise ValueError(f"the output is not valid JSON ({output_type}): {exc}") from exc
    if kind == "application/json":
        return value
    if not isinstance(value, dict) or "json" not in value:
        raise ValueError("the output is not a superjson document (no 'json' member)")
    meta = value.get("meta")
    annotations = meta.get("values") if isinstance(meta, dict) else None
    return _apply_superjson(value["json"], annotations)


def _apply_superjson(value: Any, annotations: Any) -> Any:
    """Undo the value transformations superjson describes in ``meta.values``."""
    if annotations is None:
        return value
    if isinstance(annotations, list):
        # The root itself was transformed: [type] or [type, inner annotations].
        inner = annotations[1] if len(annotations) > 1 else None
        return _untransform(_apply_superjson(value, inner), annotations[0])
    if isinstance(annotations, dict):
        for path, tree in annotations.items():
            value = _apply_at(value, _split_path(path), tree)
    return value


def _split_path(path: str) -> list[str]:
    # Keys are joined with "." and a literal "." in a key is escaped as "\.".
    parts: list[str] = []
    current = ""
    index = 0
    while index < len(path):
        char = path[index]
        if char == "\\" and index + 1 < len(path) and path[index + 1] == ".":
            current += "."
            index += 2
            continue
        if char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
        index += 1
    parts.append(current)
    return parts


def _apply_at(value: Any, path: list[str], tree: Any) -> Any:
    if not path:
        return _apply_superjson(value, tree)
    key, rest = path[0], path[1:]
    if isinstance(value, dict) and key in value:
        value[key] = _apply_at(value[key], rest, tree)
    elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
        value[int(key)] = _apply_at(value[int(key)], rest, tree)
    return value


def _untransform(value: Any, kind: Any) -> Any:
    if kind == "Date" and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    if kind == "bigint" and isinstance(value, str):
        return int(value)
    if kind == "undefined":
        return None
    if kind == "number" and isinstance(value, str):
        return float(value.replace("Infinity", "inf"))
    if kind == "set" and isinstance(value, list):
        try:
            return set(value)
        except TypeError:
            return value
    if kind == "map" and isinstance(value, list):
        try:
            return dict(value)
        except (TypeError, ValueError):
            return value
    return value
