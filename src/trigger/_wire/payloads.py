"""Payload and metadata serialization: plain JSON when it is faithful, superjson when it is not.

A payload made only of JSON values (dicts with string keys, lists, tuples, strings, bools,
``None``, integers within ±(2**53 - 1) and finite floats, or msgspec Structs and dataclasses
made of them) is sent as the JSON value itself with ``payloadType: application/json``; the
server stores it as JSON and a TypeScript task receives the same value.

A payload holding values JSON cannot carry faithfully to a TypeScript task is sent the way
the official SDK sends every object: as a superjson document (a JSON *string*
``{"json": ..., "meta": {"values": {...}}}``) with ``payloadType: application/super+json``,
so the task receives real ``Date``, ``Set``, ``Map`` and ``BigInt`` objects. The document is
written as superjson 2.2.1 (the version @trigger.dev/core 4.x bundles) writes it: no
``meta.v``, and annotation paths that escape only dots. The Python to JavaScript mapping:

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
value sits: convert them explicitly, so that no value is silently changed. So are values
nested more than `MAX_DEPTH` levels deep, and (in a superjson payload) a key ending in a
backslash that holds an annotated value, which superjson 2.2.1 cannot address. Objects shared
between two places of a payload are sent as two copies (superjson's optional
``referentialEqualities`` annotation is not produced).

Metadata (run and session metadata, metadata operations) is sent as plain JSON, as the
official client sends it (``JSON.stringify``): see `encode_metadata`.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import msgspec

from trigger._models import ENCODER
from trigger._validation import iso_datetime

__all__ = [
    "MAX_DEPTH",
    "OFFLOAD_THRESHOLD",
    "EncodedPayload",
    "decode_download",
    "decode_payload",
    "encode_json_value",
    "encode_metadata",
    "encode_payload",
]

OFFLOAD_THRESHOLD = 128 * 1024
"""Serialized payloads of this many UTF-8 bytes or more are uploaded before the trigger."""

JSON_TYPE = "application/json"
SUPERJSON_TYPE = "application/super+json"
TEXT_TYPE = "text/plain"
STORE_TYPE = "application/store"

MAX_DEPTH = 200
"""The deepest nesting of containers a payload or metadata may have (a clear error beyond,
well before Python's recursion limit; superjson itself stops near 1,000 levels)."""

_MAX_SAFE_INTEGER = 2**53 - 1
# superjson refuses these keys (prototype pollution on the JavaScript side).
_FORBIDDEN_KEYS = frozenset({"__proto__", "constructor", "prototype"})


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
    """One walk over a payload producing superjson's ``json`` value and ``meta.values``.

    With ``metadata=True`` it produces plain JSON instead, as ``JSON.stringify`` would send
    the JavaScript twin: no annotations, and values JSON would change are refused.
    """

    def __init__(self, *, metadata: bool = False) -> None:
        self.forbidden_key: str | None = None
        self._metadata = metadata
        self._what = "metadata" if metadata else "a payload"
        self._active: set[int] = set()

    def walk(
        self, value: Any, where: str, depth: int = 0
    ) -> tuple[Any, list[Any] | _Annotations | None]:
        """The JSON form of ``value`` and its annotation tree (``None`` when it has none)."""
        if value is None or isinstance(value, (bool, str)):
            return value, None
        if isinstance(value, int):
            if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
                return int(value), None
            if self._metadata:
                raise ValueError(
                    f"{where} is an int beyond ±(2**53 - 1), which a JavaScript number cannot "
                    "hold exactly; send it as a str"
                )
            return str(int(value)), ["bigint"]
        if isinstance(value, float):
            return self._float(value, where)
        if isinstance(value, datetime):
            return _js_iso(value, where), (None if self._metadata else ["Date"])
        if isinstance(value, date):
            midnight = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
            return _js_iso(midnight, where), (None if self._metadata else ["Date"])
        if isinstance(value, uuid.UUID):
            return str(value), None
        if isinstance(value, enum.Enum):
            return self.walk(value.value, where, depth)
        if isinstance(value, msgspec.Struct) or (
            dataclasses.is_dataclass(value) and not isinstance(value, type)
        ):
            return self.walk(_struct_builtins(value), where, depth)
        if isinstance(value, Mapping):
            if all(isinstance(key, str) for key in value):
                return self._container(value, where, None, depth, is_object=True)
            if self._metadata:
                key = next(key for key in value if not isinstance(key, str))
                raise TypeError(
                    f"{where} has a {type(key).__name__} key ({key!r}); metadata keys must be "
                    "str (JSON object keys are strings)"
                )
            entries = [[key, item] for key, item in value.items()]
            return self._container(entries, where, "map", depth, is_object=False)
        if isinstance(value, (set, frozenset)):
            # Metadata goes out as JSON, where a set can only be an array.
            annotation = None if self._metadata else "set"
            return self._container(list(value), where, annotation, depth, is_object=False)
        if isinstance(value, (list, tuple)):
            return self._container(value, where, None, depth, is_object=False)
        if isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"{where} is {type(value).__name__}, which JSON cannot carry: "
                "encode it first (for example as a base64 str)"
            )
        raise TypeError(
            f"{where} is a {type(value).__name__}, which cannot be sent in {self._what}; "
            "convert it to JSON values (dict, list, str, int, float, bool, None), "
            "a datetime, a set or a msgspec Struct"
        )

    def _float(self, value: float, where: str) -> tuple[Any, list[Any] | None]:
        if math.isfinite(value):
            if value == 0 and math.copysign(1.0, value) < 0 and not self._metadata:
                return "-0", ["number"]
            return value, None
        if self._metadata:
            raise ValueError(
                f"{where} is {value!r}: JSON cannot carry NaN or an infinity (it would be null)"
            )
        if math.isnan(value):
            return "NaN", ["number"]
        return ("Infinity" if value > 0 else "-Infinity"), ["number"]

    def _container(
        self, value: Any, where: str, annotation: str | None, depth: int, *, is_object: bool
    ) -> tuple[Any, list[Any] | _Annotations | None]:
        marker = id(value)
        if marker in self._active:
            raise ValueError(f"{where} contains itself (a circular reference)")
        if depth >= MAX_DEPTH:
            raise ValueError(f"{where} is nested more than {MAX_DEPTH} levels deep")
        self._active.add(marker)
        try:
            items = value.items() if is_object else enumerate(value)
            result: Any = {} if is_object else []
            inner: _Annotations = {}
            for key, item in items:
                if is_object and key in _FORBIDDEN_KEYS and self.forbidden_key is None:
                    self.forbidden_key = f"{where}[{key!r}]"
                child_where = f"{where}[{key!r}]"
                json_value, tree = self.walk(item, child_where, depth + 1)
                if is_object:
                    result[key] = json_value
                else:
                    result.append(json_value)
                if tree is None:
                    continue
                escaped = _escape_key(str(key))
                if isinstance(tree, list):
                    inner[escaped] = tree
                    continue
                if escaped.endswith("\\"):
                    # "a\" + "." + "b" reads back as the one key "a.b" (superjson 2.2.1 has
                    # no escape for a backslash): the task would get a wrong value.
                    raise ValueError(
                        f"{child_where}: a key ending in a backslash cannot hold a date, set, "
                        "map, bigint or special number in a superjson payload; rename the key"
                    )
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


def _is_plain_json(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` holds only builtins whose JSON needs no walk (the common payload).

    Exact types only (subclasses, Structs, dates, sets... take the walker), and no object key
    that JavaScript would reorder, so the bytes are what the walker would produce. Anything
    nested deeper than `MAX_DEPTH` takes the walker too, which reports it.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER)
    if kind is float:
        return math.isfinite(value) and (value != 0 or math.copysign(1.0, value) > 0)
    if depth >= MAX_DEPTH:
        return False
    if kind is dict:
        return all(
            type(key) is str and not _is_array_index(key) and _is_plain_json(item, depth + 1)
            for key, item in value.items()
        )
    if kind is list:
        return all(_is_plain_json(item, depth + 1) for item in value)
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
    return iso_datetime(where, value)


def _escape_key(key: str) -> str:
    # superjson 2.2.1 path syntax: only "." is escaped (its parser reads "\." as a dot and
    # every other backslash as itself).
    return key.replace(".", "\\.")


def _walk(walker: _Walker, value: Any, where: str) -> tuple[Any, list[Any] | _Annotations | None]:
    try:
        return walker.walk(value, where)
    except RecursionError:
        # Only when the caller's own stack is already deep: still a clear error, never this.
        raise ValueError(f"{where} is nested too deeply to be serialized") from None


def encode_payload(payload: Any) -> EncodedPayload:
    """Serialize a payload for a trigger body (see the module docstring for the rules).

    Args:
        payload: The task's payload; ``None`` sends no payload.

    Returns:
        The body value, ``payloadType``, ``payloadSize`` and serialized bytes.

    Raises:
        TypeError: The payload holds a value that cannot be sent (bytes, Decimal, ...).
        ValueError: The payload holds a naive datetime, a circular reference, containers
            nested more than `MAX_DEPTH` levels deep, or (in a superjson payload) a key
            superjson refuses or cannot address.
    """
    if payload is None:
        return EncodedPayload(value=None, payload_type=JSON_TYPE, size=0, data=b"")
    try:
        plain = _is_plain_json(payload)
    except RecursionError:
        plain = False  # the walker reports it properly
    if plain:
        # Only builtins that JSON carries as they are: no copy, no annotations needed.
        data = ENCODER.encode(payload)
        return EncodedPayload(value=payload, payload_type=JSON_TYPE, size=len(data), data=data)
    walker = _Walker()
    json_value, tree = _walk(walker, payload, "payload")
    if tree is None:
        data = ENCODER.encode(json_value)
        return EncodedPayload(value=json_value, payload_type=JSON_TYPE, size=len(data), data=data)
    if walker.forbidden_key is not None:
        raise ValueError(
            f"{walker.forbidden_key}: superjson refuses the keys "
            f"{', '.join(sorted(_FORBIDDEN_KEYS))} (prototype pollution risk)"
        )
    # No "v": superjson 2.2.1, which the official client bundles, writes none.
    document = {"json": json_value, "meta": {"values": tree}}
    data = ENCODER.encode(document)
    return EncodedPayload(
        value=data.decode("utf-8"), payload_type=SUPERJSON_TYPE, size=len(data), data=data
    )


def encode_metadata(name: str, value: object) -> dict[str, Any]:
    """Check run or session metadata and return it as JSON values, ready for a body.

    The official client sends metadata with ``JSON.stringify``, so this writes what it
    writes for the JavaScript twin: an aware `datetime` (or a `date`, at midnight UTC)
    becomes its ``toISOString()`` text, e.g. ``"2024-01-02T03:04:05.678Z"``; a `set`,
    `frozenset` or tuple becomes an array; a msgspec Struct or dataclass an object; a
    `uuid.UUID` its text and an enum member its value. Values JSON would change or cannot
    carry are refused, naming where they sit (e.g. ``metadata['a'][0]``): NaN and the
    infinities (``JSON.stringify`` would send ``null``), ints beyond ±(2**53 - 1), naive
    datetimes, `bytes`, `Decimal` and other types, non-str keys, circular references and
    containers nested more than `MAX_DEPTH` levels deep.

    Args:
        name: The argument's name, for error messages.
        value: The metadata: a mapping.

    Returns:
        A new dict of JSON values.

    Raises:
        TypeError: ``value`` is not a mapping, or holds a type JSON cannot carry or a
            non-str key.
        ValueError: It holds NaN, an infinity, an unsafe int, a naive datetime, a circular
            reference or too deep a nesting.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type(value).__name__}")
    result: dict[str, Any] = encode_json_value(name, value)
    return result


def encode_json_value(name: str, value: object) -> Any:
    """Check any value sent as plain JSON (``JSON.stringify`` in the official client) and
    return it as JSON values: the rules and conversions of `encode_metadata`, for a value of
    any JSON type (a waitpoint token's completion data, for one)."""
    try:
        plain = _is_plain_json(value)
    except RecursionError:
        plain = False  # the walker reports it properly
    if plain:
        # Only builtins JSON carries as they are (the common case): what the walker would
        # return, without walking. A dict is copied, as the walker's result is new.
        return dict(value) if type(value) is dict else value
    json_value, _ = _walk(_Walker(metadata=True), value, name)
    return json_value


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


def decode_download(data: bytes, content_type: str | None) -> Any:
    """Decode a downloaded packet (an offloaded payload or output) by its content type, into
    the shape the API gives the same packet inline, so a field has one shape whatever its size.

    ``application/json`` (also when there is no content type, as for the official client)
    is parsed as JSON. ``application/super+json`` gives the document's ``json`` value, as
    the server does for an inline packet: dates stay ISO strings, sets arrays, maps arrays
    of pairs, big integers strings, and object members whose value is ``undefined`` are
    left out; `decode_payload` restores the types instead. ``text/plain`` and any other type
    give the text. Data that does not parse as its type says is returned as text too.

    Args:
        data: The downloaded bytes.
        content_type: The response's ``Content-Type`` header (parameters are ignored).

    Returns:
        The value (``None`` for empty data).
    """
    if not data:
        return None
    kind = (content_type or JSON_TYPE).split(";", 1)[0].strip().lower()
    try:
        if kind == JSON_TYPE:
            return msgspec.json.decode(data)
        if kind == SUPERJSON_TYPE:
            return _superjson_json(data)
    except (msgspec.DecodeError, ValueError):
        pass
    return data.decode("utf-8", errors="replace")


def _superjson_json(data: bytes) -> Any:
    """The ``json`` value of a superjson document, without its ``undefined`` object members
    (``JSON.stringify`` drops them from the server's answer)."""
    document = msgspec.json.decode(data)
    if not isinstance(document, dict) or "json" not in document:
        raise ValueError("data is not a superjson document (no 'json' member)")
    value = document["json"]
    meta = document.get("meta")
    if not isinstance(meta, dict):
        return value
    values = meta.get("values")
    if isinstance(values, list):
        return None if values[:1] == ["undefined"] else value
    if not isinstance(values, dict):
        return value
    version = meta.get("v", 0)
    legacy = not isinstance(version, int) or version < 1
    for path, tree in values.items():
        for undefined in _undefined_paths(tree, _parse_path(path, legacy), legacy):
            _drop_member(value, undefined)
    return value


def _undefined_paths(tree: Any, path: list[str], legacy: bool) -> list[list[str]]:
    if not isinstance(tree, list) or not tree:
        raise ValueError("malformed superjson meta.values")
    found = [path] if tree[0] == "undefined" else []
    if len(tree) > 1 and isinstance(tree[1], dict):
        for key, subtree in tree[1].items():
            found += _undefined_paths(subtree, path + _parse_path(key, legacy), legacy)
    return found


def _drop_member(root: Any, path: list[str]) -> None:
    parent = root
    try:
        for segment in path[:-1]:
            parent = _child(parent, segment)
    except ValueError:
        return
    if isinstance(parent, dict):  # an undefined array item is a null, as in JSON
        parent.pop(path[-1], None)


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


def _parse_path(path: str, legacy: bool) -> list[str]:
    """Split an escaped superjson path into its keys, as superjson's ``parsePath`` does.

    Legacy paths (no ``meta.v``, as superjson 2.2.1 writes them) escape only dots: ``\\.``
    is a dot and any other backslash is itself. Format version 1 also doubles backslashes.
    """
    segments: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(path):
        char = path[index]
        following = path[index + 1 : index + 2]
        if char == "\\" and (following == "." or (following == "\\" and not legacy)):
            current.append(following)
            index += 2
            continue
        if char == "\\" and not legacy:
            raise ValueError(f"malformed superjson path {path!r}")
        if char == ".":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    segments.append("".join(current))
    return segments
