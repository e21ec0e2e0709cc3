"""`trigger.webhooks.construct_event`: verification exactly as the official constructEvent.

Signatures come from tests/data/webhook_vectors.json, computed once by Node's crypto (the
script beside it) as Trigger.dev's server signs alert webhooks; no test here derives an
expected signature with the code under test.
"""

from __future__ import annotations

import hmac
import json
import pickle
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from pytest_httpx import HTTPXMock
from starlette.datastructures import Headers

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from trigger import _default, webhooks
from trigger.webhooks import (
    SIGNATURE_HEADER_NAME,
    DeploymentFailedWebhook,
    DeploymentSuccessWebhook,
    ErrorWebhook,
    InvalidSignatureError,
    MissingSignatureError,
    RunFailedWebhook,
    WebhookError,
    WebhookParseError,
)

DATA = json.loads((Path(__file__).parent / "data" / "webhook_vectors.json").read_text("utf-8"))
VECTORS = {vector["name"]: vector for vector in DATA["vectors"]}
RUN = VECTORS["run failed"]
TYPES = {
    "alert.run.failed": RunFailedWebhook,
    "alert.deployment.success": DeploymentSuccessWebhook,
    "alert.deployment.failed": DeploymentFailedWebhook,
    "alert.error": ErrorWebhook,
}


def headers_of(signature: str) -> dict[str, str]:
    return {"content-type": "application/json", SIGNATURE_HEADER_NAME: signature}


# -- the signatures the server makes verify ----------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_every_vector_verifies_from_bytes_and_from_text(name: str) -> None:
    vector = VECTORS[name]
    raw = vector["payload"].encode("utf-8")
    for payload in (raw, vector["payload"], bytearray(raw), memoryview(raw)):
        event = webhooks.construct_event(payload, headers_of(vector["signature"]), vector["secret"])
        assert type(event) is TYPES[vector["type"]]
        assert event.type == vector["type"]
        assert event.to_dict(wire_names=True)["type"] == vector["type"]


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_the_signature_string_form_verifies(name: str) -> None:
    vector = VECTORS[name]
    event = webhooks.construct_event(vector["payload"], vector["signature"], vector["secret"])
    assert event.id == json.loads(vector["payload"])["id"]


def test_a_run_failed_event_is_fully_typed() -> None:
    event = webhooks.construct_event(RUN["payload"], RUN["signature"], RUN["secret"])
    assert isinstance(event, RunFailedWebhook)
    assert event.id == "clx9alert0001"
    assert event.created == datetime(2024, 5, 23, 11, 59, 3, 512000, tzinfo=timezone.utc)
    assert event.webhook_version == "v1"
    task, run = event.object.task, event.object.run
    assert (task.id, task.file_path, task.export_name) == (
        "charge-customer",
        "src/trigger/billing.ts",
        "chargeCustomer",
    )
    assert (task.version, task.sdk_version, task.cli_version) == ("20240523.4", "4.8.3", "4.8.3")
    assert (run.id, run.number, run.status) == ("run_cm1a2b3c4d5e6f7g8h9i0j1k", 1842, "FAILED")
    assert run.started_at == datetime(2024, 5, 23, 11, 58, 41, 250000, tzinfo=timezone.utc)
    assert run.tags == ["customer:cus_9s8d7f", "plan:pro"]
    assert (run.error.type, run.error.name, run.error.message) == (
        "BUILT_IN_ERROR",
        "StripeCardError",
        "Your card was declined.",
    )
    assert run.error.stack_trace is not None and "billing.ts:42" in run.error.stack_trace
    assert run.is_out_of_memory_error is False and run.machine == "small-1x"
    assert run.dashboard_url.endswith("/runs/run_cm1a2b3c4d5e6f7g8h9i0j1k")
    assert event.object.environment.type == "PRODUCTION"
    assert event.object.organization.slug == "acme-corp"
    assert event.object.project.ref == "proj_rbvtqmoqcbdwqkqlcvdz"


def test_deployment_and_error_events_are_typed() -> None:
    success = VECTORS["deployment success"]
    event = webhooks.construct_event(success["payload"], success["signature"], success["secret"])
    assert isinstance(event, DeploymentSuccessWebhook)
    assert event.object.deployment.deployed_at.year == 2024
    assert event.object.git is not None and event.object.git.pull_request_number == 318
    assert [t.trigger_source for t in event.object.tasks] == ["STANDARD", "SCHEDULED"]
    assert event.object.tasks[1].export_name is None
    failed = VECTORS["deployment failed"]
    event2 = webhooks.construct_event(failed["payload"], failed["signature"], failed["secret"])
    assert isinstance(event2, DeploymentFailedWebhook)
    assert event2.object.environment.branch_name == "feature/retries"
    assert event2.object.error.stderr == '✘ [ERROR] Could not resolve "stripe"'
    group = VECTORS["error group"]
    event3 = webhooks.construct_event(group["payload"], group["signature"], group["secret"])
    assert isinstance(event3, ErrorWebhook)
    assert event3.object.classification == "regression"
    assert event3.object.error.occurrence_count == 42
    assert event3.object.environment.name == "prod"


def test_unicode_bodies_and_secrets_are_signed_as_utf8() -> None:
    vector = VECTORS["unicode body and secret"]
    event = webhooks.construct_event(vector["payload"], vector["signature"], vector["secret"])
    assert isinstance(event, RunFailedWebhook)
    assert event.object.run.error.raw == "Paiement refusé pour Zoë — 支払い失敗 💳"
    assert event.object.run.tags == ["client:zoë", "région:île-de-france"]


# -- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda sig: {"X-Trigger-Signature-HmacSHA256": sig},
        lambda sig: {"X-TRIGGER-SIGNATURE-HMACSHA256": f"  {sig}\t"},
        lambda sig: httpx.Headers({"X-Trigger-Signature-Hmacsha256": sig}),
        lambda sig: Headers(raw=[(b"x-trigger-signature-hmacsha256", sig.encode())]),
        lambda sig: {b"x-trigger-signature-hmacsha256": sig.encode()},
    ],
    ids=["mixed case", "padded", "httpx", "starlette", "bytes"],
)
def test_headers_are_looked_up_case_insensitively(make: Any) -> None:
    event = webhooks.construct_event(RUN["payload"], make(RUN["signature"]), RUN["secret"])
    assert event.type == "alert.run.failed"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "application/json"},
        {SIGNATURE_HEADER_NAME: ""},
        {SIGNATURE_HEADER_NAME: "  "},
    ],
    ids=["none", "other headers", "empty", "blank"],
)
def test_a_missing_header_is_a_missing_signature(headers: dict[str, str]) -> None:
    with pytest.raises(MissingSignatureError, match=r"^No signature header found$"):
        webhooks.construct_event(RUN["payload"], headers, RUN["secret"])


@pytest.mark.parametrize(
    "value",
    [
        [RUN["signature"]],
        Headers(
            raw=[
                (b"x-trigger-signature-hmacsha256", RUN["signature"].encode()),
                (b"x-trigger-signature-hmacsha256", RUN["signature"].encode()),
            ]
        ),
        {SIGNATURE_HEADER_NAME: RUN["signature"], "X-Trigger-Signature-HmacSHA256": "00"},
    ],
    ids=["list value", "repeated header", "two spellings"],
)
def test_several_signatures_are_refused_as_an_array(value: Any) -> None:
    headers: Any = {SIGNATURE_HEADER_NAME: value} if isinstance(value, list) else value
    with pytest.raises(InvalidSignatureError, match=r"^Signature header cannot be an array$"):
        webhooks.construct_event(RUN["payload"], headers, RUN["secret"])
    with pytest.raises(InvalidSignatureError, match="array"):
        webhooks.construct_event(RUN["payload"], [RUN["signature"]], RUN["secret"])  # type: ignore[arg-type]


# -- what must fail ----------------------------------------------------------------------------


def _tampered(payload: str) -> list[bytes]:
    raw = payload.encode("utf-8")
    return [
        raw.replace(b"Your card was declined.", b"Your card was accepted."),
        raw[:-1],  # one byte short
        raw + b"\n",  # one byte more
        raw.replace(b'"number":1842', b'"number":1843'),
        json.dumps(json.loads(payload), separators=(", ", ": ")).encode(),  # re-serialized
    ]


@pytest.mark.parametrize("index", range(5))
def test_a_tampered_body_is_refused(index: int) -> None:
    body = _tampered(RUN["payload"])[index]
    with pytest.raises(InvalidSignatureError, match=r"^Invalid signature$"):
        webhooks.construct_event(body, headers_of(RUN["signature"]), RUN["secret"])


@pytest.mark.parametrize(
    "secret",
    [
        "whsec_9f1e2d3c4b5a69788796a5b4c3d2e1f1",  # one character off
        "WHSEC_9F1E2D3C4B5A69788796A5B4C3D2E1F0",
        VECTORS["error group"]["secret"],
        RUN["secret"] + " ",
    ],
)
def test_a_wrong_secret_is_refused(secret: str) -> None:
    with pytest.raises(InvalidSignatureError, match=r"^Invalid signature$"):
        webhooks.construct_event(RUN["payload"], headers_of(RUN["signature"]), secret)


@pytest.mark.parametrize(
    "signature",
    [
        RUN["signature"].upper(),  # the official comparison is exact: lower-case hex only
        RUN["signature"][:-1],
        RUN["signature"] + "0",
        "sha256=" + RUN["signature"],
        "",
        "é" * 64,
    ],
    ids=["upper case", "short", "long", "prefixed", "empty", "non-ascii"],
)
def test_other_signature_texts_are_refused(signature: str) -> None:
    with pytest.raises(InvalidSignatureError, match=r"^Invalid signature$"):
        webhooks.construct_event(RUN["payload"], signature, RUN["secret"])


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    webhooks.construct_event(RUN["payload"], RUN["signature"], RUN["secret"])
    with pytest.raises(InvalidSignatureError):
        webhooks.construct_event(RUN["payload"], "0" * 64, RUN["secret"])
    assert calls == [
        (RUN["signature"].encode(), RUN["signature"].encode()),
        (b"0" * 64, RUN["signature"].encode()),
    ]


def _signed(body: bytes, secret: str = "whsec_parse") -> tuple[bytes, str, str]:
    # A signature from the standard library, for bodies the Node vectors do not cover: what
    # is tested here is the parsing after a signature that matched.
    return body, hmac.new(secret.encode(), body, "sha256").hexdigest(), secret


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Webhook parsing failed: Input data was truncated"),
        (b"{not json", "Webhook parsing failed: JSON is malformed"),
        (b"[1, 2]", "Webhook parsing failed: Expected `object`, got `array`"),
        (b'{"id": "a"}', "Webhook parsing failed: Object missing required field `type`"),
        (
            json.dumps(
                {**json.loads(RUN["payload"]), "type": "alert.deployment.rolled_back"}
            ).encode(),
            "Webhook parsing failed: Invalid value 'alert.deployment.rolled_back' - at `$.type`",
        ),
        (
            json.dumps({**json.loads(RUN["payload"]), "object": {"task": {}}}).encode(),
            "Webhook parsing failed: Object missing required field `id` - at `$.object.task`",
        ),
        (b"\xff\xfe{}", "Webhook parsing failed: "),
    ],
    ids=["empty", "not json", "array", "no type", "unknown type", "incomplete", "not utf-8"],
)
def test_a_malformed_body_with_a_valid_signature_is_a_parse_error(
    body: bytes, message: str
) -> None:
    payload, signature, secret = _signed(body)
    with pytest.raises(WebhookParseError) as caught:
        webhooks.construct_event(payload, signature, secret)
    assert str(caught.value).startswith(message)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_extra_fields_are_ignored_as_the_official_schema_strips_them() -> None:
    data = json.loads(RUN["payload"])
    data["object"]["run"]["region"] = "eu-central-1"
    data["newTopLevel"] = {"x": 1}
    payload, signature, secret = _signed(json.dumps(data).encode())
    event = webhooks.construct_event(payload, signature, secret)
    assert isinstance(event, RunFailedWebhook) and event.object.run.number == 1842


def test_the_signature_is_checked_before_the_body_is_parsed() -> None:
    with pytest.raises(InvalidSignatureError):
        webhooks.construct_event(b"{not json", "0" * 64, "whsec_x")


def test_a_text_payload_with_lone_surrogates_is_signed_as_javascript_encodes_it() -> None:
    # Buffer.from("\ud800", "utf-8") is EF BF BD (U+FFFD); a surrogate pair is one code point.
    text = '{"a":"\ud800","b":"\ud83d\ude00"}'
    as_node = '{"a":"\ufffd","b":"\U0001f600"}'.encode()
    signature = hmac.new(b"k", as_node, "sha256").hexdigest()
    with pytest.raises(WebhookParseError):  # verified, then refused as no event
        webhooks.construct_event(text, signature, "k")


# -- bad arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((42, RUN["signature"], RUN["secret"]), TypeError, "payload must be the raw request body"),
        ((None, RUN["signature"], RUN["secret"]), TypeError, "payload"),
        ((RUN["payload"], 42, RUN["secret"]), TypeError, "headers_or_signature must be"),
        ((RUN["payload"], None, RUN["secret"]), TypeError, "headers_or_signature"),
        ((RUN["payload"], RUN["signature"], None), TypeError, "secret must be a str"),
        ((RUN["payload"], RUN["signature"], ""), ValueError, "secret must be a non-empty string"),
        ((RUN["payload"], {SIGNATURE_HEADER_NAME: 5}, RUN["secret"]), TypeError, "must be a str"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(args: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        webhooks.construct_event(*args)


def test_a_bytes_secret_is_its_bytes() -> None:
    event = webhooks.construct_event(RUN["payload"], RUN["signature"], RUN["secret"].encode())
    assert event.type == "alert.run.failed"


# -- the secret never leaks --------------------------------------------------------------------

SECRET = "whsec_DO_NOT_LEAK_4f1c2a9e7b3d"


def _failures() -> list[BaseException]:
    body = RUN["payload"]
    good = hmac.new(SECRET.encode(), b"{]", "sha256").hexdigest()
    attempts: list[tuple[Any, Any]] = [
        (body, {}),
        (body, "0" * 64),
        (body, [RUN["signature"]]),
        (b"{]", good),
        (object(), RUN["signature"]),
        (body, 3.5),
    ]
    errors: list[BaseException] = []
    for payload, headers in attempts:
        try:
            webhooks.construct_event(payload, headers, SECRET)
        except (WebhookError, TypeError, ValueError) as error:
            errors.append(error)
    return errors


def test_no_exception_shows_the_secret() -> None:
    errors = _failures()
    assert len(errors) == 6
    for error in errors:
        texts = [str(error), repr(error), repr(error.args), pickle.dumps(error).decode("latin-1")]
        chained = error.__cause__ or error.__context__
        while chained is not None:
            texts += [str(chained), repr(chained)]
            chained = chained.__cause__ or chained.__context__
        for text in texts:
            assert SECRET not in text
            assert "DO_NOT_LEAK" not in text


def test_webhook_errors_are_trigger_errors_that_pickle() -> None:
    for error in _failures()[:4]:
        assert isinstance(error, trigger.TriggerError)
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)


# -- the events as data ------------------------------------------------------------------------


def test_events_export_and_decode_back() -> None:
    event = webhooks.construct_event(RUN["payload"], RUN["signature"], RUN["secret"])
    wire = event.to_dict(wire_names=True)
    assert wire["type"] == "alert.run.failed"
    assert wire["object"]["run"]["isOutOfMemoryError"] is False
    again = msgspec.convert(json.loads(event.to_json(wire_names=True)), webhooks.Webhook)
    assert again == event
    assert event.to_dict()["object"]["run"]["dashboard_url"].startswith("https://")
    assert repr(event).startswith("RunFailedWebhook(id='clx9alert0001'")


def test_the_module_names_what_the_official_sdk_names() -> None:
    assert webhooks.SIGNATURE_HEADER_NAME == "x-trigger-signature-hmacsha256"
    assert set(TYPES) == webhooks.WEBHOOK_TYPES
    assert trigger.webhooks is webhooks
    assert "webhooks" in trigger.__all__


# -- module level management calls: the default client -----------------------------------------


@pytest.fixture
def default_client(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("TRIGGER_API_URL", BASE_URL)
    _default._settings.clear()
    _default._client = None
    yield
    if _default._client is not None:
        _default._client.close()
    _default._client = None
    _default._settings.clear()


def test_the_module_level_calls_use_the_default_client(
    default_client: Any, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/webhooks/waiters/waitpoint_abc/cancel",
        json={"cancelled": True},
    )
    httpx_mock.add_response(
        method="GET", url=f"{BASE_URL}/api/v1/webhooks/endpoints", json={"data": []}
    )
    assert webhooks.waiters.cancel("waitpoint_abc").cancelled is True
    assert webhooks.endpoints.list() == []
    assert repr(webhooks.deliveries) == "<trigger.webhooks.deliveries of the default client>"


def test_verifying_makes_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIGGER_SECRET_KEY", raising=False)
    _default._client = None
    webhooks.construct_event(RUN["payload"], RUN["signature"], RUN["secret"])
    assert _default._client is None
