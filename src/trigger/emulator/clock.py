"""The one clock every part of the emulator reads.

Everything that depends on time (creation stamps, delays, TTLs, retry backoff, waitpoint
timeouts, idempotency-key TTLs, schedules, rate-limit windows, the default list window) asks
a `Clock` for "now" in Unix milliseconds, and the runtime sleeps until the next instant
something needs attention. `SystemClock` is real time. `ManualClock` is the virtual clock:
it only moves when told to, so a test jumps over a day-long delay in no time. With
``auto=True`` the runtime moves it itself, straight to the next due event, whenever no
handler is running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

ClockMode = Literal["real", "virtual", "auto"]
"""How the emulator's time moves: ``real`` time, a ``virtual`` clock that moves when told,
or an ``auto`` virtual clock that also skips to the next due event by itself."""

__all__ = ["Clock", "ClockMode", "ManualClock", "SystemClock", "make_clock"]


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

    def rewind(self) -> None:
        """Go back to the time and mode the clock started with, once the emulator has
        forgotten every run (`Emulator.reset`). The real clock has nothing to do."""

    @property
    def is_virtual(self) -> bool:
        """Whether time moves only when told to (the runtime then never sleeps on it)."""
        return False

    @property
    def mode(self) -> str:
        """``real``, ``virtual`` (moves when told) or ``auto`` (skips to the next event)."""
        return "real"


class SystemClock(Clock):
    """Real wall-clock time."""

    def now_ms(self) -> int:
        """The current wall-clock time in Unix milliseconds."""
        return time.time_ns() // 1_000_000


class ManualClock(Clock):
    """The virtual clock: it stands still until `advance` or `set` moves it.

    `Emulator.advance` moves it event by event, running everything due on the way at its
    own instant; `advance` and `set` here jump at once, and the runtime then fires whatever
    fell due in one step.

    Args:
        start_ms: The initial time in Unix milliseconds (default: the real time now).
        start: The initial time as an aware datetime (instead of ``start_ms``).
        auto: Let the runtime skip straight to the next due event whenever no handler is
            running (see `auto`).
    """

    def __init__(
        self, start_ms: int | None = None, *, start: datetime | None = None, auto: bool = False
    ) -> None:
        super().__init__()
        if start_ms is not None and (isinstance(start_ms, bool) or not isinstance(start_ms, int)):
            raise TypeError("start_ms must be an int (Unix milliseconds)")
        if start is not None:
            if start_ms is not None:
                raise TypeError("give start_ms or start, not both")
            if not isinstance(start, datetime) or start.utcoffset() is None:
                raise TypeError("start must be a timezone-aware datetime")
            start_ms = round(start.timestamp() * 1000)
        if not isinstance(auto, bool):
            raise TypeError("auto must be a bool")
        self._now = start_ms if start_ms is not None else time.time_ns() // 1_000_000
        self._now_lock = threading.Lock()
        self._auto = auto
        self._origin = (self._now, auto)

    def now_ms(self) -> int:
        """The clock's current time in Unix milliseconds."""
        with self._now_lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` and wake whoever waits on it."""
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

    def rewind(self) -> None:
        """Go back to the start time and mode (the one move backwards a `ManualClock`
        makes: `Emulator.reset` does it once no run is left to see time reverse)."""
        with self._now_lock:
            self._now, self._auto = self._origin
        self._notify()

    @property
    def auto(self) -> bool:
        """Whether the runtime skips to the next due event whenever no handler runs.

        It skips toward the timers of runs and waitpoints (delays, TTLs, retries, waits,
        timeouts), firing any schedule that falls due on the way; a schedule alone never
        moves it, or an hourly schedule would fire without end. Setting it wakes the runtime.
        """
        return self._auto

    @auto.setter
    def auto(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError("auto must be a bool")
        self._auto = value
        self._notify()

    @property
    def is_virtual(self) -> bool:
        """Always true: this clock only moves when told to (or, in auto mode, by itself)."""
        return True

    @property
    def mode(self) -> str:
        """``auto`` when `auto` is set, else ``virtual``."""
        return "auto" if self._auto else "virtual"


def make_clock(clock: Clock | str | None, start: datetime | None = None) -> Clock:
    """The clock for an `Emulator` argument: a `Clock` as given, or one made for a mode.

    Args:
        clock: A `Clock`, a `ClockMode` (``real``, ``virtual``, ``auto``) or ``None`` (real).
        start: Where a virtual clock made here starts (default: the real time now).
    """
    if isinstance(clock, Clock):
        if start is not None:
            raise TypeError("start applies to a clock made from a mode, not to a Clock given")
        return clock
    if clock is None or clock == "real":
        if start is not None:
            raise ValueError("start needs a virtual clock (clock='virtual' or 'auto')")
        return SystemClock()
    if clock in ("virtual", "auto"):
        return ManualClock(start=start, auto=clock == "auto")
    raise ValueError(f"clock must be a Clock or one of 'real', 'virtual', 'auto', got {clock!r}")
