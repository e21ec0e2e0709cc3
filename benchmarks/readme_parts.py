"""The parts of benchmarks/README.md that one benchmark script writes, and its command line.

Each script that owns a part (faults, realtime, schedules_week) marks it with its own start
comment and an end marker; `--write` replaces that part in place, or puts it before the
emulator's profile (or at the end) the first time.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

__all__ = ["PROFILE", "README", "part_main", "write_part"]

README = Path(__file__).resolve().parent / "README.md"
PROFILE = "<!-- --8<-- [start:emulator-profile] -->"
"""Where a new part goes: before the emulator's profile."""


def write_part(readme: Path, start: str, end: str, lines: list[str]) -> None:
    """Replace the part between ``start`` and ``end`` (both kept) with ``lines``."""
    text = readme.read_text()
    new = "\n".join(lines)
    at, stop = text.find(start), text.find(end)
    if at >= 0 and stop > at:
        text = text[:at] + new + text[stop + len(end) :]
    elif PROFILE in text:
        at = text.find(PROFILE)
        text = text[:at] + new + "\n\n" + text[at:]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    readme.write_text(text)


def part_main(description: str, section: Callable[[bool], list[str]], start: str, end: str) -> None:
    """The command line of a script that owns a part: ``--quick``, ``--write``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--write", action="store_true", help="rewrite its part of the README")
    args = parser.parse_args()
    lines = section(args.quick)
    print("\n".join(lines))
    if args.write:
        write_part(README, start, end, lines)
