"""Waitpoint tokens through the SDK and raw HTTP, and handlers that wait on them.

Shapes and error bodies are the real server's, measured on it (SERVER.md §2.10, §7).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import (
    Emulator,
    ManualClock,
    TaskContext,
    TokenResult,
    WaitCanceled,
    WaitpointTimeoutError,
)
from trigger.emulator.engine import waitpoints as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.waitpoints import WaitpointState
from trigger.emulator.jsjson import js_number, js_stringify

# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def clocked() -> Iterator[tuple[Emulator, ManualClock, trigger.Client]]:
    clock = ManualClock()
    with Emulator(clock=clock) as emulator, emulator.client() as client:
        yield emulator, clock, client


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def _wait_status(client: trigger.Client, run_id: str, status: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = client.runs.retrieve(run_id)
        if run.status == status:
            return run
        assert time.monotonic() < deadline, f"{run_id} is {run.status}, not {status}"
        time.sleep(0.01)


async def _await_status(
    client: trigger.AsyncClient, run_id: str, status: str, timeout: float = 10
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = await client.runs.retrieve(run_id)
        if run.status == status:
            return run
        assert time.monotonic() < deadline, f"{run_id} is {run.status}, not {status}"
        await _sleep(0.01)


async def _sleep(seconds: float) -> None:
    import anyio

    await anyio.sleep(seconds)


# -- pure parts ------------------------------------------------------------------------------


def test_numbers_are_written_as_javascript_writes_them() -> None:
    cases = {
        1.0: "1",
        1e16: "10000000000000000",
        1e21: "1e+21",
        1e-7: "1e-7",
        0.00001: "0.00001",
        -0.5: "-0.5",
        2**60: "1152921504606847000",
        0.1 + 0.2: "0.30000000000000004",
    }
    for value, text in cases.items():
        assert js_number(value) == text, value
    assert js_stringify({"a": [1.0, "é", None, True]}) == '{"a":[1,"é",null,true]}'


def test_waitpoint_transitions_are_pure() -> None:
    token = WaitpointState(
        id="c1", friendly_id="waitpoint_c1", env_id="e", created_at=0, idempotency_key="k"
    )
    assert engine.api_status(token) == "WAITING"
    timed = engine.fire(msgspec_replace(token, fire_at=1000), 999)
    assert timed.is_pending
    timed = engine.fire(msgspec_replace(token, fire_at=1000), 1000)
    assert engine.api_status(timed) == "TIMED_OUT"
    assert timed.output == (
        '{"code":"TRIGGER_WAITPOINT_TIMEOUT",'
        '"message":"Waitpoint timed out at 1970-01-01T00:00:01.000Z"}'
    )
    done = engine.complete(token, 5, '{"json":1}', "application/super+json")
    assert engine.api_status(done) == "COMPLETED"
    assert engine.complete(done, 9, "x", "text/plain") is done  # completing twice: a no-op
    assert not engine.key_expired(msgspec_replace(token, idempotency_key_expires_at=5), 5)
    assert engine.key_expired(msgspec_replace(token, idempotency_key_expires_at=5), 6)
    rotated = engine.rotate_key(token, "random")
    assert (rotated.idempotency_key, rotated.inactive_idempotency_key) == ("random", "k")
    run = RunState(
        id="r",
        friendly_id="run_r",
        env_id="e",
        task="t",
        status="EXECUTING",
        created_at=0,
        updated_at=0,
        attempt_started_at=100,
        attempt_deadline=1100,
    )
    waiting = engine.block_run(run, 400)
    assert (waiting.status, waiting.usage_duration_ms, waiting.attempt_deadline) == (
        "WAITING_TO_RESUME",
        300,
        None,
    )
    resumed = engine.resume_run(waiting, 5000, 700)
    assert (resumed.status, resumed.attempt_started_at, resumed.attempt_deadline) == (
        "EXECUTING",
        5000,
        5700,
    )


def msgspec_replace(token: WaitpointState, **changes: Any) -> WaitpointState:
    import msgspec

    return msgspec.structs.replace(token, **changes)


# -- create, retrieve, list ------------------------------------------------------------------


def test_create_retrieve_and_the_callback_url(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    token = trigger_client.wait.create_token(timeout="1h", tags=["b", "a"])
    assert token.id.startswith("waitpoint_") and token.is_cached is False
    internal = token.id.split("_", 1)[1]
    digest = hmac.new(
        trigger_emulator.secret_key.encode(), internal.encode(), hashlib.sha256
    ).hexdigest()
    assert token.url == (
        f"{trigger_emulator.url}/api/v1/waitpoints/tokens/{token.id}/callback/{digest}"
    )
    assert token.public_access_token is not None
    claims = _claims(token.public_access_token)
    assert claims["scopes"] == [f"write:waitpoints:{token.id}"]
    assert claims["exp"] - claims["iat"] == 24 * 3600

    body = http.get(f"/api/v1/waitpoints/tokens/{token.id}").json()
    assert list(body) == [
        "id",
        "type",
        "url",
        "status",
        "idempotencyKey",
        "userProvidedIdempotencyKey",
        "outputType",
        "outputIsError",
        "timeoutAt",
        "completedAfter",
        "createdAt",
        "tags",
    ]
    assert body["type"] == "MANUAL" and body["status"] == "WAITING"
    assert body["userProvidedIdempotencyKey"] is False and len(body["idempotencyKey"]) == 24
    assert body["tags"] == ["b", "a"]  # retrieve keeps the order given
    created = datetime.fromisoformat(body["createdAt"].replace("Z", "+00:00"))
    timeout = datetime.fromisoformat(body["timeoutAt"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < timeout - created <= timedelta(hours=1)

    listed = http.get("/api/v1/waitpoints/tokens").json()
    assert listed["pagination"] == {}
    assert list(listed["data"][0]) == [
        "id",
        "url",
        "status",
        "timeoutAt",
        "completedAfter",
        "tags",
        "createdAt",
    ]
    assert listed["data"][0]["tags"] == ["a", "b"]  # the list sorts them

    retrieved = trigger_client.wait.retrieve_token(token)
    assert (retrieved.status, retrieved.tags, retrieved.output) == ("WAITING", ["b", "a"], None)


def test_retrieving_an_unknown_token_is_the_servers_500(http: httpx.Client) -> None:
    for token in ("waitpoint_nope", "nope", "waitpoint_a_b"):
        response = http.get(f"/api/v1/waitpoints/tokens/{token}")
        assert (response.status_code, response.json()) == (
            500,
            {"error": "Internal Server Error"},
        ), token


def test_idempotency_key_ttl_and_the_inactive_key(
    clocked: tuple[Emulator, ManualClock, trigger.Client],
) -> None:
    emulator, clock, client = clocked
    first = client.wait.create_token(idempotency_key="k1", idempotency_key_ttl="5s")
    again = client.wait.create_token(idempotency_key="k1")
    assert (again.id, again.is_cached) == (first.id, True)
    clock.advance(5)
    assert client.wait.create_token(idempotency_key="k1").is_cached  # not yet: "now > expiry"
    clock.advance(1)
    fresh = client.wait.create_token(idempotency_key="k1")
    assert fresh.id != first.id and fresh.is_cached is False
    headers = {"authorization": f"Bearer {emulator.secret_key}"}
    old = httpx.get(f"{emulator.url}/api/v1/waitpoints/tokens/{first.id}", headers=headers).json()
    assert old["inactiveIdempotencyKey"] == "k1" and old["idempotencyKey"] != "k1"
    assert old["userProvidedIdempotencyKey"] is True
    found = [token.id for token in client.wait.list_tokens(idempotency_key="k1")]
    assert found == [fresh.id, first.id]  # the current and the inactive key both match
    # A TTL outside the ^\d+[smhd]$ grammar means the key never expires.
    never = httpx.post(
        f"{emulator.url}/api/v1/waitpoints/tokens",
        json={"idempotencyKey": "k2", "idempotencyKeyTTL": "1h30m"},
        headers=headers,
    ).json()
    clock.advance(10 * 24 * 3600)
    assert client.wait.create_token(idempotency_key="k2").id == never["id"]


def test_create_refusals(trigger_emulator: Emulator, http: httpx.Client) -> None:
    path = "/api/v1/waitpoints/tokens"
    too_many = http.post(path, json={"tags": [str(n) for n in range(11)]})
    assert (too_many.status_code, too_many.json()) == (
        422,
        {"error": "Waitpoints can only have 10 tags, you're trying to set 11."},
    )
    bad = http.post(path, json={"tags": 5, "timeout": {}, "idempotencyKey": 3})
    assert bad.status_code == 400
    assert bad.json() == {
        "error": 'Validation error: Expected string, received number at "idempotencyKey"; '
        'Expected string, received object at "timeout", or Invalid date at "timeout"; '
        'Expected string, received number at "tags", or Expected array, received number at '
        '"tags"'
    }
    long_key = http.post(path, json={"idempotencyKey": "x" * 2049})
    assert long_key.json() == {
        "error": 'Validation error: idempotencyKey must be 2048 characters or less at "idempotencyKey"'
    }
    huge = http.post(path, json={"idempotencyKey": "x" * 11000})
    assert (huge.status_code, huge.json()) == (413, {"error": "Request body too large"})
    assert http.post(path, content=b"").json() == {"error": "Request body is empty"}
    assert http.put(path, json={}).json() == {"error": "Method not allowed"}
    # A public access token is not a key here.
    token = http.post(path, json={}).headers["x-trigger-jwt"]
    refused = httpx.post(
        f"{trigger_emulator.url}{path}", json={}, headers={"authorization": f"Bearer {token}"}
    )
    assert (refused.status_code, refused.json()) == (401, {"error": "Invalid API key"})


def test_timeouts_follow_the_clock(clocked: tuple[Emulator, ManualClock, trigger.Client]) -> None:
    emulator, clock, client = clocked
    token = client.wait.create_token(timeout="10m")
    never = client.wait.create_token(timeout="nonsense")  # unparseable: no timeout
    clock.advance(599)
    assert client.wait.retrieve_token(token).status == "WAITING"
    clock.advance(1)
    deadline = time.monotonic() + 10
    while client.wait.retrieve_token(token).status != "TIMED_OUT":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    timed = client.wait.retrieve_token(token)
    assert timed.output_is_error is True and timed.output_type == "application/json"
    assert timed.completed_at == timed.timeout_at and timed.timeout_at is not None
    assert timed.decode_output() == {
        "code": "TRIGGER_WAITPOINT_TIMEOUT",
        "message": "Waitpoint timed out at "
        + timed.timeout_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    assert client.wait.retrieve_token(never).status == "WAITING"
    assert client.wait.retrieve_token(never).timeout_at is None
    # A number is a date (Unix ms), used even in the past: the token times out at once.
    headers = {"authorization": f"Bearer {emulator.secret_key}"}
    past = httpx.post(
        f"{emulator.url}/api/v1/waitpoints/tokens", json={"timeout": 1000}, headers=headers
    ).json()
    clock.advance(0)
    deadline = time.monotonic() + 10
    while client.wait.retrieve_token(past["id"]).status != "TIMED_OUT":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert [t.status for t in client.wait.list_tokens(status="TIMED_OUT")] == ["TIMED_OUT"] * 2


def test_list_pages_and_filters(trigger_client: trigger.Client, http: httpx.Client) -> None:
    ids = [trigger_client.wait.create_token(tags=[f"t{n % 2}"]).id for n in range(5)]
    newest_first = list(reversed(ids))
    assert [t.id for t in trigger_client.wait.list_tokens(limit=2)] == newest_first
    first = http.get("/api/v1/waitpoints/tokens", params={"page[size]": 2}).json()
    assert [t["id"] for t in first["data"]] == newest_first[:2]
    assert first["pagination"] == {"next": newest_first[1].split("_")[1]}
    second = http.get(
        "/api/v1/waitpoints/tokens",
        params={"page[size]": 2, "page[after]": first["pagination"]["next"]},
    ).json()
    assert [t["id"] for t in second["data"]] == newest_first[2:4]
    assert second["pagination"] == {
        "next": newest_first[3].split("_")[1],
        "previous": newest_first[2].split("_")[1],
    }
    back = http.get(
        "/api/v1/waitpoints/tokens",
        params={"page[size]": 2, "page[before]": second["pagination"]["previous"]},
    ).json()
    assert [t["id"] for t in back["data"]] == newest_first[:2]
    trigger_client.wait.complete_token(ids[0], "done")
    completed = trigger_client.wait.list_tokens(status="COMPLETED")
    assert [t.id for t in completed] == [ids[0]]
    waiting = trigger_client.wait.list_tokens(status=["WAITING"], tags="t1")
    assert [t.id for t in waiting] == [ids[3], ids[1]]
    assert list(trigger_client.wait.list_tokens(period="1h", limit=1))
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert list(trigger_client.wait.list_tokens(from_=future)) == []
    bad = http.get("/api/v1/waitpoints/tokens", params={"filter[status]": "WAITING,NOPE,BAD"})
    assert (bad.status_code, bad.json()) == (
        400,
        {
            "error": "Query Error",
            "details": [
                {
                    "code": "custom",
                    "message": "Invalid status values: NOPE, BAD",
                    "path": ["filter[status]"],
                }
            ],
        },
    )
    zero = http.get("/api/v1/waitpoints/tokens", params={"page[size]": 0}).json()
    assert [d["message"] for d in zero["details"]] == [
        "Number must be greater than 0",
        "Number must be greater than or equal to 1",
    ]
    date = http.get("/api/v1/waitpoints/tokens", params={"filter[createdAt][from]": "garbage"})
    assert date.json()["details"] == [
        {"code": "invalid_date", "path": ["filter[createdAt][from]"], "message": "Invalid date"}
    ]


# -- complete and callback -------------------------------------------------------------------


def test_complete_stores_the_output_as_the_server_serializes_it(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    cases: list[tuple[dict[str, Any], str | None, str]] = [
        ({"data": {"ok": 1.0, "d": "x"}}, '{"json":{"ok":1,"d":"x"}}', "application/super+json"),
        ({"data": "hello"}, "hello", "text/plain"),
        ({}, None, "application/json"),
        ({"data": None}, '{"json":null}', "application/super+json"),
        ({"data": [1, 2]}, '{"json":[1,2]}', "application/super+json"),
    ]
    for body, output, output_type in cases:
        token = trigger_client.wait.create_token()
        response = http.post(f"/api/v1/waitpoints/tokens/{token.id}/complete", json=body)
        assert response.json() == {"success": True}
        stored = http.get(f"/api/v1/waitpoints/tokens/{token.id}").json()
        assert (stored.get("output"), stored["outputType"]) == (output, output_type), body
        assert stored["status"] == "COMPLETED" and "completedAt" in stored
    # Completing twice changes nothing.
    token = trigger_client.wait.create_token()
    trigger_client.wait.complete_token(token, {"first": True})
    assert trigger_client.wait.complete_token(token, {"second": True}).success is True
    assert trigger_client.wait.retrieve_token(token).decode_output() == {"first": True}
    # Unknown tokens, empty and non-object bodies.
    missing = http.post("/api/v1/waitpoints/tokens/waitpoint_nope/complete", json={})
    assert (missing.status_code, missing.json()) == (404, {"error": "Waitpoint not found"})
    assert http.post(f"/api/v1/waitpoints/tokens/{token.id}/complete", content=b"").json() == {
        "error": "Request body is empty"
    }
    assert http.post(f"/api/v1/waitpoints/tokens/{token.id}/complete", json=[]).json() == {
        "error": "Validation error: Expected object, received array"
    }
    assert http.get(f"/api/v1/waitpoints/tokens/{token.id}/complete").status_code == 405


def test_a_tokens_public_access_token_completes_it_and_no_other(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    own = trigger_client.wait.create_token()
    other = trigger_client.wait.create_token()
    assert own.public_access_token is not None
    with trigger_emulator.client(secret_key=own.public_access_token) as scoped:
        with pytest.raises(trigger.PermissionDeniedError):
            scoped.wait.complete_token(other, 1)
        assert scoped.wait.complete_token(own, 1).success
    assert trigger_client.wait.retrieve_token(own).status == "COMPLETED"
    assert trigger_client.wait.retrieve_token(other).status == "WAITING"


def test_the_callback_url(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    token = trigger_client.wait.create_token()
    assert trigger_client.wait.complete_token_via_callback(token, {"via": "callback"}).success
    assert trigger_client.wait.retrieve_token(token).decode_output() == {"via": "callback"}

    fresh = trigger_client.wait.create_token()
    url, digest = fresh.url.rsplit("/", 1)
    with httpx.Client() as raw:  # no Authorization header at all
        wrong = raw.post(f"{url}/{'0' * 64}", json={})
        assert (wrong.status_code, wrong.json()) == (
            401,
            {"error": "Invalid URL, hash doesn't match"},
        )
        short = raw.post(f"{url}/abc", json={})
        assert short.status_code == 401
        not_hex = raw.post(f"{url}/{'z' * 64}", json={})
        assert (not_hex.status_code, not_hex.json()) == (
            500,
            {"error": "Failed to complete HTTP callback"},
        )
        unknown = raw.post(fresh.url.replace(fresh.id, "waitpoint_nope"), json={})
        assert (unknown.status_code, unknown.json()) == (404, {"error": "Waitpoint not found"})
        put = raw.put(fresh.url, json={})
        assert (put.status_code, put.json(), put.headers["allow"]) == (
            405,
            {"error": "Method not allowed"},
            "POST",
        )
        get = raw.get(fresh.url)
        assert (get.status_code, get.json()) == (400, {"message": "Unexpected Server Error"})

        def chunks() -> Iterator[bytes]:
            yield b"{}"

        chunked = raw.post(fresh.url, content=chunks())
        assert (chunked.status_code, chunked.json()) == (
            411,
            {"error": "Content-Length header is required"},
        )
        # Upper-case hex is the same bytes to the server.
        ok = raw.post(f"{url}/{digest.upper()}", content=b"not json")
        assert ok.json() == {"success": True}
    stored = trigger_client.wait.retrieve_token(fresh)
    assert (stored.output, stored.output_type) == ('{"json":{}}', "application/super+json")


# -- handlers that wait ----------------------------------------------------------------------


def test_a_sync_handler_waits_and_resumes_on_completion(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    @trigger_emulator.task("approve-sync")
    def approve(payload: dict[str, str], ctx: TaskContext) -> dict[str, Any]:
        result = ctx.wait.for_token_sync(payload["token"])
        return {"ok": result.ok, "output": result.output}

    token = trigger_client.wait.create_token(timeout="1h")
    handle = trigger_client.tasks.trigger("approve-sync", {"token": token.id})
    waiting = _wait_status(trigger_client, handle.id, "WAITING")
    assert (waiting.is_waiting, waiting.is_executing, waiting.is_completed) == (True, False, False)
    legacy = httpx.get(
        f"{trigger_emulator.url}/api/v3/runs/{handle.id}",
        headers={"authorization": f"Bearer {trigger_emulator.secret_key}"},
    ).json()
    assert legacy["status"] == "FROZEN"  # the legacy vocabulary's name for it
    trigger_client.wait.complete_token(token, {"approved": True})
    run = trigger_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert run.output == {"ok": True, "output": {"approved": True}}


@pytest.mark.anyio
async def test_an_async_handler_waits_and_resumes_on_completion(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    @trigger_emulator.task("approve-async")
    async def approve(payload: dict[str, str], ctx: TaskContext) -> Any:
        result = await ctx.wait.for_token(payload)  # a mapping with the id works too
        await asyncio.sleep(0)
        return result.unwrap()

    token = await trigger_async_client.wait.create_token()
    handle = await trigger_async_client.tasks.trigger("approve-async", {"id": token.id})
    run = await _await_status(trigger_async_client, handle.id, "WAITING")
    assert run.is_waiting
    await trigger_async_client.wait.complete_token(token, "yes")
    done = await trigger_async_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert done.output == "yes"


def test_a_timed_out_token_gives_the_error_result(
    clocked: tuple[Emulator, ManualClock, trigger.Client],
) -> None:
    emulator, clock, client = clocked
    seen: list[TokenResult] = []

    @emulator.task("sync-wait")
    def sync_wait(payload: dict[str, str], ctx: TaskContext) -> Any:
        seen.append(ctx.wait.for_token_sync(payload["token"]))
        return seen[-1].unwrap()

    @emulator.task("async-wait")
    async def async_wait(payload: dict[str, str], ctx: TaskContext) -> Any:
        result = await ctx.wait.for_token(payload["token"], timeout=30)
        seen.append(result)
        return {"ok": result.ok}

    token = client.wait.create_token(timeout="10m")
    handle = client.tasks.trigger("sync-wait", {"token": token.id}, max_attempts=1)
    _wait_status(client, handle.id, "WAITING")
    clock.advance(600)
    failed = emulator.wait_for_run(handle.id)
    assert failed["status"] == "FAILED"
    assert failed["error"]["name"] == "WaitpointTimeoutError"
    assert failed["error"]["message"].startswith("Waitpoint timed out at ")
    assert seen[0].ok is False and isinstance(seen[0].error, WaitpointTimeoutError)

    # The handler's own timeout times the token out (its timeoutAt stays as created).
    other = client.wait.create_token(timeout="1h")
    handle = client.tasks.trigger("async-wait", {"token": other.id})
    _wait_status(client, handle.id, "WAITING")
    clock.advance(30)
    assert emulator.wait_for_run(handle.id)["output"] == {"ok": False}
    stored = client.wait.retrieve_token(other)
    assert stored.status == "TIMED_OUT" and stored.timeout_at is not None
    assert stored.completed_at is not None and stored.completed_at < stored.timeout_at


def test_a_completed_token_does_not_block(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    token = trigger_client.wait.create_token()
    trigger_client.wait.complete_token(token, 7)
    statuses: list[str] = []

    @trigger_emulator.task("no-block")
    def no_block(payload: None, ctx: TaskContext) -> Any:
        result = ctx.wait.for_token_sync(token)
        statuses.append(str(trigger_emulator.run(ctx.run_id)["status"]))  # type: ignore[index]
        return result.output

    run = trigger_client.runs.poll(trigger_client.tasks.trigger("no-block").id, interval=0.1)
    assert (run.output, statuses) == (7, ["EXECUTING"])


def test_a_waiting_run_frees_its_queue_slot(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    @trigger_emulator.task("one-at-a-time", concurrency_limit=1)
    def one(payload: dict[str, str], ctx: TaskContext) -> str:
        if payload.get("token"):
            ctx.wait.for_token_sync(payload["token"])
        return "done"

    token = trigger_client.wait.create_token()
    waiting = trigger_client.tasks.trigger("one-at-a-time", {"token": token.id})
    _wait_status(trigger_client, waiting.id, "WAITING")
    second = trigger_client.tasks.trigger("one-at-a-time", {})
    assert trigger_client.runs.poll(second.id, interval=0.1, timeout=10).output == "done"
    trigger_client.wait.complete_token(token)
    assert trigger_client.runs.poll(waiting.id, interval=0.1, timeout=10).output == "done"


def test_canceling_a_waiting_run_frees_its_handler(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    stopped = threading.Event()

    @trigger_emulator.task("cancel-sync")
    def cancel_sync(payload: dict[str, str], ctx: TaskContext) -> None:
        try:
            ctx.wait.for_token_sync(payload["token"])
        except WaitCanceled:
            stopped.set()
            raise

    @trigger_emulator.task("cancel-async")
    async def cancel_async(payload: dict[str, str], ctx: TaskContext) -> None:
        try:
            await ctx.wait.for_token(payload["token"])
        except asyncio.CancelledError:
            stopped.set()
            raise

    for task in ("cancel-sync", "cancel-async"):
        stopped.clear()
        token = trigger_client.wait.create_token()
        handle = trigger_client.tasks.trigger(task, {"token": token.id})
        _wait_status(trigger_client, handle.id, "WAITING")
        trigger_client.runs.cancel(handle.id)
        assert stopped.wait(5), task
        trigger_client.wait.complete_token(token)  # nobody is told any more
        assert trigger_client.runs.retrieve(handle.id).status == "CANCELED"


def test_timed_waits_and_handler_made_tokens(
    clocked: tuple[Emulator, ManualClock, trigger.Client],
) -> None:
    emulator, clock, client = clocked
    made: list[str] = []

    @emulator.task("sleeper")
    async def sleeper(payload: dict[str, float], ctx: TaskContext) -> str:
        await ctx.wait.for_seconds(payload["seconds"])
        return "woke"

    @emulator.task("maker")
    def maker(payload: None, ctx: TaskContext) -> Any:
        token = ctx.wait.create_token(timeout="1h", tags=["from-handler"])
        assert "callback" in token.url and "callback" not in repr(token)
        made.append(token.id)
        return ctx.wait.for_token_sync(token).output

    short = client.tasks.trigger("sleeper", {"seconds": 30})
    long = client.tasks.trigger("sleeper", {"seconds": 120})
    _wait_status(client, long.id, "WAITING")  # a long wait frees the slot
    assert client.runs.retrieve(short.id).status == "EXECUTING"  # a short one keeps it
    clock.advance(30)
    assert emulator.wait_for_run(short.id)["output"] == "woke"
    assert client.runs.retrieve(long.id).status == "WAITING"
    clock.advance(90)
    assert emulator.wait_for_run(long.id)["output"] == "woke"
    assert list(client.wait.list_tokens()) == []  # timed waits are not tokens

    handle = client.tasks.trigger("maker")
    _wait_status(client, handle.id, "WAITING")
    assert [t.tags for t in client.wait.list_tokens()] == [["from-handler"]]
    client.wait.complete_token(made[0], {"made": True})
    assert emulator.wait_for_run(handle.id)["output"] == {"made": True}


def test_waiting_is_refused_clearly_when_misused(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    errors: list[str] = []

    @trigger_emulator.task("misuse")
    def misuse(payload: None, ctx: TaskContext) -> None:
        for call in (
            lambda: ctx.wait.for_token("waitpoint_x"),
            lambda: ctx.wait.for_token_sync("https://h/api/v1/waitpoints/tokens/x/callback/secret"),
            lambda: ctx.wait.for_token_sync("waitpoint_unknown"),
            lambda: ctx.wait.for_seconds_sync(-1),
            lambda: ctx.wait.for_seconds_sync("soon"),
        ):
            try:
                call()
            except (RuntimeError, ValueError, LookupError) as error:
                errors.append(str(error))

    trigger_client.runs.poll(trigger_client.tasks.trigger("misuse").id, interval=0.1)
    assert errors[0] == (
        "ctx.wait.for_token() is for async handlers; a sync handler calls ctx.wait.for_token_sync()"
    )
    assert errors[1].startswith("token must be a waitpoint token id")
    assert "secret" not in errors[1]
    assert "no waitpoint waitpoint_unknown" in errors[2]
    assert errors[3] == "duration must be a finite number of seconds, at least 0"
    assert errors[4].startswith("duration must be a duration such as")


def test_a_token_timeout_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    clock = ManualClock()
    with Emulator(db=db, clock=clock) as emulator, emulator.client() as client:
        token = client.wait.create_token(timeout="10m")

        @emulator.task("long-wait")
        def long_wait(payload: dict[str, str], ctx: TaskContext) -> Any:
            return ctx.wait.for_token_sync(payload["token"]).ok

        handle = client.tasks.trigger("long-wait", {"token": token.id})
        _wait_status(client, handle.id, "WAITING")
    # The handler died with the process: its run goes back to the queue and runs again.
    emulator = Emulator(db=db, clock=clock)
    emulator.register(
        "long-wait", lambda payload, ctx: ctx.wait.for_token_sync(payload["token"]).ok
    )
    with emulator, emulator.client() as client:
        run = _wait_status(client, handle.id, "WAITING")
        assert run.attempt_count == 2
        clock.advance(600)
        assert emulator.wait_for_run(handle.id)["output"] is False
        assert client.wait.retrieve_token(token).status == "TIMED_OUT"
