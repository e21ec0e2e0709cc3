"""Wire format of the TRQL query endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from trigger._validation import check_number, check_str, iso_datetime

__all__ = ["FORMATS", "SCOPES", "execute_body"]

SCOPES = ("environment", "project", "organization")
"""What a query can cover."""
FORMATS = ("json", "csv")
"""How results come back."""

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the last instant a datetime holds


def _iso(name: str, value: datetime | int | float | str) -> str:
    """A point in time as ISO-8601: datetimes and Unix milliseconds are converted."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a datetime, Unix milliseconds or an ISO string")
    if isinstance(value, (int, float)):
        check_number(name, value, minimum=0, maximum=_MAX_MS)
        # Whole milliseconds, as `new Date(ms)` keeps them (no float rounding on the way).
        return iso_datetime(name, _EPOCH + timedelta(milliseconds=int(value)))
    if isinstance(value, (datetime, str)):
        return iso_datetime(name, value)
    raise TypeError(
        f"{name} must be a datetime, Unix milliseconds or an ISO string, not {type(value).__name__}"
    )


def execute_body(
    *,
    query: str,
    scope: str,
    period: str | None,
    from_: datetime | int | float | str | None,
    to: datetime | int | float | str | None,
    format: str,
) -> dict[str, Any]:
    """Body of ``POST /api/v1/query``; ``scope`` and ``format`` are always sent."""
    check_str("query", query)
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if (from_ is None) != (to is None):
        raise ValueError("pass from_ and to together")
    if period is not None and from_ is not None:
        raise ValueError("pass period or from_/to, not both")
    body: dict[str, Any] = {"query": query, "scope": scope}
    if period is not None:
        body["period"] = check_str("period", period)
    if from_ is not None and to is not None:
        body["from"] = _iso("from_", from_)
        body["to"] = _iso("to", to)
    body["format"] = format
    return body
