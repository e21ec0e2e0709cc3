"""The schedules API on the wire: bodies, body-less calls, offset pages, timezones, decoding."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import httpx
import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.operations.schedules import SCHEDULE, TIMEZONES
from trigger.types.runs import IdResponse

pytestmark = pytest.mark.anyio

DECLARATIVE: dict[str, Any] = {
    "id": "sched_decl",
    "type": "DECLARATIVE",
    "task": "nightly-report",
    "active": True,
    "deduplicationKey": None,
    "externalId": None,
    "generator": {"type": "CRON", "expression": "0 3 * * *", "description": "At 03:00 AM"},
    "timezone": "UTC",
    "nextRun": None,
    "nextRunEffectiveAt": None,
    "environments": [{"id": "env_dev", "type": "DEVELOPMENT", "userName": None}],
}


def page(items: list[dict[str, Any]], current: int, total: int) -> dict[str, Any]:
    return {
        "data": items,
        "pagination": {"currentPage": current, "totalPages": total, "count": total * len(items)},
    }


def body_of(request: Any) -> Any:
    return msgspec.json.decode(request.content)


async def test_create_sends_the_required_fields_only(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{BASE_URL}/api/v1/schedules", json=SCHEDULE)
    schedule = await client.schedules.create(
        task="my-scheduled-task", cron="0 0 * * *", deduplication_key="dedup_key_1234"
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.query == b""
    assert body_of(request) == {
        "task": "my-scheduled-task",
        "cron": "0 0 * * *",
        "deduplicationKey": "dedup_key_1234",
    }
    assert schedule.id == "sched_1234" and schedule.type == "IMPERATIVE"
    assert schedule.task == "my-scheduled-task" and schedule.active
    assert schedule.deduplication_key == "dedup_key_1234"
    assert schedule.external_id == "user_1234"
    assert schedule.generator.type == "CRON"
    assert schedule.generator.expression == "0 0 * * *"
    assert schedule.generator.description == "Every day at midnight"
    assert schedule.timezone == "America/New_York"
    assert schedule.next_run == datetime(2024, 4, 1, tzinfo=timezone.utc)
    assert schedule.next_run_effective_at is None and schedule.window is None
    assert [(e.id, e.type, e.user_name) for e in schedule.environments] == [
        ("cl1234env", "PRODUCTION", None)
    ]


async def test_create_sends_every_option(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        json={**SCHEDULE, "window": "30m", "nextRunEffectiveAt": "2024-04-01T00:12:34.000Z"}
    )
    schedule = await client.schedules.create(
        task="my-scheduled-task",
        cron="0 9 * * 1-5",
        deduplication_key="user_1234-daily",
        external_id="user_1234",
        timezone="America/New_York",
        window="30m",
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert body_of(request) == {
        "task": "my-scheduled-task",
        "cron": "0 9 * * 1-5",
        "deduplicationKey": "user_1234-daily",
        "externalId": "user_1234",
        "timezone": "America/New_York",
        "window": "30m",
    }
    assert schedule.window == "30m"
    assert schedule.next_run_effective_at == datetime(2024, 4, 1, 0, 12, 34, tzinfo=timezone.utc)


async def test_a_declarative_schedule_with_null_fields_decodes(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE_URL}/api/v1/schedules/sched_decl", json=DECLARATIVE
    )
    schedule = await client.schedules.retrieve("sched_decl")
    request = httpx_mock.get_request()
    assert request is not None and request.content == b""
    assert schedule.type == "DECLARATIVE"
    assert schedule.deduplication_key is None and schedule.external_id is None
    assert schedule.next_run is None and schedule.next_run_effective_at is None
    assert schedule.environments[0].type == "DEVELOPMENT"
    assert schedule.environments[0].user_name is None


async def test_update_puts_task_cron_and_options(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="PUT",
        url=f"{BASE_URL}/api/v1/schedules/sched_1234",
        json={**SCHEDULE, "task": "my-updated-task", "window": "10%"},
    )
    httpx_mock.add_response(
        method="PUT", url=f"{BASE_URL}/api/v1/schedules/sched_1234", json=SCHEDULE
    )
    updated = await client.schedules.update(
        "sched_1234", task="my-updated-task", cron="*/15 * * * *", timezone="UTC", window="10%"
    )
    await client.schedules.update("sched_1234", task="t", cron="0 0 1 1 *", external_id="org_9")
    assert updated.task == "my-updated-task" and updated.window == "10%"
    assert [body_of(r) for r in httpx_mock.get_requests()] == [
        {"task": "my-updated-task", "cron": "*/15 * * * *", "timezone": "UTC", "window": "10%"},
        {"task": "t", "cron": "0 0 1 1 *", "externalId": "org_9"},
    ]


async def test_delete_activate_and_deactivate_send_no_body(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="DELETE", url=f"{BASE_URL}/api/v1/schedules/sched_1234", json={"id": "sched_1234"}
    )
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/schedules/sched_1234/activate", json=SCHEDULE
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/schedules/sched_1234/deactivate",
        json={**SCHEDULE, "active": False, "nextRun": None},
    )
    deleted = await client.schedules.delete("sched_1234")
    assert isinstance(deleted, IdResponse) and deleted.id == "sched_1234"
    assert (await client.schedules.activate("sched_1234")).active
    deactivated = await client.schedules.deactivate("sched_1234")
    assert not deactivated.active and deactivated.next_run is None
    requests = httpx_mock.get_requests()
    assert [(r.method, r.url.path) for r in requests] == [
        ("DELETE", "/api/v1/schedules/sched_1234"),
        ("POST", "/api/v1/schedules/sched_1234/activate"),
        ("POST", "/api/v1/schedules/sched_1234/deactivate"),
    ]
    assert [r.content for r in requests] == [b"", b"", b""]
    assert [r.url.query for r in requests] == [b"", b"", b""]


@pytest.mark.parametrize(
    ("schedule_id", "segment"),
    [("sched/../x", "sched%2F..%2Fx"), ("a?b=1", "a%3Fb%3D1"), ("..", "%2E%2E")],
)
async def test_schedule_ids_are_one_encoded_segment(
    schedule_id: str, segment: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=SCHEDULE)
    await client.schedules.activate(schedule_id)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path.decode() == f"/api/v1/schedules/{segment}/activate"


async def test_list_sends_per_page_then_page_and_walks_back(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/schedules?perPage=1&page=2",
        json=page([{**SCHEDULE, "id": "sched_2"}], 2, 2),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/schedules?perPage=1&page=1",
        json=page([DECLARATIVE], 1, 2),
    )
    second = await client.schedules.list(page=2, per_page=1)
    assert [s.id for s in second.data] == ["sched_2"]
    assert second.pagination.total_pages == 2 and second.pagination.count == 2
    assert not second.has_next_page() and second.has_previous_page()
    with pytest.raises(LookupError):
        await second.get_next_page()
    first = await second.get_previous_page()
    assert [s.id for s in first.data] == ["sched_decl"]
    assert first.has_next_page() and not first.has_previous_page()
    assert [r.url.query.decode() for r in httpx_mock.get_requests()] == [
        "perPage=1&page=2",
        "perPage=1&page=1",
    ]


async def test_iterating_walks_every_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    for number in (1, 2, 3):
        httpx_mock.add_response(json=page([{**SCHEDULE, "id": f"sched_{number}"}], number, 3))
    ids = [schedule.id async for schedule in client.schedules.list()]
    assert ids == ["sched_1", "sched_2", "sched_3"]
    assert [r.url.query.decode() for r in httpx_mock.get_requests()] == ["", "page=2", "page=3"]


async def test_timezones_are_fetched_without_authorization(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="GET", url=f"{BASE_URL}/api/v1/timezones", json=TIMEZONES)
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE_URL}/api/v1/timezones?excludeUtc=true",
        json={"timezones": TIMEZONES["timezones"][1:]},
    )
    everything = await client.schedules.timezones()
    without_utc = await client.schedules.timezones(exclude_utc=True)
    assert everything.timezones == ["UTC", "Africa/Abidjan", "America/New_York"]
    assert without_utc.timezones == ["Africa/Abidjan", "America/New_York"]
    requests = httpx_mock.get_requests()
    assert [str(r.url) for r in requests] == [
        f"{BASE_URL}/api/v1/timezones",
        f"{BASE_URL}/api/v1/timezones?excludeUtc=true",
    ]
    assert all("authorization" not in r.headers for r in requests)
    assert all("x-trigger-api-version" not in r.headers for r in requests)
    assert all("trigger-version" not in r.headers for r in requests)
    assert [r.content for r in requests] == [b"", b""]


async def test_timezones_need_no_api_key(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=TIMEZONES)
    async with trigger.AsyncClient(base_url=BASE_URL) as keyless:
        result = await keyless.schedules.timezones()
        with pytest.raises(trigger.MissingCredentialsError):
            await keyless.schedules.retrieve("sched_1234")
    assert result.timezones[0] == "UTC"
    assert len(httpx_mock.get_requests()) == 1


async def test_timezones_carry_the_callers_default_headers_whatever_their_case(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json=TIMEZONES)
    headers = {"X-Custom": "1", "cf-access-client-id": "abc"}
    async with trigger.AsyncClient(base_url=BASE_URL, default_headers=headers) as keyless:
        await keyless.schedules.timezones()
    request = httpx_mock.get_request()
    assert request is not None
    assert (request.headers["x-custom"], request.headers["cf-access-client-id"]) == ("1", "abc")
    assert request.headers["accept-encoding"] == "gzip, deflate"


async def test_timezones_follow_the_clients_retry_policy(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("connection refused"))
    httpx_mock.add_response(status_code=503, json={"error": "unavailable"})
    httpx_mock.add_response(json=TIMEZONES)
    result = await retrying_client.schedules.timezones()
    assert result.timezones[0] == "UTC"
    assert len(httpx_mock.get_requests()) == 3
    assert len(sleeps) == 2


async def test_timezones_are_not_retried_when_retries_are_off(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=503, json={"error": "unavailable"})
    with pytest.raises(trigger.InternalServerError):
        await client.schedules.timezones()
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize("window", ["0m", "30m", "1440m", "1h", "24h", "1%", "100%"])
async def test_valid_windows_are_sent(
    window: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=SCHEDULE)
    await client.schedules.update("sched_1", task="t", cron="0 0 * * *", window=window)
    request = httpx_mock.get_request()
    assert request is not None
    assert body_of(request)["window"] == window


GOOD: dict[str, Any] = {"task": "t", "cron": "0 0 * * *", "deduplication_key": "k"}


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"cron": ""}, ValueError, "cron must be a non-empty string"),
        ({"cron": "   "}, ValueError, "cron"),
        ({"cron": None}, TypeError, "cron"),
        ({"cron": "0 0 * *"}, ValueError, "cron must have 5 fields"),
        ({"cron": "0 0 0 * * *"}, ValueError, "cron must have 5 fields"),
        ({"cron": "@daily"}, ValueError, "cron must have 5 fields"),
        ({"task": ""}, ValueError, "task"),
        ({"task": 7}, TypeError, "task"),
        ({"deduplication_key": ""}, ValueError, "deduplication_key"),
        ({"deduplication_key": None}, TypeError, "deduplication_key"),
        ({"external_id": ""}, ValueError, "external_id"),
        ({"timezone": ""}, ValueError, "timezone must be a non-empty string"),
        ({"timezone": 3}, TypeError, "timezone"),
        ({"window": ""}, ValueError, "window"),
        ({"window": "30"}, ValueError, "window must be minutes, hours or a percentage"),
        ({"window": "30s"}, ValueError, "window must be minutes"),
        ({"window": "1.5h"}, ValueError, "window must be minutes"),
        ({"window": "-5m"}, ValueError, "window must be minutes"),
        ({"window": "25h"}, ValueError, "window must be at most 24 hours"),
        ({"window": "1441m"}, ValueError, "window must be at most 24 hours"),
        ({"window": "101%"}, ValueError, "window must be at most 100%"),
        ({"window": 30}, TypeError, "window"),
    ],
)
async def test_bad_create_arguments_are_refused_before_sending(
    changes: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.schedules.create(**{**GOOD, **changes})
    if "deduplication_key" not in changes:
        update = {k: v for k, v in {**GOOD, **changes}.items() if k != "deduplication_key"}
        with pytest.raises(error, match=message):
            await client.schedules.update("sched_1", **update)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("method", ["retrieve", "delete", "activate", "deactivate"])
@pytest.mark.parametrize("schedule_id", ["", "  ", None, 42])
async def test_bad_schedule_ids_are_refused_before_sending(
    method: str, schedule_id: Any, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match="schedule_id"):
        await getattr(client.schedules, method)(schedule_id)
    with pytest.raises((ValueError, TypeError), match="schedule_id"):
        await client.schedules.update(schedule_id, task="t", cron="0 0 * * *")
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.schedules.list(page=0), "page"),
        (lambda c: c.schedules.list(per_page=-1), "per_page"),
        (lambda c: c.schedules.list(page=1.0), "page"),
        (lambda c: c.schedules.timezones(exclude_utc="yes"), "exclude_utc"),
        (lambda c: c.schedules.timezones(exclude_utc=1), "exclude_utc"),
    ],
)
async def test_bad_list_and_timezone_arguments_are_refused_before_sending(
    call: Any, message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await call(client)
    assert httpx_mock.get_requests() == []


async def test_raw_responses(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"id": "sched_1234"}, headers={"x-ratelimit-remaining": "7"})
    httpx_mock.add_response(json=TIMEZONES)
    deleted = await client.schedules.with_raw_response.delete("sched_1234")
    assert deleted.status_code == 200 and deleted.headers["x-ratelimit-remaining"] == "7"
    assert deleted.parse().id == "sched_1234"
    zones = await client.schedules.with_raw_response.timezones()
    assert zones.json() == TIMEZONES
    assert zones.parse().timezones == TIMEZONES["timezones"]
