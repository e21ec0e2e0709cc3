"""Wire format of the error-group endpoints."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from trigger._validation import (
    check_number,
    check_str,
    check_str_list,
    comma_joined,
    compact,
    epoch_ms,
    iso_datetime,
)
from trigger._wire.runs import page_query
from trigger.types.errors import ERROR_GROUP_STATUSES

__all__ = ["ignore_body", "list_errors_query", "resolve_body"]

MAX_TEXT = 1000
"""The longest ``search`` and ignore ``reason`` the server takes."""


def _statuses(value: str | Sequence[str]) -> str:
    statuses = [status.lower() for status in check_str_list("status", value)]
    for status in statuses:
        if status not in ERROR_GROUP_STATUSES:
            known = ", ".join(sorted(ERROR_GROUP_STATUSES))
            raise ValueError(f"status has an unknown value {status!r}; use one of {known}")
    if not statuses:
        raise ValueError("status must name at least one status")
    return ",".join(statuses)


def _point_in_time(name: str, value: datetime | int | str) -> str:
    # The route reads ISO strings (what the spec documents) and Unix milliseconds.
    if isinstance(value, datetime):
        return iso_datetime(name, value)
    return epoch_ms(name, value)


def _text(name: str, value: str) -> str:
    check_str(name, value)
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name} must be at most {MAX_TEXT} characters, got {len(value)}")
    return value


def list_errors_query(
    *,
    task_identifier: str | Sequence[str] | None,
    version: str | Sequence[str] | None,
    status: str | Sequence[str] | None,
    search: str | None,
    period: str | None,
    from_: datetime | int | str | None,
    to: datetime | int | str | None,
    limit: int | None,
    after: str | None,
    before: str | None,
) -> dict[str, str]:
    """The query of ``GET /api/v1/errors`` (time filters sit directly under ``filter``)."""
    filters: dict[str, Any] = {
        "filter[taskIdentifier]": None
        if task_identifier is None
        else comma_joined("task_identifier", task_identifier),
        "filter[version]": None if version is None else comma_joined("version", version),
        "filter[status]": None if status is None else _statuses(status),
        "filter[search]": None if search is None else _text("search", search),
        "filter[period]": None if period is None else check_str("period", period),
        "filter[from]": None if from_ is None else _point_in_time("from_", from_),
        "filter[to]": None if to is None else _point_in_time("to", to),
    }
    return {**compact(filters), **page_query(limit=limit, after=after, before=before)}


def resolve_body(resolved_in_version: str | None) -> dict[str, str]:
    """Body of a resolve: always a JSON object, ``{}`` when no version is recorded."""
    if resolved_in_version is None:
        return {}
    return {"resolvedInVersion": check_str("resolved_in_version", resolved_in_version)}


def _duration_ms(duration: int | timedelta) -> int:
    if isinstance(duration, timedelta):
        milliseconds = duration // timedelta(milliseconds=1)
        if milliseconds <= 0:
            raise ValueError(f"duration must be at least 1 millisecond, got {duration}")
        return milliseconds
    return int(check_number("duration", duration, minimum=1, integer=True))


def ignore_body(
    *,
    duration: int | timedelta | None,
    occurrence_rate: float | None,
    total_occurrences: int | None,
    reason: str | None,
) -> dict[str, Any]:
    """Body of an ignore: always a JSON object, ``{}`` to ignore indefinitely."""
    if occurrence_rate is not None:
        check_number("occurrence_rate", occurrence_rate)
        if not 0 < occurrence_rate < math.inf:
            raise ValueError(f"occurrence_rate must be a finite number > 0, got {occurrence_rate}")
    return compact(
        {
            "duration": None if duration is None else _duration_ms(duration),
            "occurrenceRate": occurrence_rate,
            "totalOccurrences": None
            if total_occurrences is None
            else int(check_number("total_occurrences", total_occurrences, minimum=1, integer=True)),
            "reason": None if reason is None else _text("reason", reason),
        }
    )
