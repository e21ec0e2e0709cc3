"""The emulator's realtime run shapes over raw HTTP, and subscriptions across its lifecycle.

Wire facts are SERVER.md §11 (the native backend of the server): headers, the schema, the
encoding of every column, offsets and handles, what a held live request answers. Then what
only a real socket shows: a held poll is let go as its client disconnects or the emulator
stops, and a subscription survives a restart of an emulator on its database file.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import msgspec
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock
from trigger.emulator.engine import realtime as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.routes import realtime as routes
from trigger.emulator.store_realtime import feed_of

ELECTRIC = {"x-trigger-electric-version": "1.0.0-beta.1", "x-trigger-api-version": "2025-07-16"}


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {trigger_emulator.secret_key}", **ELECTRIC}
    with httpx.Client(base_url=trigger_emulator.url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def short_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live requests held 300 ms instead of 20 s."""
    monkeypatch.setattr(routes, "hold_ms", lambda: 300)


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.005)


def snapshot(http: httpx.Client, path: str, **params: str) -> httpx.Response:
    response = http.get(path, params={"log": "full", "offset": "-1", **params})
    assert response.status_code == 200, response.text
    return response


def live(http: httpx.Client, path: str, previous: httpx.Response, **params: str) -> httpx.Response:
    query = {
        "cursor": previous.headers.get("electric-cursor", ""),
        "handle": previous.headers["electric-handle"],
        "live": "true",
        "log": "full",
        "offset": previous.headers["electric-offset"],
        **params,
    }
    response = http.get(path, params=query)
    assert response.status_code == 200, response.text
    return response


def seq(offset: str) -> int:
    return int(offset.split("_")[1])


# -- the wire --------------------------------------------------------------------------------


def test_a_snapshot_is_one_insert_then_up_to_date_with_the_servers_headers(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    client = trigger_client
    handle = client.tasks.trigger(
        "realtime-wire",
        {"invoice": "INV-1042"},
        tags=["user:1042", 'say "hi"', "back\\slash"],
        metadata={"step": 1},
        delay="1h",
    )
    response = snapshot(http, f"/realtime/v1/runs/{handle.id}")
    run_id = handle.id.removeprefix("run_")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "*"
    assert response.headers["electric-handle"] == f"run-{run_id}"
    assert "electric-cursor" not in response.headers
    schema = json.loads(response.headers["electric-schema"])
    assert list(schema) == [name for name, *_ in engine.COLUMNS]
    assert schema["runTags"] == {"type": "text", "dims": 1}
    assert schema["isTest"] == {"type": "bool"}
    messages = response.json()
    assert messages[-1] == {"headers": {"control": "up-to-date"}}
    (insert,) = messages[:-1]
    assert insert["key"] == f'"public"."TaskRun"/"{run_id}"'
    assert insert["headers"] == {"operation": "insert"}
    value = insert["value"]
    assert list(value) == list(schema)
    assert all(v is None or isinstance(v, str) for v in value.values())
    assert value["id"] == run_id
    assert value["friendlyId"] == handle.id
    assert value["status"] == "DELAYED"  # the database status
    assert value["runTags"] == '{"user:1042","say \\"hi\\"","back\\\\slash"}'
    assert value["realtimeStreams"] == "{}"
    assert value["isTest"] == "f"
    assert value["number"] == "0"
    assert value["payload"] == '{"invoice":"INV-1042"}'
    assert value["payloadType"] == "application/json"
    assert json.loads(value["metadata"]) == {"step": 1}
    assert value["completedAt"] is None
    stored = trigger_emulator.run(handle.id)
    assert stored is not None
    # Timestamps without the trailing Z, the offset <updatedAt ms>_<change number>.
    assert value["createdAt"] + "Z" == stored["createdAt"]
    assert value["delayUntil"] + "Z" == stored["delayedUntil"]
    updated_ms = int(datetime.fromisoformat(value["updatedAt"] + "+00:00").timestamp() * 1000)
    assert response.headers["electric-offset"].split("_")[0] == str(updated_ms)


def test_legacy_clients_get_the_legacy_header_names(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    handle = trigger_client.tasks.trigger("realtime-wire", delay="1h")
    path = f"/realtime/v1/runs/{handle.id}"
    response = http.get(path, params={"offset": "-1"}, headers={"x-trigger-electric-version": ""})
    assert "electric-offset" in response.headers  # an empty header is still the header
    headers = {"authorization": f"Bearer {trigger_emulator.secret_key}"}
    legacy = httpx.get(trigger_emulator.url + path, params={"offset": "-1"}, headers=headers)
    assert legacy.headers["electric-shape-id"] == f"run-{handle.id.removeprefix('run_')}"
    assert "electric-chunk-last-offset" in legacy.headers
    assert "electric-handle" not in legacy.headers
    # The legacy shape_id parameter names the handle: this is a catch-up, not a first request.
    again = httpx.get(
        trigger_emulator.url + path,
        params={"offset": legacy.headers["electric-chunk-last-offset"], "shape_id": "run-x"},
        headers=headers,
    )
    assert again.headers["electric-shape-id"] == "run-x"


def test_a_live_request_is_answered_the_moment_the_run_changes(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    client = trigger_client
    handle = client.tasks.trigger("realtime-wire", delay="1h")
    path = f"/realtime/v1/runs/{handle.id}"
    first = snapshot(http, path)
    answers: list[httpx.Response] = []
    poll = threading.Thread(target=lambda: answers.append(live(http, path, first)))
    poll.start()
    wait_until(lambda: feed_of(trigger_emulator._store).waiting() == 1)
    started = time.monotonic()
    client.runs.update_metadata(handle.id, metadata={"progress": 0.5})
    poll.join(10)
    assert time.monotonic() - started < 5  # a 20 s hold would still be going
    (answer,) = answers
    messages = answer.json()
    assert [m["headers"] for m in messages] == [{"operation": "update"}, {"control": "up-to-date"}]
    assert json.loads(messages[0]["value"]["metadata"]) == {"progress": 0.5}
    assert "electric-schema" not in answer.headers
    assert answer.headers["electric-cursor"]
    assert answer.headers["electric-handle"] == first.headers["electric-handle"]
    assert seq(answer.headers["electric-offset"]) > seq(first.headers["electric-offset"])


def test_a_quiet_live_request_ends_with_a_bare_up_to_date(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client, short_hold: None
) -> None:
    handle = trigger_client.tasks.trigger("realtime-wire", delay="1h")
    path = f"/realtime/v1/runs/{handle.id}"
    first = snapshot(http, path)
    quiet = live(http, path, first)
    assert quiet.json() == [{"headers": {"control": "up-to-date"}}]
    assert quiet.headers["electric-offset"] == first.headers["electric-offset"]
    assert quiet.headers["electric-cursor"]
    again = live(http, path, quiet)
    assert again.headers["electric-cursor"] != quiet.headers["electric-cursor"]
    # A catch-up with a handle (not live) gets the whole snapshot again.
    catch_up = http.get(
        path, params={"handle": first.headers["electric-handle"], "offset": "5_1", "log": "full"}
    )
    assert [m["headers"] for m in catch_up.json()] == [
        {"operation": "insert"},
        {"control": "up-to-date"},
    ]
    assert "electric-schema" in catch_up.headers


def test_offsets_only_grow_across_changes_and_resets(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    client = trigger_client
    handle = client.tasks.trigger("realtime-wire", delay="1h")
    offsets = [snapshot(http, f"/realtime/v1/runs/{handle.id}").headers["electric-offset"]]
    for step in range(3):
        client.runs.update_metadata(handle.id, metadata={"step": step})
        offsets.append(snapshot(http, f"/realtime/v1/runs/{handle.id}").headers["electric-offset"])
    trigger_emulator.reset()
    fresh = client.tasks.trigger("realtime-wire", delay="1h")
    offsets.append(snapshot(http, f"/realtime/v1/runs/{fresh.id}").headers["electric-offset"])
    assert [seq(o) for o in offsets] == sorted({seq(o) for o in offsets})


def test_skip_columns_from_the_query_and_from_the_token(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    client = trigger_client
    handle = client.tasks.trigger("realtime-wire", {"big": "x" * 100}, delay="1h")
    path = f"/realtime/v1/runs/{handle.id}"
    response = snapshot(http, path, skipColumns="payload,status,id,output, ttl")
    value = response.json()[0]["value"]
    assert {"payload", "output", "ttl"}.isdisjoint(value)
    assert {"id", "status", "friendlyId", "taskIdentifier", "createdAt"} <= set(value)
    assert set(json.loads(response.headers["electric-schema"])) == set(value)
    token = client.auth.create_public_token(
        scopes=[f"read:runs:{handle.id}"], realtime={"skip_columns": ["metadata"]}
    )
    with_token = httpx.get(
        trigger_emulator.url + path,
        params={"offset": "-1", "skipColumns": "payload"},
        headers={"authorization": f"Bearer {token}", **ELECTRIC},
    )
    value = with_token.json()[0]["value"]
    assert "metadata" not in value and "payload" in value  # the token's list wins


def test_refusals(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    client = trigger_client
    handle = client.tasks.trigger("realtime-wire", tags=["team:billing"], delay="1h")
    other = client.tasks.trigger("realtime-wire", tags=["team:ops"], delay="1h")
    missing = http.get("/realtime/v1/runs/run_nope", params={"offset": "-1"})
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    assert missing.headers["x-should-retry"] == "false"
    no_batch = http.get("/realtime/v1/batches/batch_nope", params={"offset": "-1"})
    assert (no_batch.status_code, no_batch.json()) == (404, {"error": "Not found"})
    assert no_batch.headers["x-should-retry"] == "true"
    anonymous = httpx.get(f"{trigger_emulator.url}/realtime/v1/runs/{handle.id}")
    assert anonymous.status_code == 401
    bad = http.get("/realtime/v1/runs", params={"tags": 'ok,say "hi"', "offset": "-1"})
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "Query Error",
        "details": [{"code": "custom", "message": 'Invalid tag: "say \\"hi\\""', "path": ["tags"]}],
    }
    empty = http.get("/realtime/v1/runs", params={"tags": "a,,b", "offset": "-1"})
    assert empty.json()["details"][0]["message"] == 'Invalid tag: ""'
    assert http.post(f"/realtime/v1/runs/{handle.id}").status_code == 405

    def status(token: str, path: str, **params: str) -> int:
        headers = {"authorization": f"Bearer {token}", **ELECTRIC}
        answer = httpx.get(
            trigger_emulator.url + path, params={"offset": "-1", **params}, headers=headers
        )
        return answer.status_code

    by_tag = client.auth.create_public_token(scopes=["read:tags:team:billing"])
    assert status(by_tag, f"/realtime/v1/runs/{handle.id}") == 200
    assert status(by_tag, f"/realtime/v1/runs/{other.id}") == 403
    assert status(by_tag, "/realtime/v1/runs", tags="team:billing") == 200
    assert status(by_tag, "/realtime/v1/runs", tags="team:ops") == 403
    by_task = client.auth.create_public_token(scopes=["read:tasks:realtime-wire"])
    assert status(by_task, f"/realtime/v1/runs/{other.id}") == 200
    assert status(by_task, "/realtime/v1/runs", tags="team:ops") == 403
    assert status(handle.public_access_token or "", f"/realtime/v1/runs/{handle.id}") == 200
    assert status(handle.public_access_token or "", f"/realtime/v1/runs/{other.id}") == 403


def test_the_tag_feed_window_inserts_and_updates() -> None:
    clock = ManualClock()
    with Emulator(clock=clock) as emulator, emulator.client() as client:
        headers = {"authorization": f"Bearer {emulator.secret_key}", **ELECTRIC}
        with httpx.Client(base_url=emulator.url, headers=headers, timeout=30) as http:
            old = client.tasks.trigger("realtime-wire", tags=["region:eu"], delay="1d")
            clock.advance(2 * 3600)
            recent = client.tasks.trigger("realtime-wire", tags=["region:eu"], delay="1d")
            client.tasks.trigger("realtime-wire", tags=["region:us"], delay="1d")
            first = snapshot(http, "/realtime/v1/runs", tags="region:eu", createdAt="1h")
            ids = [m["value"]["friendlyId"] for m in first.json()[:-1]]
            assert ids == [recent.id]
            floor = engine.created_at_floor("1h", clock.now_ms())
            assert first.headers["electric-handle"].startswith(f"runs_{floor}_")
            wide = snapshot(http, "/realtime/v1/runs", tags="region:eu")  # 24 h by default
            assert [m["value"]["friendlyId"] for m in wide.json()[:-1]] == [old.id, recent.id]
            answers: list[httpx.Response] = []
            poll = threading.Thread(
                target=lambda: answers.append(
                    live(http, "/realtime/v1/runs", first, tags="region:eu")
                )
            )
            poll.start()
            wait_until(lambda: feed_of(emulator._store).waiting() == 1)
            late = client.tasks.trigger("realtime-wire", tags=["region:eu", "late"], delay="1d")
            poll.join(10)
            (inserted,) = answers[0].json()[:-1]
            assert (inserted["value"]["friendlyId"], inserted["headers"]) == (
                late.id,
                {"operation": "insert"},
            )
            client.runs.update_metadata(recent.id, metadata={"seen": True})
            changed = live(http, "/realtime/v1/runs", answers[0], tags="region:eu")
            (updated,) = changed.json()[:-1]
            assert (updated["value"]["friendlyId"], updated["headers"]) == (
                recent.id,
                {"operation": "update"},
            )


def test_the_batch_feed(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    client = trigger_client
    batch = client.batch.trigger(
        [
            {"task": "realtime-wire", "payload": {"n": n}, "options": {"delay": "1h"}}
            for n in range(2)
        ]
    )
    wait_until(lambda: len(snapshot(http, f"/realtime/v1/batches/{batch.id}").json()) == 3)
    first = snapshot(http, f"/realtime/v1/batches/{batch.id}")
    assert first.headers["electric-handle"].startswith(f"batch_{batch.id}_")
    other = snapshot(http, f"/realtime/v1/batches/{batch.id}")
    assert other.headers["electric-handle"] != first.headers["electric-handle"]
    assert {json.loads(m["value"]["payload"])["n"] for m in first.json()[:-1]} == {0, 1}


# -- held requests, disconnects, stops, restarts ---------------------------------------------


@pytest.mark.anyio
async def test_a_cancelled_subscription_closes_its_connection_at_once(
    trigger_emulator: Emulator,
) -> None:
    feed = feed_of(trigger_emulator._store)
    async with trigger_emulator.async_client() as client:
        await client.tasks.trigger("realtime-wire", tags=["cancel-me"], delay="1h")
        subscription = client.runs.subscribe_to_tag("cancel-me")
        first = await subscription.__anext__()  # the snapshot; the next one is a held poll
        assert first.status == "DELAYED"
        with anyio.move_on_after(0.5):
            await subscription.__anext__()
        assert feed.waiting() == 0 or await _drained(feed)
        # Nothing was lost by the cancel: the subscription goes on from where it was.
        await client.runs.update_metadata(first.id, metadata={"after": "cancel"})
        again = await subscription.__anext__()
        assert again.metadata == {"after": "cancel"}
        await subscription.aclose()


async def _drained(feed: Any) -> bool:
    # The server lets the held poll go when it sees the disconnect: within moments.
    with anyio.fail_after(3):
        while feed.waiting():
            await anyio.sleep(0.01)
    return True


def test_breaking_out_of_a_subscription_leaves_no_request_held(
    trigger_emulator: Emulator,
) -> None:
    with trigger_emulator.client() as client:
        handle = client.tasks.trigger("realtime-wire", delay="1h")
        with client.runs.subscribe(handle.id) as subscription:
            for run in subscription:
                assert run.status == "DELAYED"
                break
        assert subscription.closed
        count = len(trigger_emulator.requests("/realtime/"))
        assert list(subscription) == []
        assert len(trigger_emulator.requests("/realtime/")) == count
    assert feed_of(trigger_emulator._store).waiting() == 0


def test_stopping_the_emulator_answers_held_polls() -> None:
    emulator = Emulator().start()
    with emulator.client() as client:
        handle = client.tasks.trigger("realtime-wire", delay="1h")
    headers = {"authorization": f"Bearer {emulator.secret_key}", **ELECTRIC}
    path = f"{emulator.url}/realtime/v1/runs/{handle.id}"
    first = httpx.get(path, params={"offset": "-1"}, headers=headers)
    answers: list[Any] = []

    def hold() -> None:
        try:
            answers.append(
                httpx.get(
                    path,
                    params={
                        "offset": first.headers["electric-offset"],
                        "handle": first.headers["electric-handle"],
                        "live": "true",
                    },
                    headers=headers,
                    timeout=30,
                )
            )
        except httpx.HTTPError as exc:
            answers.append(exc)

    poll = threading.Thread(target=hold)
    poll.start()
    wait_until(lambda: feed_of(emulator._store).waiting() == 1)
    emulator.stop()
    poll.join(10)
    (answer,) = answers
    # Answered (not cut off when the graceful shutdown gives up on it).
    assert isinstance(answer, httpx.Response), answer
    assert answer.json() == [{"headers": {"control": "up-to-date"}}]


@pytest.mark.parametrize("mode", ["sync", "asyncio", "trio"])
def test_a_subscription_survives_a_restart_without_losing_or_repeating(
    tmp_path: Path, mode: str
) -> None:
    db = str(tmp_path / "emulator.db")
    first = Emulator(db=db, unhandled="pending_version").start()
    port = int(first.url.rsplit(":", 1)[1])
    key = first.secret_key
    client = first.client()
    handle = client.tasks.trigger("realtime-parked", {"invoice": "INV-7"})
    seen: list[Any] = []
    errors: list[BaseException] = []
    fast = trigger.RetryOptions(max_attempts=100, min_timeout=0.05, max_timeout=0.2)
    subscriber = trigger.Client(key, base_url=first.url, retry=fast)

    async def follow_async() -> None:
        async with trigger.AsyncClient(key, base_url=first.url, retry=fast) as client:
            async for run in client.runs.subscribe(handle.id):
                seen.append(run)

    def follow() -> None:
        try:
            if mode == "sync":
                seen.extend(subscriber.runs.subscribe(handle.id))
            else:
                anyio.run(follow_async, backend=mode)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=follow)
    thread.start()
    wait_until(lambda: seen and seen[-1].status == "PENDING_VERSION")
    client.runs.update_metadata(handle.id, metadata={"before": "restart"})
    wait_until(lambda: seen[-1].metadata == {"before": "restart"})
    client.close()
    first.stop()
    second = Emulator(db=db, port=port, unhandled="pending_version").start()
    try:
        with second.client() as again:
            # Made before the subscriber is back (it retries every 50-200 ms): its first poll
            # to the new process must get it from its old offset.
            again.runs.update_metadata(handle.id, metadata={"after": "restart"})
            wait_until(lambda: seen[-1].metadata == {"after": "restart"}, timeout=10)
            again.runs.cancel(handle.id)
            thread.join(10)
    finally:
        second.stop()
        subscriber.close()
    assert errors == []
    metadata = [run.metadata for run in seen]
    assert metadata == [None, {"before": "restart"}, {"after": "restart"}, {"after": "restart"}]
    assert [run.status for run in seen][-1] == "CANCELED"
    assert len({run.updated_at for run in seen}) == len(seen)


# -- the pure encoding -----------------------------------------------------------------------


def _run(**changes: Any) -> RunState:
    base = RunState(
        id="cm1",
        friendly_id="run_cm1",
        env_id="env",
        task="send-invoice",
        status="PENDING",
        created_at=1_780_315_200_000,
        updated_at=1_780_315_200_250,
    )
    return msgspec.structs.replace(base, **changes)


def test_values_are_encoded_as_the_server_encodes_them() -> None:
    value = engine.encode_row(
        _run(
            is_test=True,
            usage_duration_ms=1250,
            error={"type": "STRING_ERROR", "raw": "boom ✓"},
            tags=("a",),
            completed_at=1_780_315_201_000,
        )
    )
    assert value["createdAt"] == "2026-06-01T12:00:00.000"
    assert value["updatedAt"] == "2026-06-01T12:00:00.250"
    assert value["completedAt"] == "2026-06-01T12:00:01.000"
    assert value["startedAt"] is None
    assert value["isTest"] == "t"
    assert value["usageDurationMs"] == "1250"
    assert value["error"] == '{"type":"STRING_ERROR","raw":"boom ✓"}'
    assert value["runTags"] == '{"a"}'
    assert engine.encode_row(_run())["runTags"] is None
    assert set(engine.encode_row(_run(), frozenset({"payload"}))) == {
        name for name, *_ in engine.COLUMNS
    } - {"payload"}


def test_bodies_offsets_handles_and_windows() -> None:
    run = _run(status="DEQUEUED")
    current = json.loads(engine.body([(run, "update")], api_version="2025-07-16"))
    assert current[0]["value"]["status"] == "DEQUEUED"
    legacy = json.loads(engine.body([(run, "update")], api_version=None))
    assert legacy[0]["value"]["status"] == "EXECUTING"
    assert engine.body([]) == '[{"headers":{"control":"up-to-date"}}]'
    assert engine.encode_offset(1_780_315_200_250, 7) == "1780315200250_7"
    assert [engine.offset_seq(o) for o in ("1_7", "-1", "", "x_y", "1_" + "9" * 30)] == [
        7,
        0,
        0,
        0,
        0,
    ]
    assert engine.filter_ms_from_handle(engine.list_handle(60_000, 3, "ab12")) == 60_000
    assert engine.filter_ms_from_handle("run-cm1") is None
    now = 1_780_315_230_000
    assert engine.created_at_floor("1h", now) == (now - 3_600_000) // 60_000 * 60_000
    assert engine.created_at_floor("2d", now) == engine.created_at_floor(None, now)
    assert engine.created_at_floor("soon", now) == (now - 86_400_000) // 60_000 * 60_000
    assert engine.invalid_tag("ok:1") is None
    assert engine.invalid_tag("tab\there") == 'Invalid tag: "tab\\there"'
    assert engine.skip_columns("a, b,id", None) == frozenset({"a", "b"})
    assert engine.skip_columns("a", {"skipColumns": ["c", "status"]}) == frozenset({"c"})
    holds = [engine.live_hold_ms(r) for r in (0.0, 0.5, 0.999999)]
    assert holds[0] == 17_000 and holds[1] == 20_000 and 22_999 <= holds[2] <= 23_000
