"""Triggering tasks, idempotency keys and payload packets on the wire."""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY

pytestmark = pytest.mark.anyio

TRIGGER_URL = f"{BASE_URL}/api/v1/tasks/send-email/trigger"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnZfMSIsInB1YiI6dHJ1ZX0.c2lnbmF0dXJl"
ORDER_42 = hashlib.sha256(b"order-42").hexdigest()
PACKETS_URL = re.compile(re.escape(f"{BASE_URL}/api/v2/packets/") + ".*")
PRESIGNED_PUT = "https://storage.example.com/packets/proj/env/send-email?X-Amz-Signature=abc"


def body_of(request: httpx.Request) -> Any:
    return msgspec.json.decode(request.content)


async def test_trigger_sends_a_json_payload_and_reads_the_token(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=TRIGGER_URL,
        json={"id": "run_1234", "isCached": False},
        headers={"x-trigger-jwt": JWT},
    )
    result = await client.tasks.trigger("send-email", {"to": "a@example.com", "n": [1, 2]})
    assert result.id == "run_1234"
    assert result.is_cached is False
    assert result.public_access_token == JWT
    assert JWT not in repr(result)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-trigger-request-idempotency-key"]
    assert body_of(request) == {
        "payload": {"to": "a@example.com", "n": [1, 2]},
        "options": {"payloadType": "application/json", "payloadSize": 32},
    }


async def test_trigger_without_payload(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    result = await client.tasks.trigger("send-email")
    assert result.public_access_token is None and not result.is_cached
    request = httpx_mock.get_request()
    assert request is not None
    assert body_of(request) == {"options": {"payloadType": "application/json", "payloadSize": 0}}


async def test_trigger_with_every_option(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1", "isCached": True})
    result = await client.tasks.trigger(
        "send-email",
        "hi",
        idempotency_key="order-42",
        idempotency_key_ttl="1h",
        delay="30m",
        ttl=3600,
        tags=["a", "b"],
        metadata={"user": "u_1"},
        queue="emails",
        concurrency_key="u_1",
        machine="small-2x",
        max_attempts=2,
        max_duration=120,
        version="20240523.1",
        priority=5,
        debounce={"key": "u_1", "delay": "5s"},
        region="us-east-1",
        test=True,
        external_deployment_id="vercel_1",
        request_options={"idempotency_key": "req-1"},
    )
    assert result.is_cached
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["x-trigger-request-idempotency-key"] == "req-1"
    assert body_of(request) == {
        "payload": "hi",
        "options": {
            "idempotencyKey": ORDER_42,
            "idempotencyKeyOptions": {"key": "order-42", "scope": "run"},
            "idempotencyKeyTTL": "1h",
            "delay": "30m",
            "ttl": 3600,
            "tags": ["a", "b"],
            "metadata": {"user": "u_1"},
            "queue": {"name": "emails"},
            "concurrencyKey": "u_1",
            "machine": "small-2x",
            "maxAttempts": 2,
            "maxDuration": 120,
            "lockToVersion": "20240523.1",
            "priority": 5,
            "debounce": {"key": "u_1", "delay": "5s"},
            "region": "us-east-1",
            "test": True,
            "externalDeploymentId": "vercel_1",
            "payloadType": "application/json",
            "payloadSize": 4,
        },
    }


async def test_trigger_sends_superjson_for_dates_and_sets(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    await client.tasks.trigger("send-email", {"when": when, "items": [1, 2]})
    request = httpx_mock.get_request()
    assert request is not None
    # What superjson.stringify gives for {when: new Date(...), items: [1, 2]}.
    document = (
        '{"json":{"when":"2030-01-01T00:00:00.000Z","items":[1,2]},'
        '"meta":{"values":{"when":["Date"]}}}'
    )
    assert body_of(request) == {
        "payload": document,
        "options": {"payloadType": "application/super+json", "payloadSize": len(document)},
    }


async def test_non_ascii_goes_out_as_raw_utf8(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    await client.tasks.trigger("send-email", {"name": "Zoë ✓"})
    request = httpx_mock.get_request()
    assert request is not None
    assert '"Zoë ✓"'.encode() in request.content
    assert b"\\u" not in request.content
    assert body_of(request)["options"]["payloadSize"] == 19


async def test_raw_and_list_keys_give_the_same_idempotency_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"}, is_reusable=True)
    await client.tasks.trigger("send-email", idempotency_key="order-42")
    await client.tasks.trigger("send-email", idempotency_key=["order", "42"])
    await client.tasks.trigger(
        "send-email", idempotency_key=client.idempotency_keys.create("order-42")
    )
    await client.tasks.trigger("send-email", idempotency_key=ORDER_42)
    options = [body_of(r)["options"] for r in httpx_mock.get_requests()]
    assert [o["idempotencyKey"] for o in options] == [ORDER_42] * 4
    assert options[0]["idempotencyKeyOptions"] == {"key": "order-42", "scope": "run"}
    assert options[1]["idempotencyKeyOptions"] == {"key": "order-42", "scope": "run"}
    # create() remembers where its hash came from; a bare hash has no known origin.
    assert options[2]["idempotencyKeyOptions"] == {"key": "order-42", "scope": "run"}
    assert "idempotencyKeyOptions" not in options[3]


async def test_trigger_version_env_var_locks_the_version(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIGGER_VERSION", "20250101.7")
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"}, is_reusable=True)
    await client.tasks.trigger("send-email")
    await client.tasks.trigger("send-email", version="20240101.1")
    versions = [body_of(r)["options"]["lockToVersion"] for r in httpx_mock.get_requests()]
    assert versions == ["20250101.7", "20240101.1"]


async def test_task_ids_are_one_encoded_segment(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", json={"id": "run_1"})
    await client.tasks.trigger("ns/task?x=1")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == b"/api/v1/tasks/ns%2Ftask%3Fx%3D1/trigger"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("",), {}, "task_id"),
        ((None,), {}, "task_id"),
        (("t",), {"delay": "-10s"}, "delay must not be negative"),
        (("t",), {"delay": datetime(2030, 1, 1)}, "timezone-aware"),
        (("t",), {"machine": "xl"}, "machine must be one of"),
        (("t",), {"tags": [str(i) for i in range(11)]}, "at most 10"),
        (("t",), {"tags": ["x" * 200]}, "128"),
        (("t",), {"ttl": -5}, "ttl"),
        (("t",), {"max_attempts": 0}, "max_attempts"),
        (("t",), {"idempotency_key": []}, "idempotency_key"),
        (("t",), {"debounce": {"key": "k", "delay": "soon"}}, r"debounce\['delay'\]"),
        (("t",), {"queue": ""}, "queue"),
        (("t", {"when": datetime(2024, 1, 1)}), {}, "naive datetime"),
        (("t", {"raw": b"bytes"}), {}, "bytes"),
        (("t",), {"request_options": {"extra_headers": {"authorization": "x"}}}, "authorization"),
    ],
)
async def test_bad_trigger_input_is_refused_before_sending(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        await client.tasks.trigger(*args, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_trigger_with_raw_response(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=TRIGGER_URL,
        json={"id": "run_1", "isCached": False},
        headers={"x-trigger-jwt": JWT, "x-ratelimit-remaining": "9"},
    )
    response = await client.tasks.with_raw_response.trigger("send-email", {"a": 1})
    assert response.headers["x-ratelimit-remaining"] == "9"
    assert response.parse().public_access_token == JWT


async def test_trigger_errors_map_to_status_errors(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=TRIGGER_URL, status_code=404, json={"error": "Task not found"}
    )
    with pytest.raises(trigger.NotFoundError, match="Task not found"):
        await client.tasks.trigger("send-email")


# -- offloading large payloads ---------------------------------------------------------------


def big_payload() -> dict[str, str]:
    return {"blob": "x" * (128 * 1024)}


def upload_url_response(request: httpx.Request) -> httpx.Response:
    filename = request.url.raw_path.decode().removeprefix("/api/v2/packets/")
    return httpx.Response(
        200, json={"presignedUrl": PRESIGNED_PUT, "storagePath": f"packets/{filename}"}
    )


async def test_large_payloads_are_offloaded_before_the_trigger(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_callback(upload_url_response, method="PUT", url=PACKETS_URL)
    httpx_mock.add_response(method="PUT", url=PRESIGNED_PUT, status_code=200)
    httpx_mock.add_response(
        method="POST", url=TRIGGER_URL, json={"id": "run_big"}, headers={"x-trigger-jwt": JWT}
    )
    payload = big_payload()
    result = await client.tasks.trigger("send-email", payload, tags="big")
    assert result.id == "run_big"
    packet, upload, trigger_request = httpx_mock.get_requests()

    assert packet.method == "PUT"
    raw_path = packet.url.raw_path.decode()
    assert raw_path.startswith("/api/v2/packets/send-email%2Fpayload-")
    assert raw_path.endswith(".json")
    assert packet.content == b""
    assert packet.headers["authorization"] == f"Bearer {SECRET_KEY}"

    serialized = msgspec.json.encode(payload)
    assert upload.method == "PUT"
    assert str(upload.url) == PRESIGNED_PUT
    assert upload.content == serialized
    assert upload.headers["content-type"] == "application/json"
    assert "authorization" not in upload.headers
    assert "x-trigger-request-idempotency-key" not in upload.headers
    assert "trigger-version" not in upload.headers
    # Every request, the storage ones too, asks only for codings decoded in bounded steps.
    assert {r.headers["accept-encoding"] for r in (packet, upload, trigger_request)} == {
        "gzip, deflate"
    }

    filename = raw_path.removeprefix("/api/v2/packets/")
    assert body_of(trigger_request) == {
        "payload": f"packets/{filename}",
        "options": {
            "tags": ["big"],
            "payloadType": "application/store",
            "payloadSize": len(serialized),
        },
    }


async def test_payloads_just_under_the_threshold_are_sent_inline(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    payload = "x" * (128 * 1024 - 3)  # 131071 bytes once quoted
    await client.tasks.trigger("send-email", payload)
    (request,) = httpx_mock.get_requests()
    assert body_of(request)["options"]["payloadSize"] == 128 * 1024 - 1


async def test_the_upload_is_retried_with_short_backoff(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_callback(upload_url_response, method="PUT", url=PACKETS_URL)
    httpx_mock.add_response(method="PUT", url=PRESIGNED_PUT, status_code=503)
    httpx_mock.add_exception(httpx.ConnectError("reset"), method="PUT", url=PRESIGNED_PUT)
    httpx_mock.add_response(method="PUT", url=PRESIGNED_PUT, status_code=200)
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    await client.tasks.trigger("send-email", big_payload())
    uploads = [r for r in httpx_mock.get_requests() if r.url.host == "storage.example.com"]
    assert len(uploads) == 3
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] < 1.0 and 1.0 <= sleeps[1] < 2.0


async def test_a_failing_upload_raises_after_five_attempts(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_callback(upload_url_response, method="PUT", url=PACKETS_URL)
    httpx_mock.add_response(
        method="PUT", url=PRESIGNED_PUT, status_code=500, text="<Error/>", is_reusable=True
    )
    with pytest.raises(trigger.InternalServerError) as caught:
        await client.tasks.trigger("send-email", big_payload())
    assert caught.value.status == 500
    assert "X-Amz-Signature" not in str(caught.value)
    assert len([r for r in httpx_mock.get_requests() if r.url.host == "storage.example.com"]) == 5
    assert len(sleeps) == 4 and all(s <= 5.0 for s in sleeps)
    assert not [r for r in httpx_mock.get_requests() if r.method == "POST"]


async def test_an_unreachable_upload_raises_a_connection_error(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_callback(upload_url_response, method="PUT", url=PACKETS_URL)
    httpx_mock.add_exception(
        httpx.ConnectError("refused"), method="PUT", url=PRESIGNED_PUT, is_reusable=True
    )
    with pytest.raises(trigger.APIConnectionError):
        await client.tasks.trigger("send-email", big_payload(), request_options={"max_attempts": 2})
    assert len(sleeps) == 1


async def test_a_forbidden_upload_is_not_retried(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_callback(upload_url_response, method="PUT", url=PACKETS_URL)
    httpx_mock.add_response(method="PUT", url=PRESIGNED_PUT, status_code=403)
    with pytest.raises(trigger.PermissionDeniedError):
        await client.tasks.trigger("send-email", big_payload())
    assert sleeps == []


async def test_offloading_keeps_the_raw_response_for_the_trigger(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_callback(upload_url_response, method="PUT", url=PACKETS_URL)
    httpx_mock.add_response(method="PUT", url=PRESIGNED_PUT)
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_big"})
    response = await client.tasks.with_raw_response.trigger("send-email", big_payload())
    assert isinstance(response, trigger.APIResponse)
    assert response.parse().id == "run_big"


async def test_offload_leaves_small_and_stored_payloads_alone(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    from trigger._wire.payloads import EncodedPayload, encode_payload

    small = encode_payload({"a": 1})
    assert await client.packets.offload("t", small) is small
    stored = EncodedPayload("p/x.json", "application/store", 200_000, b"")
    assert await client.packets.offload("t", stored) is stored
    assert httpx_mock.get_requests() == []


async def test_an_upload_answer_without_storage_path_is_an_error(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="PUT", json={"presignedUrl": PRESIGNED_PUT})
    with pytest.raises(trigger.APIResponseValidationError):
        await client.tasks.trigger("send-email", big_payload())
    assert len(httpx_mock.get_requests()) == 1


# -- packets -------------------------------------------------------------------------------


async def test_packet_urls(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="PUT",
        url=f"{BASE_URL}/api/v2/packets/run_1%2Fpayload.json",
        json={"presignedUrl": PRESIGNED_PUT, "storagePath": "proj/env/run_1/payload.json"},
    )
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE_URL}/api/v1/packets/run_1%2Fpayload.json",
        json={"presignedUrl": "https://storage.example.com/get?X-Amz-Signature=def"},
    )
    upload = await client.packets.create_upload_url("run_1/payload.json")
    assert upload.presigned_url == PRESIGNED_PUT
    assert upload.storage_path == "proj/env/run_1/payload.json"
    assert "Signature" not in repr(upload)
    download = await client.packets.retrieve_download_url("run_1/payload.json")
    assert download.presigned_url.endswith("X-Amz-Signature=def")
    assert "Signature" not in repr(download)
    put, get = httpx_mock.get_requests()
    assert put.content == b"" and get.content == b""
    with pytest.raises(ValueError, match="filename"):
        await client.packets.retrieve_download_url("")


# -- idempotency keys ------------------------------------------------------------------------


async def test_create_is_local(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    keys = client.idempotency_keys
    assert keys.create("order-42") == ORDER_42
    assert keys.create(["order", "42"], scope="global") == ORDER_42
    assert keys.create("order-42", scope="attempt", parent_run_id="run_abc", attempt_number=2) == (
        hashlib.sha256(b"order-42-run_abc-2").hexdigest()
    )
    # Like the official create(), a 64-character key is hashed too (and takes its scope).
    assert keys.create(ORDER_42) == hashlib.sha256(ORDER_42.encode()).hexdigest()
    assert keys.create(ORDER_42, parent_run_id="run_1") == (
        hashlib.sha256(f"{ORDER_42}-run_1".encode()).hexdigest()
    )
    assert httpx_mock.get_requests() == []


async def test_reset_posts_the_hashed_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/idempotencyKeys/{ORDER_42}/reset",
        json={"id": ORDER_42},
    )
    result = await client.idempotency_keys.reset("send-email", ["order", "42"])
    assert result.id == ORDER_42
    request = httpx_mock.get_request()
    assert request is not None
    assert body_of(request) == {"taskIdentifier": "send-email"}
    assert request.headers["x-trigger-request-idempotency-key"]


async def test_reset_rebuilds_a_run_scoped_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    scoped = hashlib.sha256(b"order-42-run_abc").hexdigest()
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/idempotencyKeys/{scoped}/reset", json={"id": "x"}
    )
    await client.idempotency_keys.reset("send-email", "order-42", parent_run_id="run_abc")
    assert len(httpx_mock.get_requests()) == 1


async def test_reset_of_a_64_character_key_falls_back_to_hashing_it(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    key = "k" * 64
    hashed = hashlib.sha256(key.encode()).hexdigest()
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/idempotencyKeys/{key}/reset",
        status_code=404,
        json={"error": "not found"},
    )
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/idempotencyKeys/{hashed}/reset", json={"id": "k"}
    )
    response = await client.idempotency_keys.with_raw_response.reset("send-email", key)
    assert response.status_code == 200
    assert response.parse().id == "k"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("", "k"), {}, "task_identifier"),
        (("t", ""), {}, "key"),
        (("t", "k"), {"scope": "forever"}, "scope"),
        (("t", "k"), {"scope": "attempt", "parent_run_id": "run_1"}, "attempt_number"),
    ],
)
async def test_bad_reset_input_is_refused_before_sending(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        await client.idempotency_keys.reset(*args, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_a_created_key_sends_its_user_key_and_scope(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"}, is_reusable=True)
    keys = client.idempotency_keys
    global_key = keys.create(["order", "42"], scope="global")
    attempt_key = keys.create("order-42", scope="attempt", parent_run_id="run_a", attempt_number=2)
    await client.tasks.trigger("send-email", idempotency_key=global_key)
    await client.tasks.trigger("send-email", idempotency_key=attempt_key)
    first, second = (body_of(r)["options"] for r in httpx_mock.get_requests())
    # The official client's wire: the hash, and {key, scope} as given to create().
    assert first["idempotencyKey"] == ORDER_42
    assert first["idempotencyKeyOptions"] == {"key": "order-42", "scope": "global"}
    assert second["idempotencyKey"] == hashlib.sha256(b"order-42-run_a-2").hexdigest()
    assert second["idempotencyKeyOptions"] == {"key": "order-42", "scope": "attempt"}


async def test_a_created_key_is_the_hex_string_and_survives_a_pickle(
    client: trigger.AsyncClient,
) -> None:
    key = client.idempotency_keys.create("order-42", scope="global")
    assert key == ORDER_42 and hash(key) == hash(ORDER_42) and isinstance(key, str)
    assert (key.user_key, key.scope) == ("order-42", "global")
    assert repr(key) == repr(ORDER_42)
    again = pickle.loads(pickle.dumps(key))
    assert again == key and (again.user_key, again.scope) == ("order-42", "global")


async def test_a_created_key_is_reset_as_it_is(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    key = client.idempotency_keys.create("order-42", scope="global")
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/idempotencyKeys/{ORDER_42}/reset",
        status_code=404,
        json={"error": "not found"},
    )
    with pytest.raises(trigger.NotFoundError):
        await client.idempotency_keys.reset("send-email", key)
    assert len(httpx_mock.get_requests()) == 1  # a key create() made is never re-hashed


@pytest.mark.parametrize("ttl", ["1h30m", "2w", "1.5h", "90", "1 h", timedelta(seconds=1.5)])
async def test_a_ttl_the_server_would_ignore_is_refused(
    ttl: Any, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # The server honours only <number><s|m|h|d>; anything else silently becomes 30 days.
    with pytest.raises(ValueError, match="idempotency_key_ttl"):
        await client.tasks.trigger("send-email", idempotency_key="k", idempotency_key_ttl=ttl)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("ttl", "sent"),
    [
        ("45s", "45s"),
        ("7d", "7d"),
        (timedelta(minutes=90), "90m"),
        (timedelta(hours=48), "2d"),
        (timedelta(seconds=61), "61s"),
    ],
)
async def test_ttls_go_out_in_the_form_the_server_reads(
    ttl: Any, sent: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    await client.tasks.trigger(
        "send-email", idempotency_key="k", idempotency_key_ttl=ttl, delay="1h30m"
    )
    options = body_of(httpx_mock.get_request())["options"]
    assert options["idempotencyKeyTTL"] == sent
    assert options["delay"] == "1h30m"  # delays keep their richer grammar


# -- the key a call gives its retries ---------------------------------------------------------


@pytest.fixture
async def retrying(httpx_mock: HTTPXMock) -> AsyncIterator[trigger.AsyncClient]:
    """A client that retries (quickly), so triggers carry the call's own key."""
    retry = trigger.RetryOptions(max_attempts=3, min_timeout=0.001, max_timeout=0.001)
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, retry=retry) as client:
        yield client


async def test_a_trigger_without_a_key_gets_the_calls_own(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("lost"), method="POST", url=TRIGGER_URL)
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1", "isCached": True})
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_2"})
    result = await retrying.tasks.trigger("send-email", {"n": 1}, tags="t")
    second = await retrying.tasks.trigger("send-email", {"n": 1}, tags="t")
    first_try, retry, other = httpx_mock.get_requests()
    header = first_try.headers["x-trigger-request-idempotency-key"]
    options = body_of(first_try)["options"]
    assert options["idempotencyKey"] == f"request-{header}"
    assert options["idempotencyKeyTTL"] == "24h"
    assert "idempotencyKeyOptions" not in options  # no key of the caller's to show
    assert body_of(retry) == body_of(first_try)
    assert retry.headers["x-trigger-request-idempotency-key"] == header
    # The run found by the call's own key was started by this call: not cached for it.
    assert (result.id, result.is_cached) == ("run_1", False)
    # Another call is another run: its key is its own.
    assert body_of(other)["options"]["idempotencyKey"] != options["idempotencyKey"]
    assert second.id == "run_2"


async def test_a_callers_key_and_ttl_are_left_alone(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1", "isCached": True})
    result = await retrying.tasks.trigger(
        "send-email", idempotency_key="order-42", idempotency_key_ttl="5m"
    )
    options = body_of(httpx_mock.get_request())["options"]
    assert (options["idempotencyKey"], options["idempotencyKeyTTL"]) == (ORDER_42, "5m")
    assert result.is_cached is True  # the caller's key found an earlier run


async def test_a_request_key_of_the_callers_makes_repeated_calls_one_run(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # Even with retries off: the header promises it, the server no longer keeps it.
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"}, is_reusable=True)
    for _ in range(2):
        await client.tasks.trigger(
            "send-email", idempotency_key_ttl="1m", request_options={"idempotency_key": "op-7"}
        )
    sent = [body_of(r)["options"] for r in httpx_mock.get_requests()]
    assert [(o["idempotencyKey"], o["idempotencyKeyTTL"]) for o in sent] == [
        ("request-op-7", "24h")
    ] * 2


async def test_one_attempt_only_adds_no_key(
    client: trigger.AsyncClient, retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"}, is_reusable=True)
    await client.tasks.trigger("send-email")  # a client with max_attempts=1
    await retrying.tasks.trigger("send-email", request_options={"max_attempts": 1})
    for request in httpx_mock.get_requests():
        assert "idempotencyKey" not in body_of(request)["options"]


async def test_a_raw_trigger_reports_the_calls_own_run_as_new(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1", "isCached": True})
    response = await retrying.tasks.with_raw_response.trigger("send-email")
    assert response.parse().is_cached is False


async def test_a_bad_request_key_is_refused_before_sending(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        await retrying.tasks.trigger("send-email", request_options={"idempotency_key": "a\nb"})
    assert httpx_mock.get_requests() == []


# -- batch trigger of one task ---------------------------------------------------------------


async def test_batch_trigger_runs_the_two_phase_exchange(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v3/batches",
        status_code=202,
        json={"id": "batch_1", "runCount": 2, "isCached": False},
        headers={"x-trigger-jwt": JWT},
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v3/batches/batch_1/items",
        json={"id": "batch_1", "itemsAccepted": 2, "itemsDeduplicated": 0, "sealed": True},
    )
    result = await client.tasks.batch_trigger(
        "send-email",
        [
            {"payload": {"to": "a@example.com"}},
            {"payload": {"to": "b@example.com"}, "options": {"tags": ["b"]}},
        ],
    )
    assert result.id == "batch_1" and result.run_count == 2
    create, stream = httpx_mock.get_requests()
    assert body_of(create) == {"runCount": 2, "taskIdentifiers": ["send-email"]}
    lines = [msgspec.json.decode(line) for line in stream.content.splitlines()]
    assert [line["task"] for line in lines] == ["send-email", "send-email"]
    assert [line["index"] for line in lines] == [0, 1]
    assert lines[0]["payload"] == {"to": "a@example.com"}
    assert lines[1]["options"]["tags"] == ["b"]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ({"payload": 1}, "sequence"),
        (["x"], r"items\[0\] must be a mapping"),
        ([{"payload": 1, "task": "other"}], "unknown keys: task"),
        ([{"options": {"machine": "xl"}}], "machine"),
    ],
)
async def test_bad_batch_items_are_refused_before_sending(
    items: Any, message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        await client.tasks.batch_trigger("send-email", items)
    assert httpx_mock.get_requests() == []


async def test_numbers_and_fractions_go_out_as_the_official_client_sends_them(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TRIGGER_URL, json={"id": "run_1"})
    await client.tasks.trigger(
        "send-email", concurrency_key=1.5, delay=timedelta(seconds=1.2), ttl=timedelta(seconds=9.1)
    )
    request = httpx_mock.get_request()
    assert request is not None
    options = body_of(request)["options"]
    assert options["concurrencyKey"] == "1.5"
    assert options["delay"] == "2s"
    assert options["ttl"] == 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metadata": {"ratio": float("nan")}}, "NaN or an infinity"),
        ({"metadata": {"deep": [{"x": float("inf")}]}}, "NaN or an infinity"),
        ({"delay": "2024-13-99"}, "not a valid ISO 8601 date"),
        ({"delay": "1h\n"}, "duration"),
        ({"delay": "1" * 100 + "s"}, "duration"),
        ({"concurrency_key": float("inf")}, "concurrency_key"),
    ],
)
async def test_values_json_would_change_are_refused(
    kwargs: dict[str, Any], message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match=message):
        await client.tasks.trigger("send-email", {"n": 1}, **kwargs)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c, ttl: c.tasks.trigger("t", idempotency_key="k", idempotency_key_ttl=ttl),
        lambda c, ttl: c.tasks.batch_trigger(
            "t", [{}], idempotency_key="k", idempotency_key_ttl=ttl
        ),
        lambda c, ttl: c.batch.trigger(
            [{"task": "t"}], idempotency_key="k", idempotency_key_ttl=ttl
        ),
        lambda c, ttl: c.batch.trigger([{"task": "t", "options": {"idempotency_key_ttl": ttl}}]),
        lambda c, ttl: c.batch.stream_items("b", [{"task": "t"}], idempotency_key_ttl=ttl),
        lambda c, ttl: c.batch.trigger_v1([{"task": "t", "options": {"idempotency_key_ttl": ttl}}]),
        lambda c, ttl: c.batch.trigger_v2([{"task": "t", "options": {"idempotency_key_ttl": ttl}}]),
        lambda c, ttl: c.batch.trigger_task_v1("t", [{"options": {"idempotency_key_ttl": ttl}}]),
        lambda c, ttl: c.wait.create_token(idempotency_key="k", idempotency_key_ttl=ttl),
        lambda c, ttl: c.runs.replay("run_1", idempotency_key="k", idempotency_key_ttl=ttl),
    ],
)
@pytest.mark.parametrize("ttl", ["1h30m", "2w", timedelta(milliseconds=1500)])
async def test_every_call_refuses_a_ttl_the_server_would_ignore(
    call: Any, ttl: Any, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match="idempotency_key_ttl"):
        await call(client, ttl)
    assert httpx_mock.get_requests() == []
