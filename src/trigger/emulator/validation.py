"""Request validation that fails the way the real server fails.

The server validates with zod 3 and renders body errors with ``zod-validation-error`` 1.5,
so clients see messages such as ``Validation error: Required at "runCount"`` and, for query,
params and headers, the raw zod issues. This module is a small schema library producing the
same issues (codes, messages, paths, extra fields) and the same rendered text, for the
schemas the emulator needs. It knows nothing about HTTP.

Parsing follows zod's rules that show in error output: unknown object keys are dropped, a
missing value is ``Required``, a type mismatch aborts a branch while a failed check (length,
range) only marks it dirty, and a union reports a dirty branch's own issues but an
``invalid_union`` with every branch's issues when all branches abort.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "MISSING",
    "AnyValue",
    "Arr",
    "Bool",
    "CoercedDate",
    "CoercedNumber",
    "Custom",
    "Enum",
    "Issue",
    "Nullish",
    "Num",
    "Obj",
    "Optional",
    "Path",
    "Schema",
    "Str",
    "Union",
    "format_issues",
    "parsed_type",
]

Issue = dict[str, Any]
"""One zod issue: ``code``, ``message``, ``path`` and the code's own fields."""


class _Missing:
    """The value of an absent key (zod's ``undefined``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
"""Stands for an absent value (zod's ``undefined``)."""

_VALID, _DIRTY, _ABORTED = 0, 1, 2
Path = tuple[str | int, ...]


def parsed_type(value: Any) -> str:
    """zod's name for the type of a JSON value (``"string"``, ``"null"``, ``"array"`` ...)."""
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "nan" if isinstance(value, float) and math.isnan(value) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def _invalid_type(expected: str, value: Any, path: Path) -> Issue:
    received = parsed_type(value)
    message = "Required" if received == "undefined" else f"Expected {expected}, received {received}"
    return {
        "code": "invalid_type",
        "expected": expected,
        "received": received,
        "path": list(path),
        "message": message,
    }


def _size_issue(
    code: str, bound_name: str, bound: float, kind: str, inclusive: bool, path: Path, message: str
) -> Issue:
    return {
        "code": code,
        bound_name: bound,
        "type": kind,
        "inclusive": inclusive,
        "exact": False,
        "message": message,
        "path": list(path),
    }


def _custom(message: str, path: Path) -> Issue:
    return {"code": "custom", "message": message, "path": list(path)}


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


class Schema:
    """A validator: `parse` a JSON value into a clean value and a list of issues."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Validate ``value`` at ``path``: ``(status, parsed value, issues)``."""
        raise NotImplementedError

    def parse(self, value: Any) -> tuple[Any, list[Issue]]:
        """Validate ``value``: ``(parsed value, issues)``; no issues means it passed."""
        _, parsed, issues = self.run(value, ())
        return parsed, issues

    def optional(self) -> Optional:
        """This schema, or absent."""
        return Optional(self)

    def nullish(self) -> Nullish:
        """This schema, absent, or ``null``."""
        return Nullish(self)


class Optional(Schema):
    """Absent, or the inner schema."""

    def __init__(self, inner: Schema) -> None:
        self.inner = inner

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Absent passes as absent; anything else goes to the inner schema."""
        if value is MISSING:
            return _VALID, MISSING, []
        return self.inner.run(value, path)


class Nullish(Schema):
    """Absent, ``null``, or the inner schema."""

    def __init__(self, inner: Schema) -> None:
        self.inner = inner

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Absent and ``null`` pass unchanged; anything else goes to the inner schema."""
        if value is MISSING or value is None:
            return _VALID, value, []
        return self.inner.run(value, path)


class AnyValue(Schema):
    """Anything, including absent (``z.any()``)."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Always passes."""
        return _VALID, value, []


class Str(Schema):
    """A string with optional length bounds (``z.string().min().max()``)."""

    def __init__(
        self,
        *,
        min_length: int | None = None,
        max_length: int | None = None,
        min_message: str | None = None,
        max_message: str | None = None,
    ) -> None:
        self.min_length = min_length
        self.max_length = max_length
        self.min_message = min_message
        self.max_message = max_message

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """A type mismatch aborts; a length out of bounds is dirty."""
        if not isinstance(value, str):
            return _ABORTED, MISSING, [_invalid_type("string", value, path)]
        issues: list[Issue] = []
        # zod measures length in UTF-16 code units.
        length = len(value.encode("utf-16-le")) // 2
        if self.min_length is not None and length < self.min_length:
            message = self.min_message or (
                f"String must contain at least {self.min_length} character(s)"
            )
            issues.append(
                _size_issue("too_small", "minimum", self.min_length, "string", True, path, message)
            )
        if self.max_length is not None and length > self.max_length:
            message = self.max_message or (
                f"String must contain at most {self.max_length} character(s)"
            )
            issues.append(
                _size_issue("too_big", "maximum", self.max_length, "string", True, path, message)
            )
        return (_DIRTY if issues else _VALID), value, issues


class Num(Schema):
    """A number with zod's checks, applied in the order given.

    Args:
        checks: ``("int",)``, ``("positive",)``, ``("nonnegative",)``, ``("min", n)``,
            ``("max", n)``.
    """

    def __init__(self, *checks: tuple[Any, ...]) -> None:
        self.checks = checks

    def _check(self, value: float, path: Path) -> list[Issue]:
        issues: list[Issue] = []
        for check in self.checks:
            name = check[0]
            if name == "int" and not float(value).is_integer():
                issues.append(
                    {
                        "code": "invalid_type",
                        "expected": "integer",
                        "received": "float",
                        "message": "Expected integer, received float",
                        "path": list(path),
                    }
                )
            elif name == "positive" and not value > 0:
                issues.append(
                    _size_issue(
                        "too_small",
                        "minimum",
                        0,
                        "number",
                        False,
                        path,
                        "Number must be greater than 0",
                    )
                )
            elif name == "nonnegative" and not value >= 0:
                issues.append(
                    _size_issue(
                        "too_small",
                        "minimum",
                        0,
                        "number",
                        True,
                        path,
                        "Number must be greater than or equal to 0",
                    )
                )
            elif name == "min" and not value >= check[1]:
                message = (
                    check[2]
                    if len(check) > 2
                    else (f"Number must be greater than or equal to {_number_text(check[1])}")
                )
                issues.append(
                    _size_issue("too_small", "minimum", check[1], "number", True, path, message)
                )
            elif name == "max" and not value <= check[1]:
                message = (
                    check[2]
                    if len(check) > 2
                    else (f"Number must be less than or equal to {_number_text(check[1])}")
                )
                issues.append(
                    _size_issue("too_big", "maximum", check[1], "number", True, path, message)
                )
        return issues

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """A non-number aborts; a failed check is dirty."""
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and math.isnan(value))
        ):
            return _ABORTED, MISSING, [_invalid_type("number", value, path)]
        issues = self._check(value, path)
        return (_DIRTY if issues else _VALID), value, issues


_JS_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)


def js_number(text: str) -> float:
    """JavaScript's ``Number(text)`` for the strings a query string can hold."""
    stripped = text.strip()
    if stripped == "":
        return 0.0
    if _JS_NUMBER.match(stripped):
        return float(stripped)
    lowered = stripped.lower()
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if lowered.startswith(prefix):
            try:
                return float(int(stripped[2:], base))
            except ValueError:
                return math.nan
    if stripped in ("Infinity", "+Infinity"):
        return math.inf
    if stripped == "-Infinity":
        return -math.inf
    return math.nan


class CoercedNumber(Num):
    """``z.coerce.number()`` with checks: strings go through JavaScript's ``Number()``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Coerce, then check like `Num`."""
        if isinstance(value, str):
            value = js_number(value)
        elif value is MISSING:
            value = math.nan
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if number is None or (isinstance(number, float) and math.isnan(number)):
            issue = _invalid_type("number", math.nan, path)
            return _ABORTED, MISSING, [issue]
        issues = self._check(number, path)
        if float(number).is_integer() and math.isfinite(number):
            number = int(number)
        return (_DIRTY if issues else _VALID), number, issues


class CoercedDate(Schema):
    """``z.coerce.date()``: numbers are Unix ms, strings are parsed dates.

    The parsed value is Unix milliseconds.
    """

    def __init__(self, string_parser: Callable[[str], int | None]) -> None:
        self.string_parser = string_parser

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """An unparseable value gives ``Invalid date``."""
        ms: int | None
        if isinstance(value, bool):
            ms = int(value)
        elif isinstance(value, (int, float)):
            ms = int(value) if math.isfinite(value) else None
        elif value is None:
            ms = 0
        elif isinstance(value, str):
            ms = self.string_parser(value)
        else:
            ms = None
        if ms is None:
            return (
                _ABORTED,
                MISSING,
                [{"code": "invalid_date", "path": list(path), "message": "Invalid date"}],
            )
        return _VALID, ms, []


class Bool(Schema):
    """A boolean."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """A non-boolean aborts."""
        if not isinstance(value, bool):
            return _ABORTED, MISSING, [_invalid_type("boolean", value, path)]
        return _VALID, value, []


class Enum(Schema):
    """One of some strings (``z.enum([...])``)."""

    def __init__(self, options: Sequence[str]) -> None:
        self.options = list(options)

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """A non-string is a type error; another string an ``invalid_enum_value``."""
        if not isinstance(value, str):
            joined = " | ".join(f"'{option}'" for option in self.options)
            issue = _invalid_type(joined, value, path)
            return _ABORTED, MISSING, [issue]
        if value not in self.options:
            joined = " | ".join(f"'{option}'" for option in self.options)
            return (
                _ABORTED,
                MISSING,
                [
                    {
                        "received": value,
                        "code": "invalid_enum_value",
                        "options": list(self.options),
                        "path": list(path),
                        "message": f"Invalid enum value. Expected {joined}, received '{value}'",
                    }
                ],
            )
        return _VALID, value, []


class Arr(Schema):
    """An array of one item schema, with optional bounds."""

    def __init__(self, item: Schema, *, min_items: int | None = None) -> None:
        self.item = item
        self.min_items = min_items

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Each item is validated; the array is as bad as its worst item."""
        if not isinstance(value, list):
            return _ABORTED, MISSING, [_invalid_type("array", value, path)]
        status = _VALID
        issues: list[Issue] = []
        if self.min_items is not None and len(value) < self.min_items:
            status = _DIRTY
            issues.append(
                _size_issue(
                    "too_small",
                    "minimum",
                    self.min_items,
                    "array",
                    True,
                    path,
                    f"Array must contain at least {self.min_items} element(s)",
                )
            )
        out: list[Any] = []
        for index, item in enumerate(value):
            item_status, parsed, item_issues = self.item.run(item, (*path, index))
            issues.extend(item_issues)
            status = max(status, item_status)
            out.append(parsed)
        # zod checks every item; an aborted item aborts the array (refinements then skip it).
        return (max(status, _DIRTY) if issues else _VALID), out, issues


class Obj(Schema):
    """An object with known keys; unknown keys are dropped (zod's default)."""

    def __init__(self, fields: Mapping[str, Schema]) -> None:
        self.fields = dict(fields)

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Each field is validated in declaration order."""
        if not isinstance(value, dict):
            return _ABORTED, MISSING, [_invalid_type("object", value, path)]
        status = _VALID
        issues: list[Issue] = []
        out: dict[str, Any] = {}
        for name, schema in self.fields.items():
            field_status, parsed, field_issues = schema.run(value.get(name, MISSING), (*path, name))
            issues.extend(field_issues)
            status = max(status, field_status)
            if parsed is not MISSING:
                out[name] = parsed
        # An aborted field aborts the object, as in zod (a refinement of it does not run).
        return (max(status, _DIRTY) if issues else _VALID), out, issues


class Union(Schema):
    """The first option that passes (``a.or(b)``, ``z.union([...])``)."""

    def __init__(self, *options: Schema) -> None:
        self.options = options

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """A valid option wins, then a dirty one (with its issues); else ``invalid_union``."""
        results = [option.run(value, path) for option in self.options]
        for status, parsed, issues in results:
            if status == _VALID:
                return status, parsed, issues
        for status, parsed, issues in results:
            if status == _DIRTY:
                return status, parsed, issues
        union_errors = [{"issues": issues, "name": "ZodError"} for _, _, issues in results]
        return (
            _ABORTED,
            MISSING,
            [
                {
                    "code": "invalid_union",
                    "unionErrors": union_errors,
                    "path": list(path),
                    "message": "Invalid input",
                }
            ],
        )


class Custom(Schema):
    """A schema followed by a refinement that may add custom issues (``superRefine``).

    Args:
        inner: The schema to run first.
        refine: Called with the parsed value when ``inner`` did not abort; returns
            ``(message, extra path)`` pairs and may return a replacement value.
    """

    def __init__(
        self,
        inner: Schema,
        refine: Callable[[Any], tuple[list[tuple[str, Path]], Any]],
    ) -> None:
        self.inner = inner
        self.refine = refine

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[Issue]]:
        """Run the inner schema, then the refinement."""
        status, parsed, issues = self.inner.run(value, path)
        if status == _ABORTED:
            return status, parsed, issues
        problems, replacement = self.refine(parsed)
        if problems:
            issues = issues + [_custom(message, (*path, *extra)) for message, extra in problems]
            return _DIRTY, parsed, issues
        return status, replacement, issues


def _join_path(path: Sequence[str | int]) -> str:
    if len(path) == 1:
        return str(path[0])
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        elif '"' in item:
            escaped = item.replace('"', '\\"')
            out += f'["{escaped}"]'
        elif not any(ch in "$_" or ch.isalpha() for ch in item):
            out += f'["{item}"]'
        else:
            out += ("." if out else "") + item
    return out


def _issue_message(issue: Issue) -> str:
    if issue["code"] == "invalid_union":
        seen: list[str] = []
        for error in issue["unionErrors"]:
            text = "; ".join(_issue_message(inner) for inner in error["issues"])
            if text not in seen:
                seen.append(text)
        return ", or ".join(seen)
    path = issue.get("path") or []
    if path:
        if len(path) == 1 and isinstance(path[0], int):
            return f"{issue['message']} at index {path[0]}"
        return f'{issue["message"]} at "{_join_path(path)}"'
    return str(issue["message"])


def format_issues(issues: Sequence[Issue]) -> str:
    """The text ``zod-validation-error`` makes of issues: ``Validation error: ...; ...``."""
    reason = "; ".join(_issue_message(issue) for issue in issues[:99])
    return f"Validation error: {reason}" if reason else "Validation error"
