"""Bulk actions on the wire: create bodies and their filter, list, retrieve, abort, poll."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.operations.bulk_actions import BULK_ACTION, PENDING_BULK_ACTION
from trigger import _retry

pytestmark = pytest.mark.anyio

CREATE_URL = f"{BASE_URL}/api/v1/bulk-actions"


def body(request: Any) -> Any:
    return msgspec.json.decode(request.content)


async def test_cancel_by_run_ids(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=202, json={"id": "bulk_1"})
    created = await client.runs.bulk.cancel(
        run_ids=["run_1234", "run_5678"], name="Cancel selected runs"
    )
    assert created.id == "bulk_1"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.query == b""
    assert body(request) == {
        "action": "cancel",
        "runIds": ["run_1234", "run_5678"],
        "name": "Cancel selected runs",
    }


async def test_replay_by_filter_sends_every_field_with_wire_names(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=202, json={"id": "bulk_2"})
    created = await client.runs.bulk.replay(
        filter={
            "status": ["FAILED", "CRASHED"],
            "task_identifier": "sync-customer",
            "version": ["20240523.1"],
            "tag": ["vip", "eu"],
            "machine": "small-1x",
            "region": ["eu-central-1"],
            "from_": datetime(2024, 1, 1, tzinfo=timezone.utc),
            "to": 1704153600000,
            "bulk_action": "bulk_0",
            "schedule": "sched_1234",
            "batch": "batch_1234",
            "is_test": False,
            "queue": [{"type": "task", "name": "sync-customer"}, "shared"],
        },
        name="Replay failed customer syncs",
        target_region="us-east-1",
    )
    assert created.id == "bulk_2"
    request = httpx_mock.get_request()
    assert request is not None
    assert body(request) == {
        "action": "replay",
        "filter": {
            "status": ["FAILED", "CRASHED"],
            "taskIdentifier": "sync-customer",
            "version": ["20240523.1"],
            "tag": ["vip", "eu"],
            "machine": "small-1x",
            "region": ["eu-central-1"],
            "from": "2024-01-01T00:00:00.000Z",
            "to": 1704153600000,
            "bulkAction": "bulk_0",
            "schedule": "sched_1234",
            "batch": "batch_1234",
            "isTest": False,
            "queue": [
                {"type": "task", "name": "sync-customer"},
                {"type": "custom", "name": "shared"},
            ],
        },
        "name": "Replay failed customer syncs",
        "targetRegion": "us-east-1",
    }


async def test_create_takes_the_action_and_a_period_filter(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=202, json={"id": "bulk_3"})
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=202, json={"id": "bulk_4"})
    await client.runs.bulk.create(
        action="cancel", filter={"status": "QUEUED", "period": "24h", "queue": "shared"}
    )
    await client.runs.bulk.create(action="replay", run_ids="run_1", target_region="eu")
    assert [body(r) for r in httpx_mock.get_requests()] == [
        {
            "action": "cancel",
            "filter": {
                "status": "QUEUED",
                "period": "24h",
                "queue": [{"type": "custom", "name": "shared"}],
            },
        },
        {"action": "replay", "runIds": ["run_1"], "targetRegion": "eu"},
    ]


async def test_five_hundred_run_ids_are_accepted(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=202, json={"id": "bulk_5"})
    ids = [f"run_{index}" for index in range(500)]
    await client.runs.bulk.cancel(run_ids=ids, name="x" * 255)
    request = httpx_mock.get_request()
    assert request is not None
    assert body(request)["runIds"] == ids


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "cancel"}, "exactly one of filter or run_ids"),
        (
            {"action": "cancel", "run_ids": ["run_1"], "filter": {"status": "FAILED"}},
            "exactly one of filter or run_ids",
        ),
        ({"action": "delete", "run_ids": ["run_1"]}, "action"),
        ({"action": "cancel", "run_ids": []}, "at least one run"),
        ({"action": "cancel", "run_ids": ["run_1", ""]}, "run_ids"),
        ({"action": "cancel", "run_ids": ["run_1"], "name": "x" * 256}, "255"),
        ({"action": "cancel", "run_ids": ["run_1"], "name": ""}, "name"),
        ({"action": "cancel", "run_ids": ["run_1"], "target_region": "eu"}, "only accepted when"),
        ({"action": "replay", "run_ids": ["run_1"], "target_region": ""}, "target_region"),
        ({"action": "cancel", "filter": {}}, "at least one field"),
        ({"action": "cancel", "filter": {"status": None}}, "at least one field"),
        ({"action": "cancel", "filter": "status=FAILED"}, "mapping"),
        ({"action": "cancel", "filter": {"status": []}}, "must not be empty"),
        ({"action": "cancel", "filter": {"status": "INTERRUPTED"}}, "legacy status.*'FAILED'"),
        ({"action": "cancel", "filter": {"status": ["FAILED", "FROZEN"]}}, "legacy status"),
        ({"action": "cancel", "filter": {"status": "failed"}}, "unknown status"),
        ({"action": "cancel", "filter": {"taskIdentifier": "x"}}, "unknown field.*taskIdentifier"),
        ({"action": "cancel", "filter": {"from": 5}}, "unknown field"),
        ({"action": "cancel", "filter": {"from_": datetime(2024, 1, 1)}}, "timezone-aware"),
        ({"action": "cancel", "filter": {"from_": -1}}, r"filter\['from_'\]"),
        ({"action": "cancel", "filter": {"to": float("nan")}}, r"filter\['to'\]"),
        ({"action": "cancel", "filter": {"is_test": "yes"}}, r"filter\['is_test'\]"),
        ({"action": "cancel", "filter": {"batch": ""}}, r"filter\['batch'\]"),
        ({"action": "cancel", "filter": {"tag": [1]}}, r"filter\['tag'\]"),
        ({"action": "cancel", "filter": {"queue": {"type": "x", "name": "q"}}}, "'type'"),
        ({"action": "cancel", "filter": {"queue": {"type": "task"}}}, r"\['name'\]"),
        ({"action": "cancel", "filter": {"queue": []}}, "must not be empty"),
        ({"action": "cancel", "filter": {"queue": 3}}, "queue"),
    ],
)
async def test_create_rejects_bad_input_before_sending(
    kwargs: dict[str, Any],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.runs.bulk.create(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_list_sends_only_page_parameters_and_decodes(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"data": [BULK_ACTION], "pagination": {"next": "bulk_0"}})
    first = await client.runs.bulk.list(limit=20, after="bulk_9")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.url.path == "/api/v1/bulk-actions"
    assert request.url.query.decode() == "page%5Bsize%5D=20&page%5Bafter%5D=bulk_9"
    assert request.content == b""
    action = first.data[0]
    assert action.id == "bulk_1234"
    assert action.name == "Replay failed customer syncs"
    assert action.type == "REPLAY" and action.status == "COMPLETED" and action.is_final
    assert (action.counts.total, action.counts.success, action.counts.failure) == (120, 118, 2)
    assert action.created_at == datetime(2024, 5, 23, 12, 0, tzinfo=timezone.utc)
    assert action.completed_at == datetime(2024, 5, 23, 12, 3, 30, tzinfo=timezone.utc)
    assert first.has_next_page()


async def test_iterating_the_list_walks_every_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/bulk-actions",
        json={"data": [{**BULK_ACTION, "id": "bulk_a"}], "pagination": {"next": "bulk_a"}},
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/bulk-actions?page%5Bafter%5D=bulk_a",
        json={"data": [{**PENDING_BULK_ACTION, "id": "bulk_b"}], "pagination": {}},
    )
    ids = [action.id async for action in client.runs.bulk.list()]
    assert ids == ["bulk_a", "bulk_b"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"limit": 0}, "limit"), ({"after": "a", "before": "b"}, "after or before")],
)
async def test_list_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.runs.bulk.list(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_retrieve_and_abort(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE_URL}/api/v1/bulk-actions/bulk_1234", json=PENDING_BULK_ACTION
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/bulk-actions/bulk_1234/abort",
        json={"id": "bulk_1234"},
    )
    action = await client.runs.bulk.retrieve("bulk_1234")
    assert action.status == "PENDING" and not action.is_final
    assert action.name is None and action.completed_at is None
    aborted = await client.runs.bulk.abort("bulk_1234")
    assert aborted.id == "bulk_1234"
    assert [r.content for r in httpx_mock.get_requests()] == [b"", b""]


async def test_ids_are_one_encoded_segment(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"id": "x"})
    await client.runs.bulk.abort("../bulk?x=1")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == b"/api/v1/bulk-actions/..%2Fbulk%3Fx%3D1/abort"


@pytest.mark.parametrize("bulk_action_id", ["", " ", None, 7])
async def test_empty_or_wrong_ids_are_refused(
    bulk_action_id: Any, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match="bulk_action_id"):
        await client.runs.bulk.retrieve(bulk_action_id)
    with pytest.raises((ValueError, TypeError), match="bulk_action_id"):
        await client.runs.bulk.abort(bulk_action_id)
    with pytest.raises((ValueError, TypeError), match="bulk_action_id"):
        await client.runs.bulk.poll(bulk_action_id)
    assert httpx_mock.get_requests() == []


async def test_poll_waits_until_no_longer_pending(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(json=PENDING_BULK_ACTION)
    httpx_mock.add_response(json=PENDING_BULK_ACTION)
    httpx_mock.add_response(json={**PENDING_BULK_ACTION, "status": "ABORTED"})
    action = await client.runs.bulk.poll("bulk_1234", interval=0.5)
    assert action.status == "ABORTED"
    assert sleeps == [0.5, 0.5]
    assert len(httpx_mock.get_requests()) == 3


async def test_poll_returns_at_once_when_done(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(json=BULK_ACTION)
    action = await client.runs.bulk.poll("bulk_1234")
    assert action.status == "COMPLETED"
    assert sleeps == []


async def test_poll_times_out(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [500.0]

    async def advancing_sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(_retry, "async_sleep", advancing_sleep)
    monkeypatch.setattr("trigger._async.resources.bulk_actions.time.monotonic", lambda: clock[0])
    httpx_mock.add_response(json=PENDING_BULK_ACTION, is_reusable=True)
    with pytest.raises(trigger.PollTimeoutError, match="bulk_1234") as caught:
        await client.runs.bulk.poll("bulk_1234", interval=2, timeout=5)
    assert caught.value.last_status == "PENDING"
    assert caught.value.run_id == "bulk_1234"
    # Retrievals at t = 0, 2, 4 and 5 (the last sleep is cut to the time left).
    assert len(httpx_mock.get_requests()) == 4


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"interval": 0}, "interval"), ({"timeout": -1}, "timeout")]
)
async def test_poll_rejects_bad_timing_before_sending(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match=message):
        await client.runs.bulk.poll("bulk_1234", **kwargs)
    assert httpx_mock.get_requests() == []


async def test_raw_responses(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST", url=CREATE_URL, status_code=202, json={"id": "bulk_1234"}
    )
    httpx_mock.add_response(json=BULK_ACTION, headers={"x-ratelimit-remaining": "7"})
    created = await client.runs.bulk.with_raw_response.replay(run_ids=["run_1"])
    assert created.status_code == 202
    assert created.parse().id == "bulk_1234"
    retrieved = await client.runs.bulk.with_raw_response.retrieve("bulk_1234")
    assert retrieved.headers["x-ratelimit-remaining"] == "7"
    assert retrieved.parse().counts.success == 118


async def test_too_many_concurrent_replays_is_not_retried(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        status_code=429,
        headers={"x-should-retry": "false"},
        json={"error": "Too many concurrent bulk replays"},
    )
    with pytest.raises(trigger.RateLimitError, match="concurrent"):
        await retrying_client.runs.bulk.replay(filter={"status": "FAILED"})
    assert sleeps == []
    assert len(httpx_mock.get_requests()) == 1
