"""Wire format of the schedule endpoints: create and update bodies, the timezones query."""

from __future__ import annotations

import re
from typing import Any

from trigger._validation import check_bool, check_str, compact

__all__ = [
    "check_cron",
    "check_window",
    "create_schedule_body",
    "timezones_query",
    "update_schedule_body",
]

_WINDOW = re.compile(r"^(\d+)(m|h|%)$")
_MAX_WINDOW_MINUTES = 24 * 60


def check_cron(value: object) -> str:
    """A standard five-field cron expression (minute hour day-of-month month day-of-week)."""
    cron = check_str("cron", value)
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron must have 5 fields (minute hour day-of-month month day-of-week), "
            f"got {len(fields)} in {cron!r}"
        )
    return cron


def check_window(value: object) -> str:
    """A run window: whole minutes or hours up to 24 h (``30m``, ``2h``) or ``N%`` up to 100%."""
    window = check_str("window", value)
    match = _WINDOW.match(window)
    if match is None:
        raise ValueError(
            f"window must be minutes, hours or a percentage such as '30m', '2h' or '50%', "
            f"got {window!r}"
        )
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "%":
        if amount > 100:
            raise ValueError(f"window must be at most 100%, got {window!r}")
    elif amount * (60 if unit == "h" else 1) > _MAX_WINDOW_MINUTES:
        raise ValueError(f"window must be at most 24 hours, got {window!r}")
    return window


def create_schedule_body(
    *,
    task: str,
    cron: str,
    deduplication_key: str,
    external_id: str | None,
    timezone: str | None,
    window: str | None,
) -> dict[str, Any]:
    """Body of a schedule create: task, cron and deduplication key, then the options given."""
    body = {
        "task": check_str("task", task),
        "cron": check_cron(cron),
        "deduplicationKey": check_str("deduplication_key", deduplication_key),
    }
    return {**body, **_options(external_id=external_id, timezone=timezone, window=window)}


def update_schedule_body(
    *,
    task: str,
    cron: str,
    external_id: str | None,
    timezone: str | None,
    window: str | None,
) -> dict[str, Any]:
    """Body of a schedule update: task and cron, then the options given."""
    body = {"task": check_str("task", task), "cron": check_cron(cron)}
    return {**body, **_options(external_id=external_id, timezone=timezone, window=window)}


def _options(
    *, external_id: str | None, timezone: str | None, window: str | None
) -> dict[str, str]:
    return compact(
        {
            "externalId": None if external_id is None else check_str("external_id", external_id),
            "timezone": None if timezone is None else check_str("timezone", timezone),
            "window": None if window is None else check_window(window),
        }
    )


def timezones_query(exclude_utc: bool) -> dict[str, str]:
    """``excludeUtc=true`` when asked; nothing otherwise (as the official client sends)."""
    return {"excludeUtc": "true"} if check_bool("exclude_utc", exclude_utc) else {}
