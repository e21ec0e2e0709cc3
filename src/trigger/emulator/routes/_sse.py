"""The live loop of a server-sent-event answer, shared by run streams and session channels.

`live_events` sends what a reader has not seen yet, then sleeps until a writer wakes its
`~trigger.emulator.store_realtime.Waiter` (no polling), a keep-alive is due, or the
inactivity timeout ends the answer. The caller registers the waiter with its feeds before
the first read (so nothing written in between slips by) and removes it afterwards; the
frames themselves (Redis events, S2 batches) are the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from trigger.emulator.store_realtime import Waiter

__all__ = ["EVENT_STREAM", "live_events"]

EVENT_STREAM = "text/event-stream; charset=utf-8"
"""The content type of every event stream. Measured on the server's run streams: the route
says ``text/event-stream`` and the Express layer in front adds the charset. Session channel
streams (relayed from S2, not measured here) pass through the same layer."""


async def live_events(
    read: Callable[[], bytes],
    waiter: Waiter,
    *,
    stopping: Callable[[], bool],
    timeout_s: float,
    ping_interval_s: float,
    ping: Callable[[], bytes],
    end: Callable[[], bytes] | None = None,
) -> AsyncIterator[bytes]:
    """The frames of one answer, as they become due.

    Args:
        read: The frames of everything new since the last call (``b""``: nothing new).
        waiter: Woken by writers (and by the emulator stopping).
        stopping: Whether the emulator is stopping (the answer ends at once, as is).
        timeout_s: End after this long without new data.
        ping_interval_s: Send ``ping()`` after this long without anything sent.
        ping: The keep-alive frame.
        end: The last frame of an answer ended by the inactivity timeout.
    """
    loop = asyncio.get_running_loop()
    last_data = last_sent = loop.time()
    while True:
        waiter.event.clear()
        frames = read()
        if frames:
            yield frames
            last_data = last_sent = loop.time()
            continue
        if stopping():
            return
        now = loop.time()
        if now - last_data >= timeout_s:
            if end is not None:
                yield end()
            return  # a clean end, which completes the client's read
        if now - last_sent >= ping_interval_s:
            yield ping()
            last_sent = now
            continue
        wait = min(last_data + timeout_s, last_sent + ping_interval_s) - now
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(waiter.event.wait(), wait)
