"""The runs API on the wire: method, path, query, body, and decoding of realistic answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.fixtures import LISTED_RUN, RETRIEVED_RUN
from trigger import _retry

pytestmark = pytest.mark.anyio


def page(items: list[dict[str, object]], **pagination: str) -> dict[str, object]:
    return {"data": items, "pagination": pagination}


async def test_list_sends_every_filter_form_encoded(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=page([LISTED_RUN]))
    first = await client.runs.list(
        status=["COMPLETED", "FAILED"],
        task_identifier="send-email",
        version=["20240101.1"],
        tag=["a", "b"],
        bulk_action="bulk_1",
        schedule="sched_1",
        is_test=False,
        from_=datetime(2024, 1, 1, tzinfo=timezone.utc),
        to=1704153600000,
        batch="batch_1",
        queue=[{"type": "task", "name": "send-email"}, "shared"],
        machine="small-1x",
        region="eu",
        error="error_1",
        limit=10,
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.url.path == "/api/v1/runs"
    assert request.url.query.decode() == (
        "filter%5Bstatus%5D=COMPLETED%2CFAILED&filter%5BtaskIdentifier%5D=send-email"
        "&filter%5Bversion%5D=20240101.1&filter%5Btag%5D=a%2Cb&filter%5BbulkAction%5D=bulk_1"
        "&filter%5Bschedule%5D=sched_1&filter%5BisTest%5D=false"
        "&filter%5BcreatedAt%5D%5Bfrom%5D=1704067200000&filter%5BcreatedAt%5D%5Bto%5D=1704153600000"
        "&filter%5Bbatch%5D=batch_1&filter%5Bqueue%5D=task%2Fsend-email%2Cshared"
        "&filter%5Bmachine%5D=small-1x&filter%5Bregion%5D=eu&filter%5Berror%5D=error_1"
        "&page%5Bsize%5D=10"
    )
    assert request.content == b""
    run = first.data[0]
    assert run.id == LISTED_RUN["id"]
    assert run.env is not None and run.env.name == "prod"
    assert run.created_at == datetime(2024, 5, 23, 12, 0, tzinfo=timezone.utc)


async def test_list_without_filters_has_no_query(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/runs", json=page([]))
    first = await client.runs.list()
    assert first.data == []
    assert not first.has_next_page()


async def test_list_with_a_personal_access_token_uses_the_project_route(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json=page([LISTED_RUN]))
    async with trigger.AsyncClient("tr_pat_abc", base_url=BASE_URL) as pat_client:
        await pat_client.runs.list(project_ref="proj_123", env=["staging", "prod"], limit=5)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.path == "/api/v1/projects/proj_123/runs"
    assert request.url.params["filter[env]"] == "stg,prod"
    assert request.url.params["page[size]"] == "5"
    assert request.headers["authorization"] == "Bearer tr_pat_abc"


@pytest.mark.parametrize(
    ("key", "kwargs", "message"),
    [
        ("tr_pat_abc", {}, "project_ref is required"),
        ("tr_pat_abc", {"project_ref": "proj_1"}, "env is required"),
        ("tr_pat_abc", {"project_ref": "proj_1", "env": "qa"}, "unknown environment"),
        (SECRET_KEY, {"project_ref": "proj_1"}, "project_ref is only accepted"),
        (SECRET_KEY, {"after": "a", "before": "b"}, "after or before"),
        (SECRET_KEY, {"limit": 0}, "limit"),
        (SECRET_KEY, {"limit": 101}, "limit"),
        (SECRET_KEY, {"status": 3}, "status"),
        (SECRET_KEY, {"status": "failed"}, r"status has unknown value\(s\) \['failed'\]"),
        (SECRET_KEY, {"status": ["COMPLETED", "DONE"]}, "DONE"),
        (SECRET_KEY, {"status": "PENDING"}, "PENDING"),
        (SECRET_KEY, {"from_": datetime(2024, 1, 1)}, "timezone-aware"),
        (SECRET_KEY, {"queue": {"type": "bogus", "name": "x"}}, r"queue\['type'\]"),
    ],
)
async def test_list_rejects_bad_input_before_sending(
    key: str, kwargs: dict[str, object], message: str, httpx_mock: HTTPXMock
) -> None:
    async with trigger.AsyncClient(key, base_url=BASE_URL) as bad_client:
        with pytest.raises((ValueError, TypeError), match=message):
            await bad_client.runs.list(**kwargs)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


async def test_list_accepts_every_current_and_legacy_status_and_the_largest_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=page([]))
    statuses = sorted(trigger.RUN_STATUSES | trigger.LEGACY_RUN_STATUSES)
    await client.runs.list(status=statuses, limit=100)  # type: ignore[arg-type]
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.params["filter[status]"] == ",".join(statuses)
    assert request.url.params["page[size]"] == "100"
    # The filter names the server accepts for API version 2025-07-16 (current and legacy).
    assert set(statuses) == {
        *("PENDING_VERSION", "DELAYED", "QUEUED", "DEQUEUED", "EXECUTING", "WAITING"),
        *("COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED"),
        *("TIMED_OUT", "WAITING_FOR_DEPLOY", "REATTEMPTING", "FROZEN", "INTERRUPTED"),
    }
    assert trigger.FINAL_RUN_STATUSES - {"INTERRUPTED"} <= trigger.RUN_STATUSES


@pytest.mark.parametrize(
    "make_list",
    [
        lambda c, limit: c.runs.list(limit=limit),
        lambda c, limit: c.runs.bulk.list(limit=limit),
        lambda c, limit: c.errors.list(limit=limit),
        lambda c, limit: c.sessions.list(limit=limit),
        lambda c, limit: c.wait.list_tokens(limit=limit),
        lambda c, limit: c.deployments.list(limit=limit),
    ],
    ids=["runs", "bulk_actions", "errors", "sessions", "waitpoint_tokens", "deployments"],
)
@pytest.mark.parametrize("limit", [0, 101, 1000])
async def test_every_cursor_list_refuses_page_sizes_outside_1_to_100(
    make_list: Any, limit: int, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match=r"limit must be (>= 1|<= 100)"):
        make_list(client, limit)
    assert httpx_mock.get_requests() == []


async def test_pages_walk_forward_and_back_with_only_one_cursor(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    second = {**LISTED_RUN, "id": "run_2"}
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs?filter%5Bstatus%5D=COMPLETED&page%5Bsize%5D=1",
        json=page([LISTED_RUN], next="cursor_2"),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs?filter%5Bstatus%5D=COMPLETED&page%5Bsize%5D=1&page%5Bafter%5D=cursor_2",
        json=page([second], previous="cursor_1"),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs?filter%5Bstatus%5D=COMPLETED&page%5Bsize%5D=1&page%5Bbefore%5D=cursor_1",
        json=page([LISTED_RUN], next="cursor_2"),
    )
    first = await client.runs.list(status="COMPLETED", limit=1)
    assert first.has_next_page() and not first.has_previous_page()
    with pytest.raises(LookupError):
        await first.get_previous_page()
    following = await first.get_next_page()
    assert [run.id for run in following.data] == ["run_2"]
    assert following.has_previous_page() and not following.has_next_page()
    with pytest.raises(LookupError):
        await following.get_next_page()
    back = await following.get_previous_page()
    assert [run.id for run in back.data] == [LISTED_RUN["id"]]
    keys = {r.headers["x-trigger-request-idempotency-key"] for r in httpx_mock.get_requests()}
    assert len(keys) == 3, "each page fetch is a new call with a new key"


async def test_a_page_fetched_backwards_is_newest_first_like_the_others(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # The real server answers page[before] pages oldest first; the SDK restores the order.
    newer, older = {**LISTED_RUN, "id": "run_b"}, {**LISTED_RUN, "id": "run_a"}
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs?page%5Bsize%5D=2&page%5Bafter%5D=c2",
        json=page([{**LISTED_RUN, "id": "run_0"}], previous="c1"),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs?page%5Bsize%5D=2&page%5Bbefore%5D=c1",
        json=page([older, newer], next="c2"),
    )
    following = await client.runs.list(limit=2, after="c2")
    back = await following.get_previous_page()
    assert [run.id for run in back.data] == ["run_b", "run_a"]


async def test_iterating_a_list_walks_every_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    for index in range(3):
        cursor = {"next": f"c{index + 1}"} if index < 2 else {}
        httpx_mock.add_response(
            json=page(
                [{**LISTED_RUN, "id": f"run_{index}a"}, {**LISTED_RUN, "id": f"run_{index}b"}],
                **cursor,
            )
        )
    ids = [run.id async for run in client.runs.list(limit=2)]
    assert ids == ["run_0a", "run_0b", "run_1a", "run_1b", "run_2a", "run_2b"]
    afters = [r.url.params.get("page[after]") for r in httpx_mock.get_requests()]
    assert afters == [None, "c1", "c2"]


async def test_iter_pages_yields_each_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=page([LISTED_RUN], next="c1"))
    httpx_mock.add_response(json=page([LISTED_RUN]))
    first = await client.runs.list()
    sizes = [len(p.data) async for p in first.iter_pages()]
    assert sizes == [1, 1]


async def test_retrieve_decodes_a_full_run(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE_URL}/api/v3/runs/run_1234", json=RETRIEVED_RUN
    )
    run = await client.runs.retrieve("run_1234")
    assert run.status == "COMPLETED" and run.is_final
    assert run.payload == {"to": "a@example.com"}
    assert run.output == {"sent": True}
    assert run.schedule is not None and run.schedule.generator is not None
    assert run.schedule.generator.expression == "0 0 * * *"
    assert run.related_runs.parent is not None
    assert run.related_runs.parent.id == "run_parent"
    assert run.finished_at == datetime(2024, 5, 23, 12, 0, 5, tzinfo=timezone.utc)


async def test_unknown_fields_and_statuses_decode(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        json={**RETRIEVED_RUN, "status": "SOME_FUTURE_STATUS", "brandNewField": {"x": 1}}
    )
    run = await client.runs.retrieve("run_1234")
    assert run.status == "SOME_FUTURE_STATUS"
    assert not run.is_final


@pytest.mark.parametrize("run_id", ["../x", "a/b", "run_x?y=1", "a#b", "100%", "ü", ".."])
async def test_path_parameters_are_one_encoded_segment(
    run_id: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN)
    await client.runs.retrieve(run_id)
    request = httpx_mock.get_request()
    assert request is not None
    raw_path = request.url.raw_path.decode()
    assert raw_path.startswith("/api/v3/runs/")
    segment = raw_path.removeprefix("/api/v3/runs/")
    assert "/" not in segment and "?" not in segment and "#" not in segment
    assert request.url.query == b""


@pytest.mark.parametrize("run_id", ["", "   ", None, 42])
async def test_empty_or_wrong_ids_are_refused(
    run_id: object, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match="run_id"):
        await client.runs.retrieve(run_id)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


async def test_replay_and_cancel_send_no_body(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/runs/run_1/replay", json={"id": "run_new"}
    )
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v2/runs/run_1/cancel", json={"id": "run_1"}
    )
    assert (await client.runs.replay("run_1")).id == "run_new"
    assert (await client.runs.cancel("run_1")).id == "run_1"
    assert [r.content for r in httpx_mock.get_requests()] == [b"", b""]


async def test_replay_sends_its_options_as_the_official_client_does(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # TRIGGER_VERSION pins triggers, not replays: it must not turn into a version here.
    monkeypatch.setenv("TRIGGER_VERSION", "20240101.1")
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/runs/run_1/replay", json={"id": "run_new"}
    )
    replayed = await client.runs.replay(
        "run_1",
        payload={"hello": "again", "at": datetime(2024, 6, 1, tzinfo=timezone.utc)},
        tags=["replayed"],
        metadata={"source": "replay"},
        queue="shared",
        concurrency_key=42,
        machine="large-1x",
        delay="10m",
        ttl=3600,
        idempotency_key="replay-1",
        max_attempts=2,
    )
    assert replayed.id == "run_new"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["content-type"] == "application/json"
    body = msgspec.json.decode(request.content)
    # The official 4.8.3 client's key order: payload first, payloadType last.
    assert list(body) == [
        "payload",
        "tags",
        "metadata",
        "queue",
        "concurrencyKey",
        "machine",
        "delay",
        "ttl",
        "idempotencyKey",
        "maxAttempts",
        "payloadType",
    ]
    document = msgspec.json.decode(body.pop("payload"))  # a superjson string, as in trigger
    assert document["json"] == {"hello": "again", "at": "2024-06-01T00:00:00.000Z"}
    assert document["meta"]["values"] == {"at": ["Date"]}
    assert body == {
        "tags": ["replayed"],
        "metadata": {"source": "replay"},
        "queue": "shared",
        "concurrencyKey": "42",
        "machine": "large-1x",
        "delay": "10m",
        "ttl": 3600,
        "idempotencyKey": "replay-1",
        "maxAttempts": 2,
        "payloadType": "application/super+json",
    }


async def test_replay_sends_the_other_options_and_plain_json_payloads(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", json={"id": "run_new"})
    await client.runs.replay(
        "run_1",
        payload=[1, "two"],
        version="20240523.2",
        region="eu-central-1",
        delay=datetime(2030, 1, 1, tzinfo=timezone.utc),
        ttl=timedelta(minutes=5),
        idempotency_key_ttl="1h",
        max_duration=300,
        priority=10,
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert msgspec.json.decode(request.content) == {
        "payload": [1, "two"],
        "version": "20240523.2",
        "region": "eu-central-1",
        "delay": "2030-01-01T00:00:00.000Z",
        "ttl": 300,
        "idempotencyKeyTTL": "1h",
        "maxDuration": 300,
        "priority": 10,
        "payloadType": "application/json",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"machine": "huge"}, ValueError, "machine"),
        ({"max_attempts": 0}, ValueError, "max_attempts"),
        ({"tags": [f"t{i}" for i in range(11)]}, ValueError, "tags"),
        ({"tags": ["x" * 129]}, ValueError, "tags"),
        ({"idempotency_key": "k" * 2049}, ValueError, "idempotency_key"),
        ({"idempotency_key": ["a", "b"]}, TypeError, "idempotency_key"),
        ({"queue": ""}, ValueError, "queue"),
        ({"queue": {"name": "shared"}}, TypeError, "queue"),
        ({"delay": "soon"}, ValueError, "delay"),
        ({"delay": datetime(2030, 1, 1)}, ValueError, "delay"),
        ({"ttl": -1}, ValueError, "ttl"),
        ({"metadata": ["not", "a", "mapping"]}, TypeError, "metadata"),
        ({"payload": b"raw bytes"}, TypeError, "payload"),
        ({"priority": float("nan")}, ValueError, "priority"),
        ({"version": ""}, ValueError, "version"),
    ],
)
async def test_replay_refuses_bad_options_before_sending(
    kwargs: dict[str, object],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.runs.replay("run_1", **kwargs)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


async def test_reschedule_takes_a_duration_or_a_datetime(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/runs/run_1/reschedule", json=RETRIEVED_RUN
    )
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/runs/run_1/reschedule", json=RETRIEVED_RUN
    )
    await client.runs.reschedule("run_1", delay="1h")
    await client.runs.reschedule("run_1", delay=datetime(2030, 1, 1, tzinfo=timezone.utc))
    bodies = [msgspec.json.decode(r.content) for r in httpx_mock.get_requests()]
    assert bodies == [{"delay": "1h"}, {"delay": "2030-01-01T00:00:00.000Z"}]
    with pytest.raises(ValueError, match="delay"):
        await client.runs.reschedule("run_1", delay="")


async def test_update_metadata_sends_operations(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="PUT",
        url=f"{BASE_URL}/api/v1/runs/run_1/metadata",
        json={"metadata": {"progress": 1}},
    )
    result = await client.runs.update_metadata(
        "run_1",
        metadata={"progress": 0},
        operations=[{"type": "increment", "key": "progress", "value": 1}],
        parent_operations=[{"type": "set", "key": "child", "value": "done"}],
    )
    assert result.metadata == {"progress": 1}
    request = httpx_mock.get_request()
    assert request is not None
    assert msgspec.json.decode(request.content) == {
        "metadata": {"progress": 0},
        "operations": [{"type": "increment", "key": "progress", "value": 1}],
        "parentOperations": [{"type": "set", "key": "child", "value": "done"}],
    }
    with pytest.raises(ValueError, match="operations"):
        await client.runs.update_metadata("run_1", operations=[{"type": "explode"}])
    httpx_mock.add_response(
        method="PUT", url=f"{BASE_URL}/api/v1/runs/run_1/metadata", json={"metadata": {}}
    )
    await client.runs.update_metadata("run_1")
    assert httpx_mock.get_requests()[-1].content == b"{}", "an empty update sends {}"


async def test_retrieve_metadata(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE_URL}/api/v1/runs/run_1/metadata",
        json={"metadata": '{"a":1}', "metadataType": "application/json"},
    )
    snapshot = await client.runs.retrieve_metadata("run_1")
    assert snapshot.metadata == '{"a":1}'
    assert snapshot.metadata_type == "application/json"


async def test_add_tags(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/runs/run_1/tags", json={"message": "ok"}
    )
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/runs/run_1/tags", json={"message": "ok"}
    )
    await client.runs.add_tags("run_1", "vip")
    await client.runs.add_tags("run_1", ["a", "b"])
    bodies = [msgspec.json.decode(r.content) for r in httpx_mock.get_requests()]
    assert bodies == [{"tags": ["vip"]}, {"tags": ["a", "b"]}]
    with pytest.raises(ValueError, match="tags"):
        await client.runs.add_tags("run_1", [])


async def test_events_trace_and_span(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1/events",
        json={
            "events": [
                {
                    "spanId": "s1",
                    "parentId": None,
                    "runId": "run_1",
                    "message": "send-email",
                    "startTime": "1716465600000000000",
                    "duration": 1500000,
                    "isError": False,
                    "isPartial": False,
                    "isCancelled": False,
                    "level": "TRACE",
                    "kind": "SERVER",
                    "attemptNumber": 1,
                    "taskSlug": "send-email",
                    "events": [],
                    "style": {"icon": "task", "variant": "primary"},
                }
            ]
        },
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1/trace",
        json={
            "trace": {
                "traceId": "t1",
                "rootSpan": {
                    "id": "s1",
                    "runId": "run_1",
                    "data": {
                        "message": "root",
                        "startTime": "2024-05-23T12:00:00.000Z",
                        "duration": 5,
                    },
                    "children": [{"id": "s2", "parentId": "s1", "runId": "run_1", "children": []}],
                },
            }
        },
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1/spans/s%2F2",
        json={"spanId": "s/2", "runId": "run_1", "message": "m", "durationMs": 3.5},
    )
    events = await client.runs.events("run_1")
    assert events.events[0].span_id == "s1" and events.events[0].attempt_number == 1
    trace = await client.runs.trace("run_1")
    assert trace.trace.root_span.children[0].id == "s2"
    span = await client.runs.retrieve_span("run_1", "s/2")
    assert span.duration_ms == 3.5


async def test_result_of_the_endpoint_is_returned_as_it_is(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1/result",
        json={
            "ok": False,
            "id": "run_1",
            "taskIdentifier": "send-email",
            "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
        },
    )
    result = await client.runs.result("run_1")
    assert result is not None and not result.ok
    assert result.error is not None and result.error.code == "TASK_RUN_CANCELLED"
    assert len(httpx_mock.get_requests()) == 1, "no retrieve when the endpoint answers"


RESULT_404 = {"error": "Run either doesn't exist or is not finished"}


async def test_result_of_a_completed_run_is_built_from_the_run(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # The current server answers 404 for every finished COMPLETED or FAILED run.
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1234/result", status_code=404, json=RESULT_404
    )
    httpx_mock.add_response(url=f"{BASE_URL}/api/v3/runs/run_1234", json=RETRIEVED_RUN)
    result = await client.runs.result("run_1234")
    assert result is not None
    assert result.ok and result.id == "run_1234"
    assert result.output_type == "application/json"
    assert result.json_output() == {"sent": True}
    assert result.error is None
    assert result.task_identifier == "send-email"
    assert result.usage is not None and result.usage.duration_ms == 4000
    assert [r.url.path for r in httpx_mock.get_requests()] == [
        "/api/v1/runs/run_1234/result",
        "/api/v3/runs/run_1234",
    ]


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (
            "FAILED",
            {"name": "TypeError", "message": "x is undefined", "stackTrace": "at run()"},
            {
                "type": "BUILT_IN_ERROR",
                "name": "TypeError",
                "message": "x is undefined",
                "stackTrace": "at run()",
            },
        ),
        (
            "EXPIRED",
            {"message": "Run expired because the TTL (10m) was reached"},
            {
                "type": "STRING_ERROR",
                "message": "Run expired because the TTL (10m) was reached",
                "raw": "Run expired because the TTL (10m) was reached",
            },
        ),
        (
            "CANCELED",
            {"message": "Canceled by user"},
            {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
        ),
        ("CRASHED", None, None),
    ],
)
async def test_result_of_a_failed_run_is_built_from_the_run(
    status: str,
    error: dict[str, str] | None,
    expected: dict[str, str] | None,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1234/result", status_code=404, json=RESULT_404
    )
    run = {**RETRIEVED_RUN, "status": status, "output": None, "error": error}
    httpx_mock.add_response(url=f"{BASE_URL}/api/v3/runs/run_1234", json=run)
    result = await client.runs.result("run_1234")
    assert result is not None and not result.ok
    assert result.output is None and result.output_type is None
    assert msgspec.to_builtins(result.error) == expected


@pytest.mark.parametrize("status", ["QUEUED", "EXECUTING", "WAITING", "DELAYED"])
async def test_result_is_none_while_unfinished(
    status: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1234/result", status_code=404, json=RESULT_404
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_1234",
        json={**RETRIEVED_RUN, "status": status, "output": None},
    )
    assert await client.runs.result("run_1234") is None


async def test_result_of_an_unknown_run_is_none(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_x/result", status_code=404, json=RESULT_404
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_x", status_code=404, json={"error": "Not found"}
    )
    assert await client.runs.result("run_x") is None


async def test_result_does_not_wait_out_retries_for_an_unknown_run(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_x/result", status_code=404, json=RESULT_404
    )
    # The retrieve 404 asks for retries (a new run may not be visible yet): no use here.
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_x",
        status_code=404,
        json={"error": "Not found"},
        headers={"x-should-retry": "true"},
    )
    assert await retrying_client.runs.result("run_x") is None
    assert sleeps == []
    assert len(httpx_mock.get_requests()) == 2


async def test_result_retries_a_transient_failure_of_its_retrieve(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1234/result", status_code=404, json=RESULT_404
    )
    httpx_mock.add_response(url=f"{BASE_URL}/api/v3/runs/run_1234", status_code=503)
    httpx_mock.add_response(url=f"{BASE_URL}/api/v3/runs/run_1234", json=RETRIEVED_RUN)
    result = await retrying_client.runs.result("run_1234")
    assert result is not None and result.ok
    assert len(httpx_mock.get_requests()) == 3


async def test_result_raises_a_final_error_of_its_retrieve(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_1234/result", status_code=404, json=RESULT_404
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_1234",
        status_code=403,
        json={"error": "Unauthorized"},
    )
    with pytest.raises(trigger.PermissionDeniedError):
        await retrying_client.runs.result("run_1234")
    assert sleeps == [] and len(httpx_mock.get_requests()) == 2


async def test_poll_waits_until_final(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    for status in ("QUEUED", "EXECUTING", "COMPLETED"):
        httpx_mock.add_response(json={**RETRIEVED_RUN, "status": status})
    run = await client.runs.poll("run_1234", interval=2.5)
    assert run.status == "COMPLETED"
    assert sleeps == [2.5, 2.5]


async def test_poll_times_out(
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]

    async def advancing_sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(_retry, "async_sleep", advancing_sleep)
    monkeypatch.setattr("trigger._async.resources.runs.time.monotonic", lambda: clock[0])
    httpx_mock.add_response(json={**RETRIEVED_RUN, "status": "EXECUTING"}, is_reusable=True)
    with pytest.raises(trigger.PollTimeoutError) as caught:
        await client.runs.poll("run_1234", interval=1, timeout=3)
    assert caught.value.last_status == "EXECUTING"
    assert isinstance(caught.value, TimeoutError)
    assert len(httpx_mock.get_requests()) == 4


async def test_raw_response_gives_data_and_http_response(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN, headers={"x-ratelimit-remaining": "99"})
    response = await client.runs.with_raw_response.retrieve("run_1234")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "99"
    assert response.retries_taken == 0
    assert response.json()["id"] == "run_1234"
    assert response.parse().id == "run_1234"
    assert response.parse() is response.parse()


async def test_raw_response_of_a_list_parses_to_a_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=page([LISTED_RUN], next="c1"))
    response = await client.runs.with_raw_response.list(limit=1)
    first = response.parse()
    assert first.data[0].id == LISTED_RUN["id"]
    assert first.has_next_page()


async def test_raw_response_does_not_parse_until_asked(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(content=b"not json at all")
    response = await client.runs.with_raw_response.retrieve("run_1")
    assert response.content == b"not json at all"
    with pytest.raises(trigger.APIResponseValidationError):
        response.parse()


async def test_retrieve_downloads_offloaded_payload_and_output(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    storage = "http://127.0.0.1:9999/packets/run_1/payload.json?X-Amz-Signature=abc"
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_1",
        json={
            **RETRIEVED_RUN,
            "payload": None,
            "output": None,
            "payloadPresignedUrl": storage,
            "outputPresignedUrl": storage + "&o=1",
        },
    )
    httpx_mock.add_response(url=storage, json={"big": "payload"})
    httpx_mock.add_response(url=storage + "&o=1", text="plain output")
    run = await client.runs.retrieve("run_1")
    assert run.payload == {"big": "payload"}
    assert run.output == "plain output"
    downloads = httpx_mock.get_requests()[1:]
    assert [r.method for r in downloads] == ["GET", "GET"]
    assert all("authorization" not in r.headers for r in downloads)
    assert all("x-trigger-request-idempotency-key" not in r.headers for r in downloads)


async def test_retrieve_can_leave_offloaded_payloads(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    url = "http://127.0.0.1:9999/p.json"
    httpx_mock.add_response(json={**RETRIEVED_RUN, "payload": None, "payloadPresignedUrl": url})
    run = await client.runs.retrieve("run_1", download_offloaded=False)
    assert run.payload is None
    assert run.payload_presigned_url == url
    assert len(httpx_mock.get_requests()) == 1
