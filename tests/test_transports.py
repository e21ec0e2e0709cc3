"""The optional aiohttp transport for asyncio users."""

from __future__ import annotations

import json
import sys

import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import Fault, FaultServer
from tests.fixtures import RETRIEVED_RUN


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_the_sdk_runs_over_aiohttp(fault_server: FaultServer) -> None:
    fault_server.script(Fault(body=json.dumps(RETRIEVED_RUN).encode()))
    http = trigger.aiohttp_http_client()
    async with (
        http,
        trigger.AsyncClient(SECRET_KEY, base_url=fault_server.base_url, http_client=http) as client,
    ):
        run = await client.runs.retrieve("run_1234")
    assert run.id == "run_1234"
    received = fault_server.received[0]
    assert received.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert received.headers["x-trigger-api-version"] == "2025-07-16"


def test_a_clear_error_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)
    with pytest.raises(ImportError, match=r"trigger-sdk\[aiohttp\]"):
        trigger.aiohttp_http_client()
