"""Benchmarks of the trigger SDK against raw httpx, on 127.0.0.1.

    .venv/bin/python benchmarks/run.py            # full run (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # smoke run (under a minute)
    .venv/bin/python benchmarks/run.py --write    # also rewrite benchmarks/README.md
    .venv/bin/python benchmarks/run.py --emulator # the emulator's benchmarks (emulator.py)

Prints a Markdown table of ratios (SDK / baseline, measured in the same run) with the
machine and the date. See benchmarks/README.md for the method.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import httpx

import trigger
from trigger._models import decoder
from trigger._paging import CursorPageBody
from trigger._transports import aiohttp_http_client
from trigger._wire.batch import BatchItem
from trigger.types.runs import ListedRun

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402

KEY = "tr_dev_benchmark"
AUTH = {"authorization": f"Bearer {KEY}"}
BATCH_ITEMS = 10_000


@dataclass(frozen=True)
class Settings:
    """How much work each benchmark does."""

    rounds: int  # paired rounds (medians are taken over them)
    imports: int  # paired cold-import runs
    calls: int  # sequential calls per round (retrieve, list)
    decodes: int  # decodes per round
    requests: int  # async throughput: requests per round
    pages: int  # pages of the pagination walk


FULL = Settings(rounds=7, imports=21, calls=2000, decodes=5, requests=2000, pages=payloads.PAGES)
QUICK = Settings(rounds=3, imports=7, calls=300, decodes=2, requests=500, pages=payloads.PAGES)


@dataclass
class Row:
    """One line of the results table."""

    name: str
    sdk: str
    baseline: str
    ratio: float
    target: str
    ok: bool | None


# -- helpers ---------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def paired(rounds: int, *fns: Callable[[], float]) -> list[list[float]]:
    """Run each measurement once per round, rotating their order; one list of values each."""
    results: list[list[float]] = [[] for _ in fns]
    for r in range(rounds):
        order = list(range(len(fns)))
        order = order[r % len(order) :] + order[: r % len(order)]
        for i in order:
            gc.collect()
            results[i].append(fns[i]())
    return results


def cpu_us_per_call(fn: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1e6


@contextmanager
def server() -> Iterator[str]:
    """Start the canned-bytes server in its own process; yield its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "server.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait()


def sync_client(base: str) -> trigger.Client:
    return trigger.Client(secret_key=KEY, base_url=base)


def raw_client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers=AUTH)


# -- 1. cold import --------------------------------------------------------------------------


def bench_import(s: Settings) -> list[Row]:
    def run(code: str) -> Callable[[], float]:
        def once() -> float:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            return time.perf_counter() - start

        return once

    codes = ["import trigger", "import httpx"]
    codes += [
        "import trigger; trigger.Client(secret_key='tr_dev_x')",
        "import httpx; httpx.Client()",
    ]
    for code in codes:
        run(code)()  # warm the bytecode caches
    a, b, c, d = paired(s.imports, *map(run, codes))
    return [
        ratio_row("cold import: `import trigger` vs `import httpx`", a, b, "ms", 1e3, "<=", 1.2),
        ratio_row("cold import + create a client (sync)", c, d, "ms", 1e3, "<=", 1.2),
    ]


def ratio_row(
    name: str,
    sdk: list[float],
    base: list[float],
    unit: str,
    scale: float,
    op: str,
    target: float | None,
) -> Row:
    a, b = median(sdk), median(base)
    ratio = a / b
    ok = None if target is None else ratio <= target if op == "<=" else ratio >= target
    fmt = "{:,.0f} " if a * scale >= 100 else "{:,.1f} "
    return Row(
        name,
        fmt.format(a * scale) + unit,
        fmt.format(b * scale) + unit,
        ratio,
        "(reported)" if target is None else f"{op} {round(target, 2):g}x",
        ok,
    )


# -- 2./3. per-call overhead (client CPU) ----------------------------------------------------


def bench_calls_sync(base: str, s: Settings) -> list[Row]:
    client, raw = sync_client(base), raw_client(base)
    with client, raw:

        def sdk_retrieve() -> float:
            return cpu_us_per_call(lambda: client.runs.retrieve("run_1234"), s.calls)

        def raw_retrieve() -> float:
            return cpu_us_per_call(
                lambda: json.loads(raw.get("/api/v3/runs/run_1234").content), s.calls
            )

        def sdk_list() -> float:
            return cpu_us_per_call(lambda: client.runs.list(limit=25).data, s.calls // 2)

        def raw_list() -> float:
            params = {"page[size]": "25"}
            return cpu_us_per_call(
                lambda: json.loads(raw.get("/api/v1/runs", params=params).content)["data"],
                s.calls // 2,
            )

        sdk_retrieve(), raw_retrieve(), sdk_list(), raw_list()  # warm up connections
        a, b, c, d = paired(s.rounds, sdk_retrieve, raw_retrieve, sdk_list, raw_list)
    return [
        ratio_row("retrieve, sync (CPU/call)", a, b, "µs", 1, "<=", 1.15),
        ratio_row("list 25 runs, sync (CPU/call)", c, d, "µs", 1, "<=", 1.0),
    ]


async def _calls_async(base: str, s: Settings) -> list[list[float]]:
    async with (
        trigger.AsyncClient(secret_key=KEY, base_url=base) as client,
        httpx.AsyncClient(base_url=base, headers=AUTH) as raw,
    ):

        async def sdk() -> float:
            start = time.process_time()
            for _ in range(s.calls):
                await client.runs.retrieve("run_1234")
            return (time.process_time() - start) / s.calls * 1e6

        async def base_() -> float:
            start = time.process_time()
            for _ in range(s.calls):
                json.loads((await raw.get("/api/v3/runs/run_1234")).content)
            return (time.process_time() - start) / s.calls * 1e6

        await sdk(), await base_()
        results: list[list[float]] = [[], []]
        for r in range(s.rounds):
            for i in (0, 1) if r % 2 == 0 else (1, 0):
                gc.collect()
                results[i].append(await (sdk() if i == 0 else base_()))
        return results


def bench_calls_async(base: str, s: Settings) -> list[Row]:
    a, b = asyncio.run(_calls_async(base, s))
    return [ratio_row("retrieve, async (CPU/call)", a, b, "µs", 1, "<=", 1.15)]


# -- 4. decoding -----------------------------------------------------------------------------


def bench_decode(s: Settings) -> list[Row]:
    import pydantic_models  # here: importing pydantic would skew the memory children

    body = payloads.runs_page(1000, "p1")
    typed = decoder(CursorPageBody[ListedRun])  # what _fetch_page uses for runs.list
    page_model = pydantic_models.CursorPageBody

    def timed(fn: Callable[[bytes], object]) -> Callable[[], float]:
        def once() -> float:
            start = time.process_time()
            for _ in range(s.decodes):
                fn(body)
            return (time.process_time() - start) / s.decodes

        return once

    assert typed.decode(body).data[0].env is not None
    assert page_model.model_validate_json(body).data[0].env is not None
    a, b, c = paired(
        s.rounds, timed(typed.decode), timed(json.loads), timed(page_model.model_validate_json)
    )
    return [
        ratio_row("decode 1,000 runs: msgspec vs json.loads", a, b, "ms", 1e3, "<=", 0.5),
        ratio_row("decode 1,000 runs: msgspec vs pydantic v2", a, c, "ms", 1e3, "<=", 1 / 3),
    ]


# -- 5. pagination ---------------------------------------------------------------------------


def walk_sdk(client: trigger.Client, pages: int) -> int:
    count = 0
    for _run in client.runs.list(limit=100, task_identifier=f"pages-{pages}"):
        count += 1
    return count


def walk_raw(raw: httpx.Client, pages: int) -> int:
    params = {"page[size]": "100", "filter[taskIdentifier]": f"pages-{pages}"}
    count = 0
    while True:
        body = json.loads(raw.get("/api/v1/runs", params=params).content)
        for _run in body["data"]:
            count += 1
        cursor = body["pagination"].get("next")
        if not cursor:
            return count
        params["page[after]"] = cursor


def bench_pagination(base: str, s: Settings) -> list[Row]:
    client, raw = sync_client(base), raw_client(base)
    with client, raw:

        def timed(walk: Callable[[], int]) -> Callable[[], float]:
            def once() -> float:
                start = time.perf_counter()
                assert walk() == s.pages * 100
                return time.perf_counter() - start

            return once

        a, b = paired(
            max(3, s.rounds // 2),
            timed(lambda: walk_sdk(client, s.pages)),
            timed(lambda: walk_raw(raw, s.pages)),
        )
    many, two = memory_child(base, "pages", s.pages), memory_child(base, "pages", 2)
    rss_ok = many["rss"] <= two["rss"] * 1.1 or many["rss"] - two["rss"] <= 512
    traced_ok = many["traced"] <= two["traced"] * 1.1
    return [
        ratio_row(f"walk {s.pages} pages x 100 runs (wall)", a, b, "ms", 1e3, "<=", 1.0),
        Row(
            f"walk peak RSS growth: {s.pages} pages vs 2",
            f"{many['rss']:,.0f} KiB",
            f"{two['rss']:,.0f} KiB",
            many["rss"] / max(two["rss"], 1),
            "same (<= 1.1x or +512 KiB)",
            rss_ok,
        ),
        Row(
            f"walk tracemalloc peak: {s.pages} pages vs 2",
            f"{many['traced']:,.0f} KiB",
            f"{two['traced']:,.0f} KiB",
            many["traced"] / max(two["traced"], 1),
            "same (<= 1.1x)",
            traced_ok,
        ),
    ]


# -- memory children (fresh processes, so peaks are not hidden by earlier work) ----------------


def memory_child(base: str, kind: str, count: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(count), base],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    return result


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak_rss() -> int:
    """Reset the peak RSS to the current RSS (Linux); return it in KiB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status("VmRSS")
    except OSError:  # elsewhere: the peak so far, which may hide a smaller workload
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss() -> int:
    try:
        return _status("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(kind: str, arg: str, base: str) -> None:
    """Measure peak RSS growth, then the tracemalloc peak, of one workload."""
    work: Callable[[], object]
    client = sync_client(base)
    if kind == "pages":
        client.runs.list(limit=1)  # connect, build the decoders
        work = lambda: walk_sdk(client, int(arg))  # noqa: E731
    else:  # batch-sdk, batch-raw: the items exist before the measurement starts
        items = batch_items(int(arg))
        client.batch.trigger(items[:10])
        if kind == "batch-raw":
            raw = raw_client(base)
            raw_batch(raw, items[:10])
            work = lambda: raw_batch(raw, items)  # noqa: E731
        else:
            work = lambda: client.batch.trigger(items)  # noqa: E731
    gc.collect()
    before = reset_peak_rss()
    work()
    rss = peak_rss() - before
    gc.collect()
    tracemalloc.start()
    work()
    traced = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    print(json.dumps({"rss": rss, "traced": traced}))


# -- 6. async throughput ---------------------------------------------------------------------


async def _throughput(base: str, variant: str, requests: int, in_flight: int = 50) -> float:
    """Requests per second of ``requests`` retrieves, ``in_flight`` at a time."""
    http: httpx.AsyncClient = (
        aiohttp_http_client(base_url=base, headers=AUTH)
        if variant == "aiohttp"
        else httpx.AsyncClient(base_url=base, headers=AUTH)
    )
    async with http:
        sdk = trigger.AsyncClient(secret_key=KEY, base_url=base, http_client=http)

        async def call() -> object:
            if variant == "raw":
                return json.loads((await http.get("/api/v3/runs/run_1234")).content)
            return await sdk.runs.retrieve("run_1234")

        async def worker(n: int) -> None:
            for _ in range(n):
                await call()

        async def run(total: int) -> None:
            per, extra = divmod(total, in_flight)
            await asyncio.gather(*(worker(per + (i < extra)) for i in range(in_flight)))

        await run(in_flight * 2)  # open the connections
        start = time.perf_counter()
        await run(requests)
        return requests / (time.perf_counter() - start)


def bench_throughput(base: str, s: Settings) -> list[Row]:
    def variant(name: str) -> Callable[[], float]:
        return lambda: asyncio.run(_throughput(base, name, s.requests))

    rounds = max(3, s.rounds // 2)
    sdk, raw, aio = paired(rounds, variant("sdk"), variant("raw"), variant("aiohttp"))
    name = f"{s.requests:,} retrieves, 50 in flight"
    return [
        ratio_row(f"{name}: SDK (httpx) vs raw httpx", sdk, raw, "req/s", 1, ">=", 0.9),
        ratio_row(f"{name}: SDK (aiohttp) vs raw httpx", aio, raw, "req/s", 1, ">=", 2.0),
    ]


# -- 7. big batches --------------------------------------------------------------------------


def batch_items(n: int) -> list[BatchItem]:
    return [
        {"task": "send-email", "payload": {"to": f"user{i}@example.com", "template": "digest"}}
        for i in range(n)
    ]


def raw_batch(raw: httpx.Client, items: list[BatchItem]) -> object:
    """The two phases by hand: create, then the whole NDJSON body in one piece."""
    created = raw.post("/api/v3/batches", json={"runCount": len(items)}).json()
    lines = (
        json.dumps(
            {
                "index": i,
                "task": item["task"],
                "payload": json.dumps(item["payload"]),
                "options": {"payloadType": "application/json"},
            }
        )
        for i, item in enumerate(items)
    )
    body = "\n".join(lines).encode() + b"\n"
    return raw.post(f"/api/v3/batches/{created['id']}/items", content=body).json()


def bench_batch(base: str, s: Settings) -> list[Row]:
    items = batch_items(BATCH_ITEMS)
    client, raw = sync_client(base), raw_client(base)
    with client, raw:
        client.batch.trigger(items[:10]), raw_batch(raw, items[:10])

        def timed(fn: Callable[[], object]) -> Callable[[], float]:
            def once() -> float:
                start = time.perf_counter()
                fn()
                return time.perf_counter() - start

            return once

        a, b = paired(
            max(3, s.rounds // 2),
            timed(lambda: client.batch.trigger(items)),
            timed(lambda: raw_batch(raw, items)),
        )
    sdk_mem = memory_child(base, "batch-sdk", BATCH_ITEMS)
    small_mem = memory_child(base, "batch-sdk", BATCH_ITEMS // 10)
    raw_mem = memory_child(base, "batch-raw", BATCH_ITEMS)
    from trigger._wire.batch import CHUNK_SIZE, ndjson_chunks, plan_batch

    plan = plan_batch(items, indexed=False)
    body_kib = sum(len(c) for c in ndjson_chunks(plan.lines())) / 1024
    chunk_kib = CHUNK_SIZE / 1024
    small = BATCH_ITEMS // 10
    return [
        ratio_row(f"batch.trigger {BATCH_ITEMS:,} items (wall)", a, b, "ms", 1e3, "", None),
        Row(
            f"batch.trigger tracemalloc peak: {BATCH_ITEMS:,} items vs {small:,}",
            f"{sdk_mem['traced']:,.0f} KiB",
            f"{small_mem['traced']:,.0f} KiB",
            sdk_mem["traced"] / max(small_mem["traced"], 1),
            f"same (<= 1.1x or +{chunk_kib:,.0f} KiB, one chunk)",
            sdk_mem["traced"] <= max(small_mem["traced"] * 1.1, small_mem["traced"] + chunk_kib),
        ),
        Row(
            f"batch.trigger tracemalloc peak vs raw (NDJSON body {body_kib:,.0f} KiB)",
            f"{sdk_mem['traced']:,.0f} KiB",
            f"{raw_mem['traced']:,.0f} KiB",
            sdk_mem["traced"] / max(raw_mem["traced"], 1),
            "(reported)",
            None,
        ),
        Row(
            "batch.trigger peak RSS growth vs raw",
            f"{sdk_mem['rss']:,.0f} KiB",
            f"{raw_mem['rss']:,.0f} KiB",
            sdk_mem["rss"] / max(raw_mem["rss"], 1),
            "(reported)",
            None,
        ),
    ]


# -- report ----------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs = ["trigger-sdk", "httpx", "httpcore", "msgspec", "anyio", "pydantic", "aiohttp"]
    libs.append("httpx-aiohttp")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in libs)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"- Date: {now}",
        f"- CPU: {cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- {versions}",
    ]


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| Benchmark | trigger | baseline | ratio | target | meets |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        ok = "n/a" if row.ok is None else "yes" if row.ok else "**no**"
        lines.append(
            f"| {row.name} | {row.sdk} | {row.baseline} | {row.ratio:.2f}x | {row.target} | {ok} |"
        )
    return lines


METHOD = """\
# Benchmarks

`.venv/bin/python benchmarks/run.py` (add `--quick` for a short smoke run, `--write` to
rewrite this file). Needs the `bench` extra (pydantic, httpx-aiohttp).

## Method

- The server (`server.py`) is a separate process on 127.0.0.1: asyncio Protocols answering
  precomputed bytes over HTTP/1.1 keep-alive (a 2 KB run, 25-run pages of 45 KB, 100-run
  pages of 175 KB with `page[after]` cursors up to page 200, the two batch phases).
- Every ratio is SDK / baseline, both measured in the same run, alternating (or rotating)
  their order round by round; each figure is the median over the rounds. The baseline is
  raw httpx with `json.loads` (same keep-alive connection kind, same `Authorization`).
- Per-call costs are client CPU (`time.process_time()` in the client process), so the
  server's time does not count. The pagination walk, the async throughput and the batch are
  wall time (the server takes one of the two cores).
- Cold import: `python -c "import trigger"` vs `python -c "import httpx"`, whole-process
  wall time, paired alternating runs, bytecode caches warm (`import trigger` defers
  httpx; the second import row also creates a client, which imports it).
- Decoding: a 1,000-run page body (1.7 MB) through the SDK's real decoder
  (`decoder(CursorPageBody[ListedRun])`, as `_fetch_page` uses), vs `json.loads`, vs
  pydantic v2 models of the same shape (`pydantic_models.py`, `model_validate_json`).
- Memory: each workload runs in a fresh process after a warm-up call; "peak RSS growth" is
  the peak RSS during the workload (`VmHWM`, reset through `/proc/self/clear_refs`) minus
  the RSS before it; then the workload runs again under `tracemalloc` for its peak of
  Python allocations. For batches the 10,000 items exist before measuring starts.
- Async throughput: 50 workers on asyncio sharing one `httpx.AsyncClient` (default limits),
  connections opened before timing; "aiohttp" is the SDK over
  `trigger._transports.aiohttp_http_client()`.
- Benchmarks are not tests: nothing asserts on timings.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--write", action="store_true", help="rewrite benchmarks/README.md")
    parser.add_argument("--emulator", action="store_true", help="the emulator's benchmarks")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.emulator:
        import emulator

        emulator.main(quick=args.quick, write=args.write)
        return
    s = QUICK if args.quick else FULL
    started = time.perf_counter()
    rows: list[Row] = []
    rows += bench_import(s)
    rows += bench_decode(s)
    with server() as base:
        for bench in (bench_calls_sync, bench_calls_async, bench_pagination, bench_throughput):
            rows += bench(base, s)
            print(f"... {bench.__name__} done", file=sys.stderr)
        rows += bench_batch(base, s)
    mode = "quick" if args.quick else "full"
    elapsed = time.perf_counter() - started
    results = [
        f"## Results ({mode} run, {elapsed:.0f} s)",
        "",
        # The docs' performance page includes what lies between these markers.
        "<!-- --8<-- [start:sdk-results] -->",
        *machine(),
        "",
        *table(rows),
        "<!-- --8<-- [end:sdk-results] -->",
    ]
    print("\n".join(results))
    if args.write:
        from emulator import keep_section  # keeps the section `--emulator --write` wrote

        readme = HERE / "README.md"
        new = METHOD + "\n" + "\n".join(results) + "\n"
        readme.write_text(keep_section(readme.read_text(), new))


if __name__ == "__main__":
    main()
