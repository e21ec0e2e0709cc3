"""`client.idempotency_keys`: derive keys as the official SDK does, and reset them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from trigger._exceptions import NotFoundError
from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import check_str, path_segment
from trigger._wire.idempotency import (
    IdempotencyKey,
    IdempotencyKeyScope,
    create_idempotency_key,
    hash_idempotency_key,
    is_hashed_key,
)
from trigger.types.runs import IdResponse

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncIdempotencyKeys", "AsyncIdempotencyKeysWithRawResponse"]


class AsyncIdempotencyKeys:
    """Idempotency keys: ``client.idempotency_keys``.

    This SDK always runs outside a task, where the ``run`` and ``attempt`` scopes add
    nothing to a key: ``"order-42"`` and ``["order", "42"]`` give the same key whatever the
    scope. To rebuild a key that a task derived with those scopes, pass the task's run id
    (``parent_run_id``) and, for ``attempt``, its attempt number.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncIdempotencyKeysWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    def create(
        self,
        key: str | Sequence[str],
        *,
        scope: IdempotencyKeyScope = "run",
        parent_run_id: str | None = None,
        attempt_number: int | None = None,
    ) -> IdempotencyKey:
        """Derive an idempotency key locally (no request), exactly as the official SDK does.

        Pass the result as ``idempotency_key`` of a trigger or batch (it is sent unchanged)
        or keep the raw key: both give the same run. The result is the hex string itself (a
        ``str`` subclass equal to it) that also remembers the user key and scope, so a
        trigger with it sends them as ``idempotencyKeyOptions``, as the official SDK does,
        and the dashboard shows the key you gave.

        Args:
            key: One string or several parts, joined with ``-``.
            scope: ``run`` (default), ``attempt`` or ``global``.
            parent_run_id: The run whose task derived the key (``run``/``attempt`` scopes).
            attempt_number: The attempt that derived it (``attempt`` scope).

        Returns:
            The 64-character lower-case hex SHA-256 key, with ``user_key`` (the parts joined
            with ``-``) and ``scope`` attributes.

        Raises:
            TypeError: A key part is not a string.
            ValueError: The key is empty, or the scope arguments do not fit together.
        """
        # Like the official create(): every key is hashed, a 64-character one too.
        return create_idempotency_key(
            key, scope=scope, run_id=parent_run_id, attempt_number=attempt_number, name="key"
        )

    async def reset(
        self,
        task_identifier: str,
        key: str | Sequence[str],
        *,
        scope: IdempotencyKeyScope = "run",
        parent_run_id: str | None = None,
        attempt_number: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> IdResponse:
        """Release an idempotency key of a task, so the next trigger with it starts a new run.

        A key from `create` is reset as it is. Another 64-character key is tried as given
        first and, if the server knows no such key, as a raw key to hash.

        Args:
            task_identifier: The task the key was used with.
            key: The key, raw (hashed here) or as returned by `create`.
            scope: The scope it was derived with (see the class docs).
            parent_run_id: The run whose task derived the key (``run``/``attempt`` scopes).
            attempt_number: The attempt that derived it (``attempt`` scope).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The reset key's id.

        Raises:
            NotFoundError: No run of the task holds this key.
        """
        check_str("task_identifier", task_identifier)
        # A 64-character key is tried as it is first (it may be one create() made).
        hashed = hash_idempotency_key(
            key, scope=scope, run_id=parent_run_id, attempt_number=attempt_number, name="key"
        )
        body = {"taskIdentifier": task_identifier}
        if not is_hashed_key(key) or isinstance(key, IdempotencyKey):
            return await self._reset(hashed, body, request_options)
        try:
            return await self._reset(hashed, body, request_options)
        except NotFoundError:
            assert isinstance(key, str)
            fallback = hash_idempotency_key(
                [key], scope=scope, run_id=parent_run_id, attempt_number=attempt_number
            )
            return await self._reset(fallback, body, request_options)

    async def _reset(
        self, hashed: str, body: dict[str, str], request_options: RequestOptions | None
    ) -> IdResponse:
        path = f"/api/v1/idempotencyKeys/{path_segment('key', hashed)}/reset"
        return await self._client._request(
            "POST", path, parse=decoder(IdResponse).decode, body=body, options=request_options
        )


class AsyncIdempotencyKeysWithRawResponse:
    """`AsyncIdempotencyKeys` methods that return the `APIResponse` instead of the data."""

    def __init__(self, keys: AsyncIdempotencyKeys) -> None:
        self.reset = async_raw_response_wrapper(keys.reset)
