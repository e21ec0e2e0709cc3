"""Payload serialization: plain JSON when it is faithful, superjson when it is not.

A payload made only of JSON values (dicts with string keys, lists, tuples, strings, bools,
``None``, integers within ±(2**53 - 1) and finite floats, or msgspec Structs and dataclasses
made of them) is sent as the JSON value itself with ``payloadType: application/json``; the
server stores it as JSON and a TypeScript task receives the same value.

A payload holding values JSON cannot carry faithfully to a TypeScript task is sent the way
the official SDK sends every object: as a superjson document (a JSON *string*
``{"json": ..., "meta": {"values": {...}, "v": 1}}``) with
``payloadType: application/super+json``, so the task receives real ``Date``, ``Set``,
``Map`` and ``BigInt`` objects. The Python to JavaScript mapping:

========================================  ===========================================
Python                                    JavaScript (superjson annotation)
========================================  ===========================================
aware `datetime`                          ``Date`` (``"Date"``), millisecond precision
`date`                                    ``Date`` at midnight UTC (``"Date"``)
`set`, `frozenset`                        ``Set`` (``"set"``)
`dict` with any non-string key            ``Map`` (``"map"``)
`int` beyond ±(2**53 - 1)                 ``BigInt`` (``"bigint"``)
``nan``, ``inf``, ``-inf``                ``NaN``, ``Infinity``, ``-Infinity`` (``"number"``)
``-0.0`` (inside a superjson payload)     ``-0`` (``"number"``)
========================================  ===========================================

`uuid.UUID` and enum members are sent as their value. Naive datetimes, `Decimal`, `bytes`
and other types are refused with a `TypeError`/`ValueError` naming where in the payload the
value sits: convert them explicitly, so that no value is silently changed. Objects shared
between two places of a payload are sent as two copies (superjson's optional
``referentialEqualities`` annotation is not produced).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import msgspec

__all__ = [
    "OFFLOAD_THRESHOLD",
    "EncodedPayload",
    "decode_payload",
    "encode_payload",
]

OFFLOAD_THRESHOLD = 128 * 1024
"""Serialized payloads of this many UTF-8 bytes or more are uploaded before the trigger."""

JSON_TYPE = "application/json"
SUPERJSON_TYPE = "application/super+json"
TEXT_TYPE = "text/plain"
STORE_TYPE = "application/store"

_MAX_SAFE_INTEGER = 2**53 - 1
# The superjson format version whose path escaping this module writes (``\\`` and ``\.``).
_SUPERJSON_VERSION = 1
# superjson refuses these keys (prototype pollution on the JavaScript side).
_FORBIDDEN_KEYS = frozenset({"__proto__", "constructor", "prototype"})
_ENCODER = msgspec.json.Encoder()


@dataclass(frozen=True)
class EncodedPayload:
    """A payload ready for a trigger body.

    Attributes:
        value: What goes in the body's ``payload`` (``None``: the key is omitted).
        payload_type: The ``payloadType`` option (``None``: the option is omitted).
        size: UTF-8 bytes of the serialized payload (the ``payloadSize`` option).
        data: The serialized payload, uploaded as it is when the payload is offloaded.
    """

    value: Any
    payload_type: str | None
    size: int
    data: bytes = dataclasses.field(repr=False)


# -- encoding ------------------------------------------------------------------------------

_Annotations = dict[str, Any]
"""Annotations of a container's children: escaped path -> a tree ``[type]`` or ``[type, {...}]``."""


class _Walker:
    """One walk over a payload producing superjson's ``json`` value and ``meta.values``."""

    def __init__(self) -> None:
        self.forbidden_key: str | None = None
        self._active: set[int] = set()

    def walk(self, value: Any, where: str) -> tuple[Any, list[Any] | _Annotations | None]:
        """The JSON form of ``value`` and its annotation tree (``None`` when it has none)."""
        if value is None or isinstance(value, (bool, str)):
            return value, None
        if isinstance(value, int):
            if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
                return int(value), None
            return str(int(value)), ["bigint"]
        if isinstance(value, float):
            if math.isnan(value):
                return "NaN", ["number"]
            if math.isinf(value):
                return ("Infinity" if value > 0 else "-Infinity"), ["number"]
            if value == 0 and math.copysign(1.0, value) < 0:
                return "-0", ["number"]
            return value, None
        if isinstance(value, datetime):
            return _js_iso(value, where), ["Date"]
        if isinstance(value, date):
            midnight = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
            return _js_iso(midnight, where), ["Date"]
        if isinstance(value, uuid.UUID):
            return str(value), None
        if isinstance(value, enum.Enum):
            return self.walk(value.value, where)
        if isinstance(value, msgspec.Struct) or (
            dataclasses.is_dataclass(value) and not isinstance(value, type)
        ):
            return self.walk(_struct_builtins(value), where)
        if isinstance(value, Mapping):
            if all(isinstance(key, str) for key in value):
                return self._container(value, where, None, is_object=True)
            entries = [[key, item] for key, item in value.items()]
            return self._container(entries, where, "map", is_object=False)
        if isinstance(value, (set, frozenset)):
            return self._container(list(value), where, "set", is_object=False)
        if isinstance(value, (list, tuple)):
            return self._container(value, where, None, is_object=False)
        if isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"{where} is {type(value).__name__}, which JSON cannot carry: "
                "encode it first (for example as a base64 str)"
            )
        raise TypeError(
            f"{where} is a {type(value).__name__}, which cannot be sent as a payload; "
            "convert it to JSON values (dict, list, str, int, float, bool, None), "
            "a datetime, a set or a msgspec Struct"
        )

    def _container(
        self, value: Any, where: str, annotation: str | None, *, is_object: bool
    ) -> tuple[Any, list[Any] | _Annotations | None]:
        marker = id(value)
        if marker in self._active:
            raise ValueError(f"{where} contains itself (a circular reference)")
        self._active.add(marker)
        try:
            items = value.items() if is_object else enumerate(value)
            result: Any = {} if is_object else []
            inner: _Annotations = {}
            for key, item in items:
                if is_object and key in _FORBIDDEN_KEYS and self.forbidden_key is None:
                    self.forbidden_key = f"{where}[{key!r}]"
                child_where = f"{where}[{key!r}]"
                json_value, tree = self.walk(item, child_where)
                if is_object:
                    result[key] = json_value
                else:
                    result.append(json_value)
                escaped = _escape_key(str(key))
                if isinstance(tree, list):
                    inner[escaped] = tree
                elif isinstance(tree, dict):
                    for path, subtree in tree.items():
                        inner[f"{escaped}.{path}"] = subtree
        finally:
            self._active.discard(marker)
        if is_object:
            result = _js_key_order(result)
        inner = _js_key_order(inner)
        if annotation is not None:
            return result, ([annotation, inner] if inner else [annotation])
        return result, (inner or None)


def _is_plain_json(value: Any) -> bool:
    """Whether ``value`` holds only builtins whose JSON needs no walk (the common payload).

    Exact types only (subclasses, Structs, dates, sets... take the walker), and no object key
    that JavaScript would reorder, so the bytes are what the walker would produce.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER)
    if kind is float:
        return math.isfinite(value) and (value != 0 or math.copysign(1.0, value) > 0)
    if kind is dict:
        return all(
            type(key) is str and not _is_array_index(key) and _is_plain_json(item)
            for key, item in value.items()
        )
    if kind is list:
        return all(_is_plain_json(item) for item in value)
    return False


def _is_array_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and str(int(key)) == key and int(key) < 2**32 - 1


def _js_key_order(mapping: dict[str, Any]) -> dict[str, Any]:
    """The order a JavaScript object enumerates these keys in: array indices first, ascending.

    Keeping it makes a superjson document byte-identical to the one superjson writes.
    """
    indices = [key for key in mapping if _is_array_index(key)]
    if not indices:
        return mapping
    ordered = {key: mapping[key] for key in sorted(indices, key=int)}
    ordered.update((key, item) for key, item in mapping.items() if key not in ordered)
    return ordered


def _struct_builtins(value: Any) -> dict[str, Any]:
    """A Struct or dataclass as a dict of its fields, values left for the walker.

    Structs use their wire (encode) names and leave out defaults when they are configured
    to, as msgspec would encode them.
    """
    if isinstance(value, msgspec.Struct):
        config = value.__struct_config__
        if config.tag is not None:
            # Tagged Structs carry their tag; msgspec knows where it goes.
            builtins: dict[str, Any] = msgspec.to_builtins(
                value, builtin_types=(datetime, date, uuid.UUID, bytes, bytearray)
            )
            return builtins
        result: dict[str, Any] = {}
        for info in msgspec.structs.fields(value):
            item = getattr(value, info.name)
            if config.omit_defaults and _is_default(item, info):
                continue
            result[info.encode_name] = item
        return result
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}


def _is_default(item: Any, info: msgspec.structs.FieldInfo) -> bool:
    if info.default is not msgspec.NODEFAULT:
        return bool(item is info.default or item == info.default)
    if info.default_factory is not msgspec.NODEFAULT:
        return bool(item == info.default_factory())
    return False


def _js_iso(value: datetime, where: str) -> str:
    """``Date.prototype.toISOString()``: UTC, milliseconds, a ``Z`` suffix."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{where} is a naive datetime; attach a timezone (e.g. tzinfo=timezone.utc) "
            "so that it names one instant"
        )
    utc = value.astimezone(timezone.utc)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def _escape_key(key: str) -> str:
    # superjson path syntax (format version 1): "\" doubled, "." escaped.
    return key.replace("\\", "\\\\").replace(".", "\\.")


def encode_payload(payload: Any) -> EncodedPayload:
    """Serialize a payload for a trigger body (see the module docstring for the rules).

    Args:
        payload: The task's payload; ``None`` sends no payload.

    Returns:
        The body value, ``payloadType``, ``payloadSize`` and serialized bytes.

    Raises:
        TypeError: The payload holds a value that cannot be sent (bytes, Decimal, ...).
        ValueError: The payload holds a naive datetime, a circular reference, or (in a
            superjson payload) a key superjson refuses.
    """
    if payload is None:
        return EncodedPayload(value=None, payload_type=JSON_TYPE, size=0, data=b"")
    try:
        plain = _is_plain_json(payload)
    except RecursionError:
        plain = False  # deep or circular: the walker reports it properly
    if plain:
        # Only builtins that JSON carries as they are: no copy, no annotations needed.
        data = _ENCODER.encode(payload)
        return EncodedPayload(value=payload, payload_type=JSON_TYPE, size=len(data), data=data)
    walker = _Walker()
    json_value, tree = walker.walk(payload, "payload")
    if tree is None:
        data = _ENCODER.encode(json_value)
        return EncodedPayload(value=json_value, payload_type=JSON_TYPE, size=len(data), data=data)
    if walker.forbidden_key is not None:
        raise ValueError(
            f"{walker.forbidden_key}: superjson refuses the keys "
            f"{', '.join(sorted(_FORBIDDEN_KEYS))} (prototype pollution risk)"
        )
    document = {"json": json_value, "meta": {"values": tree, "v": _SUPERJSON_VERSION}}
    data = _ENCODER.encode(document)
    return EncodedPayload(
        value=data.decode("utf-8"), payload_type=SUPERJSON_TYPE, size=len(data), data=data
    )


# -- decoding ------------------------------------------------------------------------------


def decode_payload(data: str | bytes, payload_type: str) -> Any:
    """Turn a serialized payload or output back into Python values.

    ``application/super+json`` values come back as `datetime` (UTC), `set`, `dict` (for a
    ``Map``), `int` (for a ``BigInt``) and `float` (``NaN``, ``Infinity``, ``-0``);
    ``undefined`` becomes ``None``. Annotations this SDK cannot represent (classes, symbols,
    custom transformers) leave the JSON value as it is.

    Args:
        data: The serialized packet.
        payload_type: Its type: ``application/json``, ``application/super+json`` or
            ``text/plain`` (any other type is returned as text).

    Returns:
        The decoded value (``None`` for empty data).

    Raises:
        ValueError: The data does not parse as its type says, or it is an
            ``application/store`` reference (download it first).
        TypeError: ``data`` is neither str nor bytes.
    """
    if not isinstance(data, (str, bytes)):
        raise TypeError(f"data must be str or bytes, not {type(data).__name__}")
    if not isinstance(payload_type, str):
        raise TypeError(f"payload_type must be a str, not {type(payload_type).__name__}")
    if not data:
        return None
    kind = payload_type.split(";", 1)[0].strip().lower()
    if kind == STORE_TYPE:
        raise ValueError(
            "an application/store packet is a storage path: fetch it with "
            "packets.retrieve_download_url() and decode the downloaded data"
        )
    if kind == JSON_TYPE:
        try:
            return msgspec.json.decode(data)
        except msgspec.DecodeError as exc:
            raise ValueError(f"data is not valid JSON: {exc}") from exc
    if kind == SUPERJSON_TYPE:
        return _decode_superjson(data)
    return data.decode("utf-8") if isinstance(data, bytes) else data


def _decode_superjson(data: str | bytes) -> Any:
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ValueError(f"data is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or "json" not in document:
        raise ValueError("data is not a superjson document (no 'json' member)")
    value = document["json"]
    meta = document.get("meta")
    if not isinstance(meta, dict):
        return value
    version = meta.get("v", 0)
    legacy = not isinstance(version, int) or version < 1
    values = meta.get("values")
    if isinstance(values, list):
        return _apply_tree(value, values, [], legacy)
    if isinstance(values, dict):
        for path, tree in values.items():
            value = _apply_tree(value, tree, _parse_path(path, legacy), legacy)
    return value


def _apply_tree(root: Any, tree: Any, path: list[str], legacy: bool) -> Any:
    """Apply one annotation tree (children first, as superjson does) at ``path``."""
    if not isinstance(tree, list) or not tree:
        raise ValueError("malformed superjson meta.values")
    if len(tree) > 1 and isinstance(tree[1], dict):
        for key, subtree in tree[1].items():
            root = _apply_tree(root, subtree, path + _parse_path(key, legacy), legacy)
    return _set_deep(root, path, lambda node: _untransform(node, tree[0]))


def _set_deep(root: Any, path: list[str], change: Any) -> Any:
    if not path:
        return change(root)
    parent = root
    for segment in path[:-1]:
        parent = _child(parent, segment)
    last = path[-1]
    if isinstance(parent, list):
        index = _index(parent, last)
        parent[index] = change(parent[index])
    elif isinstance(parent, dict) and last in parent:
        parent[last] = change(parent[last])
    else:
        raise ValueError(f"superjson annotation path {'.'.join(path)!r} matches no value")
    return root


def _child(node: Any, segment: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, segment)]
    if isinstance(node, dict) and segment in node:
        return node[segment]
    raise ValueError(f"superjson annotation path segment {segment!r} matches no value")


def _index(node: list[Any], segment: str) -> int:
    if not segment.isdigit() or int(segment) >= len(node):
        raise ValueError(f"superjson annotation path segment {segment!r} matches no value")
    return int(segment)


_NUMBERS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}


def _untransform(node: Any, annotation: Any) -> Any:
    if annotation == "Date" and isinstance(node, str):
        return datetime.fromisoformat(node.replace("Z", "+00:00")).astimezone(timezone.utc)
    if annotation == "bigint" and isinstance(node, str):
        return int(node)
    if annotation == "undefined":
        return None
    if annotation == "number" and isinstance(node, str):
        return _NUMBERS[node] if node in _NUMBERS else float(node)
    if annotation in ("NaN", "Infinity", "-Infinity"):  # superjson 1.x leaf annotations
        return _NUMBERS[annotation]
    if annotation == "set" and isinstance(node, list):
        try:
            return set(node)
        except TypeError:  # unhashable members (objects): keep the list
            return node
    if annotation == "map" and isinstance(node, list):
        try:
            return {_hashable(key): item for key, item in node}
        except (TypeError, ValueError):
            return node
    if isinstance(annotation, str) and annotation.startswith("map:") and isinstance(node, dict):
        return _legacy_map(node, annotation)
    return node


def _hashable(key: Any) -> Any:
    hash(key)
    return key


def _legacy_map(node: dict[str, Any], annotation: str) -> dict[Any, Any]:
    # superjson 1.x maps: an object whose keys were stringified, the key type in the name.
    kind = annotation.partition(":")[2]
    if kind == "bigint":
        return {int(key): item for key, item in node.items()}
    if kind == "number":
        return {_number_key(key): item for key, item in node.items()}
    if kind == "boolean":
        return {key == "true": item for key, item in node.items()}
    return dict(node)


def _number_key(key: str) -> int | float:
    number = float(key)
    return int(number) if number.is_integer() else number


_PATH_TOKEN = re.compile(r"\\(.)|(\.)|([^\\.]+)", re.DOTALL)


def _parse_path(path: str, legacy: bool) -> list[str]:
    """Split an escaped superjson path into its keys."""
    segments: list[str] = []
    current = ""
    for escaped, dot, text in _PATH_TOKEN.findall(path):
        if dot:
            segments.append(current)
            current = ""
        elif text:
            current += text
        elif escaped == "." or not legacy:
            current += escaped
        else:  # format version 0 escaped only dots; other backslashes are literal
            current += "\\" + escaped
    segments.append(current)
    return segments
