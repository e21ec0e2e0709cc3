"""Waitpoints at run time: tokens created and completed, timers fired, handlers that wait.

`WaitpointService` does every waitpoint change in one store transaction each (engine
functions of `engine.waitpoints`, rows of `store_waitpoints`): create a token (idempotency
key, TTL, timeout, tags), complete it (through the API, its callback URL, or its timeout on
the emulator's clock), and block or resume the runs waiting on it. The runtime calls
`fire_due` and `next_due` on each step, so timeouts follow the one `Clock`.

A handler waits through ``ctx.wait`` (a `TaskWait`):

    @emulator.task("approve")
    async def approve(payload, ctx):
        token = ctx.wait.create_token(timeout="1h")
        result = await ctx.wait.for_token(token)       # the run shows WAITING meanwhile
        return result.unwrap()                          # raises WaitpointTimeoutError on timeout

    @emulator.task("approve-sync")
    def approve_sync(payload, ctx):
        result = ctx.wait.for_token_sync(payload["token"])
        return result.output if result.ok else None

The result is the official SDK's ``wait.forToken`` result: ``ok`` and ``output``, or ``ok``
false and ``error`` (a `WaitpointTimeoutError`) when the token timed out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from trigger.emulator.clock import Clock
from trigger.emulator.durations import natural_duration_ms
from trigger.emulator.engine import waitpoints as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.waitpoints import WaitpointState
from trigger.emulator.ids import IdGenerator, split_friendly_id
from trigger.emulator.project import Environment, Project
from trigger.emulator.store import Store
from trigger.emulator.store_waitpoints import RunWait, WaitpointTable

__all__ = [
    "CreatedToken",
    "TaskWait",
    "TokenResult",
    "WaitCanceled",
    "WaitpointService",
    "WaitpointTimeoutError",
    "callback_hash",
]

_SHORT_WAIT_MS = 60_000
"""Timed waits shorter than this keep their run ``EXECUTING`` and its queue slot, as the
server checkpoints a run only 60 s into a ``wait.for``."""
_POLL_S = 0.05
"""How often a waiting sync handler checks that its run is still alive."""
_ACTIVE = ("EXECUTING", "WAITING_TO_RESUME")

Deliver = Callable[["TokenResult"], None]


class WaitpointTimeoutError(Exception):
    """The token a handler waited on timed out (``result.error``, or raised by ``unwrap``)."""


class WaitCanceled(Exception):
    """The run stopped (canceled, timed out, or the emulator reset) while its handler waited."""


@dataclasses.dataclass(frozen=True)
class TokenResult:
    """What waiting on a token gives: ``ok`` and ``output``, or the timeout ``error``."""

    ok: bool
    """Whether the token was completed (``False``: it timed out)."""
    output: Any = None
    """The data it was completed with (``None`` without data or on timeout)."""
    error: WaitpointTimeoutError | None = None
    """The timeout, when ``ok`` is false."""

    def unwrap(self) -> Any:
        """The output; raises the `WaitpointTimeoutError` when the token timed out."""
        if self.error is not None:
            raise self.error
        return self.output


@dataclasses.dataclass(frozen=True)
class CreatedToken:
    """A token created by a handler (``ctx.wait.create_token``); the URL is a credential."""

    id: str
    """``waitpoint_…``: give it to ``ctx.wait.for_token``."""
    url: str = dataclasses.field(repr=False)
    """The callback URL: a POST to it completes the token without a key."""
    is_cached: bool = False
    """Whether its idempotency key returned an existing token."""


def callback_hash(waitpoint_id: str, api_key: str) -> str:
    """The callback URL's hash: hex HMAC-SHA256 of the internal id, keyed by the env's key."""
    return hmac.new(
        api_key.encode("utf-8"), waitpoint_id.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def decode_output(waitpoint: WaitpointState) -> Any:
    """A completed waitpoint's output as the waiting handler receives it."""
    if waitpoint.output is None:
        return None
    if waitpoint.output_type in ("application/json", "application/super+json"):
        try:
            value = json.loads(waitpoint.output)
        except ValueError:
            return waitpoint.output
        if waitpoint.output_type == "application/super+json" and isinstance(value, dict):
            return value.get("json")
        return value
    return waitpoint.output


def result_of(waitpoint: WaitpointState) -> TokenResult:
    """The `TokenResult` of a completed waitpoint."""
    value = decode_output(waitpoint)
    if waitpoint.output_is_error:
        message = value.get("message") if isinstance(value, dict) else None
        return TokenResult(ok=False, error=WaitpointTimeoutError(str(message or value)))
    return TokenResult(ok=True, output=value)


class WaitpointService:
    """Waitpoint changes and the handlers waiting on them (thread-safe).

    Args:
        store: The emulator's store.
        clock: The one clock.
        project: The project (its keys sign callback URLs).
        wake: Makes the runtime look at the store again (a slot freed, a timer added).
    """

    def __init__(
        self, store: Store, clock: Clock, project: Project, wake: Callable[[], None]
    ) -> None:
        self.store = store
        self.table = WaitpointTable(store)
        self.clock = clock
        self.project = project
        self.wake = wake
        self._waiters: dict[tuple[str, str], Deliver] = {}
        # The waits a handler is blocked in (registered and not yet delivered or forgotten):
        # such a handler does not count as running when a virtual clock looks for idleness.
        self._parked: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._ids: IdGenerator | None = None
        self._base_url: Callable[[], str] = lambda: ""

    def bind(self, ids: IdGenerator, base_url: Callable[[], str]) -> None:
        """Give the service the emulator's id generator and URL (for handler-made tokens)."""
        self._ids = ids
        self._base_url = base_url

    # -- tokens -----------------------------------------------------------------------------

    def callback_url(self, waitpoint: WaitpointState, base_url: str) -> str:
        """The token's callback URL under ``base_url``."""
        env = self.project.env_by_id(waitpoint.env_id)
        digest = callback_hash(waitpoint.id, env.api_key if env else "")
        return f"{base_url}/api/v1/waitpoints/tokens/{waitpoint.friendly_id}/callback/{digest}"

    def create_token(
        self,
        env: Environment,
        ids: IdGenerator,
        *,
        idempotency_key: str | None = None,
        key_ttl_ms: int | None = None,
        timeout_at: int | None = None,
        tags: Sequence[str] = (),
    ) -> tuple[WaitpointState, bool]:
        """Create a token, or find the live one holding ``idempotency_key``: ``(token, cached)``."""
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            if idempotency_key:
                existing = self.table.by_key(env.id, idempotency_key)
                if existing is not None:
                    if not engine.key_expired(existing, now):
                        return existing, True
                    self.table.update(conn, engine.rotate_key(existing, ids.token(24)))
            internal = ids.cuid()
            token = WaitpointState(
                id=internal,
                friendly_id=f"waitpoint_{internal}",
                env_id=env.id,
                created_at=now,
                idempotency_key=idempotency_key or ids.token(24),
                user_provided_key=bool(idempotency_key),
                idempotency_key_expires_at=now + key_ttl_ms if key_ttl_ms is not None else None,
                completed_after=timeout_at,
                fire_at=timeout_at,
                tags=tuple(tags),
            )
            self.table.insert(conn, token)
        if timeout_at is not None:
            self.wake()
        return token, False

    def complete(
        self,
        env_id: str,
        waitpoint_id: str,
        output: str | None,
        output_type: str | None,
        *,
        is_error: bool = False,
    ) -> WaitpointState | None:
        """Complete a token (a no-op when it is already completed); ``None`` if unknown.

        ``is_error``: the output is an error (a cancelled webhook waiter's), not data.
        """
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            token = self.table.get(waitpoint_id, env_id)
            if token is None or not token.is_pending:
                return token
            done = engine.complete(token, now, output, output_type, is_error=is_error)
            self.table.update(conn, done)
            deliveries = self._release(conn, done, now)
        self._deliver(deliveries)
        return done

    # -- timers -----------------------------------------------------------------------------

    def fire_due(self, now: int) -> None:
        """Complete every waitpoint whose timer is due (timeouts, timed waits)."""
        due = self.table.due(now)
        if not due:
            return
        deliveries: list[tuple[str, WaitpointState]] = []
        with self.store.transaction() as conn:
            for waitpoint in due:
                fired = engine.fire(waitpoint, now)
                if fired is waitpoint:
                    continue
                self.table.update(conn, fired)
                deliveries.extend(self._release(conn, fired, now))
        self._deliver(deliveries)

    def next_due(self) -> int | None:
        """The next waitpoint timer (Unix ms)."""
        return self.table.next_due()

    def step(self, now: int) -> int | None:
        """The runtime's step hook: fire what is due, answer the next timer."""
        next_due = self.next_due()
        if next_due is None or next_due > now:
            return next_due  # nothing due: one indexed read
        self.fire_due(now)
        return self.next_due()

    # -- runs -------------------------------------------------------------------------------

    def _release(
        self, conn: Any, waitpoint: WaitpointState, now: int
    ) -> list[tuple[str, WaitpointState]]:
        """Unblock the runs waiting on a completed waitpoint (inside a transaction)."""
        out: list[tuple[str, WaitpointState]] = []
        for wait in self.table.waits_on(waitpoint.id):
            self.table.remove_wait(conn, waitpoint.id, wait.run_id)
            run = self.store.get_run_by_id(wait.run_id)
            if run is None or run.status not in _ACTIVE:
                continue  # canceled or finished while waiting: nobody to tell
            out.append((wait.run_id, waitpoint))
            if run.status == "WAITING_TO_RESUME" and not self.table.waits_of(run.id):
                resumed = engine.resume_run(run, now, wait.deadline_left_ms)
                self.store.update_run(conn, resumed, run)
        return out

    def parked(self) -> int:
        """How many handlers are blocked in a wait."""
        with self._lock:
            return len(self._parked)

    def _deliver(self, deliveries: Sequence[tuple[str, WaitpointState]]) -> None:
        for run_id, waitpoint in deliveries:
            with self._lock:
                deliver = self._waiters.pop((run_id, waitpoint.id), None)
                self._parked.discard((run_id, waitpoint.id))
            if deliver is not None:
                deliver(result_of(waitpoint))

    def block(
        self,
        run_id: str,
        waitpoint_id: str,
        deliver: Deliver,
        *,
        fire_at: int | None = None,
        hold_slot: bool = False,
    ) -> TokenResult | None:
        """Make a run wait on a waitpoint; its result now if already completed, else ``None``
        (``deliver`` is called with it later, from the thread that completes the waitpoint).

        Raises:
            LookupError: No such waitpoint in the run's environment.
            WaitCanceled: The run is no longer executing.
        """
        key = (run_id, waitpoint_id)
        with self._lock:
            # Registered before the transaction: a completion committed after it finds both
            # the wait row and this callback; one committed before is seen below.
            self._waiters[key] = deliver
        try:
            outcome = self._block(run_id, waitpoint_id, fire_at, hold_slot)
        except BaseException:
            self.forget(run_id, waitpoint_id)
            raise
        if outcome is not None:
            self.forget(run_id, waitpoint_id)
        else:
            with self._lock:
                if key in self._waiters:  # not delivered meanwhile
                    self._parked.add(key)
            self.wake()
        return outcome

    def _block(
        self, run_id: str, waitpoint_id: str, fire_at: int | None, hold_slot: bool
    ) -> TokenResult | None:
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            run = self.store.get_run_by_id(run_id)
            if run is None or run.status not in _ACTIVE:
                raise WaitCanceled(f"run_{run_id} is not executing")
            token = self.table.get(waitpoint_id, run.env_id)
            if token is None:
                raise LookupError(f"no waitpoint waitpoint_{waitpoint_id} in the run's environment")
            if fire_at is not None and token.is_pending:
                token = msgspec.structs.replace(token, fire_at=fire_at)
                self.table.update(conn, token)
            if not token.is_pending:
                return result_of(token)
            earlier = self.table.waits_of(run_id)
            if earlier:
                blocked_at, left = earlier[0].blocked_at, earlier[0].deadline_left_ms
            else:
                deadline = run.attempt_deadline
                blocked_at, left = now, (deadline - now if deadline is not None else None)
            self.table.add_wait(
                conn,
                RunWait(
                    waitpoint_id=waitpoint_id,
                    run_id=run_id,
                    blocked_at=blocked_at,
                    deadline_left_ms=left,
                ),
            )
            if not hold_slot:
                blocked = engine.block_run(run, now)
                if blocked is not run:
                    self.store.update_run(conn, blocked, run)
        return None

    def forget(self, run_id: str, waitpoint_id: str) -> None:
        """Drop a waiting handler's callback (it stopped waiting)."""
        with self._lock:
            self._waiters.pop((run_id, waitpoint_id), None)
            self._parked.discard((run_id, waitpoint_id))

    def timed_wait(self, run_id: str, ids: IdGenerator, duration_ms: int) -> str:
        """A ``DATETIME`` waitpoint completing ``duration_ms`` from now, for a run to wait on."""
        now = self.clock.now_ms()
        run = self.store.get_run_by_id(run_id)
        if run is None:
            raise WaitCanceled(f"run_{run_id} is gone")
        internal = ids.cuid()
        waitpoint = WaitpointState(
            id=internal,
            friendly_id=f"waitpoint_{internal}",
            env_id=run.env_id,
            created_at=now,
            idempotency_key=ids.token(24),
            type="DATETIME",
            completed_after=now + duration_ms,
            fire_at=now + duration_ms,
        )
        with self.store.transaction() as conn:
            self.table.insert(conn, waitpoint)
        return internal

    def run_active(self, run_id: str) -> bool:
        """Whether the run is still executing or waiting (a sync waiter keeps waiting)."""
        try:
            run = self.store.get_run_by_id(run_id)
        except sqlite3.Error:
            return False  # the emulator stopped and closed its store
        return run is not None and run.status in _ACTIVE

    def recover(self) -> None:
        """After a restart: waiting runs lost their handler, so they go back to the queue."""
        now = self.clock.now_ms()
        with self.store.transaction() as conn:
            # No handler survived the restart, so no recorded wait is anyone's any more.
            self.table.remove_all_waits(conn)
            for run in self.store.runs_in_status("WAITING_TO_RESUME"):
                requeued = msgspec.structs.replace(
                    run,
                    status="PENDING",
                    queued_at=now,
                    updated_at=max(now, run.updated_at),
                    attempt_started_at=None,
                    attempt_deadline=None,
                )
                self.store.update_run(conn, requeued, run)

    # -- for TaskWait -----------------------------------------------------------------------

    def handler_ids(self) -> IdGenerator:
        """The emulator's id generator (bound at start)."""
        if self._ids is None:
            raise RuntimeError("the waitpoint service is not bound to an emulator")
        return self._ids

    def handler_base_url(self) -> str:
        """The emulator's URL."""
        return self._base_url()


def _token_id(token: object) -> str:
    value: object = token
    if isinstance(token, Mapping):
        value = token.get("id")
    elif not isinstance(token, str):
        value = getattr(token, "id", None)
    if not isinstance(value, str) or split_friendly_id(value, "waitpoint") is None:
        # The value is not echoed: it may be a callback URL, whose hash is a credential.
        raise ValueError(
            "token must be a waitpoint token id ('waitpoint_…') or an object with that id, "
            f"got a {type(token).__name__} that is not one"
        )
    return value


def _duration_ms(name: str, value: object, now: int) -> int:
    """A wait length or timeout in ms from now: seconds, timedelta, ``"1h30m"``, datetime."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be seconds, a timedelta, a duration string or a datetime")
    if isinstance(value, (int, float)):
        if value != value or value < 0 or value == float("inf"):
            raise ValueError(f"{name} must be a finite number of seconds, at least 0")
        return round(value * 1000)
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"{name} must not be negative")
        return round(value.total_seconds() * 1000)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be an aware datetime (with a timezone)")
        return max(0, round(value.timestamp() * 1000) - now)
    if isinstance(value, str):
        parsed = natural_duration_ms(value)
        if parsed is None:
            raise ValueError(
                f"{name} must be a duration such as '30s', '5m' or '1h30m', got {value!r}"
            )
        return parsed
    raise TypeError(f"{name} must be seconds, a timedelta, a duration string or a datetime")


class TaskWait:
    """Waits for a handler: ``ctx.wait`` (tokens, and timed waits on the emulator's clock).

    Async handlers ``await`` `for_token` and `for_seconds`; sync handlers call the
    ``_sync`` variants, which block their worker thread.
    """

    def __init__(self, service: WaitpointService, run: RunState) -> None:
        self._service = service
        self._run_id = run.id
        self._env_id = run.env_id

    def __repr__(self) -> str:
        return f"TaskWait(run_id='run_{self._run_id}')"

    # -- tokens -----------------------------------------------------------------------------

    def create_token(
        self,
        *,
        timeout: float | timedelta | str | datetime | None = None,
        idempotency_key: str | None = None,
        idempotency_key_ttl: float | timedelta | str | None = None,
        tags: Sequence[str] = (),
    ) -> CreatedToken:
        """Create a waitpoint token in the run's environment (``wait.createToken``).

        Args:
            timeout: When it times out: seconds, a timedelta, a duration (``"1h"``) or an
                aware datetime; ``None``: never.
            idempotency_key: Return the live token created with this key instead.
            idempotency_key_ttl: How long the key deduplicates (``None``: forever).
            tags: Up to 10 tags.
        """
        service = self._service
        if idempotency_key is not None and not isinstance(idempotency_key, str):
            raise TypeError("idempotency_key must be a string")
        if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
            raise TypeError("tags must be a sequence of strings")
        if len(tags) > 10:
            raise ValueError(f"tags: a token can have at most 10 tags, got {len(tags)}")
        now = service.clock.now_ms()
        timeout_at = None if timeout is None else now + _duration_ms("timeout", timeout, now)
        ttl = (
            None
            if idempotency_key_ttl is None
            else _duration_ms("idempotency_key_ttl", idempotency_key_ttl, now)
        )
        env = service.project.env_by_id(self._env_id)
        if env is None:
            raise WaitCanceled(f"run_{self._run_id}'s environment is gone")
        token, cached = service.create_token(
            env,
            service.handler_ids(),
            idempotency_key=idempotency_key,
            key_ttl_ms=ttl,
            timeout_at=timeout_at,
            tags=tags,
        )
        url = service.callback_url(token, service.handler_base_url())
        return CreatedToken(id=token.friendly_id, url=url, is_cached=cached)

    def _timeout_at(self, timeout: object) -> int | None:
        if timeout is None:
            return None
        now = self._service.clock.now_ms()
        return now + _duration_ms("timeout", timeout, now)

    async def _wait_async(self, waitpoint_id: str, fire_at: int | None, hold: bool) -> TokenResult:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[TokenResult] = loop.create_future()

        def deliver(result: TokenResult) -> None:
            def settle() -> None:
                if not future.done():
                    future.set_result(result)

            loop.call_soon_threadsafe(settle)

        now = self._service.block(
            self._run_id, waitpoint_id, deliver, fire_at=fire_at, hold_slot=hold
        )
        if now is not None:
            return now
        try:
            return await future
        finally:
            self._service.forget(self._run_id, waitpoint_id)

    def _wait_sync(self, waitpoint_id: str, fire_at: int | None, hold: bool) -> TokenResult:
        arrived = threading.Event()
        box: list[TokenResult] = []

        def deliver(result: TokenResult) -> None:
            box.append(result)
            arrived.set()

        now = self._service.block(
            self._run_id, waitpoint_id, deliver, fire_at=fire_at, hold_slot=hold
        )
        if now is not None:
            return now
        try:
            while not arrived.wait(_POLL_S):
                if not self._service.run_active(self._run_id):
                    raise WaitCanceled(f"run_{self._run_id} stopped while it waited")
            return box[0]
        finally:
            self._service.forget(self._run_id, waitpoint_id)

    @staticmethod
    def _require_loop(method: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                f"ctx.wait.{method}() is for async handlers; a sync handler calls "
                f"ctx.wait.{method}_sync()"
            ) from None

    def for_token(
        self, token: object, *, timeout: float | timedelta | str | datetime | None = None
    ) -> Coroutine[Any, Any, TokenResult]:
        """Wait until a token is completed or times out (``wait.forToken``); await it.

        The run shows ``WAITING`` (``isWaiting``) until then and holds no queue slot.

        Args:
            token: The token id (``waitpoint_…``) or an object with it (``.id`` or ``["id"]``).
            timeout: Time the token out after this (seconds, timedelta, duration or
                datetime) if nothing completes it first; ``None``: its own timeout.

        Returns:
            An awaitable of the `TokenResult`.
        """
        self._require_loop("for_token")
        internal = split_friendly_id(_token_id(token), "waitpoint") or ""
        return self._wait_async(internal, self._timeout_at(timeout), False)

    def for_token_sync(
        self, token: object, *, timeout: float | timedelta | str | datetime | None = None
    ) -> TokenResult:
        """`for_token` for sync handlers: blocks until the token completes or times out.

        Raises:
            WaitCanceled: The run was canceled (or timed out) while waiting.
        """
        internal = split_friendly_id(_token_id(token), "waitpoint") or ""
        return self._wait_sync(internal, self._timeout_at(timeout), False)

    # -- timed waits ------------------------------------------------------------------------

    def _timed(self, duration: object) -> tuple[str, bool]:
        service = self._service
        ms = _duration_ms("duration", duration, service.clock.now_ms())
        return service.timed_wait(self._run_id, service.handler_ids(), ms), ms < _SHORT_WAIT_MS

    def for_seconds(self, duration: float | timedelta | str) -> Coroutine[Any, Any, None]:
        """Wait on the emulator's clock (``wait.for``); await it.

        Waits under 60 s keep the run ``EXECUTING`` with its queue slot; longer ones show
        ``WAITING`` and free the slot, as the server checkpoints a run 60 s into a wait.
        """
        self._require_loop("for_seconds")
        waitpoint_id, hold = self._timed(duration)

        async def wait() -> None:
            await self._wait_async(waitpoint_id, None, hold)

        return wait()

    def for_seconds_sync(self, duration: float | timedelta | str) -> None:
        """`for_seconds` for sync handlers (blocks until the clock passes the instant)."""
        waitpoint_id, hold = self._timed(duration)
        self._wait_sync(waitpoint_id, None, hold)
