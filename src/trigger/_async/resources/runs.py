"""`client.runs`: list, retrieve, replay, cancel, reschedule, metadata, tags, events, poll."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import msgspec

from trigger import _retry
from trigger._exceptions import NotFoundError, PollTimeoutError
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
from trigger.types.runs import (
    IdResponse,
    ListedRun,
    MessageResponse,
    Run,
    RunEvents,
    RunMetadata,
    RunMetadataSnapshot,
    RunTrace,
    SpanDetail,
    TaskRunExecutionResult,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient
    from trigger._async.resources.bulk_actions import AsyncBulkActions

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
        status: str | Sequence[str] | None = None,
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
            status: One status or several (``"COMPLETED"``, ``["FAILED", "CRASHED"]``).
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
            limit: Page size (1-100).
            after: Start after this cursor.
            before: End before this cursor.
            request_options: Per-call retry, timeout and header overrides.
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
        return self._client._paginate(PageSpec("cursor", ListedRun, path, query, request_options))

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
        path = f"/api/v3/runs/{path_segment('run_id', run_id)}"
        run = await self._client._request(
            "GET", path, parse=decoder(Run).decode, options=request_options
        )
        # (A with_raw_response call gets the APIResponse here: it is returned untouched.)
        if download_offloaded and isinstance(run, Run):
            changes: dict[str, Any] = {}
            if run.payload is None and run.payload_presigned_url:
                changes["payload"] = await self._download(
                    run.payload_presigned_url, request_options
                )
            if run.output is None and run.output_presigned_url:
                changes["output"] = await self._download(run.output_presigned_url, request_options)
            if changes:
                run = msgspec.structs.replace(run, **changes)
        return run

    async def _download(self, url: str, options: RequestOptions | None) -> Any:
        data = await self._client.packets.download(url, request_options=options)
        try:
            return msgspec.json.decode(data)
        except msgspec.DecodeError:
            return data.decode("utf-8", errors="replace")

    async def replay(
        self, run_id: str, *, request_options: RequestOptions | None = None
    ) -> IdResponse:
        """Start a new run with the same payload and options; returns the new run's id.

        Args:
            run_id: The run to replay.
            request_options: Per-call retry, timeout and header overrides.
        """
        path = f"/api/v1/runs/{path_segment('run_id', run_id)}/replay"
        return await self._client._request(
            "POST", path, parse=decoder(IdResponse).decode, options=request_options
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

    async def result(
        self, run_id: str, *, request_options: RequestOptions | None = None
    ) -> TaskRunExecutionResult | None:
        """The outcome of a finished run, or ``None`` while it is not finished (or unknown).

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
            # The server answers 404 both for unknown and for unfinished runs.
            return None

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
        self.add_tags = async_raw_response_wrapper(runs.add_tags)
        self.events = async_raw_response_wrapper(runs.events)
        self.trace = async_raw_response_wrapper(runs.trace)
        self.retrieve_span = async_raw_response_wrapper(runs.retrieve_span)
