"""Operations of the query group, and realistic bodies from the spec examples."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

JSON_RESULT: dict[str, Any] = {
    "format": "json",
    "results": [
        {"run_id": "run_1234", "status": "Failed", "triggered_at": "2024-01-05 10:00:00.000"},
        {"run_id": "run_5678", "status": "Completed", "triggered_at": "2024-01-06 11:30:00.000"},
    ],
}

CSV_RESULT: dict[str, Any] = {
    "format": "csv",
    "results": "run_id,status\nrun_1234,Failed\nrun_5678,Completed\n",
}

SCHEMA: dict[str, Any] = {
    "tables": [
        {
            "name": "runs",
            "description": "Task runs",
            "timeColumn": "triggered_at",
            "columns": [
                {
                    "name": "run_id",
                    "type": "String",
                    "description": "The run id",
                    "example": "run_1234",
                    "coreColumn": True,
                },
                {
                    "name": "status",
                    "type": "LowCardinality(String)",
                    "allowedValues": ["Completed", "Failed"],
                },
            ],
        }
    ]
}

DASHBOARDS: dict[str, Any] = {
    "dashboards": [
        {
            "key": "overview",
            "title": "Overview",
            "widgets": [
                {"id": "w0", "title": "Runs", "query": "", "type": "title"},
                {
                    "id": "w1",
                    "title": "Total runs",
                    "query": "SELECT count() FROM runs",
                    "type": "bignumber",
                },
            ],
        }
    ]
}

TOTAL_RUNS_WIDGET: dict[str, Any] = {
    "id": "total",
    "title": "Total runs",
    "query": "SELECT count() AS total FROM runs WHERE task_identifier = 'send-email'",
    "display": {"type": "bignumber", "column": "total", "aggregation": "sum", "abbreviate": False},
    "position": {"x": 0, "y": 2, "w": 12, "h": 15},
}

DASHBOARD: dict[str, Any] = {
    "id": "dashboard_cm5x8e3rq0001",
    "title": "Email tasks",
    "description": "Runs of send-email",
    "revision": "r2qk4h8c1vx9mz7a",
    "createdAt": "2026-12-01T09:00:00.000Z",
    "updatedAt": "2026-12-01T09:30:00.000Z",
    "widgets": [
        {
            "id": "overview",
            "title": "Overview",
            "query": "",
            "display": {"type": "title"},
            "position": {"x": 0, "y": 0, "w": 12, "h": 2},
        },
        TOTAL_RUNS_WIDGET,
    ],
}

OPERATIONS = [
    Op("POST", "/api/v1/query", lambda c: c.query.execute("SELECT 1"), JSON_RESULT),
    Op("GET", "/api/v1/query/schema", lambda c: c.query.schema(), SCHEMA),
    Op("GET", "/api/v1/query/dashboards", lambda c: c.query.dashboards.list(), DASHBOARDS),
    Op(
        "POST",
        "/api/v1/query/dashboards",
        lambda c: c.query.dashboards.create(title="Email tasks"),
        DASHBOARD,
    ),
    Op(
        "GET",
        "/api/v1/query/dashboards/{dashboardId}",
        lambda c: c.query.dashboards.retrieve(DASHBOARD["id"]),
        DASHBOARD,
    ),
    Op(
        "PATCH",
        "/api/v1/query/dashboards/{dashboardId}",
        lambda c: c.query.dashboards.update(DASHBOARD["id"], title="Email"),
        DASHBOARD,
    ),
    Op(
        "PUT",
        "/api/v1/query/dashboards/{dashboardId}",
        lambda c: c.query.dashboards.replace(DASHBOARD["id"], widgets=[]),
        DASHBOARD,
    ),
    Op(
        "DELETE",
        "/api/v1/query/dashboards/{dashboardId}",
        lambda c: c.query.dashboards.delete(DASHBOARD["id"]),
        {"id": DASHBOARD["id"]},
    ),
    Op(
        "POST",
        "/api/v1/query/dashboards/{dashboardId}/widgets",
        lambda c: c.query.dashboards.widgets.add(
            DASHBOARD["id"], title="Runs", display={"type": "title"}
        ),
        {"widgetId": "runs", "dashboard": DASHBOARD},
    ),
    Op(
        "PATCH",
        "/api/v1/query/dashboards/{dashboardId}/widgets/{widgetId}",
        lambda c: c.query.dashboards.widgets.update(DASHBOARD["id"], "total", title="All runs"),
        DASHBOARD,
    ),
    Op(
        "DELETE",
        "/api/v1/query/dashboards/{dashboardId}/widgets/{widgetId}",
        lambda c: c.query.dashboards.widgets.delete(DASHBOARD["id"], "total"),
        DASHBOARD,
    ),
]
