"""A small subset of the server's query language (TRQL) over the emulator's runs (pure).

Served: ``SELECT <columns | * | count()> [AS alias] FROM runs [WHERE <col> <op> <value>
[AND ...]] [GROUP BY <cols>] [ORDER BY <col> [ASC|DESC], ...] [LIMIT <n>]`` where ``op`` is
``=``, ``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=`` or ``IN (...)`` and values are quoted
strings, numbers, ``true`` or ``false``. Column names and table names are checked against the
server's schema with its messages; anything else is refused with a message naming what is
served. Values follow the server's rows: statuses by their display names (``Completed``),
times as ``YYYY-MM-DD HH:MM:SS.mmm`` in UTC.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import msgspec

from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.statuses import FINAL

__all__ = ["SUPPORTED", "QueryError", "RowContext", "execute", "parse", "to_csv"]

SUPPORTED = (
    "The emulator answers SELECT <columns | * | count()> FROM runs [WHERE column = value "
    "[AND ...]] [GROUP BY columns] [ORDER BY column [ASC|DESC]] [LIMIT n]"
)

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


class QueryError(ValueError):
    """A query the server (or the emulator's subset) refuses: 400 ``{"error": message}``."""


class RowContext(msgspec.Struct, frozen=True):
    """What a row needs beyond the run: its environment and project."""

    env_slug: str
    env_type: str
    project_ref: str


def _time(ms: int | None) -> str | None:
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


_COLUMNS: dict[str, Callable[[RunState, RowContext], Any]] = {
    "run_id": lambda r, c: r.friendly_id,
    "environment": lambda r, c: c.env_slug,
    "project": lambda r, c: c.project_ref,
    "environment_type": lambda r, c: c.env_type,
    "attempt_count": lambda r, c: r.attempt_number,
    "status": lambda r, c: _STATUS_NAMES.get(r.status, r.status),
    "is_finished": lambda r, c: r.status in FINAL,
    "task_identifier": lambda r, c: r.task,
    "queue": lambda r, c: r.queue,
    "batch_id": lambda r, c: r.batch_id,
    "root_run_id": lambda r, c: r.root_run_id,
    "parent_run_id": lambda r, c: r.parent_run_id,
    "depth": lambda r, c: r.depth,
    "is_root_run": lambda r, c: r.depth == 0,
    "is_child_run": lambda r, c: r.depth > 0,
    "idempotency_key": lambda r, c: r.idempotency_key_user or r.idempotency_key,
    "idempotency_key_scope": lambda r, c: r.idempotency_key_scope,
    "region": lambda r, c: r.region,
    "triggered_at": lambda r, c: _time(r.created_at),
    "queued_at": lambda r, c: _time(r.queued_at),
    "executed_at": lambda r, c: _time(r.started_at),
    "completed_at": lambda r, c: _time(r.completed_at),
    "delay_until": lambda r, c: _time(r.delay_until),
    "has_delay": lambda r, c: r.delay_until is not None,
    "expired_at": lambda r, c: _time(r.expired_at),
    "ttl": lambda r, c: r.ttl,
    "usage_duration": lambda r, c: r.usage_duration_ms,
    "compute_cost": lambda r, c: 0,
    "invocation_cost": lambda r, c: 0,
    "total_cost": lambda r, c: 0,
    "tags": lambda r, c: sorted(r.tags),
    "task_version": lambda r, c: r.lock_to_version,
    "machine": lambda r, c: r.machine,
    "is_test": lambda r, c: r.is_test,
    "concurrency_key": lambda r, c: r.concurrency_key,
    "max_duration": lambda r, c: r.max_duration_s,
    "bulk_action_group_ids": lambda r, c: [r.bulk_action_id] if r.bulk_action_id else [],
}

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)|"
    r"(?P<op><>|!=|<=|>=|=|<|>)|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
_KEYWORDS = {"select", "from", "where", "and", "in", "group", "by", "order", "asc", "desc",
             "limit", "as", "true", "false", "count"}  # fmt: skip


class Query(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed query."""

    items: tuple[tuple[str, str], ...]
    """``(column or "count()" or "*", output name)``."""
    table: str
    where: tuple[tuple[str, str, tuple[Any, ...]], ...] = ()
    group_by: tuple[str, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()
    limit: int | None = None


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    position = 0
    text = text.strip().rstrip(";")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise QueryError(SUPPORTED)
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind or "")
        if kind == "string":
            out.append(("value", value[1:-1].replace("\\'", "'")))
        elif kind == "number":
            out.append(("value", float(value) if "." in value else int(value)))
        elif kind == "word" and value.lower() in _KEYWORDS:
            if value.lower() in ("true", "false"):
                out.append(("value", value.lower() == "true"))
            else:
                out.append(("kw", value.lower()))
        else:
            out.append((kind or "", value))
    return out


class _Reader:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

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
            item = (name, name)
        if reader.accept("kw", "as"):
            item = (item[0], reader.take("word"))
        items.append(item)
        if not reader.accept("punct", ","):
            break
    reader.take("kw", "from")
    table = reader.take("word")
    where: list[tuple[str, str, tuple[Any, ...]]] = []
    if reader.accept("kw", "where"):
        while True:
            column = reader.take("word")
            if reader.accept("kw", "in"):
                reader.take("punct", "(")
                values = [reader.take("value")]
                while reader.accept("punct", ","):
                    values.append(reader.take("value"))
                reader.take("punct", ")")
                where.append((column, "in", tuple(values)))
            else:
                op = reader.take("op")
                where.append((column, "!=" if op == "<>" else op, (reader.take("value"),)))
            if not reader.accept("kw", "and"):
                break
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
        where=tuple(where),
        group_by=tuple(group_by),
        order_by=tuple(order_by),
        limit=limit,
    )


def _check_columns(query: Query, available: Sequence[str]) -> None:
    aliases = {name for source, name in query.items if source != name}
    names = [source for source, _ in query.items if source not in ("*", "count()")]
    names += [column for column, _, _ in query.where]
    names += list(query.group_by)
    names += [column for column, _ in query.order_by if column not in aliases]
    for name in names:
        if name not in available:
            listing = ", ".join(sorted(available))
            raise QueryError(f'Unknown column "{name}". Available columns: {listing}')


def _matches(value: Any, op: str, wanted: tuple[Any, ...]) -> bool:
    if op == "in":
        return value in wanted
    target = wanted[0]
    if op == "=":
        return bool(value == target)
    if op == "!=":
        return bool(value != target)
    if value is None:
        return False
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


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, (bool, int, float)):
        return (1, float(value))
    return (2, str(value))


def execute(
    query: Query,
    runs: Iterable[tuple[RunState, RowContext]],
    tables: Mapping[str, Sequence[str]],
) -> list[dict[str, Any]]:
    """Run a parsed query over runs; ``tables`` maps each table to its columns.

    Raises:
        QueryError: An unknown table or column (the server's messages), or a table the
            emulator has no rows for.
    """
    if query.table not in tables:
        listing = ", ".join(tables)
        raise QueryError(f'Table "{query.table}" is not accessible. Available tables: {listing}')
    if query.table != "runs":
        raise QueryError(f"The emulator answers queries on the runs table only. {SUPPORTED}")
    available = [name for name in tables["runs"] if name in _COLUMNS]
    _check_columns(query, list(tables["runs"]))
    rows: list[dict[str, Any]] = []
    for run, context in runs:
        values = {name: getter(run, context) for name, getter in _COLUMNS.items()}
        if all(_matches(values.get(c), op, wanted) for c, op, wanted in query.where):
            rows.append(values)
    has_count = any(source == "count()" for source, _ in query.items)
    out: list[dict[str, Any]] = []
    if has_count or query.group_by:
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for row in rows:
            key = tuple(_freeze(row.get(column)) for column in query.group_by)
            groups.setdefault(key, []).append(row)
        if not query.group_by and not groups:
            groups[()] = []
        for members in groups.values():
            first = members[0] if members else {}
            result: dict[str, Any] = {}
            for source, name in query.items:
                if source == "count()":
                    result[name] = len(members)
                elif source == "*":
                    raise QueryError(SUPPORTED)
                else:
                    result[name] = first.get(source)
            out.append(result)
        for column, descending in reversed(query.order_by):
            out.sort(key=_by(column), reverse=descending)
    else:
        sources = {name: source for source, name in query.items}
        for column, descending in reversed(query.order_by):
            source = sources.get(column, column)
            rows.sort(key=_by(source), reverse=descending)
        for row in rows:
            result = {}
            for source, name in query.items:
                if source == "*":
                    result.update({column: row.get(column) for column in available})
                else:
                    result[name] = row.get(source)
            out.append(result)
    if query.limit is not None:
        out = out[: query.limit]
    return out


def _by(column: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    def key(item: Mapping[str, Any]) -> tuple[int, Any]:
        return _sort_key(item.get(column))

    return key


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV text with a header line (the server's ``format: "csv"``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _csv_value(row.get(c)) for c in columns])
    return buffer.getvalue().rstrip("\n")


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
