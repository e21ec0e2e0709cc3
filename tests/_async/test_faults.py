"""Every failure the SDK promises to handle, provoked over real sockets on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import Fault, FaultServer, json_fault, pool_is_reusable, unused_port
from tests.fixtures import RETRIEVED_RUN

pytestmark = pytest.mark.anyio

ATTEMPTS = 3
POLICY = trigger.RetryOptions(max_attempts=ATTEMPTS, min_timeout=0.5, factor=2, max_timeout=4)
RUN_BODY = json.dumps(RETRIEVED_RUN).encode()


@pytest.fixture
async def live_client(fault_server: FaultServer) -> AsyncIterator[trigger.AsyncClient]:
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, retry=POLICY, timeout=0.25
    ) as client:
        yield client


async def still_works(client: trigger.AsyncClient, server: FaultServer) -> None:
    server.script(Fault(body=RUN_BODY))
    run = await client.runs.retrieve("run_1234")
    assert run.id == "run_1234"
    assert pool_is_reusable(client)


FAULTS = {
    "500": (json_fault(500, {"error": "boom"}), trigger.InternalServerError, ATTEMPTS),
    "502": (
        Fault(502, b"<html>bad gateway</html>", {"content-type": "text/html"}),
        trigger.InternalServerError,
        ATTEMPTS,
    ),
    "503": (json_fault(503, {"error": "unavailable"}), trigger.InternalServerError, ATTEMPTS),
    "504": (json_fault(504, {"error": "gateway timeout"}), trigger.InternalServerError, ATTEMPTS),
    "408": (json_fault(408, {"error": "timeout"}), trigger.APIStatusError, ATTEMPTS),
    "409": (json_fault(409, {"error": "locked"}), trigger.ConflictError, ATTEMPTS),
    "429 retry-after": (
        json_fault(429, {"error": "slow down"}, headers={"retry-after": "1"}),
        trigger.RateLimitError,
        ATTEMPTS,
    ),
    "400 x-should-retry true": (
        json_fault(400, {"error": "flaky"}, headers={"x-should-retry": "true"}),
        trigger.BadRequestError,
        ATTEMPTS,
    ),
    "503 x-should-retry false": (
        json_fault(503, {"error": "final"}, headers={"x-should-retry": "false"}),
        trigger.InternalServerError,
        1,
    ),
    "404": (json_fault(404, {"error": "Not found"}), trigger.NotFoundError, 1),
    "reset mid-body": (Fault(body=RUN_BODY, reset_after=20), trigger.APIConnectionError, ATTEMPTS),
    "truncated body": (Fault(body=RUN_BODY, truncate=30), trigger.APIConnectionError, ATTEMPTS),
    "stall": (Fault(body=RUN_BODY, stall=0.6), trigger.APITimeoutError, ATTEMPTS),
    "malformed json": (
        Fault(body=b'{"id": "run_1", "status": '[:-1] + b"!!"),
        trigger.APIResponseValidationError,
        1,
    ),
    "json of the wrong shape": (json_fault(200, {"id": 7}), trigger.APIResponseValidationError, 1),
}


@pytest.mark.parametrize("name", list(FAULTS))
async def test_fault(
    name: str,
    live_client: trigger.AsyncClient,
    fault_server: FaultServer,
    sleeps: list[float],
) -> None:
    fault, error_class, attempts = FAULTS[name]
    fault_server.script(fault)
    with pytest.raises(error_class) as caught:
        await live_client.runs.retrieve("run_1234")
    error = caught.value
    assert len(fault_server.received) == attempts
    assert len(sleeps) == attempts - 1
    assert all(0 < delay <= POLICY.max_timeout for delay in sleeps)
    if isinstance(error, trigger.APIStatusError):
        assert error.status == fault.status
        assert error.headers["content-length"] == str(len(fault.body))
        if fault.body.startswith(b"{"):
            assert error.body == json.loads(fault.body)
    if isinstance(error, trigger.APIResponseValidationError):
        assert error.raw_body == fault.body
    keys = {r.headers["x-trigger-request-idempotency-key"] for r in fault_server.received}
    assert len(keys) == 1
    fault_server.received.clear()
    await still_works(live_client, fault_server)


async def test_rate_limit_reset_waits_until_the_reset(
    live_client: trigger.AsyncClient, fault_server: FaultServer, sleeps: list[float]
) -> None:
    reset_ms = int((time.time() + 2) * 1000)
    fault_server.script(
        json_fault(429, {"error": "slow"}, headers={"x-ratelimit-reset": str(reset_ms)}),
        Fault(body=RUN_BODY),
    )
    await live_client.runs.retrieve("run_1234")
    assert len(sleeps) == 1
    assert 0.5 < sleeps[0] <= POLICY.max_timeout


async def test_refused_connections(sleeps: list[float]) -> None:
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=f"http://127.0.0.1:{unused_port()}", retry=POLICY
    ) as client:
        with pytest.raises(trigger.APIConnectionError) as caught:
            await client.runs.retrieve("run_1234")
    assert caught.value.status is None
    assert len(sleeps) == ATTEMPTS - 1


async def test_recovery_after_transient_faults(
    live_client: trigger.AsyncClient, fault_server: FaultServer, sleeps: list[float]
) -> None:
    fault_server.script(
        Fault(body=RUN_BODY, reset_after=10),
        json_fault(503, {"error": "unavailable"}),
        Fault(body=RUN_BODY),
    )
    response = await live_client.runs.with_raw_response.retrieve("run_1234")
    assert response.retries_taken == 2
    assert response.parse().id == "run_1234"
    assert pool_is_reusable(live_client)


@pytest.mark.parametrize("run_id", ["a/b", "../x", "100%", "q?x=1", "h#frag", "ü 雪", ".."])
async def test_hostile_ids_reach_the_server_as_one_segment(
    run_id: str, live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    fault_server.script(Fault(body=RUN_BODY))
    await live_client.runs.retrieve(run_id)
    raw_path = fault_server.received[0].raw_path
    prefix = "/api/v3/runs/"
    assert raw_path.startswith(prefix)
    segment = raw_path[len(prefix) :]
    assert "/" not in segment
    assert "?" not in segment
    assert "#" not in segment
    from urllib.parse import unquote

    assert unquote(segment) == run_id
