"""Wire format of triggering a task: the options of one run, checked before sending."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, TypedDict

from trigger._validation import check_bool, check_number, check_str, check_str_list, iso_datetime
from trigger._wire.idempotency import (
    check_idempotency_key_ttl,
    hash_idempotency_key,
    idempotency_key_options,
)
from trigger._wire.payloads import EncodedPayload, encode_metadata

__all__ = [
    "MACHINE_PRESETS",
    "MAX_CONCURRENCY_LIMITS",
    "DebounceOptions",
    "MachinePreset",
    "QueueOptions",
    "TriggerOptions",
    "trigger_body",
    "trigger_options_to_wire",
]

MachinePreset = Literal[
    "micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x", "large-2x"
]
"""A machine preset (CPU and memory of the run's machine)."""

MACHINE_PRESETS: frozenset[str] = frozenset(
    {"micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x", "large-2x"}
)

MAX_TAGS = 10
MAX_TAG_LENGTH = 128
MAX_DEBOUNCE_KEY_LENGTH = 512
MAX_CONCURRENCY_LIMITS = 2
"""How many named concurrency limits one run may hold (``concurrency``)."""
_LIMIT_NAME = re.compile(r"[a-zA-Z0-9_-]{1,122}")


class DebounceOptions(TypedDict, total=False):
    """Collapse triggers sharing a key within a delay into one run.

    ``key`` and ``delay`` are required.
    """

    key: str
    """Triggers with the same key (at most 512 characters) are debounced together."""
    delay: str | timedelta
    """How long to wait for further triggers: a duration such as ``"5s"`` or a timedelta."""
    mode: Literal["leading", "trailing"]
    """Run with the first trigger's payload (``leading``, the default) or the last one's."""
    max_delay: str | timedelta
    """Run at the latest this long after the first trigger, however many follow."""


class QueueOptions(TypedDict, total=False):
    """A queue named by mapping (``name`` required)."""

    name: str
    """The queue's name."""
    concurrency_limit: int
    """Deprecated by the API (set limits on the queue instead); single triggers only."""


class TriggerOptions(TypedDict, total=False):
    """Options of one run, as passed to ``tasks.trigger`` or in a batch item's ``options``.

    Every key is optional; ``None`` values count as absent.
    """

    idempotency_key: str | Sequence[str]
    """A run with this key in the last ``idempotency_key_ttl`` is returned instead of a new
    one. Several parts are joined with ``-``; the key is hashed before sending and a
    64-character string (such as a key from ``idempotency_keys.create``) is taken as
    already hashed. Without one, the SDK gives the run a key of its own for the call's
    retries (see ``tasks.trigger``)."""
    idempotency_key_ttl: str | timedelta
    """How long the idempotency key holds: one number and one unit, ``"30s"``, ``"15m"``,
    ``"1h"``, ``"7d"`` (the only form the server reads), or a timedelta whole in one of
    them. The server default is 30 days."""
    delay: str | datetime | timedelta
    """Start no earlier than this: a duration (``"30s"``, ``"1h30m"``, ``"2w"``), a
    timedelta, or an aware datetime / ISO date."""
    ttl: str | int | timedelta
    """Expire the run if it has not started within this duration (integer: seconds)."""
    tags: str | Sequence[str]
    """Up to 10 tags, each at most 128 characters."""
    metadata: Mapping[str, Any]
    """JSON metadata of the run."""
    queue: str | QueueOptions
    """The queue to run on, by name."""
    concurrency: str | Sequence[str]
    """Named concurrency limits this run holds instead of the ones its task declares: one
    name or up to 2, each 1-122 letters, digits, ``_`` or ``-``. An empty list holds
    none of the task's named limits."""
    concurrency_key: str | int
    """Runs with the same key get their own concurrency slot of the queue."""
    machine: MachinePreset
    """The machine preset for this run."""
    max_attempts: int
    """Attempts in total, the first included (at least 1)."""
    max_duration: float | timedelta
    """Maximum compute time of the run, in seconds."""
    version: str
    """Run on this worker version (defaults to ``TRIGGER_VERSION`` when set)."""
    priority: float
    """Queue priority: a time offset in seconds; higher runs sooner."""
    debounce: DebounceOptions
    """Debounce triggers sharing a key."""
    region: str
    """The region to run in."""
    test: bool
    """Mark the run as a test run."""
    external_deployment_id: str
    """An external deployment id recorded with the run."""


_KNOWN = frozenset(TriggerOptions.__annotations__)
_DURATION = re.compile(r"(\d+(w|d|hr|h|m|s))+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DEBOUNCE_KEYS = frozenset({"key", "delay", "mode", "max_delay"})


def _label(name: str, key: str) -> str:
    return f"{name}[{key!r}]" if name else key


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def check_duration(name: str, value: object) -> str:
    """A duration string such as ``"30s"``, ``"15m"``, ``"1h30m"``, ``"2w"`` (or a timedelta)."""
    if isinstance(value, timedelta):
        return _timedelta_duration(name, value)
    text = check_str(name, value)
    if text.lstrip().startswith("-"):
        raise ValueError(f"{name} must not be negative, got {text!r}")
    if len(text) > 100 or not _DURATION.fullmatch(text):
        raise ValueError(
            f"{name} must be a duration such as '30s', '15m', '1h30m', '2d' or '1w', got {text!r}"
        )
    return text


def _timedelta_duration(name: str, value: timedelta) -> str:
    seconds = value.total_seconds()
    if seconds < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    # Durations go out in whole seconds; a fraction rounds up, as for ttl.
    return f"{math.ceil(seconds)}s"


def _delay(name: str, value: object) -> str:
    if isinstance(value, datetime):
        return iso_datetime(name, value)
    if isinstance(value, timedelta):
        return _timedelta_duration(name, value)
    text = check_str(name, value)
    if _ISO_DATE.match(text):
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{name} is not a valid ISO 8601 date: {text!r}") from None
        return text
    return check_duration(name, text)


def _ttl(name: str, value: object) -> str | int:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
        return math.ceil(seconds)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(check_number(name, value, minimum=0, integer=True))
    if isinstance(value, str):
        return check_duration(name, value)
    raise TypeError(
        f"{name} must be a duration str, int seconds or timedelta, not {type(value).__name__}"
    )


def _finite(name: str, value: object, *, minimum: float | None = None) -> float:
    number = check_number(name, value, minimum=minimum)
    if math.isinf(number):
        raise ValueError(f"{name} must be finite")
    return number


def _tags(name: str, value: object) -> list[str] | None:
    tags = check_str_list(name, value)  # type: ignore[arg-type]
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{name} has {len(tags)} tags; a run holds at most {MAX_TAGS}")
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise ValueError(f"{name} has a tag longer than {MAX_TAG_LENGTH} characters: {tag!r}")
    return tags or None


def _queue(name: str, value: object, *, batch_item: bool) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": check_str(name, value)}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a queue name (str), not {type(value).__name__}")
    unknown = set(value) - {"name", "concurrency_limit"}
    if unknown:
        raise TypeError(f"{name} has unknown keys: {', '.join(sorted(map(str, unknown)))}")
    queue: dict[str, Any] = {"name": check_str(f"{name}['name']", value.get("name"))}
    limit = value.get("concurrency_limit")
    if limit is not None:
        if batch_item:
            raise ValueError(f"{name}['concurrency_limit'] is not accepted on batch items")
        queue["concurrencyLimit"] = int(
            check_number(f"{name}['concurrency_limit']", limit, minimum=0, integer=True)
        )
    return queue


def concurrency_names(name: str, value: object) -> list[str]:
    """Named concurrency limits as sent: a list of at most 2 valid limit names."""
    names = check_str_list(name, value)  # type: ignore[arg-type]
    if len(names) > MAX_CONCURRENCY_LIMITS:
        raise ValueError(
            f"{name} names {len(names)} limits; a run holds at most {MAX_CONCURRENCY_LIMITS}"
        )
    for limit in names:
        if not _LIMIT_NAME.fullmatch(limit):
            raise ValueError(
                f"{name} has an invalid limit name {limit!r}: names are 1-122 letters, "
                "digits, '_' or '-'"
            )
    return names


def _debounce(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping with 'key' and 'delay'")
    unknown = set(value) - _DEBOUNCE_KEYS
    if unknown:
        raise TypeError(f"{name} has unknown keys: {', '.join(sorted(map(str, unknown)))}")
    key = check_str(f"{name}['key']", value.get("key"))
    if len(key) > MAX_DEBOUNCE_KEY_LENGTH:
        raise ValueError(f"{name}['key'] must be at most {MAX_DEBOUNCE_KEY_LENGTH} characters")
    if value.get("delay") is None:
        raise ValueError(f"{name}['delay'] is required")
    wire: dict[str, Any] = {"key": key, "delay": check_duration(f"{name}['delay']", value["delay"])}
    mode = value.get("mode")
    if mode is not None:
        if mode not in ("leading", "trailing"):
            raise ValueError(f"{name}['mode'] must be 'leading' or 'trailing', got {mode!r}")
        wire["mode"] = mode
    if value.get("max_delay") is not None:
        wire["maxDelay"] = check_duration(f"{name}['max_delay']", value["max_delay"])
    return wire


def concurrency_key_text(name: str, value: object) -> str:
    """A concurrency key as sent: a non-empty string, or a number written as JavaScript
    writes it (the official client accepts both)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = check_number(name, value)
        if not math.isfinite(number):
            raise ValueError(f"{name} must be finite")
        value = str(int(number)) if float(number).is_integer() else repr(number)
    return check_str(name, value)


def trigger_options_to_wire(
    options: Mapping[str, Any], *, name: str = "options", batch_item: bool = False
) -> dict[str, Any]:
    """Validate trigger options (`TriggerOptions` keys) and return them with wire names.

    The idempotency key is hashed and sent with ``idempotencyKeyOptions`` (its user key and
    scope) beside it, unless it is a bare 64-character hash of unknown origin;
    ``version`` (or ``TRIGGER_VERSION``) becomes ``lockToVersion``; ``queue`` becomes
    ``{"name": ...}``; ``concurrency`` always goes as a list. ``None`` values are left
    out.

    Args:
        options: The options, snake_case keys as in `TriggerOptions`.
        name: How errors name the mapping (``"options"`` gives ``options['tags']``; an
            empty string names the bare keys, for keyword arguments).
        batch_item: Build a batch item's options, which take a queue by name only.

    Returns:
        The ``options`` object of a trigger body, without payload fields.

    Raises:
        TypeError: An option has the wrong type, or is unknown.
        ValueError: An option's value is out of range (negative delay, bad machine, more
            than 10 tags ...).
    """
    if not isinstance(options, Mapping):
        raise TypeError(f"{name or 'options'} must be a mapping, not {type(options).__name__}")
    for key in options:
        if key not in _KNOWN:
            hint = _snake(str(key))
            suggestion = f" (did you mean {hint!r}?)" if hint in _KNOWN else ""
            raise TypeError(f"{_label(name, str(key))} is not a trigger option{suggestion}")
    given = {key: value for key, value in options.items() if value is not None}
    wire: dict[str, Any] = {}

    def label(key: str) -> str:
        return _label(name, key)

    if "queue" in given:
        wire["queue"] = _queue(label("queue"), given["queue"], batch_item=batch_item)
    if "concurrency" in given:
        wire["concurrency"] = concurrency_names(label("concurrency"), given["concurrency"])
    if "concurrency_key" in given:
        wire["concurrencyKey"] = concurrency_key_text(
            label("concurrency_key"), given["concurrency_key"]
        )
    if "idempotency_key" in given:
        key = given["idempotency_key"]
        wire["idempotencyKey"] = hash_idempotency_key(key, name=label("idempotency_key"))
        key_options = idempotency_key_options(key)
        if key_options is not None:
            wire["idempotencyKeyOptions"] = key_options
    if "idempotency_key_ttl" in given:
        wire["idempotencyKeyTTL"] = check_idempotency_key_ttl(
            label("idempotency_key_ttl"), given["idempotency_key_ttl"]
        )
    if "delay" in given:
        wire["delay"] = _delay(label("delay"), given["delay"])
    if "ttl" in given:
        wire["ttl"] = _ttl(label("ttl"), given["ttl"])
    if "tags" in given:
        tags = _tags(label("tags"), given["tags"])
        if tags:
            wire["tags"] = tags
    if "machine" in given:
        machine = check_str(label("machine"), given["machine"])
        if machine not in MACHINE_PRESETS:
            presets = ", ".join(sorted(MACHINE_PRESETS))
            raise ValueError(f"{label('machine')} must be one of {presets}, got {machine!r}")
        wire["machine"] = machine
    if "max_attempts" in given:
        wire["maxAttempts"] = int(
            check_number(label("max_attempts"), given["max_attempts"], minimum=1, integer=True)
        )
    if "max_duration" in given:
        max_duration = given["max_duration"]
        if isinstance(max_duration, timedelta):
            max_duration = max_duration.total_seconds()
        seconds = _finite(label("max_duration"), max_duration, minimum=0)
        if seconds <= 0:
            raise ValueError(f"{label('max_duration')} must be a positive number of seconds")
        wire["maxDuration"] = max_duration
    if "metadata" in given:
        wire["metadata"] = encode_metadata(label("metadata"), given["metadata"])
    if "test" in given:
        wire["test"] = check_bool(label("test"), given["test"])
    if "priority" in given:
        wire["priority"] = _finite(label("priority"), given["priority"])
    if "region" in given:
        wire["region"] = check_str(label("region"), given["region"])
    version = given.get("version")
    if version is not None:
        wire["lockToVersion"] = check_str(label("version"), version)
    elif os.environ.get("TRIGGER_VERSION"):
        wire["lockToVersion"] = os.environ["TRIGGER_VERSION"]
    if "external_deployment_id" in given:
        external = check_str(
            label("external_deployment_id"), given["external_deployment_id"], allow_empty=True
        ).strip()
        if external:
            wire["externalDeploymentId"] = external
    if "debounce" in given:
        wire["debounce"] = _debounce(label("debounce"), given["debounce"])
    return wire


def trigger_body(payload: EncodedPayload, options: Mapping[str, Any]) -> dict[str, Any]:
    """``{"payload", "options"}`` of a trigger, with ``payloadType``/``payloadSize`` added.

    Args:
        payload: The encoded (possibly offloaded) payload.
        options: Wire options from `trigger_options_to_wire`.

    Returns:
        The request body.
    """
    wire_options = dict(options)
    if payload.payload_type is not None:
        wire_options["payloadType"] = payload.payload_type
    wire_options["payloadSize"] = payload.size
    body: dict[str, Any] = {}
    if payload.value is not None:
        body["payload"] = payload.value
    body["options"] = wire_options
    return body
