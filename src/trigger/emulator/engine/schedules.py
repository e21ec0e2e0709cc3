"""Schedules: validation, upserts, timings and the payload of a fired run, as pure functions.

A schedule belongs to the project and has one instance per environment; through the API a
schedule always lives in the caller's environment (an upsert from another environment moves
it there, as the server's upsert deletes the instances it was not given). Times are Unix ms.

Firing (a later step) needs only `due`, `advance` and `fired_payload`: the runtime asks the
store for schedules whose ``next_run_at`` has passed, triggers a run with `fired_payload`,
and stores `advance`'s result.
"""

from __future__ import annotations

from typing import Any

import msgspec

from trigger.emulator.engine import cron
from trigger.emulator.engine.cron import ScheduleWindow

__all__ = [
    "ScheduleError",
    "ScheduleState",
    "Timing",
    "advance",
    "check",
    "create",
    "due",
    "fired_payload",
    "timing",
    "update",
]


class ScheduleError(ValueError):
    """A semantic refusal: answered 422 ``{"error": message}``."""


class ScheduleState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything stored about one schedule (times in Unix ms)."""

    id: str
    """Internal id."""
    friendly_id: str
    env_id: str
    task: str
    cron: str
    description: str
    deduplication_key: str
    user_provided_key: bool
    timezone: str = "UTC"
    external_id: str | None = None
    window_kind: str | None = None
    window_amount: int | None = None
    type: str = "IMPERATIVE"
    active: bool = True
    created_at: int = 0
    updated_at: int = 0
    last_run_at: int | None = None
    """The nominal time of the last fired occurrence (for ``lastTimestamp``)."""

    @property
    def window(self) -> ScheduleWindow | None:
        """The stored window, if any."""
        if self.window_kind is None or self.window_amount is None:
            return None
        return ScheduleWindow(self.window_kind, self.window_amount)


class Timing(msgspec.Struct, frozen=True):
    """The next occurrence: nominal and effective (shifted) times."""

    nominal: int
    effective: int


def check(
    cron_expression: str,
    tz: str | None,
    window: str | None,
    timezones: frozenset[str],
    origin: str,
) -> tuple[cron.CronFields, cron.ScheduleWindow | None]:
    """Validate in the server's order: cron, timezone, window (SERVER.md §5.1).

    ``origin`` is the server's own URL, named in the timezone message.

    Raises:
        ScheduleError: With the server's 422 message.
    """
    try:
        fields = cron.parse(cron_expression)
    except cron.CronError as error:
        raise ScheduleError(f"Invalid cron expression: {error}") from None
    if tz and tz not in timezones:
        raise ScheduleError(
            f"Invalid IANA timezone: '{tz}'. View the list of valid timezones at {origin}/timezones"
        )
    parsed_window = None
    if window is not None:
        try:
            parsed_window = cron.parse_window(window)
        except ValueError as error:
            raise ScheduleError(str(error)) from None
    return fields, parsed_window


def _window_fields(window: cron.ScheduleWindow | None) -> dict[str, Any]:
    if window is None:
        return {"window_kind": None, "window_amount": None}
    return {"window_kind": window.kind, "window_amount": window.amount}


def create(
    *,
    internal_id: str,
    friendly_id: str,
    env_id: str,
    task: str,
    cron_expression: str,
    description: str,
    deduplication_key: str,
    user_provided_key: bool,
    tz: str | None,
    external_id: str | None,
    window: cron.ScheduleWindow | None,
    now: int,
) -> ScheduleState:
    """A new ``IMPERATIVE`` schedule in ``env_id``."""
    return ScheduleState(
        id=internal_id,
        friendly_id=friendly_id,
        env_id=env_id,
        task=task,
        cron=cron_expression,
        description=description,
        deduplication_key=deduplication_key,
        user_provided_key=user_provided_key,
        timezone=tz or "UTC",
        external_id=external_id or None,
        created_at=now,
        updated_at=now,
        **_window_fields(window),
    )


def update(
    schedule: ScheduleState,
    *,
    env_id: str,
    cron_expression: str,
    description: str,
    tz: str | None,
    external_id: str | None,
    window: cron.ScheduleWindow | None,
    now: int,
) -> ScheduleState:
    """Apply an upsert to an existing schedule.

    As on the server: the task is not changed, a missing timezone resets to ``UTC``, a
    missing external id clears it, and the schedule moves to the caller's environment.

    Raises:
        ScheduleError: The schedule is ``DECLARATIVE``.
    """
    if schedule.type == "DECLARATIVE":
        raise ScheduleError("Cannot update a declarative schedule")
    return msgspec.structs.replace(
        schedule,
        env_id=env_id,
        cron=cron_expression,
        description=description,
        timezone=tz or "UTC",
        external_id=external_id or None,
        updated_at=max(now, schedule.updated_at),
        **_window_fields(window),
    )


def timing(
    schedule: ScheduleState, now: int, secret: str, *, list_view: bool = False
) -> Timing | None:
    """The next occurrence after ``now``, or ``None`` when it cannot be computed.

    The list presenter spreads a window-less occurrence over one minute after it; the other
    presenters over the interval to the real next occurrence (the same for intervals of a
    minute or more).
    """
    try:
        fields = cron.parse(schedule.cron)
        window = schedule.window
        count = 1 if (list_view and window is None) else 2
        times = cron.next_times(fields, schedule.timezone, now, count)
    except (cron.CronError, ValueError, KeyError, StopIteration):
        return None
    nominal = times[0]
    following = times[1] if len(times) > 1 else nominal + 60_000
    phase = cron.schedule_phase(secret, schedule.env_id, schedule.deduplication_key)
    return Timing(nominal, cron.effective_time(nominal, following, phase, window))


def due(schedule: ScheduleState, now: int, secret: str) -> bool:
    """Whether an active schedule's next effective time after its last run has come."""
    if not schedule.active:
        return False
    base = schedule.last_run_at if schedule.last_run_at is not None else schedule.updated_at
    upcoming = timing(schedule, base, secret)
    return upcoming is not None and upcoming.effective <= now


def advance(schedule: ScheduleState, fired_nominal: int, now: int) -> ScheduleState:
    """Record that the occurrence at ``fired_nominal`` was triggered."""
    return msgspec.structs.replace(
        schedule, last_run_at=fired_nominal, updated_at=max(now, schedule.updated_at)
    )


def fired_payload(schedule: ScheduleState, nominal: int, upcoming: list[int]) -> dict[str, Any]:
    """The payload of a run fired for the occurrence at ``nominal`` (SERVER.md §5.3).

    Dates are Unix ms here; the trigger serializes them with superjson as Dates.
    ``upcoming`` holds the next ten nominal times.
    """
    payload: dict[str, Any] = {
        "scheduleId": schedule.friendly_id,
        "type": schedule.type,
        "timestamp": nominal,
    }
    if schedule.last_run_at is not None:
        payload["lastTimestamp"] = schedule.last_run_at
    if schedule.external_id:
        payload["externalId"] = schedule.external_id
    payload["timezone"] = schedule.timezone
    payload["upcoming"] = list(upcoming)
    return payload
