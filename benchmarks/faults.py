"""What fault injection costs a request when no rule breaks it (``trigger.emulator.faults``).

    .venv/bin/python benchmarks/faults.py            # full run (about a minute)
    .venv/bin/python benchmarks/faults.py --quick    # smoke run
    .venv/bin/python benchmarks/faults.py --write    # also rewrite its part of the README

``run.py --emulator`` runs it too, as part of the emulator's section. Two emulators in one
process of their own: one serves as every emulator does (the fault layer in its pipeline),
the other is the same emulator with the fault layer taken out of the pipeline.
Sequential retrieves with raw httpx (keep-alive) against each, rotating their order round
by round; the layer's emulator is measured with no rule, with ten rules that never match a
retrieve, and with the rate limiter on (a bucket too large to run dry). Medians of
requests per second, and the servers' CPU per request.

This file is also the entry point of its server process (``python benchmarks/faults.py
serve``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from readme_parts import part_main  # noqa: E402
from run import Row, median, paired, table  # noqa: E402

START = "<!-- faults benchmarks: written by `benchmarks/faults.py --write` -->"
END = "<!-- --8<-- [end:faults-results] -->"
TASK = "bench-task"
OTHER_RULES = [f"runs.cancel status={500 + n % 5} times=1000000" for n in range(10)]
"""Ten rules that never match a retrieve: each is checked, and passed by, on every request."""


@dataclass(frozen=True)
class Settings:
    """How much work the benchmark does."""

    rounds: int  # rotated rounds (medians over them)
    calls: int  # sequential retrieves per round and configuration


FULL = Settings(rounds=41, calls=150)
QUICK = Settings(rounds=9, calls=100)


@dataclass(frozen=True)
class Server:
    """An emulator process: its URL, key and pid."""

    url: str
    key: str
    pid: int


def serve() -> None:
    """The server process: two emulators, one without the fault layer, one as served."""
    import trigger.emulator.server as server_module
    from trigger.emulator.faults_layer import FaultLayer

    build = server_module.build_app

    def without_layer(state: Any) -> Any:
        app = build(state)
        assert isinstance(app.app, FaultLayer)  # type: ignore[attr-defined]
        app.app = app.app.app  # type: ignore[attr-defined]
        return app

    server_module.build_app = without_layer  # type: ignore[assignment]
    bare = server_module.Emulator().start()
    server_module.build_app = build
    layer = server_module.Emulator().start()
    for name, emulator in (("bare", bare), ("layer", layer)):
        print(name, emulator.url, emulator.secret_key, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    bare.stop()
    layer.stop()


@contextlib.contextmanager
def server_process() -> Iterator[dict[str, Server]]:
    """Both emulators in one process of their own (same process: same caches, same core)."""
    proc = subprocess.Popen([sys.executable, __file__, "serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        servers = {}
        for _ in range(2):
            name, url, key = proc.stdout.readline().split()
            servers[name] = Server(url, key, proc.pid)
        yield servers
    finally:
        proc.terminate()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process used so far (Linux ``/proc``)."""
    from emulator import cpu_seconds as read

    return read(pid)


def _measure(
    server: Server, http: httpx.Client, path: str, n: int, setup: Callable[[], None]
) -> tuple[Callable[[], float], list[float]]:
    """A measurement (retrieves per second), and the server CPU seconds of each of its runs."""
    cpu: list[float] = []

    def once() -> float:
        setup()
        for _ in range(30):  # a server idle since its last turn answers slower at first
            http.get(path)
        before = cpu_seconds(server.pid)
        start = time.perf_counter()
        for _ in range(n):
            http.get(path)
        elapsed = time.perf_counter() - start
        cpu.append(cpu_seconds(server.pid) - before)
        return n / elapsed

    return once, cpu


def bench(s: Settings) -> list[Row]:
    """The rows: each configuration against the emulator without the fault layer."""
    with server_process() as servers:
        bare, layer = servers["bare"], servers["layer"]
        clients = {
            name: httpx.Client(
                base_url=server.url, headers={"authorization": f"Bearer {server.key}"}
            )
            for name, server in (("bare", bare), ("layer", layer))
        }
        control = httpx.Client(base_url=f"{layer.url}/_emulator")
        paths = {}
        for name, http in clients.items():
            answer = http.post(f"/api/v1/tasks/{TASK}/trigger", json={"options": {"delay": "1h"}})
            paths[name] = f"/api/v3/runs/{answer.json()['id']}"
            for _ in range(50):  # connect, warm up
                http.get(paths[name])

        def configure(rules: list[str], limiter: bool) -> Callable[[], None]:
            def setup() -> None:
                control.put("/faults", json={"rules": rules}).raise_for_status()
                if limiter:
                    # The server's own refill, a bucket that never runs dry here.
                    control.put("/rate-limit", json={"limit": 10**9}).raise_for_status()
                else:
                    control.delete("/rate-limit").raise_for_status()

            return setup

        measures = [
            _measure(bare, clients["bare"], paths["bare"], s.calls, lambda: None),
            _measure(layer, clients["layer"], paths["layer"], s.calls, configure([], False)),
            _measure(
                layer, clients["layer"], paths["layer"], s.calls, configure(OTHER_RULES, False)
            ),
            _measure(layer, clients["layer"], paths["layer"], s.calls, configure([], True)),
        ]
        rates = paired(s.rounds, *(once for once, _ in measures))
        # Summed over the rounds: /proc counts CPU in ticks of 10 ms.
        cpus = [sum(cpu) / (len(cpu) * s.calls) for _, cpu in measures]
        for http in (*clients.values(), control):
            http.close()
    none, empty, other, limited = (median(r) for r in rates)
    from trigger.emulator.faults import Faults, RateLimit

    own = {
        "an empty fault rule set": layer_time(Faults(), s.calls * 20),
        "10 rules that never match": layer_time(Faults(OTHER_RULES), s.calls * 20),
        "the rate limiter on": layer_time(Faults(rate_limit=RateLimit(limit=10**9)), s.calls * 20),
    }
    return [
        _slowdown("retrieves/s: an empty fault rule set vs no fault layer", empty, none, 1.05),
        _slowdown("retrieves/s: 10 rules that never match vs no fault layer", other, none, None),
        _slowdown("retrieves/s: the rate limiter on vs no fault layer", limited, none, None),
        Row(
            "server CPU per retrieve: an empty fault rule set vs no fault layer",
            f"{cpus[1] * 1e3:.3f} ms",
            f"{cpus[0] * 1e3:.3f} ms",
            cpus[1] / cpus[0],
            "(reported)",
            None,
        ),
        *(
            Row(
                f"the fault layer's own time per request, in process: {label} vs server CPU "
                "per retrieve",
                f"{seconds * 1e6:.1f} µs",
                f"{cpus[0] * 1e6:,.0f} µs",
                seconds / cpus[0],
                "(reported)",
                None,
            )
            for label, seconds in own.items()
        ),
    ]


def layer_time(faults: Any, n: int) -> float:
    """Seconds the fault layer itself takes per request, in process, before a no-op app."""
    import asyncio

    from trigger.emulator.faults import SCOPE_LIMITED
    from trigger.emulator.faults_layer import FaultLayer

    class State:
        def __init__(self) -> None:
            self.faults = faults

        def now_ms(self) -> int:
            return time.time_ns() // 1_000_000

    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v3/runs/run_cs4l7ekwz4v2m8n1q0r5t3y6u",
        "raw_path": b"/api/v3/runs/run_cs4l7ekwz4v2m8n1q0r5t3y6u",
        "headers": [(b"authorization", b"Bearer tr_dev_0123456789abcdefghij")],
        SCOPE_LIMITED: True,
    }

    async def timed(handler: Any) -> float:
        start = time.perf_counter()
        for _ in range(n):
            await handler(dict(scope), None, None)
        return (time.perf_counter() - start) / n

    async def both() -> float:
        layer = FaultLayer(app, State())  # type: ignore[arg-type]
        await timed(layer)
        return median([await timed(layer) - await timed(app) for _ in range(5)])

    return asyncio.run(both())


def _slowdown(name: str, rate: float, baseline: float, target: float | None) -> Row:
    """A row whose ratio is how much slower ``rate`` is than ``baseline`` (both per second)."""
    slowdown = baseline / rate
    return Row(
        f"{name} (ratio: slowdown)",
        f"{rate:,.0f} /s",
        f"{baseline:,.0f} /s",
        slowdown,
        "(reported)" if target is None else f"<= {target:g}x",
        None if target is None else slowdown <= target,
    )


METHOD = """\
### Fault injection's cost

`.venv/bin/python benchmarks/faults.py` (`--quick` for a smoke run, `--write` to rewrite
this part only); `run.py --emulator` runs it too. Measures what the fault layer
(`trigger.emulator.faults_layer`) costs a request that no rule breaks.

- Two emulators in one process of their own: one as every emulator serves (the fault
  layer in its pipeline), one with the layer taken out of the pipeline. Sequential
  `GET /api/v3/runs/{id}` with raw httpx on a keep-alive connection, rotating the order of
  the measurements round by round, each after 30 untimed requests; medians of requests per
  second. The ratio is how much slower the layer's emulator is.
- The layer's emulator is measured with no rule, with ten rules on another operation (each
  checked and passed by on every request), and with the rate limiter on (a bucket too large
  to run dry, so every request is counted and answered with its real counts).
- Server CPU per request is the process's user and system time over the requests.
- The layer's own time: the layer called in process in front of an app that does nothing,
  minus that app called alone (medians of 5 runs), against the server CPU of a retrieve
  without the layer. The wall-time rows move by a few percent with whatever else the
  machine runs; these do not.
"""


def section(quick: bool) -> list[str]:
    """The README part's lines."""
    from emulator import machine  # the emulator extra's versions

    s = QUICK if quick else FULL
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    rows = bench(s)
    load = f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    elapsed = time.perf_counter() - started
    mode = "quick" if quick else "full"
    return [
        START,
        METHOD,
        f"#### Results ({mode} run, {elapsed:.0f} s)",
        "",
        "<!-- --8<-- [start:faults-results] -->",
        *machine(),
        f"- Load average of the machine (other work included): {load}",
        "",
        *table(rows),
        END,
    ]


def main() -> None:
    """Run the benchmark; with ``--write``, rewrite its part of the README."""
    part_main((__doc__ or "").splitlines()[0], section, START, END)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:  # the server process
        serve()
    else:
        main()
