"""The JSON of waitpoint tokens, field for field as the server's presenters write it.

Retrieve (``ApiWaitpointPresenter``) always sends ``idempotencyKey`` (a random one when the
caller gave none), ``outputType`` and ``outputIsError``, the serialized ``output`` once
completed, and the tags in the order given; the list (``WaitpointListPresenter``) sends the
key only when the caller chose it, no output, and the tags sorted.
"""

from __future__ import annotations

from typing import Any

from trigger.emulator.durations import iso
from trigger.emulator.engine.waitpoints import WaitpointState, api_status

__all__ = ["list_token", "locale_sorted", "retrieve_token"]


def _put_time(out: dict[str, Any], key: str, ms: int | None) -> None:
    if ms is not None:
        out[key] = iso(ms)


def _char_key(char: str) -> tuple[int, str]:
    # localeCompare (ICU root collation) roughly: punctuation, then digits, then letters
    # case-insensitively.
    if char.isalpha():
        return 2, char.casefold()
    if char.isdigit():
        return 1, char
    return 0, char


def locale_sorted(values: tuple[str, ...] | list[str]) -> list[str]:
    """Strings in (approximately) JavaScript ``localeCompare`` order, lower case first on ties."""
    return sorted(
        values,
        key=lambda text: ([_char_key(c) for c in text], [c.isupper() for c in text]),
    )


def retrieve_token(token: WaitpointState, url: str) -> dict[str, Any]:
    """``GET /api/v1/waitpoints/tokens/{id}``."""
    out: dict[str, Any] = {
        "id": token.friendly_id,
        "type": token.type,
        "url": url,
        "status": api_status(token),
        "idempotencyKey": token.idempotency_key,
        "userProvidedIdempotencyKey": token.user_provided_key,
    }
    _put_time(out, "idempotencyKeyExpiresAt", token.idempotency_key_expires_at)
    if token.inactive_idempotency_key is not None:
        out["inactiveIdempotencyKey"] = token.inactive_idempotency_key
    if token.output is not None:
        out["output"] = token.output
    out["outputType"] = token.output_type
    out["outputIsError"] = token.output_is_error
    _put_time(out, "timeoutAt", token.completed_after)
    _put_time(out, "completedAfter", token.completed_after)
    _put_time(out, "completedAt", token.completed_at)
    out["createdAt"] = iso(token.created_at)
    out["tags"] = list(token.tags)
    return out


def list_token(token: WaitpointState, url: str) -> dict[str, Any]:
    """One row of ``GET /api/v1/waitpoints/tokens``."""
    out: dict[str, Any] = {"id": token.friendly_id, "url": url, "status": api_status(token)}
    _put_time(out, "completedAt", token.completed_at)
    _put_time(out, "timeoutAt", token.completed_after)
    _put_time(out, "completedAfter", token.completed_after)
    if token.user_provided_key:
        out["idempotencyKey"] = token.inactive_idempotency_key or token.idempotency_key
    _put_time(out, "idempotencyKeyExpiresAt", token.idempotency_key_expires_at)
    out["tags"] = locale_sorted(token.tags)
    out["createdAt"] = iso(token.created_at)
    return out
