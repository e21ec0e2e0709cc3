"""Offloaded payloads and outputs: decoded by content type, in the shape of inline values.

The server answers a retrieve with small packets decoded inline: JSON as JSON, text as text
and an ``application/super+json`` packet as the superjson document's ``json`` value (dates
as ISO strings; SERVER.md, ``parsePacketAsJson``). A packet too large for that comes as a
presigned URL whose download carries the packet's own content type; decoding it the same
way gives one field one shape whatever its size.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.fixtures import RETRIEVED_RUN

pytestmark = pytest.mark.anyio

STORAGE = "http://127.0.0.1:9999/packets/proj/dev/run_1"

# What a TypeScript task returning {at: new Date(...), labels: new Set(["x"]), note:
# undefined, n: 1} stores (superjson 2.2.1), and what the API shows for it inline.
OUTPUT_DOCUMENT = (
    '{"json":{"at":"2024-06-01T00:00:00.000Z","labels":["x"],"note":null,"n":1},'
    '"meta":{"values":{"at":["Date"],"labels":["set"],"note":["undefined"]}}}'
)
OUTPUT_INLINE = {"at": "2024-06-01T00:00:00.000Z", "labels": ["x"], "n": 1}


def _offloaded_run(**urls: str) -> dict[str, Any]:
    run = {**RETRIEVED_RUN, "payload": None, "output": None}
    run.update(urls)
    return run


async def test_offloaded_superjson_output_has_the_shape_of_an_inline_one(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_1",
        json=_offloaded_run(
            payloadPresignedUrl=f"{STORAGE}/payload.json?sig=1",
            outputPresignedUrl=f"{STORAGE}/output.json?sig=2",
        ),
    )
    httpx_mock.add_response(
        url=f"{STORAGE}/payload.json?sig=1",
        content=b'{"order":{"id":"o1","total":12.5}}',
        headers={"content-type": "application/json"},
    )
    httpx_mock.add_response(
        url=f"{STORAGE}/output.json?sig=2",
        content=OUTPUT_DOCUMENT.encode(),
        headers={"content-type": "application/super+json"},
    )
    run = await client.runs.retrieve("run_1")
    assert run.payload == {"order": {"id": "o1", "total": 12.5}}
    assert run.output == OUTPUT_INLINE

    # The same run with the output small enough to come inline: the same value.
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_2", json={**RETRIEVED_RUN, "output": OUTPUT_INLINE}
    )
    inline = await client.runs.retrieve("run_2")
    assert inline.output == run.output


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (b'{"a":[1,2]}', "application/json; charset=utf-8", {"a": [1, 2]}),
        (b'{"a":[1,2]}', None, {"a": [1, 2]}),  # no type: JSON, as for the official client
        (b'"quoted"', "text/plain; charset=utf-8", '"quoted"'),
        (b'{"json":{"a":1}}', "application/super+json", {"a": 1}),
        (b'{"json":null,"meta":{"values":["undefined"]}}', "application/super+json", None),
        (
            b'{"json":[{"x":null},null],"meta":{"values":{"0.x":["undefined"],"1":["undefined"]}}}',
            "application/super+json",
            [{}, None],  # an undefined array item is a null, as JSON.stringify writes it
        ),
        (
            b'{"json":{"p.q":{"r":null}},"meta":{"values":{"p\\\\.q.r":["undefined"]}}}',
            "Application/Super+JSON",
            {"p.q": {}},
        ),
        (b"{not json", "application/json", "{not json"),
        (b'{"no":"json member"}', "application/super+json", '{"no":"json member"}'),
        (b"\x00\x01", "application/octet-stream", "\x00\x01"),
        (b"", "application/json", None),
    ],
)
async def test_download_value_decodes_by_content_type(
    content: bytes,
    content_type: str | None,
    expected: Any,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    httpx_mock.add_response(url=f"{STORAGE}/p", content=content, headers=headers)
    assert await client.packets.download_value(f"{STORAGE}/p") == expected
    request = httpx_mock.get_request()
    assert request is not None
    assert "authorization" not in request.headers


async def test_text_outputs_stay_text_even_when_they_look_like_json(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_1",
        json=_offloaded_run(outputPresignedUrl=f"{STORAGE}/output.txt"),
    )
    httpx_mock.add_response(
        url=f"{STORAGE}/output.txt", content=b"[1, 2, 3]", headers={"content-type": "text/plain"}
    )
    run = await client.runs.retrieve("run_1")
    assert run.output == "[1, 2, 3]"


async def test_download_value_refuses_a_non_http_url(client: trigger.AsyncClient) -> None:
    with pytest.raises(ValueError, match="http"):
        await client.packets.download_value("file:///etc/passwd")
