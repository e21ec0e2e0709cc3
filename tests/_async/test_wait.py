"""The waitpoint-token API on the wire: method, path, query, body, headers, and decoding."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.operations.wait import CALLBACK_URL, COMPLETED_TOKEN, CREATED_TOKEN, WAITING_TOKEN
from trigger.types.wait import CreatedWaitpointToken, WaitpointToken, decode_waitpoint_output

pytestmark = pytest.mark.anyio

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZXMiOlsid3JpdGU6d2FpdHBvaW50cyJdfQ.c2ln"


def body_of(httpx_mock: HTTPXMock) -> Any:
    request = httpx_mock.get_request()
    assert request is not None
    return json.loads(request.content)


async def test_create_token_sends_every_option_and_reads_the_jwt_header(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CREATED_TOKEN, headers={"x-trigger-jwt": JWT})
    token = await client.wait.create_token(
        timeout=datetime(2025, 3, 1, 13, 0, tzinfo=timezone.utc),
        idempotency_key="approval-user-1234567",
        idempotency_key_ttl="1h",
        tags="user:1234567",
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "POST"
    assert request.url.path == "/api/v1/waitpoints/tokens"
    assert request.url.query == b""
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert json.loads(request.content) == {
        "idempotencyKey": "approval-user-1234567",
        "idempotencyKeyTTL": "1h",
        "timeout": "2025-03-01T13:00:00.000Z",
        "tags": "user:1234567",  # one tag goes out as given, as from the official client
    }
    assert token.id == "waitpoint_abc123"
    assert token.is_cached is False
    assert token.url == CALLBACK_URL
    assert token.public_access_token == JWT
    assert JWT not in repr(token)
    assert "abc123hash" not in repr(token)


async def test_create_token_without_options_sends_an_empty_object(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={**CREATED_TOKEN, "isCached": True})
    token = await client.wait.create_token(timeout="1h")
    assert body_of(httpx_mock) == {"timeout": "1h"}
    assert token.is_cached is True
    assert token.public_access_token is None

    httpx_mock.reset()
    httpx_mock.add_response(json=CREATED_TOKEN)
    await client.wait.create_token()
    assert body_of(httpx_mock) == {}


async def test_create_token_keeps_a_tag_list_a_list(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CREATED_TOKEN, is_reusable=True)
    await client.wait.create_token(tags=["one"])
    await client.wait.create_token(tags=("a", "b"))
    bodies = [json.loads(request.content) for request in httpx_mock.get_requests()]
    assert bodies == [{"tags": ["one"]}, {"tags": ["a", "b"]}]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"timeout": datetime(2025, 1, 1)}, ValueError, "timezone-aware"),
        ({"timeout": 30}, TypeError, "timeout"),
        ({"timeout": " "}, ValueError, "timeout"),
        ({"idempotency_key": "k" * 2049}, ValueError, "2048"),
        ({"idempotency_key": ""}, ValueError, "idempotency_key"),
        ({"idempotency_key_ttl": 60}, TypeError, "idempotency_key_ttl"),
        ({"tags": [f"t{i}" for i in range(11)]}, ValueError, "at most 10"),
        ({"tags": ["x" * 129]}, ValueError, "128"),
        ({"tags": [1]}, TypeError, "tags"),
    ],
)
async def test_create_token_rejects_bad_input_before_sending(
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.wait.create_token(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_list_tokens_sends_every_filter(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"data": [WAITING_TOKEN], "pagination": {"next": "cur_2"}})
    first = await client.wait.list_tokens(
        status=["WAITING", "COMPLETED"],
        idempotency_key="approval-user-1234567",
        tags=["user:1234567", "org:9876543"],
        from_=datetime(2025, 1, 1, tzinfo=timezone.utc),
        to=1735776000000,
        limit=20,
        after="cur_1",
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.url.path == "/api/v1/waitpoints/tokens"
    assert request.url.query.decode() == (
        "filter%5Bstatus%5D=WAITING%2CCOMPLETED"
        "&filter%5BidempotencyKey%5D=approval-user-1234567"
        "&filter%5Btags%5D=user%3A1234567%2Corg%3A9876543"
        "&filter%5BcreatedAt%5D%5Bfrom%5D=1735689600000"
        "&filter%5BcreatedAt%5D%5Bto%5D=1735776000000"
        "&page%5Bsize%5D=20&page%5Bafter%5D=cur_1"
    )
    assert request.content == b""
    token = first.data[0]
    assert token.status == "WAITING"
    assert token.tags == ["user:1234567", "org:9876543"]
    assert token.timeout_at == datetime(2025, 3, 1, 13, 0, tzinfo=timezone.utc)
    assert token.completed_at is None
    assert token.output is None
    assert first.has_next_page()


async def test_list_tokens_walks_pages_with_the_period_filter(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    second = {**WAITING_TOKEN, "id": "waitpoint_2"}
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/waitpoints/tokens?filter%5BcreatedAt%5D%5Bperiod%5D=24h",
        json={"data": [WAITING_TOKEN], "pagination": {"next": "waitpoint_abc123"}},
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/waitpoints/tokens?filter%5BcreatedAt%5D%5Bperiod%5D=24h"
        "&page%5Bafter%5D=waitpoint_abc123",
        json={"data": [second], "pagination": {}},
    )
    ids = [token.id async for token in client.wait.list_tokens(period="24h")]
    assert ids == ["waitpoint_abc123", "waitpoint_2"]


async def test_an_empty_tag_list_is_sent_as_an_empty_value(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"data": [], "pagination": {}})
    first = await client.wait.list_tokens(tags=[])
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.query == b"filter%5Btags%5D="
    assert first.data == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "PENDING"}, "unknown value"),
        ({"status": ["WAITING", 3]}, "status"),
        ({"from_": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"after": "a", "before": "b"}, "after or before"),
        ({"limit": 0}, "limit"),
        ({"tags": 7}, "tags"),
    ],
)
async def test_list_tokens_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.wait.list_tokens(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_retrieve_token_decodes_the_output(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/waitpoints/tokens/waitpoint_abc123", json=COMPLETED_TOKEN
    )
    token = await client.wait.retrieve_token("waitpoint_abc123")
    assert token.status == "COMPLETED"
    assert token.completed_at == datetime(2025, 3, 1, 12, 30, tzinfo=timezone.utc)
    assert token.output_type == "application/json"
    assert token.output_is_error is False
    assert token.decode_output() == {"status": "approved", "comment": "Looks good to me!"}
    assert "abc123hash" not in repr(token)


async def test_retrieve_token_accepts_a_token_object_and_encodes_the_id(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=WAITING_TOKEN, is_reusable=True)
    created = CreatedWaitpointToken(id="waitpoint_1", url=CALLBACK_URL)
    await client.wait.retrieve_token(created)
    await client.wait.retrieve_token("../runs?x=1")
    paths = [request.url.raw_path for request in httpx_mock.get_requests()]
    assert paths == [
        b"/api/v1/waitpoints/tokens/waitpoint_1",
        b"/api/v1/waitpoints/tokens/..%2Fruns%3Fx%3D1",
    ]


@pytest.mark.parametrize(
    ("output", "output_type", "expected"),
    [
        (None, None, None),
        ('{"a": [1, 2]}', None, {"a": [1, 2]}),
        ("plain words", "text/plain", "plain words"),
        ('{"json": {"ok": true}}', "application/super+json", {"ok": True}),
        (
            json.dumps(
                {
                    "json": {
                        "at": "2025-01-01T00:00:00.000Z",
                        "n": "12345678901234567890",
                        "nested": {"a.b": "NaN", "tags": ["x", "y"]},
                        "missing": None,
                    },
                    "meta": {
                        "values": {
                            "at": ["Date"],
                            "n": ["bigint"],
                            "nested.a\\.b": ["number"],
                            "nested.tags": ["set"],
                            "missing": ["undefined"],
                        }
                    },
                }
            ),
            "application/super+json",
            {
                "at": datetime(2025, 1, 1, tzinfo=timezone.utc),
                "n": 12345678901234567890,
                "nested": {"a.b": pytest.approx(float("nan"), nan_ok=True), "tags": {"x", "y"}},
                "missing": None,
            },
        ),
        (
            '{"json": "2025-01-01T00:00:00.000Z", "meta": {"values": ["Date"]}}',
            "application/super+json",
            datetime(2025, 1, 1, tzinfo=timezone.utc),
        ),
        ('{"json": [["k", 1]], "meta": {"values": ["map"]}}', "application/super+json", {"k": 1}),
    ],
)
def test_decode_output_per_output_type(
    output: str | None, output_type: str | None, expected: Any
) -> None:
    assert decode_waitpoint_output(output, output_type) == expected


def test_decode_output_refuses_malformed_output() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        decode_waitpoint_output("{oops", "application/json")
    with pytest.raises(ValueError, match="superjson"):
        decode_waitpoint_output("[1]", "application/super+json")


async def test_complete_token_wraps_the_data(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"success": True}, is_reusable=True)
    result = await client.wait.complete_token(
        "waitpoint_abc123", {"status": "approved", "comment": "Looks good to me!"}
    )
    assert result.success is True
    await client.wait.complete_token("waitpoint_abc123")
    await client.wait.complete_token("waitpoint_abc123", ["a", 1])
    requests = httpx_mock.get_requests()
    assert [r.method for r in requests] == ["POST"] * 3
    assert {r.url.path for r in requests} == {"/api/v1/waitpoints/tokens/waitpoint_abc123/complete"}
    assert [json.loads(r.content) for r in requests] == [
        {"data": {"status": "approved", "comment": "Looks good to me!"}},
        {},
        {"data": ["a", 1]},
    ]
    assert all(r.headers["authorization"] == f"Bearer {SECRET_KEY}" for r in requests)


async def test_complete_token_refuses_unencodable_data_before_sending(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(TypeError):
        await client.wait.complete_token("waitpoint_abc123", {"when": object()})
    with pytest.raises(ValueError, match="token_id"):
        await client.wait.complete_token("")
    assert httpx_mock.get_requests() == []


async def test_callback_url_completion_sends_no_authorization(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"success": True}, is_reusable=True)
    result = await client.wait.complete_token_via_callback(
        CALLBACK_URL, {"status": "approved", "comment": "Looks good to me!"}
    )
    assert result.success is True
    token = WaitpointToken(
        id="waitpoint_abc123",
        url=CALLBACK_URL,
        status="WAITING",
        created_at=datetime(2025, 3, 1, tzinfo=timezone.utc),
    )
    await client.wait.complete_token_via_callback(token)
    first, second = httpx_mock.get_requests()
    assert first.method == "POST"
    assert first.url.raw_path == b"/api/v1/waitpoints/tokens/waitpoint_abc123/callback/abc123hash"
    assert "authorization" not in first.headers
    assert first.headers["content-length"] == str(len(first.content))
    assert json.loads(first.content) == {"status": "approved", "comment": "Looks good to me!"}
    assert json.loads(second.content) == {}
    assert "authorization" not in second.headers


async def test_callback_works_without_any_api_key(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"success": True})
    async with trigger.AsyncClient(base_url=BASE_URL) as keyless:
        await keyless.wait.complete_token_via_callback(CALLBACK_URL)
    request = httpx_mock.get_request()
    assert request is not None
    assert "authorization" not in request.headers


async def test_callback_keeps_the_base_url_path_prefix(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"success": True})
    async with trigger.AsyncClient(SECRET_KEY, base_url=f"{BASE_URL}/trigger") as prefixed:
        await prefixed.wait.complete_token_via_callback(
            f"{BASE_URL}/trigger/api/v1/waitpoints/tokens/waitpoint_1/callback/h%2Fx"
        )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == b"/trigger/api/v1/waitpoints/tokens/waitpoint_1/callback/h%2Fx"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8765/api/v1/waitpoints/tokens/waitpoint_1/callback/h%2Fx",
        "https://LOCALHOST/api/v1/waitpoints/tokens/waitpoint_1/callback/h%2Fx",
        "http://trigger-webapp:3000/api/v1/waitpoints/tokens/waitpoint_1/callback/h%2Fx",
        "https://trigger.example.com/base/api/v1/waitpoints/tokens/waitpoint_1/callback/h%2Fx",
    ],
)
async def test_callback_urls_naming_the_server_differently_reach_the_base_url(
    url: str, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    # The server names itself as its API_ORIGIN says, which need not be how this client
    # reaches it; the hash needs no key, and the request only ever goes to base_url.
    caplog.set_level(logging.DEBUG, logger="trigger")
    httpx_mock.add_response(json={"success": True})
    async with trigger.AsyncClient(SECRET_KEY, base_url=f"{BASE_URL}/trigger") as client:
        result = await client.wait.complete_token_via_callback(url, {"ok": True})
    assert result.success is True
    request = httpx_mock.get_request()
    assert request is not None
    assert str(request.url).startswith(f"{BASE_URL}/trigger/")
    assert request.url.raw_path == b"/trigger/api/v1/waitpoints/tokens/waitpoint_1/callback/h%2Fx"
    assert "authorization" not in request.headers
    assert json.loads(request.content) == {"ok": True}
    messages = [record.getMessage() for record in caplog.records if record.name == "trigger"]
    assert any("/callback/***" in message for message in messages)
    assert all("h%2Fx" not in message for message in messages)


@pytest.mark.parametrize(
    ("url", "data", "error", "message"),
    [
        (
            "ftp://127.0.0.1:8765/api/v1/waitpoints/tokens/waitpoint_1/callback/h",
            None,
            ValueError,
            "http",
        ),
        ("/api/v1/waitpoints/tokens/waitpoint_1/callback/h", None, ValueError, "http"),
        (f"{BASE_URL}/api/v1/waitpoints/tokens/waitpoint_1/complete", None, ValueError, "callback"),
        (
            f"{BASE_URL}/api/v1/waitpoints/tokens/waitpoint_1/callback/",
            None,
            ValueError,
            "callback",
        ),
        (f"{BASE_URL}/api/v1/runs/run_1/callback/h", None, ValueError, "callback"),
        (f"{CALLBACK_URL}?x=1", None, ValueError, "callback"),
        (f"{BASE_URL}/api/v1/waitpoints/tokens/w/callback/h/extra", None, ValueError, "callback"),
        ("", None, ValueError, "url"),
        (CALLBACK_URL, ["not", "an", "object"], TypeError, "mapping"),
    ],
)
async def test_callback_rejects_bad_input_before_sending(
    url: str,
    data: Any,
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.wait.complete_token_via_callback(url, data)
    assert httpx_mock.get_requests() == []


async def test_raw_response_of_create_token_keeps_the_headers(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CREATED_TOKEN, headers={"x-trigger-jwt": JWT})
    response = await client.wait.with_raw_response.create_token()
    assert response.status_code == 200
    assert response.headers["x-trigger-jwt"] == JWT
    assert response.parse().public_access_token == JWT


async def test_every_method_has_a_raw_twin(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"success": True}, is_reusable=True)
    raw = client.wait.with_raw_response
    completed = await raw.complete_token("waitpoint_1")
    via_url = await raw.complete_token_via_callback(CALLBACK_URL)
    assert completed.parse().success and via_url.parse().success
    httpx_mock.add_response(json=COMPLETED_TOKEN)
    assert (await raw.retrieve_token("waitpoint_abc123")).parse().status == "COMPLETED"
    httpx_mock.add_response(json={"data": [WAITING_TOKEN], "pagination": {}})
    assert (await raw.list_tokens()).parse().data[0].id == "waitpoint_abc123"


async def test_server_errors_map_to_exceptions(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=400, json={"error": "Query Error"})
    with pytest.raises(trigger.BadRequestError, match="Query Error"):
        await client.wait.list_tokens(status="WAITING")
    httpx_mock.add_response(status_code=401, json={"error": "Invalid callback URL"})
    with pytest.raises(trigger.AuthenticationError) as caught:
        await client.wait.complete_token_via_callback(CALLBACK_URL)
    assert "abc123hash" not in str(caught.value)


async def test_the_callback_hash_never_reaches_the_logs(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="trigger")
    httpx_mock.add_response(method="POST", url=CALLBACK_URL, json={"success": True})
    await client.wait.complete_token_via_callback(CALLBACK_URL, {"ok": True})
    messages = [record.getMessage() for record in caplog.records if record.name == "trigger"]
    assert any("/callback/***" in message for message in messages)
    assert all("abc123hash" not in message for message in messages)
