"""The retry policy: which failures are retried and how long to wait between attempts.

Pure functions (no I/O) so they can be table-tested; the request pipeline in
``_async/client.py`` is the only caller.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from trigger._validation import check_number

if TYPE_CHECKING:
    from trigger._types import RequestOptions

__all__ = ["RetryOptions"]

# Unix timestamps below this are seconds, above it milliseconds: 10**11 s is the year 5138,
# 10**11 ms is 1973. The batch-create limiter sends seconds, the global limiter milliseconds.
_SECONDS_EPOCH_LIMIT = 10**11


@dataclass(frozen=True)
class RetryOptions:
    """How failed requests are retried.

    The defaults are the official client's (5 attempts, factor 1.6, 1 s to 30 s) with jitter
    added, so many clients failing together do not retry in lockstep.

    Attributes:
        max_attempts: Attempts in total, the first included; ``1`` turns retries off.
        factor: Growth of the wait from one retry to the next.
        min_timeout: Wait before the first retry, in seconds.
        max_timeout: Upper bound of any wait, in seconds (server-requested waits included).
        randomize: Multiply each wait by a random factor in [1, 2).
    """

    max_attempts: int = 5
    factor: float = 1.6
    min_timeout: float = 1.0
    max_timeout: float = 30.0
    randomize: bool = True

    def __post_init__(self) -> None:
        check_number("max_attempts", self.max_attempts, minimum=1, integer=True)
        check_number("factor", self.factor, minimum=1)
        check_number("min_timeout", self.min_timeout, minimum=0)
        check_number("max_timeout", self.max_timeout, minimum=0)
        if not isinstance(self.randomize, bool):
            raise TypeError(f"randomize must be a bool, not {type(self.randomize).__name__}")
        if self.max_timeout < self.min_timeout:
            raise ValueError("max_timeout must be at least min_timeout")

    def merged(self, options: RequestOptions | None) -> RetryOptions:
        """This policy with the retry fields of per-call ``options`` laid over it."""
        if not options:
            return self
        overrides = {f.name: options[f.name] for f in fields(self) if f.name in options}  # type: ignore[literal-required]
        return replace(self, **overrides) if overrides else self

    def backoff(self, attempt: int, rand: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        jitter = 1.0
        if self.randomize:
            jitter += random.random() if rand is None else rand
        return min(self.max_timeout, jitter * self.min_timeout * self.factor ** (attempt - 1))


def retry_delay(
    status: int,
    headers: Mapping[str, str],
    attempt: int,
    policy: RetryOptions,
    *,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before retrying a response, or ``None`` when it must not be retried.

    Follows the official client's order: ``x-should-retry`` first, then 408, 409, 429 and 5xx.
    A server-requested wait (``x-ratelimit-reset``, ``Retry-After``) wins over backoff but is
    capped at ``policy.max_timeout``.
    """
    if attempt >= policy.max_attempts or not is_retryable(status, headers):
        return None
    requested = header_delay(headers, now=time.time() if now is None else now, status=status)
    if requested is not None:
        return min(policy.max_timeout, requested)
    return policy.backoff(attempt)


def is_retryable(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a response with this status and these headers may be retried."""
    should_retry = headers.get("x-should-retry")
    if should_retry == "true":
        return True
    if should_retry == "false":
        return False
    return status in (408, 409, 429) or status >= 500


def header_delay(headers: Mapping[str, str], *, now: float, status: int = 429) -> float | None:
    """The wait in seconds that the response headers ask for, if any.

    On a 429, reads ``x-ratelimit-reset`` (a Unix timestamp in milliseconds, or in seconds on
    the batch routes) as the official client does; on any status, then ``retry-after-ms``
    and ``Retry-After`` (seconds or an HTTP date), which the official client ignores.
    """
    reset = _number(headers.get("x-ratelimit-reset")) if status == 429 else None
    if reset is not None:
        reset_at = reset / 1000 if reset >= _SECONDS_EPOCH_LIMIT else reset
        wait = reset_at - now + random.random()
        if wait > 0:
            return wait
    retry_after_ms = _number(headers.get("retry-after-ms"))
    if retry_after_ms is not None and retry_after_ms >= 0:
        return retry_after_ms / 1000
    retry_after = headers.get("retry-after")
    if retry_after is None:
        return None
    seconds = _number(retry_after)
    if seconds is not None:
        return seconds if seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(retry_after)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


async def async_sleep(seconds: float) -> None:
    """Sleep under whichever event loop is running (asyncio or trio)."""
    import anyio

    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Blocking sleep for the sync client."""
    time.sleep(seconds)
