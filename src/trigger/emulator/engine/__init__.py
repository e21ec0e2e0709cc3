"""The emulator's engine: run state and its transitions as pure functions of (state, now).

Nothing here reads a clock, touches the store or runs a handler: the runtime calls these
functions with the time from the one `Clock` and persists what they return.
"""

from trigger.emulator.engine.dispatch import QueueState, free_slots, select_dequeue
from trigger.emulator.engine.runs import RetryPolicy, RunState, Timer, due_at, fire_timer

__all__ = [
    "QueueState",
    "RetryPolicy",
    "RunState",
    "Timer",
    "due_at",
    "fire_timer",
    "free_slots",
    "select_dequeue",
]
