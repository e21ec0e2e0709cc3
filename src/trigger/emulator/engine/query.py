"""A documented subset of the server's query language (TRQL) over the emulator's runs (pure).

Served (`SUPPORTED` says the same to a caller)::

    SELECT <column [AS alias] | * | count() [AS alias]>, ...
    FROM runs
    [WHERE <condition>]
    [GROUP BY column, ...]
    [ORDER BY column|alias [ASC|DESC], ...]
    [LIMIT n]

A condition is ``column <op> value`` (``=``, ``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``),
``column [NOT] IN (value, ...)``, ``column [NOT] LIKE 'pattern'`` (``%`` and ``_``;
``ILIKE`` ignores case), ``column IS [NOT] NULL``, joined by ``AND``, ``OR`` and ``NOT`` with
parentheses (``AND`` binds tighter than ``OR``). Values are quoted strings, numbers,
``true``, ``false`` or ``NULL``. ``error.name`` and other paths into the ``error`` and
``output`` JSON columns read one field (named ``error_name`` in the answer, as the server
names it).

Rows follow the server's: statuses by their display names (``Completed``), times as
``YYYY-MM-DD HH:MM:SS.mmm`` in UTC (compared as times: ``triggered_at > '2026-03-01'``
works), ids of related runs and batches with their prefixes, and ``""`` for an empty plain
string column. Table and column names are checked against the server's schema with its
messages; anything else is refused with a message naming what is served.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Union

import msgspec

from trigger.emulator.engine.runs import RunState
from trigger.emulator.jsjson import js_number, js_stringify

__all__ = [
    "SUPPORTED",
    "TIME_COLUMN",
    "Query",
    "QueryError",
    "RowContext",
    "execute",
    "parse",
    "references",
    "tables_read",
    "to_csv",
]

SUPPORTED = (
    "The emulator answers a subset of TRQL: SELECT <columns | * | count()> [AS alias] "
    "FROM runs [WHERE conditions: =, !=, <, <=, >, >=, [NOT] IN (...), [NOT] LIKE, ILIKE, "
    "IS [NOT] NULL, joined by AND, OR, NOT and parentheses] [GROUP BY columns] "
    "[ORDER BY columns [ASC|DESC]] [LIMIT n]"
)
TIME_COLUMN = "triggered_at"
"""The runs table's time column: without a condition on it, the server's default window
applies."""

_STATUS_NAMES = {
    "DELAYED": "Delayed",
    "PENDING": "Queued",
    "PENDING_VERSION": "Pending version",
    "WAITING_FOR_DEPLOY": "Pending version",
    "DEQUEUED": "Dequeued",
    "EXECUTING": "Executing",
    "WAITING_TO_RESUME": "Waiting",
    "RETRYING_AFTER_FAILURE": "Reattempting",
    "PAUSED": "Paused",
    "CANCELED": "Canceled",
    "INTERRUPTED": "Interrupted",
    "COMPLETED_SUCCESSFULLY": "Completed",
    "COMPLETED_WITH_ERRORS": "Failed",
    "SYSTEM_FAILURE": "System failure",
    "CRASHED": "Crashed",
    "EXPIRED": "Expired",
    "TIMED_OUT": "Timed out",
}
# The server's ``is_finished`` expression (it counts PAUSED and not INTERRUPTED).
_FINISHED = frozenset(
    {
        "COMPLETED_SUCCESSFULLY",
        "COMPLETED_WITH_ERRORS",
        "CANCELED",
        "TIMED_OUT",
        "CRASHED",
        "SYSTEM_FAILURE",
        "EXPIRED",
        "PAUSED",
    }
)


class QueryError(ValueError):
    """A query the server (or the emulator's subset) refuses: 400 ``{"error": message}``."""


class RowContext(msgspec.Struct, frozen=True):
    """What a row needs beyond the run: its environment, project and worker version."""

    env_slug: str
    env_type: str
    project_ref: str
    worker_version: str = ""
    """The version a run that started without a lock ran on."""


def _time(ms: int | None) -> str | None:
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def _between(start: int | None, end: int | None) -> int | None:
    return None if start is None or end is None else end - start


def _json(text: str | None, kind: str) -> Any:
    if text is None or kind not in ("application/json", "application/super+json"):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if kind == "application/super+json" and isinstance(value, dict):
        return value.get("json")
    return value


def _output(run: RunState, context: RowContext) -> Any:
    if run.status != "COMPLETED_SUCCESSFULLY":
        return None
    return _json(run.output, run.output_type)


def _version(run: RunState, context: RowContext) -> str:
    if run.lock_to_version:
        return run.lock_to_version
    return context.worker_version if run.started_at is not None else ""


_TIMES: dict[str, Callable[[RunState], int | None]] = {
    "triggered_at": lambda r: r.created_at,
    "queued_at": lambda r: r.queued_at,
    "dequeued_at": lambda r: r.started_at,
    "executed_at": lambda r: r.started_at,
    "completed_at": lambda r: r.completed_at,
    "delay_until": lambda r: r.delay_until,
    "expired_at": lambda r: r.expired_at,
}


def _shown_time(get: Callable[[RunState], int | None]) -> Callable[[RunState, RowContext], Any]:
    def shown(run: RunState, context: RowContext) -> Any:
        return _time(get(run))

    return shown


_COLUMNS: dict[str, Callable[[RunState, RowContext], Any]] = {
    "run_id": lambda r, c: r.friendly_id,
    "environment": lambda r, c: c.env_slug,
    "project": lambda r, c: c.project_ref,
    "environment_type": lambda r, c: c.env_type,
    "attempt_count": lambda r, c: r.attempt_number,
    "status": lambda r, c: _STATUS_NAMES.get(r.status, r.status),
    "is_finished": lambda r, c: r.status in _FINISHED,
    "task_identifier": lambda r, c: r.task,
    "queue": lambda r, c: r.queue,
    "batch_id": lambda r, c: f"batch_{r.batch_id}" if r.batch_id else None,
    "root_run_id": lambda r, c: r.root_run_id,
    "parent_run_id": lambda r, c: r.parent_run_id,
    "depth": lambda r, c: r.depth,
    "is_root_run": lambda r, c: r.depth == 0,
    "is_child_run": lambda r, c: r.depth > 0,
    "idempotency_key": lambda r, c: r.idempotency_key_user or "",
    "idempotency_key_scope": lambda r, c: r.idempotency_key_scope or "",
    "region": lambda r, c: r.region,
    **{name: _shown_time(get) for name, get in _TIMES.items()},
    "has_delay": lambda r, c: r.delay_until is not None,
    "ttl": lambda r, c: r.ttl or "",
    "execution_duration": lambda r, c: _between(r.started_at, r.completed_at),
    "total_duration": lambda r, c: _between(r.created_at, r.completed_at),
    "queued_duration": lambda r, c: _between(r.queued_at, r.started_at),
    "usage_duration": lambda r, c: r.usage_duration_ms,
    "compute_cost": lambda r, c: 0,
    "invocation_cost": lambda r, c: 0,
    "total_cost": lambda r, c: 0,
    "output": _output,
    "error": lambda r, c: r.error,
    "tags": lambda r, c: sorted(r.tags),
    "task_version": _version,
    "sdk_version": lambda r, c: "",
    "cli_version": lambda r, c: "",
    "machine": lambda r, c: r.machine or "",
    "is_test": lambda r, c: r.is_test,
    "is_warm_start": lambda r, c: None,
    "concurrency_key": lambda r, c: r.concurrency_key or "",
    "max_duration": lambda r, c: None if r.max_duration_s is None else round(r.max_duration_s),
    "bulk_action_group_ids": lambda r, c: [r.bulk_action_id] if r.bulk_action_id else [],
}
_JSON_COLUMNS = ("error", "output")

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)|"
    r"(?P<op><>|!=|<=|>=|==|=|<|>)|(?P<punct>[(),*;])|"
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))"
)
_KEYWORDS = frozenset(
    {
        "select", "from", "where", "and", "or", "not", "in", "is", "null", "like", "ilike",
        "group", "by", "order", "asc", "desc", "limit", "as", "true", "false", "count",
    }
)  # fmt: skip

# A condition: ("cmp", column, op, value) | ("in", column, values, negated)
# | ("like", column, pattern, negated, ignore_case) | ("null", column, negated)
# | ("and", parts) | ("or", parts) | ("not", part).
Condition = tuple[Any, ...]


class Query(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed query."""

    items: tuple[tuple[str, str], ...]
    """``(column or "count()" or "*", output name)``."""
    table: str
    where: Union[Condition, None] = None  # noqa: UP007 (msgspec resolves the annotation)
    group_by: tuple[str, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()
    limit: int | None = None


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise QueryError(SUPPORTED)
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            out.append(("value", _unquote(value)))
        elif kind == "number":
            out.append(("value", float(value) if "." in value else int(value)))
        elif kind == "op":
            out.append(("op", "=" if value == "==" else value))
        elif kind == "word" and value.lower() in _KEYWORDS:
            lowered = value.lower()
            if lowered in ("true", "false"):
                out.append(("value", lowered == "true"))
            elif lowered == "null":
                out.append(("value", None))
            else:
                out.append(("kw", lowered))
        else:
            out.append((kind, value))
    while out and out[-1] == ("punct", ";"):
        out.pop()
    if ("punct", ";") in out:
        raise QueryError(SUPPORTED)
    return out


class _Reader:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, ahead: int = 0) -> tuple[str, Any] | None:
        at = self.index + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self, kind: str, value: Any = None) -> Any:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise QueryError(SUPPORTED)
        self.index += 1
        return token[1]

    def accept(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        if token is not None and token[0] == kind and (value is None or token[1] == value):
            self.index += 1
            return True
        return False


_FIRST_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\S")


def _check_start(text: str) -> None:
    """A query must open with ``SELECT`` or ``WITH``: anything else is refused with the
    server's own parser message (measured), which names the line, column and token."""
    match = _FIRST_TOKEN.search(text)
    token = match.group() if match else "<EOF>"
    if token.lower() in ("select", "with") or token in ("{", "(", "<"):
        return
    at = match.start() if match else len(text)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1)
    raise QueryError(
        f"Syntax error at line {line}:{column}: mismatched input '{token}' "
        "expecting {SELECT, WITH, '{', '(', '<'}"
    )


def _condition(reader: _Reader) -> Condition:
    parts = [_conjunction(reader)]
    while reader.accept("kw", "or"):
        parts.append(_conjunction(reader))
    return parts[0] if len(parts) == 1 else ("or", tuple(parts))


def _conjunction(reader: _Reader) -> Condition:
    parts = [_negation(reader)]
    while reader.accept("kw", "and"):
        parts.append(_negation(reader))
    return parts[0] if len(parts) == 1 else ("and", tuple(parts))


def _negation(reader: _Reader) -> Condition:
    if reader.accept("kw", "not"):
        return ("not", _negation(reader))
    if reader.accept("punct", "("):
        inner = _condition(reader)
        reader.take("punct", ")")
        return inner
    return _predicate(reader)


def _predicate(reader: _Reader) -> Condition:
    column = reader.take("word")
    if reader.accept("kw", "is"):
        negated = reader.accept("kw", "not")
        if reader.take("value") is not None:
            raise QueryError(SUPPORTED)
        return ("null", column, negated)
    negated = reader.accept("kw", "not")
    if reader.accept("kw", "in"):
        reader.take("punct", "(")
        values = [reader.take("value")]
        while reader.accept("punct", ","):
            values.append(reader.take("value"))
        reader.take("punct", ")")
        return ("in", column, tuple(values), negated)
    for keyword in ("like", "ilike"):
        if reader.accept("kw", keyword):
            pattern = reader.take("value")
            if not isinstance(pattern, str):
                raise QueryError(SUPPORTED)
            return ("like", column, pattern, negated, keyword == "ilike")
    if negated:
        raise QueryError(SUPPORTED)
    op = reader.take("op")
    value = reader.take("value")
    if value is None:
        # ``x = NULL`` / ``x != NULL`` are null checks, as the server's dashboards write them.
        if op not in ("=", "!=", "<>"):
            raise QueryError(SUPPORTED)
        return ("null", column, op != "=")
    return ("cmp", column, "!=" if op == "<>" else op, value)


def parse(text: str) -> Query:
    """Parse a query of the served subset.

    Raises:
        QueryError: It is outside the subset.
    """
    _check_start(text)
    reader = _Reader(_tokens(text))
    reader.take("kw", "select")
    items: list[tuple[str, str]] = []
    while True:
        if reader.accept("punct", "*"):
            item = ("*", "*")
        elif reader.accept("kw", "count"):
            reader.take("punct", "(")
            reader.take("punct", ")")
            item = ("count()", "count")
        else:
            name = reader.take("word")
            item = (name, name.replace(".", "_"))
        if reader.accept("kw", "as"):
            item = (item[0], reader.take("word"))
        items.append(item)
        if not reader.accept("punct", ","):
            break
    reader.take("kw", "from")
    table = reader.take("word")
    where = _condition(reader) if reader.accept("kw", "where") else None
    group_by: list[str] = []
    if reader.accept("kw", "group"):
        reader.take("kw", "by")
        group_by.append(reader.take("word"))
        while reader.accept("punct", ","):
            group_by.append(reader.take("word"))
    order_by: list[tuple[str, bool]] = []
    if reader.accept("kw", "order"):
        reader.take("kw", "by")
        while True:
            if reader.accept("kw", "count"):
                reader.take("punct", "(")
                reader.take("punct", ")")
                column = "count()"
            else:
                column = reader.take("word")
            descending = reader.accept("kw", "desc")
            if not descending:
                reader.accept("kw", "asc")
            order_by.append((column, descending))
            if not reader.accept("punct", ","):
                break
    limit: int | None = None
    if reader.accept("kw", "limit"):
        value = reader.take("value")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise QueryError(SUPPORTED)
        limit = value
    if reader.peek() is not None:
        raise QueryError(SUPPORTED)
    return Query(
        items=tuple(items),
        table=table,
        where=where,
        group_by=tuple(group_by),
        order_by=tuple(order_by),
        limit=limit,
    )


_FROM = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def tables_read(text: str, known: Iterable[str]) -> list[str] | None:
    """The known tables a query names after ``FROM`` or ``JOIN`` (by their own spelling),
    for the per-table scopes a token needs; ``None`` when it does not parse as a query."""
    try:
        _check_start(text)
    except QueryError:
        return None
    canonical = {name.lower(): name for name in known}
    found = (canonical.get(name.lower()) for name in _FROM.findall(text))
    return list(dict.fromkeys(name for name in found if name is not None))


def _columns_of(condition: Condition | None) -> list[str]:
    if condition is None:
        return []
    kind = condition[0]
    if kind in ("and", "or"):
        return [name for part in condition[1] for name in _columns_of(part)]
    if kind == "not":
        return _columns_of(condition[1])
    return [condition[1]]


def references(query: Query, column: str) -> bool:
    """Whether the query's ``WHERE`` names ``column`` (then no default window applies)."""
    return column in _columns_of(query.where)


def _base(name: str) -> str:
    return name.split(".", 1)[0]


def _check_columns(query: Query, available: Sequence[str]) -> None:
    aliases = {name for source, name in query.items if source != name}
    names = [source for source, _ in query.items if source not in ("*", "count()")]
    names += _columns_of(query.where)
    names += list(query.group_by)
    names += [c for c, _ in query.order_by if c not in aliases and c != "count()"]
    for name in names:
        base = _base(name)
        if base not in available or (base != name and base not in _JSON_COLUMNS):
            listing = ", ".join(sorted(available))
            raise QueryError(f'Unknown column "{name}". Available columns: {listing}')


def _js_text(value: Any) -> str:
    """``String(value)`` as ClickHouse casts a JSON field to text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return js_number(value)
    return js_stringify(value)


def _field(value: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return None if value is None else _js_text(value)


_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?Z?$"
)


def _time_literal(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    if isinstance(value, int):
        return value * 1000  # a number compares as Unix seconds, as DateTime does
    match = _DATE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    millis = int((fraction or "0").ljust(3, "0")[:3])
    return int(moment.timestamp()) * 1000 + millis


def _compare(value: Any, op: str, target: Any) -> bool:
    if value is None:
        return False
    if op == "=":
        return bool(value == target)
    if op == "!=":
        return bool(value != target)
    try:
        return bool(
            {
                "<": value < target,
                "<=": value <= target,
                ">": value > target,
                ">=": value >= target,
            }[op]
        )
    except TypeError:
        return False


def _like(value: Any, pattern: str, ignore_case: bool) -> bool:
    if value is None:
        return False
    regex = ""
    escaped = False
    for char in pattern:
        if escaped:
            regex += re.escape(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            regex += ".*"
        elif char == "_":
            regex += "."
        else:
            regex += re.escape(char)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, _js_text(value), flags) is not None


class _Row:
    def __init__(self, run: RunState, context: RowContext) -> None:
        self.run = run
        self.values = {name: getter(run, context) for name, getter in _COLUMNS.items()}

    def get(self, name: str) -> Any:
        if "." in name:
            base, *path = name.split(".")
            return _field(self.values.get(base), path)
        return self.values.get(name)

    def holds(self, condition: Condition) -> bool:
        kind = condition[0]
        if kind == "and":
            return all(self.holds(part) for part in condition[1])
        if kind == "or":
            return any(self.holds(part) for part in condition[1])
        if kind == "not":
            return not self.holds(condition[1])
        column = condition[1]
        value = self.get(column)
        if kind == "null":
            missing = value is None or (column in _JSON_COLUMNS and value in ({}, None))
            return bool(missing != condition[2])
        if kind == "like":
            return bool(_like(value, condition[2], condition[4]) != condition[3])
        if column in _TIMES:
            value = _TIMES[column](self.run)
        if kind == "in":
            wanted = [self._literal(column, item) for item in condition[2]]
            return bool((value is not None and value in wanted) != condition[3])
        return _compare(value, condition[2], self._literal(column, condition[3]))

    @staticmethod
    def _literal(column: str, value: Any) -> Any:
        if column in _TIMES:
            moment = _time_literal(value)
            return moment if moment is not None else value
        return value


def _sort_key(value: Any) -> tuple[int, Any]:
    # ClickHouse sorts NULLs last in both directions; the caller flips only the others.
    if value is None:
        return (0, "")
    if isinstance(value, (bool, int, float)):
        return (1, float(value))
    return (2, str(value))


def _ordered(rows: list[dict[str, Any]], keys: Sequence[tuple[str, bool]]) -> list[dict[str, Any]]:
    for column, descending in reversed(keys):
        present = [row for row in rows if row.get(column) is not None]
        absent = [row for row in rows if row.get(column) is None]
        present.sort(key=functools.partial(_dict_key, column), reverse=descending)
        rows = present + absent
    return rows


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def execute(
    query: Query,
    runs: Iterable[tuple[RunState, RowContext]],
    tables: Mapping[str, Sequence[str]],
    *,
    max_rows: int = 10_000,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a parsed query over runs: ``(column names, rows)``.

    ``tables`` maps each table to its columns; at most ``max_rows`` rows come back (the
    server's ``QUERY_CLICKHOUSE_MAX_RETURNED_ROWS``).

    Raises:
        QueryError: An unknown table or column (the server's messages), or a table the
            emulator has no rows for.
    """
    if query.table not in tables:
        listing = ", ".join(tables)
        raise QueryError(f'Table "{query.table}" is not accessible. Available tables: {listing}')
    if query.table != "runs":
        raise QueryError(f"The emulator answers queries on the runs table only. {SUPPORTED}")
    schema_columns = list(tables["runs"])
    _check_columns(query, schema_columns)
    star = [name for name in schema_columns if name in _COLUMNS]
    columns: list[str] = []
    for source, name in query.items:
        columns.extend(star if source == "*" else [name])
    rows = [
        row
        for row in (_Row(run, context) for run, context in runs)
        if query.where is None or row.holds(query.where)
    ]
    aggregate = any(source == "count()" for source, _ in query.items) or bool(query.group_by)
    out: list[dict[str, Any]] = []
    if aggregate:
        if any(source == "*" for source, _ in query.items):
            raise QueryError(SUPPORTED)
        groups: dict[tuple[Any, ...], list[_Row]] = {}
        for row in rows:
            key = tuple(_freeze(row.get(column)) for column in query.group_by)
            groups.setdefault(key, []).append(row)
        if not query.group_by and not groups:
            groups[()] = []
        names = dict(query.items)
        keyed: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for members in groups.values():
            result: dict[str, Any] = {}
            for source, name in query.items:
                if source == "count()":
                    result[name] = len(members)
                else:
                    result[name] = members[0].get(source) if members else None
            # Order keys may name a column, an alias or count() that is not selected.
            sort_values = {**result, "count()": len(members)}
            for column, _ in query.order_by:
                if column not in sort_values and members:
                    sort_values[column] = members[0].get(column)
            keyed.append((sort_values, result))
        keys = [(names.get(column, column), descending) for column, descending in query.order_by]
        by_values = _ordered([values for values, _ in keyed], keys)
        results = {id(values): result for values, result in keyed}
        out = [results[id(values)] for values in by_values]
    else:
        sources = {name: source for source, name in query.items}
        ordered: list[_Row] = rows
        for column, descending in reversed(query.order_by):
            source = sources.get(column, column)
            present = [row for row in ordered if row.get(source) is not None]
            absent = [row for row in ordered if row.get(source) is None]
            present.sort(key=functools.partial(_row_key, source), reverse=descending)
            ordered = present + absent
        for row in ordered:
            result = {}
            for source, name in query.items:
                if source == "*":
                    result.update((column, row.get(column)) for column in star)
                else:
                    result[name] = row.get(source)
            out.append(result)
    limit = max_rows if query.limit is None else min(query.limit, max_rows)
    return columns, out[:limit]


def _row_key(source: str, row: _Row) -> tuple[int, Any]:
    return _sort_key(_TIMES[source](row.run) if source in _TIMES else row.get(source))


def _dict_key(column: str, row: Mapping[str, Any]) -> tuple[int, Any]:
    return _sort_key(row.get(column))


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    text = _js_text(value) if not isinstance(value, str) else value
    if any(char in text for char in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as the server's ``format: "csv"`` text: a header line, then one line per row
    (quoted only where needed, JSON for objects and arrays, no line at the end)."""
    if not columns:
        return ""
    lines = [",".join(_csv_field(name) for name in columns)]
    lines.extend(",".join(_csv_field(row.get(name)) for name in columns) for row in rows)
    return "\n".join(lines)
