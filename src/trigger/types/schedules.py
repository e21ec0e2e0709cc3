"""Models of schedules and of the list of supported timezones."""

from __future__ import annotations

from datetime import datetime

import msgspec

from trigger._models import Model
from trigger.types.runs import ScheduleGenerator

__all__ = ["Schedule", "ScheduleEnvironment", "Timezones"]


class ScheduleEnvironment(Model, kw_only=True):
    """An environment a schedule triggers runs in."""

    id: str
    """Environment id."""
    type: str
    """Environment type: ``DEVELOPMENT``, ``STAGING``, ``PRODUCTION`` or ``PREVIEW``."""
    user_name: str | None = None
    """For a dev environment: whose it is."""
    shortcode: str | None = None
    """The environment's short code (sent by create and update)."""
    slug: str | None = None
    """The environment's slug, ``dev``, ``stg``, ``prod`` or ``preview`` (sent by list)."""
    branch_name: str | None = None
    """For a branch environment: the branch (sent by list)."""


class Schedule(Model, kw_only=True):
    """A schedule: a task triggered on a cron expression in a timezone."""

    id: str
    """Schedule id, ``sched_…``."""
    type: str
    """``DECLARATIVE`` (defined in code, read-only here) or ``IMPERATIVE`` (made by the API)."""
    task: str
    """The task the schedule triggers."""
    active: bool
    """Whether the schedule triggers runs (see `schedules.activate` / `deactivate`)."""
    generator: ScheduleGenerator
    """The cron expression and its description in words."""
    timezone: str = "UTC"
    """IANA timezone the cron expression is read in."""
    deduplication_key: str | None = None
    """The key that makes creating the same schedule twice update it instead."""
    external_id: str | None = None
    """Your own id for the schedule (a user or an organisation, for example)."""
    window: str | None = None
    """The spread of each run's start: minutes/hours (``30m``) or a share of the interval."""
    next_run: datetime | None = None
    """When the schedule next fires (``None`` when inactive)."""
    next_run_effective_at: datetime | None = None
    """When the next run actually starts, once the window's offset is applied."""
    environments: list[ScheduleEnvironment] = msgspec.field(default_factory=list)
    """The environments it triggers runs in."""


class Timezones(Model, kw_only=True):
    """The IANA timezones schedules accept."""

    timezones: list[str] = msgspec.field(default_factory=list)
    """Timezone names; ``UTC`` comes first unless it was excluded."""
