"""The emulator as a server: lifecycle, control plane, CLI, persistence, the clock, the plugin."""

from __future__ import annotations

import gc
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock
from trigger.emulator.store import Store

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_sync_context_manager_serves_health() -> None:
    with Emulator(project_ref="proj_fixed") as emulator:
        assert emulator.url.startswith("http://127.0.0.1:")
        health = httpx.get(f"{emulator.url}/_emulator/health").json()
        assert health["ok"] is True
        assert health["url"] == emulator.url
        assert health["projectRef"] == "proj_fixed"
        assert health["keys"] == emulator.keys
        assert set(health["keys"]) == {"dev", "stg", "prod", "preview"}
        assert health["keys"]["prod"].startswith("tr_prod_")
        assert health["personalAccessToken"].startswith("tr_pat_")
        assert health["previewBranches"] == ["main"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{emulator.url}/_emulator/health")


@pytest.mark.anyio
async def test_async_context_manager() -> None:
    async with Emulator() as emulator, emulator.async_client() as client:
        handle = await client.tasks.trigger("async-cm", delay="1h")
        assert (await client.runs.retrieve(handle.id)).status == "DELAYED"


def test_seed_makes_ids_and_keys_deterministic() -> None:
    with Emulator(seed=7) as first, first.client() as client:
        keys, ref = first.keys, first.project_ref
        run_id = client.tasks.trigger("seeded", delay="1h").id
    with Emulator(seed=7) as second, second.client() as client:
        assert (second.keys, second.project_ref) == (keys, ref)
        assert client.tasks.trigger("seeded", delay="1h").id == run_id


def test_control_plane(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    assert trigger_emulator.task_ids() == []  # handlers of earlier tests are gone
    assert trigger_emulator.requests() == []  # so are their requests
    trigger_client.tasks.trigger("logged", {"x": 1}, delay="1h")
    trigger_client.runs.list()
    logged = httpx.get(
        f"{trigger_emulator.url}/_emulator/requests", params={"path": "/api/v1/tasks"}
    ).json()["requests"]
    assert len(logged) == 1
    assert logged[0]["method"] == "POST"
    assert logged[0]["body"]["payload"] == {"x": 1}
    assert logged[0]["status"] == 200
    assert trigger_emulator.secret_key not in str(logged)
    assert len(trigger_emulator.requests(method="GET")) == 1
    assert httpx.post(f"{trigger_emulator.url}/_emulator/reset").json() == {"ok": True}
    assert trigger_emulator.requests() == []
    assert list(trigger_client.runs.list()) == []


def test_reset_is_quick(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    for i in range(50):
        trigger_client.tasks.trigger("many", {"i": i}, delay="1h")
    started = time.perf_counter()
    trigger_emulator.reset()
    assert time.perf_counter() - started < 0.5  # generous: measured well under 5 ms


def test_manual_clock_drives_delays_and_ttls() -> None:
    clock = ManualClock()
    with Emulator(clock=clock) as emulator, emulator.client() as client:
        emulator.register("held", lambda payload: "ran", concurrency_limit=0)
        emulator.register("delayed", lambda payload: "ran")
        waiting = client.tasks.trigger("held", ttl="10m")
        delayed = client.tasks.trigger("delayed", delay="1h")
        assert client.runs.retrieve(waiting.id).status == "QUEUED"
        assert client.runs.retrieve(delayed.id).status == "DELAYED"
        clock.advance(3600)
        run = emulator.wait_for_run(delayed.id)
        assert (run["status"], run["output"]) == ("COMPLETED", "ran")
        expired = emulator.wait_for_run(waiting.id)
        assert expired["status"] == "EXPIRED"
        assert not any(expired[k] for k in ("isQueued", "isCompleted", "isFailed", "isSuccess"))
        assert expired["error"] == {"message": "Run expired because the TTL (10m) was reached"}
        assert expired["expiredAt"] == expired["finishedAt"]
        moved = httpx.post(f"{emulator.url}/_emulator/clock", json={"advance": 1.5}).json()
        assert moved["virtual"] is True


def test_pending_version_until_a_handler_appears() -> None:
    with Emulator(unhandled="pending_version") as emulator, emulator.client() as client:
        handle = client.tasks.trigger("undeployed", {"n": 1})
        for _ in range(100):
            if client.runs.retrieve(handle.id).status == "PENDING_VERSION":
                break
            time.sleep(0.01)
        run = client.runs.retrieve(handle.id)
        assert run.status == "PENDING_VERSION" and run.is_queued
        emulator.register("undeployed", lambda payload: payload["n"] + 1)
        assert client.runs.poll(handle.id, interval=0.1, timeout=10).output == 2


def test_unhandled_fail_mode() -> None:
    with Emulator(unhandled="fail") as emulator, emulator.client() as client:
        run = client.runs.poll(client.tasks.trigger("missing").id, interval=0.1, timeout=10)
        assert run.status == "FAILED"
        assert run.error is not None and "No handler is registered" in run.error.message


def test_queue_concurrency_limit_holds_runs() -> None:
    import threading

    release = threading.Event()
    with Emulator() as emulator, emulator.client() as client:
        emulator.register("single", lambda payload: release.wait(10), concurrency_limit=1)
        first = client.tasks.trigger("single")
        second = client.tasks.trigger("single")
        for _ in range(200):
            if client.runs.retrieve(first.id).status == "EXECUTING":
                break
            time.sleep(0.01)
        time.sleep(0.1)
        assert client.runs.retrieve(second.id).status == "QUEUED"
        release.set()
        assert client.runs.poll(second.id, interval=0.1, timeout=10).status == "COMPLETED"


def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    with Emulator(db=db) as first, first.client() as client:
        keys, ref = first.keys, first.project_ref
        handle = client.tasks.trigger("kept", {"a": 1}, delay="1h", tags=["t"])
    with Emulator(db=db) as second, second.client() as client:
        assert (second.keys, second.project_ref) == (keys, ref)
        run = client.runs.retrieve(handle.id)
        assert (run.status, run.payload, run.tags) == ("DELAYED", {"a": 1}, ["t"])


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "trigger.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "TRIGGER_SECRET_KEY=" in line:
            break
    text = "".join(lines)
    url = text.split("ready at ", 1)[1].split()[0]
    key = text.split("TRIGGER_SECRET_KEY=", 1)[1].split()[0]
    return process, url, key


def test_cli_prints_keys_and_stops_on_sigterm() -> None:
    process, url, key = _start_cli("--seed", "3", "--project-ref", "proj_cli")
    try:
        health = httpx.get(f"{url}/_emulator/health").json()
        assert health["projectRef"] == "proj_cli"
        assert health["keys"]["dev"] == key
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert "stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_cli_example_tasks_run_as_the_docs_show() -> None:
    process, url, key = _start_cli("--example-tasks", "--project-ref", "proj_docs")
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "export TRIGGER_PROJECT_REF=proj_docs"
        health = httpx.get(f"{url}/_emulator/health").json()
        assert {"hello-world", "send-email", "flaky", "approve-order"} <= set(health["tasks"])
        with trigger.Client(secret_key=key, base_url=url) as client:
            handle = client.tasks.trigger("hello-world", {"name": "Ada"})
            run = client.runs.poll(handle.id, interval=0.1, timeout=10)
            assert (run.status, run.output) == ("COMPLETED", {"message": "Hello, Ada!"})
            flaky = client.runs.poll(client.tasks.trigger("flaky").id, interval=0.1, timeout=10)
            assert (flaky.status, flaky.output, flaky.attempt_count) == (
                "COMPLETED",
                {"attempt": 2},
                2,
            )
    finally:
        process.kill()
        process.communicate()


def test_acknowledged_triggers_survive_sigkill(tmp_path: Path) -> None:
    db = str(tmp_path / "killed.db")
    process, url, key = _start_cli("--db", db)
    try:
        ids = []
        with httpx.Client(base_url=url) as http:
            for i in range(20):
                response = http.post(
                    "/api/v1/tasks/durable/trigger",
                    json={"payload": {"i": i}, "options": {"delay": "1h"}},
                    headers={"authorization": f"Bearer {key}"},
                )
                assert response.status_code == 200
                ids.append(response.json()["id"])
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    with Emulator(db=db) as emulator:
        for run_id in ids:
            run = emulator.run(run_id)
            assert run is not None and run["status"] == "DELAYED"


def test_a_file_database_is_checkpointed_while_open(tmp_path: Path) -> None:
    # Commits never checkpoint (autocheckpoint is off); the store's own thread copies the
    # write-ahead log into the database file, so the log does not grow without end.
    path = tmp_path / "state.db"
    store = Store(str(path))
    try:
        empty = path.stat().st_size
        for n in range(200):
            store.set_meta(f"key-{n}", "x" * 2000)
        deadline = time.monotonic() + 10
        while path.stat().st_size <= empty:
            assert time.monotonic() < deadline, "the log was never copied into the database"
            time.sleep(0.05)
        assert store.get_meta("key-199") == "x" * 2000
    finally:
        store.close()
    assert not any(t.name == "trigger-emulator-checkpoint" for t in threading.enumerate())


@pytest.mark.parametrize("on_disk", [False, True])
def test_an_emulator_never_started_closes_its_database_when_collected(
    tmp_path: Path, on_disk: bool
) -> None:
    emulator = Emulator(db=str(tmp_path / "state.db") if on_disk else None)
    connection = emulator._store._conn
    del emulator
    gc.collect()
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("select 1")
    assert not any(t.name == "trigger-emulator-checkpoint" for t in threading.enumerate())
