"""The runtime's work for batches, bulk actions and schedules, installed as step hooks.

At every step the runtime lets these turn sealed batches' items into runs, mark batches
whose runs are all final ``COMPLETED``, run the next chunk of pending bulk actions, and fire
the schedules that are due.
"""

from __future__ import annotations

from trigger.emulator import batching, bulk
from trigger.emulator.scheduling import ScheduleFiring
from trigger.emulator.state import EmulatorState

__all__ = ["install"]


def install(state: EmulatorState) -> None:
    """Register the batch, bulk-action and schedule work with the state's runtime."""
    state.runtime.add_step_hook(lambda now: batching.step(state, now))
    state.runtime.add_step_hook(lambda now: bulk.step(state, now))
    state.runtime.add_step_hook(ScheduleFiring(state).step, drives_time=False)
