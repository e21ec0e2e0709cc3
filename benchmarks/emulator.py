"""Benchmarks of the local emulator (`trigger.emulator`), run by ``benchmarks/run.py --emulator``.

    .venv/bin/python benchmarks/run.py --emulator            # full run (about a minute)
    .venv/bin/python benchmarks/run.py --emulator --quick    # smoke run
    .venv/bin/python benchmarks/run.py --emulator --write    # also rewrite its README section

Measured in one run, each with its ratio: the in-process start to ready and the reset between
tests (against their budgets), triggers and retrieves per second through the SDK against the
emulator with ``--db`` (against the same HTTP stack, uvicorn + Starlette, answering the
emulator's own bodies canned), a cursor page at 100,000 runs against one at 1,000, peak RSS
with 100,000 runs stored, and, when ``TRIGGER_REAL_API_URL`` and ``TRIGGER_REAL_SECRET_KEY``
are set, the same calls against that real server.

This file is also the entry point of its child processes (``python benchmarks/emulator.py
canned|rss ...``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gc
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import msgspec

import trigger

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import faults as faults_bench  # noqa: E402
import realtime as realtime_bench  # noqa: E402
import schedules_week  # noqa: E402
from run import Row, median, paired, peak_rss, ratio_row, reset_peak_rss, table  # noqa: E402

MARKER = "<!-- emulator benchmarks: written by `benchmarks/run.py --emulator --write` -->"
TASK = "bench-task"
TAGS = ["sdk-benchmark"]
"""Tags of the runs triggered on a real server, to find them there."""
REAL_TASK = os.environ.get("TRIGGER_REAL_TASK", "hello")
"""The task triggered on a real server (``hello`` of the hello-world project)."""


@dataclass(frozen=True)
class Settings:
    """How much work each emulator benchmark does."""

    starts: int  # in-process starts (median)
    fresh: int  # paired starts in fresh processes
    resets: int  # resets, each after a test's worth of runs
    rounds: int  # paired rounds of the throughput and page benchmarks
    triggers: int  # sequential triggers per round
    retrieves: int  # sequential retrieves per round
    pages: int  # page fetches per round and size
    big: int  # runs stored for the deep-page and memory benchmarks
    real_rounds: int  # rounds against a real server (25 triggers + 100 retrieves each)


FULL = Settings(
    starts=21,
    fresh=7,
    resets=51,
    rounds=15,
    triggers=200,
    retrieves=400,
    pages=300,
    big=100_000,
    real_rounds=2,
)
QUICK = Settings(
    starts=7,
    fresh=3,
    resets=15,
    rounds=5,
    triggers=100,
    retrieves=200,
    pages=60,
    big=100_000,
    real_rounds=1,
)
SMALL = 1_000


def budget_row(name: str, values: list[float], budget_ms: float) -> Row:
    """A row measured against a time budget (the budget is the baseline column)."""
    value = median(values) * 1e3
    return Row(
        name,
        f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms",
        f"{budget_ms:g} ms budget",
        value / budget_ms,
        "<= 1x",
        value <= budget_ms,
    )


# -- 1. start and reset (in process) ---------------------------------------------------------


def bench_start(s: Settings) -> list[Row]:
    from trigger.emulator import Emulator

    Emulator().start().stop()  # the first start pays for lazy imports; a test session once
    times: list[float] = []
    for _ in range(s.starts):
        gc.collect()
        start = time.perf_counter()
        emulator = Emulator().start()
        times.append(time.perf_counter() - start)
        emulator.stop()
    first_start(EMULATOR_START), first_start(STACK_START)  # warm the bytecode caches
    fresh, bare = paired(
        s.fresh, lambda: first_start(EMULATOR_START), lambda: first_start(STACK_START)
    )
    return [
        budget_row("in-process start to ready: `Emulator().start()`", times, 100),
        ratio_row(
            "fresh process, imports + start: emulator vs bare uvicorn+Starlette",
            fresh,
            bare,
            "ms",
            1e3,
            "",
            None,
        ),
    ]


EMULATOR_START = """\
import time; t = time.perf_counter()
from trigger.emulator import Emulator
e = Emulator().start(); print(time.perf_counter() - t); e.stop()
"""
STACK_START = """\
import time; t = time.perf_counter()
import socket, threading, uvicorn
from starlette.applications import Starlette
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(1024)
config = uvicorn.Config(Starlette(), log_level="warning", lifespan="off", http="h11", ws="none",
                        loop="asyncio")
server = uvicorn.Server(config)
thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
thread.start()
while not server.started:
    time.sleep(0.0005)
print(time.perf_counter() - t); server.should_exit = True; thread.join()
"""


def first_start(code: str) -> float:
    """Seconds from a fresh interpreter's first line to a ready server (imports included)."""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def bench_reset(s: Settings) -> list[Row]:
    from trigger.emulator import Emulator

    times: list[float] = []
    with Emulator() as emulator, emulator.client() as client:

        @emulator.task("bench-handler")
        def handler(payload: Any) -> Any:
            return payload

        for _ in range(s.resets):
            # What a test leaves behind: some runs, a token, a paused queue.
            for i in range(10):
                client.tasks.trigger(TASK, {"i": i})
                client.tasks.trigger("bench-handler", {"i": i})
            client.wait.create_token(timeout="1h")
            client.queues.pause(TASK, type="task")
            gc.collect()
            start = time.perf_counter()
            emulator.reset()
            times.append(time.perf_counter() - start)
    return [budget_row("reset between tests (20 runs, a token, a paused queue)", times, 5)]


# -- processes: the emulator and the canned server ----------------------------------------------


@dataclass(frozen=True)
class Target:
    """A server to call: its URL, key, and process id."""

    url: str
    key: str
    pid: int = 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def emulator_process(db: str) -> Iterator[Target]:
    """``python -m trigger.emulator --port 0 --db PATH`` in its own process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "trigger.emulator", "--port", "0", "--db", db],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = key = ""
        for line in proc.stdout:
            if line.startswith("Trigger.dev emulator ready at "):
                url = line.split()[-1]
            elif line.strip().startswith("export TRIGGER_SECRET_KEY="):
                key = line.strip().split("=", 1)[1]
                break
        assert url, "the emulator did not print its URL"
        assert key, "the emulator did not print its key"
        yield Target(url, key, proc.pid)
    finally:
        proc.terminate()
        proc.wait()


@contextlib.contextmanager
def canned_process(bodies: Path, key: str) -> Iterator[Target]:
    """The canned server (uvicorn + Starlette, like the emulator) in its own process."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "canned", str(bodies)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield Target(f"http://127.0.0.1:{port}", key, proc.pid)
    finally:
        proc.terminate()
        proc.wait()


def capture_bodies(target: Target, path: Path) -> None:
    """Record the emulator's answers to a trigger and a retrieve, for the canned server."""
    with trigger.Client(secret_key=target.key, base_url=target.url) as client:
        triggered = client.tasks.with_raw_response.trigger(TASK, {"n": 1})
        run_id = triggered.parse().id
        time.sleep(0.2)  # let it complete, so the canned run is a finished one
        retrieved = client.runs.with_raw_response.retrieve(run_id)

    def answer(response: Any) -> dict[str, Any]:
        skip = {"content-length", "date", "server", "connection", "transfer-encoding"}
        return {
            "status": response.status_code,
            "headers": {k: v for k, v in response.headers.items() if k.lower() not in skip},
            "body": base64.b64encode(response.content).decode(),
        }

    path.write_text(json.dumps({"trigger": answer(triggered), "retrieve": answer(retrieved)}))


def serve_canned(bodies_path: str) -> None:
    """Child: Starlette on uvicorn (the emulator's configuration) answering canned bodies."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bodies = json.loads(Path(bodies_path).read_text())

    def canned(name: str) -> Callable[[Request], Any]:
        answer = bodies[name]
        content = base64.b64decode(answer["body"])

        async def endpoint(request: Request) -> Response:
            await request.body()
            return Response(content, answer["status"], headers=answer["headers"])

        return endpoint

    app = Starlette(
        routes=[
            Route("/api/v1/tasks/{task_id:path}/trigger", canned("trigger"), methods=["POST"]),
            Route("/api/v3/runs/{run_id}", canned("retrieve"), methods=["GET"]),
        ]
    )
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the emulator does
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="h11",
        ws="none",
        loop="asyncio",
    )
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(config).run(sockets=[sock])


# -- 2. triggers and retrieves per second ------------------------------------------------------


def rate(fn: Callable[[], object], n: int) -> Callable[[], float]:
    """A measurement: calls per second of ``n`` sequential calls (wall time)."""

    def once() -> float:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return n / (time.perf_counter() - start)

    return once


def bench_throughput(s: Settings, emu: Target, canned: Target) -> list[Row]:
    with (
        trigger.Client(secret_key=emu.key, base_url=emu.url) as real,
        trigger.Client(secret_key=canned.key, base_url=canned.url) as fake,
    ):
        run_id = real.tasks.trigger(TASK, {"n": 0}).id
        payload = {"to": "ada@example.com", "template": "welcome"}

        def trig(client: trigger.Client) -> Callable[[], object]:
            return lambda: client.tasks.trigger(TASK, payload)

        def get(client: trigger.Client) -> Callable[[], object]:
            return lambda: client.runs.retrieve(run_id)

        for fn in (trig(real), trig(fake), get(real), get(fake)):
            rate(fn, 20)()  # connect, warm up
        time.sleep(0.2)  # the warm-up runs complete
        rows: list[Row] = []
        cpu_rows: list[Row] = []
        for label, make, n in (
            ("triggers", trig, s.triggers),
            ("retrieves", get, s.retrieves),
        ):
            cpu_before = cpu_seconds(emu.pid), cpu_seconds(canned.pid)
            a, b = paired(s.rounds, rate(make(real), n), rate(make(fake), n))
            time.sleep(0.2)  # the runs complete (the runtime's share of a trigger)
            emu_cpu = (cpu_seconds(emu.pid) - cpu_before[0]) / (s.rounds * n)
            canned_cpu = (cpu_seconds(canned.pid) - cpu_before[1]) / (s.rounds * n)
            what = f"{label}/s, SDK sequential: emulator `--db` vs uvicorn+Starlette canned"
            rows.append(ratio_row(what, a, b, "/s", 1, ">=", 0.5))
            cpu_rows.append(
                ratio_row(
                    f"server CPU per {label[:-1]}: emulator vs canned",
                    [emu_cpu],
                    [canned_cpu],
                    "ms",
                    1e3,
                    "",
                    None,
                )
            )
    return rows + cpu_rows


# -- 3. deep cursor pages ----------------------------------------------------------------------


def fill_db(path: str, count: int) -> float:
    """A ``--db`` file holding ``count`` finished runs; seconds the bulk insert took.

    One run is triggered through the emulator and completed by it; the rest are copies of its
    stored row with new ids and times, inserted through the store in one transaction.
    """
    from trigger.emulator import Emulator

    with Emulator(db=path) as emulator, emulator.client() as client:
        first = client.tasks.trigger(TASK, {"n": 0}).id
        emulator.wait_for_run(first)
        env_id = emulator.environment_ids["dev"]
    return insert_copies(path, None, env_id, first, count - 1)


def insert_copies(path: str | None, store: Any, env_id: str, run_id: str, count: int) -> float:
    """Insert ``count`` copies of a stored run (a bench helper: no API adds runs in bulk)."""
    from trigger.emulator.ids import IdGenerator
    from trigger.emulator.store import Store

    own = store is None
    store = Store(path) if own else store
    template = store.get_run(env_id, run_id)
    assert template is not None
    ids = IdGenerator(7)
    # Older than the template, 10 ms apart, so the template stays the newest run.
    base = template.created_at - count * 10
    start = time.perf_counter()
    with store.transaction() as conn:
        for i in range(count):
            internal = ids.cuid()
            at = base + i * 10
            store.insert_run(
                conn,
                msgspec.structs.replace(
                    template,
                    id=internal,
                    friendly_id=f"run_{internal}",
                    created_at=at,
                    updated_at=at + 60,
                    queued_at=at,
                    started_at=at + 5,
                    completed_at=at + 55,
                    attempt_started_at=at + 5,
                    payload=json.dumps({"n": i + 1}),
                ),
            )
    took = time.perf_counter() - start
    if own:
        store.close()
    return took


def middle_cursor(path: str, count: int) -> str:
    """A cursor that starts a page in the middle of a filled file's runs."""
    from trigger.emulator.store import Store, encode_cursor

    store = Store(path)
    with store.reading() as conn:
        row = conn.execute(
            "SELECT created_at, seq, id FROM runs ORDER BY created_at, seq LIMIT 1 OFFSET ?",
            (count // 2,),
        ).fetchone()
    store.close()
    return encode_cursor(row[0], row[1], row[2])


def bench_pages(s: Settings, small_db: str, big_db: str) -> list[Row]:
    cursors = {small_db: middle_cursor(small_db, SMALL), big_db: middle_cursor(big_db, s.big)}
    rows: list[Row] = []
    with emulator_process(small_db) as small, emulator_process(big_db) as big:
        clients = {
            small_db: trigger.Client(secret_key=small.key, base_url=small.url),
            big_db: trigger.Client(secret_key=big.key, base_url=big.url),
        }
        try:

            def page(db: str, cursor: str | None) -> Callable[[], object]:
                client = clients[db]
                if cursor is None:
                    return lambda: client.runs.list(limit=25).data
                return lambda: client.runs.list(limit=25, after=cursor).data

            def latency(fn: Callable[[], object]) -> Callable[[], float]:
                per_second = rate(fn, s.pages)
                return lambda: 1 / per_second()

            for db in (small_db, big_db):
                assert len(clients[db].runs.list(limit=25, after=cursors[db]).data) == 25
                rate(page(db, None), 20)()
            for label, cursor_of in (
                ("first page", lambda db: None),
                ("page from a cursor in the middle", lambda db: cursors[db]),
            ):
                a, b = paired(
                    s.rounds,
                    latency(page(big_db, cursor_of(big_db))),
                    latency(page(small_db, cursor_of(small_db))),
                )
                rows.append(
                    ratio_row(
                        f"runs.list 25, {label}: {s.big:,} runs stored vs {SMALL:,}",
                        a,
                        b,
                        "ms",
                        1e3,
                        "<=",
                        1.5,
                    )
                )
        finally:
            for client in clients.values():
                client.close()
    return rows


# -- 4. memory ---------------------------------------------------------------------------------


def rss_child(where: str, count: int) -> None:
    """Child: peak RSS of an in-process emulator holding ``count`` runs, through a workload.

    ``where`` is a filled ``--db`` file, or ``memory`` (the default in-memory store, filled
    here through the store).
    """
    from trigger.emulator import Emulator

    before = reset_peak_rss()
    fill = 0.0
    emulator = Emulator(db=None if where == "memory" else where).start()
    try:
        with emulator.client() as client:
            if where == "memory":
                first = client.tasks.trigger(TASK, {"n": 0}).id
                emulator.wait_for_run(first)
                env_id = emulator.environment_ids["dev"]
                # The bench fills the store directly: no API adds runs in bulk.
                fill = insert_copies(None, emulator._store, env_id, first, count - 1)
            for number, page in enumerate(client.runs.list(limit=100).iter_pages()):
                if number == 20:
                    break
                run_id = page.data[0].id
            for _ in range(100):
                client.runs.retrieve(run_id)
                client.tasks.trigger(TASK, {"n": 1})
        gc.collect()
        print(json.dumps({"peak": peak_rss(), "before": before, "fill": fill}))
    finally:
        emulator.stop()


def memory_child(where: str, count: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "rss", where, str(count)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    return result


def bench_memory(s: Settings, small_db: str, big_db: str) -> tuple[list[Row], float]:
    rows: list[Row] = []
    fill = 0.0
    for label, big, small in (
        ("in memory (default)", ("memory", s.big), ("memory", SMALL)),
        ("`--db` file", (big_db, s.big), (small_db, SMALL)),
    ):
        many, few = memory_child(*big), memory_child(*small)
        fill = max(fill, many["fill"])
        rows.append(
            Row(
                f"peak RSS of the process, {s.big:,} runs stored vs {SMALL:,}, {label}",
                f"{many['peak'] / 1024:,.0f} MiB",
                f"{few['peak'] / 1024:,.0f} MiB",
                many["peak"] / few["peak"],
                "(reported)",
                None,
            )
        )
    return rows, fill


# -- 5. a real server --------------------------------------------------------------------------


def bench_real(s: Settings, emu: Target) -> list[Row]:
    """The same sequential calls against a real server and the emulator (a few hundred)."""
    url, key = os.environ.get("TRIGGER_REAL_API_URL"), os.environ.get("TRIGGER_REAL_SECRET_KEY")
    if not url or not key:
        return []
    triggers, retrieves = 25, 100
    with (
        trigger.Client(secret_key=key, base_url=url) as real,
        trigger.Client(secret_key=emu.key, base_url=emu.url) as local,
    ):
        real_id = real.tasks.trigger(REAL_TASK, {"bench": 0}, tags=TAGS).id
        local_id = local.tasks.trigger(REAL_TASK, {"bench": 0}, tags=TAGS).id

        def trig(client: trigger.Client) -> Callable[[], object]:
            return lambda: client.tasks.trigger(REAL_TASK, {"bench": 1}, tags=TAGS)

        def get(client: trigger.Client, run_id: str) -> Callable[[], object]:
            return lambda: client.runs.retrieve(run_id)

        # Retrieves first, once the real server's run has finished: the runs the trigger
        # rounds start keep its worker busy for a while, which would load the machine
        # during the emulator's retrieve rounds.
        with contextlib.suppress(trigger.PollTimeoutError):
            real.runs.poll(real_id, interval=0.5, timeout=60)
        c, d = paired(
            s.real_rounds,
            rate(get(local, local_id), retrieves),
            rate(get(real, real_id), retrieves),
        )
        a, b = paired(s.real_rounds, rate(trig(local), triggers), rate(trig(real), triggers))
    return [
        ratio_row(
            "triggers/s, SDK sequential: emulator `--db` vs the real server",
            a,
            b,
            "/s",
            1,
            ">=",
            20,
        ),
        ratio_row(
            "retrieves/s, SDK sequential: emulator `--db` vs the real server",
            c,
            d,
            "/s",
            1,
            ">=",
            20,
        ),
    ]


# -- report ------------------------------------------------------------------------------------


METHOD = """\
## Emulator

`.venv/bin/python benchmarks/run.py --emulator` (with `--quick` for a smoke run, `--write`
to rewrite this section). Measures `trigger.emulator` (`emulator.py`); needs the `emulator`
extra. Set `TRIGGER_REAL_API_URL` and `TRIGGER_REAL_SECRET_KEY` to compare with a real
server too (`TRIGGER_REAL_TASK`, default `hello`, is the task triggered there; a few hundred
calls).

- Start and reset are in process: `Emulator().start()` to ready (socket bound, uvicorn
  serving, runtime thread up; imports already done, as in a test session after its first
  start) and `emulator.reset()` after a test's worth of state; medians, against the budget.
  The fresh-process row adds the imports.
- Triggers and retrieves per second: sequential `trigger.Client` calls (wall time) against
  `python -m trigger.emulator --db FILE` in its own process, and against a server in its
  own process with the same HTTP stack and settings (uvicorn, h11, asyncio, Starlette,
  TCP_NODELAY) answering the emulator's own answers to the same calls, canned (body and
  headers). The ratio is emulator / canned: what the emulator's own work (validation,
  SQLite writes committed before the answer, the runtime executing the runs) leaves of the
  HTTP stack's rate. Rounds alternate; medians.
- Cursor pages: two emulator processes on `--db` files holding 1,000 and 100,000 finished
  runs (one run made through the API, the rest copies of its stored row inserted through
  the store in one transaction); `runs.list(limit=25)` latency for the first page and for a
  page starting at a cursor in the middle, big / small.
- Memory: a fresh process runs an in-process emulator holding the runs (in memory, filled
  through its store; or on the filled file), walks 20 pages of 100, makes 100 retrieves and
  100 triggers; its peak RSS (`VmHWM`, client and emulator together).
- Real server: the same sequential calls (25 triggers and 100 retrieves per round) against
  it and against the emulator, alternating; the target is the emulator answering at least
  20x faster. Retrieves are measured first, after the real server's run has finished, so
  that its worker executing the triggered runs does not load the machine during the
  emulator's rounds.
- The `trigger` column is the emulator's figure; `baseline` is what it is compared with.
- Benchmarks are not tests: nothing asserts on timings.
"""

PROFILE = """### Where a trigger's time goes

Measured with py-spy (`--gil`, the emulator process, sequential SDK triggers), cProfile of
the ASGI app called in process, and by timing each SQLite statement:

- The request itself costs about 0.75 ms beyond the HTTP stack: body validation, the
  insert and its commit, the public access token (an HMAC-signed JWT, as the server returns
  one), the request log. The commit was 0.33 ms of it while SQLite checkpointed the
  write-ahead log (its only fsyncs) inside commits; a thread of the store's own now
  checkpoints every 0.5 s, and a commit takes about 0.13 ms.
- The runtime runs each run in two steps (start it; complete it 50 ms later when no handler
  is registered). Steps come at most every 25 ms, so a burst of triggers, or of runs falling
  due, is one step and one transaction; an idle step only reads; a wake already on its way
  sends nothing more. That took the runtime's share from about 1.4 ms to about 0.4 ms a
  trigger.
- Ids were drawn one character at a time from `SystemRandom` (100 µs a run id); one
  `urandom` read per id takes 7 µs.
"""


def run(quick: bool) -> list[str]:
    """Every emulator benchmark; the README section's lines."""
    s = QUICK if quick else FULL
    started = time.perf_counter()
    rows: list[Row] = []
    rows += bench_start(s)
    rows += bench_reset(s)
    print("... start and reset done", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="trigger-bench-") as tmp:
        db = str(Path(tmp) / "throughput.db")
        bodies = Path(tmp) / "bodies.json"
        with emulator_process(db) as emu:
            capture_bodies(emu, bodies)
            with canned_process(bodies, emu.key) as canned:
                rows += bench_throughput(s, emu, canned)
            print("... throughput done", file=sys.stderr)
            real = bench_real(s, emu)
        small_db, big_db = str(Path(tmp) / "small.db"), str(Path(tmp) / "big.db")
        fill_db(small_db, SMALL)
        fill = fill_db(big_db, s.big)
        rows += bench_pages(s, small_db, big_db)
        print("... pages done", file=sys.stderr)
        memory, _ = bench_memory(s, small_db, big_db)
        rows += memory
        rows += real
    mode = "quick" if quick else "full"
    elapsed = time.perf_counter() - started
    notes = [f"- Bulk insert through the store: {s.big:,} runs in {fill:.1f} s."]
    if not real:
        notes.append(
            "- Real server: not measured in this run (`TRIGGER_REAL_API_URL` and "
            "`TRIGGER_REAL_SECRET_KEY` unset)."
        )
    return [
        MARKER,
        METHOD,
        f"### Emulator results ({mode} run, {elapsed:.0f} s)",
        "",
        # The docs' performance page includes what lies between these markers.
        "<!-- --8<-- [start:emulator-results] -->",
        *machine(),
        "",
        *table(rows),
        "",
        *notes,
        "<!-- --8<-- [end:emulator-results] -->",
        "",
        *schedules_week.section(quick),  # its own part (`schedules_week.py --write` too)
        "",
        *faults_bench.section(quick),  # its own part (`faults.py --write` too)
        "",
        *realtime_bench.section(quick),  # its own part (`realtime.py --write` too)
        "",
        "<!-- --8<-- [start:emulator-profile] -->",
        PROFILE.rstrip("\n"),
        "<!-- --8<-- [end:emulator-profile] -->",
    ]


def machine() -> list[str]:
    """The date, CPU, Python and library versions (the `emulator` extra's, not `bench`'s)."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    libs = ("trigger-sdk", "httpx", "msgspec", "starlette", "uvicorn", "h11")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in libs)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"- Date: {now}",
        f"- CPU: {cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), SQLite "
        f"{sqlite3.sqlite_version}",
        f"- {versions}",
    ]


def keep_section(old_readme: str, new_head: str) -> str:
    """``new_head`` followed by the emulator section of ``old_readme`` (if it has one)."""
    at = old_readme.find(MARKER)
    return new_head if at < 0 else new_head.rstrip("\n") + "\n\n" + old_readme[at:]


def write_section(readme: Path, lines: list[str]) -> None:
    """Replace the emulator section of the README (or append it)."""
    text = readme.read_text()
    at = text.find(MARKER)
    head = text if at < 0 else text[:at]
    readme.write_text(head.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n")


def main(quick: bool, write: bool) -> None:
    """``run.py --emulator``: print the section; with ``write``, put it in the README."""
    lines = run(quick)
    print("\n".join(lines))
    if write:
        write_section(HERE / "README.md", lines)


if __name__ == "__main__":  # the child processes
    if sys.argv[1] == "canned":
        serve_canned(sys.argv[2])
    elif sys.argv[1] == "rss":
        rss_child(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown child {sys.argv[1]!r}")
