"""`client.concurrency_limits`: named limits: list, retrieve, override, reset, pause, resume."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, overload

from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import concurrency_limits as wire
from trigger._wire.queues import offset_page_query
from trigger.types.concurrency_limits import ConcurrencyLimitItem, ConcurrencyLimitKeyItem

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncConcurrencyLimits", "AsyncConcurrencyLimitsWithRawResponse"]


class AsyncConcurrencyLimits:
    """Named concurrency limits of the environment: ``client.concurrency_limits``.

    A limit is named as declared in task code (a task's inline limit as ``task/<taskId>``).
    Calls given a ``concurrency_key`` act on that key's view of the limit and return a
    `ConcurrencyLimitKeyItem`; the others return the limit itself, a `ConcurrencyLimitItem`.

    These endpoints came with the official SDK 4.8; an older server answers 404.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncConcurrencyLimitsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    def list(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[ConcurrencyLimitItem]:
        """List the limits, named ones before ``task/…`` ones. Iterate to walk every page.

        Args:
            page: The 1-based page to start from.
            per_page: Limits per page (the documented range is 1-100; the server decides).
            request_options: Per-call retry, timeout and header overrides.
        """
        query = offset_page_query(page=page, per_page=per_page)
        return self._client._paginate(
            PageSpec(
                "offset", ConcurrencyLimitItem, "/api/v1/concurrency-limits", query, request_options
            )
        )

    @overload
    async def retrieve(
        self,
        name: str,
        *,
        concurrency_key: None = ...,
        request_options: RequestOptions | None = ...,
    ) -> ConcurrencyLimitItem: ...

    @overload
    async def retrieve(
        self,
        name: str,
        *,
        concurrency_key: str | int,
        request_options: RequestOptions | None = ...,
    ) -> ConcurrencyLimitKeyItem: ...

    async def retrieve(
        self,
        name: str,
        *,
        concurrency_key: str | int | None = None,
        request_options: RequestOptions | None = None,
    ) -> ConcurrencyLimitItem | ConcurrencyLimitKeyItem:
        """Retrieve a limit with its bounds and counts, or one concurrency key's view of it.

        Args:
            name: The limit's name.
            concurrency_key: Return this key's view (`ConcurrencyLimitKeyItem`): its cap,
                override and expiry. A number is sent as its text.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = wire.limit_path(name)
        query = wire.key_query(concurrency_key)
        if concurrency_key is None:
            return await self._client._request(
                "GET", path, parse=decoder(ConcurrencyLimitItem).decode, options=request_options
            )
        return await self._client._request(
            "GET",
            path,
            parse=decoder(ConcurrencyLimitKeyItem).decode,
            query=query,
            options=request_options,
        )

    @overload
    async def override(
        self,
        name: str,
        *,
        per_key: int | None = ...,
        total: int | None = ...,
        concurrency_key: None = ...,
        ttl: None = ...,
        request_options: RequestOptions | None = ...,
    ) -> ConcurrencyLimitItem: ...

    @overload
    async def override(
        self,
        name: str,
        *,
        per_key: int,
        total: None = ...,
        concurrency_key: str | int,
        ttl: str | int | timedelta | None = ...,
        request_options: RequestOptions | None = ...,
    ) -> ConcurrencyLimitKeyItem: ...

    async def override(
        self,
        name: str,
        *,
        per_key: int | None = None,
        total: int | None = None,
        concurrency_key: str | int | None = None,
        ttl: str | int | timedelta | None = None,
        request_options: RequestOptions | None = None,
    ) -> ConcurrencyLimitItem | ConcurrencyLimitKeyItem:
        """Override a limit's bounds until reset, or cap one concurrency key for a while.

        Without ``concurrency_key``, ``per_key`` and/or ``total`` replace the limit's own
        bounds (only those given change; ``0`` blocks every run holding the limit) until
        `reset`. With ``concurrency_key``, ``per_key`` caps that key alone (``0`` blocks
        it) across every task holding the limit, for ``ttl``; the limit needs a per-key
        bound for this. Overrides survive deploys.

        Args:
            name: The limit's name.
            per_key: The per-key cap, 0 to 100000 (required with ``concurrency_key``).
            total: The cap over all runs holding the limit, 0 to 100000 (not with
                ``concurrency_key``).
            concurrency_key: Override only this key (a number is sent as its text).
            ttl: How long a per-key override lasts: a duration such as ``"7d"``, a
                timedelta, or int seconds (server default 7 days, at most 30 days).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: No bound given, a bound out of range, ``total`` or no ``per_key``
                with a key, or ``ttl`` without a key (nothing is sent).
            BadRequestError: A bound above the environment's concurrency limit, or a
                per-key override on a limit without a per-key bound.
        """
        body = wire.override_body(
            per_key=per_key, total=total, concurrency_key=concurrency_key, ttl=ttl
        )
        path = wire.limit_path(name, "/override")
        if concurrency_key is None:
            return await self._client._request(
                "POST",
                path,
                parse=decoder(ConcurrencyLimitItem).decode,
                body=body,
                options=request_options,
            )
        return await self._client._request(
            "POST",
            path,
            parse=decoder(ConcurrencyLimitKeyItem).decode,
            body=body,
            options=request_options,
        )

    @overload
    async def reset(
        self,
        name: str,
        *,
        concurrency_key: None = ...,
        request_options: RequestOptions | None = ...,
    ) -> ConcurrencyLimitItem: ...

    @overload
    async def reset(
        self,
        name: str,
        *,
        concurrency_key: str | int,
        request_options: RequestOptions | None = ...,
    ) -> ConcurrencyLimitKeyItem: ...

    async def reset(
        self,
        name: str,
        *,
        concurrency_key: str | int | None = None,
        request_options: RequestOptions | None = None,
    ) -> ConcurrencyLimitItem | ConcurrencyLimitKeyItem:
        """Clear an override: the limit's own (per-key overrides stay), or one key's.

        Args:
            name: The limit's name.
            concurrency_key: Clear only this key's override.
            request_options: Per-call retry, timeout and header overrides.
        """
        body = wire.key_query(concurrency_key)
        path = wire.limit_path(name, "/reset")
        if concurrency_key is None:
            return await self._client._request(
                "POST",
                path,
                parse=decoder(ConcurrencyLimitItem).decode,
                body=body,
                options=request_options,
            )
        return await self._client._request(
            "POST",
            path,
            parse=decoder(ConcurrencyLimitKeyItem).decode,
            body=body,
            options=request_options,
        )

    async def pause(
        self, name: str, *, request_options: RequestOptions | None = None
    ) -> ConcurrencyLimitItem:
        """Pause a limit: no run holding it starts until `resume`; runs executing carry on.

        The configured bounds are kept.

        Args:
            name: The limit's name.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._pause_or_resume(name, "pause", request_options)

    async def resume(
        self, name: str, *, request_options: RequestOptions | None = None
    ) -> ConcurrencyLimitItem:
        """Resume a paused limit, so runs holding it start again under its bounds.

        Args:
            name: The limit's name.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._pause_or_resume(name, "resume", request_options)

    async def _pause_or_resume(
        self, name: str, action: str, request_options: RequestOptions | None
    ) -> ConcurrencyLimitItem:
        # Both go to the same path; the body says which.
        return await self._client._request(
            "POST",
            wire.limit_path(name, "/pause"),
            parse=decoder(ConcurrencyLimitItem).decode,
            body={"action": action},
            options=request_options,
        )


class AsyncConcurrencyLimitsWithRawResponse:
    """`AsyncConcurrencyLimits` methods that return the `APIResponse` instead of the data."""

    def __init__(self, limits: AsyncConcurrencyLimits) -> None:
        self.list = async_raw_response_wrapper(limits.list)
        self.retrieve = async_raw_response_wrapper(limits.retrieve)
        self.override = async_raw_response_wrapper(limits.override)
        self.reset = async_raw_response_wrapper(limits.reset)
        self.pause = async_raw_response_wrapper(limits.pause)
        self.resume = async_raw_response_wrapper(limits.resume)
