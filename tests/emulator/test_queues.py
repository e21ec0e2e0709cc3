"""Queues and concurrency limits through the SDK and raw HTTP: shapes, pause, overrides.

Queue shapes and error bodies are the real server's (measured); concurrency-limit errors are
inferred (the snapshot server has no such routes).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, jwt
from trigger.emulator.engine import queues as engine
from trigger.emulator.store import QueueRow


def _wait_status(client: trigger.Client, run_id: str, status: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = client.runs.retrieve(run_id)
        if run.status == status:
            return run
        assert time.monotonic() < deadline, f"{run_id} is {run.status}, not {status}"
        time.sleep(0.01)


def _held(release: threading.Event) -> Any:
    def handler(payload: Any) -> str:
        assert release.wait(10)
        return "done"

    return handler


def _executing(client: trigger.Client, ids: list[str]) -> int:
    return sum(client.runs.retrieve(run_id).status == "EXECUTING" for run_id in ids)


# -- pure parts ------------------------------------------------------------------------------


def test_queue_overrides_are_pure() -> None:
    queue = QueueRow(env_id="e", name="task/t", id="q", type="task", concurrency_limit=5)
    overridden = engine.override(queue, 10, 2)
    assert (overridden.override, overridden.overridden_at) == (2, 10)
    with pytest.raises(engine.OverrideError, match=r"cannot exceed the environment limit \(300\)"):
        engine.override(queue, 10, 301)
    assert engine.reset(overridden).override is None
    with pytest.raises(engine.OverrideError, match="Queue is not overridden"):
        engine.reset(queue)
    assert engine.materialize_percent(50) == 150
    assert engine.materialize_percent(0.1) == 1
    assert engine.set_paused(queue, True).paused


# -- list and retrieve -----------------------------------------------------------------------


def test_list_and_retrieve_shapes(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    trigger_emulator.register("alpha", lambda payload: None, concurrency_limit=3)
    trigger_emulator.register("beta", lambda payload: None, queue="shared/pool")
    listed = http.get("/api/v1/queues").json()
    assert listed["pagination"] == {"currentPage": 1, "totalPages": 1, "count": 2}
    first = listed["data"][0]
    assert list(first) == [
        "id",
        "name",
        "type",
        "running",
        "queued",
        "paused",
        "concurrencyLimit",
        "concurrency",
        "releaseConcurrencyOnWaitpoint",
        "concurrencyLimitOverridePercent",
    ]
    assert first["id"].startswith("queue_")
    assert {k: first[k] for k in ("name", "type", "concurrencyLimit", "paused")} == {
        "name": "alpha",
        "type": "task",
        "concurrencyLimit": 3,
        "paused": False,
    }
    assert first["concurrency"] == {
        "current": 3,
        "base": None,
        "override": None,
        "overriddenBy": None,
        "overriddenAt": None,
    }
    assert (first["releaseConcurrencyOnWaitpoint"], first["concurrencyLimitOverridePercent"]) == (
        True,
        None,
    )
    assert [(q["name"], q["type"]) for q in listed["data"]] == [
        ("alpha", "task"),
        ("shared/pool", "custom"),
    ]
    page = http.get("/api/v1/queues", params={"perPage": 1, "page": 2}).json()
    assert [q["name"] for q in page["data"]] == ["shared/pool"]
    assert page["pagination"] == {"currentPage": 2, "totalPages": 2, "count": 2}
    assert http.get("/api/v1/queues", params={"perPage": 1, "page": 9}).json()["data"] == []
    assert [q.name for q in trigger_client.queues.list(per_page=1)] == ["alpha", "shared/pool"]

    by_id = trigger_client.queues.retrieve(first["id"])
    by_task = trigger_client.queues.retrieve("alpha", type="task")
    by_name = trigger_client.queues.retrieve({"type": "custom", "name": "shared/pool"})
    assert by_id.id == by_task.id == first["id"]
    assert (by_name.name, by_name.type) == ("shared/pool", "custom")
    assert trigger_client.queues.retrieve("task/alpha", type="task").id == first["id"]


def test_an_encoded_slash_names_the_queue_once_or_twice_encoded(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    # The real server reads `%2F` (the decoded path splits it) and `%252F` (what the
    # official client sends) alike; a literal slash matches no route there.
    trigger_emulator.register("alpha", lambda payload: None)
    trigger_emulator.register("beta", lambda payload: None, queue="shared/pool")
    alpha = http.get("/api/v1/queues/alpha", params={"type": "task"}).json()
    for segment in ("task%2Falpha", "task%252Falpha", "task%2falpha", "tas%6B%2Falpha"):
        response = http.get(f"/api/v1/queues/{segment}", params={"type": "task"})
        assert (response.status_code, response.json()["id"]) == (200, alpha["id"]), segment
    for segment in ("shared%2Fpool", "shared%252Fpool"):
        response = http.get(f"/api/v1/queues/{segment}", params={"type": "custom"})
        assert response.json()["name"] == "shared/pool", segment
    literal = http.get("/api/v1/queues/task/alpha", params={"type": "task"})
    assert (literal.status_code, literal.json()) == (404, {"error": "Not found"})
    paused = http.post(
        "/api/v1/queues/task%2Falpha/pause", json={"type": "task", "action": "pause"}
    )
    assert (paused.status_code, paused.json()["paused"]) == (200, True)
    override = http.post(
        "/api/v1/queues/shared%2Fpool/concurrency/override",
        json={"type": "custom", "concurrencyLimit": 2},
    )
    assert override.json()["concurrency"]["override"] == 2
    reset = http.post("/api/v1/queues/shared%2Fpool/concurrency/reset", json={"type": "custom"})
    assert reset.json()["concurrency"]["override"] is None
    assert http.post("/api/v1/queues/a/b/pause", json={"action": "pause"}).status_code == 404


def test_queue_lookup_refusals(trigger_emulator: Emulator, http: httpx.Client) -> None:
    missing = http.get("/api/v1/queues/nope", params={"type": "task"})
    assert (missing.status_code, missing.json()) == (404, {"error": "queue-not-found"})
    bad_type = http.get("/api/v1/queues/nope", params={"type": "bogus"}).json()
    assert bad_type == {
        "error": "Query Error",
        "details": [
            {
                "received": "bogus",
                "code": "invalid_enum_value",
                "options": ["task", "custom", "id"],
                "path": ["type"],
                "message": "Invalid enum value. Expected 'task' | 'custom' | 'id', received 'bogus'",
            }
        ],
    }
    assert http.get("/api/v1/queues", params={"page": 0}).json()["details"][0]["message"] == (
        "Number must be greater than 0"
    )
    assert http.get("/api/v1/queues", params={"perPage": 1.5}).json()["details"][0]["message"] == (
        "Expected integer, received float"
    )
    post = http.post("/api/v1/queues", json={})
    assert (post.status_code, post.json()) == (405, {"message": "Unexpected Server Error"})
    assert http.get("/api/v1/queues/nope/pause").status_code == 405
    pause = http.post("/api/v1/queues/nope/pause", json={"type": "task"})
    assert pause.json() == {"error": 'Validation error: Required at "action"'}
    stop = http.post("/api/v1/queues/nope/pause", json={"type": "task", "action": "stop"})
    assert stop.json() == {
        "error": "Validation error: Invalid enum value. Expected 'pause' | 'resume', "
        "received 'stop' at \"action\""
    }
    gone = http.post("/api/v1/queues/nope/pause", json={"type": "task", "action": "pause"})
    assert (gone.status_code, gone.json()) == (404, {"error": "queue-not-found"})
    for body, message in (
        (
            {"type": "task"},
            "Validation error: Provide exactly one of `concurrencyLimit` or `percent`",
        ),
        (
            {"type": "task", "concurrencyLimit": 3, "percent": 5},
            "Validation error: Provide exactly one of `concurrencyLimit` or `percent`",
        ),
        (
            {"type": "task", "concurrencyLimit": -1},
            'Validation error: Number must be greater than or equal to 0 at "concurrencyLimit"',
        ),
        (
            {"type": "task", "concurrencyLimit": "3"},
            'Validation error: Expected number, received string at "concurrencyLimit"',
        ),
        (
            {"type": "task", "percent": 0},
            'Validation error: Number must be greater than 0 at "percent"',
        ),
    ):
        response = http.post("/api/v1/queues/nope/concurrency/override", json=body)
        assert (response.status_code, response.json()) == (400, {"error": message}), body
    unknown = http.post(
        "/api/v1/queues/nope/concurrency/override", json={"type": "task", "concurrencyLimit": 3}
    )
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Queue not found"})
    reset = http.post("/api/v1/queues/nope/concurrency/reset", json={"type": "task"})
    assert (reset.status_code, reset.json()) == (404, {"error": "Queue not found"})
    assert http.post("/api/v1/queues/nope/concurrency/reset", json=[]).json() == {
        "error": "Validation error: Expected object, received array"
    }


def test_public_access_tokens_may_only_retrieve(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    trigger_emulator.register("gamma", lambda payload: None)
    env_id = trigger_emulator.environment_ids["dev"]

    def token(scopes: list[str]) -> dict[str, str]:
        signed = jwt.sign(
            {"sub": env_id, "pub": True, "scopes": scopes},
            trigger_emulator.secret_key,
            now_s=int(time.time()),
            lifetime_s=600,
        )
        return {"authorization": f"Bearer {signed}"}

    url = f"{trigger_emulator.url}/api/v1/queues"
    allowed = httpx.get(f"{url}/gamma?type=task", headers=token(["read:queues"]))
    assert allowed.status_code == 200 and allowed.json()["name"] == "gamma"
    under = httpx.get(f"{url}/gamma?type=task", headers=token(["read:runs"]))
    assert under.status_code == 403
    listed = httpx.get(url, headers=token(["read:queues"]))
    assert (listed.status_code, listed.json()) == (401, {"error": "Invalid API key"})


# -- pause and overrides hold and release runs -----------------------------------------------


def test_pause_holds_runs_queued_and_resume_releases_them(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    trigger_emulator.register("paused-task", lambda payload: "ran")
    paused = trigger_client.queues.pause("paused-task", type="task")
    assert paused.paused is True
    handle = trigger_client.tasks.trigger("paused-task")
    time.sleep(0.3)  # generous: an unpaused run starts within milliseconds
    assert trigger_client.runs.retrieve(handle.id).status == "QUEUED"
    queue = trigger_client.queues.retrieve("paused-task", type="task")
    assert (queue.paused, queue.queued, queue.running) == (True, 1, 0)
    resumed = trigger_client.queues.resume("paused-task", type="task")
    assert resumed.paused is False
    assert trigger_client.runs.poll(handle.id, interval=0.1, timeout=10).output == "ran"


@pytest.mark.anyio
async def test_pause_and_resume_with_the_async_client(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    trigger_emulator.register("paused-async", lambda payload: "ran")
    await trigger_async_client.queues.pause({"type": "task", "name": "paused-async"})
    handle = await trigger_async_client.tasks.trigger("paused-async")
    import anyio

    await anyio.sleep(0.3)
    assert (await trigger_async_client.runs.retrieve(handle.id)).status == "QUEUED"
    await trigger_async_client.queues.resume({"type": "task", "name": "paused-async"})
    run = await trigger_async_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert run.output == "ran"


def test_an_override_of_one_serialises_two_runs(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    release = threading.Event()
    trigger_emulator.register("serial", _held(release))
    overridden = trigger_client.queues.override_concurrency_limit("serial", 1, type="task")
    assert overridden.concurrency_limit == 1
    assert overridden.concurrency is not None and overridden.concurrency.override == 1
    assert overridden.concurrency.overridden_at is not None
    runs = [trigger_client.tasks.trigger("serial").id for _ in range(2)]
    _wait_status(trigger_client, runs[0], "EXECUTING")
    time.sleep(0.3)  # generous: the second would have started by now without the override
    assert _executing(trigger_client, runs) == 1
    assert trigger_client.queues.retrieve("serial", type="task").queued == 1
    release.set()
    for run_id in runs:
        assert trigger_client.runs.poll(run_id, interval=0.1, timeout=10).output == "done"

    raw = http.post(
        "/api/v1/queues/serial/concurrency/override", json={"type": "task", "percent": 10}
    ).json()
    assert "concurrencyLimitOverridePercent" not in raw
    assert (raw["concurrencyLimit"], raw["concurrency"]["base"]) == (30, None)
    assert (
        http.get("/api/v1/queues/serial?type=task").json()["concurrencyLimitOverridePercent"] == 10
    )
    too_high = http.post(
        "/api/v1/queues/serial/concurrency/override",
        json={"type": "task", "concurrencyLimit": 100000},
    )
    assert (too_high.status_code, too_high.json()) == (
        400,
        {"error": "Concurrency limit (100000) cannot exceed the environment limit (300)"},
    )
    back = trigger_client.queues.reset_concurrency_limit("serial", type="task")
    assert back.concurrency_limit is None and back.concurrency is not None
    assert back.concurrency.override is None and back.concurrency.overridden_at is None
    with pytest.raises(trigger.BadRequestError, match="Queue is not overridden"):
        trigger_client.queues.reset_concurrency_limit("serial", type="task")


def test_an_override_keeps_the_declared_base(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    trigger_emulator.register("based", lambda payload: None, concurrency_limit=5)
    item = trigger_client.queues.override_concurrency_limit("based", 2, type="task")
    assert item.concurrency is not None
    assert (item.concurrency_limit, item.concurrency.base, item.concurrency.current) == (2, 5, 2)
    item = trigger_client.queues.reset_concurrency_limit("based", type="task")
    assert item.concurrency is not None
    assert (item.concurrency_limit, item.concurrency.base) == (5, None)


# -- concurrency limits (SDK 4.8) ------------------------------------------------------------


def test_concurrency_limits_list_and_retrieve(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    trigger_emulator.register("limited", lambda payload: None, concurrency_limit=4)
    trigger_emulator.register("free", lambda payload: None)
    body = http.get("/api/v1/concurrency-limits").json()
    assert body["pagination"] == {"currentPage": 1, "totalPages": 1, "count": 1}
    item = body["data"][0]
    assert item["id"].startswith("climit_") and item["name"] == "task/limited"
    assert item["total"] == {"current": 4, "base": 4, "override": None, "overriddenAt": None}
    assert item["perKey"] == {"current": None, "base": None, "override": None, "overriddenAt": None}
    assert (item["running"], item["queued"], item["paused"]) == (0, 0, False)
    limit = trigger_client.concurrency_limits.retrieve("task/limited")
    assert (limit.id, limit.total.current) == (item["id"], 4)
    view = trigger_client.concurrency_limits.retrieve("task/limited", concurrency_key="user-1")
    assert (view.name, view.concurrency_key, view.per_key.current) == (
        "task/limited",
        "user-1",
        None,
    )
    assert [x.name for x in trigger_client.concurrency_limits.list()] == ["task/limited"]
    missing = http.get("/api/v1/concurrency-limits/task%2Fnope")
    assert (missing.status_code, missing.json()) == (404, {"error": "Concurrency limit not found"})


def test_concurrency_limit_overrides_and_pause_are_enforced(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    release = threading.Event()
    trigger_emulator.register("capped", _held(release), concurrency_limit=1)
    limits = trigger_client.concurrency_limits
    raised = limits.override("task/capped", total=2)
    assert (raised.total.current, raised.total.base, raised.total.override) == (2, 1, 2)
    runs = [trigger_client.tasks.trigger("capped").id for _ in range(3)]
    deadline = time.monotonic() + 10
    while _executing(trigger_client, runs) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.2)
    assert _executing(trigger_client, runs) == 2
    assert limits.retrieve("task/capped").running == 2
    release.set()
    for run_id in runs:
        trigger_client.runs.poll(run_id, interval=0.1, timeout=10)
    back = limits.reset("task/capped")
    assert (back.total.current, back.total.override, back.total.overridden_at) == (1, None, None)

    assert limits.pause("task/capped").paused is True
    held = trigger_client.tasks.trigger("capped")
    time.sleep(0.3)  # generous: an unpaused run starts within milliseconds
    assert trigger_client.runs.retrieve(held.id).status == "QUEUED"
    assert limits.retrieve("task/capped").queued == 1
    assert limits.resume("task/capped").paused is False
    assert trigger_client.runs.poll(held.id, interval=0.1, timeout=10).output == "done"


def test_concurrency_limit_refusals(trigger_emulator: Emulator, http: httpx.Client) -> None:
    trigger_emulator.register("refused", lambda payload: None, concurrency_limit=2)
    path = "/api/v1/concurrency-limits/task%2Frefused"
    for body, message in (
        ({}, "Validation error: Provide at least one of `perKey` or `total`"),
        (
            {"concurrencyKey": "k", "total": 1},
            'Validation error: A per-key override needs `perKey` at "perKey"; `total` is not '
            'per key; omit it when overriding one concurrencyKey at "total"',
        ),
        (
            {"total": 1, "ttl": "1d"},
            "Validation error: `ttl` only applies to a per-key override; pass `concurrencyKey` "
            'with it at "ttl"',
        ),
        ({"total": -1}, 'Validation error: Number must be greater than or equal to 0 at "total"'),
        ({"total": 301}, "total (301) cannot exceed the environment limit (300)"),
        (
            {"concurrencyKey": "user-1", "perKey": 1},
            "Concurrency limit task/refused has no perKey bound, so it has no per-key "
            "override to set",
        ),
    ):
        response = http.post(f"{path}/override", json=body)
        assert (response.status_code, response.json()) == (400, {"error": message}), body
    assert http.post(f"{path}/pause", json={"action": "stop"}).status_code == 400
    assert http.get(f"{path}/override").status_code == 405
    key_reset = http.post(f"{path}/reset", json={"concurrencyKey": 7}).json()
    assert key_reset["concurrencyKey"] == "7" and key_reset["perKey"]["override"] is None
