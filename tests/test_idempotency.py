"""Idempotency keys without I/O: keys made by create, the TTL grammar, the retry guard."""

from __future__ import annotations

import copy
import hashlib
import pickle
from datetime import timedelta
from typing import Any

import pytest

import trigger
from trigger._wire.idempotency import (
    RETRY_KEY_TTL,
    IdempotencyKey,
    check_idempotency_key_ttl,
    create_idempotency_key,
    guard_options,
    idempotency_key_options,
    retry_guard,
)
from trigger._wire.wait import create_token_body

ORDER_42 = hashlib.sha256(b"order-42").hexdigest()
RETRIES = trigger.RetryOptions(max_attempts=3)


def test_a_created_key_is_its_hash_and_remembers_its_origin() -> None:
    key = create_idempotency_key(["order", "42"], scope="global")
    assert isinstance(key, IdempotencyKey) and key == ORDER_42
    assert {key: 1}[ORDER_42] == 1
    assert (key.user_key, key.scope) == ("order-42", "global")
    assert idempotency_key_options(key) == {"key": "order-42", "scope": "global"}
    for copied in (pickle.loads(pickle.dumps(key)), copy.copy(key), copy.deepcopy(key)):
        assert copied == key and copied.options() == key.options()


def test_key_options_of_raw_and_bare_hashed_keys() -> None:
    assert idempotency_key_options("order-42") == {"key": "order-42", "scope": "run"}
    assert idempotency_key_options(["order", "42"]) == {"key": "order-42", "scope": "run"}
    assert idempotency_key_options(ORDER_42) is None


def test_a_created_key_goes_out_as_plain_text() -> None:
    # msgspec refuses str subclasses; the request encoder writes the text.
    from trigger._models import ENCODER

    key = create_idempotency_key("order-42")
    assert ENCODER.encode({"idempotencyKey": key}) == b'{"idempotencyKey":"%s"}' % ORDER_42.encode()
    with pytest.raises(TypeError, match="unsupported"):
        ENCODER.encode({"x": object()})


def test_a_created_key_inside_a_payload_is_plain_text() -> None:
    # Payloads have their own encoding path (and a superjson one): both write the text.
    from trigger._wire.payloads import encode_payload

    key = create_idempotency_key("order-42")
    assert encode_payload(key).value == ORDER_42
    assert encode_payload({"k": [key]}).value == {"k": [ORDER_42]}
    document = encode_payload({"k": key, "at": {1, 2}}).value
    assert isinstance(document, str) and f'"k":"{ORDER_42}"' in document


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("30s", "30s"),
        ("0s", "0s"),
        ("15m", "15m"),
        ("1h", "1h"),
        ("365d", "365d"),
        (timedelta(0), "0s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(minutes=90), "90m"),
        (timedelta(hours=36), "36h"),
        (timedelta(weeks=2), "14d"),
    ],
)
def test_ttls_the_server_honours(value: Any, sent: str) -> None:
    assert check_idempotency_key_ttl("idempotency_key_ttl", value) == sent


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("1h30m", ValueError, "one number and one unit"),
        ("2w", ValueError, "one number and one unit"),
        ("1.5h", ValueError, "one number and one unit"),
        ("1H", ValueError, "one number and one unit"),
        (" 1h", ValueError, "one number and one unit"),
        ("1h ", ValueError, "one number and one unit"),
        ("-1h", ValueError, "one number and one unit"),
        ("\u0663s", ValueError, "one number and one unit"),  # a non-ASCII digit
        ("60", ValueError, "one number and one unit"),
        ("", ValueError, "non-empty"),
        ("99999999999999d", ValueError, "too long"),
        (timedelta(seconds=1.5), ValueError, "whole number of seconds"),
        (timedelta(seconds=-1), ValueError, "negative"),
        (60, TypeError, "str or timedelta"),
        (None, TypeError, "str or timedelta"),
    ],
)
def test_ttls_the_server_would_ignore_are_refused(value: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        check_idempotency_key_ttl("idempotency_key_ttl", value)
    assert "idempotency_key_ttl" in str(caught.value)


def test_a_waitpoint_token_ttl_follows_the_same_grammar() -> None:
    body = create_token_body(
        timeout="1h30m", idempotency_key="k", idempotency_key_ttl=timedelta(days=1), tags=None
    )
    assert (body["idempotencyKeyTTL"], body["timeout"]) == ("1d", "1h30m")
    with pytest.raises(ValueError, match="idempotency_key_ttl"):
        create_token_body(timeout=None, idempotency_key="k", idempotency_key_ttl="2w", tags=None)


def test_the_retry_guard_pins_the_request_key() -> None:
    options, key = retry_guard(RETRIES, {"timeout": 5})
    assert options is not None and key == f"request-{options['idempotency_key']}"
    assert options["timeout"] == 5
    assert retry_guard(RETRIES, None)[1] != key  # one key per call


def test_the_retry_guard_takes_the_callers_request_key() -> None:
    assert retry_guard(RETRIES, {"idempotency_key": "op-7"})[1] == "request-op-7"
    one_attempt = trigger.RetryOptions(max_attempts=1)
    assert retry_guard(one_attempt, {"idempotency_key": "op-7"})[1] == "request-op-7"
    long_key = "x" * 3000
    derived = retry_guard(RETRIES, {"idempotency_key": long_key})[1]
    assert derived == "request-" + hashlib.sha256(long_key.encode()).hexdigest()


def test_the_retry_guard_adds_nothing_without_retries() -> None:
    assert retry_guard(trigger.RetryOptions(max_attempts=1), None) == (None, None)
    options: Any = {"max_attempts": 1}
    assert retry_guard(RETRIES, options) == (options, None)


def test_guard_options_never_replaces_a_callers_key() -> None:
    mine = {"idempotencyKey": ORDER_42, "idempotencyKeyTTL": "5m"}
    assert guard_options(mine, "request-x") is False
    assert mine == {"idempotencyKey": ORDER_42, "idempotencyKeyTTL": "5m"}
    bare: dict[str, Any] = {"idempotencyKeyTTL": "5m", "tags": ["a"]}
    assert guard_options(bare, "request-x") is True
    assert bare == {
        "idempotencyKey": "request-x",
        "idempotencyKeyTTL": RETRY_KEY_TTL,
        "tags": ["a"],
    }
