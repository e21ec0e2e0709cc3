"""`client.wait`: create, list, retrieve and complete waitpoint tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import wait as wire
from trigger.types.wait import CreatedWaitpointToken, WaitpointToken, WaitpointTokenCompletion

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncWait", "AsyncWaitWithRawResponse"]

_JWT_HEADER = "x-trigger-jwt"

TokenRef = str | CreatedWaitpointToken | WaitpointToken
"""A waitpoint token: its id, or the object a create, list or retrieve returned."""


def _token_id(token: TokenRef) -> str:
    if isinstance(token, (CreatedWaitpointToken, WaitpointToken)):
        return token.id
    return token


def _created_token(response: httpx.Response) -> CreatedWaitpointToken:
    token = decoder(CreatedWaitpointToken).decode(response.content)
    token.public_access_token = response.headers.get(_JWT_HEADER) or None
    return token


class AsyncWait:
    """Waitpoint tokens: ``client.wait``.

    A task pauses on a token with ``wait.forToken()``; these calls create the tokens and
    complete them from outside the task.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncWaitWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def create_token(
        self,
        *,
        timeout: str | datetime | None = None,
        idempotency_key: str | None = None,
        idempotency_key_ttl: str | timedelta | None = None,
        tags: str | Sequence[str] | None = None,
        request_options: RequestOptions | None = None,
    ) -> CreatedWaitpointToken:
        """Create a waitpoint token.

        Args:
            timeout: When the token times out: a duration from now (``"30s"`` … ``"4w"``),
                an aware `datetime` or an ISO-8601 string. Without it the token never times out.
            idempotency_key: Return the existing token created with this key (at most 2048
                characters) instead of a new one.
            idempotency_key_ttl: How long the idempotency key deduplicates, e.g. ``"1h"``.
            tags: One tag (sent as a string, as the official client sends it) or a list of
                up to 10 (each at most 128 characters).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The token's id and callback URL, and a public access token allowed to complete it.
        """
        body = wire.create_token_body(
            timeout=timeout,
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
            tags=tags,
        )
        return await self._client._request(
            "POST",
            "/api/v1/waitpoints/tokens",
            parse_response=_created_token,
            body=body,
            options=request_options,
        )

    def list_tokens(
        self,
        *,
        status: str | Sequence[str] | None = None,
        idempotency_key: str | None = None,
        tags: str | Sequence[str] | None = None,
        period: str | None = None,
        from_: datetime | int | str | None = None,
        to: datetime | int | str | None = None,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[WaitpointToken]:
        """List waitpoint tokens, newest first. Iterate the result to walk every page.

        Args:
            status: One status or several: ``WAITING``, ``COMPLETED``, ``TIMED_OUT``.
            idempotency_key: Tokens created with this idempotency key.
            tags: Tokens carrying these tag(s).
            period: Created within this period, e.g. ``"24h"`` (not with from_/to).
            from_: Created at or after (aware datetime, Unix ms, or ISO string).
            to: Created at or before.
            limit: Page size (1-100).
            after: Start after this cursor.
            before: End before this cursor.
            request_options: Per-call retry, timeout and header overrides.
        """
        query = wire.list_tokens_query(
            status=status,
            idempotency_key=idempotency_key,
            tags=tags,
            period=period,
            from_=from_,
            to=to,
            limit=limit,
            after=after,
            before=before,
        )
        return self._client._paginate(
            PageSpec("cursor", WaitpointToken, "/api/v1/waitpoints/tokens", query, request_options)
        )

    async def retrieve_token(
        self, token: TokenRef, *, request_options: RequestOptions | None = None
    ) -> WaitpointToken:
        """Retrieve a waitpoint token with its status and, once completed, its output.

        Args:
            token: The token (``waitpoint_…``) or a token object.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The token; `WaitpointToken.decode_output` decodes its output.
        """
        path = wire.token_path(_token_id(token))
        return await self._client._request(
            "GET", path, parse=decoder(WaitpointToken).decode, options=request_options
        )

    async def complete_token(
        self,
        token: TokenRef,
        data: Any = None,
        *,
        request_options: RequestOptions | None = None,
    ) -> WaitpointTokenCompletion:
        """Complete a waitpoint token, resuming the runs waiting on it.

        Completing a token that is already completed changes nothing.

        Args:
            token: The token (``waitpoint_…``) or a token object.
            data: Any JSON value, handed to the waiting run; ``None`` completes without data.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = wire.token_path(_token_id(token), "/complete")
        return await self._client._request(
            "POST",
            path,
            parse=decoder(WaitpointTokenCompletion).decode,
            body=wire.complete_body(data),
            options=request_options,
        )

    async def complete_token_via_callback(
        self,
        url: str | CreatedWaitpointToken | WaitpointToken,
        data: Mapping[str, Any] | None = None,
        *,
        request_options: RequestOptions | None = None,
    ) -> WaitpointTokenCompletion:
        """Complete a waitpoint token through its callback URL, without the API key.

        This is the request an external service makes with the token's ``url``; no
        ``Authorization`` header is sent, the hash in the URL authenticates the call (and
        is masked in logs).

        Args:
            url: The token's callback URL (or a token object holding it): any http(s) URL
                whose path ends in ``/api/v1/waitpoints/tokens/<id>/callback/<hash>``. Its
                host may be spelled differently from ``base_url`` (``localhost`` or
                ``127.0.0.1``, an internal or a public name): the completion is sent to this
                client's ``base_url``, so it never goes to a host you did not configure.
            data: The output handed to the waiting run: a JSON object (``{}`` when omitted).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: ``url`` is not an http(s) waitpoint callback URL.
        """
        target = url.url if isinstance(url, (CreatedWaitpointToken, WaitpointToken)) else url
        path = wire.callback_path(target)
        return await self._client._request(
            "POST",
            path,
            parse=decoder(WaitpointTokenCompletion).decode,
            body=wire.callback_body(data),
            options=request_options,
            authenticated=False,
        )


class AsyncWaitWithRawResponse:
    """`AsyncWait` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, wait: AsyncWait) -> None:
        self.create_token = async_raw_response_wrapper(wait.create_token)
        self.list_tokens = async_raw_response_wrapper(wait.list_tokens)
        self.retrieve_token = async_raw_response_wrapper(wait.retrieve_token)
        self.complete_token = async_raw_response_wrapper(wait.complete_token)
        self.complete_token_via_callback = async_raw_response_wrapper(
            wait.complete_token_via_callback
        )
