"""Metadata on the wire: one checker for trigger options, run metadata updates and sessions.

The official client sends metadata with ``JSON.stringify``: dates become their
``toISOString()`` text and nothing else is converted, so values JSON would change (NaN and
the infinities become ``null``) or cannot carry are refused here, naming where they sit.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from trigger._types import NOT_GIVEN
from trigger._wire import runs as runs_wire
from trigger._wire import sessions as sessions_wire
from trigger._wire.payloads import MAX_DEPTH, encode_metadata
from trigger._wire.tasks import trigger_options_to_wire

UTC = timezone.utc


def _trigger(metadata: Any) -> Any:
    return trigger_options_to_wire({"metadata": metadata})["metadata"]


def _replay(metadata: Any) -> Any:
    body = runs_wire.replay_body(
        payload=None,
        tags=None,
        metadata=metadata,
        queue=None,
        concurrency_key=None,
        machine=None,
        version=None,
        region=None,
        delay=None,
        ttl=None,
        idempotency_key=None,
        idempotency_key_ttl=None,
        max_attempts=None,
        max_duration=None,
        priority=None,
    )
    assert body is not None
    return body["metadata"]


def _update(metadata: Any) -> Any:
    return runs_wire.metadata_body(
        metadata=metadata, operations=None, parent_operations=None, root_operations=None
    )["metadata"]


def _operation(metadata: Any) -> Any:
    body = runs_wire.metadata_body(
        metadata=None,
        operations=[{"type": "set", "key": "k", "value": metadata}],
        parent_operations=None,
        root_operations=None,
    )
    return body["operations"][0]["value"]


def _session_create(metadata: Any) -> Any:
    body = sessions_wire.create_body(
        type="chat",
        task_identifier="agent",
        trigger_config={"base_payload": {}},
        external_id=None,
        tags=None,
        metadata=metadata,
        expires_at=None,
    )
    return body["metadata"]


def _session_update(metadata: Any) -> Any:
    return sessions_wire.update_body(tags=NOT_GIVEN, metadata=metadata, external_id=NOT_GIVEN)[
        "metadata"
    ]


# Every place metadata goes on the wire, with the name its errors start with.
SITES: list[tuple[str, Callable[[Any], Any], str]] = [
    ("trigger options", _trigger, "options['metadata']"),
    ("replay", _replay, "metadata"),
    ("runs.update_metadata", _update, "metadata"),
    ("runs.update_metadata operations", _operation, "operations[0]['value']"),
    ("sessions.create", _session_create, "metadata"),
    ("sessions.update", _session_update, "metadata"),
]
SITE_IDS = [site[0] for site in SITES]


@dataclasses.dataclass
class Point:
    x: float
    y: float


class Sample(msgspec.Struct):
    value: float


def _wrap(value: Any, site: str) -> Any:
    # Operations carry the value itself; the other sites take a mapping.
    return value if site.startswith("operations") else {"a": value}


def _where(site: str) -> str:
    return site if site.startswith("operations") else f"{site}['a']"


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (math.nan, ""),
        (math.inf, ""),
        (-math.inf, ""),
        ({"b": {"c": math.nan}}, "['b']['c']"),
        ([1, [2, math.inf]], "[1][1]"),
        ((1, -math.inf), "[1]"),
        ({math.nan}, "[0]"),
        (frozenset({math.inf}), "[0]"),
        (Point(1.0, math.nan), "['y']"),
        (Sample(value=math.inf), "['value']"),
    ],
    ids=["nan", "inf", "-inf", "dict", "list", "tuple", "set", "frozenset", "dataclass", "struct"],
)
@pytest.mark.parametrize(("site", "send", "name"), SITES, ids=SITE_IDS)
def test_non_finite_floats_are_refused_anywhere_inside(
    site: str, send: Callable[[Any], Any], name: str, value: Any, path: str
) -> None:
    where = _where(name) + path
    with pytest.raises(
        ValueError,
        match=re.escape(where) + r" is -?(nan|inf): JSON cannot carry NaN or an infinity",
    ):
        send(_wrap(value, name))


class Color(enum.Enum):
    RED = "red"


@pytest.mark.parametrize(("site", "send", "name"), SITES, ids=SITE_IDS)
def test_values_are_converted_as_json_stringify_converts_them(
    site: str, send: Callable[[Any], Any], name: str
) -> None:
    value = {
        "when": datetime(2026, 1, 2, 5, 4, 5, 678999, tzinfo=timezone(timedelta(hours=2))),
        "day": date(2024, 2, 29),
        "tags": ("a", "b"),
        "only": {"x"},
        "point": Point(1.0, 2.5),
        "id": uuid.UUID(int=1),
        "color": Color.RED,
        "plain": {"n": [1, 2.5, None, True, "s", -0.0]},
    }
    assert send(_wrap(value, name)) == _wrap(
        {
            "when": "2026-01-02T03:04:05.678Z",
            "day": "2024-02-29T00:00:00.000Z",
            "tags": ["a", "b"],
            "only": ["x"],
            "point": {"x": 1.0, "y": 2.5},
            "id": "00000000-0000-0000-0000-000000000001",
            "color": "red",
            "plain": {"n": [1, 2.5, None, True, "s", -0.0]},
        },
        name,
    )


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (b"\x00", TypeError, r" is bytes, which JSON cannot carry"),
        (Decimal("1.10"), TypeError, r" is a Decimal, which cannot be sent in metadata"),
        (datetime(2024, 1, 1), ValueError, r" is a naive datetime"),
        ({1: "x"}, TypeError, r" has a int key \(1\); metadata keys must be str"),
        (2**53, ValueError, r" is an int beyond"),
        (object(), TypeError, r" is a object, which cannot be sent in metadata"),
    ],
    ids=["bytes", "decimal", "naive", "int-key", "unsafe-int", "object"],
)
@pytest.mark.parametrize(("site", "send", "name"), SITES, ids=SITE_IDS)
def test_values_json_cannot_carry_are_refused_naming_where(
    site: str,
    send: Callable[[Any], Any],
    name: str,
    value: Any,
    error: type[Exception],
    message: str,
) -> None:
    nested = [value]
    with pytest.raises(error, match="^" + re.escape(_where(name) + "[0]") + message):
        send(_wrap(nested, name))


@pytest.mark.parametrize(("site", "send", "name"), SITES, ids=SITE_IDS)
def test_circular_metadata_is_refused(site: str, send: Callable[[Any], Any], name: str) -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match=re.escape(_where(name)) + r".*circular reference"):
        send(_wrap(loop, name))


@pytest.mark.parametrize(("site", "send", "name"), SITES, ids=SITE_IDS)
def test_deep_metadata_gets_a_clear_error_never_a_recursion_error(
    site: str, send: Callable[[Any], Any], name: str
) -> None:
    for depth in (MAX_DEPTH, 10_000):
        deep: Any = 1
        for _ in range(depth):
            deep = [deep]
        with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} levels deep"):
            send(_wrap(deep, name))
    shallow: Any = 1
    for _ in range(MAX_DEPTH - 2):
        shallow = [shallow]
    assert send(_wrap(shallow, name)) == _wrap(shallow, name)


def test_metadata_must_be_a_mapping() -> None:
    with pytest.raises(TypeError, match=r"options\['metadata'\] must be a mapping"):
        trigger_options_to_wire({"metadata": ["a"]})
    with pytest.raises(TypeError, match="metadata must be a mapping"):
        encode_metadata("metadata", "text")


def test_the_caller_s_metadata_is_not_changed_or_shared() -> None:
    inner = {"when": datetime(2024, 1, 1, tzinfo=UTC)}
    metadata = {"inner": inner}
    sent = encode_metadata("metadata", metadata)
    assert sent == {"inner": {"when": "2024-01-01T00:00:00.000Z"}}
    assert inner == {"when": datetime(2024, 1, 1, tzinfo=UTC)}
    assert sent["inner"] is not inner


@pytest.mark.parametrize(
    ("data", "error", "where"),
    [
        ({"x": float("nan")}, ValueError, "data['x']"),
        ({"x": b"raw"}, TypeError, "data['x']"),
        ([1, float("inf")], ValueError, "data[1]"),
    ],
)
def test_token_completion_data_is_checked_like_metadata(
    data: Any, error: type[Exception], where: str
) -> None:
    from trigger._wire.wait import callback_body, complete_body

    with pytest.raises(error, match=re.escape(where)):
        complete_body(data)
    if isinstance(data, dict):
        with pytest.raises(error, match=re.escape(where)):
            callback_body(data)


def test_token_completion_data_that_is_too_deep_or_circular_is_refused() -> None:
    from trigger._wire.wait import complete_body

    deep: Any = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ValueError, match="data"):
        complete_body(deep)
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="data"):
        complete_body(loop)
    assert complete_body({"at": [1, "two", None]}) == {"data": {"at": [1, "two", None]}}
