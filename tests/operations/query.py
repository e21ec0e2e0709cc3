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

OPERATIONS = [
    Op("POST", "/api/v1/query", lambda c: c.query.execute("SELECT 1"), JSON_RESULT),
    Op("GET", "/api/v1/query/schema", lambda c: c.query.schema(), SCHEMA),
    Op("GET", "/api/v1/query/dashboards", lambda c: c.query.dashboards(), DASHBOARDS),
]
