"""`client.deployments`: list, retrieve, current, latest, promote."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import path_segment
from trigger._wire import deployments as wire
from trigger.types.deployments import (
    Deployment,
    LatestDeployment,
    ListedDeployment,
    PromotedDeployment,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncDeployments", "AsyncDeploymentsWithRawResponse"]


class AsyncDeployments:
    """The deployments of the client's environment: ``client.deployments``.

    These endpoints take a secret key; the key's environment is the one listed and promoted.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncDeploymentsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    def list(
        self,
        *,
        status: str | None = None,
        period: str | None = None,
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        limit: int | None = None,
        after: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[ListedDeployment]:
        """List deployments, newest first. Iterate the result to walk every page.

        Pages go forward only: the server gives no cursor to a previous page.

        Args:
            status: One status: ``PENDING``, ``BUILDING``, ``DEPLOYING``, ``DEPLOYED``,
                ``FAILED``, ``CANCELED`` or ``TIMED_OUT``.
            period: Created within this period, e.g. ``"7d"`` or ``"3h"`` (not with from_/to).
            from_: Created at or after (aware datetime or ISO-8601 string); needs ``to``.
            to: Created at or before; needs ``from_``.
            limit: Page size, 1-100 (the server returns at least 5 per page).
            after: Start after this cursor (a ``pagination.next`` value).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: An unknown status, a lone ``from_`` or ``to``, period with from_/to,
                or a limit outside 1-100.
        """
        query = wire.list_deployments_query(
            status=status, period=period, from_=from_, to=to, limit=limit, after=after
        )
        return self._client._paginate(
            PageSpec("cursor", ListedDeployment, "/api/v1/deployments", query, request_options)
        )

    async def retrieve(
        self, deployment_id: str, *, request_options: RequestOptions | None = None
    ) -> Deployment:
        """Retrieve a deployment with its worker, tasks and build details.

        Args:
            deployment_id: The deployment's id.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: There is no such deployment.
        """
        path = f"/api/v1/deployments/{path_segment('deployment_id', deployment_id)}"
        return await self._client._request(
            "GET", path, parse=decoder(Deployment).decode, options=request_options
        )

    async def retrieve_current(
        self, *, request_options: RequestOptions | None = None
    ) -> ListedDeployment:
        """Retrieve the deployment currently serving new runs of the environment.

        Args:
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: No deployment is current.
        """
        return await self._client._request(
            "GET",
            "/api/v1/deployments/current",
            parse=decoder(ListedDeployment).decode,
            options=request_options,
        )

    async def retrieve_latest(
        self, *, request_options: RequestOptions | None = None
    ) -> LatestDeployment:
        """Retrieve the latest unmanaged deployment of the project.

        Args:
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: There is no deployment.
        """
        return await self._client._request(
            "GET",
            "/api/v1/deployments/latest",
            parse=decoder(LatestDeployment).decode,
            options=request_options,
        )

    async def promote(
        self,
        version: str,
        *,
        allow_rollbacks: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> PromotedDeployment:
        """Make a deployed version the current one for new runs of the environment.

        Args:
            version: The version to promote, e.g. ``"20250228.1"``.
            allow_rollbacks: Allow promoting a version older than the current one.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            BadRequestError: The version cannot be promoted.
            NotFoundError: There is no deployment of that version.
        """
        path = f"/api/v1/deployments/{path_segment('version', version)}/promote"
        return await self._client._request(
            "POST",
            path,
            parse=decoder(PromotedDeployment).decode,
            query=wire.promote_query(allow_rollbacks),
            options=request_options,
        )


class AsyncDeploymentsWithRawResponse:
    """`AsyncDeployments` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, deployments: AsyncDeployments) -> None:
        self.list = async_raw_response_wrapper(deployments.list)
        self.retrieve = async_raw_response_wrapper(deployments.retrieve)
        self.retrieve_current = async_raw_response_wrapper(deployments.retrieve_current)
        self.retrieve_latest = async_raw_response_wrapper(deployments.retrieve_latest)
        self.promote = async_raw_response_wrapper(deployments.promote)
