"""Schedules: validation, upserts, timings, firing and the fired run's payload, pure.

A schedule belongs to the project and has one instance per environment; through the API a
schedule always lives in the caller's environment (an upsert from another environment moves
it there, as the server's upsert deletes the instances it was not given). Times are Unix ms.

Firing follows the server's schedule engine (``internal-packages/schedule-engine``): each
schedule has one `Registration`, the next occurrence it will fire (the server's worker job).
When it falls due, `fire` builds the run's payload (or skips an inactive schedule) and
registers the occurrence after it, chained from the nominal time just handled; an occurrence
that expired while nothing ran (a clock jump, a restart) is not replayed: the chain jumps to
the next one still to come, as `next_occurrence` does on the server.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from trigger.emulator.durations import iso
from trigger.emulator.engine import cron
from trigger.emulator.engine.cron import ScheduleWindow

__all__ = [
    "UPCOMING_COUNT",
    "Fired",
    "Occurrence",
    "Registration",
    "ScheduleError",
    "ScheduleState",
    "Timing",
    "check",
    "create",
    "declare",
    "derived_last",
    "fire",
    "next_occurrence",
    "payload_fields",
    "payload_packet",
    "register",
    "timing",
    "timing_changed",
    "update",
]

UPCOMING_COUNT = 10
"""Dates in a payload's ``upcoming``: the next occurrence and nine more (the server's code;
its schema comment says 5)."""


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
    instance_created_at: int | None = None
    """When the instance in ``env_id`` was made (a move to another environment makes a new
    one); ``None`` in rows stored before it was kept: `created_at`."""

    @property
    def window(self) -> ScheduleWindow | None:
        """The stored window, if any."""
        if self.window_kind is None or self.window_amount is None:
            return None
        return ScheduleWindow(self.window_kind, self.window_amount)

    @property
    def instance_since(self) -> int:
        """When the current environment's instance was made."""
        return self.created_at if self.instance_created_at is None else self.instance_created_at


class Timing(msgspec.Struct, frozen=True):
    """The next occurrence: nominal and effective (shifted) times."""

    nominal: int
    effective: int


class Occurrence(msgspec.Struct, frozen=True):
    """One occurrence as the schedule engine plans it."""

    nominal: int
    """The cron time (the payload's ``timestamp``, the run's ``createdAt``)."""
    effective: int
    """The nominal time shifted by the schedule's phase within its window (the run's queue
    timestamp; what ``nextRunEffectiveAt`` shows)."""
    fire_at: int
    """When it fires: ``effective`` with cron spread on, else ``nominal``."""


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    """The occurrence a schedule fires next, and the previous fire it will report."""

    nominal: int
    effective: int
    fire_at: int
    last: int | None = None
    """The nominal time of the last occurrence that triggered a run (``lastTimestamp``)."""


class Fired(msgspec.Struct, frozen=True):
    """What handling a due registration gives: the run's payload, unless the schedule was
    inactive (skipped), and the next registration (``None`` when the cron has no more)."""

    payload: dict[str, Any] | None
    registration: Registration | None


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


def _timezone(tz: str | None) -> str:
    # The server stores `timezone ?? "UTC"`: an empty string stays empty (and means UTC).
    return "UTC" if tz is None else tz


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
        timezone=_timezone(tz),
        external_id=external_id or None,
        created_at=now,
        updated_at=now,
        instance_created_at=now,
        **_window_fields(window),
    )


def declare(
    existing: ScheduleState | None,
    *,
    internal_id: str,
    friendly_id: str,
    env_id: str,
    task: str,
    cron_expression: str,
    description: str,
    deduplication_key: str,
    tz: str | None,
    window: cron.ScheduleWindow | None,
    now: int,
) -> ScheduleState:
    """A task's own ``DECLARATIVE`` schedule in ``env_id``, as a worker sync writes it: the
    existing one updated (cron, timezone, window), or a new one (ids and key used only then).

    The server keeps no external id on these, and never shows their generated key.
    """
    if existing is not None:
        return msgspec.structs.replace(
            existing,
            cron=cron_expression,
            description=description,
            timezone=_timezone(tz),
            updated_at=max(now, existing.updated_at),
            **_window_fields(window),
        )
    return ScheduleState(
        id=internal_id,
        friendly_id=friendly_id,
        env_id=env_id,
        task=task,
        cron=cron_expression,
        description=description,
        deduplication_key=deduplication_key,
        user_provided_key=False,
        timezone=_timezone(tz),
        type="DECLARATIVE",
        created_at=now,
        updated_at=now,
        instance_created_at=now,
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
    missing external id clears it, and the schedule moves to the caller's environment
    (a new instance there).

    Raises:
        ScheduleError: The schedule is ``DECLARATIVE``.
    """
    if schedule.type == "DECLARATIVE":
        raise ScheduleError("Cannot update a declarative schedule")
    moved = env_id != schedule.env_id
    return msgspec.structs.replace(
        schedule,
        env_id=env_id,
        cron=cron_expression,
        description=description,
        timezone=_timezone(tz),
        external_id=external_id or None,
        updated_at=max(now, schedule.updated_at),
        instance_created_at=now if moved else schedule.instance_since,
        **_window_fields(window),
    )


def timing_changed(old: ScheduleState, new: ScheduleState) -> bool:
    """Whether an upsert re-registers the next occurrence: cron, timezone or window changed,
    or the schedule moved to another environment (a new instance)."""
    return (
        old.cron != new.cron
        or old.timezone != new.timezone
        or old.window != new.window
        or old.env_id != new.env_id
    )


def _phase(schedule: ScheduleState, secret: str) -> int:
    return cron.schedule_phase(secret, schedule.env_id, schedule.deduplication_key)


def timing(
    schedule: ScheduleState, now: int, secret: str, *, list_view: bool = False
) -> Timing | None:
    """The next occurrence after ``now``, or ``None`` when it cannot be computed.

    The list presenter spreads a window-less occurrence over one minute after it; the other
    presenters over the interval to the real next occurrence (the same for intervals of a
    minute or more).
    """
    try:
        window = schedule.window
        count = 1 if (list_view and window is None) else 2
        times = cron.next_times(schedule.cron, schedule.timezone, now, count)
    except (cron.CronError, ValueError, KeyError):
        return None
    nominal = times[0]
    following = times[1] if len(times) > 1 else nominal + 60_000
    phase = _phase(schedule, secret)
    return Timing(nominal, cron.effective_time(nominal, following, phase, window))


def _occurrence_at(schedule: ScheduleState, nominal: int, phase: int, spread: bool) -> Occurrence:
    [following] = cron.next_times(schedule.cron, schedule.timezone, nominal, 1)
    effective = cron.effective_time(nominal, following, phase, schedule.window)
    return Occurrence(nominal, effective, effective if spread else nominal)


def next_occurrence(
    schedule: ScheduleState, *, after: int, now: int, secret: str, spread: bool = False
) -> Occurrence:
    """The next occurrence after the nominal time ``after`` that has not expired at ``now``
    (the server's ``calculateNextSchedulableOccurrence``).

    Usually the one right after ``after``. When that one's fire time is already past (time
    jumped, or the emulator was down), the latest occurrence that may still fire, or else
    the first one after ``now``: one late occurrence at most, never a replay of every one
    missed. ``spread`` is the server's cron spread (``SCHEDULE_WORKER_CRON_SPREAD_FRACTION``,
    0 by default): on, an occurrence fires at its effective time; off, at its nominal time.

    Raises:
        cron.CronError: The expression is invalid.
        cron.NoOccurrenceError: It never fires again.
    """
    phase = _phase(schedule, secret)
    [first_nominal] = cron.next_times(schedule.cron, schedule.timezone, after, 1)
    first = _occurrence_at(schedule, first_nominal, phase, spread)
    if first.fire_at >= now:
        return first
    latest_nominal = cron.previous_time(schedule.cron, schedule.timezone, now + 1)
    if latest_nominal > after:
        latest = _occurrence_at(schedule, latest_nominal, phase, spread)
        if latest.fire_at >= now:
            return latest
    [upcoming] = cron.next_times(schedule.cron, schedule.timezone, now, 1)
    return _occurrence_at(schedule, upcoming, phase, spread)


def derived_last(schedule: ScheduleState, now: int) -> int | None:
    """The ``lastTimestamp`` a registration made without a fire to remember reports: the
    cron's previous slot before ``now``, if it is after the instance was made (so a new
    schedule's first run has none), as the server derives it on create, on a timing change
    and on recovery."""
    try:
        previous = cron.previous_time(schedule.cron, schedule.timezone, now)
    except ValueError:
        return None
    return previous if previous > schedule.instance_since else None


def register(
    schedule: ScheduleState,
    *,
    after: int,
    now: int,
    secret: str,
    last: int | None,
    spread: bool = False,
) -> Registration | None:
    """The registration of the next occurrence after the nominal time ``after``
    (`next_occurrence`), reporting ``last`` as the previous fire; ``None`` when the cron
    never fires again."""
    try:
        occurrence = next_occurrence(schedule, after=after, now=now, secret=secret, spread=spread)
    except ValueError:
        return None
    return Registration(
        nominal=occurrence.nominal,
        effective=occurrence.effective,
        fire_at=occurrence.fire_at,
        last=last,
    )


def fire(
    schedule: ScheduleState,
    registration: Registration,
    now: int,
    secret: str,
    *,
    spread: bool = False,
) -> Fired:
    """Handle a registration that fell due at ``now`` (the server's
    ``triggerScheduledTask``).

    An active schedule gets the run's payload for the registered occurrence, and its next
    registration remembers that occurrence as the last fire; an inactive one is skipped and
    keeps the last fire it had. Either way the next registration chains from the occurrence
    just handled.
    """
    nominal = registration.nominal
    if not schedule.active:
        following = register(
            schedule, after=nominal, now=now, secret=secret, last=registration.last, spread=spread
        )
        return Fired(None, following)
    try:
        # One pass of the library gives the usual case: the next occurrence still ahead.
        times = cron.next_times(schedule.cron, schedule.timezone, nominal, UPCOMING_COUNT)
        phase = _phase(schedule, secret)
        effective = cron.effective_time(times[0], times[1], phase, schedule.window)
        upcoming = Occurrence(times[0], effective, effective if spread else times[0])
        if upcoming.fire_at < now:  # expired while nothing ran: skip ahead, as the server
            upcoming = next_occurrence(
                schedule, after=nominal, now=now, secret=secret, spread=spread
            )
            later = cron.next_times(
                schedule.cron, schedule.timezone, upcoming.nominal, UPCOMING_COUNT - 1
            )
            times = [upcoming.nominal, *later]
    except ValueError:
        # The payload needs the next occurrence, so a cron without one cannot fire.
        return Fired(None, None)
    payload = payload_fields(schedule, nominal, registration.last, times)
    following = Registration(
        nominal=upcoming.nominal,
        effective=upcoming.effective,
        fire_at=upcoming.fire_at,
        last=nominal,
    )
    return Fired(payload, following)


def payload_fields(
    schedule: ScheduleState, nominal: int, last: int | None, upcoming: list[int]
) -> dict[str, Any]:
    """A fired run's payload as the API shows it (superjson's ``json`` part, SERVER.md §5.3).

    Keys in the server's order; dates as ISO strings; ``lastTimestamp`` (first fire) and
    ``externalId`` (none) are ``undefined`` on the server, which superjson writes as
    ``null`` here and marks ``undefined`` in its ``meta`` (see `payload_packet`).
    """
    return {
        "scheduleId": schedule.friendly_id,
        "type": schedule.type,
        "timestamp": iso(nominal),
        "lastTimestamp": iso(last) if last is not None else None,
        "externalId": schedule.external_id or None,
        "timezone": schedule.timezone,
        "upcoming": [iso(moment) for moment in upcoming],
    }


def payload_packet(fields: dict[str, Any]) -> str:
    """The payload as the server stores it: ``superjson.stringify`` of the engine's object
    (superjson 2.2.1: Dates and ``undefined`` annotated in ``meta.values``, in key order).

    ``fields`` is `payload_fields`'s result.
    """
    values: dict[str, list[str]] = {"timestamp": ["Date"]}
    values["lastTimestamp"] = ["Date"] if fields["lastTimestamp"] is not None else ["undefined"]
    if fields["externalId"] is None:
        values["externalId"] = ["undefined"]
    for index in range(len(fields["upcoming"])):
        values[f"upcoming.{index}"] = ["Date"]
    # Only strings, nulls and lists: Python's JSON text is JavaScript's here.
    return json.dumps(
        {"json": fields, "meta": {"values": values}}, ensure_ascii=False, separators=(",", ":")
    )
