"""Request schemas of the custom-dashboard endpoints, written from the 4.8.3 client's zod
schemas (``core/dist/esm/v3/schemas/query.js``): strict objects (an unknown key is an
``unrecognized_keys`` issue), trimmed titles, a widget display discriminated on ``type``
with its defaults filled in (a table's ``prettyFormatting`` and ``sorting``, a big number's
``abbreviate``, a widget's ``query``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from trigger.emulator.validation import (
    MISSING,
    Arr,
    Bool,
    Enum,
    Nullish,
    Num,
    Obj,
    Path,
    Schema,
    Str,
)

__all__ = [
    "ADD_WIDGET_BODY",
    "CREATE_BODY",
    "REPLACE_BODY",
    "UPDATE_BODY",
    "UPDATE_WIDGET_BODY",
    "WIDGET_DELETE_QUERY",
]

Result = tuple[int, Any, list[dict[str, Any]]]
_DIRTY, _ABORTED = 1, 2


class _Strict(Schema):
    """``z.strictObject``: the fields, and an ``unrecognized_keys`` issue for any other key."""

    def __init__(self, fields: Mapping[str, Schema]) -> None:
        self.fields = dict(fields)

    def run(self, value: Any, path: Path) -> Result:
        status, parsed, issues = Obj(self.fields).run(value, path)
        if not isinstance(value, dict):
            return status, parsed, issues
        extra = [key for key in value if key not in self.fields]
        if extra:
            keys = ", ".join(f"'{key}'" for key in extra)
            issues = [
                *issues,
                {
                    "code": "unrecognized_keys",
                    "keys": extra,
                    "path": list(path),
                    "message": f"Unrecognized key(s) in object: {keys}",
                },
            ]
            status = max(status, _DIRTY)
        return status, parsed, issues


class _Trimmed(Schema):
    """``z.string().trim().min(1).max(n)``: checked and kept trimmed."""

    def __init__(self, max_length: int) -> None:
        self.inner = Str(min_length=1, max_length=max_length)

    def run(self, value: Any, path: Path) -> Result:
        return self.inner.run(value.strip() if isinstance(value, str) else value, path)


class _Pattern(Schema):
    """``z.string().regex(/^pattern$/, message)``: the whole string must match."""

    def __init__(self, pattern: str, message: str) -> None:
        self.pattern = re.compile(pattern)
        self.message = message

    def run(self, value: Any, path: Path) -> Result:
        status, parsed, issues = Str().run(value, path)
        if status == _ABORTED or self.pattern.fullmatch(value):
            return status, parsed, issues
        issue = {
            "validation": "regex",
            "code": "invalid_string",
            "message": self.message,
            "path": list(path),
        }
        return _DIRTY, parsed, [issue]


class _Default(Schema):
    """``schema.default(value)``: absent becomes ``value``."""

    def __init__(self, inner: Schema, default: Any) -> None:
        self.inner = inner
        self.default = default

    def run(self, value: Any, path: Path) -> Result:
        if value is MISSING:
            return 0, self.default() if callable(self.default) else self.default, []
        return self.inner.run(value, path)


class _StringRecord(Schema):
    """``z.record(z.string(), z.string())``."""

    def run(self, value: Any, path: Path) -> Result:
        status, _, issues = Obj({}).run(value, path)
        if issues:
            return status, MISSING, issues
        for key, item in value.items():
            item_status, _, item_issues = Str().run(item, (*path, key))
            issues.extend(item_issues)
            status = max(status, item_status)
        return status, dict(value), issues


_SORT_DIRECTION = Enum(("asc", "desc"))
_CHART_AGGREGATION = Enum(("sum", "avg", "count", "min", "max"))
_DISPLAYS: dict[str, dict[str, Schema]] = {
    "table": {
        "type": Str(),
        "prettyFormatting": _Default(Bool(), True),
        "sorting": _Default(Arr(Obj({"desc": Bool(), "id": Str()})), list),
    },
    "chart": {
        "chartType": Enum(("bar", "line")),
        "xAxisColumn": Nullish(Str()),
        "yAxisColumns": Arr(Str()),
        "groupByColumn": Nullish(Str()),
        "stacked": Bool(),
        "sortByColumn": Nullish(Str()),
        "sortDirection": _SORT_DIRECTION,
        "aggregation": _CHART_AGGREGATION,
        "seriesColors": _StringRecord().optional(),
        "type": Str(),
    },
    "bignumber": {
        "column": Str(),
        "aggregation": Enum(("sum", "avg", "count", "min", "max", "first", "last")),
        "sortDirection": _SORT_DIRECTION.optional(),
        "abbreviate": _Default(Bool(), False),
        "prefix": Str().optional(),
        "suffix": Str().optional(),
        "type": Str(),
    },
    "title": {"type": Str()},
}
_NULLABLE_REQUIRED = ("xAxisColumn", "groupByColumn", "sortByColumn")


class _Display(Schema):
    """``DashboardWidgetDisplay``: a union discriminated on ``type``."""

    def run(self, value: Any, path: Path) -> Result:
        if not isinstance(value, dict):
            return Obj({}).run(value, path)
        kind = value.get("type")
        if kind not in _DISPLAYS:
            options = " | ".join(f"'{name}'" for name in _DISPLAYS)
            issue = {
                "code": "invalid_union_discriminator",
                "options": list(_DISPLAYS),
                "path": [*path, "type"],
                "message": f"Invalid discriminator value. Expected {options}",
            }
            return _ABORTED, MISSING, [issue]
        status, parsed, issues = Obj(_DISPLAYS[kind]).run(value, path)
        if kind == "chart":
            # ``.nullable()`` fields are still required: absent is "Required".
            for name in _NULLABLE_REQUIRED:
                if name not in value:
                    issues = [
                        *issues,
                        {
                            "code": "invalid_type",
                            "expected": "string",
                            "received": "undefined",
                            "path": [*path, name],
                            "message": "Required",
                        },
                    ]
                    status = _ABORTED
        return status, parsed, issues


_POSITION = Obj(
    {
        "x": Num(("int",), ("min", 0), ("max", 11)),
        "y": Num(("int",), ("min", 0)),
        "w": Num(("int",), ("min", 1), ("max", 12)),
        "h": Num(("int",), ("min", 1)),
    }
)
_TITLE = _Trimmed(200)
_DESCRIPTION = Str(max_length=2000)
_WIDGET_FIELDS: dict[str, Schema] = {
    "id": _Pattern(
        r"[A-Za-z0-9_-]{1,64}", "id may only contain letters, numbers, _ and -"
    ).optional(),
    "title": _TITLE,
    "query": _Default(Str(), ""),
    "display": _Display(),
    "fillGaps": Bool().optional(),
    "position": _POSITION.optional(),
}
_WIDGET = _Strict(_WIDGET_FIELDS)

CREATE_BODY = _Strict(
    {"title": _TITLE, "description": _DESCRIPTION.optional(), "widgets": Arr(_WIDGET).optional()}
)
"""``CreateDashboardRequestBody``."""
UPDATE_BODY = _Strict(
    {
        "title": _TITLE.optional(),
        "description": _DESCRIPTION.optional(),
        "revision": Str().optional(),
    }
)
"""``UpdateDashboardRequestBody``."""
REPLACE_BODY = _Strict(
    {
        "title": _TITLE.optional(),
        "description": _DESCRIPTION.optional(),
        "widgets": Arr(_WIDGET),
        "revision": Str().optional(),
    }
)
"""``ReplaceDashboardRequestBody``."""
ADD_WIDGET_BODY = _Strict({**_WIDGET_FIELDS, "revision": Str().optional()})
"""``AddDashboardWidgetRequestBody`` (the widget input, strict, with ``revision``)."""
UPDATE_WIDGET_BODY = _Strict(
    {
        "title": _TITLE.optional(),
        "query": Str().optional(),
        "display": _Display().optional(),
        "fillGaps": Bool().optional(),
        "position": _POSITION.optional(),
        "revision": Str().optional(),
    }
)
"""``UpdateDashboardWidgetRequestBody``."""
WIDGET_DELETE_QUERY = Obj({"revision": Str().optional()})
"""The widget delete's ``?revision=``."""
