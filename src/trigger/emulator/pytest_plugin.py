"""pytest fixtures: one emulator per test session, a clean state for every test.

Fixtures:

- ``trigger_emulator``: the session's `Emulator`, reset before the test (runs, queues,
  recorded requests) and with the test's handlers forgotten after it; ``TRIGGER_API_URL``
  and ``TRIGGER_SECRET_KEY`` point at it for the test, so code that builds its own client
  reaches the emulator.
- ``trigger_client``: a `trigger.Client` for its dev environment.
- ``trigger_async_client``: a `trigger.AsyncClient` (an async fixture: mark the test with
  ``@pytest.mark.anyio`` to run it on asyncio and trio).

Installing ``trigger-sdk[emulator]`` loads it (a ``pytest11`` entry point); no server starts
until a test asks for one of these fixtures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from trigger import AsyncClient, Client
    from trigger.emulator.server import Emulator

__all__ = [
    "trigger_async_client",
    "trigger_client",
    "trigger_emulator",
    "trigger_emulator_session",
]


@pytest.fixture(scope="session")
def trigger_emulator_session() -> Iterator[Emulator]:
    """The emulator shared by every test of the session (started on first use)."""
    # Imported here: the plugin is loaded into every pytest run of an environment that has
    # the SDK, and a suite that uses none of these fixtures pays nothing for the server.
    from trigger.emulator import Emulator

    emulator = Emulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def trigger_emulator(
    trigger_emulator_session: Emulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Emulator]:
    """The session's emulator with a clean state, and the ``TRIGGER_*`` variables set."""
    emulator = trigger_emulator_session
    emulator.reset()
    monkeypatch.setenv("TRIGGER_API_URL", emulator.url)
    monkeypatch.setenv("TRIGGER_SECRET_KEY", emulator.secret_key)
    before = set(emulator.task_ids()) | set(emulator.declared_task_ids())
    try:
        yield emulator
    finally:
        for task_id in (set(emulator.task_ids()) | set(emulator.declared_task_ids())) - before:
            emulator.unregister(task_id)


@pytest.fixture
def trigger_client(trigger_emulator: Emulator) -> Iterator[Client]:
    """A `trigger.Client` for the emulator's dev environment."""
    with trigger_emulator.client() as client:
        yield client


@pytest.fixture
async def trigger_async_client(trigger_emulator: Emulator) -> AsyncIterator[AsyncClient]:
    """A `trigger.AsyncClient` for the emulator's dev environment."""
    async with trigger_emulator.async_client() as client:
        yield client
