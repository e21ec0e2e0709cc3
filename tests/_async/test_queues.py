"""The queues API on the wire: paths and lookup types, bodies, offset pages, decoding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.operations.queues import QUEUE

pytestmark = pytest.mark.anyio


def page(items: list[dict[str, Any]], current: int, total: int) -> dict[str, Any]:
    return {
        "data": items,
        "pagination": {"currentPage": current, "totalPages": total, "count": total * len(items)},
    }


def body_of(request: Any) -> Any:
    return msgspec.json.decode(request.content)


async def test_list_without_arguments_sends_no_query_and_decodes_queues(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    overridden = {
        **QUEUE,
        "id": "queue_5678",
        "name": "shared",
        "type": "custom",
        "paused": True,
        "concurrencyLimit": 3,
        "concurrency": {
            "current": 3,
            "base": None,
            "override": 3,
            "overriddenAt": "2024-05-23T12:00:00.000Z",
            "overriddenBy": "user_1",
        },
    }
    httpx_mock.add_response(json=page([QUEUE, overridden], 1, 1))
    first = await client.queues.list()
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert str(request.url) == f"{BASE_URL}/api/v1/queues"
    assert request.content == b""
    task_queue, custom_queue = first.data
    assert task_queue.id == "queue_1234" and task_queue.name == "my-task-id"
    assert task_queue.type == "task"
    assert (task_queue.running, task_queue.queued, task_queue.paused) == (5, 10, False)
    assert task_queue.concurrency_limit == 10
    assert task_queue.concurrency is not None
    assert task_queue.concurrency.base == 10 and task_queue.concurrency.override is None
    assert task_queue.concurrency.overridden_at is None
    assert custom_queue.paused and custom_queue.type == "custom"
    assert custom_queue.concurrency is not None
    assert custom_queue.concurrency.base is None
    assert custom_queue.concurrency.override == 3
    assert custom_queue.concurrency.overridden_at == datetime(2024, 5, 23, 12, tzinfo=timezone.utc)
    assert custom_queue.concurrency.overridden_by == "user_1"
    assert first.pagination.current_page == 1 and first.pagination.count == 2
    assert not first.has_next_page() and not first.has_previous_page()


async def test_a_queue_without_limits_decodes(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    bare = {k: v for k, v in QUEUE.items() if k not in ("concurrency", "concurrencyLimit")}
    httpx_mock.add_response(json={**bare, "concurrencyLimit": None})
    queue = await client.queues.retrieve("queue_1234")
    assert queue.concurrency_limit is None and queue.concurrency is None


async def test_list_sends_per_page_then_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=page([QUEUE], 3, 5))
    await client.queues.list(page=3, per_page=2)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.path == "/api/v1/queues"
    assert request.url.query.decode() == "perPage=2&page=3"


async def test_offset_pages_walk_forward_and_back(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/queues?perPage=1&page=2",
        json=page([{**QUEUE, "id": "queue_2"}], 2, 3),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/queues?perPage=1&page=3",
        json=page([{**QUEUE, "id": "queue_3"}], 3, 3),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/queues?perPage=1&page=1",
        json=page([{**QUEUE, "id": "queue_1"}], 1, 3),
    )
    middle = await client.queues.list(per_page=1, page=2)
    assert middle.has_next_page() and middle.has_previous_page()
    last = await middle.get_next_page()
    assert [q.id for q in last.data] == ["queue_3"]
    assert not last.has_next_page()
    with pytest.raises(LookupError):
        await last.get_next_page()
    first = await middle.get_previous_page()
    assert [q.id for q in first.data] == ["queue_1"]
    assert not first.has_previous_page()
    with pytest.raises(LookupError):
        await first.get_previous_page()
    assert [r.url.query.decode() for r in httpx_mock.get_requests()] == [
        "perPage=1&page=2",
        "perPage=1&page=3",
        "perPage=1&page=1",
    ]


async def test_iterating_walks_every_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    for number in (1, 2, 3):
        httpx_mock.add_response(
            json=page(
                [{**QUEUE, "id": f"queue_{number}a"}, {**QUEUE, "id": f"queue_{number}b"}],
                number,
                3,
            )
        )
    ids = [queue.id async for queue in client.queues.list(per_page=2)]
    assert ids == ["queue_1a", "queue_1b", "queue_2a", "queue_2b", "queue_3a", "queue_3b"]
    queries = [r.url.query.decode() for r in httpx_mock.get_requests()]
    assert queries == ["perPage=2", "perPage=2&page=2", "perPage=2&page=3"]


async def test_retrieve_by_id_always_sends_the_lookup_type(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=QUEUE)
    queue = await client.queues.retrieve("queue_1234")
    assert queue.id == "queue_1234"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.url.raw_path.decode() == "/api/v1/queues/queue_1234?type=id"
    assert request.content == b""


@pytest.mark.parametrize(
    ("queue", "kind", "raw_path"),
    [
        ("my-task-id", "task", "/api/v1/queues/my-task-id?type=task"),
        ({"type": "task", "name": "my-task-id"}, None, "/api/v1/queues/my-task-id?type=task"),
        ({"type": "custom", "name": "my/queue"}, None, "/api/v1/queues/my%252Fqueue?type=custom"),
        ({"type": "custom", "name": "a b"}, "custom", "/api/v1/queues/a%20b?type=custom"),
        ("team/emails/high", "custom", "/api/v1/queues/team%252Femails%252Fhigh?type=custom"),
        ("100%", "custom", "/api/v1/queues/100%25?type=custom"),
        ("queue_1?x=1#y", None, "/api/v1/queues/queue_1%3Fx%3D1%23y?type=id"),
        ("..", "custom", "/api/v1/queues/%2E%2E?type=custom"),
    ],
)
async def test_retrieve_by_name_encodes_the_name_as_one_segment(
    queue: Any,
    kind: Any,
    raw_path: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json=QUEUE)
    await client.queues.retrieve(queue, type=kind)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path.decode() == raw_path


async def test_pause_and_resume_send_the_action_and_type(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/queues/queue_1234/pause",
        json={**QUEUE, "paused": True},
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/queues/my%252Fqueue/pause",
        json=QUEUE,
    )
    paused = await client.queues.pause("queue_1234")
    resumed = await client.queues.resume({"type": "custom", "name": "my/queue"})
    assert paused.paused and not resumed.paused
    requests = httpx_mock.get_requests()
    assert [r.url.query for r in requests] == [b"", b""]
    assert [body_of(r) for r in requests] == [
        {"type": "id", "action": "pause"},
        {"type": "custom", "action": "resume"},
    ]


async def test_override_and_reset_the_concurrency_limit(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    overridden = {
        **QUEUE,
        "concurrencyLimit": 20,
        "concurrency": {**QUEUE["concurrency"], "current": 20, "override": 20},
    }
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/queues/my-task-id/concurrency/override",
        json=overridden,
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/queues/queue_1234/concurrency/override",
        json={**overridden, "concurrencyLimit": 0},
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/queues/my-task-id/concurrency/reset",
        json=QUEUE,
    )
    queue = await client.queues.override_concurrency_limit("my-task-id", 20, type="task")
    assert queue.concurrency_limit == 20
    assert queue.concurrency is not None and queue.concurrency.override == 20
    await client.queues.override_concurrency_limit("queue_1234", 0)
    reset = await client.queues.reset_concurrency_limit({"type": "task", "name": "my-task-id"})
    assert reset.concurrency is not None and reset.concurrency.override is None
    assert [body_of(r) for r in httpx_mock.get_requests()] == [
        {"type": "task", "concurrencyLimit": 20},
        {"type": "id", "concurrencyLimit": 0},
        {"type": "task"},
    ]


async def test_a_server_refusal_surfaces_as_its_status_error(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=400, json={"error": "Queue is not overridden"})
    with pytest.raises(trigger.BadRequestError, match="not overridden"):
        await client.queues.reset_concurrency_limit("queue_1234")


def _calls(client: trigger.AsyncClient) -> dict[str, Callable[..., Any]]:
    return {
        "retrieve": client.queues.retrieve,
        "pause": client.queues.pause,
        "resume": client.queues.resume,
        "reset_concurrency_limit": client.queues.reset_concurrency_limit,
    }


@pytest.mark.parametrize("method", ["retrieve", "pause", "resume", "reset_concurrency_limit"])
@pytest.mark.parametrize(
    ("queue", "kwargs", "error", "message"),
    [
        ("", {}, ValueError, "queue must be a non-empty string"),
        ("   ", {"type": "task"}, ValueError, "queue"),
        (None, {}, TypeError, "queue must be a queue id or"),
        (42, {}, TypeError, "queue"),
        ("queue_1", {"type": "bogus"}, ValueError, "type must be 'id', 'task' or 'custom'"),
        ({"type": "id", "name": "x"}, {}, ValueError, r"queue\['type'\]"),
        ({"name": "x"}, {}, ValueError, r"queue\['type'\]"),
        ({"type": "task"}, {}, TypeError, r"queue\['name'\]"),
        ({"type": "task", "name": ""}, {}, ValueError, r"queue\['name'\]"),
        ({"type": "task", "name": "x"}, {"type": "custom"}, ValueError, "contradicts"),
    ],
)
async def test_bad_queue_arguments_are_refused_before_sending(
    method: str,
    queue: Any,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await _calls(client)[method](queue, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_a_matching_type_beside_a_mapping_is_accepted(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=QUEUE)
    await client.queues.retrieve({"type": "task", "name": "my-task-id"}, type="task")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.params["type"] == "task"


@pytest.mark.parametrize(
    ("limit", "error"),
    [
        (-1, ValueError),
        (100_001, ValueError),
        (1.5, TypeError),
        (True, TypeError),
        ("5", TypeError),
    ],
)
async def test_bad_concurrency_limits_are_refused_before_sending(
    limit: Any, error: type[Exception], client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(error, match="limit"):
        await client.queues.override_concurrency_limit("queue_1234", limit)
    assert httpx_mock.get_requests() == []


async def test_the_largest_concurrency_limit_is_accepted(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=QUEUE)
    await client.queues.override_concurrency_limit("queue_1234", 100_000)
    request = httpx_mock.get_request()
    assert request is not None
    assert body_of(request) == {"type": "id", "concurrencyLimit": 100_000}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"page": 0}, ValueError, "page"),
        ({"per_page": 0}, ValueError, "per_page"),
        ({"page": "2"}, TypeError, "page"),
        ({"per_page": 2.5}, TypeError, "per_page"),
    ],
)
async def test_bad_list_arguments_are_refused_before_sending(
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.queues.list(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_raw_responses(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=QUEUE, headers={"x-ratelimit-remaining": "42"})
    httpx_mock.add_response(json=page([QUEUE], 1, 2))
    response = await client.queues.with_raw_response.pause("queue_1234")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "42"
    assert response.parse().id == "queue_1234"
    listed = await client.queues.with_raw_response.list()
    first = listed.parse()
    assert first.data[0].name == "my-task-id" and first.has_next_page()
