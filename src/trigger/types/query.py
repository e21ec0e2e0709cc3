"""Models of TRQL query results, the query schema and the dashboard list."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

import msgspec

from trigger._models import Model

__all__ = [
    "QueryCSVResult",
    "QueryColumn",
    "QueryDashboard",
    "QueryDashboards",
    "QueryJSONResult",
    "QueryResult",
    "QuerySchema",
    "QueryTable",
    "QueryWidget",
]


class QueryJSONResult(Model, kw_only=True, tag_field="format", tag="json"):
    """The result of a query run with ``format="json"``: one dict per row."""

    results: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """The rows, each a mapping of column name to value."""

    @property
    def format(self) -> Literal["json"]:
        """The result format, ``"json"``."""
        return "json"


class QueryCSVResult(Model, kw_only=True, tag_field="format", tag="csv"):
    """The result of a query run with ``format="csv"``: the rows as CSV text."""

    results: str = ""
    """The CSV text, a header line first."""

    @property
    def format(self) -> Literal["csv"]:
        """The result format, ``"csv"``."""
        return "csv"

    def rows(self) -> list[dict[str, str]]:
        """The CSV parsed into one dict per row (every value a string).

        Returns:
            The rows, keyed by the header line's column names.
        """
        return list(csv.DictReader(io.StringIO(self.results)))


QueryResult = QueryJSONResult | QueryCSVResult
"""A query result, told apart by its ``format``."""


class QueryColumn(Model, kw_only=True):
    """A column of a queryable table."""

    name: str
    """Column name, as written in TRQL."""
    type: str = ""
    """ClickHouse data type, e.g. ``String`` or ``DateTime64(3)``."""
    description: str | None = None
    """What the column holds."""
    example: str | None = None
    """An example value."""
    allowed_values: list[str] | None = None
    """The values an enum-like column can take."""
    core_column: bool = False
    """Whether default queries include the column."""


class QueryTable(Model, kw_only=True):
    """A table TRQL can query."""

    name: str
    """Table name, as written in TRQL."""
    description: str | None = None
    """What the table holds."""
    time_column: str | None = None
    """The column time ranges (``period``, ``from_``/``to``) filter on."""
    columns: list[QueryColumn] = msgspec.field(default_factory=list)
    """The columns."""


class QuerySchema(Model, kw_only=True):
    """Every table and column TRQL queries can use."""

    tables: list[QueryTable] = msgspec.field(default_factory=list)
    """The tables."""


class QueryWidget(Model, kw_only=True):
    """One widget of a dashboard and the query behind it."""

    id: str
    """Widget id."""
    title: str = ""
    """Display title."""
    query: str = ""
    """The TRQL query the widget runs (may be empty for ``title`` widgets)."""
    type: str = ""
    """Display type: ``bignumber``, ``chart``, ``table``, ``title`` (or a newer one)."""


class QueryDashboard(Model, kw_only=True):
    """A dashboard as `query.dashboards.list` gives it: built-in or custom."""

    key: str
    """Dashboard key, e.g. ``overview`` or ``llm``; for a custom dashboard, its id."""
    title: str = ""
    """Display title."""
    type: str | None = None
    """``builtIn`` (read-only) or ``custom``; absent from servers before 4.8."""
    description: str | None = None
    """A custom dashboard's description."""
    widgets: list[QueryWidget] = msgspec.field(default_factory=list)
    """Its widgets, in display order."""


class QueryDashboards(Model, kw_only=True):
    """The built-in dashboards and your custom ones."""

    dashboards: list[QueryDashboard] = msgspec.field(default_factory=list)
    """The dashboards."""
