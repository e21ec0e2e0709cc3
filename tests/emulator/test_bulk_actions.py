"""Bulk actions: cancel and replay by ids or by filter, progress, list, abort.

Through the real SDK over real sockets, and with raw httpx for the real server's statuses
and bodies (measured on it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock


def _headers(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}", "x-trigger-api-version": "2025-07-16"}


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=trigger_emulator.url, headers=_headers(trigger_emulator.secret_key)
    ) as client:
        yield client


def _delayed(client: trigger.Client, task: str, count: int, **options: Any) -> list[str]:
    return [client.tasks.trigger(task, {"n": n}, delay="1h", **options).id for n in range(count)]


def test_cancel_by_ids_counts_finished_runs_as_failures(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    waiting = _delayed(trigger_client, "later", 3)
    done = trigger_client.tasks.trigger("quick").id
    trigger_emulator.wait_for_run(done)
    created = trigger_client.runs.bulk.cancel(run_ids=[*waiting, done, "run_nope"], name="tidy")
    action = trigger_client.runs.bulk.poll(created.id, interval=0.1, timeout=10)
    assert (action.status, action.type, action.name) == ("COMPLETED", "CANCEL", "tidy")
    assert (action.counts.total, action.counts.success, action.counts.failure) == (4, 3, 1)
    assert action.completed_at is not None
    canceled = [trigger_client.runs.retrieve(r) for r in waiting]
    assert {run.status for run in canceled} == {"CANCELED"}
    assert {run.error.message for run in canceled if run.error} == {
        f"Bulk action {created.id} cancelled run"
    }
    tagged = {run.id for run in trigger_client.runs.list(bulk_action=created.id)}
    assert tagged == set(waiting)


@pytest.mark.anyio
async def test_cancel_by_filter(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    client = trigger_async_client
    doomed = [
        (await client.tasks.trigger("f", n, delay="1h", tags=["doomed"])).id for n in range(3)
    ]
    spared = (await client.tasks.trigger("f", 9, delay="1h", tags=["spared"])).id
    created = await client.runs.bulk.cancel(filter={"tag": "doomed"})
    action = await client.runs.bulk.poll(created.id, interval=0.1, timeout=10)
    assert (action.counts.total, action.counts.success, action.counts.failure) == (3, 3, 0)
    assert {(await client.runs.retrieve(r)).status for r in doomed} == {"CANCELED"}
    assert (await client.runs.retrieve(spared)).status == "DELAYED"


def test_replay_by_ids_makes_new_runs_of_the_same_inputs(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    originals = [trigger_client.tasks.trigger("echo", {"n": n}, tags=["orig"]).id for n in range(2)]
    for run_id in originals:
        trigger_emulator.wait_for_run(run_id)
    created = trigger_client.runs.bulk.replay(run_ids=originals)
    action = trigger_client.runs.bulk.poll(created.id, interval=0.1, timeout=10)
    assert (action.type, action.counts.success, action.counts.failure) == ("REPLAY", 2, 0)
    replays = list(trigger_client.runs.list(bulk_action=created.id))
    assert len(replays) == 2
    assert not {run.id for run in replays} & set(originals)
    payloads = sorted(trigger_client.runs.retrieve(run.id).payload["n"] for run in replays)
    assert payloads == [0, 1]
    assert {tuple(run.tags) for run in replays} == {("orig",)}


def test_chunks_show_progress_and_abort_stops_the_rest() -> None:
    clock = ManualClock()
    with (
        Emulator(clock=clock) as emulator,
        emulator.client() as client,
        httpx.Client(base_url=emulator.url, headers=_headers(emulator.secret_key)) as http,
    ):
        body = {"items": [{"task": "held", "options": {"delay": "1h"}}] * 150}
        assert http.post("/api/v1/tasks/batch", json=body).status_code == 202
        created = client.runs.bulk.cancel(filter={"task_identifier": "held"})
        deadline = time.monotonic() + 10
        action = client.runs.bulk.retrieve(created.id)
        while action.counts.success < 100:
            assert time.monotonic() < deadline
            action = client.runs.bulk.retrieve(created.id)
        # The first chunk of 100 ran; the next waits 200 ms on the emulator's clock.
        assert (action.status, action.counts.total, action.counts.success) == ("PENDING", 150, 100)
        assert client.runs.bulk.abort(created.id).id == created.id
        clock.advance(1)
        time.sleep(0.05)
        action = client.runs.bulk.retrieve(created.id)
        assert (action.status, action.counts.success, action.completed_at) == ("ABORTED", 100, None)
        response = http.post(f"/api/v1/bulk-actions/{created.id}/abort")
        assert (response.status_code, response.json()) == (
            409,
            {"error": f"Bulk action group already aborted: {created.id}"},
        )
        left = list(client.runs.list(task_identifier="held", status="DELAYED"))
        assert len(left) == 50

        second = client.runs.bulk.cancel(filter={"task_identifier": "held"})
        clock.advance(0.2)
        deadline = time.monotonic() + 10
        while client.runs.bulk.retrieve(second.id).status == "PENDING":
            assert time.monotonic() < deadline
            clock.advance(0.2)
            time.sleep(0.01)
        done = client.runs.bulk.retrieve(second.id)
        # The first action's window is pinned: it counted the 150 runs, the second 150 too
        # (100 of them already canceled: failures).
        assert (done.counts.total, done.counts.success, done.counts.failure) == (150, 50, 100)
        response = http.post(f"/api/v1/bulk-actions/{second.id}/abort")
        assert response.json() == {"error": f"Bulk action group already completed: {second.id}"}


def test_list_is_newest_first_with_cursors(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    ids = [trigger_client.runs.bulk.cancel(run_ids=[f"run_x{n}"]).id for n in range(3)]
    deadline = time.monotonic() + 10  # the runtime completes them at its next step
    while any(trigger_client.runs.bulk.retrieve(i).status == "PENDING" for i in ids):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    page = http.get("/api/v1/bulk-actions", params={"page[size]": 2}).json()
    assert [item["id"] for item in page["data"]] == [ids[2], ids[1]]
    assert set(page["pagination"]) == {"next"}
    rest = http.get(
        "/api/v1/bulk-actions", params={"page[size]": 2, "page[after]": page["pagination"]["next"]}
    ).json()
    assert [item["id"] for item in rest["data"]] == [ids[0]]
    assert set(rest["pagination"]) == {"previous"}
    back = http.get(
        "/api/v1/bulk-actions",
        params={"page[size]": 2, "page[before]": rest["pagination"]["previous"]},
    ).json()
    assert [item["id"] for item in back["data"]] == [ids[2], ids[1]]
    assert [action.id for action in trigger_client.runs.bulk.list(limit=1)] == ids[::-1]
    item = page["data"][0]
    assert set(item) == {"id", "type", "status", "counts", "createdAt", "completedAt"}


def test_create_refusals(trigger_emulator: Emulator, http: httpx.Client) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        (
            {},
            400,
            "Validation error: Invalid discriminator value. Expected 'cancel' | 'replay' at \"action\"",
        ),
        (
            {"action": "cancel", "runIds": ["run_x"], "filter": {"taskIdentifier": "x"}},
            400,
            "Validation error: Exactly one of filter or runIds must be provided",
        ),
        (
            {"action": "cancel"},
            400,
            "Validation error: Exactly one of filter or runIds must be provided",
        ),
        (
            {"action": "cancel", "filter": {"taskIdentifier": " ", "tag": []}},
            400,
            'Validation error: At least one filter must be provided at "filter"',
        ),
        (
            {"action": "cancel", "runIds": ["run_x"], "targetRegion": "eu"},
            400,
            'Validation error: Expected never, received string at "targetRegion"',
        ),
        (
            {"action": "cancel", "filter": {"status": "FROZEN"}},
            400,
            "Validation error: Invalid enum value. Expected 'PENDING_VERSION' | 'QUEUED' | "
            "'DEQUEUED' | 'EXECUTING' | 'WAITING' | 'COMPLETED' | 'CANCELED' | 'FAILED' | "
            "'CRASHED' | 'SYSTEM_FAILURE' | 'DELAYED' | 'EXPIRED' | 'TIMED_OUT', received "
            "'FROZEN' at \"filter.status\", or Expected array, received string at "
            '"filter.status"',
        ),
        (
            {"action": "cancel", "runIds": []},
            400,
            'Validation error: Array must contain at least 1 element(s) at "runIds"',
        ),
        (
            {"action": "cancel", "runIds": ["a"], "name": "x" * 256},
            400,
            'Validation error: Name must be less than 255 characters at "name"',
        ),
        (
            {"action": "cancel", "runIds": ["a"] * 501},
            400,
            "Too many runIds (501). Maximum is 500. Use a filter to select more runs.",
        ),
        ({"action": "cancel", "filter": {"period": "abc"}}, 500, "Failed to create bulk action"),
        (
            {"action": "cancel", "filter": {"from": "abc"}},
            400,
            'Validation error: Invalid date at "filter.from", or Expected number, received '
            'string at "filter.from"',
        ),
    ]
    for body, status, error in cases:
        response = http.post("/api/v1/bulk-actions", json=body)
        assert (response.status_code, response.json()) == (status, {"error": error}), body
    with trigger_emulator.client() as client:
        token = client.auth.create_public_token(scopes=["read:runs"])
    response = http.post("/api/v1/bulk-actions", json={}, headers=_headers(token))
    assert (response.status_code, response.json()) == (401, {"error": "Invalid API key"})


def test_reads_and_abort_of_unknown_actions(http: httpx.Client) -> None:
    response = http.get("/api/v1/bulk-actions/bulk_nope")
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})
    assert response.headers["x-should-retry"] == "false"
    response = http.post("/api/v1/bulk-actions/bulk_nope/abort")
    assert (response.status_code, response.json()) == (404, {"error": "Resource not found"})
    response = http.get("/api/v1/bulk-actions/bulk_nope/abort")
    assert (response.status_code, response.json()) == (400, {"message": "Unexpected Server Error"})
    response = http.post("/api/v1/bulk-actions/bulk_nope")
    assert (response.status_code, response.json()) == (405, {"message": "Unexpected Server Error"})
    for query in ({"page[after]": "a", "page[before]": "b"}, {"page[after]": "abc"}):
        response = http.get("/api/v1/bulk-actions", params=query)
        assert (response.status_code, response.json()) == (500, {"error": "Internal Server Error"})
    response = http.get("/api/v1/bulk-actions", params={"page[size]": 0})
    assert response.status_code == 400
    assert response.json()["error"] == "Query Error"


def test_at_most_three_replays_at_a_time() -> None:
    clock = ManualClock()
    with (
        Emulator(clock=clock) as emulator,
        httpx.Client(base_url=emulator.url, headers=_headers(emulator.secret_key)) as http,
    ):
        body = {"items": [{"task": "r", "options": {"delay": "1h"}}] * 101}
        runs = [run["id"] for run in http.post("/api/v1/tasks/batch", json=body).json()["runs"]]
        # 101 runs: each replay stays pending after its first chunk (the clock stands still).
        for _ in range(3):
            response = http.post("/api/v1/bulk-actions", json={"action": "replay", "runIds": runs})
            assert response.status_code == 202
        response = http.post("/api/v1/bulk-actions", json={"action": "replay", "runIds": runs})
        assert response.status_code == 429
        assert response.headers["x-should-retry"] == "false"
        assert response.json() == {
            "error": "You can only run 3 bulk replays at a time in this environment. Wait for "
            "an in-progress replay to finish before starting another."
        }
        cancel = http.post("/api/v1/bulk-actions", json={"action": "cancel", "runIds": runs})
        assert cancel.status_code == 202


def test_bulk_engine_chunks_and_abort() -> None:
    from trigger.emulator.engine import bulk_actions as engine
    from trigger.emulator.engine.bulk_actions import BulkActionState, BulkSelection

    action = BulkActionState(
        id="a", friendly_id="bulk_a", env_id="e", type="CANCEL", status="PENDING",
        created_at=1, updated_at=1, selection=BulkSelection(run_ids=("run_x",)), total_count=150,
    )  # fmt: skip
    first = engine.record_chunk(
        action, 10, succeeded=90, failed=10, cursor=(100, 0), finished=False
    )
    assert (first.status, first.success_count, first.failure_count) == ("PENDING", 90, 10)
    assert first.next_chunk_at == 10 + engine.CHUNK_DELAY_MS
    last = engine.record_chunk(first, 300, succeeded=50, failed=0, cursor=None, finished=True)
    assert (last.status, last.success_count, last.completed_at, last.cursor) == (
        "COMPLETED",
        140,
        300,
        (100, 0),
    )
    assert engine.record_chunk(last, 400, succeeded=1, failed=0, cursor=None, finished=True) is last
    aborted = engine.abort(first, 20)
    assert (aborted.status, aborted.next_chunk_at, aborted.completed_at) == ("ABORTED", None, None)
