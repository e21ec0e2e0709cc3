"""`client.auth`: public access tokens for browsers and other untrusted callers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from trigger._config import key_kind
from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import check_bool
from trigger._wire import auth as wire
from trigger.types.auth import (
    ExpirationTime,
    JWTClaims,
    PublicToken,
    PublicTokenPermissions,
    RealtimeOptions,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncAuth", "AsyncAuthWithRawResponse"]

_CLAIMS_PATH = "/api/v1/auth/jwt/claims"
_MINT_PATH = "/api/v1/auth/public-tokens"

_KIND_NAMES = {
    "personal_access_token": "a personal access token (tr_pat_…)",
    "public_key": "a public API key (pk_…)",
    "public_access_token": "a public access token (JWT)",
}


def _claims(content: bytes) -> dict[str, Any]:
    # Keep every claim the API sends (they all go into the token), but check the shape.
    claims = msgspec.json.decode(content, type=dict[str, Any])
    msgspec.convert(claims, JWTClaims)
    return claims


class AsyncAuth:
    """Public access tokens: ``client.auth``.

    A root secret key signs tokens locally (HS256) with claims fetched from the API; an
    additional secret key (``tr_{env}_sk_…``) has the API mint them.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncAuthWithRawResponse(self)
        """The same request methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def create_public_token(
        self,
        *,
        scopes: str | Sequence[str] | PublicTokenPermissions,
        expiration_time: ExpirationTime | None = None,
        one_time_use: bool | None = None,
        realtime: RealtimeOptions | None = None,
        request_options: RequestOptions | None = None,
    ) -> str:
        """Create a public access token carrying the given scopes.

        Args:
            scopes: Scope strings (``"read:runs:run_123"``, ``"read:tags:user_1"``) or a
                `PublicTokenPermissions` mapping such as ``{"read": {"runs": ["run_123"]}}``.
            expiration_time: A duration from now (``"1h"``, ``"2 days"``, a `timedelta`),
                Unix seconds, or an aware `datetime` (default 15 minutes); at most 30 days
                ahead with an additional key, whose tokens the API mints.
            one_time_use: Whether the token can be used only once.
            realtime: Realtime options, e.g. ``{"skip_columns": ["payload"]}``.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The token (a JWT).

        Raises:
            ValueError: The client's key is not a secret key, or an argument is invalid.
        """
        return await self._create(
            wire.scope_list(scopes), expiration_time, one_time_use, realtime, request_options
        )

    async def create_trigger_public_token(
        self,
        task_ids: str | Sequence[str],
        *,
        expiration_time: ExpirationTime | None = None,
        multiple_use: bool = False,
        realtime: RealtimeOptions | None = None,
        request_options: RequestOptions | None = None,
    ) -> str:
        """Create a token that may trigger the given task(s), once unless ``multiple_use``.

        Args:
            task_ids: One task id or several (scopes ``trigger:tasks:{id}``).
            expiration_time: A duration from now, Unix seconds, or an aware `datetime`
                (default 15 minutes); at most 30 days ahead with an additional key.
            multiple_use: Allow the token to be used more than once.
            realtime: Realtime options, e.g. ``{"skip_columns": ["payload"]}``.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The token (a JWT).

        Raises:
            ValueError: The client's key is not a secret key, or an argument is invalid.
        """
        scopes = wire.task_scopes("trigger", task_ids)
        one_time_use = not check_bool("multiple_use", multiple_use)
        return await self._create(scopes, expiration_time, one_time_use, realtime, request_options)

    async def create_batch_trigger_public_token(
        self,
        task_ids: str | Sequence[str],
        *,
        expiration_time: ExpirationTime | None = None,
        multiple_use: bool = False,
        realtime: RealtimeOptions | None = None,
        request_options: RequestOptions | None = None,
    ) -> str:
        """Create a token that may batch-trigger the given task(s), once unless ``multiple_use``.

        Args:
            task_ids: One task id or several (scopes ``batchTrigger:tasks:{id}``).
            expiration_time: A duration from now, Unix seconds, or an aware `datetime`
                (default 15 minutes); at most 30 days ahead with an additional key.
            multiple_use: Allow the token to be used more than once.
            realtime: Realtime options, e.g. ``{"skip_columns": ["payload"]}``.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The token (a JWT).

        Raises:
            ValueError: The client's key is not a secret key, or an argument is invalid.
        """
        scopes = wire.task_scopes("batchTrigger", task_ids)
        one_time_use = not check_bool("multiple_use", multiple_use)
        return await self._create(scopes, expiration_time, one_time_use, realtime, request_options)

    async def retrieve_jwt_claims(
        self, *, request_options: RequestOptions | None = None
    ) -> JWTClaims:
        """The claims the API wants in public tokens signed with this client's secret key.

        Args:
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "POST", _CLAIMS_PATH, parse=decoder(JWTClaims).decode, options=request_options
        )

    async def _create(
        self,
        scopes: list[str],
        expiration_time: ExpirationTime | None,
        one_time_use: bool | None,
        realtime: RealtimeOptions | None,
        request_options: RequestOptions | None,
    ) -> str:
        key = self._client._config.require_key()
        kind = key_kind(key)
        if kind != "secret_key":
            # Name the kind of credential, never the credential itself.
            raise ValueError(
                "public tokens can only be created with a secret key (tr_dev_…, tr_prod_…); "
                f"this client holds {_KIND_NAMES[kind]}"
            )
        now = wire.now_seconds()
        if wire.is_additional_secret_key(key):
            # Additional keys cannot sign: the API mints the token.
            body = wire.public_token_body(
                scopes=scopes,
                expiration_time=expiration_time,
                one_time_use=one_time_use,
                realtime=realtime,
                now=now,
            )
            minted = await self._client._request(
                "POST",
                _MINT_PATH,
                parse=decoder(PublicToken).decode,
                body=body,
                options=request_options,
            )
            return minted.token
        expires_at = wire.expiration_seconds(expiration_time, now)
        # Check every argument before the claims request.
        wire.signed_token_payload(
            claims={},
            scopes=scopes,
            one_time_use=one_time_use,
            realtime=realtime,
            issued_at=now,
            expires_at=expires_at,
        )
        claims = await self._client._request(
            "POST", _CLAIMS_PATH, parse=_claims, options=request_options
        )
        payload = wire.signed_token_payload(
            claims=claims,
            scopes=scopes,
            one_time_use=one_time_use,
            realtime=realtime,
            issued_at=now,
            expires_at=expires_at,
        )
        return wire.sign_jwt(payload, key)


class AsyncAuthWithRawResponse:
    """`AsyncAuth` request methods that return the `APIResponse` instead of the parsed data.

    The token methods have no raw twin: a root key's token is signed locally, not read
    from a response.
    """

    def __init__(self, auth: AsyncAuth) -> None:
        self.retrieve_jwt_claims = async_raw_response_wrapper(auth.retrieve_jwt_claims)
