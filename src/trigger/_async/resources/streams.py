"""`client.streams`: read a run's realtime streams, append to them, feed its input streams."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import msgspec

from trigger._async.streams import AsyncRunStream
from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import streams as wire
from trigger._wire.sessions import part_id_header, with_headers
from trigger.types.streams import CreatedStream

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncStreams", "AsyncStreamsWithRawResponse"]


class _Answer(msgspec.Struct):
    ok: bool = True
    message: str | None = None
    error: str | None = None


_ANSWER = decoder(_Answer)


def _checked(content: bytes) -> None:
    answer = _ANSWER.decode(content)
    if not answer.ok:
        raise msgspec.ValidationError(
            f"the server did not take the part: {answer.message or answer.error or 'no reason'}"
        )


def open_stream(
    client: AsyncClient,
    run_id: str,
    key: str,
    *,
    timeout_seconds: int | None,
    last_event_id: str | None,
    start_index: int | None,
    start: str,
    request_options: RequestOptions | None,
) -> AsyncRunStream:
    """The read `AsyncStreams.read` and `AsyncRuns.stream` return (arguments checked here)."""
    wire.require_httpx_sse()
    path = wire.stream_path(run_id, key)
    read = wire.read_headers(
        last_event_id=last_event_id,
        start_index=start_index,
        timeout_seconds=timeout_seconds,
        start=start,
    )
    client.retry.merged(request_options)  # checks the options now, before any request
    headers = client._request_headers(
        request_options, content_type=None, authenticated=True, idempotency_header=False
    )
    return AsyncRunStream(
        client, path, with_headers(headers, read), request_options=request_options
    )


class AsyncStreams:
    """Realtime streams of runs: ``client.streams`` (``streams.*`` in the official SDK).

    Tasks write named streams while they run; `read` follows one live. From outside a task
    you can also `append` to a run's stream, register one (`create`), and `send_input` to a
    run's input stream.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncStreamsWithRawResponse(self)
        """The same methods (but `read`), returning `APIResponse`."""

    def read(
        self,
        run_id: str,
        key: str = wire.DEFAULT_KEY,
        *,
        timeout_seconds: int | None = 60,
        last_event_id: str | None = None,
        start_index: int | None = None,
        start: str = "beginning",
        request_options: RequestOptions | None = None,
    ) -> AsyncRunStream:
        """Follow a run's stream: ``async for chunk in client.streams.read(run_id, "ai")``.

        Needs the ``realtime`` extra (``pip install 'trigger-sdk[realtime]'``). The stream
        opens on the first iteration; it yields what the stream already holds, then each
        chunk as the task writes it, resuming after a dropped connection from the last event
        id. It ends when the server closes it: after ``timeout_seconds`` without new data.

        Args:
            run_id: The run (``run_…``).
            key: The stream's key (``"default"`` unless the task named one).
            timeout_seconds: How long the server waits for new data before ending the read,
                1-600 (sent as ``Timeout-Seconds``; ``None`` sends none: the server's 60 s).
            last_event_id: Resume after this event id (a `StreamPart.id`).
            start_index: Start at the n-th chunk, as the official ``startIndex`` does (sent
                as ``Last-Event-ID: n-1``, which servers storing Redis ids treat as "from
                the start").
            start: ``"latest"`` asks for new chunks only when there is no id to resume
                from (``X-Trigger-Stream-Start: latest``; servers may ignore it).
            request_options: Retry, timeout and header overrides: the retry policy governs
                reconnects; the timeout bounds connecting (waits for data last at least
                30 s, as an idle stream is pinged every 10 s).

        Returns:
            An `AsyncRunStream` of chunks (``.parts()`` for `StreamPart` objects).

        Raises:
            ImportError: ``httpx-sse`` is not installed.
            NotFoundError: No such run (raised while iterating).
            APIStatusError: The server refused the read (raised while iterating).
            APIConnectionError: The connection kept failing (raised while iterating).
        """
        return open_stream(
            self._client,
            run_id,
            key,
            timeout_seconds=timeout_seconds,
            last_event_id=last_event_id,
            start_index=start_index,
            start=start,
            request_options=request_options,
        )

    async def append(
        self,
        run_id: str,
        key: str,
        part: str | bytes,
        *,
        target: wire.Target = "self",
        part_id: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> None:
        """Append one part to a run's stream (``appendToStream`` in the official client).

        The part is stored as text: a reader gets it back as that string. The key is
        registered on the run (its ``realtime_streams``) if it was not yet.

        Args:
            run_id: The run (``run_…``).
            key: The stream's key.
            part: The text to append (``bytes`` are sent as they are); at most 512 KiB.
            target: ``"self"`` (the run named), ``"parent"`` or ``"root"`` (its parent or
                root run).
            part_id: Sent as ``X-Part-Id`` (a random one by default, the same on every
                retry): on v2 streams a reader drops a part id it already saw.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: No such run, or it has no such parent or root.
            BadRequestError: The run has completed.
        """
        path = wire.target_path(run_id, target, key, "/append")
        content = wire.append_content(part)
        header = part_id_header(part_id if part_id is not None else secrets.token_urlsafe(8))
        options: RequestOptions = {**(request_options or {})}
        options["extra_headers"] = with_headers(options.get("extra_headers"), header)
        await self._client._request("POST", path, parse=_checked, content=content, options=options)

    async def create(
        self,
        run_id: str,
        key: str,
        *,
        target: wire.Target = "self",
        request_options: RequestOptions | None = None,
    ) -> CreatedStream:
        """Register a stream on a run (``createStream`` in the official client).

        Writers do this before writing; appending registers the key too. The answer names
        the run's streams version.

        Args:
            run_id: The run (``run_…``).
            key: The stream's key.
            target: ``"self"``, ``"parent"`` or ``"root"``.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: No such run, or it has no such parent or root.
            BadRequestError: The run has completed.
        """
        return await self._client._request(
            "PUT",
            wire.target_path(run_id, target, key),
            parse=decoder(CreatedStream).decode,
            options=request_options,
        )

    async def send_input(
        self,
        run_id: str,
        stream_id: str,
        data: Any,
        *,
        request_options: RequestOptions | None = None,
    ) -> None:
        """Send data to a run's input stream (``streams.input(...).send`` in the official SDK).

        A task waiting on that input stream receives ``data``.

        Args:
            run_id: The run (``run_…``).
            stream_id: The input stream's id.
            data: Any JSON value (at most 1 MiB of JSON).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: No such run.
            BadRequestError: The run has completed.
        """
        await self._client._request(
            "POST",
            wire.input_path(run_id, stream_id),
            parse=_checked,
            content=wire.input_body(data),
            options=request_options,
        )


class AsyncStreamsWithRawResponse:
    """`AsyncStreams` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, streams: AsyncStreams) -> None:
        self.append = async_raw_response_wrapper(streams.append)
        self.create = async_raw_response_wrapper(streams.create)
        self.send_input = async_raw_response_wrapper(streams.send_input)
