"""Payload encoding, idempotency keys and trigger options: pure wire builders.

The superjson strings below were produced by superjson 2.2.1 (``SuperJSON.stringify``), the
version @trigger.dev/core 4.8.3 bundles (``dist/esm/v3/vendor/superjson.mjs``), for the
JavaScript twin of each Python value, so the SDK is checked byte for byte against what the
official client sends (no ``meta.v``; paths escape dots only).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trigger._wire.idempotency import hash_idempotency_key
from trigger._wire.payloads import (
    MAX_DEPTH,
    OFFLOAD_THRESHOLD,
    EncodedPayload,
    decode_payload,
    encode_payload,
)
from trigger._wire.tasks import trigger_body, trigger_options_to_wire

UTC = timezone.utc

# (Python value, what superjson.stringify gives for the same JavaScript value)
SUPERJSON_CASES: list[tuple[str, Any, str]] = [
    (
        "date and NaN",
        {"d": datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), "n": [1, math.nan]},
        '{"json":{"d":"2024-01-02T03:04:05.678Z","n":[1,"NaN"]},'
        '"meta":{"values":{"d":["Date"],"n.1":["number"]}}}',
    ),
    ("set at the root", {1, 2}, '{"json":[1,2],"meta":{"values":["set"]}}'),
    (
        "map with a date value",
        {"m": {1: datetime(2024, 1, 2, tzinfo=UTC)}},
        '{"json":{"m":[[1,"2024-01-02T00:00:00.000Z"]]},'
        '"meta":{"values":{"m":["map",{"0.1":["Date"]}]}}}',
    ),
    (
        "bigint at the root",
        2**60,
        '{"json":"1152921504606846976","meta":{"values":["bigint"]}}',
    ),
    (
        "dotted keys, -0, Infinity, nested sets",
        {"a.b": {"c": -0.0, "x": math.inf}, "z": {frozenset([1])}},
        '{"json":{"a.b":{"c":"-0","x":"Infinity"},"z":[[1]]},"meta":{"values":'
        '{"a\\\\.b.c":["number"],"a\\\\.b.x":["number"],"z":["set",{"0":["set"]}]}}}',
    ),
    (
        "backslash keys",
        {"a\\b": datetime(1970, 1, 1, tzinfo=UTC), "c.d": {"e": -math.inf}},
        '{"json":{"a\\\\b":"1970-01-01T00:00:00.000Z","c.d":{"e":"-Infinity"}},'
        '"meta":{"values":{"a\\\\b":["Date"],"c\\\\.d.e":["number"]}}}',
    ),
    (
        "JavaScript key order of annotations",
        {
            "list": [{"when": datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)}, 2**53 + 1],
            "s": ("x", datetime(1970, 1, 1, tzinfo=UTC)),
        },
        '{"json":{"list":[{"when":"1970-01-01T00:00:01.000Z"},"9007199254740993"],'
        '"s":["x","1970-01-01T00:00:00.000Z"]},'
        '"meta":{"values":{"list.1":["bigint"],"list.0.when":["Date"],"s.1":["Date"]}}}',
    ),
    (
        "first unsafe integer",
        {"id": 2**53, "small": 2**53 - 1},
        '{"json":{"id":"9007199254740992","small":9007199254740991},'
        '"meta":{"values":{"id":["bigint"]}}}',
    ),
    (
        "non-ASCII stays raw",
        {"t": "héllo ✓", "when": datetime(1970, 1, 1, tzinfo=UTC)},
        '{"json":{"t":"héllo ✓","when":"1970-01-01T00:00:00.000Z"},'
        '"meta":{"values":{"when":["Date"]}}}',
    ),
    (
        "map with int keys",
        {1: "a", 2: "b"},
        '{"json":[[1,"a"],[2,"b"]],"meta":{"values":["map"]}}',
    ),
    (
        "backslashes inside parent keys",
        {"a\\b": {"c\\d": datetime(1970, 1, 1, tzinfo=UTC)}, "e\\.f": {"g": {1}}},
        '{"json":{"a\\\\b":{"c\\\\d":"1970-01-01T00:00:00.000Z"},"e\\\\.f":{"g":[1]}},'
        '"meta":{"values":{"a\\\\b.c\\\\d":["Date"],"e\\\\\\\\.f.g":["set"]}}}',
    ),
]


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in SUPERJSON_CASES], ids=[c[0] for c in SUPERJSON_CASES]
)
def test_superjson_matches_superjson_byte_for_byte(value: Any, expected: str) -> None:
    encoded = encode_payload(value)
    assert encoded.payload_type == "application/super+json"
    assert encoded.value == expected
    assert encoded.data == expected.encode()
    assert encoded.size == len(expected.encode("utf-8"))


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in SUPERJSON_CASES], ids=[c[0] for c in SUPERJSON_CASES]
)
def test_superjson_documents_decode_back(value: Any, expected: str) -> None:
    decoded = decode_payload(expected, "application/super+json")
    normalized = _normalize(value)
    if isinstance(value, float) or (isinstance(normalized, dict) and _has_nan(normalized)):
        assert repr(decoded) == repr(normalized)
    else:
        assert decoded == normalized


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Where superjson 2.2.1 writes a path its own parser misreads (it leaves the key of an
# annotated leaf unescaped, so its {"a.b": Date} comes back with a string), the SDK escapes
# the dot. Each document below was checked to parse back to the value in superjson 2.2.1.
ESCAPED_LEAF_CASES: list[tuple[str, Any, str]] = [
    (
        "dotted leaf",
        {"a.b": EPOCH},
        '{"json":{"a.b":"1970-01-01T00:00:00.000Z"},"meta":{"values":{"a\\\\.b":["Date"]}}}',
    ),
    (
        "dotted leaves under a parent",
        {"p": {"a.b": EPOCH, "x.y.z": {1}}},
        '{"json":{"p":{"a.b":"1970-01-01T00:00:00.000Z","x.y.z":[1]}},'
        '"meta":{"values":{"p.a\\\\.b":["Date"],"p.x\\\\.y\\\\.z":["set"]}}}',
    ),
    (
        "backslash-dot leaf",
        {"a\\.b": EPOCH},
        '{"json":{"a\\\\.b":"1970-01-01T00:00:00.000Z"},'
        '"meta":{"values":{"a\\\\\\\\.b":["Date"]}}}',
    ),
    (
        "leaf key ending in a backslash",
        {"p": {"q\\": EPOCH}},
        '{"json":{"p":{"q\\\\":"1970-01-01T00:00:00.000Z"}},'
        '"meta":{"values":{"p.q\\\\":["Date"]}}}',
    ),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [c[1:] for c in ESCAPED_LEAF_CASES],
    ids=[c[0] for c in ESCAPED_LEAF_CASES],
)
def test_annotated_leaf_keys_are_escaped_so_superjson_reads_them_back(
    value: Any, expected: str
) -> None:
    assert encode_payload(value).value == expected
    assert decode_payload(expected, "application/super+json") == value


def test_no_format_version_is_written() -> None:
    document = msgspec.json.decode(encode_payload({"when": EPOCH}).data)
    assert document == {
        "json": {"when": "1970-01-01T00:00:00.000Z"},
        "meta": {"values": {"when": ["Date"]}},
    }


def test_a_parent_key_ending_in_a_backslash_is_refused() -> None:
    # superjson 2.2.1 would read "a\\.x" back as the single key "a.x".
    key = "a\\"
    with pytest.raises(
        ValueError, match=re.escape(f"payload[{key!r}]: a key ending in a backslash")
    ):
        encode_payload({key: {"x": EPOCH}})
    # Without an annotation below it, the key needs no path: plain JSON.
    assert encode_payload({"a\\": {"x": 1}}).payload_type == "application/json"


_tricky_keys = st.text(alphabet="a.\\", min_size=0, max_size=4)
_annotated = st.recursive(
    st.just(EPOCH) | st.just(math.inf) | st.just(2**60) | st.integers(0, 3),
    lambda children: st.dictionaries(_tricky_keys, children, max_size=3),
    max_leaves=10,
)


def _annotated_inside(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_annotated_inside(item) for item in value.values())
    return not (isinstance(value, int) and 0 <= value <= 3)


def _has_backslash_parent(value: Any) -> bool:
    """Whether a key ending in a backslash holds a container with an annotated value."""
    return isinstance(value, dict) and any(
        (key.endswith("\\") and isinstance(item, dict) and _annotated_inside(item))
        or _has_backslash_parent(item)
        for key, item in value.items()
    )


@given(_annotated)
def test_paths_with_dots_and_backslashes_read_back_as_written(value: Any) -> None:
    # The decoder parses legacy paths exactly as superjson 2.2.1's parsePath does.
    if _has_backslash_parent(value):
        with pytest.raises(ValueError, match="ending in a backslash"):
            encode_payload(value)
        return
    encoded = encode_payload(value)
    assert decode_payload(encoded.data, encoded.payload_type or "") == value


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("a.b", ["a", "b"]),
        ("a\\.b", ["a.b"]),
        ("a\\\\.b", ["a\\.b"]),  # superjson 2.2.1: "\\" then an escaped dot
        ("a\\b.c", ["a\\b", "c"]),
        ("a\\", ["a\\"]),
    ],
)
def test_legacy_paths_parse_as_superjson_2_2_1_parses_them(path: str, keys: list[str]) -> None:
    value: Any = "1970-01-01T00:00:00.000Z"
    expected: Any = EPOCH
    for key in reversed(keys):
        value, expected = {key: value}, {key: expected}
    document = msgspec.json.encode({"json": value, "meta": {"values": {path: ["Date"]}}})
    assert decode_payload(document, "application/super+json") == expected


def test_deep_payloads_get_a_clear_error_never_a_recursion_error() -> None:
    assert encode_payload(_nested(MAX_DEPTH)).payload_type == "application/json"
    for depth in (MAX_DEPTH + 1, 10_000):
        with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} levels"):
            encode_payload(_nested(depth))
        with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} levels"):
            encode_payload({"when": EPOCH, "deep": _nested(depth)})


def _nested(depth: int) -> list[Any]:
    """``depth`` lists, each inside the one before."""
    root: list[Any] = []
    current = root
    for _ in range(depth - 1):
        inner: list[Any] = []
        current.append(inner)
        current = inner
    return root


def _normalize(value: Any) -> Any:
    """What decoding gives back: tuples as lists, nested frozensets as sets inside a list."""
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_normalize(v) for v in value]
    if isinstance(value, set) and any(isinstance(v, frozenset) for v in value):
        return [set(v) for v in value]  # a set of sets cannot be a Python set of sets
    return value


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False


def test_decode_undefined_and_legacy_maps() -> None:
    assert decode_payload(
        '{"json":{"a":null},"meta":{"values":{"a":["undefined"]},"v":1}}',
        "application/super+json",
    ) == {"a": None}
    # superjson 1.x: no "v", map objects with the key type in the annotation.
    assert decode_payload(
        '{"json":{"m":{"1":"a"},"x.y":"1"},"meta":{"values":{"m":["map:number"],"x\\\\.y":["bigint"]}}}',
        "application/super+json",
    ) == {"m": {1: "a"}, "x.y": 1}


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ({"to": "a@example.com", "n": 1.5, "ok": True, "none": None}, None),
        ([1, "two", [3]], None),
        ("hello", None),
        (42, None),
        ((1, 2), [1, 2]),
        ({"id": uuid.UUID(int=1)}, {"id": "00000000-0000-0000-0000-000000000001"}),
        (2**53 - 1, None),
        (-(2**53 - 1), None),
    ],
)
def test_plain_json_payloads_are_sent_as_they_are(value: Any, wire: Any) -> None:
    encoded = encode_payload(value)
    expected = value if wire is None else wire
    assert encoded.payload_type == "application/json"
    assert encoded.value == expected
    assert encoded.data == msgspec.json.encode(expected)
    assert encoded.size == len(encoded.data)


def test_no_payload() -> None:
    assert encode_payload(None) == EncodedPayload(
        value=None, payload_type="application/json", size=0, data=b""
    )


def test_size_counts_utf8_bytes_and_non_ascii_is_raw() -> None:
    encoded = encode_payload({"name": "Zoë ✓"})
    assert encoded.data == '{"name":"Zoë ✓"}'.encode()
    assert encoded.size == 19


def test_structs_and_dataclasses_use_their_wire_names() -> None:
    class Order(msgspec.Struct, rename="camel", omit_defaults=True):
        order_id: str
        placed_at: datetime
        labels: set[str] = msgspec.field(default_factory=set)
        note: str | None = None

    @dataclasses.dataclass
    class Plain:
        a: int
        b: tuple[int, ...]

    when = datetime(2024, 1, 2, tzinfo=UTC)
    assert encode_payload(Order(order_id="o1", placed_at=when, labels={"x"})).value == (
        '{"json":{"orderId":"o1","placedAt":"2024-01-02T00:00:00.000Z","labels":["x"]},'
        '"meta":{"values":{"placedAt":["Date"],"labels":["set"]}}}'
    )
    assert encode_payload({"p": Plain(1, (2, 3))}).value == {"p": {"a": 1, "b": [2, 3]}}


def test_dates_are_midnight_utc_and_offsets_are_converted() -> None:
    encoded = encode_payload(
        {
            "day": date(2024, 2, 29),
            "t": datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
        }
    )
    document = msgspec.json.decode(encoded.value)
    assert document["json"] == {"day": "2024-02-29T00:00:00.000Z", "t": "2023-12-31T23:00:00.000Z"}


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ({"when": datetime(2024, 1, 1)}, ValueError, r"payload\['when'\] is a naive datetime"),
        ({"price": Decimal("1.10")}, TypeError, r"payload\['price'\] is a Decimal"),
        ({"raw": b"\x00"}, TypeError, r"payload\['raw'\] is bytes"),
        ({"f": object()}, TypeError, "object"),
        ({"__proto__": {1, 2}}, ValueError, "superjson refuses"),
    ],
)
def test_values_that_cannot_be_sent_are_refused(
    value: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        encode_payload(value)


def test_circular_payloads_are_refused() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="circular"):
        encode_payload(loop)


def test_decode_payload_types() -> None:
    assert decode_payload(b'{"a":[1,2]}', "application/json") == {"a": [1, 2]}
    assert decode_payload("plain words", "text/plain") == "plain words"
    assert decode_payload(b"", "application/json") is None
    with pytest.raises(ValueError, match="storage path"):
        decode_payload("run_1/payload.json", "application/store")
    with pytest.raises(ValueError, match="not valid JSON"):
        decode_payload("{", "application/json")


def test_offload_threshold_is_128_kib() -> None:
    assert OFFLOAD_THRESHOLD == 131072


# -- idempotency keys ------------------------------------------------------------------------

ORDER_42 = "3bf8b157c4238eefe5ae4a66eca81c6b887d4dcedb58dd674271859f4dc2edfd"


def test_idempotency_key_is_the_sha256_of_the_joined_parts() -> None:
    assert hashlib.sha256(b"order-42").hexdigest() == ORDER_42
    assert hash_idempotency_key("order-42") == ORDER_42
    assert hash_idempotency_key(["order", "42"]) == ORDER_42
    assert hash_idempotency_key(("order", "42"), scope="global") == ORDER_42
    assert hash_idempotency_key(ORDER_42) == ORDER_42  # 64 characters: already hashed
    assert (
        hash_idempotency_key("order-42", run_id="run_abc")
        == hashlib.sha256(b"order-42-run_abc").hexdigest()
    )
    assert (
        hash_idempotency_key("order-42", scope="attempt", run_id="run_abc", attempt_number=2)
        == hashlib.sha256(b"order-42-run_abc-2").hexdigest()
    )


@pytest.mark.parametrize(
    ("key", "kwargs", "message"),
    [
        ("", {}, "non-empty"),
        ([], {}, "at least one part"),
        (["a", 1], {}, r"\[1\] must be a str"),
        (b"abc", {}, "str or a sequence"),
        ("k", {"scope": "session"}, "scope"),
        ("k", {"scope": "global", "run_id": "run_1"}, "global"),
        ("k", {"attempt_number": 1, "run_id": "run_1"}, "only applies"),
        ("k", {"scope": "attempt", "run_id": "run_1"}, "needs attempt_number"),
    ],
)
def test_bad_idempotency_keys(key: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        hash_idempotency_key(key, **kwargs)


# -- trigger options -------------------------------------------------------------------------


def test_every_option_in_wire_names() -> None:
    wire = trigger_options_to_wire(
        {
            "idempotency_key": ["order", "42"],
            "idempotency_key_ttl": "1h",
            "delay": datetime(2030, 1, 1, tzinfo=UTC),
            "ttl": 600,
            "tags": "vip",
            "metadata": {"source": "api"},
            "queue": "emails",
            "concurrency_key": 123,
            "machine": "large-1x",
            "max_attempts": 3,
            "max_duration": timedelta(minutes=5),
            "version": "20240101.1",
            "priority": 10,
            "debounce": {"key": "user-1", "delay": "5s", "mode": "trailing", "max_delay": "1m"},
            "region": "eu-central-1",
            "test": True,
            "external_deployment_id": "  dep_1  ",
        }
    )
    assert wire == {
        "idempotencyKey": ORDER_42,
        "idempotencyKeyOptions": {"key": "order-42", "scope": "run"},
        "idempotencyKeyTTL": "1h",
        "delay": "2030-01-01T00:00:00.000Z",
        "ttl": 600,
        "tags": ["vip"],
        "metadata": {"source": "api"},
        "queue": {"name": "emails"},
        "concurrencyKey": "123",
        "machine": "large-1x",
        "maxAttempts": 3,
        "maxDuration": 300.0,
        "lockToVersion": "20240101.1",
        "priority": 10,
        "debounce": {"key": "user-1", "delay": "5s", "mode": "trailing", "maxDelay": "1m"},
        "region": "eu-central-1",
        "test": True,
        "externalDeploymentId": "dep_1",
    }


def test_durations_and_prehashed_keys() -> None:
    wire = trigger_options_to_wire(
        {"idempotency_key": ORDER_42, "delay": timedelta(minutes=90), "ttl": "1h30m"}
    )
    assert wire == {"idempotencyKey": ORDER_42, "delay": "5400s", "ttl": "1h30m"}
    assert trigger_options_to_wire({"delay": "2030-01-01T00:00:00.000Z"}) == {
        "delay": "2030-01-01T00:00:00.000Z"
    }
    assert trigger_options_to_wire({"ttl": timedelta(seconds=1.5)}) == {"ttl": 2}
    assert trigger_options_to_wire({"tags": [], "external_deployment_id": " "}) == {}


def test_trigger_version_env_is_the_default_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_VERSION", "20250101.3")
    assert trigger_options_to_wire({}) == {"lockToVersion": "20250101.3"}
    assert trigger_options_to_wire({"version": "20240101.1"}) == {"lockToVersion": "20240101.1"}


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"delay": "-5m"}, ValueError, r"options\['delay'\] must not be negative"),
        ({"delay": timedelta(seconds=-1)}, ValueError, "must not be negative"),
        ({"delay": "soon"}, ValueError, "duration"),
        ({"delay": datetime(2030, 1, 1)}, ValueError, "timezone-aware"),
        ({"ttl": -1}, ValueError, "ttl"),
        ({"ttl": True}, TypeError, "ttl"),
        ({"idempotency_key_ttl": "forever"}, ValueError, "idempotency_key_ttl"),
        ({"machine": "huge-9x"}, ValueError, "machine"),
        ({"tags": [f"t{i}" for i in range(11)]}, ValueError, "at most 10"),
        ({"tags": ["x" * 129]}, ValueError, "128"),
        ({"tags": [1]}, TypeError, "tags"),
        ({"max_attempts": 0}, ValueError, "max_attempts"),
        ({"max_attempts": 1.5}, TypeError, "max_attempts"),
        ({"max_duration": 0}, ValueError, "max_duration"),
        ({"priority": math.inf}, ValueError, "priority"),
        ({"metadata": ["a"]}, TypeError, "metadata"),
        ({"metadata": {"x": object()}}, TypeError, "JSON"),
        ({"queue": 5}, TypeError, "queue"),
        ({"queue": {"name": ""}}, ValueError, "queue"),
        ({"concurrency_key": ""}, ValueError, "concurrency_key"),
        ({"test": "yes"}, TypeError, "test"),
        ({"debounce": {"key": "k"}}, ValueError, "delay"),
        ({"debounce": {"key": "k", "delay": "1s", "mode": "middle"}}, ValueError, "mode"),
        ({"debounce": {"key": "k" * 513, "delay": "1s"}}, ValueError, "512"),
        ({"debounce": {"key": "k", "delay": "1s", "maxDelay": "1m"}}, TypeError, "maxDelay"),
        ({"maxAttempts": 3}, TypeError, "did you mean 'max_attempts'"),
        ({"idempotency_key": ""}, ValueError, "idempotency_key"),
    ],
)
def test_bad_options(options: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        trigger_options_to_wire(options)


def test_batch_items_take_a_queue_by_name_only() -> None:
    queue = {"name": "q", "concurrency_limit": 5}
    assert trigger_options_to_wire({"queue": queue}) == {
        "queue": {"name": "q", "concurrencyLimit": 5}
    }
    with pytest.raises(ValueError, match=r"items\[0\]\.options\['queue'\]"):
        trigger_options_to_wire({"queue": queue}, name="items[0].options", batch_item=True)


def test_trigger_body_adds_payload_type_and_size() -> None:
    assert trigger_body(encode_payload(None), {"ttl": 5}) == {
        "options": {"ttl": 5, "payloadType": "application/json", "payloadSize": 0}
    }
    assert trigger_body(encode_payload({"a": 1}), {}) == {
        "payload": {"a": 1},
        "options": {"payloadType": "application/json", "payloadSize": 7},
    }


_plain_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=6) | st.sampled_from(["0", "10", "2"]), children, max_size=4
        )
    ),
    max_leaves=25,
)


@given(_plain_json)
def test_the_fast_path_writes_what_the_walker_writes(value: object) -> None:
    from trigger._models import ENCODER as _ENCODER
    from trigger._wire.payloads import _Walker

    if value is None:
        return
    encoded = encode_payload(value)
    json_value, tree = _Walker().walk(value, "payload")
    if tree is None:
        assert encoded.payload_type == "application/json"
        assert encoded.data == _ENCODER.encode(json_value)
        assert encoded.size == len(encoded.data)
    else:
        assert encoded.payload_type == "application/super+json"
