"""Fault injection: rules that break chosen requests, for resilience tests.

A rule names which requests it breaks (a method, a path glob, an operation such as
``tasks.trigger``), how often (every time, exactly the next N, or with a probability drawn
from a seeded sequence) and how:

- ``status``: answer that status at once with the real server's JSON error body, with or
  without ``x-should-retry``; a 429 is answered exactly as the endpoint's limiter answers
  (the global limiter's problem+json with a reset in Unix ms, the batch endpoint's
  ``{error}`` with a reset in Unix seconds and ``Retry-After``);
- ``latency``: wait that many seconds (real time) before handling the request;
- ``drop="before"``: close the connection without answering, before the request is
  handled (nothing is applied); ``drop="after"``: handle it (the route runs and commits),
  then close the connection without answering;
- ``truncate``: handle it and send the headers (with the full ``content-length``) and half
  of the body, then close the connection.

`Faults` holds the rules of one emulator (``Emulator.faults``), with its seed and the
optional real rate limiter (`RateLimit`). This module has no I/O: the ASGI layer that
applies the rules is ``faults_layer.py``; the control endpoints are ``routes/faults.py``.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import secrets
import shlex
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple

from trigger.emulator.faults_limiter import RateLimit, RateLimiter
from trigger.emulator.faults_operations import (
    OPERATIONS,
    operations_of,
    unknown_operation_message,
)

__all__ = [
    "SCOPE_FIRED",
    "SCOPE_LIMITED",
    "SCOPE_RATE_HEADERS",
    "Decision",
    "Fault",
    "FaultRule",
    "Faults",
    "RateLimit",
    "parse_duration",
    "parse_fault",
    "parse_rate_limit",
]

SCOPE_LIMITED = "trigger.emulator.limited"
"""ASGI scope key: the request passes through the global rate limiter (set by app.py)."""
SCOPE_RATE_HEADERS = "trigger.emulator.rate_headers"
"""ASGI scope key: the ``x-ratelimit-*`` headers the answer gets instead of the default."""
SCOPE_FIRED = "trigger.emulator.faults"
"""ASGI scope key: the ids of the rules that fired on the request (for the request log)."""

Drop = Literal["before", "after"]

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
"""OPTIONS is not among them: the middleware answers preflights before any rule."""
_MAX_SECONDS = 600.0
_List = list  # `Faults.list` shadows the builtin inside the class


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number")
    return float(value)


def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` is any text within one path segment, ``**`` any text, ``?`` one character."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _word(text: str) -> str:
    """``text`` as one word of the compact syntax (quoted only when it must be)."""
    return text if re.fullmatch(r"[^\s'\"\\]+", text) else shlex.quote(text)


def _seconds_text(value: float) -> str:
    """A duration in the compact syntax: ``250ms`` below a second, else ``1.5s``."""
    ms = value * 1000
    if value < 1 and abs(ms - round(ms)) < 1e-9:
        return f"{round(ms)}ms"
    text = f"{value:g}"
    return f"{text if float(text) == value else repr(value)}s"


def _unset(name: str, value: object) -> bool:
    """Whether a field holds its default (``should_retry=False`` is set: it sends a header)."""
    return value is None or (name == "truncate" and value is False)


def _bare(path: str) -> str:
    return path.rstrip("/") or "/"


@dataclasses.dataclass(frozen=True)
class Fault:
    """What a fault rule breaks, how often, and how.

    A request matches when it matches every criterion given (none: every request). Give at
    most one of ``status``, ``drop`` and ``truncate``; ``latency`` adds to any of them, or
    stands alone.

    Args:
        method: The HTTP method (any when left out).
        path: A glob over the request path: ``*`` within one segment, ``**`` across
            segments, ``?`` one character (``/api/v1/tasks/*/trigger``).
        operation: An SDK call's name, as docs/operations.md lists them
            (``tasks.trigger``, ``runs.retrieve``, ``batch.create``...).
        status: Answer this status (400-599) with the server's JSON error body.
        should_retry: Send ``x-should-retry: true`` or ``false`` with the status.
        message: The ``error`` text of the body (default: the status's reason phrase; not
            for 429, whose bodies are the limiter's own).
        retry_after: Seconds until a 429's limit resets (default 1).
        latency: Seconds to wait (real time) before handling the request.
        drop: ``"before"``: close the connection unanswered, the request not applied;
            ``"after"``: apply it, then close the connection unanswered.
        truncate: Apply the request, send the headers and half the body, then close.
        probability: Fire on each matching request with this chance (0 to 1), drawn from
            the rule's seeded sequence (default: on every one).
        times: Fire this many times, then never again (default: no limit).
    """

    method: str | None = None
    path: str | None = None
    operation: str | None = None
    status: int | None = None
    should_retry: bool | None = None
    message: str | None = None
    retry_after: float | None = None
    latency: float | None = None
    drop: Drop | None = None
    truncate: bool = False
    probability: float | None = None
    times: int | None = None
    _pattern: re.Pattern[str] | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._check_match()
        self._check_action()
        if self.probability is not None:
            chance = _number("probability", self.probability)
            if not 0 < chance <= 1:
                raise ValueError("probability must be above 0 and at most 1")
            object.__setattr__(self, "probability", chance)
        if self.times is not None:
            if isinstance(self.times, bool) or not isinstance(self.times, int):
                raise TypeError(f"times must be an int, not {type(self.times).__name__}")
            if self.times < 1:
                raise ValueError("times must be at least 1")

    def _check_match(self) -> None:
        if self.method is not None:
            if not isinstance(self.method, str):
                raise TypeError(f"method must be a string, not {type(self.method).__name__}")
            method = self.method.upper()
            if method not in _METHODS:
                raise ValueError(f"method must be one of {', '.join(_METHODS)}")
            object.__setattr__(self, "method", method)
        if self.path is not None:
            if not isinstance(self.path, str):
                raise TypeError(f"path must be a string, not {type(self.path).__name__}")
            if not self.path.startswith("/"):
                raise ValueError(f"path must start with '/' (got {self.path!r})")
            object.__setattr__(self, "_pattern", _glob(_bare(self.path)))
        if self.operation is not None:
            if not isinstance(self.operation, str):
                raise TypeError(f"operation must be a string, not {type(self.operation).__name__}")
            if self.operation not in OPERATIONS:
                raise ValueError(unknown_operation_message(self.operation))
            methods = sorted({method for method, _ in OPERATIONS[self.operation]})
            if self.method is not None and self.method not in methods:
                raise ValueError(
                    f"method {self.method} never reaches {self.operation} "
                    f"(it is {' or '.join(methods)})"
                )

    def _check_action(self) -> None:
        if self.status is not None:
            if isinstance(self.status, bool) or not isinstance(self.status, int):
                raise TypeError(f"status must be an int, not {type(self.status).__name__}")
            if not 400 <= self.status <= 599:
                raise ValueError("status must be from 400 to 599")
        if self.should_retry is not None and not isinstance(self.should_retry, bool):
            raise TypeError("should_retry must be a bool")
        if self.message is not None and (not isinstance(self.message, str) or not self.message):
            raise ValueError("message must be a non-empty string")
        if self.drop is not None and self.drop not in ("before", "after"):
            raise ValueError("drop must be 'before' or 'after'")
        if not isinstance(self.truncate, bool):
            raise TypeError("truncate must be a bool")
        actions = [
            name
            for name, given in (
                ("status", self.status is not None),
                ("drop", self.drop is not None),
                ("truncate", self.truncate),
            )
            if given
        ]
        if len(actions) > 1:
            raise ValueError(f"give one of status, drop and truncate, not {' and '.join(actions)}")
        if self.should_retry is not None and self.status is None:
            raise ValueError("should_retry needs a status")
        if self.message is not None and self.status in (None, 429):
            raise ValueError(
                "message needs a status other than 429 (a 429 body is the limiter's own)"
            )
        if self.retry_after is not None:
            if self.status != 429:
                raise ValueError("retry_after needs status 429")
            wait = _number("retry_after", self.retry_after)
            if not 0 <= wait <= 86_400:
                raise ValueError("retry_after must be from 0 to 86400 seconds")
            object.__setattr__(self, "retry_after", wait)
        if self.latency is not None:
            delay = _number("latency", self.latency)
            if not 0 < delay <= _MAX_SECONDS:
                raise ValueError(f"latency must be above 0 and at most {_MAX_SECONDS:g} seconds")
            object.__setattr__(self, "latency", delay)
        if not actions and self.latency is None:
            raise ValueError("a fault must do something: give status, drop, truncate or latency")

    @property
    def changes_answer(self) -> bool:
        """Whether it replaces or breaks the answer (anything but latency alone)."""
        return self.status is not None or self.drop is not None or self.truncate

    def matches(self, method: str, path: str, raw_path: str) -> bool:
        """Whether a request (its decoded and its raw path) meets every criterion."""
        if self.method is not None and method != self.method:
            return False
        if self._pattern is not None and not self._pattern.fullmatch(_bare(path)):
            return False
        return self.operation is None or self.operation in operations_of(method, raw_path)

    @property
    def spec(self) -> str:
        """The rule in the compact syntax of ``trigger emulator --fault`` (`parse_fault`)."""
        words = [_word(word) for word in (self.method, self.path, self.operation) if word]
        for name, value in self._fields():
            if name in ("method", "path", "operation"):
                continue
            if name == "truncate":
                words.append("truncate")
            elif isinstance(value, bool):
                words.append(f"{name}={'true' if value else 'false'}")
            elif name in ("latency", "retry_after"):
                words.append(f"{name}={_seconds_text(value)}")
            else:
                words.append(f"{name}={_word(str(value))}")
        return " ".join(words)

    def _fields(self) -> list[tuple[str, Any]]:
        return [
            (field.name, getattr(self, field.name))
            for field in dataclasses.fields(self)
            if field.init and not _unset(field.name, getattr(self, field.name))
        ]

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON (camelCase keys; unset fields left out)."""
        return {_JSON_NAMES[name]: value for name, value in self._fields()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """A rule from its JSON (`to_dict`'s keys; snake_case names are accepted too).

        Raises:
            ValueError, TypeError: An unknown key, or a bad value (naming the field).
        """
        fields: dict[str, Any] = {}
        for key, value in data.items():
            name = _FIELD_NAMES.get(key)
            if name is None:
                raise ValueError(
                    f"unknown fault field {key!r}; fields are {', '.join(_JSON_NAMES.values())}"
                )
            if name in fields:
                raise ValueError(f"fault field {name!r} given twice")
            fields[name] = value
        return cls(**fields)


_JSON_NAMES = {
    field.name: re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field.name)
    for field in dataclasses.fields(Fault)
    if field.init
}
_FIELD_NAMES = {**{name: name for name in _JSON_NAMES}, **{v: k for k, v in _JSON_NAMES.items()}}


# -- the compact syntax ----------------------------------------------------------------------

_DURATION = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(ms|s|m)?$")
_OPERATION_WORD = re.compile(r"^[a-z_]+(?:\.[a-z_0-9]+)+$")


def parse_duration(text: str) -> float:
    """Seconds from ``250ms``, ``1.5s``, ``2m`` or a plain number of seconds.

    Raises:
        ValueError: Not a duration.
    """
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration (250ms, 1.5s, 2m or seconds)")
    value = float(match.group(1))
    unit = match.group(2) or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _integer(text: str) -> int:
    if not re.fullmatch(r"-?\d+", text.strip()):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def _chance(text: str) -> float:
    stripped = text.strip()
    try:
        if stripped.endswith("%"):
            return float(stripped[:-1]) / 100
        return float(stripped)
    except ValueError:
        raise ValueError(f"{text!r} is not a probability (0.25 or 25%)") from None


_VALUE_PARSERS: dict[str, Any] = {
    "method": str,
    "path": str,
    "operation": str,
    "status": _integer,
    "should_retry": _boolean,
    "message": str,
    "retry_after": parse_duration,
    "latency": parse_duration,
    "drop": str,
    "truncate": _boolean,
    "probability": _chance,
    "times": _integer,
}


def parse_fault(spec: str) -> Fault:
    """A rule from the compact syntax of ``trigger emulator --fault``.

    Words separated by spaces (quote a value that holds spaces): an optional HTTP method, an
    optional path glob (starting with ``/``), an optional operation name, then
    ``name=value`` fields: ``status=503``, ``should_retry=false``, ``message='Busy'``,
    ``retry_after=2s``, ``latency=250ms``, ``drop=before|after``, ``truncate``,
    ``probability=0.2`` (or ``20%``), ``times=2``. Examples::

        POST /api/v1/tasks/*/trigger status=503 times=2
        runs.retrieve latency=300ms probability=0.5
        tasks.trigger drop=after times=1

    Raises:
        ValueError: The text is not a valid rule (the message says which word is wrong).
    """
    if not isinstance(spec, str):
        raise TypeError(f"a fault rule must be a string, not {type(spec).__name__}")
    try:
        words = shlex.split(spec)
    except ValueError as error:
        raise ValueError(f"cannot split {spec!r} into words: {error}") from None
    fields: dict[str, Any] = {}

    def put(name: str, value: Any, word: str) -> None:
        if name in fields:
            raise ValueError(f"{word!r}: {name} is given twice")
        fields[name] = value

    for word in words:
        name, equals, text = word.partition("=")
        if equals:
            key = name.replace("-", "_")
            parser = _VALUE_PARSERS.get(key)
            if parser is None:
                raise ValueError(
                    f"{word!r}: unknown field {name!r}; fields are {', '.join(_VALUE_PARSERS)}"
                )
            try:
                put(key, parser(text), word)
            except ValueError as error:
                raise ValueError(f"{word!r}: {error}") from None
        elif word == "truncate":
            put("truncate", True, word)
        elif word.upper() in _METHODS and word.isalpha():
            put("method", word.upper(), word)
        elif word.startswith("/"):
            put("path", word, word)
        elif _OPERATION_WORD.match(word):
            put("operation", word, word)
        else:
            raise ValueError(
                f"{word!r} is not a method, a /path, an operation or a name=value field"
            )
    if not words:
        raise ValueError("a fault rule cannot be empty")
    return Fault(**fields)


def parse_rate_limit(spec: str) -> RateLimit:
    """A `RateLimit` from ``trigger emulator --rate-limit``'s syntax.

    Empty text gives the real server's limits; else ``name=value`` words: ``limit=5``,
    ``refill=5``, ``interval=1s``, ``jwt_limit=60``, ``jwt_window=1m``.

    Raises:
        ValueError: An unknown name or a bad value.
    """
    parsers = {
        "limit": _integer,
        "refill": _integer,
        "interval": parse_duration,
        "jwt_limit": _integer,
        "jwt_window": parse_duration,
    }
    fields: dict[str, Any] = {}
    for word in spec.split():
        name, equals, text = word.partition("=")
        key = name.replace("-", "_")
        if not equals or key not in parsers:
            raise ValueError(f"{word!r} is not one of {', '.join(f'{p}=...' for p in parsers)}")
        try:
            fields[key] = parsers[key](text)
        except ValueError as error:
            raise ValueError(f"{word!r}: {error}") from None
    try:
        return RateLimit(**fields)
    except (TypeError, ValueError) as error:
        raise ValueError(str(error)) from None


# -- live rules ------------------------------------------------------------------------------


class FaultRule:
    """One rule in an emulator's `Faults`, with its counts (read them at any time)."""

    def __init__(self, rule_id: str, fault: Fault, seed: int) -> None:
        self._id = rule_id
        self._fault = fault
        self._matched = 0
        self._fired = 0
        self._rng = random.Random(f"{seed}:{rule_id}")

    @property
    def id(self) -> str:
        """The rule's id (``fault_1``, ``fault_2``...), for `Faults.remove` and the URL."""
        return self._id

    @property
    def fault(self) -> Fault:
        """What the rule does."""
        return self._fault

    @property
    def matched(self) -> int:
        """Requests that met its criteria while it was live."""
        return self._matched

    @property
    def fired(self) -> int:
        """Requests it broke."""
        return self._fired

    @property
    def remaining(self) -> int | None:
        """How many more times it fires (``None``: no limit)."""
        times = self._fault.times
        return None if times is None else max(0, times - self._fired)

    @property
    def spent(self) -> bool:
        """Whether it fired its ``times`` and never fires again."""
        return self._fault.times is not None and self._fired >= self._fault.times

    def _restart(self, seed: int) -> None:
        self._matched = 0
        self._fired = 0
        self._rng = random.Random(f"{seed}:{self._id}")

    def _consider(self) -> bool:
        """Count a matching request; whether the rule fires on it."""
        self._matched += 1
        chance = self._fault.probability
        if chance is not None and self._rng.random() >= chance:
            return False
        self._fired += 1
        return True

    def to_dict(self) -> dict[str, Any]:
        """The rule as the control plane shows it."""
        return {
            "id": self._id,
            **self._fault.to_dict(),
            "spec": self._fault.spec,
            "matched": self._matched,
            "fired": self._fired,
            "remaining": self.remaining,
        }

    def __repr__(self) -> str:
        return f"FaultRule(id={self._id!r}, spec={self._fault.spec!r}, fired={self._fired})"


class Decision(NamedTuple):
    """What the rules do to one request."""

    latency: float
    """Seconds to wait first (the sum of every fired rule's latency)."""
    rule: FaultRule | None
    """The rule that replaces or breaks the answer, if one fired."""
    fired: tuple[str, ...]
    """The ids of every rule that fired."""


def _as_fault(value: Fault | str) -> Fault:
    if isinstance(value, Fault):
        return value
    if isinstance(value, str):
        return parse_fault(value)
    raise TypeError(f"a fault rule must be a Fault or a string, not {type(value).__name__}")


class Faults:
    """The fault rules of one emulator, their seed, and the optional rate limiter.

    Rules are checked in the order they were added. Every rule that fires adds its
    ``latency``; of the rules that change the answer (``status``, ``drop``, ``truncate``),
    the first that fires wins, and the later ones are not consulted for that request.
    Requests to the control plane (``/_emulator/``) are never faulted.

    Each rule draws its probabilities from its own sequence, seeded from the seed and the
    rule's id: the same seed and the same requests give the same faults, whatever other
    rules do.

    Args:
        rules: The rules the emulator starts with (`Fault` objects or compact strings);
            `reset` comes back to them.
        seed: The seed of every rule's sequence (default: a random one, shown by `seed`).
        rate_limit: Run the real server's global rate limiter with these settings
            (``True``: the server's own, 750 requests and 250 more every 10 s).
    """

    def __init__(
        self,
        rules: Iterable[Fault | str] = (),
        *,
        seed: int | None = None,
        rate_limit: RateLimit | bool | None = None,
    ) -> None:
        if isinstance(rules, (str, Fault)):
            raise TypeError("rules must be a list of rules, not one rule")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int, not {type(seed).__name__}")
        if isinstance(rate_limit, bool):
            rate_limit = RateLimit() if rate_limit else None
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise TypeError("rate_limit must be a RateLimit, True or None")
        self._lock = threading.Lock()
        self._seed = secrets.randbelow(2**32) if seed is None else seed
        faults = [_as_fault(rule) for rule in rules]
        self._initial = tuple(
            FaultRule(f"fault_{n}", fault, self._seed) for n, fault in enumerate(faults, 1)
        )
        self._initial_rate_limit = rate_limit
        self._rules: tuple[FaultRule, ...] = ()
        self._next = 1
        self._limiter: RateLimiter | None = None
        self.active = False
        """Whether any rule can still fire or the limiter is on (the layer's fast path)."""
        self.reset()

    # -- settings ---------------------------------------------------------------------------

    @property
    def seed(self) -> int:
        """The seed of the rules' sequences."""
        return self._seed

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate limiter's settings, or ``None`` when it is off."""
        limiter = self._limiter
        return None if limiter is None else limiter.config

    @rate_limit.setter
    def rate_limit(self, value: RateLimit | None) -> None:
        if value is not None and not isinstance(value, RateLimit):
            raise TypeError("rate_limit must be a RateLimit or None")
        with self._lock:
            self._limiter = None if value is None else RateLimiter(value)
            self._refresh()

    @property
    def limiter(self) -> RateLimiter | None:
        """The running rate limiter (its buckets), or ``None``."""
        return self._limiter

    # -- rules ------------------------------------------------------------------------------

    def add(
        self,
        spec: Fault | str | None = None,
        /,
        *,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        should_retry: bool | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        latency: float | None = None,
        drop: Drop | None = None,
        truncate: bool = False,
        probability: float | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Add a rule (after the others); the live rule.

        Give a `Fault`, a compact string (``"POST /api/v1/tasks/*/trigger status=503
        times=2"``, see `parse_fault`), or the fields of a `Fault` as keywords.

        Raises:
            TypeError, ValueError: A bad field (naming it), or a spec and fields together.
        """
        fields: dict[str, Any] = {
            "method": method,
            "path": path,
            "operation": operation,
            "status": status,
            "should_retry": should_retry,
            "message": message,
            "retry_after": retry_after,
            "latency": latency,
            "drop": drop,
            "truncate": truncate,
            "probability": probability,
            "times": times,
        }
        given = {name: value for name, value in fields.items() if not _unset(name, value)}
        if spec is not None:
            if given:
                raise ValueError(f"give a spec or fields, not both (got {', '.join(given)})")
            fault = _as_fault(spec)
        else:
            fault = Fault(**given)
        with self._lock:
            rule = FaultRule(f"fault_{self._next}", fault, self._seed)
            self._next += 1
            self._rules = (*self._rules, rule)
            self._refresh()
        return rule

    def get(self, rule_id: str) -> FaultRule:
        """The rule with this id.

        Raises:
            KeyError: No such rule.
        """
        for rule in self._rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no fault rule {rule_id!r}")

    def remove(self, rule: FaultRule | str) -> None:
        """Remove a rule (or the rule with this id).

        Raises:
            KeyError: No such rule.
        """
        rule_id = rule.id if isinstance(rule, FaultRule) else rule
        with self._lock:
            kept = tuple(r for r in self._rules if r.id != rule_id)
            if len(kept) == len(self._rules):
                raise KeyError(f"no fault rule {rule_id!r}")
            self._rules = kept
            self._refresh()

    def clear(self) -> None:
        """Remove every rule (the rate limiter stays as it is)."""
        with self._lock:
            self._rules = ()
            self._refresh()

    def list(self) -> _List[FaultRule]:
        """The rules, in the order they are checked (spent ones included)."""
        return _List(self._rules)

    def restart(self, seed: int | None = None) -> None:
        """Start every rule's counts and sequence again (from ``seed``, if given), and
        refill the rate limiter's buckets."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int, not {type(seed).__name__}")
        with self._lock:
            if seed is not None:
                self._seed = seed
            for rule in self._rules:
                rule._restart(self._seed)
            if self._limiter is not None:
                self._limiter = RateLimiter(self._limiter.config)
            self._refresh()

    def reset(self) -> None:
        """Back to how the emulator started: its own rules (``Emulator(faults=...)``,
        ``--fault``) with their counts and sequences restarted, rules added since removed,
        and its rate limiter with full buckets (what `Emulator.reset` does)."""
        with self._lock:
            for rule in self._initial:
                rule._restart(self._seed)
            self._rules = self._initial
            self._next = len(self._initial) + 1
            initial = self._initial_rate_limit
            self._limiter = None if initial is None else RateLimiter(initial)
            self._refresh()

    def to_dict(self) -> dict[str, Any]:
        """What ``GET /_emulator/faults`` answers."""
        limit = self.rate_limit
        return {
            "seed": self._seed,
            "rules": [rule.to_dict() for rule in self._rules],
            "rateLimit": None if limit is None else limit.to_dict(),
        }

    # -- the request path -------------------------------------------------------------------

    def _refresh(self) -> None:
        self.active = self._limiter is not None or any(not r.spent for r in self._rules)

    def decide(self, method: str, path: str, raw_path: str) -> Decision | None:
        """What the rules do to a request (``None``: nothing), counting it in each rule
        that it reaches."""
        latency = 0.0
        winner: FaultRule | None = None
        fired: list[str] = []
        with self._lock:
            for rule in self._rules:
                fault = rule.fault
                if rule.spent or (winner is not None and fault.changes_answer):
                    continue
                if not fault.matches(method, path, raw_path) or not rule._consider():
                    continue
                fired.append(rule.id)
                latency += fault.latency or 0.0
                if fault.changes_answer:
                    winner = rule
            if fired:
                self._refresh()
        return Decision(latency, winner, tuple(fired)) if fired else None

    def __repr__(self) -> str:
        return f"Faults(seed={self._seed}, rules={len(self._rules)}, rate_limit={self.rate_limit})"
