"""`client.batch`: two-phase batch trigger, item streams, retrieve, results, one-shot batches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import msgspec

from trigger._batch_errors import BatchNotSealedError, BatchTriggerError
from trigger._models import decoder
from trigger._response import APIResponse, async_raw_response_wrapper, wants_raw
from trigger._retry import RetryOptions
from trigger._types import RequestOptions, check_request_options
from trigger._validation import path_segment
from trigger._wire import batch as wire
from trigger._wire.idempotency import RETRY_KEY_TTL, retry_guard
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
    from trigger._async.realtime import AsyncRunSubscription

__all__ = ["STREAM_RETRY", "AsyncBatch", "AsyncBatchWithRawResponse"]

T = TypeVar("T")

STREAM_RETRY = RetryOptions(
    max_attempts=5, factor=2.0, min_timeout=1.0, max_timeout=30.0, randomize=True
)
"""The item stream's own retry policy (the official client's): 5 attempts, x2, 1-30 s."""

_JWT_HEADER = "x-trigger-jwt"
_STRATEGY_HEADER = "batch-processing-strategy"
# The v1 batch routes read a batch idempotency key from these headers (the v2 route none).
_BATCH_KEY_HEADER = "idempotency-key"
_BATCH_KEY_TTL_HEADER = "idempotency-key-ttl"


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


def _own_v1(
    parse: Callable[[httpx.Response], BatchTriggerV1Result], own_batch: bool, own_items: set[int]
) -> Callable[[httpx.Response], BatchTriggerV1Result]:
    # What the call's own keys found was made by an earlier attempt of this same call. A
    # batch found by its key comes back with every run flagged cached: all are this call's
    # (whether an item's own key had found an older run was in the answer that got lost).
    def parse_own(response: httpx.Response) -> BatchTriggerV1Result:
        result = parse(response)
        whole_batch = own_batch and result.is_cached
        runs = [
            msgspec.structs.replace(run, is_cached=False)
            if run.is_cached and (whole_batch or i in own_items)
            else run
            for i, run in enumerate(result.runs)
        ]
        is_cached = False if own_batch else result.is_cached
        return msgspec.structs.replace(result, is_cached=is_cached, runs=runs)

    return parse_own


def _has_header(options: RequestOptions | None, name: str) -> bool:
    headers = (options or {}).get("extra_headers") or {}
    return any(str(key).lower() == name for key in headers)


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

        Retries start no second run. Without ``idempotency_key`` nothing needs a key: a
        retried creation whose answer was lost leaves at most an empty batch behind (it
        never gets items, so it starts nothing), and the stream is deduplicated by item
        index. With ``idempotency_key``, the server answers a second creation with the same
        key by 422 ("already been created") instead of the batch, and keeps batch keys
        forever; the batch is then created again without the key and the items are
        streamed to it with the keys derived from yours, so each item gets back the run an
        earlier batch started with it (unless that run failed or expired, or its key's TTL
        ran out: then it starts a new one). That holds for a retry of this call and for a
        later call with the same key alike: the result is then a new batch id, with
        ``is_cached=False`` and no ``idempotency_key``, whose runs are the earlier runs.

        Args:
            items: The runs, e.g. ``[{"task": "send-email", "payload": {...}}]``; each may
                have ``options`` (snake_case, as for `tasks.trigger`). A non-empty sequence.
            idempotency_key: Makes the batch idempotent: a key (or key parts) hashed as the
                official SDK does (a key from ``idempotency_keys.create`` also sends its
                user key and scope). Items without their own key get one derived from it
                and their index.
            idempotency_key_ttl: How long the item keys last (``"1h"``: one number and one
                unit, or a timedelta whole in one unit); items without their own TTL that
                carry a key get this one.
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
        # Checked here, not in the first request, so a bad option is a TypeError naming it
        # rather than a failed step of the batch.
        check_request_options(request_options)
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
            created = await self._create(body, request_options)
        except Exception as exc:
            if plan.key is None or not wire.already_created(exc):
                raise BatchTriggerError.wrap(exc, phase="create", item_count=plan.count) from exc
            # The key is taken, by an attempt of this call whose answer was lost or by an
            # earlier call, and no endpoint finds that batch. Make one without the key; the
            # items keep the keys derived from it, so none starts a run a second time.
            keyless = {k: v for k, v in body.items() if not k.startswith("idempotencyKey")}
            try:
                created = await self._create(keyless, request_options)
            except Exception as retry_exc:
                raise BatchTriggerError.wrap(
                    retry_exc, phase="create", item_count=plan.count
                ) from retry_exc
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

        With an ``idempotency_key`` the server holds already (another call's, or an attempt
        of this one whose answer was lost and was retried), the server answers 422
        `UnprocessableEntityError` "already been created with the same idempotency key"
        instead of the batch, and no call finds that batch. `trigger` recovers by creating
        the batch again without the key; when calling this directly, do the same and
        stream the items with ``idempotency_key`` so that their keys still hold.

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

    def subscribe(
        self,
        batch_id: str,
        *,
        skip_columns: str | Sequence[str] | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncRunSubscription:
        """Follow the runs of a batch in realtime, until closed (``runs.subscribeToBatch``).

        Yields a `RealtimeRun` for each run of the batch, then one for every change of any
        of them, runs the batch adds later included. It never ends by itself: close it (or
        break out of the loop) once the runs you wait for are final.

        Args:
            batch_id: The batch (``batch_…``).
            skip_columns: Columns the server leaves out (see `AsyncRuns.subscribe`).
            request_options: Retry, timeout and header overrides for each request.

        Returns:
            An `AsyncRunSubscription`.
        """
        from trigger._async.realtime import batch_subscription

        return batch_subscription(
            self._client, batch_id, skip_columns=skip_columns, request_options=request_options
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

        Current servers leave most runs out of this endpoint's answer (measured: no items for
        v2 and v3 batches, only the canceled runs of v1 batches). So the batch is retrieved
        too, and every finished run the answer lacks gets its result built from the run (as
        `AsyncRuns.result` does), in the batch's order: one request per such run. Through
        ``with_raw_response`` the endpoint's own answer is returned, as it is.

        Args:
            batch_id: The batch (``batch_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/batches/{path_segment('batch_id', batch_id)}/results"
        raw = wants_raw()
        results: BatchResults = await self._client._request(
            "GET", path, parse=decoder(BatchResults).decode, options=request_options
        )
        if raw:
            return results
        batch = await self.retrieve_v1(batch_id, request_options=request_options)
        given = {item.id: item for item in results.items}
        items = []
        for run_id in batch.runs:
            result = given.get(run_id) or await self._client.runs._result_from_retrieve(
                run_id, request_options
            )
            if result is not None:
                items.append(result)
        return BatchResults(id=results.id, items=items)

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

        A retry after a lost answer starts no second run and returns the same batch: the
        batch is sent with the call's own key (the ``idempotency-key`` header, unless you
        set one: ``request-<the call's request idempotency key>``, 24 hours), and each
        item without a key of yours gets ``request-<…>-<index>`` (see `tasks.trigger`).
        Those keys show on the batch and its runs; the result says ``is_cached=False`` for
        what this call made. With one attempt only and no request key of yours, none is
        added.

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
            own_parse=lambda own_batch, own_items: _own_v1(_triggered_v1, own_batch, own_items),
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
        default); `trigger` has neither limit. Payloads of 128 KiB or more are offloaded.

        The server does not deduplicate the request, so each item without a key of yours
        gets the call's own (``request-<the call's request idempotency key>-<index>``, 24
        hours; see `tasks.trigger`): a retry after a lost answer starts no second run, but
        makes a second batch, holding the same runs, whose id is the one returned. With
        one attempt only and no request key of yours, no key is added.

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
            own_parse=None,
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

        A retry after a lost answer starts no second run and returns the same batch, by
        the call's own batch key (``idempotency-key`` header) and item keys, as for
        `trigger_v1`; this route takes no key TTL (measured: it keeps the batch key
        forever, harmless since the key is unique to the call).

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
        sent_options, retry_key = retry_guard(self._client.retry, request_options)
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
        if retry_key is not None:
            wire.guard_items(body["items"], retry_key)
            sent_options, _ = self._batch_key_headers(sent_options, retry_key, ttl=False)
        return await self._client._request(
            "POST", path, parse_response=_task_batch, body=body, options=sent_options
        )

    # -- internals --------------------------------------------------------------------------

    async def _create(
        self, body: dict[str, Any], request_options: RequestOptions | None
    ) -> CreatedBatch:
        return await self._client._request(
            "POST",
            "/api/v3/batches",
            parse_response=_created,
            body=body,
            options=request_options,
        )

    async def _one_shot(
        self,
        path: str,
        items: Sequence[wire.BatchItem],
        parse_response: Callable[[httpx.Response], T],
        *,
        own_parse: Callable[[bool, set[int]], Callable[[httpx.Response], T]] | None,
        parent_run_id: str | None,
        resume_parent_on_completion: bool | None,
        processing_strategy: wire.ProcessingStrategy | None,
        request_options: RequestOptions | None,
    ) -> T:
        checked, large = wire.check_one_shot_items(items, with_task=True)
        fields = wire.parent_fields(parent_run_id, resume_parent_on_completion)
        options, retry_key = retry_guard(self._client.retry, request_options)
        if processing_strategy is not None:
            strategy = wire.processing_strategy(processing_strategy)
            options = _with_header(options, _STRATEGY_HEADER, strategy)
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
        if retry_key is not None:
            own_items = wire.guard_items(body["items"], retry_key)
            if own_parse is not None:  # a v1 route, which reads a batch key
                options, own_batch = self._batch_key_headers(options, retry_key, ttl=True)
                parse_response = own_parse(own_batch, own_items)
        return await self._client._request(
            "POST", path, parse_response=parse_response, body=body, options=options
        )

    @staticmethod
    def _batch_key_headers(
        options: RequestOptions | None, key: str, *, ttl: bool
    ) -> tuple[RequestOptions | None, bool]:
        # A v1 route answers a repeated batch key with the batch it made (same id), so a
        # retry gets the original batch; the item keys still guard a retry racing the first.
        if _has_header(options, _BATCH_KEY_HEADER):
            return options, False  # the caller's own batch key
        options = _with_header(options, _BATCH_KEY_HEADER, key)
        if ttl and not _has_header(options, _BATCH_KEY_TTL_HEADER):
            options = _with_header(options, _BATCH_KEY_TTL_HEADER, RETRY_KEY_TTL)
        return options, True

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
