"""The official TypeScript client (``@trigger.dev/sdk`` 4.8.3) drives a flow against the emulator.

``flow.mjs`` goes through the official client only, which validates every answer with its own
zod schemas: a shape the emulator gets wrong fails that step. The client is installed from
``package-lock.json`` by ``scripts/bootstrap`` (``npm ci``).

`PENDING` is the one list of steps the emulator does not pass yet, each with why. It is
strict both ways: the flow without
them must pass, and each of them must still fail, so a step that starts passing has to be
taken off the list.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trigger.emulator import Emulator, RetryPolicy, TaskContext

HERE = Path(__file__).resolve().parent
FLOW = HERE / "flow.mjs"

STEPS = (
    "trigger",
    "retrieve-until-done",
    "failed-run",
    "error-groups",
    "list-filters-and-pages",
    "cancel",
    "replay",
    "reschedule",
    "tags",
    "metadata",
    "public-access-token",
    "idempotency-keys",
    "batch-trigger",
    "large-payload",
    "bulk-actions",
    "deployments-current",
    "deployments-list",
    "schedules",
    "envvars",
    "queues-pause-resume",
    "waitpoint-tokens",
    "waitpoint-resumes-run",
    "sessions",
    "query",
    "schedules-firing",
)
"""Every step of ``flow.mjs``, in its order."""

VIRTUAL_CLOCK_STEPS = frozenset({"schedules-firing"})
"""Steps that move the server's clock: they run against an emulator on a virtual clock."""

PENDING: dict[str, str] = {}
"""Steps the emulator does not pass yet, with their endpoint group (and why, above)."""

_LINE = re.compile(r"^(ok|FAIL|skip) ([a-z-]+)(?:: (.*))?$")


def _node() -> str:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH (install Node.js 18.20 or newer)"
    assert (HERE / "node_modules" / "@trigger.dev" / "sdk").is_dir(), (
        "the official client is not installed: run scripts/bootstrap "
        "(npm ci --prefix tests/official_client)"
    )
    return node


def _register_flow_tasks(emulator: Emulator) -> None:
    @emulator.task("flow-echo")
    def echo(payload: Any, ctx: TaskContext) -> dict[str, Any]:
        return {"echo": payload, "attempt": ctx.attempt}

    @emulator.task("flow-fail", retry=RetryPolicy(max_attempts=2, min_delay_ms=10))
    def always_fails(payload: Any) -> None:
        raise ValueError("flow-fail always fails")

    @emulator.task("flow-metadata")
    def sets_metadata(payload: dict[str, Any], ctx: TaskContext) -> None:
        ctx.metadata.set("progress", 1)
        ctx.metadata.set("seen", payload["value"])

    @emulator.task("flow-token")
    async def waits_for_a_token(payload: dict[str, Any], ctx: TaskContext) -> Any:
        result = await ctx.wait.for_token(payload["tokenId"])
        return result.unwrap()

    @emulator.task("flow-size")
    def size(payload: dict[str, str]) -> dict[str, int]:
        return {"length": len(payload["blob"])}

    @emulator.task("flow-scheduled", scheduled=True)
    def scheduled(payload: Any) -> None:
        return None

    @emulator.task("flow-agent")
    def agent(payload: dict[str, Any]) -> dict[str, Any]:
        return payload


def run_script(
    script: Path,
    emulator: Emulator,
    *steps: str,
    skip: set[str] | frozenset[str] = frozenset(),
) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Run one of the official-client scripts (``flow.mjs``, ``realtime.mjs``,
    ``streams.mjs``) against ``emulator``; its exit status, ``{step: (result, error)}`` and
    output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_")}
    env.update(
        TRIGGER_API_URL=emulator.url,
        TRIGGER_SECRET_KEY=emulator.secret_key,
        TRIGGER_PROJECT_REF=emulator.project_ref,
        FLOW_SKIP=",".join(sorted(skip)),
    )
    done = subprocess.run(
        [_node(), str(script), *steps],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    results: dict[str, tuple[str, str]] = {}
    for line in done.stdout.splitlines():
        match = _LINE.match(line)
        if match:
            results[match.group(2)] = (match.group(1), match.group(3) or "")
    return done.returncode, results, done.stdout + done.stderr


def run_flow(
    emulator: Emulator, *steps: str, skip: set[str] | frozenset[str] = frozenset()
) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Run ``flow.mjs`` against ``emulator`` (see `run_script`)."""
    return run_script(FLOW, emulator, *steps, skip=skip)


@pytest.fixture
def flow_emulator(trigger_emulator: Emulator) -> Iterator[Emulator]:
    """The session's emulator with the flow's task handlers registered."""
    _register_flow_tasks(trigger_emulator)
    yield trigger_emulator


def test_the_step_list_is_the_flows() -> None:
    names = re.findall(r'^step\("([a-z-]+)"', FLOW.read_text(encoding="utf-8"), re.MULTILINE)
    assert tuple(names) == STEPS
    assert set(PENDING) <= set(STEPS)


def test_the_official_client_flow_passes(flow_emulator: Emulator) -> None:
    skipped = set(PENDING) | VIRTUAL_CLOCK_STEPS
    status, results, output = run_flow(flow_emulator, skip=skipped)
    expected = {name: ("skip" if name in skipped else "ok") for name in STEPS}
    assert {name: result for name, (result, _) in results.items()} == expected, output
    assert status == 0, output
    assert f"summary ok={len(STEPS) - len(skipped)} fail=0 skip={len(skipped)}" in output
    # Nothing the client sent made the emulator fail.
    assert [r for r in flow_emulator.requests() if r["status"] >= 500] == []
    if PENDING:
        status, results, output = run_flow(flow_emulator, *sorted(PENDING))
        failed = {name for name, (result, _) in results.items() if result == "FAIL"}
        assert failed == set(PENDING), "a pending step passes now: take it off PENDING\n" + output


def test_schedules_fire_on_a_virtual_clock() -> None:
    # The official client creates an hourly schedule, the control endpoint moves the clock
    # three hours on, and the client lists the schedule's three runs and their payloads.
    with Emulator(clock="virtual") as emulator:
        _register_flow_tasks(emulator)
        status, results, output = run_flow(emulator, *sorted(VIRTUAL_CLOCK_STEPS))
        assert results == dict.fromkeys(VIRTUAL_CLOCK_STEPS, ("ok", "")), output
        assert status == 0, output
        assert [r for r in emulator.requests() if r["status"] >= 500] == []


def test_clock_steps_say_they_need_a_virtual_clock(flow_emulator: Emulator) -> None:
    status, results, output = run_flow(flow_emulator, "schedules-firing")
    assert status == 1, output
    assert results["schedules-firing"][0] == "FAIL"
    assert "needs an emulator on a virtual clock" in results["schedules-firing"][1], output


def test_flow_skip_skips_steps_and_names_them(flow_emulator: Emulator) -> None:
    status, results, output = run_flow(flow_emulator, "trigger", "cancel", skip={"cancel"})
    assert results == {"trigger": ("ok", ""), "cancel": ("skip", "")}, output
    assert status == 0, output
    assert "summary ok=1 fail=0 skip=1" in output
    status, _, output = run_flow(flow_emulator, "trigger", skip={"no-such-step"})
    assert status == 2
    assert "FLOW_SKIP names an unknown step no-such-step" in output


def test_the_flow_reports_a_wrong_shape_as_a_failed_step(
    flow_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The trigger answers a number for the run id: the client's schema refuses the answer.
    from trigger.emulator.routes import tasks as task_routes

    answer = task_routes.json_response

    def wrong_id(body: Any, status: int = 200, headers: Any = None) -> Any:
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            body = {**body, "id": 12345}
        return answer(body, status, headers)

    monkeypatch.setattr(task_routes, "json_response", wrong_id)
    status, results, output = run_flow(flow_emulator, "trigger")
    assert status == 1, output
    result, error = results["trigger"]
    assert result == "FAIL", output
    assert "expected string, received number" in error, output
    assert "summary ok=0 fail=1 skip=0" in output
