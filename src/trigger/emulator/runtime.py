"""The runtime: moves runs through their lifecycle and executes handlers.

One background thread runs an asyncio loop. Each step reads the clock once, fires the
timers that are due (delays, TTLs, retries, ``maxDuration``, the no-handler completion),
starts queued runs the queues have room for, and sleeps until the next timer or until woken
(a trigger, a cancel, a registration, a clock jump). State changes are the engine's pure
functions, written through the store in one transaction each.

Async handlers run on this loop; sync handlers in a thread pool, so a sync handler may call
the emulator with the blocking `trigger.Client`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import logging
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from trigger.emulator.clock import Clock, ManualClock
from trigger.emulator.engine import dispatch
from trigger.emulator.engine import runs as engine
from trigger.emulator.engine.metadata import apply_operations
from trigger.emulator.engine.runs import RetryPolicy, RunState
from trigger.emulator.handlers import TaskContext, TaskRegistry, TaskSpec
from trigger.emulator.packets import load_payload, offload_output
from trigger.emulator.project import Project
from trigger.emulator.shapes import MISSING_VALUE, decode_packet
from trigger.emulator.store import Store
from trigger.emulator.store_limits import NamedLimits, limited
from trigger.emulator.waiting import TaskWait, WaitpointService

__all__ = ["Runtime", "RuntimeSettings", "UnhandledMode"]

logger = logging.getLogger("trigger.emulator")

UnhandledMode = Literal["complete", "pending_version", "fail"]

_BATCH = 200
"""Runs started per queue per step (the next step takes more)."""
_MIN_STEP_INTERVAL_S = 0.025
"""Steps come at most this often: a burst of triggers (or of timers falling due) is
handled in one step and one transaction, not one each; a quiet runtime still answers a
wake at once. A virtual clock being moved steps without this pause."""
_MAX_STEPS_AT_ONE_INSTANT = 100
"""A virtual clock steps again at once while work stays due at its instant (a hook firing
a few hundred schedules per step); past this many steps the work counts as stuck and the
clock moves on."""


@dataclasses.dataclass(frozen=True)
class RuntimeSettings:
    """How runs without and with handlers behave."""

    unhandled: UnhandledMode = "complete"
    """A run of a task with no handler: ``complete`` (null output after
    `unhandled_duration_ms`), ``pending_version`` (parked until a handler is registered),
    or ``fail``."""
    unhandled_duration_ms: int = 50
    """How long a run with no handler executes before completing."""
    retry: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    """The retry policy of tasks registered without one."""


def _error_of(exc: BaseException) -> dict[str, Any]:
    stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {
        "type": "BUILT_IN_ERROR",
        "name": type(exc).__name__,
        "message": str(exc),
        "stackTrace": stack.rstrip("\n"),
    }


class Runtime:
    """Drives runs with the clock and runs handlers (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        registry: TaskRegistry,
        project: Project,
        settings: RuntimeSettings,
    ) -> None:
        self.store = store
        self.clock = clock
        self.registry = registry
        self.project = project
        self.settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_event: asyncio.Event | None = None
        # A wake already on its way to the loop: later ones until the next step send nothing.
        self._wake_pending = False
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._ready = threading.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=32, thread_name_prefix="trigger-emulator-task"
        )
        self._idle = threading.Condition()
        self._busy = 0
        self._step_hooks: list[tuple[Callable[[int], int | None], bool]] = []
        # The next due time of what may move an auto clock (all but schedules), from the
        # last step.
        self._next_driving: int | None = None
        # An `advance_to` in progress: its target and the future it resolves.
        self._advance: tuple[int, concurrent.futures.Future[int]] | None = None
        self._advance_lock = threading.Lock()
        self.waits = WaitpointService(store, clock, project, self.wake)
        """Waitpoint tokens, their timers, and the handlers waiting on them."""
        self.add_step_hook(self.waits.step)
        clock.subscribe(self.wake)
        registry.subscribe(self._on_register)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the runtime thread."""
        self._thread = threading.Thread(
            target=self._run, name="trigger-emulator-runtime", daemon=True
        )
        self._thread.start()
        self._ready.wait(5)

    def stop(self) -> None:
        """Stop the runtime thread and cancel running async handlers."""
        self._stopping = True
        self.clock.unsubscribe(self.wake)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._shutdown)
        if self._thread is not None:
            self._thread.join(5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def recover(self) -> None:
        """After a restart: runs whose handler was executing go back to the queue."""
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            for run in self.store.runs_in_status("EXECUTING"):
                if run.attempt_started_at is None or run.auto_complete_at is not None:
                    continue
                requeued = msgspec.structs.replace(
                    run,
                    status="PENDING",
                    queued_at=now,
                    updated_at=now,
                    attempt_started_at=None,
                    attempt_deadline=None,
                )
                self.store.update_run(conn, requeued, run)
        self.waits.recover()

    def _shutdown(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        if self._wake_event is not None:
            self._wake_event.set()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            loop.close()

    def wake(self) -> None:
        """Make the runtime look at the store again (safe from any thread)."""
        loop, event = self._loop, self._wake_event
        if loop is None or event is None or loop.is_closed() or self._wake_pending:
            return
        self._wake_pending = True
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(event.set)

    async def _main(self) -> None:
        self._wake_event = asyncio.Event()
        loop_time = asyncio.get_running_loop().time
        self._ready.set()
        last_step = -_MIN_STEP_INTERVAL_S
        hurry = False  # moving a virtual clock: step again at once, no pause
        instants = 0  # steps in a row at one instant with something still due there
        while not self._stopping:
            pause = last_step + _MIN_STEP_INTERVAL_S - loop_time()
            if pause > 0 and not hurry and self._advance is None:
                await asyncio.sleep(pause)
            self._wake_event.clear()
            self._wake_pending = False
            last_step = loop_time()
            try:
                next_due = self.step()
            except Exception:
                logger.exception("emulator runtime step failed")
                next_due = self.clock.now_ms() + 100
            hurry = False
            timeout: float | None = None
            if self.clock.is_virtual:
                now = self.clock.now_ms()
                due_now = next_due is not None and next_due <= now
                instants = instants + 1 if due_now else 0
                if self.running() == 0 and (not due_now or instants > _MAX_STEPS_AT_ONE_INSTANT):
                    hurry = self._move_virtual_clock(next_due, now)
                elif due_now and instants <= _MAX_STEPS_AT_ONE_INSTANT:
                    hurry = True  # a step left work due now (a wake, a freed slot)
                if hurry:
                    await asyncio.sleep(0)  # let handlers just launched begin
                    continue
            elif next_due is not None:
                timeout = max(0.0, (next_due - self.clock.now_ms()) / 1000)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake_event.wait(), timeout)

    def _move_virtual_clock(self, next_due: int | None, now: int) -> bool:
        """Nothing runs and nothing is due now: move a virtual clock toward the next event,
        or finish an `advance_to`; whether to step again at once."""
        clock = self.clock
        assert isinstance(clock, ManualClock)
        advance = self._advance
        if advance is not None:
            target, future = advance
            if next_due is not None and next_due <= target and next_due > now:
                clock.set(next_due)
                return True
            if now < target:
                clock.set(target)
                return True
            self._advance = None
            if not future.done():
                future.set_result(now)
            return False
        driving = self._next_driving
        if clock.auto and driving is not None and driving > now and next_due is not None:
            clock.set(min(next_due, driving))
            return True
        return False

    def running(self) -> int:
        """Handlers executing now: launched and neither finished nor parked on a wait."""
        return max(0, self._busy - self.waits.parked())

    def advance_to(self, target_ms: int, timeout: float) -> int:
        """Move a virtual clock to ``target_ms`` event by event (blocking; any thread but
        the runtime's): at each due instant on the way the clock stops, the step runs and
        the handlers it started finish or park before time moves on. Returns the new time.

        Raises:
            RuntimeError: The clock is not virtual, or this is the runtime's own thread.
            TimeoutError: Handlers were still running after ``timeout`` seconds.
        """
        if not isinstance(self.clock, ManualClock):
            raise RuntimeError("the emulator runs on the real clock; start it with a virtual one")
        if threading.current_thread() is self._thread:
            raise RuntimeError("a handler cannot advance the clock it runs on")
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("the emulator is not running")
        with self._advance_lock:  # one advance at a time
            future: concurrent.futures.Future[int] = concurrent.futures.Future()

            def begin() -> None:
                self._advance = (target_ms, future)
                self.wake()

            loop.call_soon_threadsafe(begin)
            try:
                return future.result(timeout)
            except concurrent.futures.TimeoutError:
                loop.call_soon_threadsafe(self._drop_advance, future)
                raise TimeoutError(
                    f"handlers still running after {timeout} s of advancing the clock "
                    f"(now {self.clock.now_ms()} ms, target {target_ms} ms)"
                ) from None

    def _drop_advance(self, future: concurrent.futures.Future[int]) -> None:
        if self._advance is not None and self._advance[1] is future:
            self._advance = None

    # -- one step ---------------------------------------------------------------------------

    def step(self) -> int | None:
        """Fire due timers, start what may start; the next timer's time (Unix ms)."""
        now = self.clock.now_ms()
        launches: list[RunState] = []
        stop: list[str] = []
        # Read first and write only when there is work: an idle step opens no transaction.
        # The store's lock, held throughout, keeps what was read current for the writes.
        with self.store.lock:
            next_due = self.store.next_due()
            due = self.store.due_runs(now) if next_due is not None and next_due <= now else []
            queued = self.store.queued_queues()
            if due or queued:
                with self.store.transaction() as conn:
                    for run in due:
                        timer = engine.fire_timer(run, now)
                        if timer.kind == "none":
                            continue
                        if timer.kind == "retry_due":
                            started = engine.start_attempt(run, now)
                            self.store.update_run(conn, started, run)
                            launches.append(started)
                            continue
                        self.store.update_run(conn, timer.run, run)
                        if timer.kind == "timed_out":
                            stop.append(run.id)
                    if due:  # a fired delay queues its run: look again
                        queued = self.store.queued_queues()
                    launches.extend(self._dequeue(conn, now, queued))
                next_due = self.store.next_due()
        for run_id in stop:
            self._cancel_task(run_id)
        for run in launches:
            self._launch(run)
        driving = next_due
        for hook, drives_time in self._step_hooks:
            hook_due = hook(now)
            if hook_due is not None and (next_due is None or hook_due < next_due):
                next_due = hook_due
            if drives_time and hook_due is not None and (driving is None or hook_due < driving):
                driving = hook_due
        self._next_driving = driving
        return next_due

    def add_step_hook(self, hook: Callable[[int], int | None], *, drives_time: bool = True) -> None:
        """Run ``hook(now)`` at every step (batches, bulk actions); it returns its next due
        time (Unix ms) or ``None``, and may `wake` the runtime to be called again at once.

        ``drives_time=False`` (schedules) keeps the hook's due times from moving an auto
        clock by themselves: they fire when time passes them for another reason."""
        self._step_hooks.append((hook, drives_time))

    def _queue_state(self, env_id: str, name: str) -> dispatch.QueueState:
        row = self.store.get_queue(env_id, name)
        declared = self.registry.declared_limit(name)
        if row is None:
            return dispatch.QueueState(name=name, concurrency_limit=declared)
        return dispatch.QueueState(
            name=name,
            concurrency_limit=row.concurrency_limit
            if row.concurrency_limit is not None
            else declared,
            override=row.override,
            paused=row.paused,
        )

    def _dequeue(self, conn: Any, now: int, queued: list[tuple[str, str]]) -> list[RunState]:
        if not queued:
            return []
        executing = self.store.executing_counts()
        named = NamedLimits(self.store, self.registry)
        launches: list[RunState] = []
        for env_id, name in queued:
            state = limited(self.store, env_id, self._queue_state(env_id, name))
            slots = dispatch.free_slots(state, executing.get((env_id, name), 0))
            if slots == 0:
                continue
            limit = _BATCH if slots is None else min(slots, _BATCH)
            # A run held back by a named limit leaves its queue slot to the runs behind it.
            fetch = _BATCH if named.active else limit
            started = 0
            for run in self.store.queued_runs(env_id, name, fetch):
                if started >= limit:
                    break
                if not named.allows(run):
                    continue
                # A run parked or failed for want of a handler never executes: it takes
                # neither a queue slot nor a named limit's.
                if self._executes(run):
                    named.hold(run)
                    started += 1
                launched = self._begin(conn, run, now)
                if launched is not None:
                    launches.append(launched)
        return launches

    def _executes(self, run: RunState) -> bool:
        """Whether `_begin` leaves ``run`` executing (a handler, or the no-handler
        completion); ``pending_version`` parks it and ``fail`` fails it instead."""
        return self.registry.get(run.task) is not None or self.settings.unhandled == "complete"

    def _begin(self, conn: Any, run: RunState, now: int) -> RunState | None:
        """Start a queued run: its handler, or the default for tasks without one."""
        spec = self.registry.get(run.task)
        mode = self.settings.unhandled
        if spec is None and mode == "pending_version":
            self.store.update_run(conn, engine.park(run, now), run)
            return None
        started = engine.start_attempt(run, now)
        if spec is not None:
            self.store.update_run(conn, started, run)
            return started
        if mode == "fail":
            error = {
                "type": "BUILT_IN_ERROR",
                "name": "Error",
                "message": f"No handler is registered for task '{run.task}' in the emulator",
                "stackTrace": "",
            }
            self.store.update_run(conn, engine.fail(started, now, error, None), run)
            return None
        finishing = msgspec.structs.replace(
            started, auto_complete_at=now + self.settings.unhandled_duration_ms
        )
        self.store.update_run(conn, finishing, run)
        return None

    def _on_register(self, spec: TaskSpec) -> None:
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            for run in self.store.runs_in_status("PENDING_VERSION", spec.id):
                self.store.update_run(conn, engine.unpark(run, now), run)
        self.wake()

    # -- handlers ---------------------------------------------------------------------------

    def _launch(self, run: RunState) -> None:
        spec = self.registry.get(run.task)
        loop = self._loop
        if spec is None or loop is None:
            return
        payload = load_payload(self.store, self.project, run)
        env = self.project.env_by_id(run.env_id)
        context = TaskContext(
            self,
            run_id=run.friendly_id,
            task_id=run.task,
            attempt=run.attempt_number,
            tags=run.tags,
            is_test=run.is_test,
            environment=env.slug if env else "dev",
            payload_type=run.payload_type,
            wait=TaskWait(self.waits, run),
        )
        value = None if payload is MISSING_VALUE else payload
        with self._idle:
            self._busy += 1
        task = loop.create_task(self._execute(spec, run, value, context))
        self._tasks[run.id] = task

    async def _execute(self, spec: TaskSpec, run: RunState, payload: Any, ctx: TaskContext) -> None:
        args: tuple[Any, ...] = (payload, ctx) if spec.takes_context else (payload,)
        outcome: tuple[str, Any]
        try:
            if spec.is_async:
                result = await spec.handler(*args)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._pool, lambda: spec.handler(*args))
            output = None if result is None else json.dumps(result, ensure_ascii=False)
            outcome = ("ok", output)
        except asyncio.CancelledError:
            outcome = ("stopped", None)
        except BaseException as exc:  # the user's code may raise anything
            outcome = ("error", _error_of(exc))
        finally:
            self._tasks.pop(run.id, None)
        try:
            if outcome[0] != "stopped":
                self._finish(spec, run, outcome)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _finish(self, spec: TaskSpec, started: RunState, outcome: tuple[str, Any]) -> None:
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            current = self.store.get_run_by_id(started.id)
            if (
                current is None
                or current.status != "EXECUTING"
                or current.attempt_number != started.attempt_number
                or current.next_attempt_at is not None
            ):
                return  # canceled, timed out or reset meanwhile: the result is dropped
            if outcome[0] == "ok":
                output, output_type = offload_output(
                    self.store, conn, self.project, current, outcome[1], now
                )
                updated = engine.complete(current, now, output, output_type)
            else:
                policy = spec.retry or self.settings.retry
                max_attempts = current.max_attempts or policy.max_attempts
                retry_at = None
                if current.attempt_number < max_attempts:
                    retry_at = now + engine.retry_delay_ms(current.attempt_number, policy)
                updated = engine.fail(current, now, outcome[1], retry_at)
            self.store.update_run(conn, updated, current)
        self.wake()

    def _cancel_task(self, run_id: str) -> None:
        task = self._tasks.get(run_id)
        if task is not None:
            task.cancel()

    def stop_handler(self, run_id: str) -> None:
        """Cancel the async handler of a run, if one runs (safe from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._cancel_task, run_id)

    def stop_all_handlers(self) -> None:
        """Cancel every running async handler (used by reset)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(lambda: [t.cancel() for t in list(self._tasks.values())])

    # -- RunAccess (for TaskContext) --------------------------------------------------------

    def _by_friendly(self, run_id: str) -> RunState | None:
        internal = run_id.split("_", 1)[1] if "_" in run_id else run_id
        return self.store.get_run_by_id(internal)

    def run_metadata(self, run_id: str) -> dict[str, Any]:
        """The run's metadata object."""
        run = self._by_friendly(run_id)
        value = decode_packet(run.metadata, run.metadata_type) if run else None
        return value if isinstance(value, dict) else {}

    def apply_metadata(
        self, run_id: str, operations: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """Apply metadata operations to the stored run."""
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            run = self._by_friendly(run_id)
            if run is None:
                return {}
            current = decode_packet(run.metadata, run.metadata_type)
            base = current if isinstance(current, dict) else {}
            updated = apply_operations(base, operations)
            text = json.dumps(updated, ensure_ascii=False)
            self.store.update_run(
                conn, engine.set_metadata(run, now, text, "application/json"), run
            )
        return updated

    def add_run_tags(self, run_id: str, tags: Sequence[str]) -> tuple[str, ...]:
        """Add tags to the stored run (at most 10 in all)."""
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            run = self._by_friendly(run_id)
            if run is None:
                return ()
            clean = tuple(t for t in tags if isinstance(t, str) and t.strip())
            updated = engine.add_tags(run, now, clean)
            if len(updated.tags) > 10:
                raise ValueError(
                    f"Runs can only have 10 tags, you're trying to set {len(updated.tags)}."
                )
            self.store.update_run(conn, updated, run)
        return updated.tags

    def run_is_canceled(self, run_id: str) -> bool:
        """Whether the run was canceled."""
        run = self._by_friendly(run_id)
        return run is None or run.status == "CANCELED"
