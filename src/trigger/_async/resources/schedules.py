"""`client.schedules`: create, list, retrieve, update, delete, (de)activate, timezones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import path_segment
from trigger._wire import schedules as wire
from trigger._wire.queues import offset_page_query
from trigger.types.runs import IdResponse
from trigger.types.schedules import Schedule, Timezones

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncSchedules", "AsyncSchedulesWithRawResponse"]


def _schedule_path(schedule_id: str, suffix: str = "") -> str:
    return f"/api/v1/schedules/{path_segment('schedule_id', schedule_id)}{suffix}"


class AsyncSchedules:
    """The schedules API: ``client.schedules``.

    Only ``IMPERATIVE`` schedules (made through the API or the dashboard) can be updated or
    deleted; ``DECLARATIVE`` ones are defined in code.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncSchedulesWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def create(
        self,
        *,
        task: str,
        cron: str,
        deduplication_key: str,
        external_id: str | None = None,
        timezone: str | None = None,
        window: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Schedule:
        """Create an ``IMPERATIVE`` schedule, or update the one with this deduplication key.

        Args:
            task: The scheduled task to trigger.
            cron: A five-field cron expression, e.g. ``"0 9 * * 1-5"``.
            deduplication_key: Your key for this schedule; creating again with the same key
                updates the existing schedule instead of adding one.
            external_id: Your own id for it (a user or organisation id, for example).
            timezone: IANA timezone to read ``cron`` in (default ``UTC``), e.g.
                ``"America/New_York"``; see `timezones`.
            window: Spread each run's start by a stable offset within this window: whole
                minutes or hours up to 24 h (``"30m"``, ``"2h"``) or a percentage of the cron
                interval (``"50%"``).
            request_options: Per-call retry, timeout and header overrides.
        """
        body = wire.create_schedule_body(
            task=task,
            cron=cron,
            deduplication_key=deduplication_key,
            external_id=external_id,
            timezone=timezone,
            window=window,
        )
        return await self._client._request(
            "POST",
            "/api/v1/schedules",
            parse=decoder(Schedule).decode,
            body=body,
            options=request_options,
        )

    def list(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[Schedule]:
        """List the schedules of the environment. Iterate the result to walk every page.

        Args:
            page: The 1-based page to start from.
            per_page: Schedules per page (the server caps it at 100; default 20).
            request_options: Per-call retry, timeout and header overrides.
        """
        query = offset_page_query(page=page, per_page=per_page)
        return self._client._paginate(
            PageSpec("offset", Schedule, "/api/v1/schedules", query, request_options)
        )

    async def retrieve(
        self, schedule_id: str, *, request_options: RequestOptions | None = None
    ) -> Schedule:
        """Retrieve a schedule.

        Args:
            schedule_id: The schedule (``sched_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET",
            _schedule_path(schedule_id),
            parse=decoder(Schedule).decode,
            options=request_options,
        )

    async def update(
        self,
        schedule_id: str,
        *,
        task: str,
        cron: str,
        external_id: str | None = None,
        timezone: str | None = None,
        window: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Schedule:
        """Replace an ``IMPERATIVE`` schedule's task, cron expression and options.

        Args:
            schedule_id: The schedule (``sched_…``).
            task: The scheduled task to trigger.
            cron: A five-field cron expression, e.g. ``"0 9 * * 1-5"``.
            external_id: Your own id for it.
            timezone: IANA timezone to read ``cron`` in (default ``UTC``).
            window: Spread of each run's start: ``"30m"``, ``"2h"`` (up to 24 h) or ``"50%"``.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = _schedule_path(schedule_id)
        body = wire.update_schedule_body(
            task=task, cron=cron, external_id=external_id, timezone=timezone, window=window
        )
        return await self._client._request(
            "PUT", path, parse=decoder(Schedule).decode, body=body, options=request_options
        )

    async def delete(
        self, schedule_id: str, *, request_options: RequestOptions | None = None
    ) -> IdResponse:
        """Delete an ``IMPERATIVE`` schedule; returns its id.

        Args:
            schedule_id: The schedule (``sched_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "DELETE",
            _schedule_path(schedule_id),
            parse=decoder(IdResponse).decode,
            options=request_options,
        )

    async def activate(
        self, schedule_id: str, *, request_options: RequestOptions | None = None
    ) -> Schedule:
        """Activate a schedule, so it triggers runs again.

        Args:
            schedule_id: The schedule (``sched_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "POST",
            _schedule_path(schedule_id, "/activate"),
            parse=decoder(Schedule).decode,
            options=request_options,
        )

    async def deactivate(
        self, schedule_id: str, *, request_options: RequestOptions | None = None
    ) -> Schedule:
        """Deactivate a schedule: it triggers no runs until it is activated again.

        Args:
            schedule_id: The schedule (``sched_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "POST",
            _schedule_path(schedule_id, "/deactivate"),
            parse=decoder(Schedule).decode,
            options=request_options,
        )

    async def timezones(
        self, *, exclude_utc: bool = False, request_options: RequestOptions | None = None
    ) -> Timezones:
        """The IANA timezones a schedule accepts, ``UTC`` first; needs no API key.

        Args:
            exclude_utc: Leave ``UTC`` out of the list.
            request_options: Per-call retry, timeout and header overrides.
        """
        # Sent without Authorization: the endpoint is public. The official client retries it
        # on statuses only, with its fallback policy (3 attempts, factor 2). We apply the
        # client's own policy instead, so one setting (and request_options) governs every
        # call, network failures included: retrying a public GET is always safe.
        return await self._client._request(
            "GET",
            "/api/v1/timezones",
            parse=decoder(Timezones).decode,
            query=wire.timezones_query(exclude_utc),
            options=request_options,
            authenticated=False,
        )


class AsyncSchedulesWithRawResponse:
    """`AsyncSchedules` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, schedules: AsyncSchedules) -> None:
        self.create = async_raw_response_wrapper(schedules.create)
        self.list = async_raw_response_wrapper(schedules.list)
        self.retrieve = async_raw_response_wrapper(schedules.retrieve)
        self.update = async_raw_response_wrapper(schedules.update)
        self.delete = async_raw_response_wrapper(schedules.delete)
        self.activate = async_raw_response_wrapper(schedules.activate)
        self.deactivate = async_raw_response_wrapper(schedules.deactivate)
        self.timezones = async_raw_response_wrapper(schedules.timezones)
