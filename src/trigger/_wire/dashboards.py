"""Wire format of the custom-dashboard endpoints (``/api/v1/query/dashboards``).

The server's request schemas are strict: an unknown key is refused. So are they here, before
any request, with the argument named; mappings may use Python or camelCase names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from trigger._validation import check_bool, check_number, check_str, path_segment
from trigger.types.dashboards import DISPLAY_TYPES

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_TITLE_LENGTH",
    "WIDGET_ID_PATTERN",
    "add_widget_body",
    "create_body",
    "dashboard_path",
    "display_body",
    "replace_body",
    "revision_query",
    "update_body",
    "update_widget_body",
    "widget_body",
    "widget_path",
]

MAX_TITLE_LENGTH = 200
"""The longest dashboard or widget title, after trimming."""
MAX_DESCRIPTION_LENGTH = 2000
"""The longest dashboard description."""
WIDGET_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a widget id may be: 1-64 letters, digits, ``_`` and ``-``."""

_DASHBOARDS = "/api/v1/query/dashboards"
_CHART_TYPES = ("bar", "line")
_SORT_DIRECTIONS = ("asc", "desc")
_CHART_AGGREGATIONS = ("sum", "avg", "count", "min", "max")
_NUMBER_AGGREGATIONS = (*_CHART_AGGREGATIONS, "first", "last")

# Per display type: Python name -> (wire name, kind, required). A kind is "bool", "str",
# "str?" (a string or None), "strs" (a list of strings), "colors" (a str -> str mapping),
# "sorting", or a tuple of allowed strings. Required-but-nullable chart fields default to
# null, so a chart needs only what defines it.
_Field = tuple[str, Any, bool]
_DISPLAY_FIELDS: dict[str, dict[str, _Field]] = {
    "title": {},
    "table": {
        "pretty_formatting": ("prettyFormatting", "bool", False),
        "sorting": ("sorting", "sorting", False),
    },
    "chart": {
        "chart_type": ("chartType", _CHART_TYPES, True),
        "x_axis_column": ("xAxisColumn", "str?", False),
        "y_axis_columns": ("yAxisColumns", "strs", True),
        "group_by_column": ("groupByColumn", "str?", False),
        "stacked": ("stacked", "bool", True),
        "sort_by_column": ("sortByColumn", "str?", False),
        "sort_direction": ("sortDirection", _SORT_DIRECTIONS, True),
        "aggregation": ("aggregation", _CHART_AGGREGATIONS, True),
        "series_colors": ("seriesColors", "colors", False),
    },
    "bignumber": {
        "column": ("column", "str", True),
        "aggregation": ("aggregation", _NUMBER_AGGREGATIONS, True),
        "sort_direction": ("sortDirection", _SORT_DIRECTIONS, False),
        "abbreviate": ("abbreviate", "bool", False),
        "prefix": ("prefix", "str", False),
        "suffix": ("suffix", "str", False),
    },
}
_NULLABLE_CHART_FIELDS = ("xAxisColumn", "groupByColumn", "sortByColumn")

_WIDGET_FIELDS = {
    "id": "id",
    "title": "title",
    "query": "query",
    "display": "display",
    "fill_gaps": "fillGaps",
    "position": "position",
}


def dashboard_path(dashboard_id: str, suffix: str = "") -> str:
    """``/api/v1/query/dashboards/{id}`` plus an optional suffix (the id percent-encoded)."""
    return f"{_DASHBOARDS}/{path_segment('dashboard_id', dashboard_id)}{suffix}"


def widget_path(dashboard_id: str, widget_id: str) -> str:
    """``/api/v1/query/dashboards/{id}/widgets/{widgetId}``."""
    return dashboard_path(dashboard_id, f"/widgets/{path_segment('widget_id', widget_id)}")


def check_title(name: str, value: object) -> str:
    """A title: a string of 1-200 characters once trimmed (sent as given)."""
    text = check_str(name, value, allow_empty=True)
    length = len(text.strip())
    if length == 0:
        raise ValueError(f"{name} must not be empty or only whitespace")
    if length > MAX_TITLE_LENGTH:
        raise ValueError(f"{name} must be at most {MAX_TITLE_LENGTH} characters, got {length}")
    return text


def check_description(value: object) -> str:
    """A description: a string of at most 2000 characters (empty is allowed)."""
    text = check_str("description", value, allow_empty=True)
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValueError(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters, got {len(text)}"
        )
    return text


def check_revision(value: object) -> str:
    """A revision, as a dashboard's ``revision`` gives it."""
    return check_str("revision", value)


def check_widget_id(name: str, value: object) -> str:
    """A widget id: 1-64 letters, digits, ``_`` or ``-``."""
    text = check_str(name, value, allow_empty=True)
    if not WIDGET_ID_PATTERN.fullmatch(text):
        raise ValueError(f"{name} may only contain letters, numbers, _ and - (1-64 of them)")
    return text


def _as_mapping(name: str, value: object) -> dict[str, Any]:
    """A mapping as a dict; a model (a retrieved widget, display or position) as its set
    fields by Python name, so what was read can be written back."""
    if isinstance(value, msgspec.Struct):
        return {
            field: getattr(value, field)
            for field in value.__struct_fields__
            if getattr(value, field) is not None
        }
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be str, not {type(key).__name__}")
    return dict(value)


def _named(name: str, value: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """``value`` keyed by wire names; an unknown key or one given twice raises."""
    wire_names = set(fields.values())
    out: dict[str, Any] = {}
    for key, item in value.items():
        wire = fields.get(key, key if key in wire_names else None)
        if wire is None:
            known = ", ".join(fields)
            raise ValueError(f"{name} has an unknown key {key!r} (known: {known})")
        if wire in out:
            raise ValueError(f"{name} gives {wire!r} twice (as {key!r} and another spelling)")
        out[wire] = item
    return out


def _field(name: str, value: Any, kind: Any) -> Any:
    if kind == "bool":
        return check_bool(name, value)
    if kind == "str":
        return check_str(name, value, allow_empty=True)
    if kind == "str?":
        return None if value is None else check_str(name, value, allow_empty=True)
    if kind == "strs":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise TypeError(f"{name} must be a list of str, not {type(value).__name__}")
        return [check_str(name, item, allow_empty=True) for item in value]
    if kind == "colors":
        colors = _as_mapping(name, value)
        return {series: check_str(f"{name}[{series!r}]", c) for series, c in colors.items()}
    if kind == "sorting":
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise TypeError(f"{name} must be a list of {{id, desc}} mappings")
        out = []
        for index, item in enumerate(value):
            entry = _named(
                f"{name}[{index}]",
                _as_mapping(f"{name}[{index}]", item),
                {"id": "id", "desc": "desc"},
            )
            if "id" not in entry or "desc" not in entry:
                raise ValueError(f"{name}[{index}] needs both 'id' and 'desc'")
            out.append(
                {
                    "desc": check_bool(f"{name}[{index}].desc", entry["desc"]),
                    "id": check_str(f"{name}[{index}].id", entry["id"]),
                }
            )
        return out
    if not isinstance(value, str) or value not in kind:
        raise ValueError(f"{name} must be one of {', '.join(kind)}, not {value!r}")
    return value


def display_body(name: str, value: object) -> dict[str, Any]:
    """A widget display on the wire: ``type`` first, then that type's fields."""
    given = _as_mapping(name, value)
    kind = given.pop("type", None)
    if not isinstance(kind, str) or kind not in DISPLAY_TYPES:
        raise ValueError(
            f"{name}['type'] must be one of {', '.join(sorted(DISPLAY_TYPES))}, not {kind!r}"
        )
    fields = _DISPLAY_FIELDS[kind]
    wire = _named(f"{name} ({kind})", given, {key: spec[0] for key, spec in fields.items()})
    body: dict[str, Any] = {"type": kind}
    for key, (wire_name, field_kind, required) in fields.items():
        if wire_name in wire:
            body[wire_name] = _field(f"{name}.{key}", wire[wire_name], field_kind)
        elif kind == "chart" and wire_name in _NULLABLE_CHART_FIELDS:
            body[wire_name] = None
        elif required:
            raise ValueError(f"a {kind} display needs {key!r}")
    return body


def position_body(name: str, value: object) -> dict[str, int]:
    """A grid position: ``x`` 0-11, ``y`` from 0, ``w`` 1-12, ``h`` from 1 (whole numbers)."""
    given = _named(name, _as_mapping(name, value), {"x": "x", "y": "y", "w": "w", "h": "h"})
    bounds = {"x": (0, 11), "y": (0, None), "w": (1, 12), "h": (1, None)}
    out: dict[str, int] = {}
    for key, (low, high) in bounds.items():
        if key not in given:
            raise ValueError(f"{name} needs {key!r}")
        out[key] = int(
            check_number(f"{name}.{key}", given[key], minimum=low, maximum=high, integer=True)
        )
    return out


def _widget_fields(name: str, wire: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check a widget's fields (already keyed by wire names), in the wire order."""
    body: dict[str, Any] = {}
    if "id" in wire:
        body["id"] = check_widget_id(f"{name}.id", wire["id"])
    if "title" in wire:
        body["title"] = check_title(f"{name}.title", wire["title"])
    elif not partial:
        raise ValueError(f"{name} needs a 'title'")
    if "query" in wire:
        body["query"] = check_str(f"{name}.query", wire["query"], allow_empty=True)
    if "display" in wire:
        body["display"] = display_body(f"{name}.display", wire["display"])
    elif not partial:
        raise ValueError(f"{name} needs a 'display'")
    if not partial and body["display"]["type"] != "title" and not body.get("query", "").strip():
        raise ValueError(f"{name} needs a 'query' unless its display is a title")
    if "fillGaps" in wire:
        body["fillGaps"] = check_bool(f"{name}.fill_gaps", wire["fillGaps"])
    if "position" in wire:
        body["position"] = position_body(f"{name}.position", wire["position"])
    return body


def widget_body(name: str, value: object) -> dict[str, Any]:
    """A widget to create or replace (``DashboardWidgetInput``)."""
    given = _as_mapping(name, value)
    return _widget_fields(name, _named(name, given, _WIDGET_FIELDS), partial=False)


def _widgets(value: object) -> list[dict[str, Any]]:
    if isinstance(value, (str, bytes, Mapping, msgspec.Struct)) or not isinstance(value, Iterable):
        raise TypeError(f"widgets must be a list of widgets, not {type(value).__name__}")
    widgets = [widget_body(f"widgets[{index}]", item) for index, item in enumerate(value)]
    seen: set[str] = set()
    for widget in widgets:
        widget_id = widget.get("id")
        if widget_id is not None:
            if widget_id in seen:
                raise ValueError(f"widgets has the id {widget_id!r} twice (ids must be unique)")
            seen.add(widget_id)
    return widgets


def create_body(
    *, title: str, description: str | None, widgets: Iterable[object] | None
) -> dict[str, Any]:
    """Body of ``POST /api/v1/query/dashboards``."""
    body: dict[str, Any] = {"title": check_title("title", title)}
    if description is not None:
        body["description"] = check_description(description)
    if widgets is not None:
        body["widgets"] = _widgets(widgets)
    return body


def update_body(
    *, title: str | None, description: str | None, revision: str | None
) -> dict[str, Any]:
    """Body of ``PATCH /api/v1/query/dashboards/{id}``: only what is given."""
    body: dict[str, Any] = {}
    if title is not None:
        body["title"] = check_title("title", title)
    if description is not None:
        body["description"] = check_description(description)
    if not body:
        raise ValueError("pass title, description or both")
    if revision is not None:
        body["revision"] = check_revision(revision)
    return body


def replace_body(
    *,
    widgets: Iterable[object],
    title: str | None,
    description: str | None,
    revision: str | None,
) -> dict[str, Any]:
    """Body of ``PUT /api/v1/query/dashboards/{id}``: every widget, in order."""
    body: dict[str, Any] = {}
    if title is not None:
        body["title"] = check_title("title", title)
    if description is not None:
        body["description"] = check_description(description)
    body["widgets"] = _widgets(widgets)
    if revision is not None:
        body["revision"] = check_revision(revision)
    return body


def add_widget_body(widget: Mapping[str, Any], revision: str | None) -> dict[str, Any]:
    """Body of ``POST …/{id}/widgets``: the widget and the optional revision."""
    body = _widget_fields("widget", _named("widget", widget, _WIDGET_FIELDS), partial=False)
    if revision is not None:
        body["revision"] = check_revision(revision)
    return body


def update_widget_body(changes: Mapping[str, Any], revision: str | None) -> dict[str, Any]:
    """Body of ``PATCH …/{id}/widgets/{widgetId}``: only the fields given."""
    fields = {key: value for key, value in _WIDGET_FIELDS.items() if key != "id"}
    body = _widget_fields("widget", _named("widget", changes, fields), partial=True)
    if not body:
        raise ValueError("pass at least one of title, query, display, fill_gaps, position")
    if revision is not None:
        body["revision"] = check_revision(revision)
    return body


def revision_query(revision: str | None) -> dict[str, str]:
    """``?revision=`` of a widget delete; empty without one."""
    return {} if revision is None else {"revision": check_revision(revision)}
