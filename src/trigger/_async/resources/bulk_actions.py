"""`client.runs.bulk`: cancel or replay many runs at once, and follow the bulk actions."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from trigger import _retry
from trigger._exceptions import PollTimeoutError
from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import check_number, check_str, path_segment
from trigger._wire import bulk_actions as wire
from trigger._wire.runs import page_query
from trigger.types.bulk_actions import BulkAction, BulkActionFilter
from trigger.types.runs import IdResponse

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncBulkActions", "AsyncBulkActionsWithRawResponse"]

_PATH = "/api/v1/bulk-actions"


class AsyncBulkActions:
    """The bulk-actions API: ``client.runs.bulk``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncBulkActionsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def create(
        self,
        *,
        action: wire.BulkActionType,
        filter: BulkActionFilter | None = None,
        run_ids: str | Sequence[str] | None = None,
        name: str | None = None,
        target_region: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> IdResponse:
        """Start a bulk action over the runs a filter selects, or over listed runs.

        The action runs in the background: follow it with `retrieve` or `poll`.

        Args:
            action: ``"cancel"`` or ``"replay"``.
            filter: The runs to act on (see `BulkActionFilter`); not with ``run_ids``.
            run_ids: The runs to act on (at least one; the server caps how many, 500 by
                default, and answers more with a 400); not with ``filter``.
            name: A name to recognise the bulk action by (at most 255 characters).
            target_region: For replays: the region to run the replays in (default: each
                run's own region).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The new bulk action's id (``bulk_…``).
        """
        body = wire.create_body(
            action=action, filter=filter, run_ids=run_ids, name=name, target_region=target_region
        )
        return await self._client._request(
            "POST", _PATH, parse=decoder(IdResponse).decode, body=body, options=request_options
        )

    async def cancel(
        self,
        *,
        filter: BulkActionFilter | None = None,
        run_ids: str | Sequence[str] | None = None,
        name: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> IdResponse:
        """Cancel every selected run that has not finished, in the background.

        Args:
            filter: The runs to cancel (see `BulkActionFilter`); not with ``run_ids``.
            run_ids: The runs to cancel (at least one; the server caps how many, 500 by
                default, and answers more with a 400); not with ``filter``.
            name: A name to recognise the bulk action by (at most 255 characters).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The new bulk action's id (``bulk_…``).
        """
        return await self.create(
            action="cancel",
            filter=filter,
            run_ids=run_ids,
            name=name,
            request_options=request_options,
        )

    async def replay(
        self,
        *,
        filter: BulkActionFilter | None = None,
        run_ids: str | Sequence[str] | None = None,
        name: str | None = None,
        target_region: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> IdResponse:
        """Replay every selected run (same payload and options), in the background.

        Args:
            filter: The runs to replay (see `BulkActionFilter`); not with ``run_ids``.
            run_ids: The runs to replay (at least one; the server caps how many, 500 by
                default, and answers more with a 400); not with ``filter``.
            name: A name to recognise the bulk action by (at most 255 characters).
            target_region: The region to run the replays in (default: each run's own).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The new bulk action's id (``bulk_…``).
        """
        return await self.create(
            action="replay",
            filter=filter,
            run_ids=run_ids,
            name=name,
            target_region=target_region,
            request_options=request_options,
        )

    def list(
        self,
        *,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[BulkAction]:
        """List the environment's bulk actions, newest first. Iterate to walk every page.

        Args:
            limit: Page size (1-100).
            after: Start after this cursor.
            before: End before this cursor.
            request_options: Per-call retry, timeout and header overrides.
        """
        query = page_query(limit=limit, after=after, before=before)
        return self._client._paginate(PageSpec("cursor", BulkAction, _PATH, query, request_options))

    async def retrieve(
        self, bulk_action_id: str, *, request_options: RequestOptions | None = None
    ) -> BulkAction:
        """Retrieve a bulk action: its status and how many runs it has processed.

        Args:
            bulk_action_id: The bulk action (``bulk_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"{_PATH}/{path_segment('bulk_action_id', bulk_action_id)}"
        return await self._client._request(
            "GET", path, parse=decoder(BulkAction).decode, options=request_options
        )

    async def abort(
        self, bulk_action_id: str, *, request_options: RequestOptions | None = None
    ) -> IdResponse:
        """Stop a pending bulk action; runs it already processed stay processed.

        Args:
            bulk_action_id: The bulk action (``bulk_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"{_PATH}/{path_segment('bulk_action_id', bulk_action_id)}/abort"
        return await self._client._request(
            "POST", path, parse=decoder(IdResponse).decode, options=request_options
        )

    async def poll(
        self,
        bulk_action_id: str,
        *,
        interval: float = 1.0,
        timeout: float | None = None,
        request_options: RequestOptions | None = None,
    ) -> BulkAction:
        """Retrieve a bulk action every ``interval`` seconds until it is no longer pending.

        Args:
            bulk_action_id: The bulk action (``bulk_…``).
            interval: Seconds between retrievals (at least 0.1).
            timeout: Give up after this many seconds (``None``: wait as long as it takes).
            request_options: Per-call retry, timeout and header overrides for each retrieve.

        Raises:
            PollTimeoutError: ``timeout`` passed while the bulk action was still pending
                (its ``object_id`` attribute holds the bulk action id).
        """
        check_str("bulk_action_id", bulk_action_id)
        check_number("interval", interval, minimum=0.1)
        if timeout is not None:
            check_number("timeout", timeout, minimum=0)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            bulk_action = await self.retrieve(bulk_action_id, request_options=request_options)
            if bulk_action.is_final:
                return bulk_action
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PollTimeoutError(
                        f"bulk action {bulk_action_id} is still {bulk_action.status} "
                        f"after {timeout} s",
                        object_id=bulk_action_id,
                        last_status=bulk_action.status,
                    )
                await _retry.async_sleep(min(interval, remaining))
            else:
                await _retry.async_sleep(interval)


class AsyncBulkActionsWithRawResponse:
    """`AsyncBulkActions` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, bulk_actions: AsyncBulkActions) -> None:
        self.create = async_raw_response_wrapper(bulk_actions.create)
        self.cancel = async_raw_response_wrapper(bulk_actions.cancel)
        self.replay = async_raw_response_wrapper(bulk_actions.replay)
        self.list = async_raw_response_wrapper(bulk_actions.list)
        self.retrieve = async_raw_response_wrapper(bulk_actions.retrieve)
        self.abort = async_raw_response_wrapper(bulk_actions.abort)
