"""Wire format of the waitpoint-token endpoints."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from trigger._models import ENCODER
from trigger._validation import (
    check_choices,
    check_str,
    check_str_list,
    comma_joined,
    compact,
    epoch_ms,
    iso_datetime,
    path_segment,
)
from trigger._wire.idempotency import check_idempotency_key_ttl, check_raw_idempotency_key
from trigger._wire.payloads import encode_json_value
from trigger._wire.runs import page_query
from trigger.types.wait import WAITPOINT_TOKEN_STATUSES

__all__ = [
    "callback_body",
    "callback_path",
    "complete_body",
    "create_token_body",
    "list_tokens_query",
    "token_path",
]

_MAX_TAGS = 10
_MAX_TAG_LENGTH = 128
_MAX_CREATE_BODY = 10 * 1024
_TOKENS = "/api/v1/waitpoints/tokens"
_CALLBACK = re.compile(r"/api/v1/waitpoints/tokens/(?P<id>[^/]+)/callback/(?P<hash>[^/]+)\Z")


def token_path(token_id: str, suffix: str = "") -> str:
    """``/api/v1/waitpoints/tokens/{waitpointId}`` plus an optional suffix."""
    return f"{_TOKENS}/{path_segment('token_id', token_id)}{suffix}"


def _tags(name: str, value: str | Sequence[str]) -> str | list[str]:
    """One tag stays a string and a list a list: the official client sends ``tags`` as given."""
    tags = check_str_list(name, value)
    if len(tags) > _MAX_TAGS:
        raise ValueError(f"{name} takes at most {_MAX_TAGS} tags, got {len(tags)}")
    for tag in tags:
        if len(tag) > _MAX_TAG_LENGTH:
            raise ValueError(f"{name} has a tag longer than {_MAX_TAG_LENGTH} characters")
    return value if isinstance(value, str) else tags


def create_token_body(
    *,
    timeout: str | datetime | None,
    idempotency_key: str | None,
    idempotency_key_ttl: str | timedelta | None,
    tags: str | Sequence[str] | None,
) -> dict[str, Any]:
    """Body of a token creation; ``{}`` when no option is given (the endpoint wants a body)."""
    if idempotency_key is not None:
        check_raw_idempotency_key("idempotency_key", idempotency_key)
    body = compact(
        {
            "idempotencyKey": idempotency_key,
            "idempotencyKeyTTL": None
            if idempotency_key_ttl is None
            else check_idempotency_key_ttl("idempotency_key_ttl", idempotency_key_ttl),
            "timeout": None if timeout is None else iso_datetime("timeout", timeout),
            "tags": None if tags is None else _tags("tags", tags),
        }
    )
    if len(ENCODER.encode(body)) > _MAX_CREATE_BODY:
        raise ValueError(f"the token options exceed the {_MAX_CREATE_BODY // 1024} KB body limit")
    return body


def list_tokens_query(
    *,
    status: str | Sequence[str] | None,
    idempotency_key: str | None,
    tags: str | Sequence[str] | None,
    period: str | None,
    from_: datetime | int | str | None,
    to: datetime | int | str | None,
    limit: int | None,
    after: str | None,
    before: str | None,
) -> dict[str, str]:
    """The query of ``GET /api/v1/waitpoints/tokens`` (``filter[tags]`` is plural here)."""
    if status is not None:
        check_choices("status", status, WAITPOINT_TOKEN_STATUSES)
    filters = {
        "filter[status]": None if status is None else comma_joined("status", status),
        "filter[idempotencyKey]": None
        if idempotency_key is None
        else check_str("idempotency_key", idempotency_key),
        "filter[tags]": None if tags is None else comma_joined("tags", tags),
        "filter[createdAt][period]": None if period is None else check_str("period", period),
        "filter[createdAt][from]": None if from_ is None else epoch_ms("from_", from_),
        "filter[createdAt][to]": None if to is None else epoch_ms("to", to),
    }
    return {**compact(filters), **page_query(limit=limit, after=after, before=before)}


def complete_body(data: Any) -> dict[str, Any]:
    """Body of a completion: ``{"data": …}``, or ``{}`` without data."""
    return {} if data is None else {"data": encode_json_value("data", data)}


def callback_path(url: str) -> str:
    """The API path of a token's callback URL, to be sent to this client's own ``base_url``.

    Any http(s) URL whose path ends in ``/api/v1/waitpoints/tokens/<id>/callback/<hash>`` is
    accepted, whatever its host: the server may name itself differently from ``base_url``
    (``localhost`` or ``127.0.0.1``, an internal or a public name). Only the waitpoint id and
    hash are taken from it, decoded and re-encoded as one segment each, so the request can
    only ever reach the configured API, never a host named by the URL.
    """
    check_str("url", url)
    target = urlsplit(url)
    if target.scheme.lower() not in ("http", "https") or not target.hostname:
        raise ValueError("url must be an http(s) waitpoint token callback URL")
    match = _CALLBACK.search(target.path)
    if target.query or target.fragment or match is None:
        raise ValueError("url must be a waitpoint token callback URL (…/callback/<hash>)")
    token_id, callback_hash = unquote(match["id"]), unquote(match["hash"])
    return (
        f"{_TOKENS}/{path_segment('token_id', token_id)}"
        f"/callback/{path_segment('callback_hash', callback_hash)}"
    )


def callback_body(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Body of a callback completion: the output itself, which must be a JSON object."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise TypeError(f"data must be a mapping (a JSON object), not {type(data).__name__}")
    result: dict[str, Any] = encode_json_value("data", data)
    return result
