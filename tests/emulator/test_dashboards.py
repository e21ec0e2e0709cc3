"""Custom query dashboards on the emulator through both clients: placement on the grid,
revisions and their 409, widget queries checked against the schema; error bodies over raw
HTTP (validation is the server's 400, never a 500)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, jwt

TITLE_ROW: dict[str, Any] = {"type": "title"}
TOTAL: dict[str, Any] = {
    "id": "total",
    "title": "Total runs",
    "query": "SELECT count() AS total FROM runs",
    "display": {"type": "bignumber", "column": "total", "aggregation": "sum"},
}
PER_DAY: dict[str, Any] = {
    "id": "per-day",
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


def test_widgets_without_a_position_stack_full_width(trigger_client: trigger.Client) -> None:
    dashboards = trigger_client.query.dashboards
    created = dashboards.create(
        title="  Email tasks ",
        description="Runs of send-email",
        widgets=[{"title": "Overview", "display": TITLE_ROW}, TOTAL, PER_DAY],
    )
    assert created.id.startswith("dashboard_")
    assert (created.title, created.description) == ("Email tasks", "Runs of send-email")
    assert [(w.id, w.position.to_dict()) for w in created.widgets[1:]] == [
        ("total", {"x": 0, "y": 2, "w": 12, "h": 15}),
        ("per-day", {"x": 0, "y": 17, "w": 12, "h": 15}),
    ]
    overview = created.widgets[0]
    assert len(overview.id) == 8 and overview.position.h == 2
    chart = created.widgets[2].display
    assert (chart.chart_type, chart.group_by_column, chart.sort_by_column) == ("bar", None, None)
    # The server's defaults are filled in.
    assert created.widgets[1].display.abbreviate is False
    table = dashboards.widgets.add(
        created.id,
        title="Recent failures",
        query="SELECT run_id, status FROM runs WHERE status = 'Failed'",
        display={"type": "table"},
        position={"x": 6, "y": 40, "w": 6, "h": 8},
    ).dashboard.widgets[-1]
    assert (table.display.pretty_formatting, table.display.sorting) == (True, [])
    assert table.position.to_dict() == {"x": 6, "y": 40, "w": 6, "h": 8}
    below = dashboards.widgets.add(created.id, title="Notes", display=TITLE_ROW)
    assert below.dashboard.widgets[-1].position.y == 48, "below the lowest widget"
    assert created.created_at == created.updated_at
    assert dashboards.retrieve(created.id).updated_at >= created.updated_at


def test_replace_keeps_the_places_of_kept_widgets(trigger_client: trigger.Client) -> None:
    dashboards = trigger_client.query.dashboards
    created = dashboards.create(title="Email tasks", widgets=[TOTAL, PER_DAY])
    moved = dashboards.widgets.update(
        created.id, "per-day", position={"x": 0, "y": 50, "w": 6, "h": 10}
    )
    replaced = dashboards.replace(
        created.id,
        widgets=[
            {"id": "fresh", "title": "Fresh", "display": TITLE_ROW},
            PER_DAY,
            {**TOTAL, "position": {"x": 6, "y": 0, "w": 6, "h": 4}},
        ],
        title="Email (synced)",
        revision=moved.revision,
    )
    assert replaced.title == "Email (synced)"
    assert [(w.id, w.position.to_dict()) for w in replaced.widgets] == [
        ("fresh", {"x": 0, "y": 60, "w": 12, "h": 2}),
        ("per-day", {"x": 0, "y": 50, "w": 6, "h": 10}),
        ("total", {"x": 6, "y": 0, "w": 6, "h": 4}),
    ]
    # A retrieved dashboard writes back as it was.
    again = dashboards.replace(created.id, widgets=replaced.widgets)
    assert [w.to_dict() for w in again.widgets] == [w.to_dict() for w in replaced.widgets]


def test_a_stale_revision_is_refused_once(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    dashboards = trigger_client.query.dashboards
    created = dashboards.create(title="Email tasks", widgets=[TOTAL])
    renamed = dashboards.update(created.id, title="Renamed", revision=created.revision)
    assert renamed.revision != created.revision
    before = len(trigger_emulator.requests(method="PATCH"))
    # The client's default policy retries 409s; these writes are not retried.
    with pytest.raises(trigger.ConflictError, match="has changed since revision") as raised:
        dashboards.update(created.id, title="Lost update", revision=created.revision)
    assert raised.value.attempts == 1
    assert len(trigger_emulator.requests(method="PATCH")) == before + 1
    for call in (
        lambda: dashboards.replace(created.id, widgets=[], revision=created.revision),
        lambda: dashboards.widgets.add(
            created.id, title="T", display=TITLE_ROW, revision=created.revision
        ),
        lambda: dashboards.widgets.update(
            created.id, "total", title="T", revision=created.revision
        ),
        lambda: dashboards.widgets.delete(created.id, "total", revision=created.revision),
    ):
        with pytest.raises(trigger.ConflictError):
            call()
    assert dashboards.retrieve(created.id).title == "Renamed"
    assert dashboards.widgets.delete(created.id, "total", revision=renamed.revision).widgets == []


def test_the_list_shows_custom_dashboards_after_the_built_in_ones(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    builtin = trigger_client.query.dashboards.list().dashboards
    first = trigger_client.query.dashboards.create(title="First", widgets=[TOTAL])
    second = trigger_client.query.dashboards.create(title="Second", description="More")
    listed = trigger_client.query.dashboards.list().dashboards
    assert [d.key for d in listed[: len(builtin)]] == [d.key for d in builtin]
    custom = listed[len(builtin) :]
    assert [(d.key, d.type) for d in custom] == [(second.id, "custom"), (first.id, "custom")]
    assert custom[1].widgets[0].to_dict() == {
        "id": "total",
        "title": "Total runs",
        "query": TOTAL["query"],
        "type": "bignumber",
    }
    # Every environment of the project sees them.
    with trigger_emulator.client("prod") as prod:
        assert second.id in [d.key for d in prod.query.dashboards.list().dashboards]
    assert trigger_client.query.dashboards.delete(first.id).id == first.id
    with pytest.raises(trigger.NotFoundError, match="Dashboard not found"):
        trigger_client.query.dashboards.retrieve(first.id)
    with pytest.raises(trigger.NotFoundError):
        trigger_client.query.dashboards.retrieve(builtin[0].key)


def test_widget_queries_are_checked_against_the_schema(trigger_client: trigger.Client) -> None:
    dashboards = trigger_client.query.dashboards
    with pytest.raises(trigger.BadRequestError, match=r'Unknown column "nope"\. Available'):
        dashboards.create(title="T", widgets=[{**TOTAL, "query": "SELECT nope FROM runs"}])
    with pytest.raises(trigger.BadRequestError, match='Table "rnus" is not accessible'):
        dashboards.create(title="T", widgets=[{**TOTAL, "query": "SELECT run_id FROM rnus"}])
    created = dashboards.create(title="T", widgets=[TOTAL])
    with pytest.raises(trigger.BadRequestError, match="Unknown column"):
        dashboards.widgets.update(created.id, "total", query="SELECT nope FROM runs")
    # Queries beyond the emulator's TRQL subset are stored unchecked.
    kept = dashboards.widgets.update(created.id, "total", query=PER_DAY["query"])
    assert kept.widgets[0].query == PER_DAY["query"]


@pytest.mark.anyio
async def test_the_async_client(trigger_async_client: trigger.AsyncClient) -> None:
    dashboards = trigger_async_client.query.dashboards
    created = await dashboards.create(title="Email tasks", widgets=[TOTAL])
    assert (await dashboards.retrieve(created.id)).revision == created.revision
    updated = await dashboards.update(created.id, description="d", revision=created.revision)
    added = await dashboards.widgets.add(
        created.id, title="Per day", query=PER_DAY["query"], display=PER_DAY["display"]
    )
    assert added.dashboard.revision != updated.revision
    changed = await dashboards.widgets.update(created.id, added.widget_id, fill_gaps=True)
    assert changed.widgets[-1].fill_gaps is True
    left = await dashboards.widgets.delete(created.id, "total")
    replaced = await dashboards.replace(created.id, widgets=left.widgets)
    assert [w.id for w in replaced.widgets] == [added.widget_id]
    listed = await dashboards.list()
    assert created.id in [d.key for d in listed.dashboards]
    assert (await dashboards.delete(created.id)).id == created.id
    with pytest.raises(trigger.NotFoundError):
        await dashboards.update(created.id, title="gone")


def test_error_bodies(http: httpx.Client) -> None:
    url = "/api/v1/query/dashboards"
    empty = http.post(url, json={})
    assert (empty.status_code, empty.json()) == (
        400,
        {"error": 'Validation error: Required at "title"'},
    )
    blank = http.post(url, json={"title": "   "})
    assert blank.json() == {
        "error": 'Validation error: String must contain at least 1 character(s) at "title"'
    }
    strict = http.post(url, json={"title": "T", "colour": "red"})
    assert strict.json() == {"error": "Validation error: Unrecognized key(s) in object: 'colour'"}
    display = http.post(
        url, json={"title": "T", "widgets": [{"title": "W", "display": {"type": "pie"}}]}
    )
    assert display.json() == {
        "error": "Validation error: Invalid discriminator value. Expected 'table' | 'chart' | "
        "'bignumber' | 'title' at \"widgets[0].display.type\""
    }
    widget_id = http.post(
        url, json={"title": "T", "widgets": [{"id": "a b", "title": "W", "display": TITLE_ROW}]}
    )
    assert widget_id.json() == {
        "error": 'Validation error: id may only contain letters, numbers, _ and - at "widgets[0].id"'
    }
    chart = http.post(
        url,
        json={
            "title": "T",
            "widgets": [
                {
                    "title": "W",
                    "query": "SELECT 1",
                    "display": {"type": "chart", "chartType": "pie"},
                }
            ],
        },
    )
    assert chart.status_code == 400
    assert chart.json()["error"].startswith(
        "Validation error: Invalid enum value. Expected 'bar' | 'line', received 'pie' at "
        '"widgets[0].display.chartType"'
    )
    assert 'Required at "widgets[0].display.xAxisColumn"' in chart.json()["error"]
    position = http.post(
        url,
        json={
            "title": "T",
            "widgets": [
                {
                    "title": "W",
                    "display": TITLE_ROW,
                    "position": {"x": 12, "y": -1, "w": 1, "h": 1.5},
                }
            ],
        },
    )
    assert position.json() == {
        "error": "Validation error: Number must be less than or equal to 11 at "
        '"widgets[0].position.x"; Number must be greater than or equal to 0 at '
        '"widgets[0].position.y"; Expected integer, received float at "widgets[0].position.h"'
    }
    no_query = http.post(
        url, json={"title": "T", "widgets": [{"title": "W", "display": {"type": "table"}}]}
    )
    assert (no_query.status_code, no_query.json()) == (400, {"error": 'Widget "W" needs a query'})
    twice = http.post(
        url,
        json={
            "title": "T",
            "widgets": [
                {"id": "a", "title": "W", "display": TITLE_ROW},
                {"id": "a", "title": "V", "display": TITLE_ROW},
            ],
        },
    )
    assert twice.json() == {"error": 'Widget id "a" is used more than once'}
    missing = http.get(f"{url}/dashboard_nope")
    assert (missing.status_code, missing.json()) == (404, {"error": "Dashboard not found"})
    created = http.post(
        url, json={"title": "T", "widgets": [{"id": "w", "title": "W", "display": TITLE_ROW}]}
    ).json()
    one = f"{url}/{created['id']}"
    clash = http.post(f"{one}/widgets", json={"id": "w", "title": "X", "display": TITLE_ROW})
    assert clash.json() == {"error": 'Widget id "w" is already on this dashboard'}
    gone = http.patch(f"{one}/widgets/nope", json={"title": "X"})
    assert (gone.status_code, gone.json()) == (404, {"error": "Widget not found"})
    stale = http.delete(f"{one}/widgets/w", params={"revision": "old"})
    assert stale.status_code == 409 and "has changed since revision old" in stale.json()["error"]
    assert http.post(one, json={}).headers["allow"] == "PATCH, PUT, DELETE"
    assert (http.get(f"{one}/widgets").status_code, http.get(f"{one}/widgets").content) == (
        405,
        b"",
    )
    assert http.put(url, json={}).status_code == 405
    assert http.patch(one, content=b"{").json() == {"error": "Invalid JSON"}


def test_public_token_scopes(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    def client(scopes: list[str]) -> httpx.Client:
        signed = jwt.sign(
            {"sub": trigger_emulator.environment_ids["dev"], "pub": True, "scopes": scopes},
            trigger_emulator.secret_key,
            now_s=int(time.time()),
            lifetime_s=600,
        )
        return httpx.Client(
            base_url=trigger_emulator.url, headers={"authorization": f"Bearer {signed}"}
        )

    created = trigger_client.query.dashboards.create(title="T")
    with client(["read:query:dashboards"]) as http:
        assert http.get(f"/api/v1/query/dashboards/{created.id}").status_code == 200
        assert http.post("/api/v1/query/dashboards", json={"title": "T"}).status_code == 403
    with client(["write:query"]) as http:
        assert http.post("/api/v1/query/dashboards", json={"title": "T"}).status_code == 200
