"""Servers that misbehave on purpose, over real sockets: slow, huge, or unsendable-to."""

from __future__ import annotations

import dataclasses
import gzip
import json
import pickle
import time
import traceback
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import (
    Fault,
    FaultServer,
    gzip_bomb,
    json_fault,
    pool_is_reusable,
    unused_port,
)
from tests.fixtures import RETRIEVED_RUN

pytestmark = pytest.mark.anyio

RUN_BODY = json.dumps(RETRIEVED_RUN).encode()
POLICY = trigger.RetryOptions(max_attempts=3, min_timeout=0.01, max_timeout=0.05)
MiB = 1024 * 1024


@pytest.fixture
async def live_client(fault_server: FaultServer) -> AsyncIterator[trigger.AsyncClient]:
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, retry=POLICY, timeout=1
    ) as client:
        yield client


async def still_works(client: trigger.AsyncClient, server: FaultServer) -> None:
    server.script(Fault(body=RUN_BODY))
    assert (await client.runs.retrieve("run_1234")).id == "run_1234"
    assert pool_is_reusable(client)


def texts_of(error: BaseException) -> list[str]:
    """Everything an exception shows: str, repr, args, traceback, and its whole chain."""
    try:
        raise error
    except BaseException:
        texts = [traceback.format_exc()]
    link: BaseException | None = error
    while link is not None:
        texts += [str(link), repr(link), repr(link.args)]
        link = link.__cause__ or link.__context__
    return texts


# -- the timeout bounds a whole attempt -------------------------------------------------------


async def test_a_dribbling_body_cannot_outlast_the_timeout(
    live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    # One byte every 0.9 s: no single read exceeds the 1 s timeout, the whole body takes 12 s.
    fault_server.script(Fault(body=b'{"id":"run_1"}', dribble=0.9))
    started = time.monotonic()
    with pytest.raises(trigger.APITimeoutError) as caught:
        await live_client.runs.retrieve("run_1234", request_options={"max_attempts": 1})
    assert time.monotonic() - started < 3.5
    assert "timed out" in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    await still_works(live_client, fault_server)


async def test_every_attempt_is_bounded_and_counted(
    live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    fault_server.script(Fault(body=b'{"id":"run_1"}', dribble=0.9))
    started = time.monotonic()
    with pytest.raises(trigger.APITimeoutError) as caught:
        await live_client.runs.retrieve("run_1234", request_options={"max_attempts": 2})
    assert time.monotonic() - started < 7
    assert caught.value.attempts == 2
    assert "after 2 attempts" in str(caught.value)
    assert len(fault_server.received) == 2


async def test_an_httpx_timeout_keeps_per_phase_limits_only(fault_server: FaultServer) -> None:
    # 30 bytes 0.05 s apart take 1.5 s in all, each read far under the 1 s read limit.
    body = b'{"id":"run_1","status":"X"}   '
    fault_server.script(Fault(body=body, dribble=0.05))
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, timeout=httpx.Timeout(1.0)
    ) as client:
        response = await client.runs.with_raw_response.retrieve("run_1")
    assert response.content == body


# -- the size cap -------------------------------------------------------------------------------


async def test_a_gzip_bomb_stops_at_the_cap(fault_server: FaultServer) -> None:
    fault_server.script(Fault(body=gzip_bomb(64), headers={"content-encoding": "gzip"}))
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, max_response_size=MiB
    ) as client:
        with pytest.raises(trigger.ResponseTooLargeError) as caught:
            await client.runs.retrieve("run_1")
        error = caught.value
        assert error.limit == MiB
        assert error.status == 200
        assert "1,048,576 bytes" in str(error)
        assert "max_response_size" in str(error)
        assert error.headers["content-encoding"] == "gzip"
        assert len(fault_server.received) == 1, "never retried"
        await still_works(client, fault_server)


@pytest.mark.parametrize(
    ("coding", "wrap"),
    [
        ("gzip, gzip", gzip.compress),
        ("identity, gzip", lambda body: body),
        ("gzip, identity", lambda body: body),
        ("GZIP ,deflate", zlib.compress),
    ],
)
async def test_stacked_codings_stop_at_the_cap(
    coding: str, wrap: Callable[[bytes], bytes], fault_server: FaultServer
) -> None:
    # A second gzip layer makes a 1.8 kB answer of a 1 GiB bomb: each layer is decoded in
    # bounded steps, never handed whole to a decoder.
    fault_server.script(Fault(body=wrap(gzip_bomb(64)), headers={"content-encoding": coding}))
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, max_response_size=MiB
    ) as client:
        tracemalloc.start()
        try:
            with pytest.raises(trigger.ResponseTooLargeError):
                await client.runs.retrieve("run_1")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 * MiB, f"decoded {peak:,} bytes for a 1 MiB cap"
        await still_works(client, fault_server)


async def test_stacked_codings_decode(
    live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    body = json.dumps(RETRIEVED_RUN).encode()
    fault_server.script(
        Fault(
            body=gzip.compress(zlib.compress(body)), headers={"content-encoding": "deflate, gzip"}
        )
    )
    assert (await live_client.runs.retrieve("run_1")).id == "run_1234"


async def test_a_coding_the_sdk_did_not_ask_for_is_refused(
    live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    fault_server.script(Fault(body=b"\x8b\x02\x80{}\x03", headers={"content-encoding": "br"}))
    with pytest.raises(trigger.APIConnectionError) as caught:
        await live_client.runs.retrieve("run_1")
    assert "unsupported content-encoding 'br'" in str(caught.value.__cause__)
    assert len(fault_server.received) == 1
    assert fault_server.received[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_plain_body_over_the_cap(chunked: bool, fault_server: FaultServer) -> None:
    fault_server.script(Fault(body=b"[" + b"0," * MiB + b"0]", chunked=chunked))
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, max_response_size=MiB
    ) as client:
        with pytest.raises(trigger.ResponseTooLargeError):
            await client.runs.retrieve("run_1")
        await still_works(client, fault_server)


async def test_a_body_of_exactly_the_cap_is_read(fault_server: FaultServer) -> None:
    fault_server.script(Fault(body=RUN_BODY))
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, max_response_size=len(RUN_BODY)
    ) as client:
        assert (await client.runs.retrieve("run_1")).id == "run_1234"
        smaller = client.with_options(max_response_size=len(RUN_BODY) - 1)
        with pytest.raises(trigger.ResponseTooLargeError):
            await smaller.runs.retrieve("run_1")


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, no zlib header
    ],
    ids=["gzip", "deflate", "raw-deflate"],
)
async def test_compressed_bodies_decode(
    coding: str, compress: object, live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    assert callable(compress)
    # Large enough to take several decoding steps.
    run = {**RETRIEVED_RUN, "metadata": {"blob": "x" * (3 * MiB)}}
    fault_server.script(
        Fault(body=compress(json.dumps(run).encode()), headers={"content-encoding": coding})
    )
    response = await live_client.runs.with_raw_response.retrieve("run_1")
    assert response.json() == run
    assert response.parse().id == "run_1234"


async def test_a_corrupt_gzip_body_is_a_connection_error(
    live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    fault_server.script(
        Fault(body=b"\x1f\x8b" + b"junk" * 10, headers={"content-encoding": "gzip"})
    )
    with pytest.raises(trigger.APIConnectionError) as caught:
        await live_client.runs.retrieve("run_1")
    assert isinstance(caught.value.__cause__, httpx.DecodingError)
    assert "DecodingError" in str(caught.value)
    assert len(fault_server.received) == 1


async def test_a_presigned_download_has_the_same_cap(fault_server: FaultServer) -> None:
    fault_server.script(Fault(body=gzip_bomb(32), headers={"content-encoding": "gzip"}))
    url = f"{fault_server.base_url}/packets/run_1/payload.json?X-Amz-Signature=SIGNATURE"
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, max_response_size=MiB
    ) as client:
        with pytest.raises(trigger.ResponseTooLargeError) as caught:
            await client.packets.download(url)
    error = caught.value
    assert error.request is not None
    assert "SIGNATURE" not in str(error.request.url)
    assert all("SIGNATURE" not in text for text in texts_of(error))
    assert "authorization" not in error.request.headers


@pytest.mark.parametrize("size", [0, -1, 1.5, "1", True, None])
async def test_max_response_size_is_checked(size: object) -> None:
    async with trigger.AsyncClient(SECRET_KEY, max_response_size=1024):
        pass
    with pytest.raises((TypeError, ValueError), match="max_response_size"):
        trigger.AsyncClient(SECRET_KEY, max_response_size=size)  # type: ignore[arg-type]
    async with trigger.AsyncClient(SECRET_KEY) as client:
        if size is not None:
            with pytest.raises((TypeError, ValueError), match="max_response_size"):
                client.with_options(max_response_size=size)  # type: ignore[arg-type]


# -- requests that cannot be written ----------------------------------------------------------


async def test_an_unwritable_key_is_not_retried_nor_quoted(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    secret = "tr_dev_NULNULNULNULNULNUL1234"
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, retry=POLICY
    ) as client:
        # A key holding a byte HTTP forbids, as if it had slipped past the argument checks.
        client._config = dataclasses.replace(client._config, api_key=secret + "\x00")
        with pytest.raises(trigger.UnsendableRequestError) as caught:
            await client.runs.retrieve("run_1")
    error = caught.value
    assert isinstance(error, trigger.APIConnectionError)
    assert fault_server.received == []
    assert sleeps == []
    assert "'authorization'" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    assert all("NULNUL" not in text for text in texts_of(error))
    assert error.request is not None
    assert error.request.headers["authorization"] == "Bearer ***"


async def test_an_unwritable_header_of_a_brought_client(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    async with (
        httpx.AsyncClient(headers={"x-proxy-token": "PROXYSECRET\x00"}) as http,
        trigger.AsyncClient(
            SECRET_KEY, base_url=fault_server.base_url, retry=POLICY, http_client=http
        ) as client,
    ):
        with pytest.raises(trigger.UnsendableRequestError) as caught:
            await client.runs.retrieve("run_1")
    assert "'x-proxy-token'" in str(caught.value)
    assert all("PROXYSECRET" not in text for text in texts_of(caught.value))
    request = caught.value.request
    assert request is not None and request.headers["x-proxy-token"] == "***"
    assert b"PROXYSECRET" not in pickle.dumps(caught.value)
    assert fault_server.received == []
    assert sleeps == []


# -- what a connection error says -------------------------------------------------------------


async def test_a_refused_connection_names_host_reason_and_attempts(sleeps: list[float]) -> None:
    port = unused_port()
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=f"http://127.0.0.1:{port}", retry=POLICY
    ) as client:
        with pytest.raises(trigger.APIConnectionError) as caught:
            await client.runs.retrieve("run_1")
    error = caught.value
    assert str(error).startswith(f"Connection error: could not connect to 127.0.0.1:{port} (")
    assert "ConnectError" in str(error)
    assert str(error).endswith(") after 3 attempts.")
    assert error.attempts == 3
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert all(SECRET_KEY not in text for text in texts_of(error))
    assert error.__cause__.request.headers["authorization"] == "Bearer ***"


async def test_a_status_error_counts_its_attempts(
    live_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    fault_server.script(json_fault(503, {"error": "unavailable"}))
    with pytest.raises(trigger.InternalServerError) as caught:
        await live_client.runs.retrieve("run_1")
    assert caught.value.attempts == 3
    assert str(caught.value) == "503 unavailable (after 3 attempts)"
    assert repr(caught.value) == (
        "InternalServerError(status=503, message='unavailable', attempts=3)"
    )
