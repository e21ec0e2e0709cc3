"""Cron expressions as the server reads them: validation, occurrences, descriptions.

The server validates and evaluates with ``cron-parser`` 4.9 and describes with ``cronstrue``
2.21 (SERVER.md §5.1). Two libraries do the work here:

- `parse` is a port of cron-parser's *field parser*, kept for one reason: an invalid
  expression must fail with cron-parser's exact message (``Constraint error, got value 61
  expected range 0-59``), which no Python library reproduces. It only validates and
  normalizes the fields (aliases, ``?``, ``7`` for Sunday, ``L``, ``#``); it computes no
  times.
- ``cronsim`` computes every occurrence, in the schedule's timezone with its daylight-saving
  changes (`next_times`, `previous_time`). On a fall-back day a time that happens twice fires
  once, at its first instant (01:30 in New York is 05:30 UTC, not 06:30), as in
  cron-parser. A time that a spring-forward gap swallows fires in both libraries on that
  day, but cronsim fires at the end of the gap (03:00 for a missing 02:30) where cron-parser
  keeps the minutes and fires an hour later (03:30); `next_times` moves cronsim's instant
  to cron-parser's (`_across_gap`), so a 02:30 daily schedule fires at 03:30 local on the
  spring-forward day, as on the server. Measured against cron-parser 4.9.0 over 23
  expressions around 40 transitions in seven zones (chained as the server chains them):
  every occurrence agrees in zones that move by a whole hour away from midnight (New York,
  London, Sydney, Tehran); the differences left are cron-parser's own oddities in zones
  that move at midnight (Santiago, Havana: it skips the day a midnight is missing) or by
  30 minutes (Lord Howe).

``cron-descriptor``, the Python port of the library cronstrue itself ports, renders the
English description; it matches cronstrue for the common expressions and may word rarer
ones differently.

Everything here is pure: times come in and go out as Unix milliseconds.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import math
import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "CronError",
    "CronFields",
    "NoOccurrenceError",
    "ScheduleWindow",
    "describe",
    "effective_time",
    "next_times",
    "parse",
    "parse_window",
    "previous_time",
    "schedule_phase",
    "window_text",
]

_NAMES = ("second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek")
_BOUNDS = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_L_FIELDS = ("dayOfMonth", "dayOfWeek")
_DEFAULTS = ("0", "*", "*", "*", "*", "*")
_PREDEFINED = {
    "@yearly": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_ALIASES = {
    "month": {
        name: index + 1
        for index, name in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
        )
    },
    "dayOfWeek": {
        name: index for index, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
    },
}
_VALID = {
    "dayOfMonth": re.compile(r"^[?,*\dL/-]+$"),
    "dayOfWeek": re.compile(r"^[?,*\dL#/-]+$"),
}
_STANDARD = re.compile(r"^[,*\d/-]+$")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_PHASE_DENOMINATOR = 2_147_483_648
_MIN_RANGE_MS = 60_000
_MAX_WINDOW_S = 24 * 3600


class CronError(ValueError):
    """An expression cron-parser refuses; the message is cron-parser's."""


class NoOccurrenceError(ValueError):
    """A valid expression that never matches (``0 0 31 2,4 *``), or not again."""


Value = int | str
"""A parsed field value: a number, or a string holding ``L`` (``"L"``, ``"5L"``)."""


@dataclasses.dataclass(frozen=True)
class CronFields:
    """The parsed fields of an expression (cron-parser's ``fields``)."""

    minute: tuple[int, ...]
    hour: tuple[int, ...]
    day_of_month: tuple[Value, ...]
    month: tuple[int, ...]
    day_of_week: tuple[Value, ...]
    nth_day_of_week: int = 0


def _js_number(text: str) -> float:
    # JavaScript's unary plus on the strings a cron field can hold (digits, blanks).
    stripped = text.strip()
    if stripped == "":
        return 0.0
    if re.fullmatch(r"\d+", stripped):
        return float(stripped)
    return math.nan


def _text(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if value == int(value) else repr(value)


def _sort_key(value: Value) -> tuple[int, float, str]:
    return (1, 0.0, value) if isinstance(value, str) else (0, float(value), "")


def _parse_field(field: str, value: str, low: int, high: int) -> list[Value]:
    if field in _ALIASES:
        aliases = _ALIASES[field]

        def replace(match: re.Match[str]) -> str:
            name = match.group(0).lower()
            if name not in aliases:
                raise CronError(f'Validation error, cannot resolve alias "{name}"')
            return str(aliases[name])

        value = re.sub(r"[a-z]{3}", replace, value, flags=re.IGNORECASE)
    if not _VALID.get(field, _STANDARD).match(value):
        raise CronError(f"Invalid characters, got value: {value}")
    if "*" in value:
        value = value.replace("*", f"{low}-{high}")
    elif "?" in value:
        value = value.replace("?", f"{low}-{high}")
    allows_l = field in _L_FIELDS

    def parse_range(text: str, repeat: str | int) -> list[float | str] | float | str:
        atoms = text.split("-")
        if len(atoms) > 1:
            if not atoms[0]:
                if not atoms[1]:
                    raise CronError(f"Invalid range: {text}")
                return _js_number(text)
            start, end = _js_number(atoms[0]), _js_number(atoms[1])
            if math.isnan(start) or math.isnan(end) or start < low or end > high:
                raise CronError(
                    f"Constraint error, got range {_text(start)}-{_text(end)} "
                    f"expected range {low}-{high}"
                )
            if start > end:
                raise CronError(f"Invalid range: {text}")
            step = _js_number(repeat) if isinstance(repeat, str) else float(repeat)
            if math.isnan(step) or step <= 0:
                raise CronError(f"Constraint error, cannot repeat at every {_text(step)} time.")
            out: list[float | str] = []
            if field == "dayOfWeek" and end % 7 == 0:
                out.append(0)
            counter = step
            index = start
            while index <= end:
                if index not in out and counter > 0 and counter % step == 0:
                    counter = 1
                    out.append(index)
                else:
                    counter += 1
                index += 1
            return out
        number = _js_number(text)
        return text if math.isnan(number) else number

    def parse_repeat(text: str) -> list[float | str] | float | str:
        atoms = text.split("/")
        if len(atoms) > 2:
            raise CronError(f"Invalid repeat: {text}")
        if len(atoms) > 1:
            first = atoms[0]
            if first.strip() == "" or not math.isnan(_js_number(first)):
                first = f"{first}-{high}"
            return parse_range(first, atoms[1])
        return parse_range(text, 1)

    stack: list[Value] = []

    def handle(result: list[float | str] | float | str) -> None:
        items = result if isinstance(result, list) else [result]
        for item in items:
            if allows_l and isinstance(item, str) and "L" in item:
                stack.append(item)
                continue
            number = _js_number(item) if isinstance(item, str) else item
            if math.isnan(number) or number < low or number > high:
                raise CronError(
                    f"Constraint error, got value {_text(item)} expected range {low}-{high}"
                )
            whole = int(number)
            if not isinstance(result, list) and field == "dayOfWeek":
                whole %= 7
            stack.append(whole)

    atoms = value.split(",")
    if not all(atoms):
        raise CronError("Invalid list value format")
    for atom in atoms:
        handle(parse_repeat(atom))
    stack.sort(key=_sort_key)
    return stack


def _nth_day(value: str) -> tuple[str, int]:
    atoms = value.split("#")
    if len(atoms) <= 1:
        return value, 0
    for char, name in ((",", ","), ("/", "/"), ("-", "-")):
        if char in value:
            raise CronError(
                f"Constraint error, invalid dayOfWeek `#` and `{name}` "
                "special characters are incompatible"
            )
    nth = _js_number(atoms[-1])
    if len(atoms) > 2 or math.isnan(nth) or nth < 1 or nth > 5:
        raise CronError("Constraint error, invalid dayOfWeek occurrence number (#)")
    return atoms[0], int(nth)


def parse(expression: str) -> CronFields:
    """Validate a five-field expression as the server does (SERVER.md §5.1).

    Raises:
        CronError: With the server's message (without its ``Invalid cron expression: ``).
    """
    if len(expression.split(" ")) > 5:
        raise CronError("CRON expressions with seconds are not allowed")
    if expression == "":
        raise CronError("CRON expression is required")
    text = _PREDEFINED.get(expression, expression)
    atoms = text.strip().split()
    if len(atoms) > 6:
        raise CronError("Invalid cron expression")
    start = len(_NAMES) - len(atoms)
    parsed: list[list[Value]] = []
    nth = 0
    for index, name in enumerate(_NAMES):
        low, high = _BOUNDS[index]
        raw = atoms[index - start] if index >= start else ""
        if index < start or not raw:
            parsed.append(_parse_field(name, _DEFAULTS[index], low, high))
            continue
        if name == "dayOfWeek":
            raw, nth = _nth_day(raw)
        parsed.append(_parse_field(name, raw, low, high))
    months, days = parsed[4], parsed[3]
    if len(months) == 1:
        limit = _DAYS_IN_MONTH[int(months[0]) - 1]
        first = days[0]
        if isinstance(first, int) and first > limit:
            raise CronError("Invalid explicit day of month definition")
        days = [day for day in days if day == "L" or (isinstance(day, int) and day <= limit)]
    return CronFields(
        minute=tuple(int(v) for v in parsed[1]),
        hour=tuple(int(v) for v in parsed[2]),
        day_of_month=tuple(days),
        month=tuple(int(v) for v in parsed[4]),
        day_of_week=tuple(parsed[5]),
        nth_day_of_week=nth,
    )


def _join(values: tuple[Value, ...], full: int) -> str:
    unique = list(dict.fromkeys(values))
    return "*" if len(unique) >= full else ",".join(str(v) for v in unique)


def _cronsim_expression(fields: CronFields) -> str:
    """The fields as an expression cronsim reads (lists, ``L``, ``n#k``; ``*`` for all)."""
    dows: list[str] = []
    days_of_week = {int(v) % 7 for v in fields.day_of_week if isinstance(v, int)}
    for value in fields.day_of_week:
        if isinstance(value, str):
            dows.append(f"{int(value[0]) % 7}L" if value[:1].isdigit() else value)
    if fields.nth_day_of_week:
        dows = [f"{day}#{fields.nth_day_of_week}" for day in sorted(days_of_week)]
        days_of_week = set()
    if len(days_of_week) == 7 and not dows:
        dow_text = "*"
    else:
        dow_text = ",".join([*(str(d) for d in sorted(days_of_week)), *dows])
    return " ".join(
        (
            _join(tuple(fields.minute), 60),
            _join(tuple(fields.hour), 24),
            _join(fields.day_of_month, 31),
            _join(tuple(fields.month), 12),
            dow_text,
        )
    )


@functools.lru_cache(maxsize=256)
def _compiled(expression: str) -> tuple[CronFields, str]:
    """The validated fields of an expression and cronsim's spelling of them (cached: a
    schedule's expression is read at every occurrence)."""
    fields = parse(expression)
    return fields, _cronsim_expression(fields)


def _zone(tz: str) -> tzinfo:
    # The server passes an empty timezone to cron-parser as "no zone": its own, UTC.
    return timezone.utc if tz in ("", "UTC") else ZoneInfo(tz)


def _local(ms: int, tz: str) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone(_zone(tz))


def next_times(fields: CronFields | str, tz: str, after_ms: int, count: int) -> list[int]:
    """The next ``count`` occurrences strictly after ``after_ms`` in timezone ``tz``.

    ``fields`` is a parsed expression or its text. The same as asking for the next one
    ``count`` times, each after the one before (how the server chains them).

    Raises:
        CronError: The expression is invalid.
        NoOccurrenceError: It has no further occurrence.
    """
    from cronsim import CronSim, CronSimError

    if isinstance(fields, str):
        fields, expression = _compiled(fields)
    else:
        expression = _cronsim_expression(fields)
    out: list[int] = []
    try:
        iterator = CronSim(expression, _local(after_ms, tz))
        while len(out) < count:
            moment = int(_across_gap(next(iterator), fields).timestamp() * 1000)
            # A gap time moved forward can land on the library's next occurrence: keep one.
            if not out or moment > out[-1]:
                out.append(moment)
    except (CronSimError, StopIteration):
        raise NoOccurrenceError(f"no occurrence of {expression!r} after {after_ms}") from None
    return out


def previous_time(fields: CronFields | str, tz: str, before_ms: int) -> int:
    """The last occurrence strictly before ``before_ms`` in timezone ``tz`` (cronsim).

    Raises:
        CronError: The expression is invalid.
        NoOccurrenceError: It has no earlier occurrence.
    """
    from cronsim import CronSim, CronSimError

    if isinstance(fields, str):
        fields, expression = _compiled(fields)
    else:
        expression = _cronsim_expression(fields)
    try:
        moment = next(CronSim(expression, _local(before_ms, tz), reverse=True))
    except (CronSimError, StopIteration):
        raise NoOccurrenceError(f"no occurrence of {expression!r} before {before_ms}") from None
    return int(moment.timestamp() * 1000)


def _across_gap(moment: datetime, fields: CronFields) -> datetime:
    """A time that a spring-forward gap swallowed, moved from cronsim's instant to
    cron-parser's.

    cronsim reports it at the end of the gap (03:00 for a missing 02:30): then its local
    hour or minute is not one the expression names. cron-parser keeps the minutes and adds
    the hour the clocks skipped (03:30), as measured with cron-parser 4.9.
    """
    if moment.hour in fields.hour and moment.minute in fields.minute:
        return moment
    skipped = (moment.hour - 1) % 24
    if skipped not in fields.hour:
        return moment
    naive = moment.replace(tzinfo=None, hour=skipped, minute=min(fields.minute))
    shifted = (naive + timedelta(hours=1)).replace(tzinfo=moment.tzinfo)
    return shifted if shifted > moment else moment


def describe(expression: str) -> str:
    """The English description (cronstrue's wording, through cron-descriptor).

    Raises:
        ValueError: The describer cannot render the expression (the server's cronstrue throws
            too, e.g. for ``@daily``).
    """
    from cron_descriptor import (  # type: ignore[import-untyped]
        ExpressionDescriptor,
        Options,
    )

    options = Options()
    options.use_24hour_time_format = False
    try:
        return str(ExpressionDescriptor(expression, options).get_description())
    except Exception as error:
        raise ValueError(str(error)) from None


@dataclasses.dataclass(frozen=True)
class ScheduleWindow:
    """A normalized window: ``duration`` seconds or a ``percentage`` of the interval."""

    kind: str
    amount: int


def parse_window(value: str) -> ScheduleWindow:
    """Read ``"30m"``, ``"2h"`` or ``"50%"`` as the server does.

    Raises:
        ValueError: With the server's message.
    """
    duration = re.fullmatch(r"(0|[1-9]\d*)([mh])", value)
    if duration:
        seconds = int(duration.group(1)) * (60 if duration.group(2) == "m" else 3600)
        if seconds > _MAX_WINDOW_S:
            raise ValueError("Schedule window duration cannot exceed 24 hours")
        return ScheduleWindow("duration", seconds)
    percentage = re.fullmatch(r"(0|[1-9]\d*)%", value)
    if percentage:
        amount = int(percentage.group(1))
        if amount > 100:
            raise ValueError("Schedule window percentage cannot exceed 100%")
        return ScheduleWindow("percentage", amount)
    raise ValueError(
        'Schedule window must be a whole duration such as "30m" or "2h", '
        'or a percentage such as "30%"'
    )


def window_text(window: ScheduleWindow | None) -> str | None:
    """How the server writes a stored window back (``"2h"``, ``"90m"``, ``"50%"``)."""
    if window is None:
        return None
    if window.kind == "percentage":
        return f"{window.amount}%"
    if window.amount == 0:
        return "0m"
    if window.amount % 3600 == 0:
        return f"{window.amount // 3600}h"
    return f"{window.amount // 60}m"


def schedule_phase(secret: str, env_id: str, deduplication_key: str) -> int:
    """The stable per-(environment, schedule) phase: HMAC-SHA256, first 31 bits."""
    message = json.dumps(["cron-phase-v1", env_id, deduplication_key], separators=(",", ":"))
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & (_PHASE_DENOMINATOR - 1)


def effective_time(
    nominal_ms: int, next_nominal_ms: int, phase: int, window: ScheduleWindow | None
) -> int:
    """When an occurrence really fires: its nominal time shifted by the phase in its range.

    The range is the window (at least one minute), capped at the interval to the next
    occurrence, exactly as the server computes it.
    """
    interval = max(1, next_nominal_ms - nominal_ms)
    window_ms = 0
    if window is not None:
        window_ms = (
            window.amount * 1000 if window.kind == "duration" else interval * window.amount // 100
        )
    effective_range = min(interval, max(_MIN_RANGE_MS, window_ms))
    return nominal_ms + phase * effective_range // _PHASE_DENOMINATOR
