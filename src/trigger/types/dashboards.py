"""Models of custom query dashboards (``client.query.dashboards``) and the mappings to write them.

A dashboard is a titled grid of widgets, each a TRQL query and how to display its result:
a ``title`` row, a ``table``, a ``chart`` or a ``bignumber``. The grid has 12 columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal, TypedDict

import msgspec

from trigger._models import Model

__all__ = [
    "DISPLAY_TYPES",
    "AddedDashboardWidget",
    "Dashboard",
    "DashboardDisplayParam",
    "DashboardPositionParam",
    "DashboardTableSorting",
    "DashboardWidget",
    "DashboardWidgetDisplay",
    "DashboardWidgetParam",
    "DashboardWidgetPosition",
    "DisplayType",
]

DisplayType = Literal["title", "table", "chart", "bignumber"]
"""How a widget shows its query's result."""

DISPLAY_TYPES: frozenset[str] = frozenset({"title", "table", "chart", "bignumber"})
"""The display types the dashboards API accepts."""


class DashboardTableSorting(Model, kw_only=True):
    """One sort key of a ``table`` widget."""

    id: str
    """The column sorted by."""
    desc: bool = False
    """Descending order."""


class DashboardWidgetDisplay(Model, kw_only=True):
    """How a widget renders its query result; which fields apply depends on ``type``.

    - ``title``: a heading row, no other field.
    - ``table``: ``pretty_formatting``, ``sorting``.
    - ``chart``: ``chart_type`` (``bar``/``line``), ``x_axis_column``, ``y_axis_columns``,
      ``group_by_column``, ``stacked``, ``sort_by_column``, ``sort_direction``,
      ``aggregation`` (``sum``/``avg``/``count``/``min``/``max``), ``series_colors``.
    - ``bignumber``: ``column``, ``aggregation`` (also ``first``/``last``),
      ``sort_direction``, ``abbreviate``, ``prefix``, ``suffix``.

    ``type`` is a plain string, so a display type added by a newer server still decodes.
    """

    type: str
    """``title``, ``table``, ``chart`` or ``bignumber`` (or a newer one)."""
    pretty_formatting: bool | None = None
    """Table: format values for reading (the server's default is true)."""
    sorting: list[DashboardTableSorting] | None = None
    """Table: the sort keys, in order."""
    chart_type: str | None = None
    """Chart: ``bar`` or ``line``."""
    x_axis_column: str | None = None
    """Chart: the column on the x axis."""
    y_axis_columns: list[str] | None = None
    """Chart: the columns plotted."""
    group_by_column: str | None = None
    """Chart: the column splitting the data into series."""
    stacked: bool | None = None
    """Chart: stack the series."""
    sort_by_column: str | None = None
    """Chart: the column the points are sorted by."""
    sort_direction: str | None = None
    """Chart or big number: ``asc`` or ``desc``."""
    aggregation: str | None = None
    """Chart or big number: how rows are combined (``sum``, ``avg``, ``count``, ``min``,
    ``max``; a big number also ``first`` and ``last``)."""
    series_colors: dict[str, str] | None = None
    """Chart: a colour per series name."""
    column: str | None = None
    """Big number: the column shown."""
    abbreviate: bool | None = None
    """Big number: abbreviate large values (``12.3k``)."""
    prefix: str | None = None
    """Big number: text before the value."""
    suffix: str | None = None
    """Big number: text after the value."""


class DashboardWidgetPosition(Model, kw_only=True):
    """Where a widget sits on the 12-column grid."""

    x: int
    """Column of its left edge, 0-11."""
    y: int
    """Row of its top edge, from 0."""
    w: int
    """Width in columns, 1-12."""
    h: int
    """Height in rows, at least 1."""


class DashboardWidget(Model, kw_only=True):
    """A widget of a custom dashboard: its query, its display and its place on the grid."""

    id: str
    """Widget id, unique within its dashboard."""
    title: str
    """Display title."""
    query: str = ""
    """The TRQL query (empty for a ``title`` widget)."""
    display: DashboardWidgetDisplay
    """How the result is rendered."""
    fill_gaps: bool | None = None
    """Fill gaps in time series on the server (carry gauges forward, zero-fill counters)."""
    position: DashboardWidgetPosition
    """Its place on the grid."""


class Dashboard(Model, kw_only=True):
    """A custom dashboard, as ``query.dashboards.retrieve`` and every write return it."""

    id: str
    """Dashboard id, ``dashboard_…``."""
    title: str
    """Display title."""
    description: str = ""
    """Free text shown under the title."""
    revision: str
    """Changes on every write. Pass it back as ``revision`` to refuse a write (409) when
    someone else changed the dashboard since you read it."""
    created_at: datetime
    """When it was created."""
    updated_at: datetime
    """When it last changed."""
    widgets: list[DashboardWidget] = msgspec.field(default_factory=list)
    """Its widgets, in order."""


class AddedDashboardWidget(Model, kw_only=True):
    """The answer to ``query.dashboards.widgets.add``."""

    widget_id: str
    """The new widget's id (yours, or one the server made)."""
    dashboard: Dashboard
    """The dashboard with the widget added."""


class DashboardPositionParam(TypedDict):
    """A widget's place on the 12-column grid (`DashboardWidgetPosition` is accepted too)."""

    x: int
    """Column of its left edge, 0-11."""
    y: int
    """Row of its top edge, from 0."""
    w: int
    """Width in columns, 1-12."""
    h: int
    """Height in rows, at least 1."""


class DashboardDisplayParam(TypedDict, total=False):
    """A widget's display, by Python names (camelCase wire names and a
    `DashboardWidgetDisplay` are accepted too). ``type`` is required; each type takes only
    its own fields (see `DashboardWidgetDisplay`). A chart needs ``chart_type``,
    ``y_axis_columns``, ``stacked``, ``sort_direction`` and ``aggregation``; its
    ``x_axis_column``, ``group_by_column`` and ``sort_by_column`` default to none. A big
    number needs ``column`` and ``aggregation``."""

    type: DisplayType
    """``title``, ``table``, ``chart`` or ``bignumber``."""
    pretty_formatting: bool
    """Table: format values for reading (server default true)."""
    sorting: Sequence[Mapping[str, str | bool]]
    """Table: sort keys, each ``{"id": column, "desc": bool}``."""
    chart_type: Literal["bar", "line"]
    """Chart: bar or line."""
    x_axis_column: str | None
    """Chart: the column on the x axis."""
    y_axis_columns: Sequence[str]
    """Chart: the columns plotted."""
    group_by_column: str | None
    """Chart: the column splitting the series."""
    stacked: bool
    """Chart: stack the series."""
    sort_by_column: str | None
    """Chart: the column points are sorted by."""
    sort_direction: Literal["asc", "desc"]
    """Chart (required) or big number (optional): the sort order."""
    aggregation: str
    """Chart: ``sum``, ``avg``, ``count``, ``min``, ``max``; big number: also ``first``,
    ``last``."""
    series_colors: Mapping[str, str]
    """Chart: a colour per series."""
    column: str
    """Big number: the column shown."""
    abbreviate: bool
    """Big number: abbreviate large values."""
    prefix: str
    """Big number: text before the value."""
    suffix: str
    """Big number: text after the value."""


class DashboardWidgetParam(TypedDict, total=False):
    """A widget to write, by Python names (wire names and a `DashboardWidget` are accepted
    too). ``title`` and ``display`` are required; ``query`` too unless the display is a
    ``title``."""

    id: str
    """Keep or choose the widget's id: 1-64 letters, digits, ``_`` or ``-`` (omit it and
    the server makes one)."""
    title: str
    """Display title, 1-200 characters after trimming."""
    query: str
    """The TRQL query (leave it out for a ``title`` widget)."""
    display: DashboardDisplayParam | DashboardWidgetDisplay
    """How the result is rendered."""
    fill_gaps: bool
    """Fill gaps in time series on the server."""
    position: DashboardPositionParam | DashboardWidgetPosition
    """Its place on the grid; omit it to stack the widget full width below the others."""
