"""Run the reliability tests and print how many pass per scenario and client mode.

    .venv/bin/python scripts/reliability_table.py > /tmp/table.md

The table in docs/guides/reliability.md is this script's output.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {
    "test_faults.py": (
        "Faults over real sockets (refused, reset, stall, 5xx, 408/409/429, "
        "x-should-retry, bad JSON)"
    ),
    "test_hostile_servers.py": (
        "Hostile servers (dribbling past the timeout, gzip bombs, oversized bodies, "
        "unsendable requests, connection error texts)"
    ),
    "test_lost_responses.py": "Lost responses: one run per trigger and per batch item",
    "test_pipeline.py": (
        "Retry policy, idempotency key, error mapping, secrets in errors, deeply nested JSON "
        "(mocked transport)"
    ),
    "test_concurrency.py": (
        "Cancellation (cancel scopes, task cancel), dribbled headers, 16 threads on one client"
    ),
    "test_hostile_bodies.py": (
        "Hypothesis bodies for every model; no key in DEBUG logs; peak RSS of a gzip bomb"
    ),
    "test_exception_pickling.py": "Every exception pickles without the key; process pools",
    "test_pagination_memory.py": "Walking 60 pages holds one page at a time",
}
FILES = [
    "tests/_async/test_faults.py",
    "tests/_sync/test_faults.py",
    "tests/_async/test_hostile_servers.py",
    "tests/_sync/test_hostile_servers.py",
    "tests/_async/test_lost_responses.py",
    "tests/_sync/test_lost_responses.py",
    "tests/_async/test_pipeline.py",
    "tests/_sync/test_pipeline.py",
    "tests/test_concurrency.py",
    "tests/test_hostile_bodies.py",
    "tests/test_exception_pickling.py",
    "tests/test_pagination_memory.py",
]


def mode(classname: str, name: str) -> str:
    if "._sync." in f".{classname}." or "_sync" in classname.split("."):
        return "Client"
    backend = re.search(r"\[(asyncio|trio)", name)
    if backend:
        return f"AsyncClient ({backend.group(1)})"
    return "Client"


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={report}",
                *FILES,
            ],
            cwd=ROOT,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        tree = ET.parse(report)
    passed: dict[str, Counter[str]] = defaultdict(Counter)
    total: dict[str, Counter[str]] = defaultdict(Counter)
    for case in tree.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        scenario = next((s for s in SCENARIOS if classname.endswith(s.removesuffix(".py"))), None)
        if scenario is None:
            continue
        column = mode(classname, name)
        total[scenario][column] += 1
        if not any(child.tag in ("failure", "error", "skipped") for child in case):
            passed[scenario][column] += 1
    columns = ["Client", "AsyncClient (asyncio)", "AsyncClient (trio)"]
    print("| Scenario | " + " | ".join(columns) + " |")
    print("| --- | " + " | ".join("---" for _ in columns) + " |")
    for scenario, title in SCENARIOS.items():
        cells = [
            f"{passed[scenario][c]}/{total[scenario][c]}" if total[scenario][c] else "n/a"
            for c in columns
        ]
        print(f"| {title} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
