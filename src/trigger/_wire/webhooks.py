"""Wire format of the webhook endpoints, deliveries and waiters calls (SURFACE-4.8 §7)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from trigger._exceptions import APIStatusError
from trigger._validation import (
    check_choices,
    check_number,
    check_str,
    check_str_list,
    compact,
    iso_datetime,
    path_segment,
)
from trigger._wire.idempotency import check_idempotency_key_ttl, hash_idempotency_key
from trigger._wire.runs import page_query
from trigger.types.webhooks import WEBHOOK_DELIVERY_STATUSES, CancelledWebhookWaiter
from trigger.webhooks._errors import (
    WebhookEndpointNotFoundError,
    WebhookFilterError,
    WebhookWaiterLimitError,
)

__all__ = [
    "MAX_MATCH_PATHS",
    "MAX_PREVIOUS_SECRET_TTL",
    "cancelled_waiter",
    "create_waiter_body",
    "delivery_path",
    "endpoint_path",
    "list_deliveries_query",
    "object_id",
    "replay_query",
    "rotate_secret_body",
    "set_secret_body",
    "waiter_cancel_path",
    "waiter_error",
]

MAX_PREVIOUS_SECRET_TTL = 7 * 24 * 60 * 60
"""The longest the replaced secret may keep verifying, in seconds (7 days)."""
MAX_MATCH_PATHS = 5
"""Paths one waiter may match on."""
_MAX_TAGS = 10
_MAX_SECRET = 4096
_NAMESPACES = ("event.", "header.", "webhook.")
_HTTP_WHITESPACE = " \t\n\r\x0b\x0c"  # what zod's .trim() removes, for the length check


def object_id(name: str, value: object) -> str:
    """An id given as a string, or as a model (or any object) with a string ``id``."""
    if isinstance(value, str):
        return value
    ident = getattr(value, "id", None)
    if isinstance(ident, str):
        return ident
    raise TypeError(
        f"{name} must be an id (str) or an object with an id, not {type(value).__name__}"
    )


def endpoint_path(endpoint: object, action: str | None = None) -> str:
    """``/api/v1/webhooks/endpoints/{id}`` (declared or ``wh_`` id, encoded) plus an action."""
    segment = path_segment("endpoint_id", object_id("endpoint_id", endpoint))
    path = f"/api/v1/webhooks/endpoints/{segment}"
    return path if action is None else f"{path}/{action}"


def delivery_path(delivery_id: str, action: str | None = None) -> str:
    """``/api/v1/webhooks/deliveries/{id}`` plus an optional action."""
    path = f"/api/v1/webhooks/deliveries/{path_segment('delivery_id', delivery_id)}"
    return path if action is None else f"{path}/{action}"


def waiter_cancel_path(waiter: object) -> str:
    """``/api/v1/webhooks/waiters/{id}/cancel``."""
    segment = path_segment("waiter", object_id("waiter", waiter))
    return f"/api/v1/webhooks/waiters/{segment}/cancel"


def _ttl_seconds(value: int | timedelta) -> int:
    if isinstance(value, timedelta):
        micros = value // timedelta(microseconds=1)
        if micros % 1_000_000:
            raise ValueError("previous_secret_ttl must be a whole number of seconds")
        seconds = micros // 1_000_000
    else:
        seconds = int(check_number("previous_secret_ttl", value, integer=True))
    if not 0 <= seconds <= MAX_PREVIOUS_SECRET_TTL:
        raise ValueError(
            f"previous_secret_ttl must be 0 to {MAX_PREVIOUS_SECRET_TTL} seconds (7 days), "
            f"got {seconds}"
        )
    return seconds


def rotate_secret_body(previous_secret_ttl: int | timedelta | None) -> dict[str, int]:
    """Body of a secret generation: ``{}``, or how long the old secret keeps verifying."""
    if previous_secret_ttl is None:
        return {}
    return {"previousSecretTtlSeconds": _ttl_seconds(previous_secret_ttl)}


def set_secret_body(secret: str, previous_secret_ttl: int | timedelta | None) -> dict[str, Any]:
    """Body of setting a secret: the secret as given (1-4096 characters once trimmed)."""
    # The messages never show the value: it is a signing secret.
    if not isinstance(secret, str):
        raise TypeError(f"secret must be a str, not {type(secret).__name__}")
    length = len(secret.strip(_HTTP_WHITESPACE))
    if not 1 <= length <= _MAX_SECRET:
        raise ValueError(f"secret must be 1 to {_MAX_SECRET} characters once trimmed, got {length}")
    body: dict[str, Any] = {"secret": secret}
    body.update(rotate_secret_body(previous_secret_ttl))
    return body


def _instant(name: str, value: datetime | str) -> str:
    # The official client sends Date.toISOString(); a string is taken to be ISO already.
    return iso_datetime(name, value)


def list_deliveries_query(
    *,
    endpoint: str | Sequence[str] | None,
    status: str | Sequence[str] | None,
    period: str | None,
    from_: datetime | str | None,
    to: datetime | str | None,
    limit: int | None,
    after: str | None,
) -> dict[str, str]:
    """The query of ``GET /api/v1/webhooks/deliveries``, in the official client's order."""
    statuses = (
        None if status is None else check_choices("status", status, WEBHOOK_DELIVERY_STATUSES)
    )
    if statuses == []:
        raise ValueError("status must name at least one status")
    endpoints = None if endpoint is None else check_str_list("endpoint", endpoint)
    if endpoints == []:
        raise ValueError("endpoint must name at least one endpoint")
    filters = {
        "filter[endpoint]": None if endpoints is None else ",".join(endpoints),
        "filter[status]": None if statuses is None else ",".join(statuses),
        "filter[period]": None if period is None else check_str("period", period),
        "filter[from]": None if from_ is None else _instant("from_", from_),
        "filter[to]": None if to is None else _instant("to", to),
    }
    return {**compact(filters), **page_query(limit=limit, after=after, before=None)}


def replay_query(target_id: str | None) -> dict[str, str]:
    """``?targetId=`` of a replay to one subscriber past its filter, else nothing."""
    return {} if target_id is None else {"targetId": check_str("target_id", target_id)}


def _match(value: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    if not isinstance(value, Mapping):
        raise TypeError(f"match must be a mapping of paths to values, not {type(value).__name__}")
    if not value:
        raise ValueError("match must have at least one path (omit it for a URL-matched waiter)")
    if len(value) > MAX_MATCH_PATHS:
        raise ValueError(f"match takes at most {MAX_MATCH_PATHS} paths, got {len(value)}")
    out: dict[str, str | int | float | bool] = {}
    for path, expected in value.items():
        if not isinstance(path, str):
            raise TypeError(f"match paths must be str, not {type(path).__name__}")
        if not any(path.startswith(ns) and len(path) > len(ns) for ns in _NAMESPACES):
            raise ValueError(
                f"match path {path!r} needs a namespace: event.<field>, header.<name> or "
                "webhook.<field>"
            )
        if not isinstance(expected, (str, int, float)):  # bool is an int
            raise TypeError(
                f"match[{path!r}] must be a str, number or bool, not {type(expected).__name__}"
            )
        if isinstance(expected, float) and not math.isfinite(expected):
            raise ValueError(f"match[{path!r}] must be a finite number")
        out[path] = expected
    return out


def _timeout(value: str | datetime | timedelta) -> str:
    if isinstance(value, timedelta):
        micros = value // timedelta(microseconds=1)
        if micros <= 0 or micros % 1_000_000:
            raise ValueError("timeout must be a positive whole number of seconds")
        return f"{micros // 1_000_000}s"
    if isinstance(value, datetime):
        return iso_datetime("timeout", value)
    return check_str("timeout", value)


def _tags(value: str | Sequence[str]) -> str | list[str]:
    tags = check_str_list("tags", value)
    if len(tags) > _MAX_TAGS:
        raise ValueError(f"tags takes at most {_MAX_TAGS} tags, got {len(tags)}")
    return value if isinstance(value, str) else tags


def create_waiter_body(
    *,
    match: Mapping[str, str | int | float | bool] | None,
    filter: str | None,
    timeout: str | datetime | timedelta | None,
    tags: str | Sequence[str] | None,
    idempotency_key: str | Sequence[str] | None,
    idempotency_key_ttl: str | timedelta | None,
) -> dict[str, Any]:
    """Body of a waiter creation, in the official client's order.

    ``idempotencyKey`` is always sent: the hash of the caller's key as the official SDK
    derives it (a 64-character key as given), or a random UUID, so that a retried create
    returns the waiter the first attempt made instead of a second one.
    """
    key = (
        str(uuid.uuid4())
        if idempotency_key is None
        else hash_idempotency_key(idempotency_key, name="idempotency_key")
    )
    return compact(
        {
            "match": None if match is None else _match(match),
            "filter": None if filter is None else check_str("filter", filter),
            "timeout": None if timeout is None else _timeout(timeout),
            "tags": None if tags is None else _tags(tags),
            "idempotencyKey": key,
            "idempotencyKeyTTL": None
            if idempotency_key_ttl is None
            else check_idempotency_key_ttl("idempotency_key_ttl", idempotency_key_ttl),
        }
    )


def waiter_error(error: APIStatusError) -> APIStatusError:
    """The typed error of a refused waiter creation (by the body's ``code``), else ``error``."""
    body = error.body if isinstance(error.body, dict) else {}
    code = body.get("code")
    if code == "webhook_waiter_limit":
        reason = body.get("reason")
        return WebhookWaiterLimitError.from_error(
            error, reason=reason if isinstance(reason, str) else "endpoint_limit"
        )
    if code == "webhook_endpoint_not_found":
        return WebhookEndpointNotFoundError.from_error(error)
    if code == "webhook_filter_invalid":
        return WebhookFilterError.from_error(error)
    return error


def cancelled_waiter(result: CancelledWebhookWaiter) -> CancelledWebhookWaiter:
    """The official SDK's cancel result: ``too_late`` and the claiming delivery when not."""
    if result.cancelled:
        return CancelledWebhookWaiter(cancelled=True)
    return CancelledWebhookWaiter(
        cancelled=False, reason=result.reason or "too_late", delivery_id=result.delivery_id or ""
    )
