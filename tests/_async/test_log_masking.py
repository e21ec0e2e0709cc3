"""No log line of any logger carries a presigned URL's signature, a callback hash or a key.

Everything runs over real sockets (an API and a separate storage server on 127.0.0.1), so
httpx's and httpcore's own loggers write exactly what they write in production, with every
logger at DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import Fault, FaultServer, Received, json_fault, running
from trigger._wire.payloads import encode_payload

pytestmark = pytest.mark.anyio

SIGNATURE = "5f1e0c0ffee0ddba11ab1e5ca1ab1e0123456789abcdef0123456789abcdef01"
CREDENTIAL = "AKIAEXAMPLEKEYID"
SIGNED_QUERY = (
    f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={CREDENTIAL}%2F20250101%2Fauto%2Fs3"
    f"&X-Amz-Date=20250101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
    f"&X-Amz-Signature={SIGNATURE}"
)
CALLBACK_HASH = "9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZXMiOlsid3JpdGU6d2FpdHBvaW50cyJdfQ.c2lnbmF0dXJl"
SECRETS = (SIGNATURE, CREDENTIAL, CALLBACK_HASH, JWT, SECRET_KEY)


@dataclass
class Servers:
    """The API and the object storage its presigned URLs point to."""

    api: FaultServer
    storage: FaultServer


@pytest.fixture
def servers() -> Iterator[Servers]:
    with running() as api, running() as storage:

        def answer_api(request: Received) -> Fault:
            if request.raw_path.startswith(("/api/v2/packets/", "/api/v1/packets/")):
                url = f"{storage.base_url}/bucket/proj/dev/payload.json?{SIGNED_QUERY}"
                return json_fault(200, {"presignedUrl": url, "storagePath": "payload.json"})
            if request.raw_path == "/api/v1/waitpoints/tokens":
                url = (
                    f"{api.base_url}/api/v1/waitpoints/tokens/waitpoint_abc/callback/"
                    f"{CALLBACK_HASH}"
                )
                body = {"id": "waitpoint_abc", "isCached": False, "url": url}
                return json_fault(200, body, headers={"x-trigger-jwt": JWT})
            if request.raw_path.startswith("/api/v1/waitpoints/tokens?"):
                return json_fault(200, {"data": [], "pagination": {}})
            return json_fault(200, {"success": True})

        api.script(Fault(handler=answer_api))
        # The first upload fails once, so the retry is logged too.
        storage.script(
            Fault(status=503, body=b"", headers={"retry-after": "0"}),
            Fault(body=b'{"big": true}', headers={"x-amz-request-id": "req-1"}),
        )
        yield Servers(api, storage)


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("trigger", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
async def client(servers: Servers) -> AsyncIterator[trigger.AsyncClient]:
    async with trigger.AsyncClient(SECRET_KEY, base_url=servers.api.base_url) as client:
        yield client


def logged_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Each record as a handler could render it: the message, the template and the args."""
    texts = []
    for record in caplog.records:
        texts.append(f"{record.name} {record.getMessage()} {record.msg} {record.args!r}")
    return texts


async def test_presigned_urls_callback_hashes_and_keys_are_in_no_log_line(
    client: trigger.AsyncClient,
    servers: Servers,
    every_logger_at_debug: pytest.LogCaptureFixture,
) -> None:
    offloaded = await client.packets.offload("my-task", encode_payload("x" * 200_000))
    assert offloaded.value == "payload.json"
    download_url = await client.packets.retrieve_download_url("payload.json")
    assert await client.packets.download(download_url.presigned_url) == b'{"big": true}'
    token = await client.wait.create_token()
    await client.wait.complete_token_via_callback(token, {"ok": True})

    # The secrets did travel (the test would prove nothing otherwise)...
    storage_paths = [r.raw_path for r in servers.storage.received]
    assert [r.method for r in servers.storage.received] == ["PUT", "PUT", "GET"]
    assert all(SIGNATURE in path for path in storage_paths)
    assert any(CALLBACK_HASH in r.raw_path for r in servers.api.received)

    # ...and every layer logged these requests...
    texts = logged_texts(every_logger_at_debug)
    names = {record.name for record in every_logger_at_debug.records}
    assert {"trigger", "httpx", "httpcore.http11", "httpcore.connection"} <= names
    httpx_lines = [r.getMessage() for r in every_logger_at_debug.records if r.name == "httpx"]
    assert any("/bucket/proj/dev/payload.json?***" in line for line in httpx_lines)
    assert any("/callback/*** " in line and "200" in line for line in httpx_lines)
    assert any("receive_response_headers.complete" in text for text in texts)

    # ...without any of them.
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, text


async def test_api_query_strings_stay_readable(
    client: trigger.AsyncClient, every_logger_at_debug: pytest.LogCaptureFixture
) -> None:
    await client.wait.list_tokens(status="WAITING", limit=5)
    httpx_lines = [r.getMessage() for r in every_logger_at_debug.records if r.name == "httpx"]
    assert any("filter%5Bstatus%5D=WAITING" in line for line in httpx_lines), httpx_lines
