"""`client.query`: run TRQL queries, read the query schema; ``.dashboards`` for dashboards."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Literal, overload

from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import query as wire
from trigger.types.query import (
    QueryCSVResult,
    QueryJSONResult,
    QueryResult,
    QuerySchema,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient
    from trigger._async.resources.dashboards import AsyncDashboards

__all__ = ["AsyncQuery", "AsyncQueryWithRawResponse"]

Scope = Literal["environment", "project", "organization"]
"""What a query covers: the key's environment, its whole project, or its organization."""
TimeBound = datetime | int | str
"""A point in time: an aware datetime, Unix milliseconds, or an ISO-8601 string."""


class AsyncQuery:
    """TRQL, the SQL-like query language over your runs: ``client.query``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncQueryWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    @overload
    async def execute(
        self,
        query: str,
        *,
        scope: Scope = ...,
        period: str | None = ...,
        from_: TimeBound | None = ...,
        to: TimeBound | None = ...,
        format: Literal["json"] = ...,
        request_options: RequestOptions | None = ...,
    ) -> QueryJSONResult: ...

    @overload
    async def execute(
        self,
        query: str,
        *,
        scope: Scope = ...,
        period: str | None = ...,
        from_: TimeBound | None = ...,
        to: TimeBound | None = ...,
        format: Literal["csv"],
        request_options: RequestOptions | None = ...,
    ) -> QueryCSVResult: ...

    async def execute(
        self,
        query: str,
        *,
        scope: Scope = "environment",
        period: str | None = None,
        from_: TimeBound | None = None,
        to: TimeBound | None = None,
        format: Literal["json", "csv"] = "json",
        request_options: RequestOptions | None = None,
    ) -> QueryResult:
        """Run a TRQL query.

        Args:
            query: The TRQL text, e.g. ``"SELECT run_id, status FROM runs LIMIT 10"``.
            scope: ``"environment"`` (the key's), ``"project"`` or ``"organization"``.
            period: Only data of this recent period, e.g. ``"7d"`` (not with from_/to).
            from_: Start of the time range (with ``to``): aware datetime, Unix ms or ISO string.
            to: End of the time range (with ``from_``).
            format: ``"json"`` for rows as dicts, ``"csv"`` for CSV text.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            `QueryJSONResult` (``results``: list of dicts) or `QueryCSVResult`
            (``results``: CSV text), per ``format``.

        Raises:
            BadRequestError: The query is invalid.
            PermissionDeniedError: The scope is not allowed for this key.
            RateLimitError: The query service is busy (retried per the retry policy).
        """
        body = wire.execute_body(
            query=query, scope=scope, period=period, from_=from_, to=to, format=format
        )
        return await self._client._request(
            "POST",
            "/api/v1/query",
            parse=decoder(QueryResult).decode,  # type: ignore[arg-type]
            body=body,
            options=request_options,
        )

    async def schema(self, *, request_options: RequestOptions | None = None) -> QuerySchema:
        """The tables and columns TRQL queries can use.

        Args:
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET",
            "/api/v1/query/schema",
            parse=decoder(QuerySchema).decode,
            options=request_options,
        )

    @cached_property
    def dashboards(self) -> AsyncDashboards:
        """Dashboards: list the built-in and custom ones; create and edit custom ones."""
        from trigger._async.resources.dashboards import AsyncDashboards

        return AsyncDashboards(self._client)


class AsyncQueryWithRawResponse:
    """`AsyncQuery` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, query: AsyncQuery) -> None:
        self.execute = async_raw_response_wrapper(query.execute)
        self.schema = async_raw_response_wrapper(query.schema)
