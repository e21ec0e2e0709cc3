"""The JSON of schedules and timezones, field for field as the server's three presenters.

Create and update answer the upsert service's object (environments with ``shortcode`` and
``userName``); retrieve, activate and deactivate the view presenter's (environments with
``id`` and ``type``, no next run while inactive); the list its own (``externalId`` always
present, environments with ``slug``). Keys are in the server's order. `run_schedule` is
the ``schedule`` a scheduled run's retrieve shows.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import Any

from trigger.emulator.durations import iso
from trigger.emulator.engine import cron
from trigger.emulator.engine.schedules import ScheduleState, Timing
from trigger.emulator.project import Environment

__all__ = ["list_item", "run_schedule", "shortcode", "timezones", "upserted", "viewed"]

_WORDS_A = (
    "high", "quiet", "bold", "bright", "calm", "swift", "warm", "brave", "keen", "proud",
    "clear", "fresh", "grand", "lucky", "noble", "rapid",
)  # fmt: skip
_WORDS_B = (
    "future", "river", "forest", "meadow", "harbor", "summit", "canyon", "island", "valley",
    "garden", "comet", "ember", "falcon", "glacier", "horizon", "lagoon",
)  # fmt: skip


@functools.lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """The IANA names the server accepts, ``UTC`` first (measured on the real server)."""
    text = resources.files("trigger.emulator").joinpath("data/timezones.json").read_text("utf-8")
    names: list[str] = json.loads(text)
    return ("UTC", *names)


def shortcode(env: Environment) -> str:
    """A stable two-word shortcode for an environment (the server's look: ``high-future``)."""
    digest = hashlib.sha256(env.id.encode()).digest()
    return f"{_WORDS_A[digest[0] % len(_WORDS_A)]}-{_WORDS_B[digest[1] % len(_WORDS_B)]}"


def _generator(schedule: ScheduleState) -> dict[str, Any]:
    return {"type": "CRON", "expression": schedule.cron, "description": schedule.description}


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _dedup(schedule: ScheduleState) -> str | None:
    return schedule.deduplication_key if schedule.user_provided_key else None


def _times(when: Timing | None) -> tuple[str | None, str | None]:
    if when is None:
        return None, None
    return iso(when.nominal), iso(when.effective)


def upserted(schedule: ScheduleState, env: Environment, when: Timing | None) -> dict[str, Any]:
    """What create and update answer."""
    out: dict[str, Any] = {
        "id": schedule.friendly_id,
        "type": schedule.type,
        "task": schedule.task,
        "active": schedule.active,
        "generator": _generator(schedule),
        "timezone": schedule.timezone,
    }
    _put(out, "window", cron.window_text(schedule.window))
    _put(out, "externalId", schedule.external_id)
    _put(out, "deduplicationKey", _dedup(schedule))
    environment: dict[str, Any] = {"id": env.id, "shortcode": shortcode(env), "type": env.type}
    _put(environment, "userName", env.user_name)
    out["environments"] = [environment]
    nominal, effective = _times(when)
    out["nextRun"] = nominal
    out["nextRunEffectiveAt"] = effective
    return out


def viewed(schedule: ScheduleState, env: Environment, when: Timing | None) -> dict[str, Any]:
    """What retrieve, activate and deactivate answer (no next run while inactive)."""
    nominal, effective = _times(when if schedule.active else None)
    out: dict[str, Any] = {
        "id": schedule.friendly_id,
        "type": schedule.type,
        "task": schedule.task,
        "active": schedule.active,
        "nextRun": nominal,
        "nextRunEffectiveAt": effective,
        "generator": _generator(schedule),
        "timezone": schedule.timezone,
    }
    _put(out, "window", cron.window_text(schedule.window))
    _put(out, "externalId", schedule.external_id)
    _put(out, "deduplicationKey", _dedup(schedule))
    out["environments"] = [{"id": env.id, "type": env.type}]
    return out


def list_item(schedule: ScheduleState, env: Environment, when: Timing | None) -> dict[str, Any]:
    """One row of ``GET /api/v1/schedules`` (the next run even while inactive)."""
    out: dict[str, Any] = {
        "id": schedule.friendly_id,
        "type": schedule.type,
        "task": schedule.task,
        "generator": _generator(schedule),
        "timezone": schedule.timezone,
    }
    _put(out, "window", cron.window_text(schedule.window))
    _put(out, "deduplicationKey", _dedup(schedule))
    out["externalId"] = schedule.external_id
    out["active"] = schedule.active
    nominal, effective = _times(when)
    out["nextRun"] = nominal
    out["nextRunEffectiveAt"] = effective
    environment: dict[str, Any] = {"id": env.id, "type": env.type, "slug": env.slug}
    _put(environment, "userName", env.user_name)
    _put(environment, "branchName", env.branch)
    out["environments"] = [environment]
    return out


def run_schedule(schedule: ScheduleState) -> dict[str, Any]:
    """The ``schedule`` of a scheduled run's retrieve (the retrieve presenter's
    ``resolveSchedule``): absent keys omitted."""
    out: dict[str, Any] = {"id": schedule.friendly_id}
    _put(out, "externalId", schedule.external_id)
    _put(out, "deduplicationKey", _dedup(schedule))
    out["generator"] = _generator(schedule)
    return out
