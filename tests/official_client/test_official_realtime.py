"""The official TypeScript client's realtime subscriptions against the emulator.

``realtime.mjs`` subscribes through ``@trigger.dev/sdk`` 4.8.3 only (``runs.subscribeToRun``,
``subscribeToRunsWithTag``, ``subscribeToBatch``, a run's public access token): its Electric
shape stream refuses an answer without the headers it needs and its zod schema a row it
cannot read, so a wire mistake of the emulator fails a step. Then the Python SDK's requests
are compared with the official client's, as the emulator recorded both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trigger.emulator import Emulator, TaskContext

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "realtime.mjs"
STEPS = (
    "subscribe-to-run",
    "subscribe-with-public-token",
    "subscribe-to-runs-with-tag",
    "subscribe-to-batch",
)


@pytest.fixture
def realtime_emulator(trigger_emulator: Emulator) -> Iterator[Emulator]:
    @trigger_emulator.task("rt-wait")
    async def waits(payload: dict[str, Any], ctx: TaskContext) -> Any:
        result = await ctx.wait.for_token(payload["tokenId"])
        return result.unwrap()

    @trigger_emulator.task("rt-echo")
    def echo(payload: Any) -> dict[str, Any]:
        return {"echo": payload}

    yield trigger_emulator


def run_script(emulator: Emulator, *steps: str) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Run the script against ``emulator`` (see ``test_official_client.run_script``)."""
    from tests.official_client.test_official_client import run_script as run

    return run(SCRIPT, emulator, *steps)


def test_the_step_list_is_the_scripts() -> None:
    names = re.findall(r'^step\("([a-z-]+)"', SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    assert tuple(names) == STEPS


def test_the_official_client_subscribes_to_the_emulator(realtime_emulator: Emulator) -> None:
    status, results, output = run_script(realtime_emulator)
    assert results == dict.fromkeys(STEPS, ("ok", "")), output
    assert status == 0, output
    # The client never met an error answer, and the emulator never failed.
    realtime = realtime_emulator.requests("/realtime/")
    assert realtime, "the steps went through the realtime endpoints"
    assert [r for r in realtime_emulator.requests() if r["status"] >= 400] == []


def _shape(query: str) -> list[tuple[str, str]]:
    """A request's query with the opaque values (offset, handle, cursor) blanked."""
    pairs = [tuple(part.split("=", 1)) for part in query.split("&") if part]
    opaque = {"offset", "handle", "cursor"}
    return [(k, "*" if k in opaque and v not in ("", "-1") else v) for k, v in pairs]


def test_the_python_sdk_sends_what_the_official_client_sends(
    realtime_emulator: Emulator,
) -> None:
    status, _, output = run_script(realtime_emulator, "subscribe-to-run")
    assert status == 0, output
    official = realtime_emulator.requests("/realtime/v1/runs/")
    with realtime_emulator.client() as client:
        token = client.wait.create_token(timeout="1h")
        handle = client.tasks.trigger("rt-wait", {"tokenId": token.id})
        before = len(realtime_emulator.requests("/realtime/v1/runs/"))
        for run in client.runs.subscribe(handle.id):
            if run.status == "WAITING":
                client.wait.complete_token(token.id, {"approved": True})
    ours = realtime_emulator.requests("/realtime/v1/runs/")[before:]
    # The official client's Electric stream also prefetches the next chunk after the first
    # answer (a non-live request, aborted once the live one starts): left out here.
    official_polls = [r for r in official if "live=true" in r["query"] or "offset=-1" in r["query"]]
    assert (
        _shape(official_polls[0]["query"])
        == _shape(ours[0]["query"])
        == [
            ("log", "full"),
            ("offset", "-1"),
        ]
    )
    assert _shape(official_polls[1]["query"]) == _shape(ours[1]["query"])
    for name in ("x-trigger-electric-version", "x-trigger-api-version"):
        assert official_polls[0]["headers"][name] == ours[0]["headers"][name]
    assert ours[0]["headers"]["authorization"] == official_polls[0]["headers"]["authorization"]
