"""The real server's global API rate limiter, as an emulator option (SERVER.md §1.9).

The server limits every ``/api`` request that carries an ``Authorization`` header (the
whitelist aside) before any route runs. A secret key's requests share one token bucket per
environment: 750 tokens, 250 more every 10 s. A public access token (a JWT) gets a fixed
window of 60 requests a minute of its own. Every limited answer, success or not, carries
``x-ratelimit-limit``, ``x-ratelimit-remaining`` (never below 0) and ``x-ratelimit-reset``
(Unix milliseconds of the next refill); a refused request gets a pretty-printed
``application/problem+json`` 429 whose ``remaining`` is the bucket's own count (-1).

The buckets follow the arithmetic of the library the server uses (Upstash's
``tokenBucket`` and ``fixedWindow``), on the emulator's clock: a virtual clock moves them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from trigger.emulator.durations import iso
from trigger.emulator.jsjson import js_number

__all__ = [
    "BATCH_LIMIT",
    "RateLimit",
    "RateLimiter",
    "Verdict",
    "batch_limit_answer",
    "limiter_problem",
    "realtime_limit_answer",
]

BATCH_LIMIT = 1200
"""The batch-create limiter's bucket size (``x-ratelimit-limit`` of its 429)."""

_MAX_SECONDS = 86_400
_SECRET_KEY = re.compile(r"^(?:Bearer )?\s*tr_(dev|stg|prod|preview)_")
_KEYS_KEPT = 10_000
"""Buckets of distinct credentials kept before the oldest are forgotten."""


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0.001 or value > _MAX_SECONDS:
        raise ValueError(f"{name} must be from 0.001 to {_MAX_SECONDS} seconds")
    return float(value)


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """The global API rate limiter's settings; the defaults are the real server's.

    A secret key's requests share one token bucket per environment; a public access token
    has a fixed window of its own. A bucket never holds more than ``limit`` tokens, so a
    ``refill`` of at least ``limit`` refills it whole every ``interval``:
    ``RateLimit(limit=5, interval=1)`` allows 5 requests a second.

    Args:
        limit: The bucket's size in requests (``x-ratelimit-limit``).
        refill: Tokens added back every ``interval``.
        interval: Seconds between refills (on the emulator's clock).
        jwt_limit: Requests a public access token may make per window.
        jwt_window: The public access tokens' window, in seconds.
    """

    limit: int = 750
    refill: int = 250
    interval: float = 10.0
    jwt_limit: int = 60
    jwt_window: float = 60.0

    def __post_init__(self) -> None:
        _positive_int("limit", self.limit)
        _positive_int("refill", self.refill)
        _positive_int("jwt_limit", self.jwt_limit)
        object.__setattr__(self, "interval", _seconds("interval", self.interval))
        object.__setattr__(self, "jwt_window", _seconds("jwt_window", self.jwt_window))

    def to_dict(self) -> dict[str, Any]:
        """The settings as the control plane shows them (camelCase keys)."""
        return {
            "limit": self.limit,
            "refill": self.refill,
            "interval": self.interval,
            "jwtLimit": self.jwt_limit,
            "jwtWindow": self.jwt_window,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateLimit:
        """Settings from the control plane's JSON (any key left out keeps its default).

        Raises:
            ValueError, TypeError: An unknown key, or a value out of range.
        """
        names = {"limit": "limit", "refill": "refill", "interval": "interval"}
        names |= {"jwtLimit": "jwt_limit", "jwtWindow": "jwt_window"}
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"unknown rate limit field {unknown[0]!r}; fields are {sorted(names)}")
        return cls(**{names[key]: value for key, value in data.items()})


class Verdict(NamedTuple):
    """What the limiter says of one request."""

    allowed: bool
    limit: int
    remaining: int
    """The bucket's own count after this request (-1 when refused by the token bucket)."""
    reset_ms: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The ``x-ratelimit-*`` headers of the answer."""
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(max(0, self.remaining)).encode()),
            (b"x-ratelimit-reset", str(self.reset_ms).encode()),
        ]


class RateLimiter:
    """The buckets of one `RateLimit` (driven from the server's event loop only)."""

    def __init__(self, config: RateLimit) -> None:
        self.config = config
        self._interval_ms = max(1, round(config.interval * 1000))
        self._window_ms = max(1, round(config.jwt_window * 1000))
        self._buckets: dict[str, tuple[int, int]] = {}
        """Credential -> (refilled at, tokens)."""
        self._windows: dict[str, tuple[int, int]] = {}
        """Credential -> (window number, requests counted in it)."""

    def take(self, authorization: str, now_ms: int) -> Verdict:
        """Count one request of this ``Authorization`` value at ``now_ms``."""
        match = _SECRET_KEY.match(authorization)
        if match is not None:
            return self._bucket(f"env:{match.group(1)}", now_ms)
        digest = hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()
        if authorization.strip().startswith(("Bearer tr_", "tr_")):
            # Another kind of key (a PAT): the default bucket, keyed on the credential.
            return self._bucket(digest, now_ms)
        return self._window(digest, now_ms)

    def _bucket(self, key: str, now_ms: int) -> Verdict:
        limit, interval = self.config.limit, self._interval_ms
        refilled_at, tokens = self._buckets.get(key, (now_ms, limit))
        if now_ms >= refilled_at + interval:
            refills = (now_ms - refilled_at) // interval
            tokens = min(limit, tokens + refills * self.config.refill)
            refilled_at += refills * interval
        reset = refilled_at + interval
        if tokens == 0:
            self._remember(self._buckets, key, (refilled_at, 0))
            return Verdict(False, limit, -1, reset)
        self._remember(self._buckets, key, (refilled_at, tokens - 1))
        return Verdict(True, limit, tokens - 1, reset)

    def _window(self, key: str, now_ms: int) -> Verdict:
        limit, window = self.config.jwt_limit, self._window_ms
        number = now_ms // window
        seen, used = self._windows.get(key, (number, 0))
        used = used + 1 if seen == number else 1
        self._remember(self._windows, key, (number, used))
        return Verdict(used <= limit, limit, max(0, limit - used), (number + 1) * window)

    @staticmethod
    def _remember(table: dict[str, tuple[int, int]], key: str, value: tuple[int, int]) -> None:
        if key not in table and len(table) >= _KEYS_KEPT:
            table.pop(next(iter(table)))
        table[key] = value


def _seconds_value(ms: int) -> int | float:
    seconds = max(0, ms) / 1000
    return int(seconds) if seconds.is_integer() else seconds


def limiter_problem(limit: int, remaining: int, reset_ms: int, now_ms: int) -> bytes:
    """The global limiter's 429 body, pretty-printed as the server's ``JSON.stringify``."""
    seconds = _seconds_value(reset_ms - now_ms)
    detail = (
        f"Rate limit exceeded {max(0, remaining)}/{limit} requests remaining. "
        f"Retry in {js_number(seconds)} seconds."
    )
    body = {
        "title": "Rate Limit Exceeded",
        "status": 429,
        "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/429",
        "detail": detail,
        "reset": reset_ms,
        "limit": limit,
        "remaining": remaining,
        "secondsUntilReset": seconds,
        "error": detail,
    }
    return json.dumps(body, indent=2, ensure_ascii=False).encode("utf-8")


def batch_limit_answer(reset_ms: int, now_ms: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The batch-create limiter's 429: its headers (reset in Unix seconds) and body."""
    retry_after = max(1, math.ceil((reset_ms - now_ms) / 1000))
    headers = [
        (b"x-ratelimit-limit", str(BATCH_LIMIT).encode()),
        (b"x-ratelimit-remaining", b"0"),
        (b"x-ratelimit-reset", str(reset_ms // 1000).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    message = f"Batch rate limit exceeded. Limit resets at {iso(reset_ms)}"
    return headers, json.dumps({"error": message}, separators=(",", ":")).encode()


def realtime_limit_answer() -> bytes:
    """The realtime long-poll limiter's 429 body (it sends no rate headers)."""
    return b'{"error":"Too many concurrent requests"}'
