"""The runtime's work for batches, bulk actions and schedules, installed as step hooks.

At every step the runtime lets these turn sealed batches' items into runs, mark batches
whose runs are all final ``COMPLETED``, run the next chunk of pending bulk actions, and fire
the schedules that are due; and post the alert webhooks of runs that failed.
"""

from __future__ import annotations

from trigger.emulator import batching, bulk, webhook_alerts
from trigger.emulator.scheduling import ScheduleFiring
from trigger.emulator.state import EmulatorState

__all__ = ["install"]


def install(state: EmulatorState) -> None:
    """Register the batch, bulk-action, schedule and alert work with the state's runtime."""
    state.runtime.add_step_hook(lambda now: batching.step(state, now))
    state.runtime.add_step_hook(lambda now: bulk.step(state, now))
    state.runtime.add_step_hook(ScheduleFiring(state).step, drives_time=False)
    state.runtime.add_step_hook(lambda now: webhook_alerts.step(state, now), drives_time=False)
