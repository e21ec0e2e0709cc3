"""An async list call not yet awaited says what it is and how to use it."""

from __future__ import annotations

import pytest

import trigger
from tests.conftest import BASE_URL, SECRET_KEY


@pytest.mark.anyio
async def test_an_unsent_async_list_call_says_how_to_get_its_items() -> None:
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL) as client:
        listed = client.runs.list(limit=5)
        assert repr(listed) == (
            "<AsyncPaginator of ListedRun from /api/v1/runs, not fetched yet: "
            "await it for the first page, or async for over it>"
        )
