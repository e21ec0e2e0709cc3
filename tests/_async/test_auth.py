"""Public access tokens: local HS256 signing for root keys, API minting for additional keys."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.operations.auth import ADDITIONAL_KEY
from trigger._wire import auth as auth_wire

pytestmark = pytest.mark.anyio

NOW = 1_700_000_000
CLAIMS_URL = f"{BASE_URL}/api/v1/auth/jwt/claims"
MINT_URL = f"{BASE_URL}/api/v1/auth/public-tokens"
CLAIMS = {"sub": "env_1234", "pub": True}


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_wire, "now_seconds", lambda: NOW)


@pytest.fixture
async def additional_client() -> AsyncIterator[trigger.AsyncClient]:
    async with trigger.AsyncClient(
        ADDITIONAL_KEY, base_url=BASE_URL, retry=trigger.RetryOptions(max_attempts=1)
    ) as client:
        yield client


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verified(token: str, secret: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of an HS256 token whose signature checks out with ``secret``."""
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(_unb64(signature), expected), "bad signature"
    assert "=" not in token
    return json.loads(_unb64(header)), json.loads(_unb64(payload))


async def test_root_key_signs_locally_with_the_api_claims(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json={**CLAIMS, "org": "org_1"})
    token = await client.auth.create_public_token(
        scopes={
            "read": {"runs": ["run_1", "run_2"], "tags": "user:1", "batch": False},
            "write": {"input_streams": "run_1", "waitpoints": True},
        },
        expiration_time="1h",
        one_time_use=True,
        realtime={"skip_columns": ["payload", "output"]},
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.content == b""
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    header, payload = verified(token, SECRET_KEY)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert payload == {
        "sub": "env_1234",
        "pub": True,
        "org": "org_1",
        "scopes": [
            "read:runs:run_1",
            "read:runs:run_2",
            "read:tags:user:1",
            "write:inputStreams:run_1",
            "write:waitpoints",
        ],
        "otu": True,
        "realtime": {"skipColumns": ["payload", "output"]},
        "iss": "https://id.trigger.dev",
        "aud": "https://api.trigger.dev",
        "iat": NOW,
        "exp": NOW + 3600,
    }


async def test_every_scope_the_server_knows_is_accepted(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # SERVER.md §1.3: admin, ``*`` actions, ``all`` types, and the newer resource types.
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS)
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS)
    strings = [
        "admin",
        "read:errors",
        "write:errors:error_0123456789abcdef",
        "read:query",
        "read:query:runs",
        "read:all",
        "*:runs",
        "update:prompts:welcome-email",
        "read:queues",
        "read:deployments",
        "read:webhooks",
        "read:envvars",
        "batchTrigger:batch",
    ]
    token = await client.auth.create_public_token(scopes=strings)
    assert verified(token, SECRET_KEY)[1]["scopes"] == strings
    mapped = await client.auth.create_public_token(
        scopes={
            "read": {"errors": True, "query": ["runs"], "all": True},
            "update": {"prompts": "welcome-email"},
        }
    )
    assert verified(mapped, SECRET_KEY)[1]["scopes"] == [
        "read:errors",
        "read:query:runs",
        "read:all",
        "update:prompts:welcome-email",
    ]


@pytest.mark.parametrize(
    ("expiration_time", "exp"),
    [
        (None, NOW + 900),
        ("30m", NOW + 1800),
        ("2 days", NOW + 2 * 86400),
        ("1.5h", NOW + 5400),
        ("+1w from now", NOW + 7 * 86400),
        (NOW + 60, NOW + 60),
        (timedelta(minutes=5, microseconds=10), NOW + 300),
        (datetime.fromtimestamp(NOW + 7200.9, tz=timezone.utc), NOW + 7200),
        ("30d", NOW + 30 * 86400),
    ],
)
async def test_root_key_expirations(
    expiration_time: Any, exp: int, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS)
    token = await client.auth.create_public_token(
        scopes="read:runs", expiration_time=expiration_time
    )
    _, payload = verified(token, SECRET_KEY)
    assert payload["scopes"] == ["read:runs"]
    assert (payload["iat"], payload["exp"]) == (NOW, exp)
    assert "otu" not in payload and "realtime" not in payload


async def test_root_key_trigger_tokens(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS, is_reusable=True)
    once = await client.auth.create_trigger_public_token(["task-one", "task/two"])
    many = await client.auth.create_trigger_public_token("task-one", multiple_use=True)
    batch = await client.auth.create_batch_trigger_public_token(
        "batch-task", expiration_time="2h", realtime={"skip_columns": ["payload"]}
    )
    _, once_payload = verified(once, SECRET_KEY)
    _, many_payload = verified(many, SECRET_KEY)
    _, batch_payload = verified(batch, SECRET_KEY)
    assert once_payload["scopes"] == ["trigger:tasks:task-one", "trigger:tasks:task/two"]
    assert once_payload["otu"] is True and once_payload["exp"] == NOW + 900
    assert many_payload["scopes"] == ["trigger:tasks:task-one"]
    assert many_payload["otu"] is False
    assert batch_payload["scopes"] == ["batchTrigger:tasks:batch-task"]
    assert batch_payload["otu"] is True and batch_payload["exp"] == NOW + 7200
    assert batch_payload["realtime"] == {"skipColumns": ["payload"]}


async def test_additional_key_has_the_api_mint_the_token(
    additional_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=MINT_URL, json={"token": "server-minted-token"})
    token = await additional_client.auth.create_public_token(
        scopes={"read": {"runs": ["run_123"]}},
        expiration_time=datetime(2023, 11, 15, tzinfo=timezone.utc),
        realtime={"skip_columns": ["payload"]},
    )
    assert token == "server-minted-token"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {ADDITIONAL_KEY}"
    assert msgspec.json.decode(request.content) == {
        "scopes": ["read:runs:run_123"],
        "expirationTime": 1700006400,
        "realtime": {"skipColumns": ["payload"]},
    }


async def test_additional_key_bodies(
    additional_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=MINT_URL, json={"token": "t"}, is_reusable=True)
    await additional_client.auth.create_public_token(scopes=["read:runs", "read:tags:a"])
    await additional_client.auth.create_public_token(
        scopes="read:sessions:session_1", expiration_time="2h", one_time_use=False
    )
    await additional_client.auth.create_public_token(
        scopes="read:runs", expiration_time=timedelta(hours=1)
    )
    await additional_client.auth.create_public_token(scopes="read:runs", expiration_time=NOW + 60)
    await additional_client.auth.create_trigger_public_token(
        ["task-one", "task-two"], multiple_use=True
    )
    await additional_client.auth.create_batch_trigger_public_token("batch-task")
    assert [msgspec.json.decode(r.content) for r in httpx_mock.get_requests()] == [
        {"scopes": ["read:runs", "read:tags:a"]},
        {"scopes": ["read:sessions:session_1"], "expirationTime": "2h", "oneTimeUse": False},
        {"scopes": ["read:runs"], "expirationTime": NOW + 3600},
        {"scopes": ["read:runs"], "expirationTime": NOW + 60},
        {"scopes": ["trigger:tasks:task-one", "trigger:tasks:task-two"], "oneTimeUse": False},
        {"scopes": ["batchTrigger:tasks:batch-task"], "oneTimeUse": True},
    ]
    assert all(r.url == MINT_URL for r in httpx_mock.get_requests())


@pytest.mark.parametrize(
    "key",
    [
        "tr_dev_sk_0123456789abcdefghijklm",  # 23 characters: a root key after all
        "tr_dev_sk_0123456789abcdefghijklmno",  # 25 characters
        "tr_prod_0123456789abcdefghijklmn",
    ],
)
async def test_only_exact_additional_keys_use_the_mint_route(
    key: str, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS)
    async with trigger.AsyncClient(key, base_url=BASE_URL) as root_client:
        token = await root_client.auth.create_public_token(scopes="read:runs")
    verified(token, key)


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("tr_pat_0123456789abcdef", "personal access token"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnYifQ.c2lnbmF0dXJl", "public access token"),
        ("pk_dev_0123456789abcdefghij", "public API key"),
    ],
)
async def test_keys_that_cannot_make_tokens_are_refused_before_sending(
    key: str, kind: str, httpx_mock: HTTPXMock
) -> None:
    async with trigger.AsyncClient(key, base_url=BASE_URL) as other_client:
        calls = [
            functools.partial(other_client.auth.create_public_token, scopes="read:runs"),
            functools.partial(other_client.auth.create_trigger_public_token, "task"),
            functools.partial(other_client.auth.create_batch_trigger_public_token, "task"),
        ]
        for call in calls:
            with pytest.raises(ValueError, match=kind) as caught:
                await call()
            assert key not in str(caught.value)
    assert httpx_mock.get_requests() == []


async def test_no_key_at_all(httpx_mock: HTTPXMock) -> None:
    async with trigger.AsyncClient(base_url=BASE_URL) as keyless:
        with pytest.raises(trigger.MissingCredentialsError):
            await keyless.auth.create_public_token(scopes="read:runs")
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("additional", [False, True])
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scopes": []}, "at least one scope"),
        ({"scopes": {}}, "at least one scope"),
        ({"scopes": {"read": {}}}, "at least one scope"),
        ({"scopes": {"read": {"runs": False}}}, "at least one scope"),
        ({"scopes": "admins"}, "invalid scope 'admins'"),
        ({"scopes": "admin:runs"}, "invalid scope"),
        ({"scopes": "read:everything"}, "invalid scope"),
        ({"scopes": "batchTrigger:runs"}, "tasks and batches only"),
        ({"scopes": "read:runs:"}, "id after ':' is empty"),
        ({"scopes": "trigger:runs:run_1"}, "tasks only"),
        ({"scopes": ["read:runs", 3]}, "scopes"),
        ({"scopes": {"delete": {"runs": True}}}, "unknown action 'delete'"),
        ({"scopes": {"read": {"inputStreams": True}}}, "not a resource"),
        ({"scopes": {"read": ["runs"]}}, "mapping of resources"),
        ({"scopes": {"trigger": {"runs": "x"}}}, "tasks only"),
        ({"expiration_time": "-5m"}, "not a duration"),
        ({"expiration_time": "5m ago"}, "not a duration"),
        ({"expiration_time": "tomorrow"}, "not a duration"),
        ({"expiration_time": "0s"}, "in the future"),
        ({"expiration_time": NOW}, "in the future"),
        ({"expiration_time": 1.5}, "expiration_time"),
        ({"expiration_time": True}, "expiration_time"),
        ({"expiration_time": timedelta(0)}, "in the future"),
        ({"expiration_time": datetime(2030, 1, 1)}, "timezone-aware"),
        ({"expiration_time": datetime(2000, 1, 1, tzinfo=timezone.utc)}, "in the future"),
        ({"one_time_use": "yes"}, "one_time_use"),
        ({"realtime": {"skipColumns": ["payload"]}}, "unknown field"),
        ({"realtime": ["payload"]}, "realtime"),
        ({"realtime": {"skip_columns": [1]}}, "skip_columns"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    additional: bool, kwargs: dict[str, Any], message: str, httpx_mock: HTTPXMock
) -> None:
    call_kwargs = {"scopes": "read:runs", **kwargs}
    key = ADDITIONAL_KEY if additional else SECRET_KEY
    async with trigger.AsyncClient(key, base_url=BASE_URL) as bad_client:
        with pytest.raises((ValueError, TypeError), match=message):
            await bad_client.auth.create_public_token(**call_kwargs)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("task_ids", "kwargs", "message"),
    [
        ([], {}, "at least one task"),
        ("", {}, "task_ids"),
        (["a", None], {}, "task_ids"),
        ("a", {"multiple_use": "no"}, "multiple_use"),
    ],
)
async def test_trigger_tokens_reject_bad_input_before_sending(
    task_ids: Any,
    kwargs: dict[str, Any],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await client.auth.create_trigger_public_token(task_ids, **kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        await client.auth.create_batch_trigger_public_token(task_ids, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_the_secret_key_never_leaks(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="trigger")
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS)
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, status_code=401, json={"error": "no"})
    token = await client.auth.create_public_token(scopes="read:runs")
    with pytest.raises(trigger.AuthenticationError) as caught:
        await client.auth.create_public_token(scopes="read:runs")
    with pytest.raises(ValueError, match="in the future") as invalid:
        await client.auth.create_public_token(scopes="read:runs", expiration_time="0s")
    assert caplog.records, "the pipeline logged nothing to check"
    secret_suffix = SECRET_KEY.removeprefix("tr_dev_")
    for text in (
        caplog.text,
        str(caught.value),
        repr(caught.value),
        str(invalid.value),
        repr(client),
        repr(client.auth),
        token,
        _unb64(token.split(".")[1]).decode(),
    ):
        assert secret_suffix not in text


async def test_retrieve_jwt_claims(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS, is_reusable=True)
    claims = await client.auth.retrieve_jwt_claims()
    assert (claims.sub, claims.pub) == ("env_1234", True)
    response = await client.auth.with_raw_response.retrieve_jwt_claims()
    assert response.status_code == 200
    assert response.parse().sub == "env_1234"
    assert [r.content for r in httpx_mock.get_requests()] == [b"", b""]


async def test_claims_without_a_subject_are_a_validation_error(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json={"pub": True})
    with pytest.raises(trigger.APIResponseValidationError):
        await client.auth.create_public_token(scopes="read:runs")


async def test_a_refused_mint_raises_the_api_error(
    additional_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=MINT_URL,
        status_code=403,
        json={
            "error": "Requested scopes exceed the API key's access",
            "code": "scopes_exceed_key_access",
            "deniedScopes": ["write:runs"],
        },
    )
    with pytest.raises(trigger.PermissionDeniedError, match="exceed") as caught:
        await additional_client.auth.create_public_token(scopes="write:runs")
    assert ADDITIONAL_KEY not in str(caught.value)


@pytest.mark.parametrize("expiration_time", ["31d", "1y", NOW + 30 * 86400 + 1, timedelta(days=45)])
async def test_the_api_caps_minted_tokens_at_30_days(
    expiration_time: Any, additional_client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match="at most 30 days"):
        await additional_client.auth.create_public_token(
            scopes="read:runs", expiration_time=expiration_time
        )
    assert httpx_mock.get_requests() == []


async def test_root_keys_sign_tokens_longer_than_30_days(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("trigger._wire.auth.now_seconds", lambda: NOW)
    httpx_mock.add_response(method="POST", url=CLAIMS_URL, json=CLAIMS)
    token = await client.auth.create_public_token(scopes="read:runs", expiration_time="45d")
    claims = json.loads(_unb64(token.split(".")[1]))
    assert claims["exp"] - claims["iat"] == 45 * 86400
