"""Webhooks as pure functions: filters, waiter matches, delivery routing, alert payloads.

- **Filters** (``event.type == 'x' && event.data.amount >= 10``): the server's grammar and
  evaluation rules (``internal-packages/webhook-engine/src/engine/filter``): clauses
  ``path op value`` joined by ``&&``/``||`` with parentheses; ops ``== != > < >= <=``,
  ``in [...]``, ``not in [...]``, ``startsWith``, ``endsWith``, ``contains``; quantifiers
  ``path any (sub op value)`` / ``all``; field-to-field comparisons; paths in the ``event``,
  ``header`` (case-insensitive) and ``webhook`` namespaces. A non-match gives the reason the
  server records (``event.type is "a", expected == "b"``).
- **Routing** a verified delivery: each task subscriber's filter, then the live waiters'
  ``match`` and ``filter``; the delivery's status and its per-target results.
- **Alerts**: the ``alert.run.failed`` body the server sends (``deliverAlert.server.ts``, v2
  payload), and its signature: lower-case hex HMAC-SHA256 of the exact body bytes.

No I/O and no clock reads: every function takes what it needs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DROP_HEADERS",
    "FilterError",
    "FilterNode",
    "RouteResult",
    "Subscriber",
    "Target",
    "WaiterCandidate",
    "FilterContext",
    "curate_headers",
    "delivery_key",
    "delivery_status",
    "evaluate_filter",
    "loose_eq",
    "match_waiter",
    "parse_filter",
    "route",
    "run_failed_body",
    "sign",
]

MAX_FILTER_CLAUSES = 50
_NAMESPACES = ("event", "header", "webhook")
_CMP = {"==": "eq", "!=": "neq", ">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}
_WORD_OPS = {"in": "in", "startsWith": "startsWith", "endsWith": "endsWith", "contains": "contains"}
_LABEL = {
    "eq": "==",
    "neq": "!=",
    "gt": ">",
    "lt": "<",
    "gte": ">=",
    "lte": "<=",
    "in": "in",
    "nin": "not in",
    "startsWith": "startsWith",
    "endsWith": "endsWith",
    "contains": "contains",
}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class FilterError(ValueError):
    """A filter that does not parse (the server's ``FilterParseError``)."""


class _Undefined:
    """JavaScript's ``undefined``: a path that resolves to nothing."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


@dataclass(frozen=True)
class FilterNode:
    """A parsed filter: ``and``/``or`` of nodes, a clause, or a quantifier."""

    kind: str
    clauses: tuple[FilterNode, ...] = ()
    path: str = ""
    op: str = ""
    value: Any = None
    value_ref: str | None = None
    mode: str = ""
    sub: FilterNode | None = None


# -- parsing ---------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    simple = {"(": "lparen", ")": "rparen", "[": "lbracket", "]": "rbracket", ",": "comma"}
    i = 0
    while i < len(text):
        c = text[i]
        if c in " \t\n":
            i += 1
            continue
        if c in simple:
            out.append((simple[c], c))
            i += 1
            continue
        two = text[i : i + 2]
        if two == "&&":
            out.append(("and", two))
            i += 2
            continue
        if two == "||":
            out.append(("or", two))
            i += 2
            continue
        if c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise FilterError("unterminated string literal")
            out.append(("string", text[i + 1 : end]))
            i = end + 1
            continue
        if two in ("==", "!=", ">=", "<="):
            out.append(("cmp", two))
            i += 2
            continue
        if c in "<>":
            out.append(("cmp", c))
            i += 1
            continue
        if c == "-" or c.isdigit():
            number = _NUMBER.match(text, i)
            if number:
                out.append(("number", number.group()))
                i = number.end()
                continue
        word = _WORD.match(text, i)
        if word:
            out.append(("word", word.group()))
            i = word.end()
            continue
        raise FilterError(f'unexpected character "{c}"')
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.clauses = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> tuple[str, str] | None:
        token = self.peek()
        self.pos += 1
        return token

    def kind_of_next(self) -> str | None:
        token = self.next()
        return token[0] if token else None

    def parse(self) -> FilterNode:
        if not self.tokens:
            raise FilterError("empty filter")
        node = self.either()
        if self.pos < len(self.tokens):
            raise FilterError(f'unexpected trailing token "{self.tokens[self.pos][1]}"')
        return node

    def either(self) -> FilterNode:
        branches = [self.both()]
        while (self.peek() or ("",))[0] == "or":
            self.next()
            branches.append(self.both())
        return branches[0] if len(branches) == 1 else FilterNode("or", tuple(branches))

    def both(self) -> FilterNode:
        branches = [self.unary()]
        while (self.peek() or ("",))[0] == "and":
            self.next()
            branches.append(self.unary())
        return branches[0] if len(branches) == 1 else FilterNode("and", tuple(branches))

    def unary(self) -> FilterNode:
        if (self.peek() or ("",))[0] == "lparen":
            self.next()
            inner = self.either()
            if self.kind_of_next() != "rparen":
                raise FilterError('expected ")"')
            return inner
        return self.clause()

    def clause(self) -> FilterNode:
        self.clauses += 1
        if self.clauses > MAX_FILTER_CLAUSES:
            raise FilterError(
                f"filter too complex (> {MAX_FILTER_CLAUSES} clauses); split it or move logic "
                "to the handler"
            )
        token = self.next()
        if token is None or token[0] != "word":
            raise FilterError("expected a field path")
        path = token[1]
        if path.split(".")[0] not in _NAMESPACES:
            raise FilterError(f'field must start with event./header./webhook., got "{path}"')
        quantifier = self.peek()
        if quantifier is not None and quantifier[0] == "word" and quantifier[1] in ("any", "all"):
            self.next()
            if self.kind_of_next() != "lparen":
                raise FilterError(f'expected "(" after "{quantifier[1]}"')
            sub_path = self.next()
            if sub_path is None or sub_path[0] != "word":
                raise FilterError("expected a field path inside the quantifier")
            sub_op = self.op(sub_path[1])
            sub_value = self.scalar()
            if self.kind_of_next() != "rparen":
                raise FilterError('expected ")"')
            sub = FilterNode("clause", path=sub_path[1], op=sub_op, value=sub_value)
            return FilterNode("quantifier", path=path, mode=quantifier[1], sub=sub)
        op = self.op(path)
        operand = self.peek()
        if operand is not None and operand[0] == "word" and operand[1].split(".")[0] in _NAMESPACES:
            self.next()
            return FilterNode("clause", path=path, op=op, value_ref=operand[1])
        return FilterNode("clause", path=path, op=op, value=self.value())

    def op(self, path: str) -> str:
        token = self.next()
        if token is not None and token[0] == "cmp":
            return _CMP[token[1]]
        if token is not None and token[0] == "word" and token[1] == "not":
            following = self.next()
            if following is None or following[1] != "in":
                raise FilterError('expected "in" after "not"')
            return "nin"
        if token is not None and token[0] == "word" and token[1] in _WORD_OPS:
            return _WORD_OPS[token[1]]
        raise FilterError(f'expected an operator after "{path}"')

    def value(self) -> Any:
        if (self.peek() or ("",))[0] == "lbracket":
            self.next()
            items: list[Any] = []
            while self.peek() is not None and self.peek()[0] != "rbracket":  # type: ignore[index]
                items.append(self.scalar())
                if (self.peek() or ("",))[0] == "comma":
                    self.next()
                else:
                    break
            if self.kind_of_next() != "rbracket":
                raise FilterError('expected "]"')
            return items
        return self.scalar()

    def scalar(self) -> Any:
        token = self.next()
        if token is None:
            raise FilterError("expected a value")
        kind, text = token
        if kind == "string":
            return text
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
        if kind == "word" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        raise FilterError(f'unexpected value "{text}"')


def parse_filter(text: str) -> FilterNode:
    """Parse a filter expression.

    Raises:
        FilterError: It does not parse (with the server's message).
    """
    return _Parser(text).parse()


# -- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterContext:
    """What a filter reads: the event, the request headers, the endpoint's fields."""

    event: Any
    headers: Mapping[str, str]
    webhook: Mapping[str, Any]


def _resolve(path: str, ctx: FilterContext) -> Any:
    namespace, _, rest = path.partition(".")
    if namespace == "header":
        wanted = rest.lower()
        for key, value in ctx.headers.items():
            if key.lower() == wanted:
                return value
        return UNDEFINED
    current: Any = ctx.event if namespace == "event" else ctx.webhook
    return _walk(current, rest.split(".") if rest else [])


def _walk(current: Any, segments: Sequence[str]) -> Any:
    for segment in segments:
        if isinstance(current, dict):
            current = current.get(segment, UNDEFINED)
        elif isinstance(current, list) and segment.isdigit():
            index = int(segment)
            current = current[index] if index < len(current) else UNDEFINED
        else:
            return UNDEFINED
    return current


def _js_string(value: Any) -> str:
    """``String(value)`` for JSON values."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return ",".join("" if item is None else _js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_JS_SPACE = " \t\n\r\x0b\x0c\xa0\ufeff\u2028\u2029"


def _js_number(value: Any) -> float:
    """``Number(value)`` for a string or number (anything else: ``NaN``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return math.nan
    if not isinstance(value, str):
        return float(value)
    text = value.strip(_JS_SPACE)
    if not text:
        return 0.0
    if text in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if text[0] == "-" else math.inf
    if _DECIMAL.fullmatch(text):
        return float(text)
    if len(text) > 2 and text[0] == "0" and text[1] in "xXoObB":
        try:
            return float(int(text, 0))
        except ValueError:
            return math.nan
    return math.nan


def _number_of(value: Any) -> float:
    """``Number(value)`` as the server's equality uses it (``true`` is 1 there)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value is None:
        return 0.0
    if isinstance(value, (list, dict)):
        return _js_number(_js_string(value))
    return _js_number(value)


def loose_eq(actual: Any, literal: Any) -> bool:
    """The server's literal-typed equality: a missing field equals only ``null``."""
    if literal is None:
        return actual is None or actual is UNDEFINED
    if actual is UNDEFINED:
        return False
    if isinstance(literal, str):
        return _js_string(actual) == literal
    if isinstance(literal, bool):
        return actual is literal
    if isinstance(literal, (int, float)):
        number = (
            float(actual)
            if isinstance(actual, (int, float)) and not isinstance(actual, bool)
            else _number_of(actual)
        )
        return not math.isnan(number) and number == literal
    return bool(actual == literal)


def _num_compare(actual: Any, value: Any, op: str) -> bool:
    def coerce(x: Any) -> float:
        if isinstance(x, bool):
            return math.nan
        if isinstance(x, (int, float)):
            return float(x)
        return _js_number(x) if isinstance(x, str) else math.nan

    a, b = coerce(actual), coerce(value)
    if math.isnan(a) or math.isnan(b):
        return False
    return {"gt": a > b, "lt": a < b, "gte": a >= b, "lte": a <= b}[op]


def _apply(op: str, actual: Any, value: Any) -> bool:
    missing = actual is UNDEFINED
    if op == "eq":
        return loose_eq(actual, value)
    if op == "neq":
        return not loose_eq(actual, value)
    if op in ("gt", "lt", "gte", "lte"):
        return _num_compare(actual, value, op)
    if op == "in":
        return isinstance(value, list) and any(loose_eq(actual, item) for item in value)
    if op == "nin":
        return not (isinstance(value, list) and any(loose_eq(actual, item) for item in value))
    if missing or not isinstance(value, str):
        return False
    text = _js_string(actual)
    if op == "startsWith":
        return text.startswith(value)
    if op == "endsWith":
        return text.endswith(value)
    return value in text  # contains


def _apply_ref(op: str, a: Any, b: Any) -> bool:
    if op == "eq":
        return _strict_eq(a, b)
    if op == "neq":
        return not _strict_eq(a, b)
    if op in ("gt", "lt", "gte", "lte"):
        return _num_compare(a, b, op)
    return False


def _strict_eq(a: Any, b: Any) -> bool:
    """JavaScript's ``===`` over JSON values (objects and arrays by identity)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is UNDEFINED or b is UNDEFINED:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return a is b
    return type(a) is type(b) and bool(a == b)


def _json(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def evaluate_filter(node: FilterNode, ctx: FilterContext) -> tuple[bool, str | None]:
    """``(matched, reason)``: the reason names the failing clause and the actual value."""
    if node.kind == "and":
        for clause in node.clauses:
            matched, reason = evaluate_filter(clause, ctx)
            if not matched:
                return False, reason
        return True, None
    if node.kind == "or":
        first: str | None = None
        for clause in node.clauses:
            matched, reason = evaluate_filter(clause, ctx)
            if matched:
                return True, None
            first = first if first is not None else reason
        return False, first if first is not None else "no condition matched"
    if node.kind == "quantifier":
        assert node.sub is not None
        items = _resolve(node.path, ctx)
        sub = node.sub
        label = f"{sub.path} {_LABEL[sub.op]} {_json(sub.value)}"
        if not isinstance(items, list):
            return False, f"{node.path} is not an array"

        def test(item: Any) -> bool:
            return _apply(sub.op, _walk(item, sub.path.split(".")), sub.value)

        ok = any(map(test, items)) if node.mode == "any" else all(map(test, items))
        if ok:
            return True, None
        if node.mode == "any":
            return False, f"no element of {node.path} satisfies {label}"
        return False, f"not every element of {node.path} satisfies {label}"
    actual = _resolve(node.path, ctx)
    if node.value_ref is not None:
        other = _resolve(node.value_ref, ctx)
        if _apply_ref(node.op, actual, other):
            return True, None
        return False, (
            f"{node.path} is {_json(actual)}, expected {_LABEL[node.op]} {node.value_ref} "
            f"({_json(other)})"
        )
    if _apply(node.op, actual, node.value):
        return True, None
    return False, f"{node.path} is {_json(actual)}, expected {_LABEL[node.op]} {_json(node.value)}"


# -- routing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscriber:
    """A task subscribed to an endpoint, with its filter."""

    task_id: str
    filter: str | None = None

    @property
    def id(self) -> str:
        """The subscriber's id: its task's id."""
        return self.task_id


@dataclass(frozen=True)
class WaiterCandidate:
    """A live waiter of the endpoint, as routing sees it."""

    waitpoint_id: str
    match: Mapping[str, Any] | None
    filter: str | None


@dataclass
class Target:
    """What a delivery did for one subscriber (``runId`` filled in once triggered)."""

    id: str
    type: str
    status: str
    reason: str | None = None
    error: str | None = None
    run_id: str | None = None
    waiters: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        """The API's ``WebhookDeliveryTargetObject``."""
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "reason": self.reason,
            "error": self.error,
            "runId": self.run_id,
            "sessionId": None,
            "waiters": self.waiters,
        }


@dataclass
class RouteResult:
    """Which subscribers take a delivery and which waiters it resumes."""

    targets: list[Target] = field(default_factory=list)
    to_trigger: list[Subscriber] = field(default_factory=list)
    waiters: list[str] = field(default_factory=list)
    filter_reason: str | None = None


def match_waiter(waiter: WaiterCandidate, ctx: FilterContext) -> bool:
    """Whether a delivery satisfies a waiter's ``match`` (each path equal) and ``filter``."""
    for path, expected in (waiter.match or {}).items():
        if not loose_eq(_resolve(path, ctx), expected):
            return False
    if waiter.filter:
        try:
            return evaluate_filter(parse_filter(waiter.filter), ctx)[0]
        except FilterError:
            return True  # the server routes when a filter cannot be evaluated
    return True


def route(
    subscribers: Sequence[Subscriber],
    waiters: Sequence[WaiterCandidate],
    ctx: FilterContext,
) -> RouteResult:
    """Route a delivery: the subscribers whose filters pass, the waiters it matches."""
    result = RouteResult()
    for subscriber in subscribers:
        matched, reason = True, None
        if subscriber.filter:
            try:
                matched, reason = evaluate_filter(parse_filter(subscriber.filter), ctx)
            except FilterError:
                matched = True  # as on the server: a filter that throws routes the event
        if matched:
            result.to_trigger.append(subscriber)
            result.targets.append(Target(subscriber.id, "task", "pending"))
        else:
            result.targets.append(Target(subscriber.id, "task", "filtered", reason=reason))
            if result.filter_reason is None:
                result.filter_reason = reason
    result.waiters = [w.waitpoint_id for w in waiters if match_waiter(w, ctx)]
    return result


def delivery_status(result: RouteResult, live_waiters: int) -> str:
    """The delivery's status once routed (the targets' statuses final)."""
    if any(target.status == "failed" for target in result.targets):
        return "failed"
    if result.to_trigger or result.waiters:
        return "succeeded"
    return "unmatched" if live_waiters else "filtered"


# -- deliveries ------------------------------------------------------------------------------

DROP_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
"""Headers never stored on a delivery (credentials)."""
_HEADERS_CAP = 4 * 1024
_IDEMPOTENCY_FIELDS: dict[str, tuple[str, str]] = {
    "github": ("header", "x-github-delivery"),
    "svix": ("header", "svix-id"),
    "clerk": ("header", "svix-id"),
    "resend": ("header", "svix-id"),
    "brex": ("header", "svix-id"),
    "standard-webhooks": ("header", "webhook-id"),
    "openai": ("header", "webhook-id"),
    "replicate": ("header", "webhook-id"),
    "recall-ai": ("header", "webhook-id"),
    "composio": ("header", "webhook-id"),
    "linear": ("header", "linear-delivery"),
    "shopify": ("header", "x-shopify-webhook-id"),
    "stripe": ("body", "id"),
    "square": ("body", "event_id"),
    "slack": ("body", "event_id"),
}
"""Where each source's provider event id is read, so a provider's retry is a duplicate."""


def curate_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers stored on a delivery: credentials dropped, at most about 4 KiB."""
    out: dict[str, str] = {}
    size = 0
    for key, value in headers.items():
        if key.lower() in DROP_HEADERS:
            continue
        entry = len(key) + len(value) + 4
        if size + entry > _HEADERS_CAP:
            continue
        out[key] = value
        size += entry
    return out


def delivery_key(source: str, headers: Mapping[str, str], raw: bytes, event: Any) -> str:
    """The key deliveries are deduplicated by: the provider's event id, else a body hash."""
    known = _IDEMPOTENCY_FIELDS.get(source)
    if known is not None:
        where, name = known
        if where == "header":
            lowered = {key.lower(): value for key, value in headers.items()}
            value: Any = lowered.get(name)
        else:
            value = event.get(name) if isinstance(event, dict) else None
        if isinstance(value, str) and value:
            return value
    composite = f"{hashlib.sha256(raw).hexdigest()}\n\n"
    return hashlib.sha256(composite.encode()).hexdigest()


# -- alerts ----------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The ``x-trigger-signature-hmacsha256`` value: hex HMAC-SHA256 of ``body``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def run_failed_body(
    *,
    alert_id: str,
    created: str,
    task: Mapping[str, Any],
    run: Mapping[str, Any],
    environment: Mapping[str, Any],
    organization: Mapping[str, Any],
    project: Mapping[str, Any],
) -> bytes:
    """The ``alert.run.failed`` body, as ``JSON.stringify`` writes it (undefined keys out)."""
    payload = {
        "id": alert_id,
        "created": created,
        "webhookVersion": "v1",
        "type": "alert.run.failed",
        "object": {
            "task": dict(task),
            "run": {key: value for key, value in run.items() if value is not None},
            "environment": {k: v for k, v in environment.items() if v is not None},
            "organization": dict(organization),
            "project": dict(project),
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
