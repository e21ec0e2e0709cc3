"""`AsyncRunSubscription`: a realtime subscription to one run, the runs of a tag or a batch.

One subscription is one shape stream (SERVER.md §11, `trigger._wire.realtime`): the first
request gets a snapshot, each later one is a long poll the server holds until a run of the
shape changes. Every request goes through the client's request pipeline, so a dropped long
poll, a 5xx or a 429 is retried with the client's backoff from the same offset and handle:
nothing is lost, nothing is seen twice. A request is in flight only while the caller waits
for the next run: between two runs the subscription holds no connection, and a wait that
is cancelled (under an event loop) closes its connection at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from trigger._exceptions import APIResponseValidationError, ConflictError, NotFoundError
from trigger._types import RequestOptions
from trigger._validation import path_segment
from trigger._wire import realtime as wire
from trigger._wire.payloads import decode_payload
from trigger.types.realtime import RealtimeRun

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncRunSubscription"]


class AsyncRunSubscription:
    """Run snapshots as they change: ``async for run in subscription``.

    Made by `AsyncRuns.subscribe`, `AsyncRuns.subscribe_to_tag` and `AsyncBatch.subscribe`.
    Each item is a `RealtimeRun`, the run as it is after one change. A subscription to one
    run ends after the run's final snapshot (unless made with ``stop_on_completion=False``);
    the others go on until closed.

    Close it to stop early (`aclose`), or use it as a context manager (``async with``). A
    closed subscription yields nothing more. Breaking out of the loop leaves no connection
    open either (requests are only made while waiting for the next run).
    """

    def __init__(
        self,
        client: AsyncClient,
        path: str,
        query: Mapping[str, str],
        *,
        stop_on_completion: bool,
        request_options: RequestOptions | None = None,
    ) -> None:
        self._client = client
        self._path = path
        self._state = wire.ShapeState(dict(query))
        self._stop = stop_on_completion
        self._options = request_options
        self._rows: deque[dict[str, Any]] = deque()
        self._closed = False
        self._last: httpx.Response | None = None
        # Decoded payloads and outputs by run and field, while their packet is unchanged.
        self._packets: dict[tuple[str, str], tuple[str, str, Any]] = {}

    @property
    def offset(self) -> str:
        """The shape offset the next request resumes from (``-1`` before the first)."""
        return self._state.offset

    @property
    def handle(self) -> str | None:
        """The shape's handle, once the server named it."""
        return self._state.handle

    @property
    def closed(self) -> bool:
        """Whether the subscription ended (closed, or its run finished)."""
        return self._closed

    def __aiter__(self) -> AsyncRunSubscription:
        return self

    async def __anext__(self) -> RealtimeRun:
        while not self._rows:
            if self._closed:
                raise StopAsyncIteration
            await self._poll()
        # Left queued until converted: a cancelled download loses no change.
        run = await self._run_of(self._rows[0])
        self._rows.popleft()
        if self._stop and run.is_final:
            await self.aclose()
        return run

    async def aclose(self) -> None:
        """End the subscription: nothing more is yielded (idempotent)."""
        self._closed = True
        self._rows.clear()
        self._packets.clear()

    async def __aenter__(self) -> AsyncRunSubscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "live" if self._state.live else "starting"
        return f"<{type(self).__name__} {self._path} {state} offset={self._state.offset!r}>"

    # -- one request ------------------------------------------------------------------------

    def _request_options(self) -> RequestOptions:
        options: dict[str, Any] = dict(self._options or {})
        headers = dict(options.get("extra_headers") or {})
        headers[wire.ELECTRIC_VERSION_HEADER] = wire.ELECTRIC_VERSION
        options["extra_headers"] = headers
        if self._state.live:
            timeout = options.get("timeout", self._client._config.timeout)
            # The server holds a live request for up to ~23 s: a shorter attempt timeout
            # would cut every quiet poll and retry it.
            if isinstance(timeout, (int, float)) and timeout < wire.LIVE_TIMEOUT:
                options["timeout"] = wire.LIVE_TIMEOUT
        return options  # type: ignore[return-value]

    def _read(self, response: httpx.Response) -> wire.ShapePage:
        state = self._state
        self._last = response
        try:
            return wire.read_page(
                response.headers, response.content, live=state.live, schema=state.schema
            )
        except ValueError as exc:
            raise APIResponseValidationError(str(exc), response=response) from None

    async def _poll(self) -> None:
        state = self._state
        try:
            page = await self._client._request(
                "GET",
                self._path,
                parse_response=self._read,
                query=state.query(),
                options=self._request_options(),
                idempotency_header=False,
                final_statuses=(409,),
                shape=True,
            )
        except ConflictError as exc:
            # must-refetch: the shape was rotated; start over under the new handle.
            state.must_refetch(exc.headers.get("electric-handle") if exc.headers else None)
            return
        self._rows.extend(state.apply(page))

    # -- rows into runs ---------------------------------------------------------------------

    async def _run_of(self, row: Mapping[str, Any]) -> RealtimeRun:
        try:
            payload = await self._packet(row, "payload")
            output = await self._packet(row, "output")
            return wire.run_from_row(row, payload=payload, output=output)
        except ValueError as exc:
            assert self._last is not None  # rows come from answers
            raise APIResponseValidationError(
                f"Unable to parse the realtime run: {exc}", response=self._last
            ) from None

    async def _packet(self, row: Mapping[str, Any], name: str) -> Any:
        data, kind = row.get(name), row.get(f"{name}Type")
        if not isinstance(data, str) or not data or not isinstance(kind, str):
            return None
        run_id = str(row.get("friendlyId"))
        cached = self._packets.get((run_id, name))
        if cached is not None and cached[0] == data and cached[1] == kind:
            return cached[2]
        stored = wire.stored_packet(row, name)
        value = wire.decode_packet(data, kind) if stored is None else None
        if stored is not None:
            value = await self._download(run_id, name, stored)
        self._packets[(run_id, name)] = (data, kind, value)
        return value

    async def _download(self, run_id: str, name: str, path: str) -> Any:
        """An offloaded payload or output, as the official client fetches it: the run's
        packet URL, or (on a 404, older servers) the packet's by its storage path."""
        client = self._client
        options = self._options
        try:
            link = await client._request(
                "GET",
                f"/api/v1/runs/{path_segment('run_id', run_id)}/packets/{name}",
                parse=_presigned_url,
                options=options,
                final_statuses=(404,),
                idempotency_header=False,
            )
        except NotFoundError:
            link = await client._request(
                "GET",
                f"/api/v1/packets/{path_segment('path', path)}",
                parse=_presigned_url,
                options=options,
                idempotency_header=False,
            )
        from trigger._async.resources.packets import UPLOAD_RETRY

        return await client._request(
            "GET",
            link,
            parse_response=_downloaded,
            options=options,
            retry=UPLOAD_RETRY,
            external=True,
        )


def _presigned_url(content: bytes) -> str:
    import msgspec

    body = msgspec.json.decode(content)
    url = body.get("presignedUrl") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise msgspec.ValidationError("the packet answer has no presignedUrl")
    return url


def _downloaded(response: httpx.Response) -> Any:
    kind = response.headers.get("content-type") or "application/json"
    try:
        return decode_payload(response.content, kind)
    except ValueError:
        return response.content.decode("utf-8", errors="replace")


def run_subscription(
    client: AsyncClient,
    run_id: str,
    *,
    stop_on_completion: bool,
    skip_columns: Any,
    request_options: RequestOptions | None,
) -> AsyncRunSubscription:
    """The subscription `AsyncRuns.subscribe` returns (arguments checked here)."""
    path = f"/realtime/v1/runs/{path_segment('run_id', run_id)}"
    query = wire.skip_columns_query(skip_columns)
    return AsyncRunSubscription(
        client,
        path,
        query,
        stop_on_completion=wire.check_stop(stop_on_completion),
        request_options=request_options,
    )


def tag_subscription(
    client: AsyncClient,
    tags: Any,
    *,
    created_at: Any,
    skip_columns: Any,
    request_options: RequestOptions | None,
) -> AsyncRunSubscription:
    """The subscription `AsyncRuns.subscribe_to_tag` returns (arguments checked here)."""
    query = wire.runs_query(tags, created_at, skip_columns)
    return AsyncRunSubscription(
        client,
        "/realtime/v1/runs",
        query,
        stop_on_completion=False,
        request_options=request_options,
    )


def batch_subscription(
    client: AsyncClient,
    batch_id: str,
    *,
    skip_columns: Any,
    request_options: RequestOptions | None,
) -> AsyncRunSubscription:
    """The subscription `AsyncBatch.subscribe` returns (arguments checked here)."""
    path = f"/realtime/v1/batches/{path_segment('batch_id', batch_id)}"
    query = wire.skip_columns_query(skip_columns)
    return AsyncRunSubscription(
        client, path, query, stop_on_completion=False, request_options=request_options
    )
