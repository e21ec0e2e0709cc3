"""Schedules that fire: each write keeps its registration, and a step hook fires them.

Each schedule has one registration, its next occurrence (the server's worker job,
``internal-packages/schedule-engine``). Creating a schedule registers the first occurrence
after now; an upsert that changes the cron, timezone or window (or moves the schedule to
another environment) registers again; activating and deactivating change nothing here (an
inactive schedule's occurrences come and are skipped, as on the server); deleting drops it.

`ScheduleFiring.step` runs at every step of the runtime: one index read while nothing is
due; when occurrences are due, one transaction fires them all, each triggering a run of the
schedule's task with the server's payload (``application/super+json``), created at the
occurrence's nominal time and naming the schedule, and registers the next occurrence.

Where the emulator differs from a deployed server, on purpose:

- A development environment's schedules fire as if ``trigger dev`` were connected (the
  server skips them while no dev worker is).
- Cron spread is off, the server's default (``SCHEDULE_WORKER_CRON_SPREAD_FRACTION=0``):
  an occurrence fires at its nominal time; ``nextRunEffectiveAt`` still shows the shifted
  time the server computes. The server's worker also starts a job up to 30 s early
  (``SCHEDULE_WORKER_DISTRIBUTION_WINDOW_SECONDS``) to spread load; the emulator does not.
"""

from __future__ import annotations

import logging
from typing import Any

from trigger.emulator.engine import cron
from trigger.emulator.engine import schedules as engine
from trigger.emulator.engine.schedules import ScheduleError, ScheduleState
from trigger.emulator.project import Environment
from trigger.emulator.shapes_schedules import timezones
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_schedules import ScheduleStore
from trigger.emulator.triggering import TriggerError, trigger_run

__all__ = ["CRON_SPREAD", "ScheduleFiring", "declare", "phase_secret", "save"]

logger = logging.getLogger("trigger.emulator")

CRON_SPREAD = False
"""Whether occurrences fire at their effective (phase-shifted) time: the server's cron
spread, off by default there."""

_CHUNK = 500
"""Occurrences fired per transaction (a later step at the same instant takes the rest)."""

_PAYLOAD_TYPE = "application/super+json"


def phase_secret(state: EmulatorState) -> str:
    """The secret of the per-schedule phase (the server's ``ENCRYPTION_KEY``): the
    project's id, stable for the emulator's life and its database."""
    return state.project.id


def save(state: EmulatorState, conn: Any, old: ScheduleState | None, new: ScheduleState) -> bool:
    """Store an upserted schedule inside ``conn``'s transaction, registering its next
    occurrence when it is new or its timing changed (otherwise the registration stands).

    Returns whether the schedule is registered: ``False`` when its cron never matches, for
    which the server answers 500 after storing the schedule.
    """
    ScheduleStore.put(conn, new)
    if old is not None and not engine.timing_changed(old, new):
        return True
    now = state.now_ms()
    registration = engine.register(
        new,
        after=now,
        now=now,
        secret=phase_secret(state),
        last=engine.derived_last(new, now),
        spread=CRON_SPREAD,
    )
    ScheduleStore.register(conn, new.id, registration)
    return registration is not None


def declare(
    state: EmulatorState,
    env: Environment,
    task: str,
    cron_expression: str,
    *,
    timezone: str | None = None,
    window: str | None = None,
) -> ScheduleState:
    """Give ``task`` its own ``DECLARATIVE`` schedule in ``env``, as a worker sync does
    (``schedules.task({cron})`` in TypeScript): created, or updated in place.

    Raises:
        ValueError: The cron, timezone or window is invalid (the server's message).
    """
    _, parsed_window = engine.check(
        cron_expression,
        timezone,
        window,
        frozenset(timezones()),
        state.url or "http://localhost:3030",
    )
    try:
        description = cron.describe(cron_expression)
    except ValueError:
        description = cron_expression
    schedules = ScheduleStore(state.store)
    with state.store.transaction() as conn:
        existing = schedules.declarative(env.id, task)
        schedule = engine.declare(
            existing,
            internal_id=state.ids.cuid(),
            friendly_id=f"sched_{state.ids.token(21)}",
            env_id=env.id,
            task=task,
            cron_expression=cron_expression,
            description=description,
            deduplication_key=state.ids.cuid(),
            tz=timezone,
            window=parsed_window,
            now=state.now_ms(),
        )
        if not save(state, conn, existing, schedule):
            raise ScheduleError(f"the cron expression {cron_expression!r} never matches")
    state.runtime.wake()
    return schedule


class ScheduleFiring:
    """The runtime's schedule work (a step hook): fire what is due, say when next."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._recovered = False

    def step(self, now: int) -> int | None:
        """Fire every occurrence due at ``now``; the next fire time (Unix ms).

        After firing it answers ``now``: the runs just triggered start in another step at
        this same instant, before a virtual clock moves on.
        """
        schedules = ScheduleStore(self.state.store)
        if not self._recovered:
            self._recover(schedules, now)
        soonest = schedules.next_fire_at()
        if soonest is None or soonest > now:
            return soonest
        self._fire_due(schedules, now)
        return now

    def _recover(self, schedules: ScheduleStore, now: int) -> None:
        # Schedules stored without a registration (by an emulator that did not fire them)
        # get one, as the server's recovery registers instances that lost their job.
        self._recovered = True
        missing = schedules.unregistered()
        if not missing:
            return
        secret = phase_secret(self.state)
        with self.state.store.transaction() as conn:
            for schedule in missing:
                registration = engine.register(
                    schedule,
                    after=now,
                    now=now,
                    secret=secret,
                    last=engine.derived_last(schedule, now),
                    spread=CRON_SPREAD,
                )
                ScheduleStore.register(conn, schedule.id, registration)

    def _fire_due(self, schedules: ScheduleStore, now: int) -> None:
        state = self.state
        secret = phase_secret(state)
        with state.store.transaction() as conn:
            for schedule, registration in schedules.due(now, _CHUNK):
                fired = engine.fire(schedule, registration, now, secret, spread=CRON_SPREAD)
                if fired.payload is not None:
                    self._trigger(schedule, registration.nominal, fired.payload)
                ScheduleStore.register(conn, schedule.id, fired.registration)

    def _trigger(self, schedule: ScheduleState, nominal: int, payload: dict[str, Any]) -> None:
        env = self.state.project.env_by_id(schedule.env_id)
        if env is None:
            return
        # The server triggers with only the payload and its type: the task's own queue, no
        # tags, no idempotency key (and in dev the default 10-minute TTL).
        body = {
            "payload": engine.payload_packet(payload),
            "options": {"payloadType": _PAYLOAD_TYPE},
        }
        try:
            trigger_run(
                self.state,
                env,
                schedule.task,
                body,
                schedule_id=schedule.friendly_id,
                created_at=nominal,
            )
        except TriggerError as error:
            # The server logs a failed scheduled trigger and moves on to the next occurrence.
            logger.warning(
                "schedule %s could not trigger %s: %s",
                schedule.friendly_id,
                schedule.task,
                error.message,
            )
