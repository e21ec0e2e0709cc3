"""Fixtures shared by every test: a clean environment and both async backends."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faultserver import FaultServer, running

BASE_URL = "http://127.0.0.1:8765"
"""Where test clients point; pytest-httpx intercepts every request before it is sent."""
SECRET_KEY = "tr_dev_0123456789abcdefghijklmn"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's own TRIGGER_* settings."""
    for name in list(os.environ):
        if name.startswith("TRIGGER_") or name == "VERCEL_GIT_COMMIT_REF":
            monkeypatch.delenv(name)
    yield


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test on asyncio and on trio."""
    return str(request.param)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A programmable misbehaving server on 127.0.0.1 (see tests/faultserver.py)."""
    with running() as server:
        yield server
