"""Everything the HTTP routes share: project, store, clock, runtime, settings, request log."""

from __future__ import annotations

import collections
import dataclasses
import threading
from typing import Any

from trigger.emulator.clock import Clock
from trigger.emulator.handlers import TaskRegistry
from trigger.emulator.ids import IdGenerator
from trigger.emulator.project import Project
from trigger.emulator.runtime import Runtime
from trigger.emulator.store import Store

__all__ = ["EmulatorState", "RequestLog"]


class RequestLog:
    """The requests the emulator received (newest last), for tests to assert on.

    Credentials are never kept: the ``authorization`` header is recorded as its kind only.
    """

    def __init__(self, maxlen: int = 10_000) -> None:
        self._items: collections.deque[dict[str, Any]] = collections.deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._seq = 0

    def add(self, entry: dict[str, Any]) -> None:
        """Record one request."""
        with self._lock:
            self._seq += 1
            self._items.append({"seq": self._seq, **entry})

    def items(self) -> list[dict[str, Any]]:
        """Every recorded request, oldest first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._items.clear()


@dataclasses.dataclass
class EmulatorState:
    """The shared state of one emulator instance."""

    project: Project
    store: Store
    clock: Clock
    ids: IdGenerator
    registry: TaskRegistry
    runtime: Runtime
    strict_keys: bool
    seed_deployment: bool = True
    """Give each environment a current deployment on first use (`Emulator` option)."""
    requests: RequestLog = dataclasses.field(default_factory=RequestLog)
    url: str = ""

    def now_ms(self) -> int:
        """The clock's time."""
        return self.clock.now_ms()

    def reset(self) -> None:
        """Forget every run, queue and recorded request (project, keys and handlers stay)."""
        self.runtime.stop_all_handlers()
        self.store.reset()
        self.requests.clear()
        self.runtime.wake()

    def health(self) -> dict[str, Any]:
        """What ``GET /_emulator/health`` answers."""
        project = self.project
        return {
            "ok": True,
            "url": self.url,
            "projectRef": project.ref,
            "keys": project.keys(),
            "personalAccessToken": project.personal_access_token,
            "previewBranches": [env.branch for env in project.branches() if env.slug == "preview"],
            "environments": {
                slug: {"id": env.id, "type": env.type} for slug, env in project.envs.items()
            },
            "strictKeys": self.strict_keys,
            "tasks": self.registry.ids(),
        }
