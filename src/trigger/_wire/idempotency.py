"""Idempotency keys, derived exactly as the official SDK derives them.

The API never sees a caller's raw key: it gets the lower-case hex SHA-256 of the key parts
joined with ``-``. Inside a running task the official SDK appends the calling run's id
(scope ``run``, the default) or that id and the attempt number (scope ``attempt``). This SDK
always runs outside a task, so every scope adds nothing and ``"order-42"`` and
``["order", "42"]`` give the same key, unless a run id (and attempt number) is passed
explicitly to rebuild the key a task made. A 64-character string is taken to be an already
hashed key and is used unchanged.

Also here: the TTL grammar the server honours for idempotency keys, and the keys this SDK
sends on its own so that a retried trigger never starts a second run (`retry_guard`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from trigger._config import request_idempotency_key
from trigger._retry import RetryOptions
from trigger._types import RequestOptions
from trigger._validation import check_number, check_str

__all__ = [
    "IDEMPOTENCY_SCOPES",
    "RETRY_KEY_PREFIX",
    "RETRY_KEY_TTL",
    "IdempotencyKey",
    "IdempotencyKeyScope",
    "check_idempotency_key_ttl",
    "create_idempotency_key",
    "guard_options",
    "hash_idempotency_key",
    "idempotency_key_options",
    "idempotency_key_parts",
    "is_hashed_key",
    "retry_guard",
    "user_key",
]

IdempotencyKeyScope = Literal["run", "attempt", "global"]
"""What a key is unique within when derived inside a task."""

IDEMPOTENCY_SCOPES: frozenset[str] = frozenset({"run", "attempt", "global"})

_HASHED_LENGTH = 64


class IdempotencyKey(str):
    """A key made by ``idempotency_keys.create``: the hex hash, remembering where it came from.

    It is the 64-character string itself (equal to it, hashing like it, sent as it), and
    keeps the user key and scope it was derived from, so a trigger or batch item that uses
    it sends ``idempotencyKeyOptions: {key, scope}`` as the official SDK does (the dashboard
    and ``runs.retrieve`` show the user key from it).

    Attributes:
        user_key: The user key parts joined with ``-`` (without any run id or attempt).
        scope: The scope it was derived with: ``run``, ``attempt`` or ``global``.
    """

    user_key: str
    scope: IdempotencyKeyScope

    def __new__(cls, hashed: str, *, user_key: str, scope: IdempotencyKeyScope) -> IdempotencyKey:
        """Wrap ``hashed`` (the derived key) with its origin."""
        self = super().__new__(cls, hashed)
        self.user_key = user_key
        self.scope = scope
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_key, (str(self), self.user_key, self.scope))

    def options(self) -> dict[str, str]:
        """``idempotencyKeyOptions`` as the official SDK sends them: ``{key, scope}``."""
        return {"key": self.user_key, "scope": self.scope}


def _rebuild_key(hashed: str, user_key: str, scope: IdempotencyKeyScope) -> IdempotencyKey:
    return IdempotencyKey(hashed, user_key=user_key, scope=scope)


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
        return str(key)  # a plain str, also for an IdempotencyKey
    parts = idempotency_key_parts(name, key)
    if run_id is not None:
        parts.append(run_id)
        if attempt_number is not None:
            parts.append(str(attempt_number))
    return hashlib.sha256("-".join(parts).encode("utf-8")).hexdigest()


def user_key(key: str | Sequence[str]) -> str:
    """The user key parts joined with ``-`` (what ``idempotencyKeyOptions.key`` carries)."""
    return "-".join(idempotency_key_parts("idempotency_key", key))


def create_idempotency_key(
    key: str | Sequence[str],
    *,
    scope: str = "run",
    run_id: str | None = None,
    attempt_number: int | None = None,
    name: str = "key",
) -> IdempotencyKey:
    """What ``idempotencyKeys.create`` returns: the hash of every key, with its origin kept.

    Unlike a trigger's key, a 64-character string is hashed too (as the official create
    does). Raises as `hash_idempotency_key` does.
    """
    hashed = hash_idempotency_key(
        key,
        scope=scope,
        run_id=run_id,
        attempt_number=attempt_number,
        name=name,
        prehashed=False,
    )
    origin = "-".join(idempotency_key_parts(name, key))
    return IdempotencyKey(hashed, user_key=origin, scope=scope)  # type: ignore[arg-type]


def idempotency_key_options(key: str | Sequence[str]) -> dict[str, str] | None:
    """The ``idempotencyKeyOptions`` a trigger sends with ``key``, if any.

    A key from `create_idempotency_key` carries its user key and scope; a raw key is hashed
    with scope ``run`` here, so it is its own user key; a bare 64-character string is an
    already hashed key of unknown origin and gets none (as from the official SDK).
    """
    if isinstance(key, IdempotencyKey):
        return key.options()
    if is_hashed_key(key):
        return None
    return {"key": user_key(key), "scope": "run"}


# -- TTL ---------------------------------------------------------------------------------------

# The only TTL grammar the server reads for idempotency keys (runs, batch items, waitpoint
# tokens): one number and one unit. Anything else is silently replaced by the default.
_KEY_TTL = re.compile(r"[0-9]+[smhd]")
_TTL_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
# The server turns the TTL into a JavaScript date, which ends about 275,000 years after 1970.
_MAX_TTL_SECONDS = 8_000_000_000_000


def check_idempotency_key_ttl(name: str, value: object) -> str:
    """An idempotency key TTL the server honours: ``"30s"``, ``"15m"``, ``"1h"``, ``"7d"``.

    A `timedelta` is sent in the largest unit that holds it exactly (90 minutes: ``"90m"``);
    one with a fraction of a second cannot be sent and is refused.

    Raises:
        TypeError: ``value`` is neither a str nor a timedelta.
        ValueError: ``value`` is negative, compound (``"1h30m"``), in weeks (``"2w"``), or
            otherwise outside ``<number><s|m|h|d>``; the server would replace it by its
            default without saying so.
    """
    if isinstance(value, timedelta):
        micros = value // timedelta(microseconds=1)
        if micros < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
        seconds, fraction = divmod(micros, 1_000_000)
        if fraction:
            raise ValueError(
                f"{name} must be a whole number of seconds; the server takes no fractions, "
                f"got {value}"
            )
        unit, size = next((u, s) for u, s in _TTL_UNITS if seconds % s == 0)
        text = f"{seconds // size}{unit}" if seconds else "0s"
    else:
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str or timedelta, not {type(value).__name__}")
        text = check_str(name, value)
        if not _KEY_TTL.fullmatch(text):
            raise ValueError(
                f"{name} must be one number and one unit (s, m, h or d), such as '30s', "
                f"'15m', '1h' or '7d', got {text!r}; the server ignores any other form "
                "(compound durations, weeks) and keeps its default instead"
            )
        seconds = int(text[:-1]) * dict(_TTL_UNITS)[text[-1]]
    if seconds > _MAX_TTL_SECONDS:
        raise ValueError(f"{name} is too long for the server's dates, got {text!r}")
    return text


# -- keys the SDK adds so that a retried trigger starts no second run ------------------------

RETRY_KEY_PREFIX = "request-"
"""Starts every idempotency key the SDK derives itself (followed by the call's request key)."""

RETRY_KEY_TTL = "24h"
"""TTL of a derived key: as long as the request idempotency the server meant to provide.

It only has to outlive the retries of one call (a few minutes with the default policy);
the key is unique to the call, so holding it longer keeps nothing else from running."""

MAX_KEY_LENGTH = 2048
"""The longest idempotency key the server takes (it refuses longer ones)."""


def check_raw_idempotency_key(name: str, value: str) -> str:
    """A key sent as given (replays, waitpoint tokens: not hashed): a string of at most
    `MAX_KEY_LENGTH` characters."""
    check_str(name, value)
    if len(value) > MAX_KEY_LENGTH:
        raise ValueError(f"{name} must be at most {MAX_KEY_LENGTH} characters")
    return value


def _retry_key(request_key: str) -> str:
    key = RETRY_KEY_PREFIX + request_key
    if len(key) > MAX_KEY_LENGTH - 8:  # room for a batch item's "-<index>"
        key = RETRY_KEY_PREFIX + hashlib.sha256(request_key.encode("utf-8")).hexdigest()
    return key


def retry_guard(
    retry: RetryOptions, request_options: RequestOptions | None
) -> tuple[RequestOptions | None, str | None]:
    """The request options of a trigger call, and the idempotency key its retries share.

    The server never deduplicates by ``x-trigger-request-idempotency-key`` (it starts a run
    per request), only by a task idempotency key. So a call whose runs carry no key of the
    caller's is given one: ``request-<the call's request idempotency key>``, the same on
    every attempt, so a retry after a lost answer finds the run the first attempt started.

    Args:
        retry: The client's retry policy (per-call overrides come from ``request_options``).
        request_options: The caller's per-call options.

    Returns:
        The options to send (their ``idempotency_key`` pinned to the call's request key) and
        the key, or the options unchanged and ``None`` when the call makes one attempt only
        and the caller named no request idempotency key: nothing is retried then, so
        nothing needs deduplicating.
    """
    explicit = request_options is not None and "idempotency_key" in request_options
    attempts = retry.merged(request_options).max_attempts
    if not explicit and isinstance(attempts, int) and attempts <= 1:
        return request_options, None
    request_key = request_idempotency_key(request_options)
    pinned: RequestOptions = dict(request_options or {})  # type: ignore[assignment]
    pinned["idempotency_key"] = request_key
    return pinned, _retry_key(request_key)


def guard_options(options: dict[str, Any], key: str) -> bool:
    """Give wire trigger options without an idempotency key the derived ``key``.

    Returns:
        Whether ``key`` was set (``False``: the options carry a key of the caller's).
    """
    if options.get("idempotencyKey") is not None:
        return False
    options["idempotencyKey"] = key
    # A TTL the caller gave without a key means nothing to the server; the derived key
    # keeps its own, and no idempotencyKeyOptions (it is no key of the caller's).
    options["idempotencyKeyTTL"] = RETRY_KEY_TTL
    options.pop("idempotencyKeyOptions", None)
    return True
