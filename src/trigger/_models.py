"""The base of every model, and the cached decoders that read them off the wire."""

from __future__ import annotations

import functools
import typing
from typing import Any, TypeVar, cast

import msgspec

__all__ = ["Model", "decoder", "plain"]

T = TypeVar("T")


_MASK = "'***'"
_MASKED_FIELDS = frozenset(
    {
        "public_access_token",
        "token",
        "presigned_url",
        "payload_presigned_url",
        "output_presigned_url",
        "secret",
    }
)
"""Fields `Model.__repr__` shows as ``'***'``: public access tokens, presigned URLs, and
signing secrets."""


class Model(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """Base of all response models: snake_case attributes over camelCase wire names.

    Unknown fields are ignored and enum-like fields are plain strings, so a server that adds
    a field or a status value never breaks decoding. `to_dict` and `to_json` turn a model
    into plain data, e.g. to return it from a FastAPI or Django view.

    Models are not tracked by the cyclic garbage collector (``gc=False``): decoded API data is
    a tree, and untracked instances make decoding large pages markedly cheaper.
    """

    def __repr__(self) -> str:
        # msgspec's own format, with credentials masked: any model holding a token or a
        # presigned URL can be printed or logged as is.
        shown = ", ".join(
            f"{name}={_MASK if name in _MASKED_FIELDS and value is not None else repr(value)}"
            for name in self.__struct_fields__
            for value in (getattr(self, name),)
        )
        return f"{type(self).__name__}({shown})"

    def to_dict(self, *, wire_names: bool = False) -> dict[str, Any]:
        """The model as JSON-ready builtins: every field, nested models converted too.

        Fields at their defaults are kept (``is_success=False``, ``tags=[]``); datetimes
        become ISO 8601 strings (``"2025-01-01T00:00:00Z"``). Tokens and presigned URLs that
        ``repr()`` hides are included: this is the data itself.

        Args:
            wire_names: Key by the API's camelCase names (``taskIdentifier``) instead of the
                snake_case attribute names (``task_identifier``).
        """
        result: dict[str, Any] = plain(self, wire_names=wire_names)
        return result

    def to_json(self, *, wire_names: bool = False, indent: int = 0) -> str:
        """The model as JSON text: `to_dict` encoded.

        Args:
            wire_names: Key by the API's camelCase names instead of the snake_case ones.
            indent: Spaces per nesting level; 0 writes everything on one line.
        """
        text = msgspec.json.encode(plain(self, wire_names=wire_names))
        if indent:
            text = msgspec.json.format(text, indent=indent)
        return text.decode()


def plain(value: Any, *, wire_names: bool = False) -> Any:
    """Any model, page body or container of them as JSON-ready builtins (see `Model.to_dict`).

    Only fields whose type can hold a Struct are walked in Python; everything else (payloads,
    metadata, outputs) is converted by msgspec in one call, however deeply it nests.
    """
    if isinstance(value, msgspec.Struct):
        result: dict[str, Any] = {}
        config = value.__struct_config__
        if config.tag_field is not None:
            result[config.tag_field] = config.tag
        for name, wire, walk in _plan(type(value)):
            item = getattr(value, name)
            if item is msgspec.UNSET:
                continue
            key = wire if wire_names else name
            result[key] = plain(item, wire_names=wire_names) if walk else _builtins(item)
        return result
    if isinstance(value, dict):
        return {_builtins(k): plain(v, wire_names=wire_names) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item, wire_names=wire_names) for item in value]
    return _builtins(value)


def _builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


@functools.cache
def _plan(cls: type[msgspec.Struct]) -> tuple[tuple[str, str, bool], ...]:
    """Each field's attribute name, wire name, and whether its type can contain a Struct."""
    return tuple(
        (info.name, info.encode_name, _may_hold_struct(info.type))
        for info in msgspec.structs.fields(cls)
    )


def _may_hold_struct(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return True
    if annotation is Any:
        return False  # decoded JSON: builtins only
    return any(_may_hold_struct(arg) for arg in typing.get_args(annotation))


def decoder(type_: type[T]) -> msgspec.json.Decoder[T]:
    """One JSON decoder per type, built on first use and reused for every response."""
    return _decoder(cast(Any, type_))


@functools.cache
def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(type_)


def _encode_str_subclass(obj: Any) -> Any:
    # msgspec refuses str subclasses; an IdempotencyKey (idempotency_keys.create) is its text.
    if isinstance(obj, str):
        return str(obj)
    raise TypeError(f"Encoding objects of type {type(obj).__name__} is unsupported")


ENCODER = msgspec.json.Encoder(enc_hook=_encode_str_subclass)
"""The one JSON encoder for request bodies."""
