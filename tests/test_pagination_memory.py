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

PER_PAGE = 100
ONE_PAGE = 100_000


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
        retained: list[int] = []
        tracemalloc.start()
        for count, _run in enumerate(client.runs.list(limit=PER_PAGE), start=1):
            if count % 1000 == 0:
                gc.collect()
                retained.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
    http.close()
    assert count == 60 * PER_PAGE
    # From page 10 to page 60 what stays allocated grows by less than one page (a decoded
    # page is about 150 KB; small bounded caches such as urllib's URL cache may still grow).
    assert retained[-1] - retained[0] < ONE_PAGE


@pytest.mark.anyio
async def test_async_walk_holds_one_page_at_a_time() -> None:
    http = httpx.AsyncClient(transport=serve_pages(60))
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, http_client=http) as client:
        retained: list[int] = []
        count = 0
        tracemalloc.start()
        async for _run in client.runs.list(limit=PER_PAGE):
            count += 1
            if count % 1000 == 0:
                gc.collect()
                retained.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
    await http.aclose()
    assert count == 60 * PER_PAGE
    assert retained[-1] - retained[0] < ONE_PAGE


def test_peak_memory_of_a_long_walk_is_that_of_a_short_one() -> None:
    def peak(pages: int) -> int:
        http = httpx.Client(transport=serve_pages(pages))
        with trigger.Client(SECRET_KEY, base_url=BASE_URL, http_client=http) as client:
            gc.collect()
            tracemalloc.start()
            assert sum(1 for _ in client.runs.list(limit=PER_PAGE)) == pages * PER_PAGE
            _, high = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        http.close()
        return high

    peak(2)  # warm up: first-use imports and caches are not part of a walk
    assert peak(60) < peak(2) * 1.5
