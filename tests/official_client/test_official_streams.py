"""The official TypeScript client (``@trigger.dev/sdk`` 4.8.3) reads and writes run streams on
the emulator: ``runs.fetchStream``, ``streams.read``, ``subscribeToRun(...).withStreams()``,
``createStream``/``appendToStream`` and an input stream's ``send`` (``streams.mjs``).

The client parses the server-sent events itself (its ``SSEStreamSubscription``), so an event
the emulator frames wrongly, an id it cannot resume from, or a read it never ends fails a
step here.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from trigger.emulator import Emulator, TaskContext

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "streams.mjs"

STEPS = (
    "fetch-stream-live",
    "streams-read-to-the-end",
    "default-key",
    "subscribe-with-streams",
    "create-and-append",
    "append-to-a-completed-run-is-refused",
    "input-stream-send",
    "unknown-run-fails-the-read",
)
"""Every step of ``streams.mjs``, in its order."""


def _register_writer(emulator: Emulator) -> None:
    @emulator.task("stream-writer")
    def write_chunks(payload: dict[str, Any], ctx: TaskContext) -> dict[str, int]:
        stream = ctx.stream(payload.get("key", "progress"))
        count = int(payload.get("count", 0))
        for index in range(count):
            stream.write({"index": index, "text": f"chunk {index}"})
            time.sleep(payload.get("delayMs", 0) / 1000)
        return {"written": count}


def _run(emulator: Emulator, *steps: str) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Run the script against ``emulator`` (see ``test_official_client.run_script``)."""
    from tests.official_client.test_official_client import run_script as run

    return run(SCRIPT, emulator, *steps)


def test_the_step_list_is_the_scripts() -> None:
    names = re.findall(r'^step\("([a-z-]+)"', SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    assert tuple(names) == STEPS


def test_the_official_client_reads_and_writes_streams(trigger_emulator: Emulator) -> None:
    _register_writer(trigger_emulator)
    status, results, output = _run(trigger_emulator)
    assert results == dict.fromkeys(STEPS, ("ok", "")), output
    assert status == 0, output
    assert f"summary ok={len(STEPS)} fail=0" in output
    reads = trigger_emulator.requests(path="/realtime/v1/streams/", method="GET")
    assert reads, "the client read no stream"
    assert all(r["headers"].get("accept") == "text/event-stream" for r in reads)
    assert [r for r in trigger_emulator.requests() if r["status"] >= 500] == []


def test_a_mis_framed_stream_fails_its_step(
    trigger_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Events without their blank-line terminator are never dispatched: the read ends empty.
    from trigger.emulator.engine import streams as engine
    from trigger.emulator.routes import streams as routes

    real = engine.event
    monkeypatch.setattr(routes.engine, "event", lambda entry, line: real(entry, line)[:-1])
    _register_writer(trigger_emulator)
    status, results, output = _run(trigger_emulator, "streams-read-to-the-end")
    assert status == 1, output
    assert results["streams-read-to-the-end"][0] == "FAIL", output
