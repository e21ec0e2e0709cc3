"""`AsyncRunStream`: the chunks of a realtime run stream, read as server-sent events.

One read is one ``GET /realtime/v1/streams/{runId}/{key}`` held open by the server, which
sends what the stream holds, then each chunk as it is written (`trigger._wire.streams`
decodes them). A dropped connection, a 5xx or a 429 is retried with the client's backoff,
resuming after the last event id seen (``Last-Event-ID``), so no chunk is lost or repeated;
the count of failures starts again after each chunk that arrives. The read ends when the
server ends its answer: on its side that is ``timeout_seconds`` without new data (60 s by
default). A 400, 404, 409, 410 or 422 ends it with the error, as does a 401 or 403.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any

import httpx

from trigger import _retry
from trigger._async.client import _UNSENDABLE
from trigger._config import as_httpx_timeout, check_timeout
from trigger._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    connection_error,
    redact_request,
    status_error,
    unsendable_error,
)
from trigger._types import RequestOptions
from trigger._wire import streams as wire
from trigger._wire.sessions import AsyncServerSentEvents, is_event_stream
from trigger.types.streams import StreamPart

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncRunStream", "AsyncRunStreamParts"]

logger = logging.getLogger("trigger")


class AsyncRunStream:
    """The chunks of one realtime stream of a run: ``async for chunk in stream``.

    Made by `AsyncRuns.stream` and `AsyncStreams.read`. Each item is one chunk as it was
    written: a JSON value decoded (a chunk that is not JSON comes as its text, an appended
    part as its string). `parts` iterates the same read as `StreamPart` objects (the chunk
    with its event id and time). The connection opens on the first iteration.

    Close it to stop early: call its ``aclose()``, or use it as ``async with``; closing
    releases the connection at once, and so does cancelling the task that waits for a chunk.
    `last_event_id` is where a new read would resume (pass it as ``last_event_id``).
    """

    def __init__(
        self,
        client: AsyncClient,
        path: str,
        headers: dict[str, str],
        *,
        request_options: RequestOptions | None = None,
    ) -> None:
        self._client = client
        self._path = path
        resume = headers.pop("last-event-id", None)
        self._headers = headers
        self._decoder = wire.StreamDecoder(resume)
        self._policy = client.retry.merged(request_options)
        timeout = client._config.timeout
        if request_options and "timeout" in request_options:
            timeout = check_timeout("timeout", request_options["timeout"])
        self._timeout = wire.read_timeout(as_httpx_timeout(timeout))
        self._pending: deque[StreamPart] = deque()
        self._response: httpx.Response | None = None
        self._events: AsyncServerSentEvents | None = None
        self._failures = 0
        self._closed = False

    @property
    def last_event_id(self) -> str | None:
        """The id of the last event read: a new read with it resumes after it."""
        return self._decoder.last_event_id

    @property
    def version(self) -> str:
        """The run's streams version the server answered with (``v1`` or ``v2``)."""
        return self._decoder.version

    @property
    def closed(self) -> bool:
        """Whether the read ended (closed, or the server ended the stream)."""
        return self._closed

    def parts(self) -> AsyncRunStreamParts:
        """The same read, as `StreamPart` objects (chunk, event id, time)."""
        return AsyncRunStreamParts(self)

    def __aiter__(self) -> AsyncRunStream:
        return self

    async def __anext__(self) -> Any:
        part = await self._next_part()
        return part.chunk

    async def aclose(self) -> None:
        """Stop reading and release the connection (idempotent)."""
        self._closed = True
        self._pending.clear()
        await self._drop()

    async def __aenter__(self) -> AsyncRunStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open" if self._response else "not connected"
        return f"<{type(self).__name__} {self._path} {state} last_event_id={self.last_event_id!r}>"

    # -- reading ----------------------------------------------------------------------------

    async def _next_part(self) -> StreamPart:
        while not self._pending:
            if self._closed:
                raise StopAsyncIteration
            if self._events is None:
                await self._connect()
                continue
            try:
                event = await self._events.__anext__()
                parts = self._decoder.decode(event)
            except StopAsyncIteration:
                # A clean end of the answer completes the read (the server's timeout).
                await self.aclose()
                raise
            except (httpx.TransportError, wire.StreamFailure) as exc:
                await self._failed(exc)
                continue
            except BaseException:
                # Cancelled, or a failure no retry mends: the connection goes now.
                await self._drop()
                raise
            if parts:
                self._failures = 0
                self._pending.extend(parts)
        return self._pending.popleft()

    def _attempt_headers(self) -> dict[str, str]:
        headers = dict(self._headers)
        resume = self._decoder.last_event_id
        if resume:
            headers["last-event-id"] = resume
            headers.pop("x-trigger-stream-start", None)
        return headers

    async def _connect(self) -> None:
        client = self._client
        while True:
            headers = self._attempt_headers()
            request: httpx.Request | None = None
            attempt = self._failures + 1
            try:
                request = client._new_request(
                    "GET", client.base_url + self._path, None, headers, self._timeout
                )
                logger.debug("GET %s (event stream, attempt %d)", self._path, attempt)
                response = await client._http.send(request, stream=True)
            except _UNSENDABLE as exc:
                self._closed = True
                raise unsendable_error(exc, request, headers, attempts=attempt) from None
            except httpx.TransportError as exc:
                assert request is not None
                await self._failed(exc, request)
                continue
            except httpx.RequestError as exc:
                assert request is not None
                self._closed = True
                raise self._connection_error(exc, request) from exc
            if not response.is_success:
                await self._refused(response, attempt)
                continue
            if not is_event_stream(response):
                try:
                    await response.aread()
                finally:
                    await wire.AsyncCloser.close(response)
                self._closed = True
                raise APIResponseValidationError(
                    "Expected a text/event-stream response, got "
                    f"{response.headers.get('content-type')!r}",
                    response=response,
                )
            self._response = response
            self._decoder.start(response.headers)
            self._events = AsyncServerSentEvents(response)
            return

    async def _refused(self, response: httpx.Response, attempt: int) -> None:
        """Wait before retrying a refused read, or raise its error."""
        try:
            await response.aread()
        finally:
            await wire.AsyncCloser.close(response)
        status = response.status_code
        delay = (
            None
            if status in wire.NON_RETRYABLE
            else _retry.retry_delay(status, response.headers, attempt, self._policy)
        )
        if delay is None:
            self._closed = True
            raise status_error(response, attempts=attempt, request=redact_request(response.request))
        self._failures = attempt
        logger.info("GET %s answered %d; retrying in %.2fs", self._path, status, delay)
        await _retry.async_sleep(delay)

    async def _failed(self, exc: Exception, request: httpx.Request | None = None) -> None:
        """A connection failed or dropped: wait, then resume; raise once attempts run out."""
        if request is None and self._response is not None:
            request = self._response.request
        await self._drop()
        self._failures += 1
        if self._failures >= self._policy.max_attempts:
            self._closed = True
            assert request is not None
            if isinstance(exc, httpx.RequestError):
                raise self._connection_error(exc, request) from exc
            raise APIConnectionError(
                f"{exc} (after {self._failures} attempts)",
                request=redact_request(request),
                attempts=self._failures,
            ) from None
        delay = self._policy.backoff(self._failures)
        logger.info("GET %s dropped (%s); resuming in %.2fs", self._path, type(exc).__name__, delay)
        await _retry.async_sleep(delay)

    def _connection_error(self, exc: httpx.RequestError, request: httpx.Request) -> APIError:
        masked = redact_request(request)
        exc.request = masked  # the httpx error (the cause) keeps only the masked request
        return connection_error(
            exc, masked, attempts=max(self._failures, 1), secret=self._client._config.api_key
        )

    async def _drop(self) -> None:
        events, response = self._events, self._response
        self._events = self._response = None
        if response is not None:
            await wire.AsyncCloser.close(response, events)


class AsyncRunStreamParts:
    """A read's chunks as `StreamPart` objects: ``async for part in stream.parts()``."""

    def __init__(self, stream: AsyncRunStream) -> None:
        self._stream = stream

    def __aiter__(self) -> AsyncRunStreamParts:
        return self

    async def __anext__(self) -> StreamPart:
        return await self._stream._next_part()

    async def aclose(self) -> None:
        """Close the read (as `AsyncRunStream.aclose`)."""
        await self._stream.aclose()
