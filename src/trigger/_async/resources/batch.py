"""`client.batch`: two-phase batch trigger, item streams, retrieve, results, one-shot batches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import msgspec

from trigger._batch_errors import BatchNotSealedError, BatchTriggerError
from trigger._models import decoder
from trigger._response import APIResponse, async_raw_response_wrapper
from trigger._retry import RetryOptions
from trigger._types import RequestOptions
from trigger._validation import path_segment
from trigger._wire import batch as wire
from trigger._wire.payloads import encode_payload
from trigger.types.batch import (
    BatchResults,
    BatchTriggerResult,
    BatchTriggerV1Result,
    BatchTriggerV2Result,
    CreatedBatch,
    RetrievedBatch,
    RetrievedBatchV1,
    StreamBatchItemsResult,
    TaskBatchResult,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["STREAM_RETRY", "AsyncBatch", "AsyncBatchWithRawResponse"]

T = TypeVar("T")

STREAM_RETRY = RetryOptions(
    max_attempts=5, factor=2.0, min_timeout=1.0, max_timeout=30.0, randomize=True
)
"""The item stream's own retry policy (the official client's): 5 attempts, x2, 1-30 s."""

_JWT_HEADER = "x-trigger-jwt"
_STRATEGY_HEADER = "batch-processing-strategy"


def _with_token(response: httpx.Response, model: type[Any]) -> Any:
    data = decoder(model).decode(response.content)
    return msgspec.structs.replace(data, public_access_token=response.headers.get(_JWT_HEADER))


def _created(response: httpx.Response) -> CreatedBatch:
    created: CreatedBatch = _with_token(response, CreatedBatch)
    return created


def _triggered_v1(response: httpx.Response) -> BatchTriggerV1Result:
    result: BatchTriggerV1Result = _with_token(response, BatchTriggerV1Result)
    return result


def _triggered_v2(response: httpx.Response) -> BatchTriggerV2Result:
    result: BatchTriggerV2Result = _with_token(response, BatchTriggerV2Result)
    return result


def _task_batch(response: httpx.Response) -> TaskBatchResult:
    result: TaskBatchResult = _with_token(response, TaskBatchResult)
    return result


def _unsealed(result: StreamBatchItemsResult) -> bool:
    return not result.sealed


async def _byte_stream(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _with_header(options: RequestOptions | None, name: str, value: str) -> RequestOptions:
    merged: RequestOptions = dict(options or {})  # type: ignore[assignment]
    extra = {k: v for k, v in (merged.get("extra_headers") or {}).items() if k.lower() != name}
    merged["extra_headers"] = {**extra, name: value}
    return merged


class AsyncBatch:
    """The batches API: ``client.batch``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncBatchWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def trigger(
        self,
        items: Sequence[wire.BatchItem],
        *,
        idempotency_key: wire.IdempotencyKey | None = None,
        idempotency_key_ttl: str | timedelta | None = None,
        request_options: RequestOptions | None = None,
    ) -> BatchTriggerResult:
        """Trigger a batch of runs, of one task or several, as the official SDK does.

        Three steps: payloads of 128 KiB or more are uploaded (offloaded); the batch is
        created (``POST /api/v3/batches``); then, unless the idempotency key names an
        existing batch, the items are streamed as NDJSON, lazily and in chunks, so a batch
        of any length is sent in bounded memory. The stream has its own retry policy
        (5 attempts, factor 2, 1-30 s, jittered) and is re-sent whole when the server did
        not seal the batch (it deduplicates items by index).

        The SDK does not cap the batch size: the server does (1,000 items by default, set
        by the deployment's ``STREAMING_BATCH_MAX_ITEMS``) and refuses a larger batch at
        creation, before any item is sent; that surfaces as a `BatchTriggerError` of phase
        ``"create"`` whose cause is a `BadRequestError`.

        Args:
            items: The runs, e.g. ``[{"task": "send-email", "payload": {...}}]``; each may
                have ``options`` (snake_case, as for `tasks.trigger`). A non-empty sequence.
            idempotency_key: Makes the batch idempotent: a key (or key parts) hashed as the
                official SDK does. Items without their own key get one derived from it and
                their index.
            idempotency_key_ttl: How long the item keys last (e.g. ``"1h"``); items without
                their own TTL that carry a key get this one.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The batch id, its run count, whether it was cached, and a public access token.

        Raises:
            TypeError: An argument or item has the wrong type (nothing is sent).
            ValueError: An argument or item is invalid, or ``items`` is empty (nothing is
                sent).
            BatchTriggerError: A step failed; ``phase`` names it, ``__cause__`` is the
                underlying error (an `APIError` or a `BatchNotSealedError`).
        """
        plan = wire.plan_batch(
            items,
            indexed=False,
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
        )
        body = wire.create_body(
            plan.count,
            task_identifiers=plan.task_identifiers,
            parent_run_id=None,
            resume_parent_on_completion=None,
            key=plan.key,
        )
        try:
            await self._offload(plan, request_options)
        except Exception as exc:
            raise BatchTriggerError.wrap(exc, phase="offload", item_count=plan.count) from exc
        try:
            created = await self._client._request(
                "POST",
                "/api/v3/batches",
                parse_response=_created,
                body=body,
                options=request_options,
            )
        except Exception as exc:
            raise BatchTriggerError.wrap(exc, phase="create", item_count=plan.count) from exc
        if not created.is_cached:
            try:
                await self._stream(created.id, plan, request_options)
            except Exception as exc:
                raise BatchTriggerError.wrap(
                    exc, phase="stream", item_count=plan.count, batch_id=created.id
                ) from exc
        return BatchTriggerResult(
            id=created.id,
            run_count=created.run_count,
            is_cached=created.is_cached,
            idempotency_key=created.idempotency_key,
            public_access_token=created.public_access_token,
        )

    trigger_by_task = trigger
    """The same as `trigger` (the official SDK's ``batch.triggerByTask``)."""

    async def create(
        self,
        run_count: int,
        *,
        task_identifiers: Sequence[str] | None = None,
        parent_run_id: str | None = None,
        resume_parent_on_completion: bool | None = None,
        idempotency_key: wire.IdempotencyKey | None = None,
        request_options: RequestOptions | None = None,
    ) -> CreatedBatch:
        """Create a batch that expects ``run_count`` items (phase 1; see `stream_items`).

        Args:
            run_count: How many items will be streamed (at least 1; the server caps it,
                1,000 by default).
            task_identifiers: The tasks the items will run (sent deduplicated and sorted).
            parent_run_id: A run to attach the batch to.
            resume_parent_on_completion: Resume that parent run when the batch completes.
            idempotency_key: A key (or key parts) hashed as the official SDK does; an
                existing batch with the same key is returned with ``is_cached`` set.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The batch id, its run count, ``is_cached`` and a public access token.
        """
        key = (
            None if idempotency_key is None else wire.batch_key("idempotency_key", idempotency_key)
        )
        body = wire.create_body(
            run_count,
            task_identifiers=task_identifiers,
            parent_run_id=parent_run_id,
            resume_parent_on_completion=resume_parent_on_completion,
            key=key,
        )
        return await self._client._request(
            "POST", "/api/v3/batches", parse_response=_created, body=body, options=request_options
        )

    async def stream_items(
        self,
        batch_id: str,
        items: Sequence[wire.IndexedBatchItem],
        *,
        idempotency_key: wire.IdempotencyKey | None = None,
        idempotency_key_ttl: str | timedelta | None = None,
        request_options: RequestOptions | None = None,
    ) -> StreamBatchItemsResult:
        """Stream the items of a batch made by `create` (phase 2), sealing it.

        Items are sent as NDJSON, lazily and in chunks; large payloads are offloaded
        first. The stream is retried whole (5 attempts, factor 2, 1-30 s, jittered) on
        failures and while the server answers that the batch is not sealed; sending the
        same items again is safe, the server deduplicates them by index.

        Args:
            batch_id: The batch (``batch_…``).
            items: The items; each may carry its ``index`` (default: its position).
            idempotency_key: The batch's key, to derive the keys of items without their own
                (as `trigger` does).
            idempotency_key_ttl: How long the item keys last (e.g. ``"1h"``).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            How many items were accepted and deduplicated; ``sealed`` is true.

        Raises:
            BatchNotSealedError: The batch was still not sealed after the last attempt.
        """
        path_segment("batch_id", batch_id)
        plan = wire.plan_batch(
            items,
            indexed=True,
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
        )
        await self._offload(plan, request_options)
        return await self._stream(batch_id, plan, request_options)

    async def retrieve(
        self, batch_id: str, *, request_options: RequestOptions | None = None
    ) -> RetrievedBatch:
        """Retrieve a batch: its status, runs and per-item processing errors.

        Args:
            batch_id: The batch (``batch_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v2/batches/{path_segment('batch_id', batch_id)}"
        return await self._client._request(
            "GET", path, parse=decoder(RetrievedBatch).decode, options=request_options
        )

    async def retrieve_v1(
        self, batch_id: str, *, request_options: RequestOptions | None = None
    ) -> RetrievedBatchV1:
        """Retrieve a batch through the documented v1 route (with run success counts).

        Args:
            batch_id: The batch (``batch_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/batches/{path_segment('batch_id', batch_id)}"
        return await self._client._request(
            "GET", path, parse=decoder(RetrievedBatchV1).decode, options=request_options
        )

    async def results(
        self, batch_id: str, *, request_options: RequestOptions | None = None
    ) -> BatchResults:
        """The results of a batch's finished runs (runs still executing are left out).

        Args:
            batch_id: The batch (``batch_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/batches/{path_segment('batch_id', batch_id)}/results"
        return await self._client._request(
            "GET", path, parse=decoder(BatchResults).decode, options=request_options
        )

    async def trigger_v1(
        self,
        items: Sequence[wire.BatchItem],
        *,
        parent_run_id: str | None = None,
        resume_parent_on_completion: bool | None = None,
        processing_strategy: wire.ProcessingStrategy | None = None,
        request_options: RequestOptions | None = None,
    ) -> BatchTriggerV1Result:
        """Trigger a batch in one request through the older ``POST /api/v1/tasks/batch``.

        The server caps the item count (500 by default) and the body size (1 MB by
        default); `trigger` has neither limit. Payloads of 128 KiB or more are offloaded.

        Args:
            items: The runs, e.g. ``[{"task": "send-email", "payload": {...}}]``.
            parent_run_id: A run to attach the batch to.
            resume_parent_on_completion: Resume that parent run when the batch completes.
            processing_strategy: ``"parallel"`` or ``"sequential"`` (the
                ``batch-processing-strategy`` header).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The batch id and one handle per run.
        """
        return await self._one_shot(
            "/api/v1/tasks/batch",
            items,
            _triggered_v1,
            parent_run_id=parent_run_id,
            resume_parent_on_completion=resume_parent_on_completion,
            processing_strategy=processing_strategy,
            request_options=request_options,
        )

    async def trigger_v2(
        self,
        items: Sequence[wire.BatchItem],
        *,
        parent_run_id: str | None = None,
        resume_parent_on_completion: bool | None = None,
        processing_strategy: wire.ProcessingStrategy | None = None,
        request_options: RequestOptions | None = None,
    ) -> BatchTriggerV2Result:
        """Trigger a batch in one request through ``POST /api/v2/tasks/batch``.

        The server caps the item count (500 by default) and the body size (1 MB by
        default); `trigger` has neither limit. A retried request is deduplicated by the
        request idempotency key. Payloads of 128 KiB or more are offloaded.

        Args:
            items: The runs, e.g. ``[{"task": "send-email", "payload": {...}}]``.
            parent_run_id: A run to attach the batch to.
            resume_parent_on_completion: Resume that parent run when the batch completes.
            processing_strategy: ``"parallel"`` or ``"sequential"`` (the
                ``batch-processing-strategy`` header).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The batch id, its run count and a public access token.
        """
        return await self._one_shot(
            "/api/v2/tasks/batch",
            items,
            _triggered_v2,
            parent_run_id=parent_run_id,
            resume_parent_on_completion=resume_parent_on_completion,
            processing_strategy=processing_strategy,
            request_options=request_options,
        )

    async def trigger_task_v1(
        self,
        task_id: str,
        items: Sequence[wire.TaskBatchItem],
        *,
        request_options: RequestOptions | None = None,
    ) -> TaskBatchResult:
        """Trigger up to 100 runs of one task through ``POST /api/v1/tasks/{id}/batch``.

        Args:
            task_id: The task every item runs.
            items: 1 to 100 items, e.g. ``[{"payload": {...}, "options": {...}}]``.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The batch id and the run ids, in item order.

        Raises:
            ValueError: More than 100 items (the server's cap), or an invalid item; nothing
                is sent.
        """
        path = f"/api/v1/tasks/{path_segment('task_id', task_id)}/batch"
        checked, large = wire.check_one_shot_items(
            items, with_task=False, maximum=wire.TASK_BATCH_MAX_ITEMS
        )
        offloaded = await self._offload_items(checked, large, lambda _: task_id, request_options)
        body = {
            "items": [
                wire.one_shot_item(
                    f"items[{i}]",
                    item,
                    offloaded.get(i) or encode_payload(item.get("payload")),
                    with_task=False,
                )
                for i, item in enumerate(checked)
            ]
        }
        return await self._client._request(
            "POST", path, parse_response=_task_batch, body=body, options=request_options
        )

    # -- internals --------------------------------------------------------------------------

    async def _one_shot(
        self,
        path: str,
        items: Sequence[wire.BatchItem],
        parse_response: Callable[[httpx.Response], T],
        *,
        parent_run_id: str | None,
        resume_parent_on_completion: bool | None,
        processing_strategy: wire.ProcessingStrategy | None,
        request_options: RequestOptions | None,
    ) -> T:
        checked, large = wire.check_one_shot_items(items, with_task=True)
        fields = wire.parent_fields(parent_run_id, resume_parent_on_completion)
        options = request_options
        if processing_strategy is not None:
            strategy = wire.processing_strategy(processing_strategy)
            options = _with_header(request_options, _STRATEGY_HEADER, strategy)
        offloaded = await self._offload_items(
            checked, large, lambda i: str(checked[i]["task"]), request_options
        )
        body = {
            "items": [
                wire.one_shot_item(
                    f"items[{i}]",
                    item,
                    offloaded.get(i) or encode_payload(item.get("payload")),
                    with_task=True,
                )
                for i, item in enumerate(checked)
            ],
            **fields,
        }
        return await self._client._request(
            "POST", path, parse_response=parse_response, body=body, options=options
        )

    async def _offload(self, plan: wire.BatchPlan, request_options: RequestOptions | None) -> None:
        plan.offloaded = await self._offload_items(
            plan.items, plan.large, plan.task, request_options
        )

    async def _offload_items(
        self,
        items: Sequence[Any],
        positions: Sequence[int],
        task_of: Any,
        request_options: RequestOptions | None,
    ) -> dict[int, Any]:
        # One upload at a time: the sync client shares this code, and uploads are rare.
        offloaded: dict[int, Any] = {}
        for position in positions:
            encoded = encode_payload(items[position].get("payload"))
            offloaded[position] = await self._client.packets.offload(
                task_of(position), encoded, request_options=request_options
            )
        return offloaded

    async def _stream(
        self, batch_id: str, plan: wire.BatchPlan, request_options: RequestOptions | None
    ) -> StreamBatchItemsResult:
        path = f"/api/v3/batches/{path_segment('batch_id', batch_id)}/items"

        def content() -> AsyncIterator[bytes]:
            # A fresh generator per attempt: a consumed stream is never replayed.
            return _byte_stream(wire.ndjson_chunks(plan.lines()))

        result = await self._client._request(
            "POST",
            path,
            parse=decoder(StreamBatchItemsResult).decode,
            content=content,
            content_type="application/x-ndjson",
            options=request_options,
            idempotency_header=False,
            retry=STREAM_RETRY,
            retry_result=_unsealed,
        )
        outcome: object = result
        parsed = outcome.parse() if isinstance(outcome, APIResponse) else result
        if not parsed.sealed:
            raise BatchNotSealedError(
                batch_id=parsed.id or batch_id,
                enqueued_count=parsed.enqueued_count,
                expected_count=parsed.expected_count,
                items_accepted=parsed.items_accepted,
                items_deduplicated=parsed.items_deduplicated,
            )
        return result


class AsyncBatchWithRawResponse:
    """`AsyncBatch` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, batch: AsyncBatch) -> None:
        self.create = async_raw_response_wrapper(batch.create)
        self.stream_items = async_raw_response_wrapper(batch.stream_items)
        self.retrieve = async_raw_response_wrapper(batch.retrieve)
        self.retrieve_v1 = async_raw_response_wrapper(batch.retrieve_v1)
        self.results = async_raw_response_wrapper(batch.results)
        self.trigger_v1 = async_raw_response_wrapper(batch.trigger_v1)
        self.trigger_v2 = async_raw_response_wrapper(batch.trigger_v2)
        self.trigger_task_v1 = async_raw_response_wrapper(batch.trigger_task_v1)
