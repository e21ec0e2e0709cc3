"""pytest fixtures: one emulator per test session, a clean state for every test.

Fixtures:

- ``trigger_emulator``: the session's `Emulator`, reset before the test (runs, queues,
  recorded requests) and with the test's handlers forgotten after it; ``TRIGGER_API_URL``
  and ``TRIGGER_SECRET_KEY`` point at it for the test, so code that builds its own client
  reaches the emulator.
- ``trigger_client``: a `trigger.Client` for its dev environment.
- ``trigger_async_client``: a `trigger.AsyncClient` (an async fixture: mark the test with
  ``@pytest.mark.anyio`` to run it on asyncio and trio).

A test that needs its own emulator (a virtual clock, a seed, other options) marks itself
``@pytest.mark.trigger_emulator(clock="virtual")``: the marker's keyword arguments go to
`Emulator`, and ``trigger_emulator`` (with the clients built on it) is then a fresh emulator
started for that test alone and stopped after it::

    @pytest.mark.trigger_emulator(clock="virtual")
    def test_reminder_goes_out_a_day_later(trigger_emulator, trigger_client):
        run = trigger_client.tasks.trigger("send-reminder", {"user": "ada"}, delay="1d")
        trigger_emulator.advance(timedelta(days=1, minutes=1))
        assert trigger_client.runs.retrieve(run.id).status == "COMPLETED"

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
    "pytest_configure",
    "trigger_async_client",
    "trigger_client",
    "trigger_emulator",
    "trigger_emulator_session",
]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``trigger_emulator`` marker."""
    config.addinivalue_line(
        "markers",
        "trigger_emulator(**options): give this test its own emulator, started with these "
        "Emulator options (e.g. clock='virtual')",
    )


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
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Emulator]:
    """The session's emulator with a clean state, and the ``TRIGGER_*`` variables set; with
    the ``trigger_emulator`` marker, an emulator of the test's own (see the module docs)."""
    marker = request.node.get_closest_marker("trigger_emulator")
    if marker is not None:
        if marker.args:
            raise TypeError("@pytest.mark.trigger_emulator takes keyword arguments only")
        from trigger.emulator import Emulator

        with Emulator(**marker.kwargs) as own:
            monkeypatch.setenv("TRIGGER_API_URL", own.url)
            monkeypatch.setenv("TRIGGER_SECRET_KEY", own.secret_key)
            yield own
        return
    emulator: Emulator = request.getfixturevalue("trigger_emulator_session")
    emulator.reset()
    monkeypatch.setenv("TRIGGER_API_URL", emulator.url)
    monkeypatch.setenv("TRIGGER_SECRET_KEY", emulator.secret_key)
    before = set(emulator.task_ids()) | set(emulator.declared_task_ids())
    limits_before = set(emulator.concurrency_limit_names())
    try:
        yield emulator
    finally:
        for task_id in (set(emulator.task_ids()) | set(emulator.declared_task_ids())) - before:
            emulator.unregister(task_id)
        for name in set(emulator.concurrency_limit_names()) - limits_before:
            emulator.forget_concurrency_limit(name)


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
