"""Error groups on the wire: list filters, retrieve, and the resolve/ignore/unresolve bodies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.operations.errors import ERROR_GROUP, LISTED_ERROR

pytestmark = pytest.mark.anyio

ERROR_URL = f"{BASE_URL}/api/v1/errors/error_8f3b2a1c9d4e5f60"


def page(items: list[dict[str, Any]], **pagination: str) -> dict[str, Any]:
    return {"data": items, "pagination": pagination}


async def test_list_sends_every_filter_at_the_top_level(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=page([LISTED_ERROR]))
    first = await client.errors.list(
        task_identifier=["sync-customer", "send-email"],
        version="20240523.1",
        status=["Unresolved", "ignored"],
        search="Cannot read properties",
        from_=datetime(2024, 5, 1, tzinfo=timezone.utc),
        to=1716465600000,
        limit=50,
        before="error_1",
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.url.path == "/api/v1/errors"
    assert request.url.query.decode() == (
        "filter%5BtaskIdentifier%5D=sync-customer%2Csend-email"
        "&filter%5Bversion%5D=20240523.1&filter%5Bstatus%5D=unresolved%2Cignored"
        "&filter%5Bsearch%5D=Cannot+read+properties"
        "&filter%5Bfrom%5D=2024-05-01T00%3A00%3A00.000Z&filter%5Bto%5D=1716465600000"
        "&page%5Bsize%5D=50&page%5Bbefore%5D=error_1"
    )
    assert request.content == b""
    group = first.data[0]
    assert group.id == "error_8f3b2a1c9d4e5f60"
    assert group.fingerprint == "3f9a1c2b7d4e5f60"
    assert group.task_identifier == "sync-customer"
    assert group.error_type == "TypeError"
    assert group.error_message.startswith("Cannot read properties")
    assert group.status == "unresolved" and group.count == 42
    assert group.first_seen == datetime(2024, 5, 20, 8, 15, tzinfo=timezone.utc)
    assert group.last_seen == datetime(2024, 5, 23, 11, 59, tzinfo=timezone.utc)
    assert group.resolved_at is None and group.ignored_until is None


async def test_list_with_a_period_and_without_filters(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/errors?filter%5Bperiod%5D=7d", json=page([]))
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/errors", json=page([]))
    assert (await client.errors.list(period="7d")).data == []
    assert not (await client.errors.list()).has_next_page()


async def test_iterating_the_list_walks_every_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/errors?filter%5Bstatus%5D=resolved&page%5Bsize%5D=1",
        json=page([{**LISTED_ERROR, "id": "error_a"}], next="error_a"),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/errors?filter%5Bstatus%5D=resolved&page%5Bsize%5D=1"
        "&page%5Bafter%5D=error_a",
        json=page([{**LISTED_ERROR, "id": "error_b"}]),
    )
    ids = [group.id async for group in client.errors.list(status="resolved", limit=1)]
    assert ids == ["error_a", "error_b"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "open"}, "unknown value 'open'"),
        ({"status": []}, "at least one status"),
        ({"status": 3}, "status"),
        ({"search": "x" * 1001}, "at most 1000"),
        ({"search": ""}, "search"),
        ({"period": ""}, "period"),
        ({"from_": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"to": -5}, "to"),
        ({"task_identifier": [1]}, "task_identifier"),
        ({"version": ""}, "version"),
        ({"limit": 0}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"after": "a", "before": "b"}, "after or before"),
    ],
)
async def test_list_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.errors.list(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_retrieve_decodes_an_error_group(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET",
        url=ERROR_URL,
        json={
            **ERROR_GROUP,
            "status": "ignored",
            "ignoredAt": "2024-05-23T12:00:00.000Z",
            "ignoredUntil": "2024-05-24T12:00:00.000Z",
            "ignoredReason": "Known flaky dependency",
            "ignoredByUserId": "user_1",
            "ignoredUntilOccurrenceRate": 2.5,
            "ignoredUntilTotalOccurrences": 100,
            "someFutureField": True,
        },
    )
    group = await client.errors.retrieve("error_8f3b2a1c9d4e5f60")
    assert group.count == 1337
    assert group.affected_versions == ["20240523.1", "20240522.3"]
    assert group.status == "ignored"
    assert group.ignored_at == datetime(2024, 5, 23, 12, tzinfo=timezone.utc)
    assert group.ignored_until == datetime(2024, 5, 24, 12, tzinfo=timezone.utc)
    assert group.ignored_reason == "Known flaky dependency"
    assert group.ignored_by_user_id == "user_1"
    assert group.ignored_until_occurrence_rate == 2.5
    assert group.ignored_until_total_occurrences == 100
    assert group.resolved_in_version is None and group.resolved_by is None


async def test_resolve_always_sends_a_json_object(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    resolved = {
        **ERROR_GROUP,
        "status": "resolved",
        "resolvedAt": "2024-05-23T12:00:00.000Z",
        "resolvedInVersion": "20240101.1",
        "resolvedBy": "user_1",
    }
    httpx_mock.add_response(method="POST", url=f"{ERROR_URL}/resolve", json=resolved)
    httpx_mock.add_response(method="POST", url=f"{ERROR_URL}/resolve", json=resolved)
    group = await client.errors.resolve("error_8f3b2a1c9d4e5f60")
    assert group.status == "resolved" and group.resolved_in_version == "20240101.1"
    await client.errors.resolve("error_8f3b2a1c9d4e5f60", resolved_in_version="20240101.1")
    requests = httpx_mock.get_requests()
    assert requests[0].content == b"{}"
    assert [msgspec.json.decode(r.content) for r in requests] == [
        {},
        {"resolvedInVersion": "20240101.1"},
    ]
    assert all(r.headers["content-type"] == "application/json" for r in requests)


async def test_ignore_bodies(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    for _ in range(3):
        httpx_mock.add_response(
            method="POST", url=f"{ERROR_URL}/ignore", json={**ERROR_GROUP, "status": "ignored"}
        )
    group = await client.errors.ignore("error_8f3b2a1c9d4e5f60")
    assert group.status == "ignored"
    await client.errors.ignore(
        "error_8f3b2a1c9d4e5f60", duration=86_400_000, reason="Known flaky dependency"
    )
    await client.errors.ignore(
        "error_8f3b2a1c9d4e5f60",
        duration=timedelta(hours=1, microseconds=1500),
        occurrence_rate=0.5,
        total_occurrences=10,
    )
    assert [msgspec.json.decode(r.content) for r in httpx_mock.get_requests()] == [
        {},
        {"duration": 86400000, "reason": "Known flaky dependency"},
        {"duration": 3600001, "occurrenceRate": 0.5, "totalOccurrences": 10},
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration": 0}, "duration"),
        ({"duration": -1}, "duration"),
        ({"duration": 1.5}, "duration"),
        ({"duration": True}, "duration"),
        ({"duration": timedelta(0)}, "at least 1 millisecond"),
        ({"duration": timedelta(microseconds=999)}, "at least 1 millisecond"),
        ({"duration": timedelta(hours=-1)}, "at least 1 millisecond"),
        ({"occurrence_rate": 0}, "occurrence_rate"),
        ({"occurrence_rate": float("inf")}, "occurrence_rate"),
        ({"occurrence_rate": float("nan")}, "occurrence_rate"),
        ({"occurrence_rate": "1"}, "occurrence_rate"),
        ({"total_occurrences": 0}, "total_occurrences"),
        ({"total_occurrences": 2.0}, "total_occurrences"),
        ({"reason": "x" * 1001}, "at most 1000"),
        ({"reason": ""}, "reason"),
    ],
)
async def test_ignore_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.errors.ignore("error_1", **kwargs)
    assert httpx_mock.get_requests() == []


async def test_resolve_rejects_an_empty_version(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match="resolved_in_version"):
        await client.errors.resolve("error_1", resolved_in_version=" ")
    assert httpx_mock.get_requests() == []


async def test_unresolve_sends_no_body(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=f"{ERROR_URL}/unresolve", json=ERROR_GROUP)
    group = await client.errors.unresolve("error_8f3b2a1c9d4e5f60")
    assert group.status == "unresolved"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.content == b""


@pytest.mark.parametrize("error_id", ["", "  ", None, 12])
async def test_empty_or_wrong_ids_are_refused(
    error_id: Any, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    for call in (
        client.errors.retrieve,
        client.errors.resolve,
        client.errors.ignore,
        client.errors.unresolve,
    ):
        with pytest.raises((ValueError, TypeError), match="error_id"):
            await call(error_id)
    assert httpx_mock.get_requests() == []


async def test_ids_are_one_encoded_segment(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=ERROR_GROUP)
    await client.errors.resolve("a/../b#c")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == b"/api/v1/errors/a%2F..%2Fb%23c/resolve"


async def test_raw_responses(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=ERROR_GROUP, headers={"x-ratelimit-remaining": "3"})
    httpx_mock.add_response(json=page([LISTED_ERROR], next="error_x"))
    response = await client.errors.with_raw_response.ignore("error_1", duration=1000)
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "3"
    assert response.parse().affected_versions == ["20240523.1", "20240522.3"]
    listed = await client.errors.with_raw_response.list(limit=1)
    assert listed.parse().has_next_page()
