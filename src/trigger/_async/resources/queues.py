"""`client.queues`: list, retrieve, pause, resume, concurrency overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import queues as wire
from trigger._wire.queues import QueueLookup, QueueRef
from trigger.types.queues import QueueItem

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncQueues", "AsyncQueuesWithRawResponse"]


class AsyncQueues:
    """The queues API: ``client.queues``.

    A queue is named by its id (``"queue_…"``), or by a task id or custom queue name together
    with ``type="task"`` / ``type="custom"``, or by a mapping such as
    ``{"type": "task", "name": "my-task"}``.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncQueuesWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    def list(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[QueueItem]:
        """List the queues of the environment. Iterate the result to walk every page.

        Args:
            page: The 1-based page to start from.
            per_page: Queues per page (the server caps it at 100; default 25).
            request_options: Per-call retry, timeout and header overrides.
        """
        query = wire.offset_page_query(page=page, per_page=per_page)
        return self._client._paginate(
            PageSpec("offset", QueueItem, "/api/v1/queues", query, request_options)
        )

    async def retrieve(
        self,
        queue: str | QueueRef,
        *,
        type: QueueLookup | None = None,
        request_options: RequestOptions | None = None,
    ) -> QueueItem:
        """Retrieve a queue with its counts, pause state and concurrency limits.

        Args:
            queue: A queue id, a task id or queue name (with ``type``), or a
                ``{"type": "task" | "custom", "name": ...}`` mapping.
            type: How to read a string ``queue``: ``"id"`` (the default), ``"task"`` or
                ``"custom"``.
            request_options: Per-call retry, timeout and header overrides.
        """
        resolved = wire.resolve_queue("queue", queue, type)
        return await self._client._request(
            "GET",
            f"/api/v1/queues/{resolved.segment}",
            parse=decoder(QueueItem).decode,
            query={"type": resolved.type},
            options=request_options,
        )

    async def pause(
        self,
        queue: str | QueueRef,
        *,
        type: QueueLookup | None = None,
        request_options: RequestOptions | None = None,
    ) -> QueueItem:
        """Pause a queue: no new run of it starts; runs already executing carry on.

        Args:
            queue: A queue id, a task id or queue name (with ``type``), or a
                ``{"type": "task" | "custom", "name": ...}`` mapping.
            type: How to read a string ``queue``: ``"id"`` (the default), ``"task"`` or
                ``"custom"``.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._pause_or_resume("pause", queue, type, request_options)

    async def resume(
        self,
        queue: str | QueueRef,
        *,
        type: QueueLookup | None = None,
        request_options: RequestOptions | None = None,
    ) -> QueueItem:
        """Resume a paused queue, so its queued runs start again.

        Args:
            queue: A queue id, a task id or queue name (with ``type``), or a
                ``{"type": "task" | "custom", "name": ...}`` mapping.
            type: How to read a string ``queue``: ``"id"`` (the default), ``"task"`` or
                ``"custom"``.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._pause_or_resume("resume", queue, type, request_options)

    async def _pause_or_resume(
        self,
        action: str,
        queue: str | QueueRef,
        type: QueueLookup | None,
        request_options: RequestOptions | None,
    ) -> QueueItem:
        resolved = wire.resolve_queue("queue", queue, type)
        return await self._client._request(
            "POST",
            f"/api/v1/queues/{resolved.segment}/pause",
            parse=decoder(QueueItem).decode,
            body={"type": resolved.type, "action": action},
            options=request_options,
        )

    async def override_concurrency_limit(
        self,
        queue: str | QueueRef,
        limit: int,
        *,
        type: QueueLookup | None = None,
        request_options: RequestOptions | None = None,
    ) -> QueueItem:
        """Replace a queue's concurrency limit until it is reset.

        Args:
            queue: A queue id, a task id or queue name (with ``type``), or a
                ``{"type": "task" | "custom", "name": ...}`` mapping.
            limit: The new limit, 0 to 100000. A limit above the environment's maximum is
                refused by the server (400), not capped.
            type: How to read a string ``queue``: ``"id"`` (the default), ``"task"`` or
                ``"custom"``.
            request_options: Per-call retry, timeout and header overrides.
        """
        resolved = wire.resolve_queue("queue", queue, type)
        body = {"type": resolved.type, "concurrencyLimit": wire.concurrency_limit(limit)}
        return await self._client._request(
            "POST",
            f"/api/v1/queues/{resolved.segment}/concurrency/override",
            parse=decoder(QueueItem).decode,
            body=body,
            options=request_options,
        )

    async def reset_concurrency_limit(
        self,
        queue: str | QueueRef,
        *,
        type: QueueLookup | None = None,
        request_options: RequestOptions | None = None,
    ) -> QueueItem:
        """Remove a concurrency override, returning the queue to the limit set in code.

        Args:
            queue: A queue id, a task id or queue name (with ``type``), or a
                ``{"type": "task" | "custom", "name": ...}`` mapping.
            type: How to read a string ``queue``: ``"id"`` (the default), ``"task"`` or
                ``"custom"``.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            BadRequestError: The queue has no override to reset.
        """
        resolved = wire.resolve_queue("queue", queue, type)
        return await self._client._request(
            "POST",
            f"/api/v1/queues/{resolved.segment}/concurrency/reset",
            parse=decoder(QueueItem).decode,
            body={"type": resolved.type},
            options=request_options,
        )


class AsyncQueuesWithRawResponse:
    """`AsyncQueues` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, queues: AsyncQueues) -> None:
        self.list = async_raw_response_wrapper(queues.list)
        self.retrieve = async_raw_response_wrapper(queues.retrieve)
        self.pause = async_raw_response_wrapper(queues.pause)
        self.resume = async_raw_response_wrapper(queues.resume)
        self.override_concurrency_limit = async_raw_response_wrapper(
            queues.override_concurrency_limit
        )
        self.reset_concurrency_limit = async_raw_response_wrapper(queues.reset_concurrency_limit)
