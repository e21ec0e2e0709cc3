"""`client.tasks`: trigger one run of a task, or a batch of runs of one task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import path_segment
from trigger._wire import tasks as wire
from trigger._wire.idempotency import guard_options, retry_guard
from trigger._wire.payloads import encode_payload
from trigger.types.tasks import TriggerResult

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient
    from trigger.types.batch import BatchTriggerResult

__all__ = ["AsyncTasks", "AsyncTasksWithRawResponse"]

_ITEM_KEYS = frozenset({"payload", "options"})


def _trigger_result(response: httpx.Response) -> TriggerResult:
    result = decoder(TriggerResult).decode(response.content)
    token = response.headers.get("x-trigger-jwt")
    return msgspec.structs.replace(result, public_access_token=token) if token else result


def _own_trigger_result(response: httpx.Response) -> TriggerResult:
    # The key was this call's own: a run found by it was started by an earlier attempt of
    # this very call, so for the caller it is new (as the server's request cache would say).
    result = _trigger_result(response)
    return msgspec.structs.replace(result, is_cached=False) if result.is_cached else result


class AsyncTasks:
    """Triggering tasks: ``client.tasks``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncTasksWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def trigger(
        self,
        task_id: str,
        payload: Any = None,
        *,
        idempotency_key: str | Sequence[str] | None = None,
        idempotency_key_ttl: str | timedelta | None = None,
        delay: str | datetime | timedelta | None = None,
        ttl: str | int | timedelta | None = None,
        tags: str | Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        queue: str | wire.QueueOptions | None = None,
        concurrency: str | Sequence[str] | None = None,
        concurrency_key: str | int | None = None,
        machine: wire.MachinePreset | None = None,
        max_attempts: int | None = None,
        max_duration: float | timedelta | None = None,
        version: str | None = None,
        priority: float | None = None,
        debounce: wire.DebounceOptions | None = None,
        region: str | None = None,
        test: bool | None = None,
        external_deployment_id: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> TriggerResult:
        """Start a run of a task.

        JSON payloads are sent as they are; payloads with datetimes, sets, big integers and
        the like go as superjson so a TypeScript task gets real ``Date``/``Set``/``BigInt``
        values (see `trigger._wire.payloads`). A payload of 128 KiB or more (serialized) is
        uploaded to object storage first and the run receives a reference to it.

        A retried trigger never starts a second run. The server does not deduplicate
        requests by their ``x-trigger-request-idempotency-key``, only runs by their
        idempotency key, so without an ``idempotency_key`` the run gets one made for this
        call: ``request-<the call's request idempotency key>`` with a TTL of 24 hours, the
        same on every attempt. An attempt whose answer was lost (connection reset, timeout)
        may have started the run; the retry then gets that run back. What it shows: the run
        carries that key (``runs.list`` shows it as ``idempotency_key``, the dashboard
        too); the result still says ``is_cached=False``, as the run was started by this
        call; a second call is a second run, unless both pass the same
        ``request_options={"idempotency_key": ...}``, which then dedupes them for 24 hours
        (as the header promises). A run that failed or expired frees its key, so a retry
        after such a quick failure starts a new run. With retries off
        (``request_options={"max_attempts": 1}``, or a client whose `RetryOptions` make
        one attempt) and no request key of yours, no key is added.

        Args:
            task_id: The task's identifier.
            payload: The run's payload (``None``: no payload).
            idempotency_key: Return the existing run triggered with this key instead of
                starting another; key parts are joined with ``-`` and hashed. A key from
                ``idempotency_keys.create`` is sent with its user key and scope.
            idempotency_key_ttl: How long the key holds: ``"30s"``, ``"15m"``, ``"1h"``,
                ``"7d"`` (one number, one unit: the only form the server reads) or a
                timedelta whole in one unit. Server default: 30 days.
            delay: Start no earlier than this: ``"30s"``, ``"1h30m"``, a timedelta, or an
                aware datetime.
            ttl: Expire the run unless it starts within this (``"10m"``, or int seconds).
            tags: Up to 10 tags of at most 128 characters.
            metadata: JSON metadata of the run.
            queue: The queue to run on, by name.
            concurrency: Named concurrency limits (`concurrency_limits`) this run holds
                instead of the ones its task declares: a name or a list of at most 2, each
                1-122 letters, digits, ``_`` or ``-`` (``[]``: none of them).
            concurrency_key: A per-key concurrency slot of the queue (e.g. a user id).
            machine: Machine preset: ``micro``, ``small-1x``, ``small-2x``, ``medium-1x``,
                ``medium-2x``, ``large-1x`` or ``large-2x``.
            max_attempts: Attempts in total (at least 1).
            max_duration: Maximum compute time, in seconds.
            version: Run on this worker version (default: ``TRIGGER_VERSION`` if set).
            priority: Queue priority, a time offset in seconds (higher runs sooner).
            debounce: ``{"key": ..., "delay": "5s", "mode": "trailing", "max_delay": "1m"}``.
            region: The region to run in.
            test: Mark the run as a test run.
            external_deployment_id: An external deployment id recorded with the run.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The run id, whether an existing run was returned for the idempotency key, and a
            public access token that can read the run.

        Raises:
            TypeError: An argument has the wrong type, or the payload holds a value that
                cannot be sent (nothing is sent).
            ValueError: An argument is out of range (nothing is sent).
        """
        path = f"/api/v1/tasks/{path_segment('task_id', task_id)}/trigger"
        options = wire.trigger_options_to_wire(
            {
                "idempotency_key": idempotency_key,
                "idempotency_key_ttl": idempotency_key_ttl,
                "delay": delay,
                "ttl": ttl,
                "tags": tags,
                "metadata": metadata,
                "queue": queue,
                "concurrency": concurrency,
                "concurrency_key": concurrency_key,
                "machine": machine,
                "max_attempts": max_attempts,
                "max_duration": max_duration,
                "version": version,
                "priority": priority,
                "debounce": debounce,
                "region": region,
                "test": test,
                "external_deployment_id": external_deployment_id,
            },
            name="",
        )
        encoded = encode_payload(payload)
        sent_options, retry_key = retry_guard(self._client.retry, request_options)
        own_key = retry_key is not None and guard_options(options, retry_key)
        encoded = await self._client.packets.offload(
            task_id, encoded, request_options=request_options
        )
        return await self._client._request(
            "POST",
            path,
            parse_response=_own_trigger_result if own_key else _trigger_result,
            body=wire.trigger_body(encoded, options),
            options=sent_options,
        )

    async def batch_trigger(
        self,
        task_id: str,
        items: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str | Sequence[str] | None = None,
        idempotency_key_ttl: str | timedelta | None = None,
        request_options: RequestOptions | None = None,
    ) -> BatchTriggerResult:
        """Trigger many runs of one task in one batch (the same as ``batch.trigger``).

        Args:
            task_id: The task's identifier.
            items: The runs: ``[{"payload": {...}, "options": {"tags": ["a"]}}, ...]``;
                ``options`` takes the keyword options of `trigger` as a mapping.
            idempotency_key: Makes the batch idempotent; items without their own key get
                one derived from it and their index.
            idempotency_key_ttl: How long the derived item keys hold, e.g. ``"1h"`` (one
                number and one unit, or a timedelta whole in one unit).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The batch id, its run count, whether it was cached, and a public access token.

        Raises:
            TypeError: An item is not a mapping of ``payload``/``options`` (nothing is sent).
            ValueError: An item or option is invalid, or there are no items (nothing is
                sent).
        """
        path_segment("task_id", task_id)
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
            raise TypeError("items must be a sequence of {'payload', 'options'} mappings")
        batch_items: list[Any] = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise TypeError(f"items[{index}] must be a mapping, not {type(item).__name__}")
            unknown = set(item) - _ITEM_KEYS
            if unknown:
                keys = ", ".join(sorted(map(str, unknown)))
                raise TypeError(
                    f"items[{index}] has unknown keys: {keys} (an item holds payload, options)"
                )
            batch_items.append({"task": task_id, **item})
        return await self._client.batch.trigger(
            batch_items,
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
            request_options=request_options,
        )


class AsyncTasksWithRawResponse:
    """`AsyncTasks` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, tasks: AsyncTasks) -> None:
        self.trigger = async_raw_response_wrapper(tasks.trigger)
