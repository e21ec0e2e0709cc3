"""Argument checks run before any request is sent.

Every failure names the argument, so a bad call fails at the call site with a clear message
instead of as a confusing 400 from the server.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

__all__ = [
    "check_bool",
    "check_credential",
    "check_header_name",
    "check_header_value",
    "check_headers",
    "check_number",
    "check_str",
    "check_str_list",
    "path_segment",
]

# RFC 9110 token characters: the only ones a header name may hold.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_NOT_HEADER_NAME = re.compile(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")
# httpx encodes str header values as ASCII, and h11 refuses controls other than HTAB.
_NOT_HEADER_VALUE = re.compile(r"[^\t\x20-\x7e]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A credential is one token: printable ASCII without spaces.
_NOT_CREDENTIAL = re.compile(r"[^\x21-\x7e]")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def check_str(name: str, value: object, *, allow_empty: bool = False) -> str:
    """Return ``value`` if it is a (non-empty) string, else raise naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool, else raise naming ``name``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def check_number(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> float:
    """Return ``value`` if it is a finite number within bounds, else raise naming ``name``.

    NaN and infinities are refused: no caller can use them (JSON has neither).
    """
    allowed: tuple[type, ...] = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        kind = "an int" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, not {type(value).__name__}")
    number = float(value)  # type: ignore[arg-type]  # checked just above
    if not math.isfinite(number):
        # NaN compares false with every bound, and JSON has neither NaN nor infinities.
        raise ValueError(f"{name} must be a finite number, got {value}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value  # type: ignore[return-value]


def check_str_list(name: str, value: str | Iterable[str]) -> list[str]:
    """Accept one string or an iterable of strings; return them as a list."""
    if isinstance(value, str):
        return [check_str(name, value)]
    if not isinstance(value, Iterable) or isinstance(value, (bytes, Mapping)):
        raise TypeError(f"{name} must be a str or a sequence of str, not {type(value).__name__}")
    items = list(value)
    for item in items:
        check_str(name, item)
    return items


def check_credential(name: str, value: object) -> str:
    """Return ``value`` if it can be sent as a bearer credential, else raise naming ``name``.

    A key is one token of printable ASCII: whitespace (a trailing newline from a file or an
    environment variable), control and non-ASCII characters are refused here, before httpx
    or h11 fail on the header with the whole key in their message. The value is never echoed.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    bad = _NOT_CREDENTIAL.search(value)
    if bad is not None:
        if bad.group().isspace() or _CONTROL.match(bad.group()):
            raise ValueError(f"{name} contains whitespace or control characters")
        raise ValueError(f"{name} contains non-ASCII characters")
    if not value:
        raise ValueError(f"{name} must be a non-empty string")
    return value


def check_header_value(name: str, value: object) -> str:
    """Return ``value`` if httpx and h11 can send it as a header value, else raise naming ``name``.

    Allowed: printable ASCII, and spaces or tabs between other characters. CR, LF, NUL, any
    other control character (C0, DEL, C1), non-ASCII characters (httpx encodes ``str``
    header values as ASCII) and leading or trailing whitespace (h11 refuses it) are not.
    The value is never echoed: it may be a credential.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    bad = _NOT_HEADER_VALUE.search(value)
    if bad is not None:
        if _CONTROL.match(bad.group()):
            raise ValueError(f"{name} must not contain CR, LF, NUL or other control characters")
        raise ValueError(f"{name} must contain only ASCII characters (it is sent as a header)")
    if value != value.strip(" \t"):
        raise ValueError(f"{name} must not start or end with whitespace")
    return value


def check_header_name(name: str, key: object) -> str:
    """Return ``key`` if it is a valid header name (an RFC 9110 token), else raise."""
    if not isinstance(key, str):
        raise TypeError(f"{name} header names must be str, not {type(key).__name__}")
    if not _HEADER_NAME.fullmatch(key):
        if not key:
            raise ValueError(f"{name} has an empty header name")
        bad = _NOT_HEADER_NAME.search(key)
        start = bad.start() if bad is not None else 0
        # Only the valid start is shown: a pasted "Authorization: Bearer ..." line must not
        # put its key in the message.
        raise ValueError(
            f"{name} has an invalid header name starting {key[: min(start, 40)]!r} (character "
            f"{start + 1} is not allowed; names are letters, digits and !#$%&'*+-.^_`|~)"
        )
    return key


def check_headers(name: str, headers: Mapping[str, str] | None) -> dict[str, str]:
    """Validate header names and values before any request (see `check_header_value`).

    This refuses header injection (CR, LF) and anything httpx or h11 would fail on only
    while sending, where the failure looks like a network error and is retried.
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise TypeError(f"{name} must be a mapping of str to str, not {type(headers).__name__}")
    checked: dict[str, str] = {}
    for key, value in headers.items():
        check_header_name(name, key)
        checked[key] = check_header_value(f"{name}[{key!r}]", value)
    return checked


def path_segment(name: str, value: object) -> str:
    """Percent-encode one path parameter so that it can only ever be one path segment.

    ``/``, ``..``, ``?``, ``#`` and ``%`` are all encoded, so an id like ``../x`` cannot reach
    another endpoint. The official client skips this for some ids; we encode every segment.
    """
    text = check_str(name, value)
    if text in (".", ".."):
        # Dot segments would be normalised away by URL parsers even when encoded literally.
        return text.replace(".", "%2E")
    return quote(text, safe="")


def epoch_ms(name: str, value: datetime | int | float | str) -> str:
    """A point in time as Unix milliseconds (what the official client sends for filters)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
        # Exact integer arithmetic: timestamp() * 1000 is a float and lands 1 ms low for
        # some instants (Date.getTime() never does).
        return str((value - _EPOCH) // timedelta(milliseconds=1))
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(
            f"{name} must be a datetime or Unix milliseconds, not {type(value).__name__}"
        )
    if isinstance(value, str):
        return check_str(name, value)
    check_number(name, value, minimum=0)
    return str(int(value))


def iso_datetime(name: str, value: datetime | str) -> str:
    """A point in time as the official client writes one (``Date.prototype.toISOString()``).

    A datetime goes out in UTC with exactly three fractional digits and ``Z``, e.g.
    ``2026-01-02T03:04:05.000Z``; microseconds are truncated to milliseconds, as JavaScript
    truncates extra digits when it parses a date. Naive datetimes are refused (they name no
    instant). A string is sent as given.
    """
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
        utc = value.replace(tzinfo=None) - offset
        return (
            f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
            f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
        )
    return check_str(name, value)


def comma_joined(name: str, value: str | Sequence[str]) -> str:
    """Multi-value filters go out as one comma-joined parameter, never as repeated keys."""
    return ",".join(check_str_list(name, value))


def check_choices(name: str, value: str | Iterable[str], allowed: Iterable[str]) -> list[str]:
    """One value or several, each from ``allowed``; returns them as a list."""
    values = check_str_list(name, value)
    choices = set(allowed)
    unknown = [item for item in values if item not in choices]
    if unknown:
        known = ", ".join(sorted(choices))
        raise ValueError(f"{name} has unknown value(s) {unknown!r}; use one of {known}")
    return values


def compact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Drop entries whose value is ``None`` (absent options are omitted, never sent as null)."""
    return {key: value for key, value in mapping.items() if value is not None}
