"""The ``concurrency`` trigger option against the emulator: a run is gated by the named
limits it names instead of its task's declared ones."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator
from trigger.emulator.engine import limits as engine


class Gates:
    """A handler whose runs each wait for their own release (by payload)."""

    def __init__(self) -> None:
        self.events: dict[str, threading.Event] = {}
        self.lock = threading.Lock()
        self.opened = False

    def event(self, name: str) -> threading.Event:
        with self.lock:
            event = self.events.setdefault(name, threading.Event())
            if self.opened:
                event.set()
            return event

    def handler(self, payload: Any) -> str:
        assert self.event(payload).wait(10)
        return f"rendered {payload}"

    def release_all(self) -> None:
        """Release every run, those not started yet included."""
        with self.lock:
            self.opened = True
            for event in self.events.values():
                event.set()


@pytest.fixture
def gates() -> Iterator[Gates]:
    held = Gates()
    try:
        yield held
    finally:
        held.release_all()  # never leave a handler thread waiting


def wait_status(client: trigger.Client, run_id: str, status: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (current := client.runs.retrieve(run_id).status) != status:
        assert time.monotonic() < deadline, f"{run_id} is {current}, not {status}"
        time.sleep(0.01)


def status(client: trigger.Client, run_id: str) -> str:
    return str(client.runs.retrieve(run_id).status)


# -- pure parts ------------------------------------------------------------------------------


def test_given_names_replace_the_declared_ones() -> None:
    assert engine.held_limits(None, ("shared-gpu",)) == ("shared-gpu",)
    assert engine.held_limits(["other-pool"], ("shared-gpu",)) == ("other-pool",)
    assert engine.held_limits([], ("shared-gpu",)) == ()


def test_a_run_starts_only_under_every_limit_it_holds() -> None:
    totals = {"shared-gpu": 1, "render-farm": 3, "unbounded": None}
    busy = {"shared-gpu": 1, "render-farm": 1}
    assert not engine.named_admits(["render-farm", "shared-gpu"], totals, {}, busy)
    assert engine.named_admits(["render-farm", "unbounded"], totals, {}, busy)
    assert not engine.named_admits(["render-farm"], totals, {"render-farm": True}, {})
    assert engine.named_admits(["never-declared"], totals, {}, {"never-declared": 99})


# -- through the client -----------------------------------------------------------------------


def test_a_run_naming_a_full_limit_waits_until_a_slot_frees(
    trigger_emulator: Emulator, trigger_client: trigger.Client, gates: Gates
) -> None:
    trigger_emulator.declare_concurrency_limit("shared-gpu", total=1)
    trigger_emulator.register("render-frames", gates.handler)
    first = trigger_client.tasks.trigger(
        "render-frames", "scene-1", concurrency=["shared-gpu"], concurrency_key="tenant-1"
    )
    wait_status(trigger_client, first.id, "EXECUTING")
    second = trigger_client.tasks.trigger("render-frames", "scene-2", concurrency=["shared-gpu"])
    free = trigger_client.tasks.trigger("render-frames", "scene-3")
    wait_status(trigger_client, free.id, "EXECUTING")  # holds no named limit: not gated
    time.sleep(0.3)  # generous: the second would have started by now without the limit
    assert status(trigger_client, second.id) == "QUEUED"
    limit = trigger_client.concurrency_limits.retrieve("shared-gpu")
    assert (limit.name, limit.total.current, limit.running, limit.queued) == (
        "shared-gpu",
        1,
        1,
        1,
    )

    view = trigger_client.concurrency_limits.retrieve("shared-gpu", concurrency_key="tenant-1")
    assert view.running == 1
    gates.event("scene-1").set()
    assert trigger_client.runs.poll(first.id, interval=0.1, timeout=10).output == (
        "rendered scene-1"
    )
    wait_status(trigger_client, second.id, "EXECUTING")
    gates.event("scene-2").set()
    gates.event("scene-3").set()
    assert trigger_client.runs.poll(second.id, interval=0.1, timeout=10).output == (
        "rendered scene-2"
    )


def test_the_option_replaces_the_tasks_declared_limits(
    trigger_emulator: Emulator, trigger_client: trigger.Client, gates: Gates
) -> None:
    trigger_emulator.declare_concurrency_limit("shared-gpu", total=1)
    trigger_emulator.declare_concurrency_limit("other-pool", total=5)
    trigger_emulator.register("train-model", gates.handler, concurrency="shared-gpu")
    holder = trigger_client.tasks.trigger("train-model", "epoch-1")
    wait_status(trigger_client, holder.id, "EXECUTING")
    declared = trigger_client.tasks.trigger("train-model", "epoch-2")
    elsewhere = trigger_client.tasks.trigger("train-model", "epoch-3", concurrency="other-pool")
    none = trigger_client.tasks.trigger("train-model", "epoch-4", concurrency=[])
    wait_status(trigger_client, elsewhere.id, "EXECUTING")
    wait_status(trigger_client, none.id, "EXECUTING")
    time.sleep(0.3)  # generous, as above
    assert status(trigger_client, declared.id) == "QUEUED"
    gates.event("epoch-1").set()
    wait_status(trigger_client, declared.id, "EXECUTING")


def test_a_batch_item_naming_a_full_limit_waits(
    trigger_emulator: Emulator, trigger_client: trigger.Client, gates: Gates
) -> None:
    trigger_emulator.declare_concurrency_limit("shared-gpu", total=1)
    trigger_emulator.register("render-frames", gates.handler)
    batch = trigger_client.batch.trigger(
        [
            {
                "task": "render-frames",
                "payload": f"scene-{n}",
                "options": {"concurrency": "shared-gpu"},
            }
            for n in (1, 2)
        ]
    )
    runs = trigger_client.batch.retrieve(batch.id).runs
    deadline = time.monotonic() + 10
    while len(runs) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
        runs = trigger_client.batch.retrieve(batch.id).runs
    deadline = time.monotonic() + 10
    while "EXECUTING" not in (statuses := sorted(status(trigger_client, r) for r in runs)):
        assert time.monotonic() < deadline, statuses
        time.sleep(0.02)
    time.sleep(0.3)  # generous, as above
    assert sorted(status(trigger_client, r) for r in runs) == ["EXECUTING", "QUEUED"]
    gates.release_all()
    for run_id in runs:
        trigger_client.runs.poll(run_id, interval=0.1, timeout=10)


def test_a_run_parked_for_want_of_a_handler_takes_no_slot_of_its_limit() -> None:
    # Both are dequeued in one step: the parked one (no handler, pending_version) must not
    # count against the limit, or the other would wait for an unrelated wake.
    with Emulator(unhandled="pending_version") as emulator, emulator.client() as client:
        emulator.declare_concurrency_limit("shared-gpu", total=1)
        emulator.register("render-frames", lambda payload: f"rendered {payload}")
        batch = client.batch.trigger(
            [
                {"task": "ghost-task", "payload": 0, "options": {"concurrency": "shared-gpu"}},
                {"task": "render-frames", "payload": 1, "options": {"concurrency": "shared-gpu"}},
            ]
        )
        deadline = time.monotonic() + 10
        while len(runs := client.batch.retrieve(batch.id).runs) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        ghost, real = runs
        wait_status(client, ghost, "PENDING_VERSION")
        wait_status(client, real, "COMPLETED", timeout=5)


def test_an_override_and_a_pause_of_the_named_limit_apply(
    trigger_emulator: Emulator, trigger_client: trigger.Client, gates: Gates
) -> None:
    trigger_emulator.declare_concurrency_limit("shared-gpu", total=1)
    trigger_emulator.register("render-frames", gates.handler)
    first = trigger_client.tasks.trigger("render-frames", "scene-1", concurrency="shared-gpu")
    wait_status(trigger_client, first.id, "EXECUTING")
    second = trigger_client.tasks.trigger("render-frames", "scene-2", concurrency="shared-gpu")
    time.sleep(0.3)  # generous, as above
    assert status(trigger_client, second.id) == "QUEUED"
    trigger_client.concurrency_limits.override("shared-gpu", total=2)
    wait_status(trigger_client, second.id, "EXECUTING")

    trigger_client.concurrency_limits.pause("shared-gpu")
    gates.event("scene-1").set()
    gates.event("scene-2").set()
    third = trigger_client.tasks.trigger("render-frames", "scene-3", concurrency="shared-gpu")
    trigger_client.runs.poll(second.id, interval=0.1, timeout=10)
    time.sleep(0.3)  # generous, as above
    assert status(trigger_client, third.id) == "QUEUED"
    trigger_client.concurrency_limits.resume("shared-gpu")
    gates.event("scene-3").set()
    trigger_client.runs.poll(third.id, interval=0.1, timeout=10)


# -- the server's validation -----------------------------------------------------------------


_NAME_MESSAGE = (
    "Concurrency limit names are 1-122 characters using only letters, numbers, underscores "
    "and hyphens"
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["a", "b", "c"], "Array must contain at most 2 element(s)"),
        (["shared gpu"], _NAME_MESSAGE),
        ([""], _NAME_MESSAGE),
        ("shared-gpu", "Expected array, received string"),
    ],
)
def test_bad_names_get_the_servers_400(
    trigger_emulator: Emulator, http: httpx.Client, value: Any, message: str
) -> None:
    trigger_emulator.register("render-frames", lambda payload: None)
    answer = http.post(
        "/api/v1/tasks/render-frames/trigger", json={"options": {"concurrency": value}}
    )
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]
    assert "options.concurrency" in answer.json()["error"]


def test_a_bad_batch_item_is_refused_with_the_servers_message(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    answer = http.post(
        "/api/v1/tasks/batch",
        json={"items": [{"task": "render-frames", "options": {"concurrency": ["no spaces"]}}]},
    )
    assert answer.status_code == 400, answer.text
    assert _NAME_MESSAGE in answer.json()["error"]


def test_declarations_are_checked(trigger_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="invalid limit name 'shared gpu'"):
        trigger_emulator.declare_concurrency_limit("shared gpu", total=1)
    with pytest.raises(TypeError, match="name must be a str"):
        trigger_emulator.declare_concurrency_limit(["a", "b"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="total must be an int from 0 to 100000"):
        trigger_emulator.declare_concurrency_limit("shared-gpu", total=-1)
    with pytest.raises(ValueError, match="concurrency takes at most 2 named limits"):
        trigger_emulator.register(
            "render-frames", lambda payload: None, concurrency=["a", "b", "c"]
        )
    trigger_emulator.declare_concurrency_limit("shared-gpu", total=1)
    trigger_emulator.forget_concurrency_limit("shared-gpu")
    assert "shared-gpu" not in trigger_emulator.concurrency_limit_names()


# -- the pytest plugin -----------------------------------------------------------------------

_LEAK_SUITE = """
def test_declares(trigger_emulator):
    trigger_emulator.declare_concurrency_limit("leaky-limit", total=1)
    assert "leaky-limit" in trigger_emulator.concurrency_limit_names()

def test_starts_clean(trigger_emulator, trigger_client):
    assert "leaky-limit" not in trigger_emulator.concurrency_limit_names()
    assert [limit.name for limit in trigger_client.concurrency_limits.list()] == []
"""


def test_the_plugin_forgets_a_tests_named_limits(tmp_path: Path) -> None:
    (tmp_path / "test_suite.py").write_text(_LEAK_SUITE)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
