"""`client.runs`: list, retrieve, replay, cancel, reschedule, metadata, tags, events, poll."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from trigger import _retry
from trigger._exceptions import (
    NotFoundError,
    PollTimeoutError,
)
from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._validation import (
    check_bool,
    check_number,
    check_str,
    check_str_list,
    path_segment,
)
from trigger._wire import runs as wire
from trigger._wire.tasks import MachinePreset
from trigger.types.runs import (
    IdResponse,
    LegacyRunStatus,
    ListedRun,
    MessageResponse,
    Run,
    RunEvents,
    RunMetadata,
    RunMetadataSnapshot,
    RunStatus,
    RunTrace,
    RunTracePage,
    SpanDetail,
    TaskRunError,
    TaskRunExecutionResult,
    TaskRunUsage,
)
from trigger.types.tasks import PacketDownloadUrl

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient
    from trigger._async.realtime import AsyncRunSubscription
    from trigger._async.resources.bulk_actions import AsyncBulkActions
    from trigger._async.streams import AsyncRunStream

__all__ = ["AsyncRuns", "AsyncRunsWithRawResponse"]


class AsyncRuns:
    """The runs API: ``client.runs``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncRunsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    @cached_property
    def bulk(self) -> AsyncBulkActions:
        """Bulk actions over many runs: ``client.runs.bulk.cancel(...)``."""
        from trigger._async.resources.bulk_actions import AsyncBulkActions

        return AsyncBulkActions(self._client)

    def list(
        self,
        *,
        status: RunStatus | LegacyRunStatus | Sequence[RunStatus | LegacyRunStatus] | None = None,
        task_identifier: str | Sequence[str] | None = None,
        version: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        bulk_action: str | None = None,
        schedule: str | None = None,
        is_test: bool | None = None,
        from_: datetime | int | str | None = None,
        to: datetime | int | str | None = None,
        period: str | None = None,
        batch: str | None = None,
        queue: wire.QueueFilter | None = None,
        machine: str | Sequence[str] | None = None,
        region: str | Sequence[str] | None = None,
        error: str | None = None,
        project_ref: str | None = None,
        env: str | Sequence[str] | None = None,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[ListedRun]:
        """List runs, newest first. Iterate the result to walk every page.

        With a secret key the runs of the key's environment are listed. With a personal
        access token, ``project_ref`` and ``env`` pick the project and environment(s).

        Args:
            status: One status or several (``"COMPLETED"``, ``["FAILED", "CRASHED"]``): a
                `RunStatus`, or a `LegacyRunStatus` to select finer (``"INTERRUPTED"`` runs
                show as ``FAILED`` but ``"FAILED"`` does not select them). Unknown names
                are refused before sending.
            task_identifier: Task id(s).
            version: Worker version(s).
            tag: Tag(s).
            bulk_action: Runs of this bulk action.
            schedule: Runs of this schedule.
            is_test: Only test runs, or only real ones.
            from_: Created at or after (aware datetime, Unix ms, or ISO string).
            to: Created at or before.
            period: Created within this period, e.g. ``"1d"`` (not with from_/to).
            batch: Runs of this batch.
            queue: Queue name(s), or ``{"type": "task", "name": ...}`` mappings.
            machine: Machine preset(s).
            region: Region(s).
            error: Runs in this error group (``error_…``).
            project_ref: The project (``proj_…``); personal access tokens only.
            env: Environment slug(s) (``dev``, ``staging``, ``prod``, ``preview``); personal
                access tokens only.
            limit: Page size (1-100; the server's default is 25).
            after: Start after this cursor.
            before: End before this cursor.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: An unknown status, a limit outside 1-100, both cursors, or
                ``project_ref``/``env`` not matching the kind of key (nothing is sent).
        """
        is_pat = self._client._config.key_kind == "personal_access_token"
        if is_pat and project_ref is None:
            raise ValueError(
                "project_ref is required when listing runs with a personal access token"
            )
        if is_pat and env is None:
            raise ValueError("env is required when listing runs with a personal access token")
        if not is_pat and project_ref is not None:
            raise ValueError("project_ref is only accepted with a personal access token (tr_pat_…)")
        if not is_pat and env is not None:
            raise ValueError("env is only accepted with a personal access token (tr_pat_…)")
        query = wire.list_runs_query(
            status=status,
            task_identifier=task_identifier,
            version=version,
            tag=tag,
            bulk_action=bulk_action,
            schedule=schedule,
            is_test=is_test,
            from_=from_,
            to=to,
            period=period,
            batch=batch,
            queue=queue,
            machine=machine,
            region=region,
            error=error,
            env=env,
            limit=limit,
            after=after,
            before=before,
        )
        path = wire.runs_list_path(project_ref)
        # Measured on the real server: pages fetched with page[before] come back oldest first.
        spec = PageSpec(
            "cursor", ListedRun, path, query, request_options, backward_pages_reversed=True
        )
        return self._client._paginate(spec)

    async def retrieve(
        self,
        run_id: str,
        *,
        download_offloaded: bool = True,
        request_options: RequestOptions | None = None,
    ) -> Run:
        """Retrieve a run with its payload, output, error and related runs.

        A payload or output too large to be sent inline comes as a short-lived presigned URL;
        like the official SDK, it is downloaded and decoded into `Run.payload` /
        `Run.output` (the URL fields stay set).

        Args:
            run_id: The run (``run_…``).
            download_offloaded: Download offloaded payloads and outputs (``False`` keeps only
                their presigned URLs).
            request_options: Per-call retry, timeout and header overrides.
        """
        check_bool("download_offloaded", download_offloaded)
        run = await self._get(run_id, request_options)
        # (A with_raw_response call gets the APIResponse here: it is returned untouched.)
        if download_offloaded and isinstance(run, Run):
            run = await self._with_offloaded(run, request_options, payload=True)
        return run

    async def _get(
        self, run_id: str, options: RequestOptions | None, *, final_statuses: tuple[int, ...] = ()
    ) -> Run:
        path = f"/api/v3/runs/{path_segment('run_id', run_id)}"
        return await self._client._request(
            "GET", path, parse=decoder(Run).decode, options=options, final_statuses=final_statuses
        )

    async def _with_offloaded(
        self, run: Run, options: RequestOptions | None, *, payload: bool
    ) -> Run:
        """``run`` with its offloaded output (and, with ``payload``, payload) downloaded."""
        changes: dict[str, Any] = {}
        if payload and run.payload is None and run.payload_presigned_url:
            changes["payload"] = await self._download(run.payload_presigned_url, options)
        if run.output is None and run.output_presigned_url:
            changes["output"] = await self._download(run.output_presigned_url, options)
        return msgspec.structs.replace(run, **changes) if changes else run

    async def _download(self, url: str, options: RequestOptions | None) -> Any:
        # Decoded by content type, into the shape the API gives inline values.
        return await self._client.packets.download_value(url, request_options=options)

    async def replay(
        self,
        run_id: str,
        *,
        payload: Any = None,
        tags: str | Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        queue: str | None = None,
        concurrency_key: str | int | None = None,
        machine: MachinePreset | None = None,
        version: str | None = None,
        region: str | None = None,
        delay: str | datetime | timedelta | None = None,
        ttl: str | int | timedelta | None = None,
        idempotency_key: str | None = None,
        idempotency_key_ttl: str | timedelta | None = None,
        max_attempts: int | None = None,
        max_duration: float | timedelta | None = None,
        priority: float | None = None,
        request_options: RequestOptions | None = None,
    ) -> IdResponse:
        """Start a new run of the same task from a run; returns the new run's id.

        Without options the new run reuses the original's payload, metadata, tags, queue,
        concurrency key and machine, and runs on the current version. Each option given
        overrides that value for the new run; options left out keep the original's value
        (payload, metadata, tags, queue, concurrency key, machine) or the task's current
        default (the others). The payload is encoded as for `AsyncTasks.trigger` (JSON, or
        superjson for datetimes, sets, big integers...), but never offloaded.

        Note: servers older than the 4.8 line read no options and replay as without them.

        Args:
            run_id: The run to replay.
            payload: The new run's payload (``None``: the original's).
            tags: Up to 10 tags of at most 128 characters, instead of the original's.
            metadata: JSON metadata, instead of the original's.
            queue: A queue name (it must exist in the environment).
            concurrency_key: A per-key concurrency slot of the queue.
            machine: Machine preset, e.g. ``"large-1x"``.
            version: Run on this deployed worker version (default: the current one).
            region: The region to run in.
            delay: Start no earlier than this: ``"10m"``, a timedelta, or an aware datetime.
            ttl: Expire the run unless it starts within this (``"10m"``, or int seconds).
            idempotency_key: At most 2048 characters, sent as given: unlike
                `AsyncTasks.trigger`, the official client neither hashes nor scopes it.
            idempotency_key_ttl: How long the key holds, e.g. ``"1h"``.
            max_attempts: Attempts in total (at least 1).
            max_duration: Maximum compute time, in seconds.
            priority: Queue priority, a time offset in seconds (higher runs sooner).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            TypeError: An option has the wrong type, or the payload holds a value that
                cannot be sent (nothing is sent).
            ValueError: An option is out of range (nothing is sent).
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/replay"
        body = wire.replay_body(
            payload=payload,
            tags=tags,
            metadata=metadata,
            queue=queue,
            concurrency_key=concurrency_key,
            machine=machine,
            version=version,
            region=region,
            delay=delay,
            ttl=ttl,
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
            max_attempts=max_attempts,
            max_duration=max_duration,
            priority=priority,
        )
        if body is None:
            # No override: no body at all, as the official client sends it.
            return await self._client._request(
                "POST", path, parse=decoder(IdResponse).decode, options=request_options
            )
        return await self._client._request(
            "POST", path, parse=decoder(IdResponse).decode, body=body, options=request_options
        )

    async def cancel(
        self, run_id: str, *, request_options: RequestOptions | None = None
    ) -> IdResponse:
        """Cancel a run that has not finished (no effect on finished runs).

        Args:
            run_id: The run to cancel.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v2/runs/{path_segment('run_id', run_id)}/cancel"
        return await self._client._request(
            "POST", path, parse=decoder(IdResponse).decode, options=request_options
        )

    async def reschedule(
        self,
        run_id: str,
        *,
        delay: str | datetime,
        request_options: RequestOptions | None = None,
    ) -> Run:
        """Change when a delayed run starts (only for runs still ``DELAYED``).

        Args:
            run_id: The delayed run.
            delay: A duration from now (``"30m"``, ``"2h"``) or an aware `datetime`.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/reschedule"
        return await self._client._request(
            "POST",
            path,
            parse=decoder(Run).decode,
            body=wire.reschedule_body(delay),
            options=request_options,
        )

    async def update_metadata(
        self,
        run_id: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        operations: Sequence[Mapping[str, Any]] | None = None,
        parent_operations: Sequence[Mapping[str, Any]] | None = None,
        root_operations: Sequence[Mapping[str, Any]] | None = None,
        request_options: RequestOptions | None = None,
    ) -> RunMetadata:
        """Replace a run's metadata and/or apply operations to it (``set``, ``append``...).

        Args:
            run_id: The run.
            metadata: The new metadata object.
            operations: Operations on this run's metadata, e.g.
                ``[{"type": "increment", "key": "done", "value": 1}]``.
            parent_operations: Operations on the parent run's metadata.
            root_operations: Operations on the root run's metadata.
            request_options: Per-call retry, timeout and header overrides.
        """
        body = wire.metadata_body(
            metadata=metadata,
            operations=operations,
            parent_operations=parent_operations,
            root_operations=root_operations,
        )
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/metadata"
        return await self._client._request(
            "PUT", path, parse=decoder(RunMetadata).decode, body=body, options=request_options
        )

    async def retrieve_metadata(
        self, run_id: str, *, request_options: RequestOptions | None = None
    ) -> RunMetadataSnapshot:
        """Read a run's stored metadata (serialized, with its content type).

        Args:
            run_id: The run.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/metadata"
        return await self._client._request(
            "GET", path, parse=decoder(RunMetadataSnapshot).decode, options=request_options
        )

    async def add_tags(
        self,
        run_id: str,
        tags: str | Sequence[str],
        *,
        request_options: RequestOptions | None = None,
    ) -> MessageResponse:
        """Add tags to a run (a run holds at most 10).

        Args:
            run_id: The run.
            tags: One tag or several.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/tags"
        tag_list = check_str_list("tags", tags)
        if not tag_list:
            raise ValueError("tags must name at least one tag")
        return await self._client._request(
            "POST",
            path,
            parse=decoder(MessageResponse).decode,
            body={"tags": tag_list},
            options=request_options,
        )

    async def events(
        self, run_id: str, *, request_options: RequestOptions | None = None
    ) -> RunEvents:
        """The spans and logs recorded for a run.

        Args:
            run_id: The run.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/events"
        return await self._client._request(
            "GET", path, parse=decoder(RunEvents).decode, options=request_options
        )

    async def trace(
        self, run_id: str, *, request_options: RequestOptions | None = None
    ) -> RunTrace:
        """The trace tree rooted at a run.

        Args:
            run_id: The run.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/trace"
        return await self._client._request(
            "GET", path, parse=decoder(RunTrace).decode, options=request_options
        )

    async def trace_page(
        self,
        run_id: str,
        *,
        limit: int = 10_000,
        after: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> RunTracePage:
        """A page of the run's trace as flat spans, oldest first, with the attempts that
        failed (the 4.8.3 client's ``retrieveRunTracePage``). Pass ``after=`` the page's
        ``pagination.next`` for the next page; ``parent_id`` rebuilds the tree.

        A server before 4.8 answers this request with the `trace` tree instead, which does
        not decode as a page.

        Args:
            run_id: The run.
            limit: Spans per page, 1 to 10,000 (sent always, as the official client does).
            after: The cursor of the page to read (``pagination.next`` of the one before).
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/trace"
        check_number("limit", limit, minimum=1, maximum=10_000, integer=True)
        query = {"page[size]": str(limit)}
        if after is not None:
            query["page[after]"] = check_str("after", after)
        return await self._client._request(
            "GET",
            path,
            query=query,
            parse=decoder(RunTracePage).decode,
            options=request_options,
        )

    async def retrieve_span(
        self, run_id: str, span_id: str, *, request_options: RequestOptions | None = None
    ) -> SpanDetail:
        """Everything recorded for one span of a run.

        Args:
            run_id: The run.
            span_id: The span.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = (
            f"/api/v1/runs/{path_segment('run_id', run_id)}"
            f"/spans/{path_segment('span_id', span_id)}"
        )
        return await self._client._request(
            "GET", path, parse=decoder(SpanDetail).decode, options=request_options
        )

    async def retrieve_packet_url(
        self,
        run_id: str,
        field: Literal["payload", "output"],
        *,
        storage_path: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> PacketDownloadUrl:
        """A presigned URL to download a run's offloaded payload or output.

        The URL is authorized against the run (``GET /api/v1/runs/{id}/packets/{field}``,
        official SDK 4.8). A server older than that answers 404; then, as the official
        client does, the packet is asked for by ``storage_path`` (the run's
        ``application/store`` payload or output) through `packets.retrieve_download_url`.

        Args:
            run_id: The run.
            field: ``"payload"`` or ``"output"``.
            storage_path: The packet's storage path, for the fallback (without it a 404 is
                raised as it is).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: No such run or packet (and no fallback, or the fallback failed).
        """
        if field not in ("payload", "output"):
            raise ValueError(f"field must be 'payload' or 'output', not {field!r}")
        if storage_path is not None:
            check_str("storage_path", storage_path)
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/packets/{field}"
        try:
            return await self._client._request(
                "GET",
                path,
                parse=decoder(PacketDownloadUrl).decode,
                options=request_options,
                final_statuses=(404,),
            )
        except NotFoundError:
            if storage_path is None:
                raise
        return await self._client.packets.retrieve_download_url(
            storage_path, request_options=request_options
        )

    async def result(
        self, run_id: str, *, request_options: RequestOptions | None = None
    ) -> TaskRunExecutionResult | None:
        """The outcome of a finished run, or ``None`` while it is unfinished (or unknown).

        The result endpoint (``GET /api/v1/runs/{id}/result``) answers 404 both for unknown
        and unfinished runs and, on current servers, for every finished ``COMPLETED`` or
        ``FAILED`` run too (only canceled runs get a result from it). So on a 404 the run
        is retrieved, and for a run in a final status the result is built from it:

        - ``ok`` is true for ``COMPLETED`` only;
        - ``output`` is the run's output re-encoded as JSON, with ``output_type``
          ``application/json`` (a superjson output arrives as its JSON part: datetimes
          as ISO strings), so `TaskRunExecutionResult.json_output` works either way;
        - ``error`` comes from the run's error, whose kind the run does not record: a named
          error becomes ``BUILT_IN_ERROR``, any other message ``STRING_ERROR`` (message in
          ``raw`` and ``message``), a cancel ``INTERNAL_ERROR`` ``TASK_RUN_CANCELLED``;
        - ``usage.duration_ms`` is the run's ``duration_ms``; ``retry`` and
          ``skipped_retrying`` are unknown (``None``).

        Unlike the endpoint, this also gives ``EXPIRED`` and ``TIMED_OUT`` runs a (failed)
        result. A 404 costs one retrieve more; a 404 of that retrieve is not retried (the
        run is unknown, or too new to have finished) and gives ``None`` at once.

        Args:
            run_id: The run.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/result"
        try:
            return await self._client._request(
                "GET", path, parse=decoder(TaskRunExecutionResult).decode, options=request_options
            )
        except NotFoundError:
            pass
        return await self._result_from_retrieve(run_id, request_options)

    async def _result_from_retrieve(
        self, run_id: str, options: RequestOptions | None
    ) -> TaskRunExecutionResult | None:
        """The result of a final run built from the run itself; ``None`` if unfinished."""
        # A 404 of the run means an unknown run or one too new to be visible, both without a
        # result: the retries the server asks for on it would only delay that answer.
        try:
            run = await self._get(run_id, options, final_statuses=(404,))
        except NotFoundError:
            return None
        if not run.is_final:
            return None
        # Only the output goes into the result: an offloaded payload is not downloaded.
        return _result_from_run(await self._with_offloaded(run, options, payload=False))

    async def poll(
        self,
        run_id: str,
        *,
        interval: float = 1.0,
        timeout: float | None = None,
        request_options: RequestOptions | None = None,
    ) -> Run:
        """Retrieve a run every ``interval`` seconds until its status is final.

        Args:
            run_id: The run.
            interval: Seconds between retrievals (at least 0.1).
            timeout: Give up after this many seconds (``None``: wait as long as it takes).
            request_options: Per-call retry, timeout and header overrides for each retrieve.

        Raises:
            PollTimeoutError: ``timeout`` passed before the run finished.
        """
        check_str("run_id", run_id)
        check_number("interval", interval, minimum=0.1)
        if timeout is not None:
            check_number("timeout", timeout, minimum=0)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            run = await self.retrieve(run_id, request_options=request_options)
            if run.is_final:
                return run
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PollTimeoutError(
                        f"run {run_id} is still {run.status} after {timeout} s",
                        object_id=run_id,
                        last_status=run.status,
                    )
                await _retry.async_sleep(min(interval, remaining))
            else:
                await _retry.async_sleep(interval)

    def subscribe(
        self,
        run_id: str,
        *,
        stop_on_completion: bool = True,
        skip_columns: str | Sequence[str] | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncRunSubscription:
        """Follow a run in realtime: ``async for run in client.runs.subscribe(run_id)``.

        Yields a `RealtimeRun` for the run as it is now, then one for every change (status,
        metadata, tags, output...), and ends after the snapshot of the run's final status.
        A dropped connection is retried with the client's retry policy and resumes where
        it was. A public access token (``TriggerResult.public_access_token``) works as the
        client's key for the run it was issued for.

        Args:
            run_id: The run (``run_…``).
            stop_on_completion: End after the run finished (``False``: go on until closed).
            skip_columns: Columns the server leaves out, e.g. ``["payload", "output"]``
                (``id``, ``friendlyId``, ``taskIdentifier``, ``status`` and ``createdAt``
                are always sent).
            request_options: Retry, timeout and header overrides for each request; a live
                request's timeout is at least 45 s (the server holds one up to ~23 s).

        Returns:
            An `AsyncRunSubscription` (iterate it; close it to stop early).

        Raises:
            NotFoundError: No such run (raised while iterating).
        """
        from trigger._async.realtime import run_subscription

        return run_subscription(
            self._client,
            run_id,
            stop_on_completion=stop_on_completion,
            skip_columns=skip_columns,
            request_options=request_options,
        )

    def subscribe_to_tag(
        self,
        tags: str | Sequence[str],
        *,
        created_at: str | timedelta | None = None,
        skip_columns: str | Sequence[str] | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncRunSubscription:
        """Follow every run having all of ``tags``, in realtime, until closed.

        Yields a `RealtimeRun` for each matching run created within ``created_at`` (24
        hours by default, one day at most: the server's window), then one for every change
        of any of them, runs triggered later included. It never ends by itself: close it
        (or break out of the loop) to stop.

        Args:
            tags: One tag, or several (runs having every one of them).
            created_at: How far back runs may have been created: ``"1h"``, ``"2d"``... or a
                timedelta.
            skip_columns: Columns the server leaves out (see `subscribe`).
            request_options: Retry, timeout and header overrides for each request.

        Returns:
            An `AsyncRunSubscription`.
        """
        from trigger._async.realtime import tag_subscription

        return tag_subscription(
            self._client,
            tags,
            created_at=created_at,
            skip_columns=skip_columns,
            request_options=request_options,
        )

    def stream(
        self,
        run_id: str,
        key: str = "default",
        *,
        timeout_seconds: int | None = None,
        last_event_id: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncRunStream:
        """Read a stream the run writes, live: ``async for chunk in client.runs.stream(id, key)``.

        The official ``runs.fetchStream``; `AsyncStreams.read` is the same read with the
        official ``streams.read`` options. Needs ``pip install 'trigger-sdk[realtime]'``.
        Yields every chunk written so far, then each new one as it is written, resuming
        after a dropped connection from the last event id; ends when the server closes the
        stream (``timeout_seconds`` without new data; the server's 60 s when ``None``).

        Args:
            run_id: The run (``run_…``).
            key: The stream's key (``"default"`` unless the task named one).
            timeout_seconds: 1-600, sent as ``Timeout-Seconds`` (``None``: not sent).
            last_event_id: Resume after this event id (a `StreamPart.id`).
            request_options: Retry, timeout and header overrides (see `AsyncStreams.read`).

        Returns:
            An `AsyncRunStream` (iterate it; close it to stop early).

        Raises:
            ImportError: ``httpx-sse`` is not installed.
            NotFoundError: No such run (raised while iterating).
        """
        from trigger._async.resources.streams import open_stream

        return open_stream(
            self._client,
            run_id,
            key,
            timeout_seconds=timeout_seconds,
            last_event_id=last_event_id,
            start_index=None,
            start="beginning",
            request_options=request_options,
        )


def _result_from_run(run: Run) -> TaskRunExecutionResult:
    """The execution result of a finished run, built from the run itself."""
    ok = run.status == "COMPLETED"
    output = None
    if ok and run.output is not None:
        output = msgspec.json.encode(run.output).decode("utf-8")
    error = None
    if run.status == "CANCELED":
        # What the result endpoint itself answers for canceled runs.
        error = TaskRunError(type="INTERNAL_ERROR", code="TASK_RUN_CANCELLED")
    elif not ok and run.error is not None:
        if run.error.name:
            error = TaskRunError(
                type="BUILT_IN_ERROR",
                name=run.error.name,
                message=run.error.message,
                stack_trace=run.error.stack_trace,
            )
        else:
            error = TaskRunError(
                type="STRING_ERROR",
                message=run.error.message,
                raw=run.error.message,
                stack_trace=run.error.stack_trace,
            )
    return TaskRunExecutionResult(
        id=run.id,
        ok=ok,
        output=output,
        output_type="application/json" if output is not None else None,
        error=error,
        usage=TaskRunUsage(duration_ms=run.duration_ms),
        task_identifier=run.task_identifier or None,
    )


class AsyncRunsWithRawResponse:
    """`AsyncRuns` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, runs: AsyncRuns) -> None:
        self.list = async_raw_response_wrapper(runs.list)
        self.retrieve = async_raw_response_wrapper(runs.retrieve)
        self.replay = async_raw_response_wrapper(runs.replay)
        self.cancel = async_raw_response_wrapper(runs.cancel)
        self.reschedule = async_raw_response_wrapper(runs.reschedule)
        self.update_metadata = async_raw_response_wrapper(runs.update_metadata)
        self.retrieve_metadata = async_raw_response_wrapper(runs.retrieve_metadata)
        self.trace_page = async_raw_response_wrapper(runs.trace_page)
        self.add_tags = async_raw_response_wrapper(runs.add_tags)
        self.events = async_raw_response_wrapper(runs.events)
        self.trace = async_raw_response_wrapper(runs.trace)
        self.retrieve_span = async_raw_response_wrapper(runs.retrieve_span)
        self.retrieve_packet_url = async_raw_response_wrapper(runs.retrieve_packet_url)
