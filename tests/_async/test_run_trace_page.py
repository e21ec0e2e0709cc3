"""`runs.trace_page`: the 4.8.3 client's paged trace, on the wire and against the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from trigger.emulator import Emulator, RetryPolicy

pytestmark = pytest.mark.anyio

PAGE = {
    "data": [
        {
            "id": "span_root",
            "runId": "run_1",
            "message": "send-invoice",
            "startTime": "2026-03-01T09:00:00.000Z",
            "duration": 1_500_000_000,
            "isError": False,
            "isPartial": False,
            "isCancelled": False,
            "level": "TRACE",
        },
        {
            "id": "span_attempt_1",
            "parentId": "span_root",
            "runId": "run_1",
            "message": "Attempt 1",
            "startTime": "2026-03-01T09:00:00.100Z",
            "duration": 400_000_000,
            "isError": True,
            "isPartial": False,
            "isCancelled": False,
            "level": "TRACE",
            "attemptNumber": 1,
        },
    ],
    "attemptFailures": [{"spanId": "span_attempt_1", "attemptNumber": 1, "runId": "run_1"}],
    "pagination": {"next": "cursor_2"},
}


async def test_the_page_is_asked_for_as_the_official_client_asks(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run%2F1/trace?page%5Bsize%5D=10000", json=PAGE
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1/trace?page%5Bsize%5D=2&page%5Bafter%5D=cursor_2",
        json={"data": [], "attemptFailures": [], "pagination": {}},
        is_reusable=True,
    )
    page = await client.runs.trace_page("run/1")
    root, attempt = page.data
    assert (root.id, root.parent_id, root.duration) == ("span_root", None, 1_500_000_000)
    assert root.start_time == datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert (attempt.parent_id, attempt.attempt_number, attempt.is_error) == ("span_root", 1, True)
    assert page.attempt_failures[0].span_id == "span_attempt_1"
    assert page.pagination.next == "cursor_2"
    last = await client.runs.trace_page("run_1", limit=2, after=page.pagination.next)
    assert last.data == [] and last.pagination.next is None
    raw = await client.runs.with_raw_response.trace_page("run_1", limit=2, after="cursor_2")
    assert raw.status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"limit": 0}, ValueError, "limit must be >= 1"),
        ({"limit": 10_001}, ValueError, "limit must be <= 10000"),
        ({"limit": 2.5}, TypeError, "limit must be an int"),
        ({"limit": True}, TypeError, "limit must be an int"),
        ({"after": 3}, TypeError, "after"),
    ],
)
async def test_bad_arguments_send_nothing(
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        await client.runs.trace_page("run_1", **kwargs)
    assert httpx_mock.get_requests() == []


async def test_the_emulator_pages_the_attempts_of_a_retried_run() -> None:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    emulator = Emulator(clock="virtual", start_time=start)
    emulator.start()
    try:
        attempts: list[int] = []

        def send_invoice(payload: Any, ctx: Any) -> str:
            attempts.append(ctx.attempt)
            if ctx.attempt < 3:
                raise ConnectionError("the mail server refused the connection")
            return "sent"

        policy = RetryPolicy(max_attempts=3, min_delay_ms=60_000, max_delay_ms=60_000)
        emulator.register("send-invoice", send_invoice, retry=policy)
        async with trigger.AsyncClient(emulator.secret_key, base_url=emulator.url) as client:
            handle = await client.tasks.trigger("send-invoice", {"invoice": 42})
            emulator.advance(timedelta(minutes=5))
            spans = []
            page = await client.runs.trace_page(handle.id, limit=2)
            failures = list(page.attempt_failures)
            spans.extend(page.data)
            while page.pagination.next is not None:
                page = await client.runs.trace_page(handle.id, limit=2, after=page.pagination.next)
                spans.extend(page.data)
                failures.extend(page.attempt_failures)
        assert attempts == [1, 2, 3]
        attempt_spans = [span for span in spans if span.message.startswith("Attempt")]
        assert [span.attempt_number for span in attempt_spans] == [1, 2, 3]
        assert [span.is_error for span in attempt_spans] == [True, True, False]
        assert sorted(f.attempt_number for f in failures) == [1, 2]
        assert [span.start_time for span in attempt_spans] == [
            start,
            start + timedelta(minutes=1),
            start + timedelta(minutes=2),
        ]
        ids = {span.id for span in spans}
        assert all(span.parent_id in ids for span in spans if span.parent_id is not None)
    finally:
        emulator.stop()
