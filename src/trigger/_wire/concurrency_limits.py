"""Wire format of the named concurrency-limit endpoints (``/api/v1/concurrency-limits``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from trigger._validation import check_number, path_segment
from trigger._wire.queues import concurrency_limit
from trigger._wire.tasks import check_duration, concurrency_key_text

__all__ = [
    "MAX_CONCURRENCY_KEY_LENGTH",
    "check_concurrency_key",
    "key_query",
    "limit_path",
    "override_body",
]

MAX_CONCURRENCY_KEY_LENGTH = 128
"""The longest concurrency key a limit override or lookup accepts."""

_LIMITS = "/api/v1/concurrency-limits"


def limit_path(name: str, suffix: str = "") -> str:
    """``/api/v1/concurrency-limits/{name}`` plus an optional suffix.

    The name is percent-encoded once, so ``task/my-task`` travels as ``task%2Fmy-task`` (not
    doubly encoded as queue names are).
    """
    return f"{_LIMITS}/{path_segment('name', name)}{suffix}"


def check_concurrency_key(value: str | int) -> str:
    """A concurrency key as text: 1-128 characters; a number goes out as its text."""
    key = concurrency_key_text("concurrency_key", value)
    if len(key) > MAX_CONCURRENCY_KEY_LENGTH:
        raise ValueError(f"concurrency_key must be at most {MAX_CONCURRENCY_KEY_LENGTH} characters")
    return key


def key_query(key: str | int | None) -> dict[str, str]:
    """``?concurrencyKey=`` of a per-key retrieve; empty without a key."""
    return {} if key is None else {"concurrencyKey": check_concurrency_key(key)}


def _ttl(value: str | int | timedelta) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(check_number("ttl", value, minimum=1, integer=True))
    duration = check_duration("ttl", value)
    if not any(char in "123456789" for char in duration):
        raise ValueError(f"ttl must be a positive duration, got {duration!r}")
    return duration


def override_body(
    *,
    per_key: int | None,
    total: int | None,
    concurrency_key: str | int | None,
    ttl: str | int | timedelta | None,
) -> dict[str, Any]:
    """Body of an override: the limit's own bounds, or one concurrency key's cap.

    With a key the body is ``{concurrencyKey, perKey, ttl?}`` (``total`` is not per key);
    without one it is ``{perKey?, total?}`` with at least one bound (and no ``ttl``).
    """
    if concurrency_key is not None:
        if per_key is None:
            raise ValueError("per_key is required when overriding one concurrency_key")
        if total is not None:
            raise ValueError("total is not per key: leave it out when passing concurrency_key")
        body: dict[str, Any] = {
            "concurrencyKey": check_concurrency_key(concurrency_key),
            "perKey": concurrency_limit(per_key, name="per_key"),
        }
        if ttl is not None:
            body["ttl"] = _ttl(ttl)
        return body
    if ttl is not None:
        raise ValueError("ttl only applies to a per-key override: pass concurrency_key with it")
    if per_key is None and total is None:
        raise ValueError("pass per_key, total or both")
    body = {}
    if per_key is not None:
        body["perKey"] = concurrency_limit(per_key, name="per_key")
    if total is not None:
        body["total"] = concurrency_limit(total, name="total")
    return body
