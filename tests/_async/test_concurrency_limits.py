"""Named concurrency limits on the wire: paths, queries, bodies, offset pages, decoding."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.operations.concurrency_limits import KEY_VIEW, LIMIT, LIMIT_PAGE

pytestmark = pytest.mark.anyio

LIMITS = f"{BASE_URL}/api/v1/concurrency-limits"


def body_of(request: Any) -> Any:
    return msgspec.json.decode(request.content)


async def test_list_sends_per_page_then_page_and_decodes_limits(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    overridden = {
        **LIMIT,
        "id": "climit_5678",
        "name": "task/send-email",
        "perKey": {
            "current": 2,
            "base": 1,
            "override": 2,
            "overriddenAt": "2026-12-01T12:00:00.000Z",
        },
        "total": {"current": None, "base": None, "override": None, "overriddenAt": None},
        "paused": True,
    }
    httpx_mock.add_response(
        json={
            "data": [LIMIT, overridden],
            "pagination": {"currentPage": 2, "totalPages": 3, "count": 6},
        }
    )
    second = await client.concurrency_limits.list(page=2, per_page=2)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert str(request.url) == f"{LIMITS}?perPage=2&page=2"
    assert request.content == b""
    named, inline = second.data
    assert isinstance(named, trigger.types.ConcurrencyLimitItem)
    assert (named.id, named.name, named.running, named.queued, named.paused) == (
        "climit_1234",
        "openai",
        14,
        100,
        False,
    )
    assert named.total.current == 25 and named.total.base == 25
    assert named.total.override is None and named.total.overridden_at is None
    assert named.per_key.current is None, "no per-key bound"
    assert inline.name == "task/send-email" and inline.paused
    assert inline.per_key.override == 2
    assert inline.per_key.overridden_at == datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    assert second.has_next_page() and second.has_previous_page()


async def test_list_without_arguments_sends_no_query(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=LIMITS, json=LIMIT_PAGE)
    first = await client.concurrency_limits.list()
    assert [limit.name for limit in first.data] == ["openai"]
    assert not first.has_next_page()


async def test_a_limit_without_paused_decodes_as_not_paused(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    older = {key: value for key, value in LIMIT.items() if key != "paused"}
    httpx_mock.add_response(json=older)
    limit = await client.concurrency_limits.retrieve("openai")
    assert limit.paused is False


async def test_retrieve_encodes_the_name_once(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=LIMIT)
    await client.concurrency_limits.retrieve("db/pool é")
    request = httpx_mock.get_request()
    assert request is not None
    # encodeURIComponent once, as the official client does (no %252F as for queues).
    assert request.url.raw_path == b"/api/v1/concurrency-limits/db%2Fpool%20%C3%A9"


async def test_retrieve_with_a_key_reads_the_key_view(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=KEY_VIEW)
    view = await client.concurrency_limits.retrieve("subagents", concurrency_key="user 1")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == b"/api/v1/concurrency-limits/subagents?concurrencyKey=user+1"
    assert isinstance(view, trigger.types.ConcurrencyLimitKeyItem)
    assert view.concurrency_key == "session_1"
    assert (view.per_key.current, view.per_key.base, view.per_key.override) == (3, 1, 3)
    assert view.per_key.expires_at == datetime(2026, 12, 8, 12, tzinfo=timezone.utc)
    assert (view.running, view.paused) == (2, False)


async def test_override_sends_only_the_bounds_given(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{LIMITS}/openai/override", json=LIMIT, is_reusable=True
    )
    await client.concurrency_limits.override("openai", total=10, per_key=2)
    await client.concurrency_limits.override("openai", total=0)
    await client.concurrency_limits.override("openai", per_key=100_000)
    assert [body_of(r) for r in httpx_mock.get_requests()] == [
        {"perKey": 2, "total": 10},
        {"total": 0},
        {"perKey": 100_000},
    ]


async def test_override_of_one_key_sends_the_key_form(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{LIMITS}/subagents/override", json=KEY_VIEW, is_reusable=True
    )
    view = await client.concurrency_limits.override(
        "subagents", concurrency_key="user-1", per_key=2
    )
    assert view.per_key.override == 3
    await client.concurrency_limits.override("subagents", concurrency_key=42, per_key=0, ttl="7d")
    await client.concurrency_limits.override(
        "subagents", concurrency_key="k", per_key=1, ttl=timedelta(hours=1)
    )
    await client.concurrency_limits.override("subagents", concurrency_key="k", per_key=1, ttl=60)
    assert [body_of(r) for r in httpx_mock.get_requests()] == [
        {"concurrencyKey": "user-1", "perKey": 2},
        {"concurrencyKey": "42", "perKey": 0, "ttl": "7d"},
        {"concurrencyKey": "k", "perKey": 1, "ttl": "3600s"},
        {"concurrencyKey": "k", "perKey": 1, "ttl": 60},
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, ValueError, "per_key, total or both"),
        ({"total": -1}, ValueError, "total"),
        ({"total": 100_001}, ValueError, "total"),
        ({"per_key": 1.5}, TypeError, "per_key"),
        ({"per_key": True}, TypeError, "per_key"),
        ({"total": 5, "ttl": "7d"}, ValueError, "ttl only applies"),
        ({"concurrency_key": "k"}, ValueError, "per_key is required"),
        ({"concurrency_key": "k", "per_key": 1, "total": 2}, ValueError, "total is not per key"),
        ({"concurrency_key": "", "per_key": 1}, ValueError, "concurrency_key"),
        ({"concurrency_key": "k" * 129, "per_key": 1}, ValueError, "concurrency_key"),
        ({"concurrency_key": ["k"], "per_key": 1}, TypeError, "concurrency_key"),
        ({"concurrency_key": "k", "per_key": 1, "ttl": 0}, ValueError, "ttl"),
        ({"concurrency_key": "k", "per_key": 1, "ttl": "0s"}, ValueError, "ttl"),
        ({"concurrency_key": "k", "per_key": 1, "ttl": "a week"}, ValueError, "ttl"),
        ({"concurrency_key": "k", "per_key": 1, "ttl": timedelta(0)}, ValueError, "ttl"),
    ],
)
async def test_override_refuses_bad_input_before_sending(
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.concurrency_limits.override("openai", **kwargs)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("name", ["", "   ", None, 3])
async def test_names_are_checked_before_sending(
    name: Any, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((TypeError, ValueError), match="name"):
        await client.concurrency_limits.retrieve(name)
    with pytest.raises((TypeError, ValueError), match="name"):
        await client.concurrency_limits.pause(name)
    assert httpx_mock.get_requests() == []


async def test_reset_sends_an_empty_object_or_the_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{LIMITS}/openai/reset", json=LIMIT)
    httpx_mock.add_response(method="POST", url=f"{LIMITS}/openai/reset", json=KEY_VIEW)
    limit = await client.concurrency_limits.reset("openai")
    assert isinstance(limit, trigger.types.ConcurrencyLimitItem)
    view = await client.concurrency_limits.reset("openai", concurrency_key="session_1")
    assert isinstance(view, trigger.types.ConcurrencyLimitKeyItem)
    first, second = httpx_mock.get_requests()
    assert first.content == b"{}", "the body is always sent"
    assert body_of(second) == {"concurrencyKey": "session_1"}


async def test_pause_and_resume_share_a_path(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{LIMITS}/openai/pause", json={**LIMIT, "paused": True}
    )
    httpx_mock.add_response(method="POST", url=f"{LIMITS}/openai/pause", json=LIMIT)
    assert (await client.concurrency_limits.pause("openai")).paused
    assert not (await client.concurrency_limits.resume("openai")).paused
    assert [body_of(r) for r in httpx_mock.get_requests()] == [
        {"action": "pause"},
        {"action": "resume"},
    ]


async def test_an_unknown_limit_is_not_found(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "Concurrency limit not found"})
    with pytest.raises(trigger.NotFoundError):
        await client.concurrency_limits.retrieve("nope")


async def test_raw_response_gives_status_and_data(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=KEY_VIEW, headers={"x-ratelimit-remaining": "9"})
    response = await client.concurrency_limits.with_raw_response.retrieve(
        "subagents", concurrency_key="session_1"
    )
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "9"
    assert response.parse().concurrency_key == "session_1"
