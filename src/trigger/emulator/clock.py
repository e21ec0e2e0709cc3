"""The one clock every part of the emulator reads.

Everything that depends on time (creation stamps, delays, TTLs, retries, the default list
window) asks a `Clock` for "now" in Unix milliseconds, and the runtime sleeps until the next
instant a run needs attention. `SystemClock` is real time. `ManualClock` only moves when told
to, so a test can jump over a ten-minute TTL in no time: advancing it wakes the runtime.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock:
    """A source of the current time in Unix milliseconds, with change listeners."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """The current time, in milliseconds since the Unix epoch."""
        raise NotImplementedError

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from any thread) whenever the time jumps."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        """Stop calling ``listener``."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    @property
    def is_virtual(self) -> bool:
        """Whether time moves only when told to (the runtime then never sleeps on it)."""
        return False


class SystemClock(Clock):
    """Real wall-clock time."""

    def now_ms(self) -> int:
        """The current wall-clock time in Unix milliseconds."""
        return time.time_ns() // 1_000_000


class ManualClock(Clock):
    """A clock that stands still until `advance` or `set` moves it.

    Args:
        start_ms: The initial time in Unix milliseconds (default: the real time now).
    """

    def __init__(self, start_ms: int | None = None) -> None:
        super().__init__()
        if start_ms is not None and (isinstance(start_ms, bool) or not isinstance(start_ms, int)):
            raise TypeError("start_ms must be an int (Unix milliseconds)")
        self._now = start_ms if start_ms is not None else time.time_ns() // 1_000_000
        self._now_lock = threading.Lock()

    def now_ms(self) -> int:
        """The clock's current time in Unix milliseconds."""
        with self._now_lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` and wake whoever waits on it."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError("seconds must be a non-negative number")
        with self._now_lock:
            self._now += round(seconds * 1000)
        self._notify()

    def set(self, now_ms: int) -> None:
        """Move the clock to ``now_ms`` (never backwards) and wake whoever waits on it."""
        if isinstance(now_ms, bool) or not isinstance(now_ms, int):
            raise TypeError("now_ms must be an int (Unix milliseconds)")
        with self._now_lock:
            if now_ms < self._now:
                raise ValueError("a ManualClock never goes backwards")
            self._now = now_ms
        self._notify()

    @property
    def is_virtual(self) -> bool:
        """Always true: this clock only moves when told to."""
        return True
