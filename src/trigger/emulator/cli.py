"""The ``trigger emulator`` command (also ``python -m trigger.emulator``).

    trigger emulator --host 127.0.0.1 --port 3030 [--db PATH] [--project-ref REF]
                     [--strict-keys] [--seed N] [--example-tasks]
                     [--clock real|virtual|auto] [--start-time 2026-03-01T00:00:00Z]
                     [--fault 'tasks.trigger status=503 times=2' ...] [--fault-seed N]
                     [--rate-limit ['limit=5 interval=1s']]

When ready it prints its URL, project ref and keys; SIGINT and SIGTERM stop it cleanly.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from trigger.emulator.faults_cli import add_fault_arguments, banner_lines, emulator_options

__all__ = ["build_parser", "main", "run_emulator"]


def build_parser() -> argparse.ArgumentParser:
    """The ``trigger`` command line (its first command is ``emulator``)."""
    parser = argparse.ArgumentParser(prog="trigger", description="Tools for Trigger.dev.")
    commands = parser.add_subparsers(dest="command", required=True)
    emulator = commands.add_parser(
        "emulator",
        help="Run a local Trigger.dev API emulator.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=3030, help="TCP port (default 3030; 0: any)")
    emulator.add_argument("--db", default=None, help="SQLite file to keep state in")
    emulator.add_argument("--project-ref", default=None, help="project ref (default: generated)")
    emulator.add_argument(
        "--strict-keys", action="store_true", help="accept only the keys printed at start"
    )
    emulator.add_argument("--seed", type=int, default=None, help="deterministic ids and keys")
    emulator.add_argument(
        "--unhandled",
        choices=("complete", "pending_version", "fail"),
        default="complete",
        help="what runs of tasks without a handler do (default: complete)",
    )
    emulator.add_argument(
        "--example-tasks",
        action="store_true",
        help="register the documentation's example tasks (hello-world, send-email, ...)",
    )
    emulator.add_argument(
        "--clock",
        choices=("real", "virtual", "auto"),
        default="real",
        help="real time (default); virtual: moves only through POST /_emulator/clock; "
        "auto: virtual, and skips to the next due event whenever no handler runs",
    )
    emulator.add_argument(
        "--start-time",
        type=_aware_time,
        default=None,
        metavar="ISO",
        help="where a virtual clock starts (ISO 8601 with an offset; default: now)",
    )
    add_fault_arguments(emulator)
    emulator.add_argument("--log-level", default="warning", help="uvicorn log level")
    return parser


def _aware_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time with an offset (e.g. 2026-03-01T09:00:00Z)"
        )
    return when


def _banner(url: str, project_ref: str, keys: dict[str, str], pat: str, clock: str = "") -> str:
    lines = [
        f"Trigger.dev emulator ready at {url}",
        f"  project ref  {project_ref}",
        *(f"  {slug:<12} {key}" for slug, key in keys.items()),
        f"  {'pat':<12} {pat}",
        *([f"  {'clock':<12} {clock}"] if clock else []),
        "",
        f"  export TRIGGER_API_URL={url}",
        f"  export TRIGGER_SECRET_KEY={keys['dev']}",
        f"  export TRIGGER_PROJECT_REF={project_ref}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``trigger`` command line; the exit status."""
    options = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    commands = {"emulator": run_emulator}
    return commands[options.command](options)


def run_emulator(options: argparse.Namespace) -> int:
    """``trigger emulator``: serve until SIGINT or SIGTERM; the exit status."""
    try:
        from trigger.emulator.server import Emulator
    except ModuleNotFoundError as error:
        print(
            f"trigger emulator needs {error.name!r}: pip install 'trigger-sdk[emulator]'",
            file=sys.stderr,
        )
        return 2
    if options.start_time is not None and options.clock == "real":
        print("trigger emulator: --start-time needs --clock virtual or auto", file=sys.stderr)
        return 2

    emulator = Emulator(
        host=options.host,
        port=options.port,
        db=options.db,
        project_ref=options.project_ref,
        strict_keys=options.strict_keys,
        seed=options.seed,
        unhandled=options.unhandled,
        clock=options.clock,
        start_time=options.start_time,
        log_level=options.log_level,
        **emulator_options(options),
    )
    if options.example_tasks:
        from trigger.emulator.examples import register_example_tasks

        register_example_tasks(emulator)

    def ready() -> None:
        mode = emulator.clock.mode
        clock = "" if mode == "real" else f"{mode}, at {emulator.now.isoformat()}"
        text = _banner(
            emulator.url,
            emulator.project_ref,
            emulator.keys,
            emulator.personal_access_token,
            clock,
        )
        print(text + banner_lines(emulator.faults), flush=True)

    stopping = {"done": False}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stopping["done"]:
            return
        stopping["done"] = True
        emulator.stop()

    # The HTTP server runs in a thread, so this thread handles the signals.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        emulator.serve_forever(ready)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Trigger.dev emulator stopped", flush=True)
    return 0
