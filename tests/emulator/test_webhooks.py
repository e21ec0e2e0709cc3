"""The emulator's webhooks: filters, the ingress URL, the routes' refusals, signed alerts.

The alert tests run a receiver on 127.0.0.1 and verify what it got with the SDK's
`construct_event`, and independently with ``openssl dgst`` when openssl is installed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, TaskContext
from trigger.emulator.engine import webhooks as engine
from trigger.emulator.webhooks import delivery_id

# -- filters (the server's grammar and rules) --------------------------------------------------

EVENT = {
    "id": "evt_1",
    "type": "payment_intent.succeeded",
    "livemode": False,
    "amount": "12000",
    "data": {
        "object": {
            "amount": 12000,
            "currency": "usd",
            "metadata": {"orderId": "ord_42"},
            "items": [{"sku": "tee", "qty": 2}, {"sku": "mug", "qty": 1}],
            "refunded": None,
        }
    },
}
CTX = engine.FilterContext(
    event=EVENT,
    headers={"X-Shop-Domain": "acme.myshopify.com"},
    webhook={"id": "wh_1", "source": "stripe", "deliveryId": "whd_1", "tenantId": None},
)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("event.type == 'payment_intent.succeeded'", True),
        ("event.type != 'payment_intent.succeeded'", False),
        ("event.data.object.amount >= 10000 && event.data.object.currency == 'usd'", True),
        ("event.data.object.amount < 100 || event.type startsWith 'payment_'", True),
        ("(event.type == 'a' || event.type == 'b') && event.livemode == false", False),
        ("event.type in ['charge.refunded', 'payment_intent.succeeded']", True),
        ("event.type not in ['charge.refunded']", True),
        ("event.type endsWith '.succeeded'", True),
        ("event.data.object.metadata.orderId contains '42'", True),
        ("event.amount == 12000", True),  # a numeric literal coerces the field
        ("event.amount > 11999.5", True),
        ("event.data.object.amount == '12000'", True),  # a string literal compares String(field)
        ("event.livemode == false", True),
        ("event.livemode == 'false'", True),
        ("event.data.object.refunded == null", True),
        ("event.missing == null", True),  # a missing field equals only null
        ("event.missing != 'x'", True),
        ("event.missing == 0", False),
        ("event.missing startsWith ''", False),
        ("header.x-shop-domain == 'acme.myshopify.com'", True),  # headers case-insensitively
        ("webhook.source == 'stripe' && webhook.deliveryId == 'whd_1'", True),
        ("event.data.object.items any (sku == 'mug')", True),
        ("event.data.object.items all (qty >= 1)", True),
        ("event.data.object.items all (sku == 'mug')", False),
        ("event.data.object.amount == event.amount", False),  # field to field: strict
        ("event.data.object.amount > event.livemode", False),
    ],
)
def test_filters_evaluate_as_on_the_server(text: str, matched: bool) -> None:
    assert engine.evaluate_filter(engine.parse_filter(text), CTX)[0] is matched


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "event.type == 'checkout.session.completed'",
            'event.type is "payment_intent.succeeded", expected == "checkout.session.completed"',
        ),
        ("event.a == 1 || event.b in [1, 'x']", "event.a is undefined, expected == 1"),
        ("event.livemode == true && event.x == 1", "event.livemode is false, expected == true"),
        (
            "event.data.object.items any (sku == 'cap')",
            'no element of event.data.object.items satisfies sku == "cap"',
        ),
        ("event.type any (a == 1)", "event.type is not an array"),
        (
            "event.id == event.type",
            'event.id is "evt_1", expected == event.type ("payment_intent.succeeded")',
        ),
    ],
)
def test_a_non_match_says_which_clause_failed(text: str, reason: str) -> None:
    assert engine.evaluate_filter(engine.parse_filter(text), CTX) == (False, reason)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty filter"),
        ("type == 'x'", 'field must start with event./header./webhook., got "type"'),
        ("event.type == 'x", "unterminated string literal"),
        ("event.type ==", "expected a value"),
        ("event.type", 'expected an operator after "event.type"'),
        ("event.type not 'x'", 'expected "in" after "not"'),
        ("(event.a == 1", 'expected ")"'),
        ("event.a in [1, 2", 'expected "]"'),
        ("event.a == 1 event.b == 2", 'unexpected trailing token "event.b"'),
        ("event.a == 1 & event.b == 2", 'unexpected character "&"'),
        ("event.a == yes", 'unexpected value "yes"'),
        (" || ".join(["event.a == 1"] * 51), "filter too complex (> 50 clauses)"),
    ],
)
def test_bad_filters_fail_with_the_servers_messages(text: str, message: str) -> None:
    with pytest.raises(engine.FilterError) as caught:
        engine.parse_filter(text)
    assert str(caught.value).startswith(message)


def test_delivery_ids_are_time_encoded_and_sort_by_time() -> None:
    first = delivery_id(1_716_465_600_000, b"\x00" * 9)
    later = delivery_id(1_716_465_600_001, b"\xff" * 9)
    assert first.startswith("whd_") and len(first) == 4 + 26 and first.endswith("02")
    assert set(first[4:]) <= set("0123456789abcdefghijklmnopqrstuv")
    assert first < later
    # The 6-byte time then the random bytes, in base32hex (the standard library's, lower
    # case), then the retention class 0 and the version 2: the server's layout.
    core = base64.b32hexencode((1_716_465_600_000).to_bytes(6, "big") + b"\x00" * 9)
    assert first == "whd_" + core.decode().lower() + "02"


# -- the ingress URL and the routes ------------------------------------------------------------


def test_the_ingress_url_records_what_arrived(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    endpoint = trigger_emulator.webhooks.endpoint("github", source="github")
    response = httpx.post(
        endpoint["url"],
        content=b"payload=not-json",
        headers={
            "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "authorization": "Bearer provider-token",
            "cookie": "session=abc",
            "x-trigger-test": "1",
        },
    )
    assert response.status_code == 200
    assert response.json() == {"received": True, "deliveryId": response.json()["deliveryId"]}
    delivery = http.get(f"/api/v1/webhooks/deliveries/{response.json()['deliveryId']}").json()
    assert delivery["externalDeliveryId"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert delivery["event"] is None and delivery["error"] == "verified body is not valid JSON"
    assert "authorization" not in delivery["headers"] and "cookie" not in delivery["headers"]
    assert delivery["isTest"] is True
    assert delivery["status"] == "filtered"
    assert delivery["filterReason"] == "The endpoint has no subscribers"
    assert delivery["rawBodyHash"] == hashlib.sha256(b"payload=not-json").hexdigest()


def test_the_ingress_refuses_what_the_server_refuses(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    endpoint = trigger_emulator.webhooks.endpoint("stripe", source="stripe")
    assert httpx.get(endpoint["url"]).status_code == 405
    unknown = httpx.post(f"{trigger_emulator.url}/webhooks/v1/ingest/nope", json={})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not found"})
    big = httpx.post(endpoint["url"], content=b"x" * (1024 * 1024 + 1))
    assert (big.status_code, big.json()) == (413, {"error": "Payload too large"})
    disabled = http.post("/api/v1/webhooks/endpoints/stripe/disable")
    assert disabled.status_code == 200 and disabled.json()["status"] == "inactive"
    assert httpx.post(endpoint["url"], json={"id": "evt_1"}).status_code == 404
    assert (
        http.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/enable").json()["status"]
        == "active"
    )
    assert httpx.post(endpoint["url"], json={"id": "evt_1"}).status_code == 200
    bad_waiter = httpx.post(endpoint["url"] + "/waiters/unknown", json={})
    assert bad_waiter.status_code == 404


def test_management_routes_refuse_as_the_server_does(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    trigger_emulator.webhooks.endpoint("discord", source="discord")
    assert httpx.get(f"{trigger_emulator.url}/api/v1/webhooks/endpoints").status_code == 401
    missing = http.get("/api/v1/webhooks/endpoints/nope")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    assert http.get("/api/v1/webhooks/deliveries/whd_nope").status_code == 404
    bad = http.get("/api/v1/webhooks/deliveries", params={"filter[status]": "done,failed"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "Query Error"
    assert bad.json()["details"][0]["message"] == (
        "Invalid status values: done. Allowed: pending, processing, succeeded, failed."
    )
    assert http.get("/api/v1/webhooks/deliveries", params={"page[size]": "101"}).status_code == 400
    asym = http.post("/api/v1/webhooks/endpoints/discord/rotate-secret", json={})
    assert asym.status_code == 400
    assert asym.json() == {
        "error": "Cannot generate a secret for an asymmetric endpoint; set its public key instead."
    }
    ttl = http.post(
        "/api/v1/webhooks/endpoints/discord/rotate-secret", json={"previousSecretTtlSeconds": -1}
    )
    assert ttl.status_code == 400
    empty = http.put("/api/v1/webhooks/endpoints/discord/secret", json={"secret": "   "})
    assert empty.status_code == 400 and "4096" in empty.json()["error"]
    key = http.put("/api/v1/webhooks/endpoints/discord/secret", json={"secret": " ed25519-key "})
    assert key.json() == {"id": key.json()["id"], "secretSet": True}
    refused = http.post("/api/v1/webhooks/endpoints/discord/waiters", json={"match": {"type": 1}})
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_request" and "event.*" in refused.json()["error"]
    six = http.post(
        "/api/v1/webhooks/endpoints/discord/waiters",
        json={"match": {f"event.f{i}": i for i in range(6)}},
    )
    assert six.json()["code"] == "invalid_request"


def test_the_shape_limit_of_waiters(trigger_emulator: Emulator, http: httpx.Client) -> None:
    trigger_emulator.webhooks.endpoint("stripe", source="stripe")
    for i in range(25):
        ok = http.post(
            "/api/v1/webhooks/endpoints/stripe/waiters", json={"match": {f"event.f{i}": 1}}
        )
        assert ok.status_code == 200, ok.text
    same_shape = http.post(
        "/api/v1/webhooks/endpoints/stripe/waiters", json={"match": {"event.f0": 2}}
    )
    assert same_shape.status_code == 200
    refused = http.post("/api/v1/webhooks/endpoints/stripe/waiters", json={"match": {"event.g": 1}})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "This endpoint already has 25 distinct sets of match paths",
        "code": "webhook_waiter_limit",
        "reason": "shape_limit",
    }


def test_control_routes_declare_endpoints(trigger_emulator: Emulator) -> None:
    base = f"{trigger_emulator.url}/_emulator/webhooks/endpoints"
    made = httpx.post(
        base,
        json={
            "id": "orders",
            "source": "shopify",
            "env": "prod",
            "tasks": [
                {"taskId": "sync-order", "filter": "header.x-shopify-topic == 'orders/create'"}
            ],
            "secret": "shpss_123",
        },
    )
    assert made.status_code == 200, made.text
    assert made.json()["subscribers"][0]["taskId"] == "sync-order"
    assert made.json()["secretSet"] is True
    listed = httpx.get(base, params={"env": "prod"}).json()["endpoints"]
    assert [e["declaredId"] for e in listed] == ["orders"]
    assert httpx.get(base).json()["endpoints"] == []  # dev has none
    for body, message in [
        ({"id": "wh_x"}, "start with 'wh_'"),
        ({"id": "x", "tasks": {"t": "event.a =="}}, "does not parse"),
        ({"id": "x", "env": "qa"}, "env must be"),
        ({"source": "stripe"}, "the endpoint's id"),
    ]:
        refused = httpx.post(base, json=body)
        assert refused.status_code == 400 and message in refused.json()["error"], refused.text
    with pytest.raises(ValueError, match="start with 'wh_'"):
        trigger_emulator.webhooks.endpoint("wh_reserved")
    with pytest.raises(LookupError):
        trigger_emulator.webhooks.send("nope", {})


def test_a_cancelled_waiter_fails_the_wait(trigger_emulator: Emulator) -> None:
    results: list[Any] = []

    @trigger_emulator.task("await-payment")
    def await_payment(payload: Any, ctx: TaskContext) -> str:
        result = ctx.wait.for_token_sync(payload["waiter"])
        results.append(result)
        return "paid" if result.ok else "gave up"

    trigger_emulator.webhooks.endpoint("stripe", source="stripe")
    with trigger_emulator.client() as client:
        waiter = client.webhooks.waiters.create("stripe", match={"event.id": "evt_1"})
        run = client.tasks.trigger("await-payment", {"waiter": waiter.id})
        deadline = time.monotonic() + 10
        while client.runs.retrieve(run.id).status != "WAITING" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.webhooks.waiters.cancel(waiter.id).cancelled is True
        assert client.runs.poll(run.id, interval=0.1, timeout=10).output == "gave up"
        assert "cancelled" in str(results[0].error)
        # A delivery after the cancel resumes nothing.
        sent = trigger_emulator.webhooks.send("stripe", {"id": "evt_1", "type": "ping"})
        assert sent["status"] == "filtered"


def test_a_waiter_times_out_on_the_emulators_clock(trigger_emulator: Emulator) -> None:
    trigger_emulator.webhooks.endpoint("stripe", source="stripe")
    with trigger_emulator.client() as client:
        waiter = client.webhooks.waiters.create("stripe", match={"event.id": "evt_1"}, timeout="1s")
        deadline = time.monotonic() + 10
        while client.wait.retrieve_token(waiter.id).status == "WAITING":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.wait.retrieve_token(waiter.id).status == "TIMED_OUT"
        assert trigger_emulator.webhooks.send("stripe", {"id": "evt_1"})["status"] == "filtered"


def test_reset_forgets_webhooks(trigger_emulator: Emulator, http: httpx.Client) -> None:
    trigger_emulator.webhooks.endpoint("stripe", source="stripe")
    trigger_emulator.webhooks.send("stripe", {"id": "evt_1"})
    trigger_emulator.webhooks.alert("http://127.0.0.1:9/hooks")
    trigger_emulator.reset()
    assert http.get("/api/v1/webhooks/endpoints").json() == {"data": []}
    assert http.get("/api/v1/webhooks/deliveries").json()["data"] == []
    assert httpx.get(f"{trigger_emulator.url}/_emulator/webhooks/alerts").json() == {"channels": []}


# -- signed alert webhooks ---------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers scripted statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[tuple[dict[str, str], bytes, str]] = []
        self.statuses = list(statuses or [])
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                with receiver.arrived:
                    receiver.requests.append((dict(self.headers), body, self.path))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/trigger"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 15) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _fail(emulator: Emulator, task: str = "charge-customer", **options: Any) -> str:
    @emulator.task(task, max_attempts=1)
    def charge(payload: Any) -> None:
        raise RuntimeError("Your card was declined.")

    with emulator.client(**options) as client:
        run = client.tasks.trigger(task, {"customer": "cus_9s8d7f"}, tags=["plan:pro"])
        assert client.runs.poll(run.id, interval=0.1, timeout=15).status == "FAILED"
    return run.id


def test_a_failed_run_is_posted_signed_and_verifies(
    trigger_emulator: Emulator, receiver: Receiver
) -> None:
    channel = trigger_emulator.webhooks.alert(receiver.url, secret="whsec_alerts_2024")
    assert channel["secret"] == "whsec_alerts_2024"
    run_id = _fail(trigger_emulator)
    receiver.wait_for(1)
    headers, body, path = receiver.requests[0]
    assert path == "/hooks/trigger"
    assert headers["content-type"] == "application/json"
    signature = headers["x-trigger-signature-hmacsha256"]
    event = trigger.webhooks.construct_event(body, headers, "whsec_alerts_2024")
    assert isinstance(event, trigger.webhooks.RunFailedWebhook)
    run = event.object.run
    assert (run.id, run.status, run.number, run.tags) == (run_id, "FAILED", 1, ["plan:pro"])
    assert (run.error.type, run.error.name, run.error.message) == (
        "BUILT_IN_ERROR",
        "RuntimeError",
        "Your card was declined.",
    )
    assert run.started_at is not None and run.completed_at is not None
    assert event.object.task.id == "charge-customer"
    assert event.object.environment.slug == "dev" and event.object.environment.type == "DEVELOPMENT"
    assert event.object.project.ref == trigger_emulator.project_ref
    with pytest.raises(trigger.webhooks.InvalidSignatureError):
        trigger.webhooks.construct_event(body, headers, "whsec_wrong")
    with pytest.raises(trigger.webhooks.InvalidSignatureError):
        trigger.webhooks.construct_event(
            body.replace(b"declined", b"accepted"), headers, "whsec_alerts_2024"
        )
    if shutil.which("openssl"):
        digest = subprocess.run(
            ["openssl", "dgst", "-sha256", "-hmac", "whsec_alerts_2024"],
            input=body,
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert digest.strip().endswith(signature)
    (recorded,) = trigger_emulator.webhooks.alert_deliveries()
    assert recorded["body"].encode() == body and recorded["signature"] == signature
    assert recorded["runId"] == run_id and recorded["type"] == "alert.run.failed"
    deadline = time.monotonic() + 5
    while trigger_emulator.webhooks.alert_deliveries()[0]["status"] != "succeeded":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert trigger_emulator.webhooks.alert_deliveries()[0]["responseStatus"] == 200


def test_a_failing_receiver_is_retried(trigger_emulator: Emulator) -> None:
    server = Receiver(statuses=[500, 503])
    try:
        trigger_emulator.webhooks.alert(server.url, secret="s3cret")
        _fail(trigger_emulator)
        server.wait_for(3)
        bodies = {body for _, body, _ in server.requests}
        assert len(server.requests) == 3 and len(bodies) == 1  # the same signed body each time
        deadline = time.monotonic() + 5
        while trigger_emulator.webhooks.alert_deliveries()[0]["status"] == "pending":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        (alert,) = trigger_emulator.webhooks.alert_deliveries()
        assert (alert["status"], alert["attempts"], alert["responseStatus"]) == (
            "succeeded",
            3,
            200,
        )
    finally:
        server.close()


def test_only_channels_of_the_runs_environment_and_later_failures_alert(
    trigger_emulator: Emulator, receiver: Receiver
) -> None:
    _fail(trigger_emulator, "before-the-channel")
    trigger_emulator.webhooks.alert(receiver.url, envs=["prod"])
    trigger_emulator.webhooks.alert(receiver.url, envs=["dev"])
    _fail(trigger_emulator, "after-the-channel")
    with trigger_emulator.client() as client:
        canceled = client.tasks.trigger("after-the-channel", None, delay="1h")
        client.runs.cancel(canceled.id)
    receiver.wait_for(1)
    time.sleep(0.3)  # what else would arrive, arrives by now
    tasks = [json.loads(body)["object"]["task"]["id"] for _, body, _ in receiver.requests]
    assert tasks == ["after-the-channel"]


def test_alert_urls_must_be_on_loopback(trigger_emulator: Emulator) -> None:
    for url in (
        "http://example.com/hook",
        "http://10.0.0.8/hook",
        "ftp://127.0.0.1/x",
        "http://localhost/x",
    ):
        with pytest.raises(ValueError, match="loopback"):
            trigger_emulator.webhooks.alert(url)
        answer = httpx.post(f"{trigger_emulator.url}/_emulator/webhooks/alerts", json={"url": url})
        assert answer.status_code == 400 and "loopback" in answer.json()["error"]
    ok = httpx.post(
        f"{trigger_emulator.url}/_emulator/webhooks/alerts", json={"url": "http://[::1]:8000/x"}
    )
    assert ok.status_code == 200 and ok.json()["secret"]
    channel_id = ok.json()["id"]
    assert (
        httpx.delete(f"{trigger_emulator.url}/_emulator/webhooks/alerts/{channel_id}").status_code
        == 200
    )
    assert (
        httpx.delete(f"{trigger_emulator.url}/_emulator/webhooks/alerts/{channel_id}").status_code
        == 404
    )
