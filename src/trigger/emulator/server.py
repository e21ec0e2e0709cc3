"""`Emulator`: the emulator in-process, serving real HTTP from a background thread.

    from trigger.emulator import Emulator

    with Emulator() as emulator:
        @emulator.task("send-email")
        def send_email(payload, ctx):
            return {"sent": payload["to"]}

        client = emulator.client()
        handle = client.tasks.trigger("send-email", {"to": "a@example.com"})
        run = client.runs.poll(handle.id, interval=0.1)

This is the one module of the emulator that imports the SDK, and only to hand out
preconfigured clients: the emulator itself never uses the SDK's models or wire code.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
import msgspec
import uvicorn

# Imported here rather than on first start, so the first start is as quick as the next ones.
import uvicorn.lifespan.off
import uvicorn.loops.asyncio
import uvicorn.protocols.http.h11_impl

from trigger.emulator import background
from trigger.emulator.app import build_app
from trigger.emulator.clock import Clock, ClockMode, ManualClock, make_clock
from trigger.emulator.engine.runs import RetryPolicy, RunState
from trigger.emulator.faults import Fault, Faults, RateLimit
from trigger.emulator.faults_layer import FaultProtocol
from trigger.emulator.handlers import Handler, TaskRegistry, TaskSpec
from trigger.emulator.ids import IdGenerator
from trigger.emulator.project import Project
from trigger.emulator.runtime import Runtime, RuntimeSettings, UnhandledMode
from trigger.emulator.state import EmulatorState
from trigger.emulator.store import Store
from trigger.emulator.store_realtime import feed_of
from trigger.emulator.webhooks import EmulatorWebhooks

if TYPE_CHECKING:
    from trigger import AsyncClient, Client

__all__ = ["Emulator"]

F = TypeVar("F", bound=Callable[..., Any])

_LIMIT_NAME = re.compile(r"[a-zA-Z0-9_-]{1,122}")


def _limit_names(label: str, value: str | Sequence[str]) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if len(names) > 2:
        raise ValueError(f"{label} takes at most 2 named limits")
    for name in names:
        if not isinstance(name, str) or not _LIMIT_NAME.fullmatch(name):
            raise ValueError(
                f"{label} has an invalid limit name {name!r}: 1-122 letters, digits, '_' or '-'"
            )
    return names


_ENV_ALIASES = {"dev": "dev", "stg": "stg", "staging": "stg", "prod": "prod", "preview": "preview"}


class _Server(uvicorn.Server):
    """uvicorn's server, telling us when it listens (and never touching signals off-thread)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._on_ready = on_ready
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.ready.set()
            if self._on_ready is not None:
                self._on_ready()


class Emulator:
    """A local Trigger.dev API server with runs that really run.

    Args:
        host: Interface to listen on (keep ``127.0.0.1``).
        port: TCP port; 0 picks a free one.
        db: A SQLite file to keep state in across restarts (default: in memory).
        project_ref: The project ref (default: generated, or the one stored in ``db``).
        strict_keys: Accept only the keys the emulator prints (default: any well-formed key
            as that environment).
        seed: Make generated ids, keys and the project ref deterministic.
        clock: How time moves: ``"real"`` (default), ``"virtual"`` (a `ManualClock` that
            moves when told: `advance`), ``"auto"`` (virtual, and it skips to the next due
            event whenever no handler runs), or a `Clock` object.
        start_time: Where a virtual clock made from ``clock="virtual"``/``"auto"`` starts
            (an aware datetime; default: the real time now).
        unhandled: What runs of tasks without a handler do: ``complete`` (null output after
            ``unhandled_duration`` seconds), ``pending_version`` (wait for a handler) or
            ``fail``.
        unhandled_duration: Seconds a run without a handler executes before completing.
        retry: Retry policy of handlers registered without one.
        preview_branches: Preview branches that exist from the start.
        seed_deployment: Start each environment with one deployed, current deployment of
            the version runs show (default); ``False`` starts with none, as a project that
            never deployed (only the local worker's version can be locked to then).
        log_level: uvicorn's log level.
        faults: Fault rules to start with (`Fault` objects or compact strings such as
            ``"tasks.trigger status=503 times=2"``); `reset` comes back to them.
        fault_seed: The seed of the rules' random sequences (default: ``seed``, else
            random; `faults` shows it).
        rate_limit: Run the real server's global rate limiter: a `RateLimit`, or ``True``
            for the server's own limits.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | None = None,
        project_ref: str | None = None,
        strict_keys: bool = False,
        seed: int | None = None,
        clock: Clock | ClockMode | None = None,
        start_time: datetime | None = None,
        unhandled: UnhandledMode = "complete",
        unhandled_duration: float = 0.05,
        retry: RetryPolicy | None = None,
        preview_branches: tuple[str, ...] = ("main",),
        seed_deployment: bool = True,
        log_level: str = "warning",
        faults: Iterable[Fault | str] = (),
        fault_seed: int | None = None,
        rate_limit: RateLimit | bool | None = None,
    ) -> None:
        if unhandled not in ("complete", "pending_version", "fail"):
            raise ValueError("unhandled must be 'complete', 'pending_version' or 'fail'")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError("port must be an int from 0 to 65535")
        if isinstance(unhandled_duration, bool) or not isinstance(unhandled_duration, (int, float)):
            raise TypeError("unhandled_duration must be a number of seconds")
        if unhandled_duration < 0:
            raise ValueError("unhandled_duration must be at least 0")
        if not isinstance(seed_deployment, bool):
            raise TypeError("seed_deployment must be a bool")
        self._faults = Faults(
            faults, seed=seed if fault_seed is None else fault_seed, rate_limit=rate_limit
        )
        self._host = host
        self._port = port
        self._log_level = log_level
        self._ids = IdGenerator(seed)
        self._store = Store(db)
        try:
            saved = self._store.get_meta("project")
            self._project = Project(
                self._ids, project_ref=project_ref, saved=saved, branches=preview_branches
            )
        except BaseException:
            self._store.close()  # a refused argument must not leave the database open
            raise
        self._project.on_change = self._save_project
        if saved is None:
            self._save_project()
        try:
            self._clock = make_clock(clock, start_time)
        except BaseException:
            self._store.close()
            raise
        self._registry = TaskRegistry()
        settings = RuntimeSettings(
            unhandled=unhandled,
            unhandled_duration_ms=round(unhandled_duration * 1000),
            retry=retry or RetryPolicy(),
        )
        self._runtime = Runtime(self._store, self._clock, self._registry, self._project, settings)
        self._state = EmulatorState(
            project=self._project,
            store=self._store,
            clock=self._clock,
            ids=self._ids,
            registry=self._registry,
            runtime=self._runtime,
            strict_keys=strict_keys,
            seed_deployment=seed_deployment,
            faults=self._faults,
        )
        background.install(self._state)
        self._runtime.waits.bind(self._ids, lambda: self._url)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._url = ""

    def _save_project(self) -> None:
        self._store.set_meta("project", self._project.to_json())

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, on_ready: Callable[[], None] | None = None) -> Emulator:
        """Listen and serve from a background thread; returns once ready."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        sock = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: without it a response written in two parts waits
        # for the client's delayed ACK (about 40 ms per request).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self._host, self._port))
        sock.listen(1024)
        sock.setblocking(False)
        self._socket = sock
        port = sock.getsockname()[1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._url = f"http://{host}:{port}"
        self._state.url = self._url
        self._runtime.recover()
        self._runtime.start()
        config = uvicorn.Config(
            build_app(self._state),
            log_level=self._log_level,
            access_log=False,
            lifespan="off",
            http=FaultProtocol,  # h11, able to drop a connection for a fault rule
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = _Server(config, on_ready)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="trigger-emulator-http",
            daemon=True,
        )
        self._thread.start()
        if not self._server.ready.wait(10):
            self.stop()
            raise RuntimeError("the emulator did not start within 10 s")
        return self

    def serve_forever(self, on_ready: Callable[[], None] | None = None) -> None:
        """Serve in this thread until SIGINT or SIGTERM (used by the CLI)."""
        self.start(on_ready)
        thread = self._thread
        assert thread is not None
        try:
            while thread.is_alive():
                thread.join(0.2)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and close the store (idempotent)."""
        server, thread = self._server, self._thread
        self._server = None
        self._thread = None
        if server is not None:
            server.should_exit = True
            feed_of(self._store).close()  # held realtime long polls answer now, not in 20 s
        if thread is not None:
            thread.join(10)
        self._runtime.stop()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._store.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        # Starting blocks for a few milliseconds: keep it off the caller's event loop.
        return await anyio.to_thread.run_sync(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)

    # -- what a user needs ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:<port>``); empty until started."""
        return self._url

    @property
    def project_ref(self) -> str:
        """The project ref (``proj_…``)."""
        return self._project.ref

    @property
    def keys(self) -> dict[str, str]:
        """The root secret key of each environment: ``dev``, ``stg``, ``prod``, ``preview``."""
        return self._project.keys()

    @property
    def secret_key(self) -> str:
        """The dev environment's secret key."""
        return self._project.envs["dev"].api_key

    @property
    def personal_access_token(self) -> str:
        """The personal access token (``tr_pat_…``)."""
        return self._project.personal_access_token

    @property
    def environment_ids(self) -> dict[str, str]:
        """The internal id of each environment (the ``sub`` of its tokens)."""
        return {slug: env.id for slug, env in self._project.envs.items()}

    @property
    def clock(self) -> Clock:
        """The clock every part of the emulator reads."""
        return self._clock

    @property
    def webhooks(self) -> EmulatorWebhooks:
        """Webhook endpoints, deliveries to them, and signed alert webhooks (`EmulatorWebhooks`)."""
        return EmulatorWebhooks(self._state)

    @property
    def faults(self) -> Faults:
        """The fault rules and the rate limiter (`Faults`): ``add``, ``list``, ``clear``..."""
        return self._faults

    @property
    def now(self) -> datetime:
        """The emulator's time (UTC)."""
        return _utc(self._clock.now_ms())

    def advance(self, by: timedelta | float, *, timeout: float = 30.0) -> datetime:
        """Move the virtual clock forward, running every due event on the way in order.

        At each instant something falls due (a delay, a TTL, a retry, a wait, a timeout, a
        schedule) the clock stops there, that step runs, and the handlers it starts finish
        or park in a wait before time moves on; so a day of hourly schedules gives 24 runs,
        each created at its own hour. Don't call it from a handler.

        Args:
            by: How far: a timedelta or a number of seconds (not negative).
            timeout: Seconds to wait, in all, for handlers to finish or park.

        Returns:
            The new time (UTC).

        Raises:
            RuntimeError: The emulator runs on the real clock, or is not started.
            TimeoutError: Handlers were still running after ``timeout`` seconds.
        """
        if isinstance(by, timedelta):
            seconds = by.total_seconds()
        elif isinstance(by, (int, float)) and not isinstance(by, bool):
            seconds = float(by)
        else:
            raise TypeError("by must be a timedelta or a number of seconds")
        if not seconds >= 0:  # also refuses NaN
            raise ValueError("by must not be negative")
        return self._advance_to(self._clock.now_ms() + round(seconds * 1000), timeout)

    def advance_to(self, when: datetime, *, timeout: float = 30.0) -> datetime:
        """Move the virtual clock to ``when`` (an aware datetime), as `advance` does.

        Raises:
            ValueError: ``when`` is before the emulator's time.
        """
        if not isinstance(when, datetime) or when.utcoffset() is None:
            raise TypeError("when must be a timezone-aware datetime")
        target = round(when.timestamp() * 1000)
        if target < self._clock.now_ms():
            raise ValueError("when is before the emulator's time; the clock never goes back")
        return self._advance_to(target, timeout)

    def _advance_to(self, target_ms: int, timeout: float) -> datetime:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        if not isinstance(self._clock, ManualClock):
            raise RuntimeError(
                "the emulator runs on the real clock; start it with clock='virtual' to advance it"
            )
        if self._server is None:
            raise RuntimeError("the emulator is not running; start it first")
        return _utc(self._runtime.advance_to(target_ms, timeout))

    def key_for(self, env: str) -> str:
        """The secret key of an environment: ``dev``, ``stg``/``staging``, ``prod``, ``preview``."""
        slug = _ENV_ALIASES.get(env)
        if slug is None:
            raise ValueError("env must be 'dev', 'stg', 'prod' or 'preview'")
        return self._project.envs[slug].api_key

    def client(self, env: str = "dev", **options: Any) -> Client:
        """A `trigger.Client` for an environment of this emulator.

        Args:
            env: ``dev``, ``stg``, ``prod`` or ``preview`` (then ``preview_branch`` defaults
                to ``main``).
            options: More `trigger.Client` arguments (``secret_key`` replaces the key).
        """
        from trigger import Client

        return Client(**self._client_options(env, options))

    def async_client(self, env: str = "dev", **options: Any) -> AsyncClient:
        """A `trigger.AsyncClient` for an environment of this emulator (see `client`)."""
        from trigger import AsyncClient

        return AsyncClient(**self._client_options(env, options))

    def _client_options(self, env: str, options: dict[str, Any]) -> dict[str, Any]:
        if not self._url:
            raise RuntimeError("start the emulator before asking for a client")
        out = dict(options)
        out.setdefault("secret_key", self.key_for(env))
        out.setdefault("base_url", self._url)
        if _ENV_ALIASES.get(env) == "preview":
            out.setdefault("preview_branch", "main")
        return out

    def task(
        self,
        task_id: str,
        *,
        max_attempts: int | None = None,
        retry: RetryPolicy | None = None,
        queue: str | None = None,
        concurrency_limit: int | None = None,
        scheduled: bool = False,
        concurrency: str | Sequence[str] = (),
    ) -> Callable[[F], F]:
        """Register the decorated function as the handler of ``task_id``.

        Args:
            task_id: The task's identifier.
            max_attempts: Attempts in total when the trigger does not say (shortcut for
                ``retry``).
            retry: The task's retry policy.
            queue: A custom queue for its runs.
            concurrency_limit: How many of its runs may execute at once.
            scheduled: A scheduled task (``schedules.task``): schedules may name it. Once
                any task is declared, schedules for other tasks are refused, as on the
                server (422).
            concurrency: Named limits (`declare_concurrency_limit`) its runs hold, at most
                2; a trigger's ``concurrency`` option replaces them for that run.
        """

        def decorator(fn: F) -> F:
            self.register(
                task_id,
                fn,
                max_attempts=max_attempts,
                retry=retry,
                queue=queue,
                concurrency_limit=concurrency_limit,
                scheduled=scheduled,
                concurrency=concurrency,
            )
            return fn

        return decorator

    def register(
        self,
        task_id: str,
        handler: Handler,
        *,
        max_attempts: int | None = None,
        retry: RetryPolicy | None = None,
        queue: str | None = None,
        concurrency_limit: int | None = None,
        scheduled: bool = False,
        concurrency: str | Sequence[str] = (),
    ) -> None:
        """Register ``handler`` for ``task_id`` (see `task`)."""
        if not isinstance(task_id, str) or not task_id:
            raise ValueError("task_id must be a non-empty string")
        if not callable(handler):
            raise TypeError("handler must be callable")
        if not isinstance(scheduled, bool):
            raise TypeError("scheduled must be a bool")
        if max_attempts is not None:
            if (
                isinstance(max_attempts, bool)
                or not isinstance(max_attempts, int)
                or max_attempts < 1
            ):
                raise ValueError("max_attempts must be an int of at least 1")
            base = retry or self._runtime.settings.retry
            retry = msgspec.structs.replace(base, max_attempts=max_attempts)
        if concurrency_limit is not None and (
            isinstance(concurrency_limit, bool)
            or not isinstance(concurrency_limit, int)
            or concurrency_limit < 0
        ):
            raise ValueError("concurrency_limit must be a non-negative int")
        names = _limit_names("concurrency", concurrency)
        self._registry.register(
            TaskSpec(
                id=task_id,
                handler=handler,
                retry=retry,
                queue=queue,
                concurrency_limit=concurrency_limit,
                scheduled=scheduled,
                concurrency=names,
            )
        )

    def declare_concurrency_limit(
        self, name: str, *, total: int | None = None, per_key: int | None = None
    ) -> None:
        """Declare a named concurrency limit, as ``concurrencyLimit({name, total, perKey})``
        in TypeScript code does: runs holding it (their task's ``concurrency``, or a
        trigger's ``concurrency`` option) start only while fewer than ``total`` of them
        execute. It is listed by ``/api/v1/concurrency-limits`` and can be overridden and
        paused there. ``per_key`` is recorded (not enforced).

        Raises:
            TypeError: The name is not a str.
            ValueError: A bad name (1-122 letters, digits, ``_``, ``-``) or bound.
        """
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        (checked,) = _limit_names("name", name)
        for label, bound in (("total", total), ("per_key", per_key)):
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, int) or not 0 <= bound <= 100000
            ):
                raise ValueError(f"{label} must be an int from 0 to 100000")
        self._registry.declare_limit(checked, total=total, per_key=per_key)
        self._runtime.wake()

    def declare_task(self, task_id: str, *, scheduled: bool = False) -> None:
        """Declare ``task_id`` without a handler, as a task some other worker runs.

        Schedules check declared tasks (see `task`); runs of it behave as runs of any task
        without a handler (the ``unhandled`` option).
        """
        if not isinstance(task_id, str) or not task_id:
            raise ValueError("task_id must be a non-empty string")
        if not isinstance(scheduled, bool):
            raise TypeError("scheduled must be a bool")
        self._registry.declare(task_id, scheduled=scheduled)

    def declare_schedule(
        self,
        task_id: str,
        cron: str,
        *,
        timezone: str | None = None,
        env: str = "dev",
    ) -> str:
        """Give ``task_id`` its ``DECLARATIVE`` schedule, as a deployed task's ``cron`` does
        (``schedules.task({cron})`` in TypeScript): created, or updated in place. The task
        is declared as scheduled if nothing registered it. Returns the schedule id.

        Raises:
            ValueError: The cron or timezone is invalid (the server's message), or the
                environment is unknown.
        """
        from trigger.emulator.scheduling import declare

        if not isinstance(task_id, str) or not task_id:
            raise ValueError("task_id must be a non-empty string")
        if not isinstance(cron, str):
            raise TypeError("cron must be a string")
        if timezone is not None and not isinstance(timezone, str):
            raise TypeError("timezone must be a string (an IANA zone) or None")
        slug = _ENV_ALIASES.get(env)
        if slug is None:
            raise ValueError(f"env must be one of {sorted(_ENV_ALIASES)}, got {env!r}")
        if self._registry.get(task_id) is None and task_id not in self._registry.declared_ids():
            self._registry.declare(task_id, scheduled=True)
        schedule = declare(self._state, self._project.envs[slug], task_id, cron, timezone=timezone)
        return schedule.friendly_id

    def declared_task_ids(self) -> list[str]:
        """The ids of the tasks declared without a handler (`declare_task`)."""
        return self._registry.declared_ids()

    def define_prompt(
        self,
        slug: str,
        content: str,
        *,
        env: str = "dev",
        description: str | None = None,
        model: str | None = None,
        config: Mapping[str, Any] | None = None,
        variable_schema: Mapping[str, Any] | None = None,
    ) -> int:
        """Define a prompt in an environment, as deploying code with ``prompts.define`` does.

        The first definition creates the prompt and its version 1; defining it again with
        another ``content``, ``model`` or ``config`` adds a version that becomes
        ``current`` (and ``latest``), while an unchanged definition adds nothing. An
        override written through the API still resolves first. `reset` forgets prompts.

        Args:
            slug: The prompt's id in code, e.g. ``"support-reply"``.
            content: The template text, with ``{{name}}`` placeholders.
            env: ``dev``, ``stg``, ``prod`` or ``preview``.
            description: What the prompt is for.
            model: The model it runs with, e.g. ``"gpt-4o-mini"``.
            config: Model settings kept with it (a JSON object).
            variable_schema: The JSON schema of its variables.

        Returns:
            The number of the version this definition is (new or unchanged).
        """
        from trigger.emulator.prompting import define_prompt, environment

        _, version, _ = define_prompt(
            self._state,
            environment(self._state, env),
            slug,
            content,
            description=description,
            model=model,
            config=config,
            variable_schema=variable_schema,
        )
        return version.version

    def unregister(self, task_id: str) -> None:
        """Forget the handler (or declaration) of ``task_id``."""
        self._registry.unregister(task_id)

    def task_ids(self) -> list[str]:
        """The ids of the tasks with a registered handler."""
        return self._registry.ids()

    def concurrency_limit_names(self) -> list[str]:
        """The named limits declared (`declare_concurrency_limit`), sorted."""
        return sorted(self._registry.named_limits())

    def forget_concurrency_limit(self, name: str) -> None:
        """Forget a named limit's declaration (runs holding it are no longer gated by it)."""
        self._registry.forget_limit(name)
        self._runtime.wake()

    def reset(self) -> None:
        """Forget every run, queue and recorded request; keys and handlers stay, the
        faults go back to the ones the emulator started with (`Faults.reset`), and a virtual
        clock to its start time and mode."""
        self._state.reset()

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """The API requests received (oldest first), optionally by path prefix and method.

        Each is ``{"method", "path", "query", "headers", "body", "status", "at", ...}``;
        JSON bodies are parsed, NDJSON bodies are lists, keys are redacted.
        """
        return self._state.requests.items(path, method)

    def run(self, run_id: str, env: str = "dev") -> dict[str, Any] | None:
        """A run as ``GET /api/v3/runs/{id}`` shows it (current statuses), or ``None``."""
        environment = self._project.envs[_ENV_ALIASES.get(env, env)]
        stored = self._store.get_run(environment.id, run_id)
        return self._shown(stored) if stored is not None else None

    def wait_for_run(
        self, run_id: str, *, timeout: float = 10.0, env: str = "dev"
    ) -> dict[str, Any]:
        """Wait until a run is final; the run as `run` shows it.

        Raises:
            TimeoutError: It is not final after ``timeout`` seconds.
        """
        environment = self._project.envs[_ENV_ALIASES.get(env, env)]
        deadline = time.monotonic() + timeout
        while True:
            stored = self._store.get_run(environment.id, run_id)
            if stored is not None and stored.is_final:
                return self._shown(stored)
            if time.monotonic() >= deadline:
                status = stored.status if stored else "unknown"
                raise TimeoutError(f"run {run_id} is still {status} after {timeout} s")
            time.sleep(0.005)

    def _shown(self, run: RunState) -> dict[str, Any]:
        from trigger.emulator.routes.runs import retrieve_body

        return retrieve_body(self._state, run, "2025-07-16")

    def __repr__(self) -> str:
        return f"Emulator(url={self._url!r}, project_ref={self._project.ref!r})"


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
