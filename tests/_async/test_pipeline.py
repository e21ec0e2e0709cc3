"""The request pipeline: headers, request idempotency, retries, error mapping, decoding."""

from __future__ import annotations

import logging
import time
import uuid

import httpx
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.fixtures import RETRIEVED_RUN

pytestmark = pytest.mark.anyio

RUN_URL = f"{BASE_URL}/api/v3/runs/run_1"


async def test_every_request_carries_the_sdk_headers(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN)
    await client.runs.retrieve("run_1")
    request = httpx_mock.get_request()
    assert request is not None
    headers = request.headers
    assert headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert headers["content-type"] == "application/json"
    assert headers["x-trigger-api-version"] == "2025-07-16"
    assert headers["x-trigger-source"] == "sdk"
    assert headers["x-trigger-realtime-streams-version"] == "v2"
    assert headers["trigger-version"] == trigger.__version__
    assert headers["user-agent"] == f"trigger-sdk-python/{trigger.__version__}"
    assert uuid.UUID(headers["x-trigger-request-idempotency-key"]).version == 4
    assert "x-trigger-branch" not in headers


async def test_branch_and_extra_headers(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN)
    async with trigger.AsyncClient(
        SECRET_KEY,
        base_url=BASE_URL,
        preview_branch="feature-x",
        default_headers={"x-team": "data"},
    ) as branch_client:
        await branch_client.runs.retrieve(
            "run_1", request_options={"extra_headers": {"x-call": "1"}}
        )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["x-trigger-branch"] == "feature-x"
    assert request.headers["x-team"] == "data"
    assert request.headers["x-call"] == "1"


@pytest.mark.parametrize(
    "headers",
    [{"x-a": "1\r\nx-injected: 2"}, {"x-a": "line\nbreak"}, {"bad:name": "v"}],
)
async def test_header_values_with_cr_or_lf_are_refused(
    headers: dict[str, str], client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match="extra_headers"):
        await client.runs.retrieve("run_1", request_options={"extra_headers": headers})
    with pytest.raises(ValueError, match="default_headers"):
        trigger.AsyncClient(SECRET_KEY, default_headers=headers)
    assert httpx_mock.get_requests() == []


async def test_sdk_headers_cannot_be_replaced(client: trigger.AsyncClient) -> None:
    with pytest.raises(ValueError, match=r"(?i)authorization"):
        await client.runs.retrieve(
            "run_1", request_options={"extra_headers": {"Authorization": "Bearer other"}}
        )


async def test_retries_reuse_one_idempotency_key(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(status_code=500, json={"error": "boom"})
    httpx_mock.add_response(json=RETRIEVED_RUN)
    response = await retrying_client.runs.with_raw_response.retrieve("run_1")
    assert response.retries_taken == 2
    keys = [r.headers["x-trigger-request-idempotency-key"] for r in httpx_mock.get_requests()]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert len(sleeps) == 2
    # Jittered exponential backoff with the default policy: 1 s then 1.6 s, each x [1, 2).
    assert 1.0 <= sleeps[0] < 2.0
    assert 1.6 <= sleeps[1] < 3.2


async def test_a_new_call_gets_a_new_idempotency_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN, is_reusable=True)
    await client.runs.retrieve("run_1")
    await client.runs.retrieve("run_1")
    keys = {r.headers["x-trigger-request-idempotency-key"] for r in httpx_mock.get_requests()}
    assert len(keys) == 2


async def test_caller_may_set_the_idempotency_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN)
    await client.runs.retrieve("run_1", request_options={"idempotency_key": "order-42"})
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["x-trigger-request-idempotency-key"] == "order-42"


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
async def test_retryable_statuses_use_every_attempt(
    status: int,
    retrying_client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    sleeps: list[float],
) -> None:
    httpx_mock.add_response(status_code=status, json={"error": "try later"}, is_reusable=True)
    with pytest.raises(trigger.APIStatusError) as caught:
        await retrying_client.runs.retrieve("run_1")
    assert caught.value.status == status
    assert len(httpx_mock.get_requests()) == 5
    assert len(sleeps) == 4
    assert all(0 < delay <= 30 for delay in sleeps)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_not_retried(
    status: int,
    retrying_client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    sleeps: list[float],
) -> None:
    httpx_mock.add_response(status_code=status, json={"error": "no"})
    with pytest.raises(trigger.APIStatusError):
        await retrying_client.runs.retrieve("run_1")
    assert len(httpx_mock.get_requests()) == 1
    assert sleeps == []


async def test_x_should_retry_overrides_the_status(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=404, headers={"x-should-retry": "true"})
    httpx_mock.add_response(json=RETRIEVED_RUN)
    assert (await retrying_client.runs.retrieve("run_1")).id == "run_1234"
    httpx_mock.add_response(status_code=503, headers={"x-should-retry": "false"})
    with pytest.raises(trigger.InternalServerError):
        await retrying_client.runs.retrieve("run_1")
    assert len(sleeps) == 1


async def test_rate_limit_reset_header_sets_the_wait(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    reset_ms = int((time.time() + 5) * 1000)
    httpx_mock.add_response(status_code=429, headers={"x-ratelimit-reset": str(reset_ms)})
    httpx_mock.add_response(json=RETRIEVED_RUN)
    await retrying_client.runs.retrieve("run_1")
    assert 3.5 < sleeps[0] < 6.5


async def test_retry_after_is_honoured_but_capped(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, headers={"retry-after": "7"})
    httpx_mock.add_response(status_code=503, headers={"retry-after": "3600"})
    httpx_mock.add_response(json=RETRIEVED_RUN)
    await retrying_client.runs.retrieve("run_1")
    assert sleeps == [7.0, 30.0]


async def test_per_call_options_override_the_policy(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503)
    with pytest.raises(trigger.InternalServerError):
        await retrying_client.runs.retrieve("run_1", request_options={"max_attempts": 1})
    assert sleeps == []
    httpx_mock.add_response(status_code=503, is_reusable=True)
    with pytest.raises(trigger.InternalServerError):
        await retrying_client.runs.retrieve(
            "run_1",
            request_options={
                "max_attempts": 3,
                "min_timeout": 0.5,
                "factor": 2,
                "randomize": False,
            },
        )
    assert sleeps == [0.5, 1.0]


async def test_connection_errors_are_retried_then_raised(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    with pytest.raises(trigger.APIConnectionError) as caught:
        await retrying_client.runs.retrieve("run_1")
    assert not isinstance(caught.value, trigger.APITimeoutError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.status is None
    assert len(httpx_mock.get_requests()) == 5
    assert len(sleeps) == 4


async def test_timeouts_raise_the_timeout_error(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    with pytest.raises(trigger.APITimeoutError):
        await retrying_client.runs.retrieve("run_1", request_options={"max_attempts": 2})
    assert len(sleeps) == 1


async def test_a_transient_connection_error_recovers(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_exception(httpx.RemoteProtocolError("reset"))
    httpx_mock.add_response(json=RETRIEVED_RUN)
    assert (await retrying_client.runs.retrieve("run_1")).id == "run_1234"


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, trigger.BadRequestError),
        (401, trigger.AuthenticationError),
        (403, trigger.PermissionDeniedError),
        (404, trigger.NotFoundError),
        (409, trigger.ConflictError),
        (422, trigger.UnprocessableEntityError),
        (429, trigger.RateLimitError),
        (500, trigger.InternalServerError),
        (503, trigger.InternalServerError),
        (405, trigger.APIStatusError),
    ],
)
async def test_statuses_map_to_error_classes(
    status: int,
    error_class: type[trigger.APIStatusError],
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        status_code=status, json={"error": "It went wrong"}, headers={"x-request-id": "r1"}
    )
    with pytest.raises(error_class) as caught:
        await client.runs.retrieve("run_1")
    error = caught.value
    assert type(error) is error_class
    assert isinstance(error, trigger.ApiError)
    assert error.status == status
    assert error.headers["X-Request-Id"] == "r1"
    assert error.body == {"error": "It went wrong"}
    assert error.message == "It went wrong"
    assert str(error) == f"{status} It went wrong"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"json": {"error": {"message": "Nested", "code": "c1", "type": "t"}}}, "400 Nested"),
        ({"text": "plain failure"}, "400 plain failure"),
        ({}, "400 status code (no body)"),
        ({"json": {"error": ["a", 1]}}, '400 ["a",1]'),
        ({"json": {"error": "400 already prefixed"}}, "400 already prefixed"),
    ],
)
async def test_error_messages_follow_the_body(
    kwargs: dict[str, object], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=400, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(trigger.BadRequestError) as caught:
        await client.runs.retrieve("run_1")
    assert str(caught.value) == message
    if "json" in kwargs and isinstance(caught.value.body, dict):
        error = caught.value.body["error"]
        if isinstance(error, dict):
            assert caught.value.code == "c1"
            assert caught.value.type == "t"


async def test_rate_limit_error_reports_retry_after(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=429, headers={"retry-after": "12"})
    with pytest.raises(trigger.RateLimitError) as caught:
        await client.runs.retrieve("run_1")
    assert caught.value.retry_after == 12.0


async def test_an_undecodable_success_body_raises_validation_error(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"id": 5, "status": []})
    with pytest.raises(trigger.APIResponseValidationError) as caught:
        await client.runs.retrieve("run_1")
    assert caught.value.status == 200
    assert caught.value.raw_body == b'{"id":5,"status":[]}'
    assert caught.value.body == {"id": 5, "status": []}


async def test_missing_key_fails_at_first_call_naming_both_variables(
    httpx_mock: HTTPXMock,
) -> None:
    async with trigger.AsyncClient(base_url=BASE_URL) as keyless:
        with pytest.raises(trigger.MissingCredentialsError) as caught:
            await keyless.runs.retrieve("run_1")
    assert "TRIGGER_SECRET_KEY" in str(caught.value)
    assert "TRIGGER_ACCESS_TOKEN" in str(caught.value)
    assert httpx_mock.get_requests() == []


async def test_the_key_never_leaks(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    secret = "tr_prod_SUPERSECRETVALUE1234567"
    httpx_mock.add_response(status_code=500, json={"error": "boom"}, is_reusable=True)
    caplog.set_level(logging.DEBUG)
    async with trigger.AsyncClient(secret, base_url=BASE_URL) as leaky:
        assert "SUPERSECRET" not in repr(leaky)
        assert "tr_prod_***" in repr(leaky)
        with pytest.raises(trigger.InternalServerError) as caught:
            await leaky.runs.retrieve("run_1")
    assert "SUPERSECRET" not in str(caught.value)
    assert "SUPERSECRET" not in repr(caught.value)
    assert caplog.records, "the pipeline logs its attempts"
    assert all("SUPERSECRET" not in record.getMessage() for record in caplog.records)


async def test_clients_with_different_keys_do_not_interfere(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN, is_reusable=True)
    async with (
        trigger.AsyncClient("tr_dev_aaaaaaaaaaaaaaaaaaaaaaaa", base_url=BASE_URL) as one,
        trigger.AsyncClient("tr_prod_bbbbbbbbbbbbbbbbbbbbbbbb", base_url=BASE_URL) as two,
    ):
        await one.runs.retrieve("run_1")
        await two.runs.retrieve("run_1")
        await one.runs.retrieve("run_1")
    keys = [r.headers["authorization"] for r in httpx_mock.get_requests()]
    assert keys == [
        "Bearer tr_dev_aaaaaaaaaaaaaaaaaaaaaaaa",
        "Bearer tr_prod_bbbbbbbbbbbbbbbbbbbbbbbb",
        "Bearer tr_dev_aaaaaaaaaaaaaaaaaaaaaaaa",
    ]


async def test_with_options_shares_the_pool_and_overrides(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN, is_reusable=True)
    other = client.with_options(
        secret_key="tr_prod_cccccccccccccccccccccccc",
        retry=trigger.RetryOptions(max_attempts=2),
        default_headers={"x-extra": "1"},
    )
    assert other._http is client._http
    assert other.retry.max_attempts == 2
    assert client.retry.max_attempts == 1
    await other.runs.retrieve("run_1")
    await other.aclose()  # a copy does not own the pool
    await client.runs.retrieve("run_1")
    first, second = httpx_mock.get_requests()
    assert first.headers["authorization"] == "Bearer tr_prod_cccccccccccccccccccccccc"
    assert first.headers["x-extra"] == "1"
    assert second.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert "x-extra" not in second.headers


async def test_closing_the_client_closes_its_own_pool_only() -> None:
    own = trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL)
    await own.aclose()
    assert own._http.is_closed
    mine = httpx.AsyncClient()
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, http_client=mine):
        pass
    assert not mine.is_closed
    await mine.aclose()


async def test_a_brought_http_client_is_used(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN)
    mine = httpx.AsyncClient(headers={"x-proxy-auth": "p"})
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, http_client=mine) as client:
        await client.runs.retrieve("run_1")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["x-proxy-auth"] == "p"
    await mine.aclose()


async def test_wrong_http_client_type_is_refused() -> None:
    with pytest.raises(TypeError, match="http_client"):
        trigger.AsyncClient(SECRET_KEY, http_client=object())  # type: ignore[arg-type]


async def test_base_url_keeps_a_path_prefix(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{BASE_URL}/proxy/api/v3/runs/run_1", json=RETRIEVED_RUN)
    async with trigger.AsyncClient(SECRET_KEY, base_url=f"{BASE_URL}/proxy/") as client:
        await client.runs.retrieve("run_1")


async def test_timeout_reaches_httpx(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN, is_reusable=True)
    await client.runs.retrieve("run_1", request_options={"timeout": 2.5})
    await client.runs.retrieve("run_1")
    first, second = httpx_mock.get_requests()
    assert first.extensions["timeout"]["read"] == 2.5
    assert second.extensions["timeout"]["read"] == 60.0
    assert second.extensions["timeout"]["connect"] == 10.0


async def test_a_brought_client_with_cookies_and_params_keeps_them(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN)
    mine = httpx.AsyncClient(cookies={"session": "s1"}, params={"tenant": "t1"})
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, http_client=mine) as client:
        await client.runs.retrieve("run_1")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["cookie"] == "session=s1"
    assert request.url.params["tenant"] == "t1"
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    await mine.aclose()


async def test_per_call_headers_replace_rather_than_double(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN)
    await client.runs.retrieve(
        "run_1", request_options={"extra_headers": {"X-Trigger-Source": "cli", "User-Agent": "me"}}
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers.get_list("x-trigger-source") == ["cli"]
    assert request.headers.get_list("user-agent") == ["me"]


async def test_rate_limit_reset_only_sets_the_wait_of_a_429(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    reset_ms = str(int((time.time() + 20) * 1000))
    httpx_mock.add_response(status_code=500, headers={"x-ratelimit-reset": reset_ms})
    httpx_mock.add_response(json=RETRIEVED_RUN)
    await retrying_client.runs.retrieve("run_1")
    assert 1.0 <= sleeps[0] < 2.0, "a 500 backs off, whatever x-ratelimit-reset says"


async def test_other_request_errors_are_wrapped_without_retry(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_exception(httpx.DecodingError("bad gzip"))
    with pytest.raises(trigger.APIConnectionError) as caught:
        await retrying_client.runs.retrieve("run_1")
    assert isinstance(caught.value.__cause__, httpx.DecodingError)
    assert sleeps == []


# -- requests that cannot be written, and what exceptions keep -------------------------------


def _all_texts(error: BaseException) -> str:
    """Everything an exception can show: traceback, str, repr, args, along the chain."""
    import traceback

    try:
        raise error
    except BaseException:
        texts = [traceback.format_exc()]
    link: BaseException | None = error
    while link is not None:
        texts += [str(link), repr(link), repr(link.args)]
        link = link.__cause__ or link.__context__
    return "\n".join(texts)


@pytest.mark.parametrize(
    "exception",
    [
        httpx.LocalProtocolError(f"Illegal header value b'Bearer {SECRET_KEY}'"),
        httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol 'x://{SECRET_KEY}'"),
    ],
    ids=["LocalProtocolError", "UnsupportedProtocol"],
)
async def test_a_request_that_cannot_be_written_is_not_retried(
    exception: Exception,
    retrying_client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
    sleeps: list[float],
) -> None:
    httpx_mock.add_exception(exception, is_reusable=True)
    with pytest.raises(trigger.UnsendableRequestError) as caught:
        await retrying_client.runs.retrieve("run_1")
    error = caught.value
    assert isinstance(error, trigger.APIConnectionError)
    assert len(httpx_mock.get_requests()) == 1
    assert sleeps == []
    assert type(exception).__name__ in str(error)
    assert "not retried" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    assert SECRET_KEY not in _all_texts(error)
    assert "0123456789" not in _all_texts(error)


async def test_status_errors_keep_a_masked_request(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "Not found"})
    with pytest.raises(trigger.NotFoundError) as caught:
        await client.runs.retrieve("run_1", request_options={"extra_headers": {"x-a": "1"}})
    error = caught.value
    assert error.request is not None
    assert error.request.headers["authorization"] == "Bearer ***"
    assert error.request.method == "GET"
    assert error.request.url == RUN_URL
    assert error.request.headers["x-a"] == "1"
    assert error.response.request.headers["authorization"] == "Bearer ***"
    assert error.response.status_code == 404
    assert error.response.json() == {"error": "Not found"}
    assert SECRET_KEY not in repr(vars(error))


async def test_connection_and_validation_errors_keep_a_masked_request(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadError("reset"))
    with pytest.raises(trigger.APIConnectionError) as caught:
        await client.runs.retrieve("run_1")
    assert caught.value.request is not None
    assert caught.value.request.headers["authorization"] == "Bearer ***"
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ReadError)
    assert cause.request.headers["authorization"] == "Bearer ***"
    httpx_mock.add_response(json={"id": 5})
    with pytest.raises(trigger.APIResponseValidationError) as invalid:
        await client.runs.retrieve("run_1")
    assert invalid.value.request is not None
    assert invalid.value.request.headers["authorization"] == "Bearer ***"
    assert invalid.value.response.request.headers["authorization"] == "Bearer ***"


async def test_a_presigned_url_is_masked_in_errors(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    url = "https://bucket.example.com/packets/p.json?X-Amz-Signature=SIGNED&X-Amz-Credential=C"
    httpx_mock.add_response(status_code=403, text="<Error>AccessDenied</Error>")
    with pytest.raises(trigger.PermissionDeniedError) as caught:
        await client.packets.download(url)
    error = caught.value
    assert error.request is not None
    assert str(error.request.url) == "https://bucket.example.com/packets/p.json?***"
    assert "SIGNED" not in _all_texts(error)
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    with pytest.raises(trigger.APIConnectionError) as refused:
        await client.packets.download(url)
    assert "bucket.example.com:443" in str(refused.value)
    assert "SIGNED" not in _all_texts(refused.value)


async def test_exception_reprs_show_class_and_status(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "Not found"})
    with pytest.raises(trigger.NotFoundError) as caught:
        await client.runs.retrieve("run_1")
    assert repr(caught.value) == "NotFoundError(status=404, message='Not found')"
    assert caught.value.attempts == 1
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    with pytest.raises(trigger.APIConnectionError) as refused:
        await client.runs.retrieve("run_1")
    assert repr(refused.value).startswith("APIConnectionError(status=None, message='Connection")


async def test_a_half_built_client_has_a_repr() -> None:
    bare = trigger.AsyncClient.__new__(trigger.AsyncClient)
    assert repr(bare) == "<AsyncClient (not configured)>"
    built: list[trigger.AsyncClient] = []

    class Probe(trigger.AsyncClient):
        def __init__(self, *args: object, **kwargs: object) -> None:
            built.append(self)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="base_url"):
        Probe(SECRET_KEY, base_url="ftp://example.com")
    assert repr(built[0]) == "<Probe (not configured)>"


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
async def test_deeply_nested_json_is_an_sdk_error(
    depth: int, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    deep = b'{"id":' * depth + b"1" + b"}" * depth
    httpx_mock.add_response(content=deep, headers={"content-type": "application/json"})
    with pytest.raises(trigger.APIResponseValidationError) as caught:
        await client.runs.retrieve("run_1")
    assert caught.value.raw_body == deep
    # Kept as text where Python's own parser cannot nest that deep (before 3.13, or at
    # 100,000 levels); parsed where it can.
    body = caught.value.body
    assert body == deep.decode() if isinstance(body, str) else isinstance(body, dict)
    httpx_mock.add_response(status_code=400, content=b'{"error":' + b"[" * depth)
    with pytest.raises(trigger.BadRequestError) as bad:
        await client.runs.retrieve("run_1")
    assert isinstance(bad.value.body, str)
    assert bad.value.body.startswith('{"error":[[[')
    httpx_mock.add_response(content=b'{"data":' + b"[" * depth + b"]" * depth + b"}")
    with pytest.raises(trigger.APIResponseValidationError):
        await client.runs.list(limit=1)


async def test_deeply_nested_json_in_a_raw_response(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    httpx_mock.add_response(content=deep)
    response = await client.runs.with_raw_response.retrieve("run_1")
    with pytest.raises(trigger.APIResponseValidationError):
        response.parse()
    with pytest.raises(trigger.APIResponseValidationError):
        response.json()


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "1e308"},
        {"retry-after": "inf"},
        {"retry-after": "nan"},
        {"retry-after": "-5"},
        {"retry-after": "9" * 400},
        {"retry-after": "Fri, 31 Dec 99999 23:59:59 GMT"},
        {"retry-after-ms": "1e309"},
        {"x-ratelimit-reset": "1e308"},
        {"x-ratelimit-reset": "-1"},
        {"x-ratelimit-reset": "nan", "retry-after": "garbage"},
    ],
)
async def test_retry_after_is_finite_or_none(
    headers: dict[str, str], client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    import math
    import pickle

    httpx_mock.add_response(status_code=429, headers=headers)
    with pytest.raises(trigger.RateLimitError) as caught:
        await client.runs.retrieve("run_1")
    for error in (caught.value, pickle.loads(pickle.dumps(caught.value))):
        wait = error.retry_after
        assert wait is None or (math.isfinite(wait) and wait >= 0)


async def test_the_size_cap_holds_for_a_mock_transport(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=RETRIEVED_RUN, is_reusable=True)
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, max_response_size=100) as small:
        with pytest.raises(trigger.ResponseTooLargeError) as caught:
            await small.runs.retrieve("run_1")
        assert caught.value.limit == 100
        assert (await small.with_options(max_response_size=10**6).runs.retrieve("run_1")).id


async def test_a_callback_hash_is_masked_in_errors(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    url = f"{BASE_URL}/api/v1/waitpoints/tokens/waitpoint_abc123/callback/SECRETHASH"
    httpx_mock.add_response(status_code=404, json={"error": "Waitpoint not found"})
    with pytest.raises(trigger.NotFoundError) as caught:
        await client.wait.complete_token_via_callback(url)
    error = caught.value
    assert error.request is not None
    assert error.request.url.path == "/api/v1/waitpoints/tokens/waitpoint_abc123/callback/***"
    assert "SECRETHASH" not in _all_texts(error)


async def test_a_url_httpx_cannot_parse_is_unsendable(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    url = "https://bucket.example.com:SIGNED/p.json?X-Amz-Signature=SIGNED"
    with pytest.raises(trigger.UnsendableRequestError) as caught:
        await retrying_client.packets.download(url)
    assert "the URL is not valid" in str(caught.value)
    assert "SIGNED" not in _all_texts(caught.value)
    assert httpx_mock.get_requests() == []
    assert sleeps == []


async def test_cookies_and_proxy_credentials_are_masked_in_errors(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "Not found"})
    mine = httpx.AsyncClient(
        cookies={"session": "COOKIESECRET"}, headers={"Proxy-Authorization": "Basic PROXYSECRET"}
    )
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, http_client=mine) as client:
        with pytest.raises(trigger.NotFoundError) as caught:
            await client.runs.retrieve("run_1")
    await mine.aclose()
    request = caught.value.request
    assert request is not None
    assert request.headers["cookie"] == "***"
    assert request.headers["proxy-authorization"] == "***"
    assert "SECRET" not in repr(request.headers.raw)
