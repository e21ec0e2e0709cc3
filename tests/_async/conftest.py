"""Fixtures of the async tests (the sync twin in tests/_sync is generated from this file)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.real_server import client_options
from trigger import _retry


@pytest.fixture
async def client() -> AsyncIterator[trigger.AsyncClient]:
    """A client with retries off, so an unexpected request fails at once."""
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=BASE_URL, retry=trigger.RetryOptions(max_attempts=1)
    ) as client:
        yield client


@pytest.fixture
async def retrying_client() -> AsyncIterator[trigger.AsyncClient]:
    """A client with the default retry policy (use with the `sleeps` fixture)."""
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the pipeline's sleeps instead of waiting for them."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_retry, "async_sleep", fake_sleep)
    return recorded


@pytest.fixture
async def real() -> AsyncIterator[trigger.AsyncClient]:
    """A client of the real server's dev environment (the opt-in ``test_real_*`` modules)."""
    async with trigger.AsyncClient(**client_options()) as client:
        yield client
