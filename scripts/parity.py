"""Record the parity scenarios against a server, or compare a server with the recordings.

    # against the real server (keys from its start script)
    bash ../shared/realserver/start.sh keys > /tmp/keys.txt
    .venv/bin/python scripts/parity.py record --url http://127.0.0.1:3030 --keys-from /tmp/keys.txt

    # compare any server with the recordings (an emulator started with `trigger emulator`)
    .venv/bin/python scripts/parity.py compare --url http://127.0.0.1:3031 --keys-from emulator

    .venv/bin/python scripts/parity.py list

``--keys-from`` takes a ``start.sh keys`` file (``-`` reads it from stdin; ``--project`` picks
the project, default ``hello-world``), an emulator health JSON file, or ``emulator`` (asks
``<url>/_emulator/health``). ``--only a,b`` and ``--group g`` select scenarios. The
recordings are written to ``tests/parity/recordings/<scenario>.json``; the test suite
(``tests/parity/test_parity.py``) compares the in-process emulator with them.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.parity import recordings
from tests.parity.framework import Scenario, run_scenario
from tests.parity.scenarios import SCENARIOS
from tests.parity.targets import load_target


def _select(only: str | None, group: str | None) -> list[Scenario]:
    chosen = list(SCENARIOS)
    if only:
        names = {name.strip() for name in only.split(",") if name.strip()}
        unknown = names - {s.name for s in chosen}
        if unknown:
            raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
        chosen = [s for s in chosen if s.name in names]
    if group:
        chosen = [s for s in chosen if s.group == group]
    return chosen


def _record(args: argparse.Namespace) -> int:
    target = load_target(args.url, args.keys_from, args.project, name="real")
    meta = {
        "target": "real Trigger.dev server (apps/webapp snapshot, SDK line 4.5.12)",
        "date": datetime.date.today().isoformat(),
    }
    for scenario in _select(args.only, args.group):
        started = time.monotonic()
        recording = run_scenario(scenario, target)
        path = recordings.save(recording, meta)
        stopped = [n for n in recording["notes"] if n.startswith("scenario stopped")]
        print(
            f"{scenario.name:32} {len(recording['steps']):3} steps "
            f"{time.monotonic() - started:5.1f} s -> {path.name}"
            + (f"  !! {stopped[0]}" if stopped else "")
        )
    return 0


def _compare(args: argparse.Namespace) -> int:
    target = load_target(args.url, args.keys_from, args.project, name=args.name)
    failed = 0
    for scenario in _select(args.only, args.group):
        expected = recordings.load(scenario.name)
        if expected is None:
            print(f"{scenario.name:32} no recording")
            failed += 1
            continue
        diffs = recordings.differences(expected, run_scenario(scenario, target))
        print(f"{scenario.name:32} {'ok' if not diffs else f'{len(diffs)} differences'}")
        for line in diffs[: args.max_diffs]:
            print(f"    {line}")
        failed += bool(diffs)
    return 1 if failed else 0


def _list(args: argparse.Namespace) -> int:
    for scenario in _select(args.only, args.group):
        stored = recordings.load(scenario.name)
        steps = len(stored["steps"]) if stored else 0
        print(f"{scenario.group:12} {scenario.name:32} {steps:3} steps  {scenario.doc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in ("record", "compare", "list"):
        p = sub.add_parser(command)
        p.add_argument("--only", help="comma-separated scenario names")
        p.add_argument("--group", help="one endpoint group")
        if command != "list":
            p.add_argument("--url", required=True, help="the target's base URL")
            p.add_argument("--keys-from", required=True, help="keys file, '-', or 'emulator'")
            p.add_argument("--project", default="hello-world", help="project name in the keys file")
        if command == "compare":
            p.add_argument(
                "--name", default="emulator", help="'real' gives the real server's waits"
            )
            p.add_argument("--max-diffs", type=int, default=20)
    args = parser.parse_args(argv)
    return {"record": _record, "compare": _compare, "list": _list}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
