"""Per-call headers and request options are checked before anything is sent.

A transport that records every request proves that nothing leaves the client when a call
is refused.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

import trigger
from tests.conftest import BASE_URL, SECRET_KEY

pytestmark = pytest.mark.anyio

SECRET = "tr_dev_Zq8secretpart0123456789"


@dataclass
class Recorded:
    """A client whose requests are recorded (and answered ``{"id": "run_1"}``)."""

    client: trigger.AsyncClient
    sent: list[httpx.Request]


@pytest.fixture
async def recorded() -> AsyncIterator[Recorded]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "run_1"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, http_client=http)
        yield Recorded(client, sent)


async def test_the_recording_client_sends_a_valid_call(recorded: Recorded) -> None:
    options: trigger.RequestOptions = {"extra_headers": {"x-a": "a\tb"}, "max_attempts": 1}
    await recorded.client.runs.cancel("run_1", request_options=options)
    (request,) = recorded.sent
    assert request.headers["x-a"] == "a\tb"


@pytest.mark.parametrize("character", ["\r", "\n", "\0", "\x1b", "\x7f", "\x85", "é", "€"])
async def test_extra_header_values_that_cannot_be_sent_are_refused_before_sending(
    recorded: Recorded, character: str
) -> None:
    options: trigger.RequestOptions = {"extra_headers": {"x-auth": f"{SECRET}{character}"}}
    with pytest.raises(ValueError, match=r"^extra_headers\['x-auth'\] must") as caught:
        await recorded.client.runs.cancel("run_1", request_options=options)
    assert SECRET not in str(caught.value)
    assert recorded.sent == []


@pytest.mark.parametrize("name", ["x a", "x\x7f", "é", f"Authorization: Bearer {SECRET}"])
async def test_invalid_extra_header_names_are_refused_before_sending(
    recorded: Recorded, name: str
) -> None:
    options: trigger.RequestOptions = {"extra_headers": {name: "v"}}
    with pytest.raises(ValueError, match=r"^extra_headers has an invalid header name") as caught:
        await recorded.client.runs.cancel("run_1", request_options=options)
    assert SECRET not in str(caught.value)
    assert recorded.sent == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_retries": 3}, "unknown key 'max_retries'"),
        ({"retries": 3}, "unknown key 'retries'"),
        ({"time_out": 5}, "unknown key 'time_out'"),
        ({"max_attempts": "3"}, r"request_options\['max_attempts'\] must be an int"),
        ({"timeout": "5"}, r"request_options\['timeout'\] must be a number of seconds"),
        ({"idempotency_key": 5}, r"request_options\['idempotency_key'\] must be a str"),
        ({"extra_headers": "x-a: b"}, r"request_options\['extra_headers'\] must be a mapping"),
        ([("max_attempts", 1)], "request_options must be a dict"),
        ("", "request_options must be a dict"),
    ],
)
async def test_bad_request_options_are_type_errors_before_sending(
    recorded: Recorded, options: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        await recorded.client.runs.cancel("run_1", request_options=options)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=message):
        # A presigned download goes through the same pipeline.
        await recorded.client.packets.download(
            "http://127.0.0.1:9/packet?X-Amz-Signature=s",
            request_options=options,  # type: ignore[arg-type]
        )
    assert recorded.sent == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_timeout": math.inf}, "max_timeout must be a finite number"),
        ({"min_timeout": math.nan}, "min_timeout must be a finite number"),
        ({"idempotency_key": "clé"}, r"idempotency_key'\] must contain only ASCII"),
        ({"idempotency_key": "key\x7f"}, r"idempotency_key'\] must not contain"),
    ],
)
async def test_out_of_range_request_options_are_value_errors_before_sending(
    recorded: Recorded, options: trigger.RequestOptions, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await recorded.client.runs.cancel("run_1", request_options=options)
    assert recorded.sent == []
