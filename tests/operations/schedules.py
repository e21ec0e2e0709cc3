"""Operations of the schedules group, and realistic schedule bodies (from the spec's examples)."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

SCHEDULE: dict[str, Any] = {
    "id": "sched_1234",
    "type": "IMPERATIVE",
    "task": "my-scheduled-task",
    "active": True,
    "deduplicationKey": "dedup_key_1234",
    "externalId": "user_1234",
    "generator": {
        "type": "CRON",
        "expression": "0 0 * * *",
        "description": "Every day at midnight",
    },
    "timezone": "America/New_York",
    # The spec's example is an unquoted date-time: a string here, as the server sends it.
    "nextRun": "2024-04-01T00:00:00Z",
    # As create and update send them; list sends slug (and branchName) instead of shortcode.
    "environments": [
        {"id": "cl1234env", "shortcode": "x7k2", "type": "PRODUCTION", "userName": None}
    ],
}

SCHEDULE_PAGE: dict[str, Any] = {
    "data": [SCHEDULE],
    "pagination": {"currentPage": 1, "totalPages": 1, "count": 1},
}

TIMEZONES: dict[str, Any] = {"timezones": ["UTC", "Africa/Abidjan", "America/New_York"]}

OPERATIONS = [
    Op(
        "POST",
        "/api/v1/schedules",
        lambda c: c.schedules.create(task="t", cron="0 0 * * *", deduplication_key="k"),
        SCHEDULE,
    ),
    Op("GET", "/api/v1/schedules", lambda c: c.schedules.list(per_page=10), SCHEDULE_PAGE),
    Op(
        "GET", "/api/v1/schedules/{scheduleId}", lambda c: c.schedules.retrieve("sched_1"), SCHEDULE
    ),
    Op(
        "PUT",
        "/api/v1/schedules/{scheduleId}",
        lambda c: c.schedules.update("sched_1", task="t", cron="0 0 * * *"),
        SCHEDULE,
    ),
    Op(
        "DELETE",
        "/api/v1/schedules/{scheduleId}",
        lambda c: c.schedules.delete("sched_1"),
        {"id": "sched_1"},
    ),
    Op(
        "POST",
        "/api/v1/schedules/{scheduleId}/deactivate",
        lambda c: c.schedules.deactivate("sched_1"),
        {**SCHEDULE, "active": False},
    ),
    Op(
        "POST",
        "/api/v1/schedules/{scheduleId}/activate",
        lambda c: c.schedules.activate("sched_1"),
        SCHEDULE,
    ),
    Op("GET", "/api/v1/timezones", lambda c: c.schedules.timezones(), TIMEZONES),
]
