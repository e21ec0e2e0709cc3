"""Everything the HTTP routes share: project, store, clock, runtime, settings, request log."""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
from typing import Any

from trigger.emulator.clock import Clock
from trigger.emulator.durations import iso
from trigger.emulator.faults import Faults
from trigger.emulator.handlers import TaskRegistry
from trigger.emulator.ids import IdGenerator
from trigger.emulator.project import Project
from trigger.emulator.runtime import Runtime
from trigger.emulator.store import Store

__all__ = ["EmulatorState", "RequestLog"]


def _parsed_body(body: bytes, content_type: str) -> Any:
    """A recorded body as a test reads it: JSON parsed, NDJSON a list, else text."""
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    if "ndjson" in content_type:
        lines: list[Any] = []
        for line in text.splitlines():
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except (ValueError, RecursionError):  # too deep for json: kept as text
                    lines.append(line)
        return lines
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # too deep for json: kept as text
        return text


class RequestLog:
    """The requests the emulator received (newest last), for tests to assert on.

    Credentials are never kept: the ``authorization`` header is recorded as its kind only.
    Bodies are kept as received and parsed when read, off the answer's path.
    """

    def __init__(self, maxlen: int = 10_000) -> None:
        self._items: collections.deque[tuple[dict[str, Any], bytes, str]] = collections.deque(
            maxlen=maxlen
        )
        self._lock = threading.Lock()
        self._seq = 0

    def add(self, entry: dict[str, Any], body: bytes = b"", content_type: str = "") -> None:
        """Record one request: its fields (``at`` in Unix ms), and its body with the content
        type it came with."""
        with self._lock:
            self._seq += 1
            self._items.append(({"seq": self._seq, **entry}, body, content_type))

    def items(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """The recorded requests, oldest first, optionally by path prefix and method, each
        with its ``body`` parsed."""
        wanted = method.upper() if method is not None else None
        with self._lock:
            chosen = [
                item
                for item in self._items
                if (path is None or item[0]["path"].startswith(path))
                and (wanted is None or item[0]["method"] == wanted)
            ]
        return [
            {**entry, "at": iso(entry["at"]), "body": _parsed_body(body, kind)}
            for entry, body, kind in chosen
        ]

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
    faults: Faults = dataclasses.field(default_factory=Faults)
    """Fault rules and the optional rate limiter (`Emulator.faults`)."""

    def now_ms(self) -> int:
        """The clock's time."""
        return self.clock.now_ms()

    def reset(self) -> None:
        """Forget every run, queue and recorded request (project, keys and handlers stay);
        the faults go back to the emulator's own (`Faults.reset`), and a virtual clock to
        its start time and mode (`Clock.rewind`)."""
        self.runtime.stop_all_handlers()
        self.store.reset()
        # Before the faults: a fresh rate limiter must not see a request at the old time.
        self.clock.rewind()
        self.requests.clear()
        self.faults.reset()
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
