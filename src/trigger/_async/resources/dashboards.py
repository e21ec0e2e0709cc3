"""`client.query.dashboards`: the built-in dashboards, and custom ones to create and edit."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import dashboards as wire
from trigger.types.dashboards import (
    AddedDashboardWidget,
    Dashboard,
    DashboardDisplayParam,
    DashboardPositionParam,
    DashboardWidget,
    DashboardWidgetDisplay,
    DashboardWidgetParam,
    DashboardWidgetPosition,
)
from trigger.types.query import QueryDashboards
from trigger.types.runs import IdResponse

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = [
    "AsyncDashboardWidgets",
    "AsyncDashboardWidgetsWithRawResponse",
    "AsyncDashboards",
    "AsyncDashboardsWithRawResponse",
]

_DASHBOARDS = "/api/v1/query/dashboards"
# A 409 from a dashboard write is a stale revision (or a clashing widget id): sending the
# same request again cannot succeed, so it is never retried, whatever the policy says.
_CONFLICT_IS_FINAL = (409,)

Display = DashboardDisplayParam | DashboardWidgetDisplay
Position = DashboardPositionParam | DashboardWidgetPosition


class AsyncDashboards:
    """Query dashboards: ``client.query.dashboards``.

    `list` gives the built-in dashboards and your custom ones; the other calls read and
    write custom dashboards (built-in ones are read-only). Writes take an optional
    ``revision``, the `Dashboard.revision` you last read: the server then refuses the write
    with a 409 (`ConflictError`, raised at once, never retried) if the dashboard changed in
    the meantime.

    The custom-dashboard endpoints came with the official SDK 4.8; an older server answers
    404.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncDashboardsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    @cached_property
    def widgets(self) -> AsyncDashboardWidgets:
        """One widget at a time: add, update, delete."""
        return AsyncDashboardWidgets(self._client)

    async def list(self, *, request_options: RequestOptions | None = None) -> QueryDashboards:
        """The built-in dashboards and your custom ones, with their widgets' queries.

        Args:
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET", _DASHBOARDS, parse=decoder(QueryDashboards).decode, options=request_options
        )

    async def retrieve(
        self, dashboard_id: str, *, request_options: RequestOptions | None = None
    ) -> Dashboard:
        """A custom dashboard with every widget, its query, display and grid position.

        Args:
            dashboard_id: The dashboard (``dashboard_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET",
            wire.dashboard_path(dashboard_id),
            parse=decoder(Dashboard).decode,
            options=request_options,
        )

    async def create(
        self,
        *,
        title: str,
        description: str | None = None,
        widgets: Iterable[DashboardWidgetParam | DashboardWidget] | None = None,
        request_options: RequestOptions | None = None,
    ) -> Dashboard:
        """Create a custom dashboard, optionally with its widgets.

        Widgets without a ``position`` are stacked full width, in the order given.

        Args:
            title: Its title, 1-200 characters once trimmed.
            description: Free text, at most 2000 characters.
            widgets: Its widgets (`DashboardWidgetParam` mappings or `DashboardWidget`s).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: A title, widget or display the server would refuse (nothing is sent).
            BadRequestError: A widget's query names an unknown table or column.
            PermissionDeniedError: The plan's dashboard or widget limit is reached.
        """
        body = wire.create_body(title=title, description=description, widgets=widgets)
        return await self._client._request(
            "POST",
            _DASHBOARDS,
            parse=decoder(Dashboard).decode,
            body=body,
            options=request_options,
            final_statuses=_CONFLICT_IS_FINAL,
        )

    async def update(
        self,
        dashboard_id: str,
        *,
        title: str | None = None,
        description: str | None = None,
        revision: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Dashboard:
        """Rename a custom dashboard or change its description (its widgets stay).

        Args:
            dashboard_id: The dashboard.
            title: The new title, 1-200 characters once trimmed.
            description: The new description, at most 2000 characters.
            revision: Refuse the write (409) unless the dashboard is still at this revision.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: Neither ``title`` nor ``description`` given.
            ConflictError: ``revision`` is stale.
        """
        body = wire.update_body(title=title, description=description, revision=revision)
        return await self._write("PATCH", wire.dashboard_path(dashboard_id), body, request_options)

    async def replace(
        self,
        dashboard_id: str,
        *,
        widgets: Iterable[DashboardWidgetParam | DashboardWidget],
        title: str | None = None,
        description: str | None = None,
        revision: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Dashboard:
        """Replace every widget of a custom dashboard (to keep one in sync with code).

        A widget whose ``id`` already exists keeps its position unless a new one is given;
        new widgets without a position are stacked full width below the others, in order.

        Args:
            dashboard_id: The dashboard.
            widgets: All of its widgets from now on (``[]`` removes them all).
            title: A new title.
            description: A new description.
            revision: Refuse the write (409) unless the dashboard is still at this revision.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: A widget the server would refuse, or two with the same id.
            ConflictError: ``revision`` is stale.
        """
        body = wire.replace_body(
            widgets=widgets, title=title, description=description, revision=revision
        )
        return await self._write("PUT", wire.dashboard_path(dashboard_id), body, request_options)

    async def delete(
        self, dashboard_id: str, *, request_options: RequestOptions | None = None
    ) -> IdResponse:
        """Delete a custom dashboard.

        Args:
            dashboard_id: The dashboard.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The deleted dashboard's id.
        """
        return await self._client._request(
            "DELETE",
            wire.dashboard_path(dashboard_id),
            parse=decoder(IdResponse).decode,
            options=request_options,
        )

    async def _write(
        self, method: str, path: str, body: dict[str, Any], options: RequestOptions | None
    ) -> Dashboard:
        return await self._client._request(
            method,
            path,
            parse=decoder(Dashboard).decode,
            body=body,
            options=options,
            final_statuses=_CONFLICT_IS_FINAL,
        )


class AsyncDashboardWidgets:
    """Widgets of a custom dashboard, one at a time: ``client.query.dashboards.widgets``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncDashboardWidgetsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def add(
        self,
        dashboard_id: str,
        *,
        title: str,
        display: Display,
        query: str | None = None,
        widget_id: str | None = None,
        fill_gaps: bool | None = None,
        position: Position | None = None,
        revision: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AddedDashboardWidget:
        """Add a widget; without a ``position`` it goes full width below the others.

        Args:
            dashboard_id: The dashboard.
            title: Its title, 1-200 characters once trimmed.
            display: How it renders (`DashboardDisplayParam` or `DashboardWidgetDisplay`).
            query: Its TRQL query (required unless the display is a ``title``).
            widget_id: Its id (1-64 letters, digits, ``_``, ``-``); the server makes one
                without it.
            fill_gaps: Fill gaps in time series on the server.
            position: Its place on the 12-column grid.
            revision: Refuse the write (409) unless the dashboard is still at this revision.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The widget's id and the dashboard as it is now.
        """
        given: dict[str, Any] = {"title": title, "display": display}
        for key, value in (
            ("query", query),
            ("id", widget_id),
            ("fill_gaps", fill_gaps),
            ("position", position),
        ):
            if value is not None:
                given[key] = value
        body = wire.add_widget_body(given, revision)
        return await self._client._request(
            "POST",
            wire.dashboard_path(dashboard_id, "/widgets"),
            parse=decoder(AddedDashboardWidget).decode,
            body=body,
            options=request_options,
            final_statuses=_CONFLICT_IS_FINAL,
        )

    async def update(
        self,
        dashboard_id: str,
        widget_id: str,
        *,
        title: str | None = None,
        query: str | None = None,
        display: Display | None = None,
        fill_gaps: bool | None = None,
        position: Position | None = None,
        revision: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Dashboard:
        """Change a widget's title, query, display or position (only what is given).

        Args:
            dashboard_id: The dashboard.
            widget_id: The widget.
            title: A new title.
            query: A new TRQL query.
            display: A new display (replaces the whole display).
            fill_gaps: Fill gaps in time series on the server.
            position: A new place on the grid.
            revision: Refuse the write (409) unless the dashboard is still at this revision.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: Nothing to change, or a value the server would refuse.
        """
        changes = {
            key: value
            for key, value in (
                ("title", title),
                ("query", query),
                ("display", display),
                ("fill_gaps", fill_gaps),
                ("position", position),
            )
            if value is not None
        }
        body = wire.update_widget_body(changes, revision)
        return await self._client._request(
            "PATCH",
            wire.widget_path(dashboard_id, widget_id),
            parse=decoder(Dashboard).decode,
            body=body,
            options=request_options,
            final_statuses=_CONFLICT_IS_FINAL,
        )

    async def delete(
        self,
        dashboard_id: str,
        widget_id: str,
        *,
        revision: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Dashboard:
        """Remove a widget.

        Args:
            dashboard_id: The dashboard.
            widget_id: The widget.
            revision: Refuse the write (409) unless the dashboard is still at this revision
                (sent as ``?revision=``).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The dashboard without the widget.
        """
        return await self._client._request(
            "DELETE",
            wire.widget_path(dashboard_id, widget_id),
            parse=decoder(Dashboard).decode,
            query=wire.revision_query(revision),
            options=request_options,
            final_statuses=_CONFLICT_IS_FINAL,
        )


class AsyncDashboardsWithRawResponse:
    """`AsyncDashboards` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, dashboards: AsyncDashboards) -> None:
        self.list = async_raw_response_wrapper(dashboards.list)
        self.retrieve = async_raw_response_wrapper(dashboards.retrieve)
        self.create = async_raw_response_wrapper(dashboards.create)
        self.update = async_raw_response_wrapper(dashboards.update)
        self.replace = async_raw_response_wrapper(dashboards.replace)
        self.delete = async_raw_response_wrapper(dashboards.delete)


class AsyncDashboardWidgetsWithRawResponse:
    """`AsyncDashboardWidgets` methods that return the `APIResponse` instead of the data."""

    def __init__(self, widgets: AsyncDashboardWidgets) -> None:
        self.add = async_raw_response_wrapper(widgets.add)
        self.update = async_raw_response_wrapper(widgets.update)
        self.delete = async_raw_response_wrapper(widgets.delete)
