"""The opt-in real-server suite (tests/_async/test_real_*.py and its sync twins) passes
against the emulator.

tests/emulator/real_suite_emulator.py runs an emulator with Python twins of the real
project's tasks in a subprocess and prints the ``TRIGGER_REAL_*`` variables naming it; the
suite then runs in another subprocess with them. The few tests that cannot pass on the
emulator are listed in `CANNOT_PASS` with the reason, deselected from the run, and each is
run alone afterwards and must still fail (so the list shrinks when the emulator learns).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CANNOT_PASS: dict[str, str] = {
    "test_real_batch.py::test_batch_rate_limit_answer_gives_a_usable_wait": (
        "the emulator has no batch rate limiter (no token bucket, never a 429)"
    ),
    "test_real_runs.py::test_prod_runs_are_accepted_and_stay_queued": (
        "the emulator executes runs in every environment; the real server's prod has no "
        "deployed worker, so its runs stay queued"
    ),
}
"""Tests of the suite the emulator cannot pass (``file::test``, every twin and backend)."""


def _node_ids(name: str) -> list[str]:
    module, test = name.split("::")
    return [
        f"tests/_async/{module}::{test}[asyncio]",
        f"tests/_async/{module}::{test}[trio]",
        f"tests/_sync/{module}::{test}",
    ]


@pytest.fixture(scope="module")
def suite_environ() -> Iterator[dict[str, str]]:
    """The environment of a suite run pointed at a fresh emulator subprocess."""
    emulator = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator.real_suite_emulator"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        line = emulator.stdout.readline()
        assert line, "the emulator exited before it was ready"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_")}
        environ.update(json.loads(line))
        yield environ
    finally:
        assert emulator.stdin is not None
        emulator.stdin.close()  # it stops when its standard input ends
        try:
            emulator.wait(timeout=15)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait()
        if emulator.stdout is not None:
            emulator.stdout.close()


def _pytest(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _counts(output: str) -> dict[str, int]:
    summary = output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}


def test_the_real_suite_passes_on_the_emulator(suite_environ: dict[str, str]) -> None:
    deselect = [
        arg for name in CANNOT_PASS for node in _node_ids(name) for arg in ("--deselect", node)
    ]
    suites = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("tests/_*/test_real_*.py"))
    done = _pytest(suite_environ, *suites, *deselect)
    counts = _counts(done.stdout)
    assert done.returncode == 0, done.stdout[-6000:]
    assert counts.get("failed", 0) == 0 and counts.get("error", 0) == 0
    # The suite really ran: a misconfigured environment would skip it wholesale.
    assert counts.get("passed", 0) > 250, done.stdout[-3000:]
    assert counts.get("deselected") == 3 * len(CANNOT_PASS)


def test_what_cannot_pass_on_the_emulator_still_fails(suite_environ: dict[str, str]) -> None:
    nodes = [node for name in CANNOT_PASS for node in _node_ids(name)]
    done = _pytest(suite_environ, *nodes)
    failed = set(re.findall(r"^FAILED (\S+)", done.stdout, flags=re.MULTILINE))
    assert failed == set(nodes), done.stdout[-6000:]
