"""`client.errors`: error groups (failed runs grouped by fingerprint) and their lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import path_segment
from trigger._wire import errors as wire
from trigger.types.errors import ErrorGroup, ListedErrorGroup

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncErrors", "AsyncErrorsWithRawResponse"]


def _error_path(error_id: str, action: str | None = None) -> str:
    path = f"/api/v1/errors/{path_segment('error_id', error_id)}"
    return path if action is None else f"{path}/{action}"


class AsyncErrors:
    """The error-groups API: ``client.errors``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncErrorsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    def list(
        self,
        *,
        task_identifier: str | Sequence[str] | None = None,
        version: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        search: str | None = None,
        period: str | None = None,
        from_: datetime | int | str | None = None,
        to: datetime | int | str | None = None,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[ListedErrorGroup]:
        """List the environment's error groups. Iterate the result to walk every page.

        Occurrence counts cover the requested time range.

        Args:
            task_identifier: Task id(s).
            version: Worker version(s) the errors occurred in.
            status: ``"unresolved"``, ``"resolved"``, ``"ignored"``, or several of them.
            search: Free text matched against the error type and message (at most 1000
                characters).
            period: Count occurrences within this period, e.g. ``"7d"`` (not with from_/to).
            from_: Start of the range: an aware datetime (sent as ISO 8601), Unix
                milliseconds, or an ISO string.
            to: End of the range, in the same forms.
            limit: Page size (1-100).
            after: Start after this cursor.
            before: End before this cursor.
            request_options: Per-call retry, timeout and header overrides.
        """
        query = wire.list_errors_query(
            task_identifier=task_identifier,
            version=version,
            status=status,
            search=search,
            period=period,
            from_=from_,
            to=to,
            limit=limit,
            after=after,
            before=before,
        )
        return self._client._paginate(
            PageSpec("cursor", ListedErrorGroup, "/api/v1/errors", query, request_options)
        )

    async def retrieve(
        self, error_id: str, *, request_options: RequestOptions | None = None
    ) -> ErrorGroup:
        """Retrieve an error group with its lifecycle state and affected versions.

        Args:
            error_id: The error group (``error_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET", _error_path(error_id), parse=decoder(ErrorGroup).decode, options=request_options
        )

    async def resolve(
        self,
        error_id: str,
        *,
        resolved_in_version: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> ErrorGroup:
        """Mark an error group as resolved.

        Args:
            error_id: The error group (``error_…``).
            resolved_in_version: The worker version that fixes it.
            request_options: Per-call retry, timeout and header overrides.
        """
        body = wire.resolve_body(resolved_in_version)
        return await self._client._request(
            "POST",
            _error_path(error_id, "resolve"),
            parse=decoder(ErrorGroup).decode,
            body=body,
            options=request_options,
        )

    async def ignore(
        self,
        error_id: str,
        *,
        duration: int | timedelta | None = None,
        occurrence_rate: float | None = None,
        total_occurrences: int | None = None,
        reason: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> ErrorGroup:
        """Ignore an error group, indefinitely or until a time or threshold passes.

        Args:
            error_id: The error group (``error_…``).
            duration: How long to ignore it: milliseconds (> 0) or a `timedelta`.
            occurrence_rate: Re-surface it once it occurs more than this many times a minute.
            total_occurrences: Re-surface it after this many new occurrences.
            reason: Why it is ignored (at most 1000 characters).
            request_options: Per-call retry, timeout and header overrides.
        """
        body = wire.ignore_body(
            duration=duration,
            occurrence_rate=occurrence_rate,
            total_occurrences=total_occurrences,
            reason=reason,
        )
        return await self._client._request(
            "POST",
            _error_path(error_id, "ignore"),
            parse=decoder(ErrorGroup).decode,
            body=body,
            options=request_options,
        )

    async def unresolve(
        self, error_id: str, *, request_options: RequestOptions | None = None
    ) -> ErrorGroup:
        """Move a resolved or ignored error group back to unresolved.

        Args:
            error_id: The error group (``error_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "POST",
            _error_path(error_id, "unresolve"),
            parse=decoder(ErrorGroup).decode,
            options=request_options,
        )


class AsyncErrorsWithRawResponse:
    """`AsyncErrors` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, errors: AsyncErrors) -> None:
        self.list = async_raw_response_wrapper(errors.list)
        self.retrieve = async_raw_response_wrapper(errors.retrieve)
        self.resolve = async_raw_response_wrapper(errors.resolve)
        self.ignore = async_raw_response_wrapper(errors.ignore)
        self.unresolve = async_raw_response_wrapper(errors.unresolve)
