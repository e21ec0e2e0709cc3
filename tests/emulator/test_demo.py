"""scripts/demo.py, the README's first command: it runs against the emulator and says so."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    # The demo must not depend on a key or URL from the environment: it brings its own.
    for name in ("TRIGGER_SECRET_KEY", "TRIGGER_API_URL", "TRIGGER_ACCESS_TOKEN"):
        env.pop(name, None)
    env.update(extra)
    return env


def _run_piped(**extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DEMO)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=_env(**extra),
        timeout=120,
        check=False,
    )


def _assert_tells_the_story(text: str) -> None:
    lines = text.splitlines()

    def has(pattern: str) -> None:
        assert any(re.search(pattern, line) for line in lines), (pattern, text)

    has(r"emulator ready at http://127\.0\.0\.1:\d+ in \d+ ms")
    has(r"handlers: charge-card, publish-post, render-report, resize-image, send-welcome")
    has(r"COMPLETED in \d+ ms  output \{\"sent_to\": \"ada@example.com\"")
    has(r"attempt 1 raised ConnectionError: the bank hung up")
    has(r"retried after a backoff: attempt 2 completed")
    has(r"asyncio +3 resize-image runs triggered and finished together")
    has(r"trio +3 resize-image runs triggered and finished together")
    has(r"first +(run_\w+) +is_cached=False")
    first = re.search(r"first +(run_\w+)", text)
    assert first is not None
    has(rf"repeat +{first.group(1)} +is_cached=True")
    has(r"batch_\w+ +4 runs, of 2 tasks")
    has(r"batch COMPLETED: its 4 runs completed")
    has(r"paused the queue of task resize-image")
    has(r"run_\w+ +QUEUED +300 ms later +\(queue: 1 queued, 0 running, paused=True\)")
    has(r"resumed the queue")
    has(r"created waitpoint_\w+")
    has(r"publish-post +WAITING")
    has(r"publish-post +COMPLETED .*output \{\"published\": \"hello-world\"")
    has(r"4 reports rendered side by side")
    has(r"19 runs over 2 pages of 10: charge-card 1, publish-post 1, render-report 4")
    has(r"filtered: 5 completed send-welcome runs")
    has(r"done in [\d.]+ m?s: 19 runs, \d+ API requests answered")
    assert "Traceback" not in text


def test_demo_piped_prints_plain_lines_and_exits_0() -> None:
    result = _run_piped()
    assert result.returncode == 0, result.stdout + result.stderr
    _assert_tells_the_story(result.stdout)
    assert not ANSI.search(result.stdout)  # no colour or cursor moves into a pipe or a file
    assert "✓" in result.stdout  # UTF-8 output keeps its marks
    assert result.stderr == ""


def test_demo_on_an_ascii_stream_falls_back_to_ascii_marks() -> None:
    result = _run_piped(PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.isascii()
    assert "   + retried after a backoff: attempt 2 completed" in result.stdout
    assert "... and 9 more" in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_demo_on_a_terminal_draws_in_colour() -> None:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, str(DEMO)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=_env(TERM="xterm-256color"),
        close_fds=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the demo exited and closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(30) == 0
    raw = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[32m" in raw  # coloured
    assert re.search(r"\x1b\[\d+A", raw)  # the live board redraws in place
    plain = ANSI.sub("", raw).replace("\r", "")
    assert "retried after a backoff: attempt 2 completed" in plain
    assert "done in" in plain
    # The board is cut to the terminal's width, so a redraw never wraps.
    for line in ANSI.sub("", raw).replace("\r\n", "\n").split("\n"):
        if "+" in line and "#" in line:
            assert len(line) < 80, line
