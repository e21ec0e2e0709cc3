"""The retry policy: which failures are retried and how long to wait between attempts.

Pure functions (no I/O) so they can be table-tested; the request pipeline in
``_async/client.py`` is the only caller.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timezone

from trigger._types import RequestOptions, check_request_options
from trigger._validation import check_number

__all__ = ["RetryOptions"]

# Unix timestamps below this are seconds, above it milliseconds: 10**11 s is the year 5138,
# 10**11 ms is 1973. The batch-create limiter sends seconds, the global limiter milliseconds.
_SECONDS_EPOCH_LIMIT = 10**11

MAX_WAIT = 86_400.0
"""The largest ``max_timeout`` (one day): longer sleeps overflow ``time.sleep`` at ~1e10 s."""

_RETRY_FIELDS = ("max_attempts", "factor", "min_timeout", "max_timeout", "randomize")

# What a header number may look like: plain digits with an optional fraction. Python's
# float() also takes "1_000", "nan", "inf", "1e400", "+5" and non-ASCII digits; no server
# means those, so they are ignored like any other unreadable value.
_HEADER_NUMBER = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,20})?", re.ASCII)
# Longer header values are not read at all (no real one comes near this).
_MAX_HEADER_LENGTH = 256


@dataclass(frozen=True)
class RetryOptions:
    """How failed requests are retried.

    The defaults are the official client's (5 attempts, factor 1.6, 1 s to 30 s) with jitter
    added, so many clients failing together do not retry in lockstep.

    Attributes:
        max_attempts: Attempts in total, the first included; ``1`` turns retries off.
        factor: Growth of the wait from one retry to the next.
        min_timeout: Wait before the first retry, in seconds.
        max_timeout: Upper bound of any wait, in seconds (server-requested waits included);
            at most one day.
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
        check_number("min_timeout", self.min_timeout, minimum=0, maximum=MAX_WAIT)
        check_number("max_timeout", self.max_timeout, minimum=0, maximum=MAX_WAIT)
        if not isinstance(self.randomize, bool):
            raise TypeError(f"randomize must be a bool, not {type(self.randomize).__name__}")
        if self.max_timeout < self.min_timeout:
            raise ValueError("max_timeout must be at least min_timeout")

    def merged(self, options: RequestOptions | None) -> RetryOptions:
        """This policy with the retry fields of per-call ``options`` laid over it.

        The request pipeline calls this first for every call, so it also checks the whole
        ``options`` mapping (see `check_request_options`): a bad key or value fails here,
        before any request.

        Raises:
            TypeError: ``options`` is not a mapping, has an unknown key or a value of the
                wrong type.
            ValueError: A retry value is out of range.
        """
        if options is None:
            return self
        check_request_options(options)
        overrides = {name: options[name] for name in _RETRY_FIELDS if name in options}  # type: ignore[literal-required]
        if not overrides:
            return self
        try:
            return replace(self, **overrides)
        except ValueError as exc:
            raise ValueError(f"request_options: {exc}") from None

    def backoff(self, attempt: int, rand: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if self.min_timeout == 0:
            return 0.0
        jitter = 1.0
        if self.randomize:
            jitter += random.random() if rand is None else rand
        try:
            # As a float: an int factor would grow an exact integer that no float can hold.
            growth = float(self.factor) ** (attempt - 1)
        except OverflowError:
            # A long retry run (thousands of attempts) overflows the power: the cap holds.
            return float(self.max_timeout)
        return min(self.max_timeout, jitter * self.min_timeout * growth)


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

    A batch-create 429 carries the reset of both limiters (seconds and milliseconds), which
    httpx joins into one comma-separated value: the latest of them is used. Unreadable
    values (``1_000``, ``nan``, ``-5``, an HTTP date in the year 99999...) are ignored, and
    the result is always finite and never negative.
    """
    reset = _latest_reset(headers.get("x-ratelimit-reset")) if status == 429 else None
    if reset is not None:
        wait = reset - now + random.random()
        if wait > 0:
            return wait
    retry_after_ms = _largest_number(headers.get("retry-after-ms"))
    if retry_after_ms is not None:
        return retry_after_ms / 1000
    retry_after = headers.get("retry-after")
    if retry_after is None:
        return None
    seconds = _largest_number(retry_after)
    if seconds is not None:
        return seconds
    return _http_date_delay(retry_after, now)


def _numbers(value: str | None) -> list[float]:
    """The readable numbers of a header value (one, or several joined with commas)."""
    if value is None or len(value) > _MAX_HEADER_LENGTH:
        return []
    parts = (part.strip() for part in value.split(","))
    return [float(part) for part in parts if _HEADER_NUMBER.fullmatch(part)]


def _largest_number(value: str | None) -> float | None:
    return max(_numbers(value), default=None)


def _latest_reset(value: str | None) -> float | None:
    """The latest reset time in Unix seconds; each part is in seconds or milliseconds."""
    resets = [n / 1000 if n >= _SECONDS_EPOCH_LIMIT else n for n in _numbers(value)]
    return max(resets, default=None)


def _http_date_delay(value: str, now: float) -> float | None:
    if len(value) > _MAX_HEADER_LENGTH:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            # "-0000" means UTC with an unknown origin, not the local time.
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, when.timestamp() - now)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


async def async_sleep(seconds: float) -> None:
    """Sleep under whichever event loop is running (asyncio or trio)."""
    import anyio

    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Blocking sleep for the sync client."""
    time.sleep(seconds)
