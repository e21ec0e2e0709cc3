"""An emulator standing in for the real server of the opt-in suite (tests/_async/test_real_*.py).

    python -m tests.emulator.real_suite_emulator [--task-duration SECONDS]

It registers Python twins of the real project's tasks (``hello`` and the scheduled
``hourly``, from the project the real server's dev worker runs), listens on 127.0.0.1, then
prints ONE line of JSON: the ``TRIGGER_REAL_*`` variables that point the suite at it. It
serves until SIGTERM, SIGINT or the end of its standard input (so it never outlives the test
that started it).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

__all__ = ["HELLO_TASK", "SCHEDULED_TASK", "hello", "hourly", "main", "real_suite_environ"]

HELLO_TASK = "hello"
"""The id of the task the suite triggers (``TRIGGER_REAL_TASK``'s default)."""
SCHEDULED_TASK = "hourly"
"""The id of the scheduled task (``TRIGGER_REAL_SCHEDULED_TASK``'s default)."""


def hello(payload: Any) -> dict[str, Any]:
    """``hello`` of the real project: ``{greeting: "hi", echo: payload}``."""
    return {"greeting": "hi", "echo": payload}


def hourly(payload: Any) -> dict[str, Any]:
    """``hourly`` of the real project: ``{ts: payload.timestamp}``."""
    return {"ts": payload.get("timestamp") if isinstance(payload, dict) else None}


def real_suite_environ(emulator: Any) -> dict[str, str]:
    """The ``TRIGGER_REAL_*`` variables of the opt-in suite, naming ``emulator``."""
    keys = emulator.keys
    return {
        "TRIGGER_REAL_API_URL": emulator.url,
        "TRIGGER_REAL_SECRET_KEY": keys["dev"],
        "TRIGGER_REAL_PROD_KEY": keys["prod"],
        "TRIGGER_REAL_STAGING_KEY": keys["stg"],
        "TRIGGER_REAL_PREVIEW_KEY": keys["preview"],
        "TRIGGER_REAL_PREVIEW_BRANCH": "main",
        "TRIGGER_REAL_PAT": emulator.personal_access_token,
        "TRIGGER_REAL_PROJECT_REF": emulator.project_ref,
        "TRIGGER_REAL_TASK": HELLO_TASK,
        "TRIGGER_REAL_SCHEDULED_TASK": SCHEDULED_TASK,
        # The emulator does not serve session channels (as a server without a stream store).
        "TRIGGER_REAL_SESSION_CHANNELS": "0",
        "TRIGGER_REAL_RUN_TIMEOUT": "20",
        # The emulator commits before it answers, and lists at once what it made: the
        # lost-answer tests need not wait seconds for late runs or slow answers.
        "TRIGGER_REAL_SETTLE": "0.2",
        "TRIGGER_REAL_CLIENT_TIMEOUT": "1",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until told to stop; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.real_suite_emulator")
    parser.add_argument(
        "--task-duration",
        type=float,
        default=0.05,
        help="seconds a run of a task without a handler executes (default 0.05)",
    )
    options = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    from trigger.emulator import Emulator

    emulator = Emulator(
        host="127.0.0.1",
        strict_keys=True,
        unhandled_duration=options.task_duration,
        # A dev environment runs on the CLI's worker and is never deployed.
        seed_deployment=False,
    )
    emulator.register(HELLO_TASK, hello)
    emulator.register(SCHEDULED_TASK, hourly, scheduled=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)

    def watch_stdin() -> None:
        # The parent closing our stdin (or dying) stops us.
        sys.stdin.read()
        stop.set()

    emulator.start()
    try:
        print(json.dumps(real_suite_environ(emulator)), flush=True)
        threading.Thread(target=watch_stdin, daemon=True).start()
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
