"""The base of every model, and the cached decoders that read them off the wire."""

from __future__ import annotations

import functools
from typing import Any, TypeVar, cast

import msgspec

__all__ = ["Model", "decoder"]

T = TypeVar("T")


class Model(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """Base of all response models: snake_case attributes over camelCase wire names.

    Unknown fields are ignored and enum-like fields are plain strings, so a server that adds
    a field or a status value never breaks decoding.

    Models are not tracked by the cyclic garbage collector (``gc=False``): decoded API data is
    a tree, and untracked instances make decoding large pages markedly cheaper.
    """

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-compatible builtins, with the wire (camelCase) names."""
        result: dict[str, Any] = msgspec.to_builtins(self)
        return result


def decoder(type_: type[T]) -> msgspec.json.Decoder[T]:
    """One JSON decoder per type, built on first use and reused for every response."""
    return _decoder(cast(Any, type_))


@functools.cache
def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(type_)


ENCODER = msgspec.json.Encoder()
"""The one JSON encoder for request bodies."""
