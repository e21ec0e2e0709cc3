"""A server whose pagination does not move on ends a walk with `PaginationError`, not a loop.

Each test registers exactly the answers a correct walk needs: a walk that fetched once more
than it should would find no answer and fail with another error, never hang.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.fixtures import LISTED_RUN
from tests.operations.schedules import SCHEDULE

pytestmark = pytest.mark.anyio


def runs(*ids: str, **pagination: str) -> dict[str, Any]:
    return {"data": [{**LISTED_RUN, "id": run_id} for run_id in ids], "pagination": pagination}


def schedules(current: int, total: int) -> dict[str, Any]:
    return {
        "data": [{**SCHEDULE, "id": f"sched_{current}"}],
        "pagination": {"currentPage": current, "totalPages": total},
    }


def afters(httpx_mock: HTTPXMock) -> list[str | None]:
    return [r.url.params.get("page[after]") for r in httpx_mock.get_requests()]


async def collect(items: Any, seen: list[str]) -> None:
    """Walk ``items``, noting each id, so that what came before an error stays known."""
    async for item in items:
        seen.append(item.id)


async def collect_pages(first: Any, seen: list[str]) -> None:
    async for each in first.iter_pages():
        seen.extend(item.id for item in each.data)


async def test_a_server_repeating_the_same_next_cursor_ends_the_walk(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=runs("run_1", next="c1"))
    httpx_mock.add_response(json=runs("run_2", next="c1"))
    seen: list[str] = []
    with pytest.raises(trigger.PaginationError, match="'c1'") as caught:
        await collect(client.runs.list(limit=1), seen)
    assert seen == ["run_1", "run_2"], "every item the server really sent is yielded once"
    assert afters(httpx_mock) == [None, "c1"], "the repeated cursor is not fetched again"
    assert caught.value.path == "/api/v1/runs"
    assert caught.value.position == "c1"


@pytest.mark.parametrize("walk", ["items", "pages"])
async def test_a_cursor_cycle_longer_than_one_page_ends_the_walk(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, walk: str
) -> None:
    httpx_mock.add_response(json=runs("run_1", next="c1"))
    httpx_mock.add_response(json=runs("run_2", next="c2"))
    httpx_mock.add_response(json=runs("run_3", next="c1"))
    seen: list[str] = []
    listed = client.runs.list(limit=1)
    walker, target = (collect, listed) if walk == "items" else (collect_pages, await listed)
    with pytest.raises(trigger.PaginationError, match="second time"):
        await walker(target, seen)
    assert seen == ["run_1", "run_2", "run_3"]
    assert afters(httpx_mock) == [None, "c1", "c2"]


async def test_a_walk_starting_from_a_cursor_does_not_follow_it_back(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=runs("run_5", next="c6"))
    httpx_mock.add_response(json=runs("run_6", next="c5"))
    httpx_mock.add_response(json=runs("run_5", next="c6"))
    first = await client.runs.list(limit=1)
    later = await first.get_next_page()
    # A walk from `later` (fetched with c6) follows c5, which is new to it, and then is
    # sent to c6, the cursor it started from.
    seen: list[str] = []
    with pytest.raises(trigger.PaginationError, match="'c6'"):
        await collect(later, seen)
    assert seen == ["run_6", "run_5"]
    assert afters(httpx_mock) == [None, "c6", "c5"]


async def test_get_next_page_refuses_a_page_whose_next_cursor_fetched_it(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=runs("run_1", next="c1"))
    httpx_mock.add_response(json=runs("run_2", next="c1", previous="c0"))
    first = await client.runs.list(limit=1)
    stuck = await first.get_next_page()
    assert stuck.has_next_page()
    with pytest.raises(trigger.PaginationError, match="same cursor"):
        await stuck.get_next_page()
    assert len(httpx_mock.get_requests()) == 2, "no request is sent for the repeated cursor"


async def test_get_previous_page_refuses_a_page_whose_previous_cursor_fetched_it(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=runs("run_2", previous="c1"))
    httpx_mock.add_response(json=runs("run_1", previous="c1"))
    first = await client.runs.list(limit=1)
    back = await first.get_previous_page()
    with pytest.raises(trigger.PaginationError):
        await back.get_previous_page()
    assert len(httpx_mock.get_requests()) == 2


async def test_offset_pages_whose_current_page_does_not_advance_end_the_walk(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=schedules(current=1, total=3))
    httpx_mock.add_response(json=schedules(current=1, total=3))
    seen: list[str] = []
    with pytest.raises(trigger.PaginationError, match="currentPage=1") as caught:
        await collect(client.schedules.list(), seen)
    assert seen == ["sched_1", "sched_1"]
    pages = [r.url.params.get("page") for r in httpx_mock.get_requests()]
    assert pages == [None, "2"], "page 2 is not asked for a second time"
    assert caught.value.path == "/api/v1/schedules"
    assert caught.value.position == "2"


async def test_offset_pages_that_advance_walk_to_the_end(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    for current in (1, 2, 3):
        httpx_mock.add_response(json=schedules(current=current, total=3))
    ids = [schedule.id async for schedule in client.schedules.list()]
    assert ids == ["sched_1", "sched_2", "sched_3"]


async def test_the_error_is_a_trigger_error_that_survives_pickling(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=runs("run_1", next="c1"))
    httpx_mock.add_response(json=runs("run_2", next="c1"))
    with pytest.raises(trigger.TriggerError) as caught:
        await collect(client.runs.list(limit=1), [])
    error = caught.value
    assert isinstance(error, trigger.PaginationError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is trigger.PaginationError
    assert (str(copy), copy.path, copy.position) == (str(error), error.path, error.position)


async def test_a_page_repr_shows_its_size_its_first_items_and_whether_more_follow(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    ids = [f"run_{n}" for n in range(25)]
    httpx_mock.add_response(json=runs(*ids, next="c1"))
    httpx_mock.add_response(json=runs())
    page = await client.runs.list(limit=25)
    text = repr(page)
    name = type(page).__name__
    assert text.startswith(f"<{name} of 25 ListedRun, has_next_page=True: [ListedRun(id='run_0', ")
    assert "ListedRun(id='run_2', " in text
    assert "run_3'" not in text
    assert text.endswith(", ... 22 more]>")
    assert len(text) < 400
    last = await page.get_next_page()
    assert repr(last) == f"<{name} of 0 ListedRun, has_next_page=False>"
