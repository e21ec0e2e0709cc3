"""Every parity scenario, by name (one module per endpoint group)."""

from __future__ import annotations

from tests.parity.framework import Scenario
from tests.parity.scenarios import (
    auth,
    batches,
    bulk,
    envvars,
    misc,
    queues,
    realtime,
    runs,
    schedules,
    tasks,
    waitpoints,
)

__all__ = ["SCENARIOS", "by_name"]

SCENARIOS: list[Scenario] = [
    *auth.SCENARIOS,
    *tasks.SCENARIOS,
    *runs.SCENARIOS,
    *batches.SCENARIOS,
    *bulk.SCENARIOS,
    *waitpoints.SCENARIOS,
    *queues.SCENARIOS,
    *schedules.SCENARIOS,
    *envvars.SCENARIOS,
    *misc.SCENARIOS,
    *realtime.SCENARIOS,
]
"""All scenarios, in recording order."""


def by_name() -> dict[str, Scenario]:
    """The scenarios by name (names are unique)."""
    out: dict[str, Scenario] = {}
    for scenario in SCENARIOS:
        if scenario.name in out:
            raise ValueError(f"two scenarios are named {scenario.name}")
        out[scenario.name] = scenario
    return out
