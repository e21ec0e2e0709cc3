"""Demo: the SDK against the local Trigger.dev emulator, with runs that really run.

    bash scripts/bootstrap && .venv/bin/python scripts/demo.py

Starts `trigger.emulator.Emulator` in this process (a real HTTP server on 127.0.0.1),
registers Python handlers, and drives it with `trigger.Client` and `trigger.AsyncClient`
(anyio, on asyncio and trio): a triggered run, a handler retried after a failure,
concurrent async triggers, an idempotent repeat, a batch, a paused queue holding a run, a
waitpoint resuming a run, runs watched until they finish, and the run list. Nothing leaves
this machine; it takes a few seconds.

On a terminal the output has colour and a live board; piped, it is plain lines (set
``NO_COLOR`` to drop colour, ``FORCE_COLOR`` to keep it). It exits 1 if the emulator does
not behave as shown.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio

import trigger
from trigger.emulator import Emulator, TaskContext
from trigger.types import Run

WATCH_TIMEOUT = 10.0
"""Seconds a run may take before the demo gives up on it (they take milliseconds)."""
FINAL = {"COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"}


class DemoError(Exception):
    """The emulator did not do what the demo shows."""


# -- output ----------------------------------------------------------------------------------


def _wants_colour(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"


def _can_encode(stream: Any, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


_UNICODE_MARKS = {
    "ok": "✓",
    "fail": "✗",
    "arrow": "→",
    "pause": "⏸",
    "play": "▶",
    "dot": "·",
    "more": "…",
}
_ASCII_MARKS = {
    "ok": "+",
    "fail": "x",
    "arrow": "->",
    "pause": "||",
    "play": ">",
    "dot": "-",
    "more": "...",
}
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def fit(text: str, width: int, more: str = "...") -> str:
    """``text`` cut to ``width`` visible characters (colour codes do not count)."""
    if len(_SGR.sub("", text)) <= width:
        return text
    out, seen = [], 0
    for part in re.split(f"({_SGR.pattern})", text):
        if _SGR.fullmatch(part):
            out.append(part)
            continue
        room = width - len(more) - seen
        out.append(part[: max(room, 0)])
        seen += min(len(part), max(room, 0))
    return "".join(out) + more + "\x1b[0m"


class Out:
    """Writes the demo's lines: colour and a live board on a terminal, plain text otherwise."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.colour = _wants_colour(self.stream)
        self.live = self.colour and bool(self.stream.isatty())
        unicode = _can_encode(self.stream, "".join(_UNICODE_MARKS.values()) + _SPINNER)
        self.marks = _UNICODE_MARKS if unicode else _ASCII_MARKS
        self.spinner = _SPINNER if unicode else "|/-\\"
        self.more = self.marks["more"]
        self.width = shutil.get_terminal_size().columns
        self.started = time.perf_counter()
        self.sections = 0

    def style(self, text: str, code: str) -> str:
        """``text`` in an SGR style (``1`` bold, ``2`` dim, ``32`` green ...) when colourful."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def line(self, text: str = "") -> None:
        """One line of output, flushed (so a pipe sees it at once)."""
        self.stream.write(text + "\n")
        self.stream.flush()

    def title(self, text: str) -> None:
        """The demo's heading."""
        self.line(self.style(text, "1"))

    def section(self, text: str) -> None:
        """A numbered section heading."""
        self.sections += 1
        self.line()
        self.line(self.style(f"{self.sections}. {text}", "1;36"))

    def item(self, text: str, mark: str = "dot") -> None:
        """An indented line with a mark (``ok``, ``fail``, ``arrow``, ``pause``, ``play``)."""
        colours = {"ok": "32", "fail": "31", "pause": "33", "play": "32", "arrow": "36"}
        symbol = self.marks[mark]
        self.line(f"   {self.style(symbol, colours.get(mark, '2'))} {text}")

    def dim(self, text: str) -> str:
        """``text`` dimmed."""
        return self.style(text, "2")

    def status(self, status: str) -> str:
        """A run status, coloured by what it means."""
        code = {"COMPLETED": "32", "FAILED": "31", "CRASHED": "31", "CANCELED": "2"}.get(
            status, "33"
        )
        return self.style(f"{status:<9}", code)

    def elapsed(self) -> float:
        """Seconds since the demo started."""
        return time.perf_counter() - self.started


def ms(seconds: float) -> str:
    """Seconds as a short duration: ``12 ms``, ``1.4 s``."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def compact(value: Any, width: int = 48, more: str = "...") -> str:
    """A JSON value on one line, cut to ``width`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= width else text[: width - len(more)] + more


def check(condition: bool, message: str) -> None:
    """Stop the demo when the emulator did not do what it shows."""
    if not condition:
        raise DemoError(message)


# -- watching runs ---------------------------------------------------------------------------


@dataclass
class Watched:
    """What the watcher last saw of one run."""

    run_id: str
    label: str
    status: str = "?"
    attempt: int = 0
    progress: Any = None
    output: Any = None
    since: float = 0.0


def watch(
    out: Out,
    client: trigger.Client,
    runs: Sequence[tuple[str, str]],
    *,
    until: Callable[[Run], bool] | None = None,
) -> list[Run]:
    """Retrieve runs until each is final (or ``until`` holds), showing what changes.

    On a live terminal it redraws one board line per run; otherwise it prints a line each
    time a run's status or attempt changes. Returns the runs as last retrieved.
    """
    done = until or (lambda run: run.is_completed)
    rows = [Watched(run_id, label) for run_id, label in runs]
    latest: dict[str, Run] = {}
    start = time.perf_counter()
    drawn = 0
    tick = 0
    while True:
        changed: list[Watched] = []
        for row in rows:
            if row.run_id in latest and done(latest[row.run_id]):
                continue
            run = client.runs.retrieve(row.run_id)
            latest[row.run_id] = run
            progress = (run.metadata or {}).get("progress")
            if (run.status, run.attempt_count) != (row.status, row.attempt):
                row.since = time.perf_counter() - start
                changed.append(row)
            row.status, row.attempt, row.progress = run.status, run.attempt_count, progress
            row.output = run.output
        finished = all(done(latest[row.run_id]) for row in rows)
        if out.live:
            if drawn:
                out.stream.write(f"\x1b[{drawn}A")
            for row in rows:
                mark = out.spinner[tick % len(out.spinner)]
                if row.status == "COMPLETED":
                    mark = out.style(out.marks["ok"], "32")
                elif row.status in FINAL:
                    mark = out.style(out.marks["fail"], "31")
                elif finished:
                    mark = out.style(out.marks["pause"], "33")
                # Cut to the terminal's width: a wrapped line would break the redraw.
                line = fit(_board_line(out, row, mark), out.width - 1, out.more)
                out.stream.write("\x1b[2K" + line + "\n")
            out.stream.flush()
            drawn = len(rows)
        else:
            for row in changed:
                mark = "ok" if row.status == "COMPLETED" else "arrow"
                out.item(_board_line(out, row, None), mark)
        if finished:
            return [latest[row.run_id] for row in rows]
        if time.perf_counter() - start > WATCH_TIMEOUT:
            stuck = ", ".join(f"{row.run_id} ({row.status})" for row in rows)
            raise DemoError(f"runs did not get there within {WATCH_TIMEOUT:.0f} s: {stuck}")
        tick += 1
        time.sleep(0.02)


def _board_line(out: Out, row: Watched, mark: str | None) -> str:
    prefix = f"   {mark} " if mark is not None else ""
    detail = ""
    if row.status == "COMPLETED" and row.output is not None:
        detail = f"output {compact(row.output, 38, out.more)}"
    elif row.progress is not None:
        detail = f"progress {row.progress}"
    attempt = f"#{row.attempt}" if row.attempt else "  "
    when = out.dim(f"{'+' + ms(row.since):>8}")
    status = out.status(row.status)
    head = f"{prefix}{row.label:<14} {status} {attempt} {when}  "
    if out.live:  # the id goes last: a narrow terminal cuts it, not the progress
        return f"{head}{detail:<45}  {out.dim(row.run_id)}"
    return f"{head}{row.run_id}  {detail}".rstrip()


# -- the tasks ---------------------------------------------------------------------------------


def register_tasks(emulator: Emulator, failures: list[str]) -> None:
    """The demo's handlers: sync and async functions in this process."""

    @emulator.task("send-welcome")
    def send_welcome(payload: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        return {"sent_to": payload["email"], "attempt": ctx.attempt}

    @emulator.task("charge-card", max_attempts=3)
    def charge_card(payload: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        time.sleep(0.03)
        if ctx.attempt == 1:
            failures.append(f"attempt {ctx.attempt} raised ConnectionError: the bank hung up")
            raise ConnectionError("the bank hung up")
        return {"charged": payload["amount"], "attempt": ctx.attempt}

    @emulator.task("resize-image")
    async def resize_image(payload: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"thumbnail": payload["image"].replace(".png", "-256.png")}

    @emulator.task("publish-post")
    async def publish_post(payload: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        result = await ctx.wait.for_token(payload["approval"])  # the run shows WAITING
        return {"published": payload["slug"], "approval": result.unwrap()}

    @emulator.task("render-report")
    async def render_report(payload: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        pages = payload["pages"]
        for page in range(1, pages + 1):
            await asyncio.sleep(0.04)
            ctx.metadata.set("progress", f"{page}/{pages} pages")
        return {"report": payload["name"], "pages": pages}


# -- the sections ----------------------------------------------------------------------------


def trigger_and_wait(out: Out, client: trigger.Client) -> None:
    out.section("Trigger a run and wait for it  (trigger.Client)")
    handle = client.tasks.trigger("send-welcome", {"email": "ada@example.com"})
    out.item(f"triggered {handle.id}  send-welcome", "arrow")
    run = client.runs.poll(handle.id, interval=0.1, timeout=WATCH_TIMEOUT)
    check(run.status == "COMPLETED", f"send-welcome ended {run.status}")
    out.item(
        f"{out.status(run.status)} in {run.duration_ms:.0f} ms  output {compact(run.output)}", "ok"
    )


def retries(out: Out, client: trigger.Client, failures: list[str]) -> None:
    out.section("A handler that fails once is retried")
    handle = client.tasks.trigger("charge-card", {"amount": 4200, "currency": "eur"})
    (run,) = watch(out, client, [(handle.id, "charge-card")])
    for failure in failures:
        out.item(failure, "fail")
    check(run.status == "COMPLETED" and run.attempt_count == 2, "charge-card was not retried")
    out.item(f"retried after a backoff: attempt {run.attempt_count} completed", "ok")


async def _async_triggers(url: str, key: str) -> tuple[list[str], float]:
    async with trigger.AsyncClient(secret_key=key, base_url=url) as client:
        images = [f"photo-{n}.png" for n in range(1, 4)]
        ids: list[str] = []
        start = time.perf_counter()

        async def one(image: str) -> None:
            handle = await client.tasks.trigger("resize-image", {"image": image})
            run = await client.runs.poll(handle.id, interval=0.1, timeout=WATCH_TIMEOUT)
            check(run.status == "COMPLETED", f"resize-image ended {run.status}")
            ids.append(run.id)

        async with anyio.create_task_group() as group:
            for image in images:
                group.start_soon(one, image)
        return ids, time.perf_counter() - start


def async_clients(out: Out, emulator: Emulator) -> None:
    out.section("Concurrent triggers with trigger.AsyncClient  (anyio)")
    backends = ["asyncio"]
    try:
        import trio  # noqa: F401
    except ImportError:
        out.item(out.dim("trio is not installed: asyncio only"))
    else:
        backends.append("trio")
    for backend in backends:
        ids, took = anyio.run(_async_triggers, emulator.url, emulator.secret_key, backend=backend)
        out.item(
            f"{backend:<8} 3 resize-image runs triggered and finished together in {ms(took)}", "ok"
        )
        out.line(f"     {out.dim(', '.join(ids))}")


def idempotency(out: Out, client: trigger.Client) -> None:
    out.section("An idempotent repeat returns the same run")
    payload = {"email": "grace@example.com"}
    first = client.tasks.trigger("send-welcome", payload, idempotency_key="welcome-grace")
    again = client.tasks.trigger("send-welcome", payload, idempotency_key="welcome-grace")
    out.item(f"first   {first.id}  is_cached={first.is_cached}", "arrow")
    out.item(
        f"repeat  {again.id}  is_cached={again.is_cached}  (same run, nothing new started)", "ok"
    )
    check(
        first.id == again.id and again.is_cached and not first.is_cached,
        "the repeat was not cached",
    )


def batch(out: Out, client: trigger.Client) -> None:
    out.section("A batch  (client.batch.trigger: create, then stream the items)")
    result = client.batch.trigger(
        [
            {"task": "send-welcome", "payload": {"email": "lin@example.com"}},
            {"task": "send-welcome", "payload": {"email": "sam@example.com"}},
            {"task": "send-welcome", "payload": {"email": "kim@example.com"}},
            {"task": "resize-image", "payload": {"image": "banner.png"}},
        ]
    )
    out.item(f"{result.id}  {result.run_count} runs, of 2 tasks", "arrow")
    deadline = time.perf_counter() + WATCH_TIMEOUT
    retrieved = client.batch.retrieve(result.id)
    while len(retrieved.runs) < result.run_count and time.perf_counter() < deadline:
        time.sleep(0.02)
        retrieved = client.batch.retrieve(result.id)
    check(
        len(retrieved.runs) == result.run_count,
        f"batch {result.id} made {len(retrieved.runs)} runs",
    )
    labels = ["send-welcome"] * 3 + ["resize-image"]
    runs = watch(out, client, list(zip(retrieved.runs, labels, strict=True)))
    check(all(run.status == "COMPLETED" for run in runs), "a batch run did not complete")
    retrieved = client.batch.retrieve(result.id)
    while retrieved.status != "COMPLETED" and time.perf_counter() < deadline:
        time.sleep(0.02)  # the batch completes once the runtime has seen its last run finish
        retrieved = client.batch.retrieve(result.id)
    out.item(f"batch {retrieved.status}: its {retrieved.run_count} runs completed", "ok")


def paused_queue(out: Out, client: trigger.Client) -> None:
    out.section("A paused queue holds its runs")
    client.queues.pause("resize-image", type="task")
    out.item("paused the queue of task resize-image", "pause")
    handle = client.tasks.trigger("resize-image", {"image": "held.png"})
    time.sleep(0.3)
    run = client.runs.retrieve(handle.id)
    queue = client.queues.retrieve("resize-image", type="task")
    out.item(
        f"{handle.id}  {out.status(run.status)} 300 ms later  "
        f"(queue: {queue.queued} queued, {queue.running} running, paused={queue.paused})",
        "arrow",
    )
    check(
        run.status == "QUEUED" and queue.paused, f"the paused queue let the run go ({run.status})"
    )
    client.queues.resume("resize-image", type="task")
    out.item("resumed the queue", "play")
    (run,) = watch(out, client, [(handle.id, "resize-image")])
    check(run.status == "COMPLETED", f"the released run ended {run.status}")


def waitpoint(out: Out, client: trigger.Client) -> None:
    out.section("A waitpoint token resumes a waiting run")
    token = client.wait.create_token(timeout="10m", tags=["demo"])
    out.item(f"created {token.id}  (times out in 10 minutes)", "arrow")
    handle = client.tasks.trigger("publish-post", {"slug": "hello-world", "approval": token.id})
    (run,) = watch(
        out, client, [(handle.id, "publish-post")], until=lambda r: r.is_waiting or r.is_completed
    )
    check(run.status == "WAITING", f"publish-post did not wait on the token ({run.status})")
    approval = {"approved": True, "by": "editor@example.com"}
    client.wait.complete_token(token.id, approval)
    out.item(f"completed the token with {compact(approval)}", "play")
    (run,) = watch(out, client, [(handle.id, "publish-post")])
    check(run.status == "COMPLETED", f"publish-post ended {run.status}")
    check(run.output == {"published": "hello-world", "approval": approval}, "wrong output")


def watch_reports(out: Out, client: trigger.Client) -> None:
    out.section("Watch runs finish  (handlers report progress through run metadata)")
    reports = [("weekly", 3), ("monthly", 6), ("quarterly", 9), ("yearly", 12)]
    runs = [
        (client.tasks.trigger("render-report", {"name": name, "pages": pages}).id, name)
        for name, pages in reports
    ]
    finished = watch(out, client, runs)
    check(all(run.status == "COMPLETED" for run in finished), "a report did not complete")
    slowest = max(run.duration_ms for run in finished)
    out.item(
        f"{len(finished)} reports rendered side by side, the slowest in {slowest:.0f} ms", "ok"
    )


def listing(out: Out, client: trigger.Client) -> int:
    out.section("List the runs  (newest first, cursor pages)")
    page = client.runs.list(limit=10)
    out.line("   " + out.dim(f"{'run':<29} {'task':<14} {'status':<9} {'duration':>8}"))
    for run in page.data:
        out.line(
            f"   {run.id:<29} {run.task_identifier:<14} {out.status(run.status)} "
            f"{run.duration_ms:>5.0f} ms"
        )
    pages = list(client.runs.list(limit=10).iter_pages())
    every = [run for p in pages for run in p.data]
    if len(every) > len(page.data):
        out.line(f"   {out.dim(f'{out.more} and {len(every) - len(page.data)} more')}")
    counts = Counter(run.task_identifier for run in every)
    summary = ", ".join(f"{task} {n}" for task, n in sorted(counts.items()))
    out.item(f"{len(every)} runs over {len(pages)} pages of 10: {summary}", "ok")
    welcome = client.runs.list(task_identifier="send-welcome", status="COMPLETED", limit=100)
    out.item(f"filtered: {len(welcome.data)} completed send-welcome runs", "arrow")
    check(all(run.status == "COMPLETED" for run in every), "a listed run is not completed")
    return len(every)


# -- main ------------------------------------------------------------------------------------


def main() -> int:
    out = Out()
    out.title(f"trigger {out.marks['dot']} the Python SDK against a local Trigger.dev emulator")
    failures: list[str] = []
    try:
        started = time.perf_counter()
        with Emulator() as emulator:
            ready = time.perf_counter() - started
            out.item(
                f"emulator ready at {emulator.url} in {ms(ready)}  "
                + out.dim(f"(project {emulator.project_ref})"),
                "ok",
            )
            register_tasks(emulator, failures)
            out.item(f"handlers: {', '.join(emulator.task_ids())}", "ok")
            with emulator.client() as client:
                trigger_and_wait(out, client)
                retries(out, client, failures)
                async_clients(out, emulator)
                idempotency(out, client)
                batch(out, client)
                paused_queue(out, client)
                waitpoint(out, client)
                watch_reports(out, client)
                total = listing(out, client)
            answered = len(emulator.requests())
    except (DemoError, trigger.TriggerError) as error:
        out.line()
        out.line(
            out.style(f"{out.marks['fail']} demo failed: {type(error).__name__}: {error}", "1;31")
        )
        return 1
    except KeyboardInterrupt:  # the emulator has stopped cleanly on the way out
        out.line()
        return 130
    out.line()
    out.line(
        out.style(f"{out.marks['ok']} done in {ms(out.elapsed())}: ", "1;32")
        + f"{total} runs, {answered} API requests answered, nothing left this machine."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
