"""A simulated week of hourly schedules on the emulator's virtual clock (``advance``).

    .venv/bin/python benchmarks/schedules_week.py            # full run (under a minute)
    .venv/bin/python benchmarks/schedules_week.py --quick    # smoke run
    .venv/bin/python benchmarks/schedules_week.py --write    # also rewrite its part of the README

``run.py --emulator`` runs it too, as part of the emulator's section. Each round starts an
emulator on a virtual clock in this process, creates the schedules through the SDK, and
times one ``emulator.advance(timedelta(days=7))``: the clock stops at each of the 168
occurrences, fires them, and waits for their runs to finish before moving on. Medians of the
wall time, against the issue's target of 1 s; the runs are counted afterwards.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from readme_parts import part_main  # noqa: E402
from run import Row, median, table  # noqa: E402

START = "<!-- schedules benchmarks: written by `benchmarks/schedules_week.py --write` -->"
END = "<!-- --8<-- [end:schedules-week-results] -->"
TASK = "hourly-sync"
WEEK = timedelta(days=7)
BEGIN = datetime(2026, 3, 26, tzinfo=timezone.utc)
"""A week in which London moves to summer time (29 March 2026)."""
TARGET_MS = 1000.0


@dataclass(frozen=True)
class Settings:
    """How much work the benchmark does."""

    rounds: int  # simulated weeks per variant (medians over them)
    idle_steps: int  # calls of the idle hook


FULL = Settings(rounds=7, idle_steps=20_000)
QUICK = Settings(rounds=3, idle_steps=5_000)


def week(schedules: int, handler: bool) -> tuple[float, int]:
    """One simulated week: the wall time of ``advance`` (s) and the runs it made."""
    from trigger.emulator import Emulator

    with Emulator(clock="virtual", start_time=BEGIN) as emulator, emulator.client() as client:
        if handler:

            def sync(payload: Any) -> dict[str, Any]:
                return {"synced": payload["timestamp"]}

            emulator.register(TASK, sync, scheduled=True)
        else:
            emulator.declare_task(TASK, scheduled=True)
        for index in range(schedules):
            client.schedules.create(
                task=TASK,
                cron="0 * * * *",
                deduplication_key=f"hourly-sync-{index}",
                timezone="Europe/London",
            )
        started = time.perf_counter()
        emulator.advance(WEEK, timeout=120)
        elapsed = time.perf_counter() - started
        runs = sum(1 for _ in client.runs.list(task_identifier=TASK, limit=100))
    return elapsed, runs


def idle_hook_us(steps: int) -> float:
    """Microseconds the schedule hook takes at a step with nothing due (100 schedules)."""
    from trigger.emulator import Emulator
    from trigger.emulator.scheduling import ScheduleFiring

    with Emulator(clock="virtual", start_time=BEGIN) as emulator, emulator.client() as client:
        emulator.declare_task(TASK, scheduled=True)
        for index in range(100):
            client.schedules.create(task=TASK, cron="0 * * * *", deduplication_key=f"idle-{index}")
        hook = ScheduleFiring(emulator._state).step  # a second hook on the same store
        now = emulator.clock.now_ms()
        hook(now)
        started = time.perf_counter()
        for _ in range(steps):
            hook(now)
        return (time.perf_counter() - started) / steps * 1e6


def week_row(name: str, schedules: int, handler: bool, rounds: int) -> tuple[Row, int]:
    """A row of medians over ``rounds`` simulated weeks, and the runs of the last one."""
    times: list[float] = []
    runs = 0
    for _ in range(rounds):
        elapsed, runs = week(schedules, handler)
        times.append(elapsed)
    value = median(times) * 1e3
    row = Row(
        name,
        f"{value:,.0f} ms",
        f"{TARGET_MS:g} ms target",
        value / TARGET_MS,
        "<= 1x",
        value <= TARGET_MS,
    )
    return row, runs


def bench(s: Settings) -> tuple[list[Row], list[str]]:
    """The rows, and the notes under them."""
    plain, plain_runs = week_row(
        "week of an hourly schedule, no handler (168 runs)", 1, False, s.rounds
    )
    handled, handled_runs = week_row(
        "week of an hourly schedule, Python handler (168 runs)", 1, True, s.rounds
    )
    many_times = [week(10, False) for _ in range(max(1, s.rounds // 2))]
    many_ms = median([elapsed for elapsed, _ in many_times]) * 1e3
    many_runs = many_times[-1][1]
    notes = [
        f"- Runs made: {plain_runs} and {handled_runs} (168 expected); ten hourly schedules "
        f"for a week made {many_runs:,} runs in {many_ms:,.0f} ms "
        f"({many_ms / max(1, many_runs):.2f} ms a run).",
        f"- The schedule hook at a step with nothing due (100 schedules): "
        f"{idle_hook_us(s.idle_steps):.1f} µs, one indexed read.",
    ]
    return [plain, handled], notes


METHOD = """
#### Schedules: a simulated week

`benchmarks/schedules_week.py`: an emulator on a virtual clock in this process (started
outside the timing), one hourly schedule in `Europe/London` created through the SDK, then
one `emulator.advance(timedelta(days=7))` timed: the clock stops at each of the 168
occurrences, the schedule fires, and its run finishes (no handler: the emulator completes
it 50 ms of virtual time later; with a Python handler: the handler runs in the emulator's
thread pool) before time moves on. Medians over the rounds.
"""


def section(quick: bool) -> list[str]:
    """The README part's lines."""
    from emulator import machine  # the emulator extra's versions

    s = QUICK if quick else FULL
    started = time.perf_counter()
    rows, notes = bench(s)
    elapsed = time.perf_counter() - started
    mode = "quick" if quick else "full"
    return [
        START,
        METHOD,
        f"##### Results ({mode} run, {elapsed:.0f} s)",
        "",
        "<!-- --8<-- [start:schedules-week-results] -->",
        *machine(),
        "",
        *table(rows),
        "",
        *notes,
        END,
    ]


def main() -> None:
    """Run the benchmark; with ``--write``, rewrite its part of the README."""
    part_main((__doc__ or "").splitlines()[0], section, START, END)


if __name__ == "__main__":
    main()
