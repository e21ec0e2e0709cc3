"""Realtime run subscriptions: the exact wire (pytest-httpx), then the SDK against the emulator.

The wire tests script the server's answers as SERVER.md §11 gives them and check every
request the subscription makes: path, sorted query, headers. The emulator tests drive a
run through each status with a handler held by the test, and check that every one is seen,
in order, once, also when a long poll's answer is lost on the way.
"""

from __future__ import annotations

import json
import pickle
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.lossy_proxy import Loss, running_proxy
from trigger.emulator import Emulator, TaskContext
from trigger.types.realtime import RealtimeRun

pytestmark = pytest.mark.anyio

RUN_URL = f"{BASE_URL}/realtime/v1/runs/run_abc"
KEY = '"public"."TaskRun"/"abc"'
SCHEMA = {
    "id": {"type": "text"},
    "taskIdentifier": {"type": "text"},
    "createdAt": {"type": "timestamp"},
    "updatedAt": {"type": "timestamp"},
    "startedAt": {"type": "timestamp"},
    "delayUntil": {"type": "timestamp"},
    "queuedAt": {"type": "timestamp"},
    "expiredAt": {"type": "timestamp"},
    "completedAt": {"type": "timestamp"},
    "friendlyId": {"type": "text"},
    "number": {"type": "int4"},
    "isTest": {"type": "bool"},
    "status": {"type": "text"},
    "usageDurationMs": {"type": "int4"},
    "costInCents": {"type": "float8"},
    "baseCostInCents": {"type": "float8"},
    "ttl": {"type": "text"},
    "payload": {"type": "text"},
    "payloadType": {"type": "text"},
    "metadata": {"type": "text"},
    "metadataType": {"type": "text"},
    "output": {"type": "text"},
    "outputType": {"type": "text"},
    "runTags": {"type": "text", "dims": 1},
    "error": {"type": "jsonb"},
    "realtimeStreams": {"type": "text", "dims": 1},
}
UP_TO_DATE = {"headers": {"control": "up-to-date"}}


def row(run_id: str = "abc", **values: str | None) -> dict[str, str | None]:
    """A run row as the server encodes it (every value a string or null)."""
    base: dict[str, str | None] = {
        "id": run_id,
        "taskIdentifier": "send-invoice",
        "createdAt": "2026-06-01T12:00:00.000",
        "updatedAt": "2026-06-01T12:00:00.000",
        "startedAt": None,
        "delayUntil": None,
        "queuedAt": "2026-06-01T12:00:00.000",
        "expiredAt": None,
        "completedAt": None,
        "friendlyId": f"run_{run_id}",
        "number": "0",
        "isTest": "f",
        "status": "PENDING",
        "usageDurationMs": "0",
        "costInCents": "0",
        "baseCostInCents": "0",
        "ttl": "10m",
        "payload": '{"invoice":"INV-1042"}',
        "payloadType": "application/json",
        "metadata": None,
        "metadataType": "application/json",
        "output": None,
        "outputType": "application/json",
        "runTags": None,
        "error": None,
        "realtimeStreams": "{}",
    }
    base.update(values)
    return base


def change(value: dict[str, Any], operation: str = "insert", key: str = KEY) -> dict[str, Any]:
    return {"key": key, "value": value, "headers": {"operation": operation}}


def shape_answer(
    httpx_mock: HTTPXMock,
    messages: list[dict[str, Any]],
    *,
    offset: str,
    handle: str = "run-abc",
    cursor: str | None = None,
    schema: bool = True,
    url: str | None = None,
) -> None:
    headers = {"electric-offset": offset, "electric-handle": handle}
    if cursor is not None:
        headers["electric-cursor"] = cursor
    if schema:
        headers["electric-schema"] = json.dumps(SCHEMA)
    httpx_mock.add_response(url=url, json=messages, headers=headers)


def queries(httpx_mock: HTTPXMock) -> list[str]:
    return [request.url.query.decode() for request in httpx_mock.get_requests()]


# -- the wire --------------------------------------------------------------------------------


async def test_subscribe_sends_the_official_requests_and_ends_at_the_final_status(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    shape_answer(httpx_mock, [change(row()), UP_TO_DATE], offset="1780315200000_3")
    executing = row(status="EXECUTING", updatedAt="2026-06-01T12:00:01.000")
    shape_answer(
        httpx_mock,
        [change(executing, "update"), UP_TO_DATE],
        offset="1780315201000_4",
        cursor="7",
        schema=False,
    )
    done = row(
        status="COMPLETED_SUCCESSFULLY",
        updatedAt="2026-06-01T12:00:02.500",
        completedAt="2026-06-01T12:00:02.500",
        output='{"sent":true}',
    )
    shape_answer(
        httpx_mock, [change(done, "update"), UP_TO_DATE], offset="1_5", cursor="8", schema=False
    )
    seen: list[RealtimeRun] = []
    async for run in client.runs.subscribe("run_abc"):
        seen.append(run)
    assert [run.status for run in seen] == ["QUEUED", "EXECUTING", "COMPLETED"]
    assert seen[-1].output == {"sent": True}
    assert seen[-1].finished_at == datetime(2026, 6, 1, 12, 0, 2, 500000, tzinfo=timezone.utc)
    assert queries(httpx_mock) == [
        "log=full&offset=-1",
        "cursor=&handle=run-abc&live=true&log=full&offset=1780315200000_3",
        "cursor=7&handle=run-abc&live=true&log=full&offset=1780315201000_4",
    ]
    for request in httpx_mock.get_requests():
        assert request.method == "GET"
        assert request.url.path == "/realtime/v1/runs/run_abc"
        # The official client's shape stream headers, and no more (httpx's own aside).
        assert {
            key: value
            for key, value in request.headers.items()
            if key not in ("host", "accept", "accept-encoding", "connection")
        } == {
            "authorization": f"Bearer {SECRET_KEY}",
            "trigger-version": trigger.__version__,
            "x-trigger-api-version": "2025-07-16",
            "x-trigger-electric-version": "1.0.0-beta.1",
            "user-agent": f"trigger-sdk-python/{trigger.__version__}",
        }


async def test_a_subscription_sends_the_branch_and_default_headers_but_not_the_api_headers(
    httpx_mock: HTTPXMock,
) -> None:
    done = row(status="COMPLETED_SUCCESSFULLY", completedAt="2026-06-01T12:00:02.500")
    shape_answer(httpx_mock, [change(done), UP_TO_DATE], offset="1_1")
    async with trigger.AsyncClient(
        SECRET_KEY,
        base_url=BASE_URL,
        preview_branch="feature-x",
        default_headers={"X-Team": "billing"},
    ) as client:
        async for _ in client.runs.subscribe("run_abc"):
            pass
    (request,) = httpx_mock.get_requests()
    assert request.headers["x-trigger-branch"] == "feature-x"
    assert request.headers["x-team"] == "billing"
    for header in ("content-type", "x-trigger-source", "x-trigger-realtime-streams-version"):
        assert header not in request.headers


async def test_tag_and_batch_subscriptions_send_their_filters(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    shape_answer(httpx_mock, [change(row()), UP_TO_DATE], offset="0_1", handle="runs_1_2_ab")
    subscription = client.runs.subscribe_to_tag(
        ["user:1042", "org 7"], created_at="1h", skip_columns=["payload", "output"]
    )
    async with subscription:
        first = await subscription.__anext__()
    assert first.id == "run_abc"
    shape_answer(httpx_mock, [UP_TO_DATE], offset="0_1", handle="batch_x")
    batch_subscription = client.batch.subscribe("batch_x7", skip_columns="metadata")
    shape_answer(
        httpx_mock,
        [change(row()), UP_TO_DATE],
        offset="0_2",
        handle="batch_x",
        cursor="1",
        schema=False,
    )
    async with batch_subscription:
        async for run in batch_subscription:
            assert run.id == "run_abc"
            break
    requests = httpx_mock.get_requests()
    assert requests[0].url.path == "/realtime/v1/runs"
    assert queries(httpx_mock) == [
        "createdAt=1h&log=full&offset=-1&skipColumns=payload%2Coutput&tags=user%3A1042%2Corg+7",
        "log=full&offset=-1&skipColumns=metadata",
        "cursor=&handle=batch_x&live=true&log=full&offset=0_1&skipColumns=metadata",
    ]
    assert requests[1].url.path == "/realtime/v1/batches/batch_x7"


async def test_every_column_is_decoded_by_its_schema_type(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    value = row(
        status="COMPLETED_WITH_ERRORS",
        completedAt="2026-06-01T12:00:09.123",
        startedAt="2026-06-01 12:00:01.5",  # Postgres' own text form works too
        isTest="t",
        number="42",
        usageDurationMs="1250",
        costInCents="0.75",
        runTags='{"user:1042","say \\"hi\\"","back\\\\slash"}',
        realtimeStreams='{"progress"}',
        payload='{"json":{"due":"2026-07-01T00:00:00.000Z"},"meta":{"values":{"due":["Date"]}}}',
        payloadType="application/super+json",
        metadata='{"step":3}',
        error='{"type":"BUILT_IN_ERROR","name":"TypeError","message":"bad","stackTrace":"at x"}',
    )
    shape_answer(httpx_mock, [change(value), UP_TO_DATE], offset="1_1")
    run = await client.runs.subscribe("run_abc").__anext__()
    assert isinstance(run, RealtimeRun)
    assert run.status == "FAILED"
    assert run.is_failed and run.is_completed and not run.is_success and run.is_final
    assert run.is_test is True
    assert run.number == 42
    assert run.duration_ms == 1250
    assert run.cost_in_cents == 0.75
    assert run.tags == ["user:1042", 'say "hi"', "back\\slash"]
    assert run.realtime_streams == ["progress"]
    assert run.payload == {"due": datetime(2026, 7, 1, tzinfo=timezone.utc)}
    assert run.metadata == {"step": 3}
    assert run.error == trigger.types.RunError(name="TypeError", message="bad", stack_trace="at x")
    assert run.started_at == datetime(2026, 6, 1, 12, 0, 1, 500000, tzinfo=timezone.utc)
    assert run.ttl == "10m"
    assert run.to_dict()["status"] == "FAILED"


@pytest.mark.parametrize(
    ("db_status", "api_status"),
    [
        ("PENDING", "QUEUED"),
        ("WAITING_FOR_DEPLOY", "PENDING_VERSION"),
        ("WAITING_TO_RESUME", "WAITING"),
        ("PAUSED", "WAITING"),
        ("RETRYING_AFTER_FAILURE", "EXECUTING"),
        ("INTERRUPTED", "FAILED"),
        ("CANCELED", "CANCELED"),
        ("SOMETHING_NEW", "QUEUED"),
    ],
)
async def test_database_statuses_read_as_the_official_client_maps_them(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, db_status: str, api_status: str
) -> None:
    shape_answer(httpx_mock, [change(row(status=db_status)), UP_TO_DATE], offset="1_1")
    run = await client.runs.subscribe("run_abc").__anext__()
    assert run.status == api_status


async def test_updates_merge_and_rows_wait_for_up_to_date(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # A catch-up answer without up-to-date hands nothing on; the next request stays
    # non-live, and the row it completes is yielded once, merged.
    shape_answer(httpx_mock, [change(row())], offset="1_1")
    partial = {"status": "EXECUTING", "updatedAt": "2026-06-01T12:00:01.000"}
    shape_answer(httpx_mock, [change(partial, "update"), UP_TO_DATE], offset="1_2")
    subscription = client.runs.subscribe("run_abc")
    run = await subscription.__anext__()
    assert run.status == "EXECUTING"
    assert run.payload == {"invoice": "INV-1042"}  # kept from the insert
    assert queries(httpx_mock) == ["log=full&offset=-1", "handle=run-abc&log=full&offset=1_1"]
    assert subscription.offset == "1_2"
    assert subscription.handle == "run-abc"


async def test_must_refetch_starts_again_under_the_new_handle(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    shape_answer(httpx_mock, [change(row()), UP_TO_DATE], offset="1_1", handle="h1")
    httpx_mock.add_response(
        status_code=409,
        json=[{"headers": {"control": "must-refetch"}}],
        headers={"electric-handle": "h2"},
    )
    executing = row(status="EXECUTING")
    shape_answer(httpx_mock, [change(executing), UP_TO_DATE], offset="2_1", handle="h2")
    subscription = client.runs.subscribe("run_abc")
    assert (await subscription.__anext__()).status == "QUEUED"
    assert (await subscription.__anext__()).status == "EXECUTING"
    assert queries(httpx_mock) == [
        "log=full&offset=-1",
        "cursor=&handle=h1&live=true&log=full&offset=1_1",
        "expired_handle=h1&handle=h2&log=full&offset=-1",
    ]


async def test_an_answer_without_the_electric_headers_is_refused(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=[UP_TO_DATE], headers={"electric-offset": "1_1"})
    with pytest.raises(trigger.APIResponseValidationError, match="electric-handle") as info:
        await client.runs.subscribe("run_abc").__anext__()
    error = info.value
    shown = repr(error) + str(error) + repr(error.request) + repr(pickle.dumps(error))
    assert error.request is not None
    assert SECRET_KEY not in shown + repr(error.request.headers)


async def test_an_unknown_run_is_not_found_and_not_retried(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        status_code=404, json={"error": "Not found"}, headers={"x-should-retry": "false"}
    )
    with pytest.raises(trigger.NotFoundError):
        await retrying_client.runs.subscribe("run_abc").__anext__()
    assert len(httpx_mock.get_requests()) == 1


async def test_failed_polls_are_retried_from_the_same_offset(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    shape_answer(httpx_mock, [change(row()), UP_TO_DATE], offset="1_1")
    httpx_mock.add_exception(httpx.ReadError("connection reset by peer"))
    httpx_mock.add_response(status_code=503, json={"error": "unavailable"})
    running = row(status="EXECUTING")
    shape_answer(
        httpx_mock, [change(running, "update"), UP_TO_DATE], offset="1_2", cursor="1", schema=False
    )
    subscription = retrying_client.runs.subscribe("run_abc")
    statuses = [(await subscription.__anext__()).status for _ in range(2)]
    assert statuses == ["QUEUED", "EXECUTING"]
    live = "cursor=&handle=run-abc&live=true&log=full&offset=1_1"
    assert queries(httpx_mock) == ["log=full&offset=-1", live, live, live]
    assert len(sleeps) == 2
    await subscription.aclose()


async def test_a_live_poll_waits_longer_than_a_short_client_timeout(
    httpx_mock: HTTPXMock,
) -> None:
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, timeout=5) as short:
        shape_answer(httpx_mock, [change(row()), UP_TO_DATE], offset="1_1")
        shape_answer(httpx_mock, [UP_TO_DATE], offset="1_1", cursor="2", schema=False)
        shape_answer(
            httpx_mock,
            [change(row(status="EXECUTING"), "update"), UP_TO_DATE],
            offset="1_2",
            cursor="3",
            schema=False,
        )
        subscription = short.runs.subscribe("run_abc")
        await subscription.__anext__()
        await subscription.__anext__()
    first, live, _ = httpx_mock.get_requests()
    assert first.extensions["timeout"]["read"] == 5
    assert live.extensions["timeout"]["read"] == 45


async def test_offloaded_packets_are_downloaded_once(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    stored = row(payload="send-invoice/payload.json", payloadType="application/store")
    shape_answer(httpx_mock, [change(stored), UP_TO_DATE], offset="1_1")
    # 4.8.3 asks for the run's packet first; an older server answers 404 and the packet's
    # own URL is asked for by its storage path.
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/runs/run_abc/packets/payload",
        status_code=404,
        json={"error": "Not found"},
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/packets/send-invoice%2Fpayload.json",
        json={"presignedUrl": "https://storage.example.com/p?sig=1"},
    )
    httpx_mock.add_response(
        url="https://storage.example.com/p?sig=1",
        content=b'{"json":{"lines":3}}',
        headers={"content-type": "application/super+json"},
    )
    again = {**stored, "status": "EXECUTING"}
    shape_answer(
        httpx_mock, [change(again, "update"), UP_TO_DATE], offset="1_2", cursor="1", schema=False
    )
    subscription = client.runs.subscribe("run_abc")
    assert (await subscription.__anext__()).payload == {"lines": 3}
    assert (await subscription.__anext__()).payload == {"lines": 3}
    storage = [r for r in httpx_mock.get_requests() if r.url.host == "storage.example.com"]
    assert len(storage) == 1
    assert "authorization" not in storage[0].headers


async def test_a_canceled_run_ends_the_subscription_without_completed_at(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    shape_answer(httpx_mock, [change(row(status="CANCELED")), UP_TO_DATE], offset="1_1")
    assert [run.status async for run in client.runs.subscribe("run_abc")] == ["CANCELED"]


async def test_stop_on_completion_false_goes_on_after_the_final_status(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    done = row(status="COMPLETED_SUCCESSFULLY", completedAt="2026-06-01T12:00:02.000")
    shape_answer(httpx_mock, [change(done), UP_TO_DATE], offset="1_1")
    shape_answer(
        httpx_mock,
        [change({"metadata": '{"n":1}'}, "update"), UP_TO_DATE],
        offset="1_2",
        cursor="1",
        schema=False,
    )
    subscription = client.runs.subscribe("run_abc", stop_on_completion=False)
    assert (await subscription.__anext__()).status == "COMPLETED"
    assert (await subscription.__anext__()).metadata == {"n": 1}
    await subscription.aclose()
    assert subscription.closed
    with pytest.raises(StopAsyncIteration):
        await subscription.__anext__()
    assert len(httpx_mock.get_requests()) == 2


async def test_bad_arguments_are_refused_before_any_request(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(TypeError, match="run_id"):
        client.runs.subscribe(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stop_on_completion"):
        client.runs.subscribe("run_abc", stop_on_completion="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="skip_columns"):
        client.runs.subscribe("run_abc", skip_columns=["payload,output"])
    with pytest.raises(ValueError, match="tags"):
        client.runs.subscribe_to_tag([])
    with pytest.raises(ValueError, match="tag"):
        client.runs.subscribe_to_tag(["a,b"])
    with pytest.raises(ValueError, match="tag"):
        client.runs.subscribe_to_tag('say "hi"')
    with pytest.raises(ValueError, match="created_at"):
        client.runs.subscribe_to_tag("user:1", created_at="yesterday")
    with pytest.raises(TypeError, match="batch_id"):
        client.batch.subscribe(None)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


# -- against the emulator --------------------------------------------------------------------


class Gates:
    """Events a handler waits on, set by the test once it has seen the status before."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.resumed = threading.Event()

    def release(self) -> None:
        self.started.set()
        self.resumed.set()


@pytest.fixture
def gates(trigger_emulator: Emulator) -> Iterator[Gates]:
    """The ``realtime-steps`` task: runs, waits on the payload's token, runs, returns."""
    held = Gates()

    @trigger_emulator.task("realtime-steps")
    def steps(payload: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        held.started.wait(10)
        ctx.wait.for_token_sync(payload["token"])
        held.resumed.wait(10)
        return {"invoice": payload["invoice"], "sent": True}

    yield held
    held.release()


def collapsed(statuses: list[str]) -> list[str]:
    out: list[str] = []
    for status in statuses:
        if not out or out[-1] != status:
            out.append(status)
    return out


async def follow_every_status(
    client: trigger.AsyncClient, subscriber: trigger.AsyncClient, gates: Gates, lose: Any = None
) -> list[RealtimeRun]:
    """Pause the queue, trigger, then move the run one status on each time it is seen."""
    await client.queues.pause("realtime-steps", type="task")
    token = await client.wait.create_token()
    handle = await client.tasks.trigger(
        "realtime-steps", {"token": token.id, "invoice": "INV-1042"}
    )
    seen: list[RealtimeRun] = []
    async for run in subscriber.runs.subscribe(handle.id):
        seen.append(run)
        if run.status == "QUEUED":
            await client.queues.resume("realtime-steps", type="task")
        elif run.status == "EXECUTING" and not gates.started.is_set():
            gates.started.set()
        elif run.status == "WAITING":
            if lose is not None:
                lose()
            await client.wait.complete_token(token.id, {"approved": True})
        elif run.status == "EXECUTING":
            gates.resumed.set()
    return seen


async def test_every_status_is_seen_in_order_and_the_iteration_ends(
    trigger_emulator: Emulator, gates: Gates
) -> None:
    async with trigger.AsyncClient(
        trigger_emulator.secret_key, base_url=trigger_emulator.url
    ) as client:
        seen = await follow_every_status(client, client, gates)
    statuses = [run.status for run in seen]
    assert collapsed(statuses) == ["QUEUED", "EXECUTING", "WAITING", "EXECUTING", "COMPLETED"]
    assert len({(run.status, run.updated_at) for run in seen}) == len(seen)  # none twice
    assert seen[-1].output == {"invoice": "INV-1042", "sent": True}
    assert seen[-1].finished_at is not None
    assert seen[0].payload["invoice"] == "INV-1042"


async def test_a_lost_long_poll_answer_is_fetched_again_not_lost_or_repeated(
    trigger_emulator: Emulator, gates: Gates
) -> None:
    fast = trigger.RetryOptions(min_timeout=0.01, max_timeout=0.05)
    with running_proxy(trigger_emulator.url) as proxy:
        async with (
            trigger.AsyncClient(
                trigger_emulator.secret_key, base_url=trigger_emulator.url
            ) as client,
            trigger.AsyncClient(
                trigger_emulator.secret_key, base_url=proxy.base_url, retry=fast
            ) as subscriber,
        ):
            # The long poll held when the token completes answers EXECUTING; the proxy
            # resets the connection instead of passing that answer on.
            seen = await follow_every_status(
                client,
                subscriber,
                gates,
                lose=lambda: proxy.lose(Loss("GET", "/realtime/v1/runs/", how="drop")),
            )
        assert [r.lost for r in proxy.relayed if r.lost] == ["drop"]
        dropped = next(i for i, r in enumerate(proxy.relayed) if r.lost)
        # The retry asked again from the very offset whose answer was lost.
        assert "live=true" in proxy.relayed[dropped].path
        assert proxy.relayed[dropped + 1].path == proxy.relayed[dropped].path
    statuses = [run.status for run in seen]
    assert collapsed(statuses) == ["QUEUED", "EXECUTING", "WAITING", "EXECUTING", "COMPLETED"]
    assert len({(run.status, run.updated_at) for run in seen}) == len(seen)


async def test_tag_and_batch_subscriptions_see_runs_made_after_they_start(
    trigger_emulator: Emulator,
) -> None:
    async with trigger.AsyncClient(
        trigger_emulator.secret_key, base_url=trigger_emulator.url
    ) as client:
        first = await client.tasks.trigger("realtime-unhandled", tags=["invoice:1042", "eu"])
        await client.tasks.trigger("realtime-unhandled", tags=["invoice:1042"])  # not "eu"
        later = None
        finished: dict[str, str] = {}
        async with client.runs.subscribe_to_tag(["invoice:1042", "eu"]) as runs:
            async for run in runs:
                if later is None:
                    later = await client.tasks.trigger(
                        "realtime-unhandled", tags=["eu", "invoice:1042", "late"]
                    )
                if run.is_final:
                    finished[run.id] = run.status
                if later is not None and later.id in finished and first.id in finished:
                    break
        assert set(finished) == {first.id, later.id}

        batch = await client.batch.trigger(
            [{"task": "realtime-unhandled", "payload": {"n": n}} for n in range(3)]
        )
        statuses: dict[str, str] = {}
        async with client.batch.subscribe(batch.id) as batch_runs:
            async for run in batch_runs:
                statuses[run.id] = run.status
                if len(statuses) == 3 and all(s == "COMPLETED" for s in statuses.values()):
                    break
        assert len(statuses) == batch.run_count == 3


async def test_a_public_access_token_subscribes_to_its_run_only(
    trigger_emulator: Emulator,
) -> None:
    async with trigger.AsyncClient(
        trigger_emulator.secret_key, base_url=trigger_emulator.url
    ) as client:
        mine = await client.tasks.trigger("realtime-unhandled", {"order": 1})
        other = await client.tasks.trigger("realtime-unhandled", {"order": 2})
        assert mine.public_access_token is not None
        reader = client.with_options(secret_key=mine.public_access_token)
        statuses = [run.status async for run in reader.runs.subscribe(mine.id)]
        assert statuses[-1] == "COMPLETED"
        with pytest.raises(trigger.PermissionDeniedError):
            await reader.runs.subscribe(other.id).__anext__()
