"""The query API on the wire: the execute body, result formats, schema and dashboards."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.operations.query import CSV_RESULT, DASHBOARDS, JSON_RESULT, SCHEMA
from trigger.types.query import QueryCSVResult, QueryJSONResult

pytestmark = pytest.mark.anyio


async def test_execute_always_sends_scope_and_format(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/query", json=JSON_RESULT)
    result = await client.query.execute("SELECT run_id, status FROM runs LIMIT 10")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert json.loads(request.content) == {
        "query": "SELECT run_id, status FROM runs LIMIT 10",
        "scope": "environment",
        "format": "json",
    }
    assert isinstance(result, QueryJSONResult)
    assert result.format == "json"
    assert result.results[0] == {
        "run_id": "run_1234",
        "status": "Failed",
        "triggered_at": "2024-01-05 10:00:00.000",
    }
    assert len(result.results) == 2


async def test_execute_with_a_period_and_a_scope(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=JSON_RESULT)
    await client.query.execute("SELECT COUNT(*) as count FROM runs", scope="project", period="7d")
    request = httpx_mock.get_request()
    assert request is not None
    assert json.loads(request.content) == {
        "query": "SELECT COUNT(*) as count FROM runs",
        "scope": "project",
        "period": "7d",
        "format": "json",
    }


async def test_execute_sends_from_and_to_as_iso_strings(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=JSON_RESULT, is_reusable=True)
    await client.query.execute(
        "SELECT 1",
        scope="organization",
        from_=datetime(2024, 1, 1, tzinfo=timezone.utc),
        to=datetime(2024, 1, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=2))),
    )
    await client.query.execute("SELECT 1", from_=1704067200000, to="2024-01-31T23:59:59Z")
    first, second = (json.loads(r.content) for r in httpx_mock.get_requests())
    assert first == {
        "query": "SELECT 1",
        "scope": "organization",
        "from": "2024-01-01T00:00:00.000Z",
        "to": "2024-01-31T21:59:59.000Z",  # in UTC, as Date.toISOString() writes it
        "format": "json",
    }
    assert second["from"] == "2024-01-01T00:00:00.000Z"
    assert second["to"] == "2024-01-31T23:59:59Z"


async def test_execute_as_csv_returns_text_and_rows(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CSV_RESULT)
    result = await client.query.execute(
        "SELECT run_id, status FROM runs", format="csv", period="30d"
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert json.loads(request.content)["format"] == "csv"
    assert isinstance(result, QueryCSVResult)
    assert result.format == "csv"
    assert result.results.splitlines()[0] == "run_id,status"
    assert result.rows() == [
        {"run_id": "run_1234", "status": "Failed"},
        {"run_id": "run_5678", "status": "Completed"},
    ]


async def test_the_result_type_follows_the_response_format(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"format": "xml", "results": "<rows/>"})
    with pytest.raises(trigger.APIResponseValidationError):
        await client.query.execute("SELECT 1")


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("",), {}, ValueError, "query"),
        ((None,), {}, TypeError, "query"),
        (("SELECT 1",), {"scope": "global"}, ValueError, "scope"),
        (("SELECT 1",), {"format": "xml"}, ValueError, "format"),
        (("SELECT 1",), {"from_": 1}, ValueError, "together"),
        (("SELECT 1",), {"to": 1}, ValueError, "together"),
        (("SELECT 1",), {"period": "7d", "from_": 1, "to": 2}, ValueError, "period or"),
        (("SELECT 1",), {"from_": datetime(2024, 1, 1), "to": 2}, ValueError, "timezone-aware"),
        (("SELECT 1",), {"from_": -1, "to": 2}, ValueError, "from_"),
        (("SELECT 1",), {"from_": True, "to": 2}, TypeError, "from_"),
        (("SELECT 1",), {"from_": [1], "to": 2}, TypeError, "from_"),
        (("SELECT 1",), {"period": ""}, ValueError, "period"),
    ],
)
async def test_execute_rejects_bad_input_before_sending(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.query.execute(*args, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_query_errors_map_to_exceptions(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=400, json={"error": "Unknown column 'nope'"})
    with pytest.raises(trigger.BadRequestError, match="Unknown column"):
        await client.query.execute("SELECT nope FROM runs")
    httpx_mock.add_response(status_code=403, json={"error": "Scope not allowed"})
    with pytest.raises(trigger.PermissionDeniedError):
        await client.query.execute("SELECT 1", scope="organization")


async def test_schema_decodes_tables_and_columns(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/query/schema", json=SCHEMA)
    schema = await client.query.schema()
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.content == b""
    table = schema.tables[0]
    assert table.name == "runs"
    assert table.time_column == "triggered_at"
    run_id, status = table.columns
    assert run_id.core_column is True
    assert run_id.example == "run_1234"
    assert status.allowed_values == ["Completed", "Failed"]
    assert status.core_column is False
    assert status.description is None


async def test_dashboards_accept_title_widgets(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    unknown_widget = {"id": "w9", "title": "Map", "query": "SELECT 1", "type": "heatmap"}
    body = {"dashboards": [{**DASHBOARDS["dashboards"][0]}]}
    body["dashboards"][0]["widgets"] = [*DASHBOARDS["dashboards"][0]["widgets"], unknown_widget]
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/query/dashboards", json=body)
    result = await client.query.dashboards.list()
    dashboard = result.dashboards[0]
    assert dashboard.key == "overview"
    assert [widget.type for widget in dashboard.widgets] == ["title", "bignumber", "heatmap"]
    assert dashboard.widgets[1].query == "SELECT count() FROM runs"


async def test_every_method_has_a_raw_twin(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    raw = client.query.with_raw_response
    httpx_mock.add_response(json=CSV_RESULT, headers={"x-ratelimit-remaining": "9"})
    executed = await raw.execute("SELECT 1", format="csv")
    assert executed.headers["x-ratelimit-remaining"] == "9"
    assert isinstance(executed.parse(), QueryCSVResult)
    httpx_mock.add_response(json=SCHEMA)
    assert (await raw.schema()).parse().tables[0].name == "runs"
    httpx_mock.add_response(json=DASHBOARDS)
    listed = await client.query.dashboards.with_raw_response.list()
    assert listed.parse().dashboards[0].title == "Overview"
