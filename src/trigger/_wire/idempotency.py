"""Idempotency keys, derived exactly as the official SDK derives them.

The API never sees a caller's raw key: it gets the lower-case hex SHA-256 of the key parts
joined with ``-``. Inside a running task the official SDK appends the calling run's id
(scope ``run``, the default) or that id and the attempt number (scope ``attempt``). This SDK
always runs outside a task, so every scope adds nothing and ``"order-42"`` and
``["order", "42"]`` give the same key, unless a run id (and attempt number) is passed
explicitly to rebuild the key a task made. A 64-character string is taken to be an already
hashed key and is used unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from trigger._validation import check_number, check_str

__all__ = [
    "IDEMPOTENCY_SCOPES",
    "IdempotencyKeyScope",
    "hash_idempotency_key",
    "idempotency_key_parts",
    "is_hashed_key",
    "user_key",
]

IdempotencyKeyScope = Literal["run", "attempt", "global"]
"""What a key is unique within when derived inside a task."""

IDEMPOTENCY_SCOPES: frozenset[str] = frozenset({"run", "attempt", "global"})

_HASHED_LENGTH = 64


def is_hashed_key(key: object) -> bool:
    """Whether ``key`` is a string of 64 characters, taken to be an already hashed key."""
    return isinstance(key, str) and len(key) == _HASHED_LENGTH


def idempotency_key_parts(name: str, key: str | Sequence[str]) -> list[str]:
    """The user key parts: one non-empty string, or a non-empty sequence of strings."""
    if isinstance(key, str):
        return [check_str(name, key)]
    if isinstance(key, (bytes, bytearray)) or not isinstance(key, Sequence):
        raise TypeError(f"{name} must be a str or a sequence of str, not {type(key).__name__}")
    parts = list(key)
    if not parts:
        raise ValueError(f"{name} must have at least one part")
    for index, part in enumerate(parts):
        if not isinstance(part, str):
            raise TypeError(f"{name}[{index}] must be a str, not {type(part).__name__}")
    if not "-".join(parts).strip():
        raise ValueError(f"{name} must not be blank")
    return parts


def hash_idempotency_key(
    key: str | Sequence[str],
    *,
    scope: str = "run",
    run_id: str | None = None,
    attempt_number: int | None = None,
    name: str = "idempotency_key",
    prehashed: bool = True,
) -> str:
    """The idempotency key the API is sent for a user key.

    Args:
        key: One string or several parts (joined with ``-``); a 64-character string is
            returned unchanged when ``prehashed`` allows it.
        scope: ``run`` (default), ``attempt`` or ``global``.
        run_id: The run whose task derived the key (scopes ``run`` and ``attempt`` only).
        attempt_number: The attempt that derived it (scope ``attempt`` only, with ``run_id``).
        name: The argument name used in error messages.
        prehashed: Take a 64-character string as an already derived key (what a trigger
            does); ``False`` always hashes (what ``idempotencyKeys.create`` does).

    Returns:
        The lower-case hex SHA-256 of the parts joined with ``-``.

    Raises:
        TypeError: A part is not a string.
        ValueError: The key is empty, or the scope arguments do not fit.
    """
    if scope not in IDEMPOTENCY_SCOPES:
        raise ValueError(f"scope must be 'run', 'attempt' or 'global', got {scope!r}")
    if run_id is not None:
        check_str("parent_run_id", run_id)
        if scope == "global":
            raise ValueError("parent_run_id does not apply to scope='global'")
    if attempt_number is not None:
        check_number("attempt_number", attempt_number, minimum=1, integer=True)
        if scope != "attempt":
            raise ValueError("attempt_number only applies to scope='attempt'")
        if run_id is None:
            raise ValueError("attempt_number needs parent_run_id")
    if scope == "attempt" and run_id is not None and attempt_number is None:
        raise ValueError("scope='attempt' with parent_run_id needs attempt_number")
    if prehashed and is_hashed_key(key):
        assert isinstance(key, str)
        return key
    parts = idempotency_key_parts(name, key)
    if run_id is not None:
        parts.append(run_id)
        if attempt_number is not None:
            parts.append(str(attempt_number))
    return hashlib.sha256("-".join(parts).encode("utf-8")).hexdigest()


def user_key(key: str | Sequence[str]) -> str:
    """The user key parts joined with ``-`` (what ``idempotencyKeyOptions.key`` carries)."""
    return "-".join(idempotency_key_parts("idempotency_key", key))
