"""Query dashboards on the wire: every call's method, path, query and body; the checks made
before sending; decoding; a 409 (stale revision) raised at once, never retried."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.operations.query import DASHBOARD, DASHBOARDS, TOTAL_RUNS_WIDGET
from trigger.types import (
    AddedDashboardWidget,
    Dashboard,
    DashboardWidgetDisplay,
    DashboardWidgetPosition,
)

pytestmark = pytest.mark.anyio

DASHBOARDS_URL = f"{BASE_URL}/api/v1/query/dashboards"
ONE = f"{DASHBOARDS_URL}/{DASHBOARD['id']}"

RUNS_PER_DAY: dict[str, Any] = {
    "title": "Runs per day",
    "query": "SELECT timeBucket(), count() AS runs FROM runs GROUP BY timeBucket",
    "display": {
        "type": "chart",
        "chart_type": "bar",
        "x_axis_column": "timebucket",
        "y_axis_columns": ["runs"],
        "stacked": False,
        "sort_direction": "asc",
        "aggregation": "sum",
    },
}


def sent(httpx_mock: HTTPXMock) -> tuple[str, str, Any]:
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["x-trigger-request-idempotency-key"]
    body = msgspec.json.decode(request.content) if request.content else None
    return request.method, str(request.url), body


async def test_list_is_the_sub_resource_call_and_decodes_custom_entries(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    custom = {
        "key": DASHBOARD["id"],
        "title": "Email tasks",
        "type": "custom",
        "description": "Runs of send-email",
        "widgets": [{"id": "total", "title": "Total", "query": "SELECT 1", "type": "bignumber"}],
    }
    httpx_mock.add_response(json={"dashboards": [*DASHBOARDS["dashboards"], custom]})
    listed = await client.query.dashboards.list()
    assert sent(httpx_mock) == ("GET", DASHBOARDS_URL, None)
    builtin, mine = listed.dashboards
    assert (builtin.key, builtin.type, builtin.description) == ("overview", None, None)
    assert (mine.key, mine.type, mine.description) == (
        DASHBOARD["id"],
        "custom",
        "Runs of send-email",
    )


async def test_the_old_call_form_is_gone(client: trigger.AsyncClient) -> None:
    # `client.query.dashboards()` became `client.query.dashboards.list()`.
    with pytest.raises(TypeError, match="not callable"):
        client.query.dashboards()  # type: ignore[operator]


async def test_retrieve_decodes_every_widget_field(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    chart = {
        "id": "per-day",
        "title": "Runs per day",
        "query": RUNS_PER_DAY["query"],
        "display": {
            "type": "chart",
            "chartType": "line",
            "xAxisColumn": "timebucket",
            "yAxisColumns": ["runs"],
            "groupByColumn": None,
            "stacked": True,
            "sortByColumn": None,
            "sortDirection": "desc",
            "aggregation": "avg",
            "seriesColors": {"runs": "#3b82f6"},
        },
        "fillGaps": True,
        "position": {"x": 6, "y": 17, "w": 6, "h": 10},
    }
    httpx_mock.add_response(json={**DASHBOARD, "widgets": [*DASHBOARD["widgets"], chart]})
    dashboard = await client.query.dashboards.retrieve(DASHBOARD["id"])
    assert sent(httpx_mock) == ("GET", ONE, None)
    assert isinstance(dashboard, Dashboard)
    assert (dashboard.revision, dashboard.description) == ("r2qk4h8c1vx9mz7a", "Runs of send-email")
    assert dashboard.updated_at.isoformat() == "2026-12-01T09:30:00+00:00"
    title, total, per_day = dashboard.widgets
    assert (title.display.type, title.query) == ("title", "")
    assert (total.display.column, total.display.aggregation) == ("total", "sum")
    assert per_day.display.chart_type == "line" and per_day.display.stacked is True
    assert per_day.display.series_colors == {"runs": "#3b82f6"}
    assert per_day.fill_gaps is True
    assert per_day.position == DashboardWidgetPosition(x=6, y=17, w=6, h=10)


async def test_a_newer_display_type_still_decodes(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    heatmap = {**TOTAL_RUNS_WIDGET, "id": "heat", "display": {"type": "heatmap", "bins": 5}}
    httpx_mock.add_response(json={**DASHBOARD, "widgets": [heatmap]})
    dashboard = await client.query.dashboards.retrieve(DASHBOARD["id"])
    assert dashboard.widgets[0].display.type == "heatmap"


async def test_create_sends_the_widgets_in_wire_names_with_null_chart_columns(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=DASHBOARD)
    created = await client.query.dashboards.create(
        title="Email tasks",
        description="Runs of send-email",
        widgets=[
            {"title": "Overview", "display": {"type": "title"}},
            {
                "id": "total",
                "title": "Total runs",
                "query": "SELECT count() AS total FROM runs",
                "display": {"type": "bignumber", "column": "total", "aggregation": "sum"},
                "fill_gaps": False,
                "position": {"x": 0, "y": 2, "w": 12, "h": 15},
            },
            RUNS_PER_DAY,
        ],
    )
    assert sent(httpx_mock) == (
        "POST",
        DASHBOARDS_URL,
        {
            "title": "Email tasks",
            "description": "Runs of send-email",
            "widgets": [
                {"title": "Overview", "display": {"type": "title"}},
                {
                    "id": "total",
                    "title": "Total runs",
                    "query": "SELECT count() AS total FROM runs",
                    "display": {"type": "bignumber", "column": "total", "aggregation": "sum"},
                    "fillGaps": False,
                    "position": {"x": 0, "y": 2, "w": 12, "h": 15},
                },
                {
                    "title": "Runs per day",
                    "query": RUNS_PER_DAY["query"],
                    "display": {
                        "type": "chart",
                        "chartType": "bar",
                        "xAxisColumn": "timebucket",
                        "yAxisColumns": ["runs"],
                        "groupByColumn": None,
                        "stacked": False,
                        "sortByColumn": None,
                        "sortDirection": "asc",
                        "aggregation": "sum",
                    },
                },
            ],
        },
    )
    assert created.id == DASHBOARD["id"]


async def test_create_with_a_title_only(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=DASHBOARD)
    await client.query.dashboards.create(title="Email tasks")
    assert sent(httpx_mock) == ("POST", DASHBOARDS_URL, {"title": "Email tasks"})


async def test_update_sends_only_what_is_given(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=DASHBOARD)
    await client.query.dashboards.update(DASHBOARD["id"], title="Email", revision="r2qk")
    assert sent(httpx_mock) == ("PATCH", ONE, {"title": "Email", "revision": "r2qk"})


async def test_replace_writes_back_a_retrieved_dashboard(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=DASHBOARD)
    current = await client.query.dashboards.retrieve(DASHBOARD["id"])
    httpx_mock.reset()
    httpx_mock.add_response(json=DASHBOARD)
    await client.query.dashboards.replace(
        current.id, widgets=current.widgets[1:], revision=current.revision
    )
    assert sent(httpx_mock) == (
        "PUT",
        ONE,
        {
            "widgets": [
                {
                    "id": "total",
                    "title": "Total runs",
                    "query": TOTAL_RUNS_WIDGET["query"],
                    "display": {
                        "type": "bignumber",
                        "column": "total",
                        "aggregation": "sum",
                        "abbreviate": False,
                    },
                    "position": {"x": 0, "y": 2, "w": 12, "h": 15},
                }
            ],
            "revision": "r2qk4h8c1vx9mz7a",
        },
    )


async def test_replace_with_no_widgets_empties_the_dashboard(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={**DASHBOARD, "widgets": []})
    emptied = await client.query.dashboards.replace(DASHBOARD["id"], widgets=[], title="Empty")
    assert sent(httpx_mock) == ("PUT", ONE, {"title": "Empty", "widgets": []})
    assert emptied.widgets == []


async def test_delete_returns_the_id(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"id": DASHBOARD["id"]})
    deleted = await client.query.dashboards.delete(DASHBOARD["id"])
    assert sent(httpx_mock) == ("DELETE", ONE, None)
    assert deleted.id == DASHBOARD["id"]


async def test_widget_add_update_delete(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    widgets = client.query.dashboards.widgets
    httpx_mock.add_response(json={"widgetId": "failed", "dashboard": DASHBOARD})
    added = await widgets.add(
        DASHBOARD["id"],
        title="Failed runs",
        query="SELECT run_id FROM runs WHERE status = 'Failed'",
        display={
            "type": "table",
            "prettyFormatting": False,
            "sorting": [{"id": "run_id", "desc": True}],
        },
        widget_id="failed",
        position=DashboardWidgetPosition(x=0, y=40, w=6, h=8),
        revision="r1",
    )
    assert sent(httpx_mock) == (
        "POST",
        f"{ONE}/widgets",
        {
            "id": "failed",
            "title": "Failed runs",
            "query": "SELECT run_id FROM runs WHERE status = 'Failed'",
            "display": {
                "type": "table",
                "prettyFormatting": False,
                "sorting": [{"desc": True, "id": "run_id"}],
            },
            "position": {"x": 0, "y": 40, "w": 6, "h": 8},
            "revision": "r1",
        },
    )
    assert isinstance(added, AddedDashboardWidget) and added.widget_id == "failed"
    assert added.dashboard.id == DASHBOARD["id"]
    httpx_mock.reset()
    httpx_mock.add_response(json=DASHBOARD)
    await widgets.update(
        DASHBOARD["id"],
        "total",
        display=DashboardWidgetDisplay(type="bignumber", column="total", aggregation="max"),
        fill_gaps=True,
    )
    assert sent(httpx_mock) == (
        "PATCH",
        f"{ONE}/widgets/total",
        {
            "display": {"type": "bignumber", "column": "total", "aggregation": "max"},
            "fillGaps": True,
        },
    )
    httpx_mock.reset()
    httpx_mock.add_response(json=DASHBOARD)
    await widgets.delete(DASHBOARD["id"], "total", revision="r 2")
    assert sent(httpx_mock) == ("DELETE", f"{ONE}/widgets/total?revision=r+2", None)
    httpx_mock.reset()
    httpx_mock.add_response(json=DASHBOARD)
    await widgets.delete(DASHBOARD["id"], "total")
    assert sent(httpx_mock) == ("DELETE", f"{ONE}/widgets/total", None)


async def test_ids_are_percent_encoded(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=DASHBOARD)
    await client.query.dashboards.widgets.delete("dash/1", "w?2")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == b"/api/v1/query/dashboards/dash%2F1/widgets/w%3F2"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: d.create(title="   "), "title must not be empty"),
        (lambda d: d.create(title="x" * 201), "at most 200 characters"),
        (
            lambda d: d.create(title="Ok", description="d" * 2001),
            "description must be at most 2000",
        ),
        (
            lambda d: d.create(title="Ok", widgets=[{"title": "T", "display": {"type": "pie"}}]),
            r"widgets\[0\]\.display\['type'\] must be one of bignumber, chart, table, title",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[{"id": "has space", "title": "T", "display": {"type": "title"}}],
            ),
            r"widgets\[0\]\.id may only contain letters, numbers, _ and -",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[{"id": "a" * 65, "title": "T", "display": {"type": "title"}}],
            ),
            "may only contain",
        ),
        (
            lambda d: d.create(title="Ok", widgets=[{"title": "T", "display": {"type": "table"}}]),
            r"widgets\[0\] needs a 'query' unless its display is a title",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[{"title": "T", "query": "SELECT 1", "display": {"type": "chart"}}],
            ),
            "a chart display needs 'chart_type'",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[
                    {
                        "title": "T",
                        "query": "SELECT 1",
                        "display": {"type": "bignumber", "column": "c", "aggregation": "median"},
                    }
                ],
            ),
            "aggregation must be one of sum, avg, count, min, max, first, last",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[{"title": "T", "display": {"type": "title", "column": "c"}}],
            ),
            r"has an unknown key 'column'",
        ),
        (
            lambda d: d.create(
                title="Ok", widgets=[{"title": "T", "display": {"type": "title"}, "colour": "red"}]
            ),
            r"widgets\[0\] has an unknown key 'colour'",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[
                    {"id": "a", "title": "T", "display": {"type": "title"}},
                    {"id": "a", "title": "U", "display": {"type": "title"}},
                ],
            ),
            "has the id 'a' twice",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[
                    {
                        "title": "T",
                        "display": {"type": "title"},
                        "position": {"x": 12, "y": 0, "w": 1, "h": 1},
                    }
                ],
            ),
            r"position\.x must be <= 11",
        ),
        (
            lambda d: d.create(
                title="Ok",
                widgets=[
                    {
                        "title": "T",
                        "display": {"type": "title"},
                        "position": {"x": 0, "y": 0, "w": 0, "h": 1},
                    }
                ],
            ),
            r"position\.w must be >= 1",
        ),
        (lambda d: d.create(title="Ok", widgets="all"), "widgets must be a list"),
        (lambda d: d.update("dashboard_1"), "pass title, description or both"),
        (lambda d: d.update("dashboard_1", title="T", revision=""), "revision must be a non-empty"),
        (lambda d: d.widgets.update("dashboard_1", "w1"), "pass at least one of"),
        (
            lambda d: d.widgets.add("dashboard_1", title="T", display={"type": "table"}),
            "needs a 'query'",
        ),
        (lambda d: d.retrieve(""), "dashboard_id must be a non-empty string"),
    ],
)
async def test_bad_input_raises_before_sending(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, call: Any, message: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        await call(client.query.dashboards)
    assert httpx_mock.get_requests() == []


async def test_a_stale_revision_409_is_raised_at_once(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    # The default policy retries 409s (as the official client does): not for these writes.
    conflict = {"error": "Dashboard changed since revision r1"}
    calls = [
        lambda d: d.update(DASHBOARD["id"], title="T", revision="r1"),
        lambda d: d.replace(DASHBOARD["id"], widgets=[], revision="r1"),
        lambda d: d.create(title="T"),
        lambda d: d.widgets.add(DASHBOARD["id"], title="T", display={"type": "title"}),
        lambda d: d.widgets.update(DASHBOARD["id"], "w", title="T", revision="r1"),
        lambda d: d.widgets.delete(DASHBOARD["id"], "w", revision="r1"),
    ]
    for call in calls:
        httpx_mock.add_response(status_code=409, json=conflict)
        with pytest.raises(trigger.ConflictError) as raised:
            await call(retrying_client.query.dashboards)
        assert raised.value.attempts == 1
    assert len(httpx_mock.get_requests()) == len(calls)
    assert sleeps == []


async def test_other_failures_keep_the_retry_policy(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, json={"error": "busy"})
    httpx_mock.add_response(json=DASHBOARD)
    dashboard = await retrying_client.query.dashboards.update(DASHBOARD["id"], title="T")
    assert dashboard.id == DASHBOARD["id"] and len(sleeps) == 1


async def test_every_method_has_a_raw_twin(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        json=DASHBOARD, headers={"x-ratelimit-remaining": "9"}, is_reusable=True
    )
    raw = client.query.dashboards.with_raw_response
    response = await raw.retrieve(DASHBOARD["id"])
    assert response.headers["x-ratelimit-remaining"] == "9"
    assert response.parse().id == DASHBOARD["id"]
    assert (await raw.update(DASHBOARD["id"], title="T")).status_code == 200
    assert (await raw.replace(DASHBOARD["id"], widgets=[])).status_code == 200
    assert (await raw.create(title="T")).status_code == 200
    widget_raw = client.query.dashboards.widgets.with_raw_response
    assert (await widget_raw.update(DASHBOARD["id"], "w", title="T")).status_code == 200
    assert (await widget_raw.delete(DASHBOARD["id"], "w")).status_code == 200
    httpx_mock.reset()
    httpx_mock.add_response(json=DASHBOARDS)
    assert (await raw.list()).parse().dashboards[0].key == "overview"
    httpx_mock.add_response(json={"id": DASHBOARD["id"]})
    assert (await raw.delete(DASHBOARD["id"])).parse().id == DASHBOARD["id"]
    httpx_mock.add_response(json={"widgetId": "w", "dashboard": DASHBOARD})
    added = await widget_raw.add(DASHBOARD["id"], title="T", display={"type": "title"})
    assert added.parse().widget_id == "w"
