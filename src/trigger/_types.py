"""Typing helpers shared by both clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict, Union

if TYPE_CHECKING:
    import httpx

__all__ = ["RequestOptions", "TimeoutTypes"]

TimeoutTypes = Union[float, "httpx.Timeout", None]
"""A timeout in seconds, an `httpx.Timeout` for per-phase control, or ``None`` for no timeout."""


class RequestOptions(TypedDict, total=False):
    """Per-call overrides, passed as the last argument ``request_options=`` of any method.

    Retry fields are merged one by one over the client's `RetryOptions`
    (``{"max_attempts": 1}`` turns retries off for that call).
    """

    max_attempts: int
    """Attempts in total, the first included."""
    factor: float
    """Growth of the wait from one retry to the next."""
    min_timeout: float
    """Wait before the first retry, in seconds."""
    max_timeout: float
    """Upper bound of any wait between attempts, in seconds."""
    randomize: bool
    """Jitter each wait by a random factor in [1, 2)."""
    timeout: TimeoutTypes
    """Timeout of each attempt."""
    extra_headers: Mapping[str, str]
    """Headers added to this call (they cannot replace the SDK's own)."""
    idempotency_key: str
    """The ``x-trigger-request-idempotency-key`` to send instead of a fresh UUID."""


class _NotGiven:
    """Marks an argument that was not passed, where ``None`` is a meaningful value."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()
