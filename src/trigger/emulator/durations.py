"""Durations and dates as the server parses them (pure functions, times in Unix ms).

Three grammars are in use on the real server, and each endpoint keeps its own:

- trigger ``delay``/``ttl``, reschedule, waitpoint timeouts: ``1w2d3h4m5s`` (units ``w d h hr
  m s`` in any combination; the first number of each unit counts), or a date;
- task idempotency-key TTLs: exactly one number and one unit, ``^\\d+[smhd]$``;
- run-list ``period``: the ``parse-duration`` library (``7d``, ``1.5h``, ``30 min`` ...).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

__all__ = [
    "IDEMPOTENCY_DEFAULT_TTL_MS",
    "idempotency_ttl_ms",
    "iso",
    "js_date_ms",
    "natural_duration_ms",
    "parse_delay",
    "period_ms",
    "stringify_duration",
]

IDEMPOTENCY_DEFAULT_TTL_MS = 30 * 24 * 3600 * 1000
"""Task idempotency keys hold for 30 days unless a TTL is given."""

_NATURAL = re.compile(r"^(\d+(?:w|d|hr|h|m|s))+$")
_UNIT_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000}
_FIRST = {
    "w": re.compile(r"(\d+)w"),
    "d": re.compile(r"(\d+)d"),
    "h": re.compile(r"(\d+)(?:hr|h)"),
    "m": re.compile(r"(\d+)m"),
    "s": re.compile(r"(\d+)s"),
}
_IDEMPOTENCY_TTL = re.compile(r"^(\d+)([smhd])$")


def natural_duration_ms(value: str) -> int | None:
    """``"1h30m"`` -> 5,400,000; ``None`` when the string is not such a duration."""
    if len(value) > 100 or not _NATURAL.match(value):
        return None
    total = 0
    for unit, pattern in _FIRST.items():
        match = pattern.search(value)
        if match:
            total += int(match.group(1)) * _UNIT_MS[unit]
    return total


def js_date_ms(value: str) -> int | None:
    """Parse an ISO-8601 date or date-time (UTC unless it says otherwise), or ``None``."""
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return math.floor(parsed.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return None


def parse_delay(value: object, now_ms: int) -> int | None:
    """When a ``delay`` ends (Unix ms), or ``None`` for "no delay".

    A date in the past and anything unparseable mean no delay, as on the server.
    """
    if not isinstance(value, str) or not value:
        return None
    at = js_date_ms(value)
    if at is not None:
        return at if at > now_ms else None
    duration = natural_duration_ms(value)
    return None if duration is None else now_ms + duration


def stringify_duration(seconds: float) -> str | None:
    """Integer seconds as the server writes a numeric ``ttl``: ``90`` -> ``"1m30s"``."""
    if seconds <= 0:
        return None
    whole = int(seconds)
    parts = (
        (whole // 604800, "w"),
        ((whole % 604800) // 86400, "d"),
        ((whole % 86400) // 3600, "h"),
        ((whole % 3600) // 60, "m"),
        (whole % 60, "s"),
    )
    return "".join(f"{count}{unit}" for count, unit in parts if count)


def idempotency_ttl_ms(value: object) -> int | None:
    """An idempotency-key TTL in ms, or ``None`` when absent or not ``^\\d+[smhd]$``."""
    if not isinstance(value, str):
        return None
    match = _IDEMPOTENCY_TTL.match(value)
    if not match:
        return None
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


_PD_TOKEN = re.compile(r"(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([a-zµμ]*)", re.IGNORECASE)
_PD_UNITS = {
    "ns": 1e-6,
    "nanosecond": 1e-6,
    "us": 1e-3,
    "µs": 1e-3,
    "μs": 1e-3,
    "microsecond": 1e-3,
    "ms": 1.0,
    "millisecond": 1.0,
    "": 1.0,
    "s": 1000.0,
    "sec": 1000.0,
    "second": 1000.0,
    "m": 60_000.0,
    "min": 60_000.0,
    "minute": 60_000.0,
    "h": 3_600_000.0,
    "hr": 3_600_000.0,
    "hour": 3_600_000.0,
    "d": 86_400_000.0,
    "day": 86_400_000.0,
    "w": 604_800_000.0,
    "wk": 604_800_000.0,
    "week": 604_800_000.0,
    "b": 2_629_800_000.0,
    "month": 2_629_800_000.0,
    "y": 31_557_600_000.0,
    "yr": 31_557_600_000.0,
    "year": 31_557_600_000.0,
}


def period_ms(value: str) -> int | None:
    """A ``parse-duration`` style period in ms (``"7d"``, ``"1.5h"``), or ``None``."""
    total = 0.0
    matched = False
    for number, unit in _PD_TOKEN.findall(value.replace(",", "")):
        key = unit.lower()
        factor = _PD_UNITS.get(key) or _PD_UNITS.get(key.rstrip("s"))
        if factor is None:
            return None
        total += float(number) * factor
        matched = True
    if not matched or not math.isfinite(total) or total <= 0:
        return None
    return round(total)


def iso(ms: int) -> str:
    """Unix ms as the server writes dates: ``2024-06-01T12:00:00.000Z``."""
    moment = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
