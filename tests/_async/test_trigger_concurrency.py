"""The ``concurrency`` trigger option (4.8.3) on the wire: named limits a run holds."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from trigger._wire import batch as batch_wire

pytestmark = pytest.mark.anyio

TRIGGER_URL = f"{BASE_URL}/api/v1/tasks/render-frames/trigger"
CREATE_URL = f"{BASE_URL}/api/v3/batches"
ITEMS_URL = f"{BASE_URL}/api/v3/batches/batch_1/items"
SEALED = {"id": "batch_1", "itemsAccepted": 2, "itemsDeduplicated": 0, "sealed": True}


def body_of(request: httpx.Request) -> Any:
    return msgspec.json.decode(request.content)


def lines(request: httpx.Request) -> list[dict[str, Any]]:
    return [msgspec.json.decode(line) for line in request.content.split(b"\n") if line]


async def test_trigger_sends_the_names_as_a_list_after_the_queue(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    await client.tasks.trigger(
        "render-frames",
        {"scene": 7},
        queue="renders",
        concurrency=["shared-gpu", "render_farm-2"],
        concurrency_key="tenant-42",
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert body_of(request) == {
        "payload": {"scene": 7},
        "options": {
            "queue": {"name": "renders"},
            "concurrency": ["shared-gpu", "render_farm-2"],
            "concurrencyKey": "tenant-42",
            "payloadType": "application/json",
            "payloadSize": 11,
        },
    }
    # The official client's key order: queue, concurrency, concurrencyKey.
    assert list(body_of(request)["options"])[:3] == ["queue", "concurrency", "concurrencyKey"]


async def test_one_name_goes_as_a_list_and_an_empty_list_is_sent(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_2"})
    await client.tasks.trigger("render-frames", concurrency="shared-gpu")
    await client.tasks.trigger("render-frames", concurrency=[])
    first, second = httpx_mock.get_requests()
    assert body_of(first)["options"]["concurrency"] == ["shared-gpu"]
    # [] holds none of the task's named limits: it is sent, not dropped.
    assert body_of(second)["options"]["concurrency"] == []


async def test_a_batch_item_carries_its_names_in_the_ndjson_options(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=CREATE_URL, status_code=202, json={"id": "batch_1", "runCount": 2}
    )
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    items: list[batch_wire.BatchItem] = [
        {"task": "render-frames", "payload": 1, "options": {"concurrency": "shared-gpu"}},
        {"task": "render-frames", "payload": 2},
    ]
    await client.batch.trigger(items)
    _, stream = httpx_mock.get_requests()
    assert lines(stream) == [
        {
            "index": 0,
            "task": "render-frames",
            "payload": 1,
            "options": {
                "concurrency": ["shared-gpu"],
                "payloadType": "application/json",
                "payloadSize": 1,
            },
        },
        {
            "index": 1,
            "task": "render-frames",
            "payload": 2,
            "options": {"payloadType": "application/json", "payloadSize": 1},
        },
    ]


async def test_tasks_batch_trigger_items_carry_the_names(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=CREATE_URL, status_code=202, json={"id": "batch_1", "runCount": 1}
    )
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json={**SEALED, "itemsAccepted": 1})
    await client.tasks.batch_trigger(
        "render-frames", [{"payload": 1, "options": {"concurrency": ["shared-gpu"]}}]
    )
    _, stream = httpx_mock.get_requests()
    assert lines(stream)[0]["options"]["concurrency"] == ["shared-gpu"]


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (["a", "b", "c"], ValueError, "concurrency names 3 limits; a run holds at most 2"),
        (["shared gpu"], ValueError, "concurrency has an invalid limit name 'shared gpu'"),
        (["x" * 123], ValueError, "invalid limit name"),
        ([""], ValueError, "concurrency"),
        (["gpu", 7], TypeError, "concurrency"),
        (3, TypeError, "concurrency"),
        ({"name": "gpu"}, TypeError, "concurrency"),
    ],
)
async def test_bad_names_are_refused_before_sending(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, value: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        await client.tasks.trigger("render-frames", concurrency=value)
    assert httpx_mock.get_requests() == []


async def test_a_bad_batch_item_is_refused_naming_it(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    items: list[batch_wire.BatchItem] = [
        {"task": "render-frames", "options": {"concurrency": ["ok", "ok-2", "three"]}},
    ]
    with pytest.raises(ValueError, match=r"items\[0\]\['options'\]\['concurrency'\]"):
        await client.batch.trigger(items)
    assert httpx_mock.get_requests() == []


async def test_the_longest_name_is_accepted(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    await client.tasks.trigger("render-frames", concurrency="x" * 122)
    assert body_of(httpx_mock.get_requests()[0])["options"]["concurrency"] == ["x" * 122]
