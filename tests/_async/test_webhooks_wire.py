"""Webhook endpoints, deliveries and waiters on the wire: method, path, query and body exactly
as the official 4.8.3 client sends them, the answers decoded, bad input refused unsent."""

from __future__ import annotations

import hashlib
import json
import pickle
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from tests.operations.webhooks import (
    DELIVERY,
    ENDPOINT,
    ENDPOINT_DETAIL,
    LISTED_DELIVERY,
    SECRET,
    WAITER,
)
from trigger.types.webhooks import WebhookEndpoint
from trigger.webhooks import (
    WebhookEndpointNotFoundError,
    WebhookFilterError,
    WebhookWaiterError,
    WebhookWaiterLimitError,
)

pytestmark = pytest.mark.anyio

API = f"{BASE_URL}/api/v1/webhooks"


def sent(httpx_mock: HTTPXMock) -> httpx.Request:
    request = httpx_mock.get_request()
    assert request is not None
    return request


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


# -- endpoints ---------------------------------------------------------------------------------


async def test_list_endpoints(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", url=f"{API}/endpoints", json={"data": [ENDPOINT]})
    endpoints = await client.webhooks.endpoints.list()
    request = sent(httpx_mock)
    assert request.url.query == b"" and request.content == b""
    assert [e.declared_id for e in endpoints] == ["stripe"]
    endpoint = endpoints[0]
    assert isinstance(endpoint, WebhookEndpoint)
    assert (endpoint.id, endpoint.source, endpoint.status) == (ENDPOINT["id"], "stripe", "active")
    assert (endpoint.secret_provisioning, endpoint.secret_set) == ("provider", True)
    assert endpoint.tenant_id is None and endpoint.external_ref is None
    assert endpoint.url.endswith("/webhooks/v1/ingest/op_7f3k2m9x")
    assert endpoint.created_at == datetime(2024, 5, 20, 8, 15, tzinfo=timezone.utc)


async def test_retrieve_endpoint_encodes_the_id(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=ENDPOINT_DETAIL)
    detail = await client.webhooks.endpoints.retrieve("billing/stripe é")
    request = sent(httpx_mock)
    assert request.method == "GET"
    assert request.url.raw_path == b"/api/v1/webhooks/endpoints/billing%2Fstripe%20%C3%A9"
    assert [(s.id, s.type, s.task_id) for s in detail.subscribers] == [
        ("fulfil-order", "task", "fulfil-order"),
        ("support-agent:refund", "session", "support-agent"),
    ]
    assert detail.subscribers[0].filter == "event.type == 'checkout.session.completed'"
    assert detail.subscribers[1].filter is None
    assert detail.setup_prompt.startswith("Add https://")


async def test_an_endpoint_model_names_its_endpoint(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=WAITER)
    model = trigger.types.WebhookEndpoint(
        **{  # type: ignore[arg-type]
            "id": "wh_x/y",
            "declared_id": "stripe",
            "source": "stripe",
            "status": "active",
            "secret_provisioning": "provider",
            "secret_set": True,
            "url": "u",
            "created_at": datetime(2024, 1, 1, tzinfo=timezone.utc),
            "updated_at": datetime(2024, 1, 1, tzinfo=timezone.utc),
        }
    )
    await client.webhooks.waiters.create(model)
    assert sent(httpx_mock).url.raw_path == b"/api/v1/webhooks/endpoints/wh_x%2Fy/waiters"


async def test_generate_secret_sends_an_empty_object_and_hides_the_secret(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{API}/endpoints/stripe/rotate-secret", json=SECRET)
    secret = await client.webhooks.endpoints.generate_secret("stripe")
    request = sent(httpx_mock)
    assert request.content == b"{}"
    assert request.headers["content-type"] == "application/json"
    assert secret.secret == SECRET["secret"] and secret.secret_set is True
    assert SECRET["secret"] not in repr(secret) and "secret='***'" in repr(secret)
    assert secret.previous_secret_expires_at is None


@pytest.mark.parametrize(
    ("ttl", "expected"),
    [(3600, 3600), (0, 0), (timedelta(days=7), 604800), (timedelta(minutes=5), 300)],
)
async def test_generate_secret_with_a_grace_period(
    ttl: Any, expected: int, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    expires = "2024-05-23T12:59:00.000Z"
    httpx_mock.add_response(json={**SECRET, "previousSecretExpiresAt": expires})
    secret = await client.webhooks.endpoints.generate_secret("stripe", previous_secret_ttl=ttl)
    assert body_of(sent(httpx_mock)) == {"previousSecretTtlSeconds": expected}
    assert secret.previous_secret_expires_at == expires


async def test_set_secret_sends_the_secret_as_given(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="PUT",
        url=f"{API}/endpoints/wh_cm3k9x2pq0001abcd1234efgh/secret",
        json={
            "id": ENDPOINT["id"],
            "secretSet": True,
            "previousSecretExpiresAt": "2024-05-24T00:00:00.000Z",
        },
    )
    result = await client.webhooks.endpoints.set_secret(
        ENDPOINT["id"], "  whsec_from_stripe  ", previous_secret_ttl=86400
    )
    request = sent(httpx_mock)
    assert request.content == b'{"secret":"  whsec_from_stripe  ","previousSecretTtlSeconds":86400}'
    assert result.secret_set is True and result.previous_secret_expires_at is not None


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda c: c.webhooks.endpoints.retrieve(""), ValueError, "endpoint_id"),
        (lambda c: c.webhooks.endpoints.retrieve(5), TypeError, "endpoint_id"),
        (
            lambda c: c.webhooks.endpoints.generate_secret("s", previous_secret_ttl=-1),
            ValueError,
            "0 to 604800",
        ),
        (
            lambda c: c.webhooks.endpoints.generate_secret("s", previous_secret_ttl=604801),
            ValueError,
            "7 days",
        ),
        (
            lambda c: c.webhooks.endpoints.generate_secret("s", previous_secret_ttl=1.5),
            TypeError,
            "previous_secret_ttl must be an int",
        ),
        (
            lambda c: c.webhooks.endpoints.generate_secret("s", previous_secret_ttl="1h"),
            TypeError,
            "previous_secret_ttl",
        ),
        (
            lambda c: c.webhooks.endpoints.generate_secret(
                "s", previous_secret_ttl=timedelta(milliseconds=1500)
            ),
            ValueError,
            "whole number",
        ),
        (
            lambda c: c.webhooks.endpoints.set_secret("s", "   "),
            ValueError,
            "1 to 4096 characters once trimmed, got 0",
        ),
        (lambda c: c.webhooks.endpoints.set_secret("s", "x" * 4097), ValueError, "got 4097"),
        (lambda c: c.webhooks.endpoints.set_secret("s", None), TypeError, "secret must be a str"),
    ],
)
async def test_endpoint_calls_refuse_bad_input_before_sending(
    call: Any, error: type, message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(error, match=message):
        await call(client)
    assert httpx_mock.get_requests() == []


async def test_a_refused_secret_is_never_echoed(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match="once trimmed") as caught:
        await client.webhooks.endpoints.set_secret("s", "whsec_LEAK" + "x" * 4096)
    assert "LEAK" not in str(caught.value)


# -- deliveries --------------------------------------------------------------------------------


async def test_list_deliveries_sends_every_filter_in_the_official_order(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"data": [LISTED_DELIVERY], "pagination": {"next": "c2"}})
    page = await client.webhooks.deliveries.list(
        endpoint=["stripe", "wh_cm3k9x2pq0001abcd1234efgh"],
        status=["failed", "unmatched"],
        period="7d",
        from_=datetime(2024, 5, 1, tzinfo=timezone.utc),
        to="2024-05-31T23:59:59.000Z",
        limit=25,
        after="c1",
    )
    request = sent(httpx_mock)
    assert request.method == "GET" and request.url.path == "/api/v1/webhooks/deliveries"
    assert request.url.query.decode() == (
        "filter%5Bendpoint%5D=stripe%2Cwh_cm3k9x2pq0001abcd1234efgh"
        "&filter%5Bstatus%5D=failed%2Cunmatched&filter%5Bperiod%5D=7d"
        "&filter%5Bfrom%5D=2024-05-01T00%3A00%3A00.000Z&filter%5Bto%5D=2024-05-31T23%3A59%3A59.000Z"
        "&page%5Bsize%5D=25&page%5Bafter%5D=c1"
    )
    delivery = page.data[0]
    assert delivery.endpoint is not None and delivery.endpoint.declared_id == "stripe"
    assert (delivery.status, delivery.external_delivery_id) == ("succeeded", "evt_1PqR2sT3uV4wX5yZ")
    assert delivery.is_test is False and delivery.processed_at is not None
    assert page.has_next_page()


async def test_list_deliveries_without_filters_and_every_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{API}/deliveries?filter%5Bstatus%5D=filtered",
        json={
            "data": [{**LISTED_DELIVERY, "id": "whd_a", "endpoint": None}],
            "pagination": {"next": "whd_a"},
        },
    )
    httpx_mock.add_response(
        url=f"{API}/deliveries?filter%5Bstatus%5D=filtered&page%5Bafter%5D=whd_a",
        json={"data": [{**LISTED_DELIVERY, "id": "whd_b"}], "pagination": {"previous": "whd_b"}},
    )
    httpx_mock.add_response(url=f"{API}/deliveries", json={"data": [], "pagination": {}})
    items = [(d.id, d.endpoint) async for d in client.webhooks.deliveries.list(status="filtered")]
    assert [ident for ident, _ in items] == ["whd_a", "whd_b"]
    assert items[0][1] is None
    assert (await client.webhooks.deliveries.list()).data == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"status": "open"}, ValueError, "unknown value"),
        ({"status": []}, ValueError, "at least one status"),
        ({"endpoint": []}, ValueError, "at least one endpoint"),
        ({"endpoint": [3]}, TypeError, "endpoint"),
        ({"period": ""}, ValueError, "period"),
        ({"from_": datetime(2024, 1, 1)}, ValueError, "timezone-aware"),
        ({"to": 5}, TypeError, "to"),
        ({"limit": 0}, ValueError, "limit"),
        ({"limit": 101}, ValueError, "limit"),
        ({"after": ""}, ValueError, "after"),
    ],
)
async def test_list_deliveries_refuses_bad_input_before_sending(
    kwargs: dict[str, Any],
    error: type,
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.webhooks.deliveries.list(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_retrieve_delivery(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=DELIVERY)
    delivery = await client.webhooks.deliveries.retrieve("whd_06h3/../x")
    assert sent(httpx_mock).url.raw_path == b"/api/v1/webhooks/deliveries/whd_06h3%2F..%2Fx"
    assert delivery.event == {"id": "evt_1PqR2sT3uV4wX5yZ", "type": "checkout.session.completed"}
    assert delivery.headers == {"content-type": "application/json", "user-agent": "Stripe/1.0"}
    assert delivery.idempotency_key == "evt_1PqR2sT3uV4wX5yZ"
    task, waiters = delivery.targets
    assert (task.id, task.type, task.status, task.run_id) == (
        "fulfil-order",
        "task",
        "succeeded",
        "run_cm1a2b3c4d5e6f7g8h9i0j1k",
    )
    assert waiters.waiters is not None
    assert (waiters.type, waiters.waiters.matched, waiters.waiters.resumed) == ("waiter", 2, 2)


async def test_replay_posts_without_a_body(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"deliveryId": "whd_new", "replayedFrom": "whd_old"})
    httpx_mock.add_response(json={"deliveryId": "whd_new2", "replayedFrom": "whd_old"})
    replayed = await client.webhooks.deliveries.replay("whd_old")
    await client.webhooks.deliveries.replay("whd_old", target_id="support-agent:refund")
    first, second = httpx_mock.get_requests()
    assert (first.method, first.url.path, first.url.query, first.content) == (
        "POST",
        "/api/v1/webhooks/deliveries/whd_old/replay",
        b"",
        b"",
    )
    assert second.url.query == b"targetId=support-agent%3Arefund"
    assert (replayed.delivery_id, replayed.replayed_from) == ("whd_new", "whd_old")


# -- waiters -----------------------------------------------------------------------------------


async def test_create_waiter_sends_the_official_body(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={**WAITER, "isCached": True})
    waiter = await client.webhooks.waiters.create(
        "stripe",
        match={
            "event.data.object.metadata.orderId": "ord_42",
            "event.livemode": False,
            "event.amount": 4200,
        },
        filter="event.type in ['payment_intent.succeeded', 'payment_intent.payment_failed']",
        timeout="1h",
        tags=["order:ord_42"],
        idempotency_key="payment-ord_42",
        idempotency_key_ttl="1d",
    )
    request = sent(httpx_mock)
    assert (request.method, request.url.path) == (
        "POST",
        "/api/v1/webhooks/endpoints/stripe/waiters",
    )
    # Hashed as the official makeIdempotencyKey hashes a string outside a task.
    key = hashlib.sha256(b"payment-ord_42").hexdigest()
    assert request.content == (
        b'{"match":{"event.data.object.metadata.orderId":"ord_42","event.livemode":false,'
        b'"event.amount":4200},"filter":"event.type in [\'payment_intent.succeeded\', '
        b'\'payment_intent.payment_failed\']","timeout":"1h","tags":["order:ord_42"],'
        b'"idempotencyKey":"' + key.encode() + b'","idempotencyKeyTTL":"1d"}'
    )
    assert waiter.id == WAITER["id"] and waiter.is_cached is True and waiter.url is None
    assert waiter.expires_at == datetime(2024, 5, 24, 11, 58, 40, tzinfo=timezone.utc)


async def test_create_waiter_always_sends_a_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    url = "https://api.trigger.dev/webhooks/v1/ingest/op_7f3k2m9x/waiters/tok"
    httpx_mock.add_response(json={**WAITER, "url": url}, is_reusable=True)
    waiter = await client.webhooks.waiters.create("replicate")
    await client.webhooks.waiters.create(
        "replicate", timeout=datetime(2024, 6, 1, 12, tzinfo=timezone.utc), tags="one-tag"
    )
    await client.webhooks.waiters.create("replicate", timeout=timedelta(hours=2))
    prehashed = "a" * 64
    await client.webhooks.waiters.create("replicate", idempotency_key=prehashed)
    first, second, third, fourth = (body_of(r) for r in httpx_mock.get_requests())
    assert list(first) == ["idempotencyKey"]
    assert str(uuid.UUID(first["idempotencyKey"])) == first["idempotencyKey"]
    assert second == {
        "timeout": "2024-06-01T12:00:00.000Z",
        "tags": "one-tag",
        "idempotencyKey": second["idempotencyKey"],
    }
    assert second["idempotencyKey"] != first["idempotencyKey"]
    assert third["timeout"] == "7200s"
    assert fourth["idempotencyKey"] == prehashed
    assert waiter.url == url


async def test_a_retried_create_keeps_its_key(
    retrying_client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, json={"error": "busy"})
    httpx_mock.add_response(json=WAITER)
    await retrying_client.webhooks.waiters.create("stripe", match={"event.id": "evt_1"})
    first, second = httpx_mock.get_requests()
    assert first.content == second.content
    assert (
        first.headers["x-trigger-request-idempotency-key"]
        == second.headers["x-trigger-request-idempotency-key"]
    )
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"match": {}}, ValueError, "at least one path"),
        ({"match": {f"event.f{i}": i for i in range(6)}}, ValueError, "at most 5 paths, got 6"),
        ({"match": {"type": "x"}}, ValueError, "needs a namespace"),
        ({"match": {"event.": "x"}}, ValueError, "needs a namespace"),
        ({"match": {"event.a": None}}, TypeError, "str, number or bool"),
        ({"match": {"event.a": ["x"]}}, TypeError, "str, number or bool"),
        ({"match": {"event.a": float("nan")}}, ValueError, "finite"),
        ({"match": {1: "x"}}, TypeError, "paths must be str"),
        ({"match": [("event.a", 1)]}, TypeError, "mapping"),
        ({"filter": ""}, ValueError, "filter"),
        ({"timeout": ""}, ValueError, "timeout"),
        ({"timeout": datetime(2024, 1, 1)}, ValueError, "timezone-aware"),
        ({"timeout": timedelta(0)}, ValueError, "positive"),
        ({"tags": [f"t{i}" for i in range(11)]}, ValueError, "at most 10 tags"),
        ({"tags": [1]}, TypeError, "tags"),
        ({"idempotency_key": ""}, ValueError, "idempotency_key"),
        ({"idempotency_key_ttl": "1h30m"}, ValueError, "idempotency_key_ttl"),
    ],
)
async def test_create_waiter_refuses_bad_input_before_sending(
    kwargs: dict[str, Any],
    error: type,
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.webhooks.waiters.create("stripe", **kwargs)
    with pytest.raises(TypeError, match="endpoint_id must be an id"):
        await client.webhooks.waiters.create(None)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            {
                "error": "Too many live waiters",
                "code": "webhook_waiter_limit",
                "reason": "endpoint_limit",
            },
            WebhookWaiterLimitError,
        ),
        (
            404,
            {"error": "Endpoint stripe is not deployed", "code": "webhook_endpoint_not_found"},
            WebhookEndpointNotFoundError,
        ),
        (
            400,
            {"error": "Invalid filter: expected a value", "code": "webhook_filter_invalid"},
            WebhookFilterError,
        ),
    ],
)
async def test_refusals_are_typed(
    status: int,
    body: dict[str, Any],
    error: type[WebhookWaiterError],
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(status_code=status, json=body, headers={"x-request-id": "req_1"})
    with pytest.raises(error) as caught:
        await client.webhooks.waiters.create("stripe", match={"event.id": "evt_1"})
    refused = caught.value
    assert isinstance(refused, trigger.APIStatusError)
    assert refused.status == status and refused.code == body["code"]
    assert refused.message == body["error"] and refused.body == body
    assert refused.headers["x-request-id"] == "req_1"
    assert refused.request is not None and refused.request.headers["authorization"] == "Bearer ***"
    if isinstance(refused, WebhookWaiterLimitError):
        assert refused.reason == "endpoint_limit"
    again = pickle.loads(pickle.dumps(refused))
    assert type(again) is error and again.code == body["code"]


async def test_other_refusals_keep_their_status_class(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=400, json={"error": "bad body", "code": "invalid_request"})
    with pytest.raises(trigger.BadRequestError) as caught:
        await client.webhooks.waiters.create("stripe")
    assert not isinstance(caught.value, WebhookWaiterError)


async def test_a_limit_without_a_reason_is_an_endpoint_limit(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        status_code=429, json={"error": "limit", "code": "webhook_waiter_limit"}
    )
    with pytest.raises(WebhookWaiterLimitError) as caught:
        await client.webhooks.waiters.create("stripe")
    assert caught.value.reason == "endpoint_limit"


@pytest.mark.parametrize(
    ("answer", "cancelled", "reason", "delivery"),
    [
        ({"cancelled": True}, True, None, None),
        (
            {"cancelled": False, "reason": "too_late", "deliveryId": "whd_1"},
            False,
            "too_late",
            "whd_1",
        ),
        ({"cancelled": False}, False, "too_late", ""),
    ],
)
async def test_cancel_waiter(
    answer: dict[str, Any],
    cancelled: bool,
    reason: str | None,
    delivery: str | None,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json=answer)
    result = await client.webhooks.waiters.cancel("waitpoint_cm4w8t2x")
    request = sent(httpx_mock)
    assert (request.method, request.url.path, request.content) == (
        "POST",
        "/api/v1/webhooks/waiters/waitpoint_cm4w8t2x/cancel",
        b"",
    )
    assert (result.cancelled, result.reason, result.delivery_id) == (cancelled, reason, delivery)


async def test_cancel_takes_the_waiter_itself(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=WAITER)
    httpx_mock.add_response(json={"cancelled": True})
    waiter = await client.webhooks.waiters.create("stripe")
    await client.webhooks.waiters.cancel(waiter)
    assert (
        httpx_mock.get_requests()[1].url.path == f"/api/v1/webhooks/waiters/{WAITER['id']}/cancel"
    )
    with pytest.raises(TypeError, match="waiter"):
        await client.webhooks.waiters.cancel(42)  # type: ignore[arg-type]


async def test_raw_responses(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=ENDPOINT_DETAIL, headers={"x-request-id": "r1"})
    httpx_mock.add_response(json={"cancelled": False}, headers={"x-request-id": "r2"})
    raw = await client.webhooks.endpoints.with_raw_response.retrieve("stripe")
    assert raw.headers["x-request-id"] == "r1" and raw.parse().declared_id == "stripe"
    cancel = await client.webhooks.waiters.with_raw_response.cancel("waitpoint_x")
    assert cancel.parse().reason == "too_late"
