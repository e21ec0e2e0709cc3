"""Run metadata operations (``set``, ``delete``, ``append``, ``remove``, ``increment``,
``update``), applied to a JSON object as pure functions.

A ``key`` may be a JSON path (``$.a.b``, ``$.list[0]``); paths through ``__proto__``,
``constructor`` or ``prototype`` are refused.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FORBIDDEN_SEGMENTS", "MetadataError", "apply_operations"]

FORBIDDEN_SEGMENTS = frozenset({"__proto__", "constructor", "prototype"})

_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")


class MetadataError(ValueError):
    """An operation that cannot be applied."""


def _path(key: str) -> list[str | int]:
    if not key.startswith("$"):
        segments: list[str | int] = [key]
    else:
        segments = []
        rest = key[1:]
        position = 0
        while position < len(rest):
            match = _SEGMENT.match(rest, position)
            if not match:
                raise MetadataError(f"Invalid metadata key: {key}")
            name, index, quoted = match.groups()
            segments.append(int(index) if index is not None else (name or quoted))
            position = match.end()
        if not segments:
            raise MetadataError(f"Invalid metadata key: {key}")
    for segment in segments:
        if isinstance(segment, str) and segment in FORBIDDEN_SEGMENTS:
            raise MetadataError(f"Invalid metadata key: {key}")
    return segments


def _parent(root: dict[str, Any], path: list[str | int], create: bool) -> Any:
    node: Any = root
    for segment, following in itertools.pairwise(path):
        if isinstance(segment, int):
            if not isinstance(node, list) or segment >= len(node):
                return None
            node = node[segment]
            continue
        if not isinstance(node, dict):
            return None
        if segment not in node or not isinstance(node[segment], (dict, list)):
            if not create:
                return None
            node[segment] = [] if isinstance(following, int) else {}
        node = node[segment]
    return node


def _get(node: Any, segment: str | int) -> Any:
    if isinstance(segment, int):
        return node[segment] if isinstance(node, list) and segment < len(node) else None
    return node.get(segment) if isinstance(node, dict) else None


def _set(node: Any, segment: str | int, value: Any) -> None:
    if isinstance(segment, int):
        if isinstance(node, list):
            while len(node) <= segment:
                node.append(None)
            node[segment] = value
    elif isinstance(node, dict):
        node[segment] = value


def apply_operations(
    metadata: Mapping[str, Any], operations: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """``metadata`` after ``operations``, in order (the input is not changed).

    Raises:
        MetadataError: A key is not a usable path.
    """
    out = copy.deepcopy(dict(metadata))
    for op in operations:
        kind = op.get("type")
        if kind == "update":
            value = op.get("value")
            if isinstance(value, dict):
                out = copy.deepcopy(value)
            continue
        key = op.get("key")
        if not isinstance(key, str):
            continue
        path = _path(key)
        if kind == "set":
            parent = _parent(out, path, create=True)
            _set(parent, path[-1], copy.deepcopy(op.get("value")))
        elif kind == "delete":
            parent = _parent(out, path, create=False)
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
                parent.pop(path[-1])
        elif kind == "append":
            parent = _parent(out, path, create=True)
            current = _get(parent, path[-1])
            if current is None:
                _set(parent, path[-1], [copy.deepcopy(op.get("value"))])
            elif isinstance(current, list):
                current.append(copy.deepcopy(op.get("value")))
            else:
                _set(parent, path[-1], [current, copy.deepcopy(op.get("value"))])
        elif kind == "remove":
            parent = _parent(out, path, create=False)
            current = _get(parent, path[-1]) if parent is not None else None
            if isinstance(current, list):
                _set(parent, path[-1], [item for item in current if item != op.get("value")])
        elif kind == "increment":
            amount = op.get("value")
            if isinstance(amount, bool) or not isinstance(amount, (int, float)):
                continue
            parent = _parent(out, path, create=True)
            current = _get(parent, path[-1])
            base = (
                current
                if isinstance(current, (int, float)) and not isinstance(current, bool)
                else 0
            )
            _set(parent, path[-1], base + amount)
    return out
