"""Argument checks run before any request is sent.

Every failure names the argument, so a bad call fails at the call site with a clear message
instead of as a confusing 400 from the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

__all__ = [
    "check_bool",
    "check_headers",
    "check_number",
    "check_str",
    "check_str_list",
    "path_segment",
]


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
    """Return ``value`` if it is a number within bounds, else raise naming ``name``."""
    allowed: tuple[type, ...] = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        kind = "an int" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, not {type(value).__name__}")
    number = float(value)  # type: ignore[arg-type]  # checked just above
    if number != number:
        raise ValueError(f"{name} must not be NaN")
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


def check_headers(name: str, headers: Mapping[str, str] | None) -> dict[str, str]:
    """Validate header names and values; CR and LF are refused to prevent header injection."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise TypeError(f"{name} must be a mapping of str to str, not {type(headers).__name__}")
    checked: dict[str, str] = {}
    for key, value in headers.items():
        if not isinstance(key, str) or not key or any(c in key for c in "\r\n:"):
            raise ValueError(f"{name} has an invalid header name: {key!r}")
        if not isinstance(value, str):
            raise TypeError(f"{name}[{key!r}] must be a str, not {type(value).__name__}")
        if "\r" in value or "\n" in value or "\0" in value:
            raise ValueError(f"{name}[{key!r}] must not contain CR, LF or NUL characters")
        checked[key] = value
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
        return str(int(value.timestamp() * 1000))
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(
            f"{name} must be a datetime or Unix milliseconds, not {type(value).__name__}"
        )
    if isinstance(value, str):
        return check_str(name, value)
    check_number(name, value, minimum=0)
    return str(int(value))


def iso_datetime(name: str, value: datetime | str) -> str:
    """A point in time as an ISO-8601 string."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
        return value.isoformat().replace("+00:00", "Z")
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
