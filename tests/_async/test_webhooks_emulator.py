"""Webhook endpoints, deliveries and waiters for real: the SDK against the emulator.

Endpoints are declared through ``emulator.webhooks`` (as a deploy declares them on the
server); deliveries arrive at their hosted URL as a provider would post them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, TaskContext
from trigger.webhooks import (
    WebhookEndpointNotFoundError,
    WebhookFilterError,
    WebhookWaiterLimitError,
)

pytestmark = pytest.mark.anyio

PAID = "event.type == 'checkout.session.completed'"


@pytest.fixture
async def client(trigger_emulator: Emulator) -> AsyncIterator[trigger.AsyncClient]:
    async with trigger.AsyncClient(
        trigger_emulator.secret_key, base_url=trigger_emulator.url, timeout=30
    ) as client:
        yield client


def stripe_endpoint(emulator: Emulator, tasks: Any = ()) -> dict[str, Any]:
    return emulator.webhooks.endpoint("stripe", source="stripe", tasks=tasks)


def post(url: str, event: dict[str, Any], **headers: str) -> httpx.Response:
    response = httpx.post(url, json=event, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_endpoints_list_retrieve_and_secrets(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    declared = trigger_emulator.webhooks.endpoint(
        "stripe", source="stripe", tasks={"fulfil-order": PAID, "audit-log": None}
    )
    trigger_emulator.webhooks.endpoint("github", source="github", secret="gh-secret")
    listed = await client.webhooks.endpoints.list()
    assert [e.declared_id for e in listed] == ["github", "stripe"]
    assert [e.secret_set for e in listed] == [True, False]
    detail = await client.webhooks.endpoints.retrieve("stripe")
    assert detail.id == declared["id"] and detail.id.startswith("wh_")
    assert detail.url == declared["url"] and detail.url.startswith(trigger_emulator.url)
    assert detail.status == "active" and detail.source == "stripe"
    assert [(s.task_id, s.filter) for s in detail.subscribers] == [
        ("fulfil-order", PAID),
        ("audit-log", None),
    ]
    assert (await client.webhooks.endpoints.retrieve(detail.id)).declared_id == "stripe"

    generated = await client.webhooks.endpoints.generate_secret("stripe")
    assert generated.secret.startswith("whsec_") and len(generated.secret) == 6 + 64
    assert generated.previous_secret_expires_at is None  # there was no secret to keep
    rotated = await client.webhooks.endpoints.generate_secret("stripe", previous_secret_ttl=3600)
    assert rotated.secret != generated.secret and rotated.previous_secret_expires_at is not None
    assert (await client.webhooks.endpoints.retrieve("stripe")).secret_set is True
    replaced = await client.webhooks.endpoints.set_secret("github", "whsec_from_github")
    assert replaced.id == listed[0].id and replaced.secret_set is True
    with pytest.raises(trigger.NotFoundError, match="Not found"):
        await client.webhooks.endpoints.retrieve("shopify")


async def test_a_delivery_runs_the_subscribed_task(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    received: list[Any] = []

    @trigger_emulator.task("fulfil-order")
    def fulfil(payload: Any) -> dict[str, Any]:
        received.append(payload)
        return {"fulfilled": payload["event"]["data"]["object"]["id"]}

    endpoint = stripe_endpoint(trigger_emulator, {"fulfil-order": PAID})
    event = {
        "id": "evt_1",
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_1"}},
    }
    answer = post(endpoint["url"], event, **{"stripe-signature": "t=1,v1=abc"}).json()
    assert answer["received"] is True and answer["deliveryId"].startswith("whd_")

    delivery = await client.webhooks.deliveries.retrieve(answer["deliveryId"])
    assert delivery.status == "succeeded" and delivery.event == event
    assert delivery.external_delivery_id == "evt_1" and delivery.idempotency_key == "evt_1"
    assert delivery.endpoint is not None and delivery.endpoint.declared_id == "stripe"
    assert delivery.headers is not None and delivery.headers["stripe-signature"] == "t=1,v1=abc"
    (target,) = delivery.targets
    assert (target.id, target.type, target.status) == ("fulfil-order", "task", "succeeded")
    assert target.run_id is not None
    run = await client.runs.poll(target.run_id, interval=0.1, timeout=15)
    assert run.status == "COMPLETED" and run.output == {"fulfilled": "cs_1"}
    assert sorted(run.tags) == [f"webhook:endpoint:{endpoint['id']}", "webhook:source:stripe"]
    assert received[0]["event"] == event
    assert received[0]["endpoint"] == {
        "id": endpoint["id"],
        "declaredId": "stripe",
        "tenantId": None,
        "externalRef": None,
    }
    # A provider's retry of the same event is a duplicate: the same delivery, no second run.
    again = post(endpoint["url"], event).json()
    assert again["deliveryId"] == answer["deliveryId"]
    page = await client.webhooks.deliveries.list()
    assert [d.id for d in page.data] == [answer["deliveryId"]]


async def test_filtered_and_unmatched_deliveries(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    endpoint = stripe_endpoint(trigger_emulator, {"fulfil-order": PAID})
    refund = post(endpoint["url"], {"id": "evt_2", "type": "charge.refunded"}).json()
    filtered = await client.webhooks.deliveries.retrieve(refund["deliveryId"])
    assert filtered.status == "filtered"
    assert filtered.filter_reason == (
        'event.type is "charge.refunded", expected == "checkout.session.completed"'
    )
    assert filtered.targets[0].status == "filtered" and filtered.targets[0].run_id is None
    await client.webhooks.waiters.create("stripe", match={"event.data.object.id": "pi_9"})
    other = post(endpoint["url"], {"id": "evt_3", "type": "charge.refunded"}).json()
    assert (await client.webhooks.deliveries.retrieve(other["deliveryId"])).status == "unmatched"
    statuses = [d.status async for d in client.webhooks.deliveries.list()]
    assert statuses == ["unmatched", "filtered"]  # newest first
    only = [d.id async for d in client.webhooks.deliveries.list(status="unmatched")]
    assert only == [other["deliveryId"]]


async def test_every_page_of_deliveries_newest_first(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    endpoint = stripe_endpoint(trigger_emulator)
    trigger_emulator.webhooks.endpoint("github", source="github")
    ids = [
        post(endpoint["url"], {"id": f"evt_{i}", "type": "ping"}).json()["deliveryId"]
        for i in range(5)
    ]
    walked = [d.id async for d in client.webhooks.deliveries.list(limit=2)]
    assert walked == ids[::-1]
    first = await client.webhooks.deliveries.list(limit=2)
    assert [d.id for d in first.data] == [ids[4], ids[3]] and not first.has_previous_page()
    second = await first.get_next_page()
    assert [d.id for d in second.data] == [ids[2], ids[1]]
    back = await second.get_previous_page()
    assert [d.id for d in back.data] == [ids[4], ids[3]]
    assert [d.id async for d in client.webhooks.deliveries.list(endpoint="github")] == []
    recent = client.webhooks.deliveries.list(endpoint=["stripe"], period="1h")
    assert len([d.id async for d in recent]) == 5


async def test_replay_routes_the_event_again(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    trigger_emulator.register("fulfil-order", lambda payload: payload["event"]["id"])
    trigger_emulator.register("audit-log", lambda payload: "logged")
    endpoint = stripe_endpoint(
        trigger_emulator, {"fulfil-order": PAID, "audit-log": "event.type == 'x'"}
    )
    first = post(endpoint["url"], {"id": "evt_7", "type": "checkout.session.completed"}).json()
    replayed = await client.webhooks.deliveries.replay(first["deliveryId"])
    assert (
        replayed.replayed_from == first["deliveryId"]
        and replayed.delivery_id != first["deliveryId"]
    )
    original = await client.webhooks.deliveries.retrieve(first["deliveryId"])
    replay = await client.webhooks.deliveries.retrieve(replayed.delivery_id)
    assert replay.event == original.event and replay.status == "succeeded"
    assert replay.targets[0].run_id not in (None, original.targets[0].run_id)
    assert replay.targets[1].status == "filtered"
    # To one subscriber past its filter.
    forced = await client.webhooks.deliveries.replay(first["deliveryId"], target_id="audit-log")
    (audit,) = (await client.webhooks.deliveries.retrieve(forced.delivery_id)).targets
    assert (audit.id, audit.status) == ("audit-log", "succeeded")
    assert audit.run_id is not None
    assert (await client.runs.poll(audit.run_id, interval=0.1, timeout=15)).output == "logged"
    with pytest.raises(trigger.NotFoundError):
        await client.webhooks.deliveries.replay("whd_06h3564n2oiq7hfreij9epuq02")
    bare = trigger_emulator.webhooks.endpoint("github", source="github")
    ping = post(bare["url"], {"zen": "Keep it logically awesome."}).json()
    with pytest.raises(trigger.BadRequestError, match="does not route to a task"):
        await client.webhooks.deliveries.replay(ping["deliveryId"])


async def test_a_waiting_run_resumes_with_the_matching_delivery(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    # A sync handler (in both twins of this test): it blocks on the waiter as on any token.
    @trigger_emulator.task("checkout")
    def checkout(payload: Any, ctx: TaskContext) -> Any:
        result = ctx.wait.for_token_sync(payload["waiterId"])
        return {
            "event": result.unwrap()["event"]["type"],
            "delivery": result.unwrap()["deliveryId"],
        }

    endpoint = stripe_endpoint(trigger_emulator)
    waiter = await client.webhooks.waiters.create(
        "stripe",
        match={"event.data.object.metadata.orderId": "ord_42"},
        filter="event.type in ['payment_intent.succeeded', 'payment_intent.payment_failed']",
        timeout="1h",
        tags=["order:ord_42"],
    )
    assert waiter.id.startswith("waitpoint_") and waiter.url is None and waiter.is_cached is False
    handle = await client.tasks.trigger("checkout", {"waiterId": waiter.id})
    token = await client.wait.retrieve_token(waiter.id)
    assert sorted(token.tags) == ["order:ord_42", "webhook:stripe"]
    other_order = {
        "id": "evt_a",
        "type": "payment_intent.succeeded",
        "data": {"object": {"metadata": {"orderId": "ord_41"}}},
    }
    wrong_type = {
        "id": "evt_b",
        "type": "payment_intent.created",
        "data": {"object": {"metadata": {"orderId": "ord_42"}}},
    }
    paid = {
        "id": "evt_c",
        "type": "payment_intent.succeeded",
        "data": {"object": {"metadata": {"orderId": "ord_42"}}},
    }
    for event in (other_order, wrong_type):
        assert (
            await client.webhooks.deliveries.retrieve(
                post(endpoint["url"], event).json()["deliveryId"]
            )
        ).status == "unmatched"
    delivered = post(endpoint["url"], paid).json()["deliveryId"]
    run = await client.runs.poll(handle.id, interval=0.1, timeout=15)
    assert run.output == {"event": "payment_intent.succeeded", "delivery": delivered}
    (summary,) = (await client.webhooks.deliveries.retrieve(delivered)).targets
    assert (summary.id, summary.type, summary.status) == ("waiters", "waiter", "succeeded")
    assert summary.waiters is not None and (summary.waiters.matched, summary.waiters.resumed) == (
        1,
        1,
    )
    late = await client.webhooks.waiters.cancel(waiter)
    assert (late.cancelled, late.reason, late.delivery_id) == (False, "too_late", delivered)


async def test_a_url_waiter_is_resumed_only_through_its_own_url(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    endpoint = trigger_emulator.webhooks.endpoint("replicate", source="replicate")
    waiter = await client.webhooks.waiters.create("replicate", timeout="2h")
    assert waiter.url is not None and waiter.url.startswith(endpoint["url"] + "/waiters/")
    post(endpoint["url"], {"id": "pred_1", "status": "succeeded"})  # the endpoint's URL: not this
    assert (await client.wait.retrieve_token(waiter.id)).status == "WAITING"
    post(waiter.url, {"id": "pred_2", "status": "succeeded"})
    assert (await client.wait.retrieve_token(waiter.id)).status == "COMPLETED"


async def test_waiter_keys_cancel_and_refusals(
    trigger_emulator: Emulator, client: trigger.AsyncClient
) -> None:
    stripe_endpoint(trigger_emulator)
    first = await client.webhooks.waiters.create(
        "stripe", match={"event.id": "evt_1"}, idempotency_key="order-9"
    )
    again = await client.webhooks.waiters.create(
        "stripe", match={"event.id": "evt_1"}, idempotency_key="order-9"
    )
    assert (again.id, again.is_cached) == (first.id, True)
    cancelled = await client.webhooks.waiters.cancel(first.id)
    assert (cancelled.cancelled, cancelled.reason) == (True, None)
    assert (await client.wait.retrieve_token(first.id)).status == "TIMED_OUT"
    with pytest.raises(WebhookEndpointNotFoundError) as missing:
        await client.webhooks.waiters.create("shopify")
    assert missing.value.status == 404 and missing.value.code == "webhook_endpoint_not_found"
    with pytest.raises(WebhookFilterError, match="Invalid filter"):
        await client.webhooks.waiters.create("stripe", filter="event.type ==")
    with pytest.raises(WebhookWaiterLimitError) as too_long:
        await client.webhooks.waiters.create("stripe", timeout="91d")
    assert too_long.value.reason == "timeout_too_long"
    with pytest.raises(trigger.NotFoundError):
        await client.webhooks.waiters.cancel("waitpoint_doesnotexist")
