"""Typing helpers shared by both clients."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict, Union

if TYPE_CHECKING:
    import httpx

__all__ = ["RequestOptions", "TimeoutTypes", "check_request_options"]

TimeoutTypes = Union[float, "httpx.Timeout", None]
"""A timeout in seconds, an `httpx.Timeout` for per-phase control, or ``None`` for no timeout."""


class RequestOptions(TypedDict, total=False):
    """Per-call overrides, passed as the last argument ``request_options=`` of any method.

    Retry fields are merged one by one over the client's `RetryOptions`
    (``{"max_attempts": 1}`` turns retries off for that call).
    """

    max_attempts: int
    """Attempts in total, the first included."""
    factor: float
    """Growth of the wait from one retry to the next."""
    min_timeout: float
    """Wait before the first retry, in seconds."""
    max_timeout: float
    """Upper bound of any wait between attempts, in seconds."""
    randomize: bool
    """Jitter each wait by a random factor in [1, 2)."""
    timeout: TimeoutTypes
    """Timeout of each attempt."""
    extra_headers: Mapping[str, str]
    """Headers added to this call (they cannot replace the SDK's own)."""
    idempotency_key: str
    """The ``x-trigger-request-idempotency-key`` to send instead of a fresh UUID."""


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_timeout(value: object) -> bool:
    if value is None or _is_number(value):
        return True
    import httpx

    return isinstance(value, httpx.Timeout)


# The type each key accepts (values are range-checked where they are used).
_OPTION_TYPES: dict[str, tuple[str, Callable[[object], bool]]] = {
    "max_attempts": ("an int", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "factor": ("a number", _is_number),
    "min_timeout": ("a number", _is_number),
    "max_timeout": ("a number", _is_number),
    "randomize": ("a bool", lambda v: isinstance(v, bool)),
    "timeout": ("a number of seconds, an httpx.Timeout or None", _is_timeout),
    "extra_headers": (
        "a mapping of str to str or None",
        lambda v: v is None or isinstance(v, Mapping),
    ),
    "idempotency_key": ("a str", lambda v: isinstance(v, str)),
}


def check_request_options(options: object) -> RequestOptions | None:
    """Return ``options`` if it is ``None`` or a valid `RequestOptions`, else raise `TypeError`.

    An unknown key (``max_retries``, a typo) or a value of the wrong type is refused, naming
    the key, instead of being silently ignored.
    """
    if options is None:
        return None
    if not isinstance(options, Mapping):
        raise TypeError(
            f"request_options must be a dict of RequestOptions, not {type(options).__name__}"
        )
    for key, value in options.items():
        expected = _OPTION_TYPES.get(key) if isinstance(key, str) else None
        if expected is None:
            raise TypeError(_unknown_key_message(key))
        kind, accepts = expected
        if not accepts(value):
            raise TypeError(f"request_options[{key!r}] must be {kind}, not {type(value).__name__}")
    return options  # type: ignore[return-value]  # every key and value checked above


def _unknown_key_message(key: object) -> str:
    message = f"request_options has an unknown key {key!r}"
    if key in ("max_retries", "retries"):
        return f"{message}; use 'max_attempts' (attempts in total, the first included)"
    import difflib  # only for a refused key's message

    close = difflib.get_close_matches(str(key), list(_OPTION_TYPES), n=1)
    if close:
        return f"{message}; did you mean {close[0]!r}?"
    return f"{message}; the keys are {', '.join(sorted(_OPTION_TYPES))}"


class _NotGiven:
    """Marks an argument that was not passed, where ``None`` is a meaningful value."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()
