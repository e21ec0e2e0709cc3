"""Walking many pages keeps one page in memory at a time."""

from __future__ import annotations

import gc
import tracemalloc

import httpx
import msgspec
import pytest

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.fixtures import LISTED_RUN
from trigger.types import ListedRun

PER_PAGE = 100


def serve_pages(total: int) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("page[after]")
        index = int(after) if after else 0
        rows = [
            {**LISTED_RUN, "id": f"run_{index}_{i}", "metadata": {"blob": "x" * 300}}
            for i in range(PER_PAGE)
        ]
        pagination = {"next": str(index + 1)} if index + 1 < total else {}
        body = msgspec.json.encode({"data": rows, "pagination": pagination})
        return httpx.Response(200, content=body)

    return httpx.MockTransport(handler)


def test_walking_pages_holds_one_page_at_a_time() -> None:
    http = httpx.Client(transport=serve_pages(60))
    with trigger.Client(SECRET_KEY, base_url=BASE_URL, http_client=http) as client:
        live_runs: list[int] = []
        retained: list[int] = []
        tracemalloc.start()
        for count, _run in enumerate(client.runs.list(limit=PER_PAGE), start=1):
            if count % 1000 == 0:
                # httpx responses sit in reference cycles; collect them to see what we hold.
                gc.collect()
                live_runs.append(sum(isinstance(o, ListedRun) for o in gc.get_objects()))
                retained.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
    http.close()
    assert count == 60 * PER_PAGE
    assert max(live_runs) <= PER_PAGE
    # What stays allocated after page 10 is what stays after page 60.
    assert retained[-1] < retained[0] * 1.5


@pytest.mark.anyio
async def test_async_walk_holds_one_page_at_a_time() -> None:
    http = httpx.AsyncClient(transport=serve_pages(30))
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, http_client=http) as client:
        live_runs: list[int] = []
        count = 0
        async for _run in client.runs.list(limit=PER_PAGE):
            count += 1
            if count % 1000 == 0:
                gc.collect()
                live_runs.append(sum(isinstance(o, ListedRun) for o in gc.get_objects()))
    await http.aclose()
    assert count == 30 * PER_PAGE
    assert max(live_runs) <= PER_PAGE
