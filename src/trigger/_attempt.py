"""One attempt of a request: send it and read its body within the deadline and the size cap.

The request pipeline (``_async/client.py``) calls `async_send_attempt`; its generated sync
twin calls `send_attempt` (scripts/unasync.py maps the name). Both stream the response and
count its body after decoding, stopping as soon as it passes the cap:

* the async variant bounds the whole attempt (connecting, sending, headers and body) with
  an anyio cancel scope, under asyncio and trio alike;
* the sync variant cannot interrupt a blocking read, so it checks the deadline after each
  chunk of the body: an attempt ends within the deadline plus one read timeout (httpx's
  per-read limit), and connecting and the response headers keep httpx's per-phase limits.

gzip and deflate, stacked in any number of layers, are decoded here, in steps of at most
`_STEP` bytes per layer, so a small compressed body that would expand to gigabytes never
does. The SDK asks for no other coding, and a body in one (brotli, zstd) is refused: httpx
would decode each of its chunks whole, without a bound.
"""

from __future__ import annotations

import time
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = [
    "BodyTooLarge",
    "async_send_attempt",
    "send_attempt",
]

# Decoded bytes per zlib call: what one compressed chunk can claim at once, whatever its
# compression ratio (about 1,000:1 for zlib, so a 64 KiB chunk could otherwise be 64 MiB).
_STEP = 256 * 1024


class BodyTooLarge(Exception):
    """The body passed the cap (the pipeline turns this into `ResponseTooLargeError`)."""

    def __init__(self, limit: int, response: httpx.Response) -> None:
        super().__init__(limit)
        self.limit = limit
        self.status = response.status_code
        self.headers = response.headers


class _Stage:
    """One layer of gzip or deflate, decoded at most `_STEP` bytes at a time."""

    __slots__ = ("_deflate_first", "_inflater")

    def __init__(self, coding: str) -> None:
        # Servers send zlib-wrapped or raw deflate; httpx tries the first, then the other.
        self._deflate_first = coding == "deflate"
        self._inflater = zlib.decompressobj(
            zlib.MAX_WBITS if self._deflate_first else zlib.MAX_WBITS | 16
        )

    def decompress(self, data: bytes) -> bytes:
        try:
            out = self._inflater.decompress(data, _STEP)
        except zlib.error:
            if not self._deflate_first:
                raise
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._inflater.decompress(data, _STEP)
        self._deflate_first = False
        return out

    @property
    def unconsumed_tail(self) -> bytes:
        return self._inflater.unconsumed_tail

    def flush(self) -> bytes:
        return self._inflater.flush()


class _Body:
    """Collects one response body, decoded, and refuses it once it passes the limit."""

    __slots__ = ("_chunks", "_limit", "_response", "_size", "_stages")

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self._response = response
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0
        headers = response.headers
        # Most bodies are not encoded: one membership test, the cheapest lookup httpx has.
        codings = (
            [c.strip().lower() for c in headers["content-encoding"].split(",")]
            if "content-encoding" in headers
            else []
        )
        # Codings are listed in the order they were applied: undo the last one first. Only
        # gzip and deflate can be undone in bounded steps, and they are all the SDK asks for
        # (accept-encoding): anything else is refused rather than expanded without a bound.
        self._stages: list[_Stage] = []
        for coding in reversed(codings):
            if coding in ("", "identity"):
                continue
            if coding not in ("gzip", "x-gzip", "deflate"):
                raise _decoding_error(f"unsupported content-encoding {coding!r}", response)
            self._stages.append(_Stage(coding))

    @property
    def pending(self) -> bool:
        """Whether the body is still to be read (a mock transport hands it over read)."""
        response = self._response
        if not response.is_stream_consumed:
            return True
        if len(response.content) > self._limit:
            raise BodyTooLarge(self._limit, response)
        return False

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the body, as it came over the wire."""
        self._push(0, data)

    def _push(self, index: int, data: bytes) -> None:
        if index == len(self._stages):
            self._add(data)
            return
        stage = self._stages[index]
        while True:
            try:
                out = stage.decompress(data)
            except zlib.error as exc:
                raise _decoding_error(str(exc), self._response) from exc
            if out:
                self._push(index + 1, out)
            data = stage.unconsumed_tail
            # A full step may leave output pending inside zlib: ask again until it is short.
            if not data and len(out) < _STEP:
                return

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise BodyTooLarge(self._limit, self._response)
        self._chunks.append(data)

    def finish(self) -> None:
        """Store the whole body as the response's content."""
        for index, stage in enumerate(self._stages):
            try:
                rest = stage.flush()
            except zlib.error as exc:
                raise _decoding_error(str(exc), self._response) from exc
            if rest:
                self._push(index + 1, rest)
        # httpx keeps a read body here; read() and aread() fill it the same way.
        self._response._content = b"".join(self._chunks)


def _decoding_error(reason: str, response: httpx.Response) -> httpx.DecodingError:
    import httpx

    return httpx.DecodingError(reason, request=response.request)


def _late(request: httpx.Request, deadline: float) -> httpx.TimeoutException:
    import httpx

    return httpx.TimeoutException(
        f"the attempt took longer than the {deadline:g} s timeout", request=request
    )


async def async_send_attempt(
    http: httpx.AsyncClient, request: httpx.Request, deadline: float | None, limit: int
) -> httpx.Response:
    """Send ``request`` and read its body, all within ``deadline`` seconds (if given).

    Raises:
        httpx.TimeoutException: The attempt took longer than ``deadline``.
        BodyTooLarge: The decoded body passed ``limit`` bytes.
        httpx.RequestError: As ``http.send``.
    """
    import anyio
    import httpx

    failure: Exception | None = None
    scope = anyio.CancelScope()
    if deadline is not None:
        scope.deadline = anyio.current_time() + deadline
    with scope:
        response = await http.send(request, stream=True)
        try:
            body = _Body(response, limit)
            if body.pending:
                chunks = response.aiter_raw()
                async for chunk in chunks:
                    if failure is not None:
                        continue  # data httpx had buffered; the next read is cancelled
                    try:
                        body.feed(chunk)
                    except (BodyTooLarge, httpx.DecodingError) as exc:
                        # Raised here, the error would leave httpx's stream generators
                        # suspended (trio warns when they are collected). Cancelling
                        # ends them from the inside, at their next read, instead.
                        failure = exc
                        scope.cancel()
                if failure is None:
                    body.finish()
        finally:
            await response.aclose()
        if failure is None:
            return response
    if failure is not None:
        raise failure
    raise _late(request, deadline or 0.0)


def send_attempt(
    http: httpx.Client, request: httpx.Request, deadline: float | None, limit: int
) -> httpx.Response:
    """Send ``request`` and read its body; the deadline is checked after each chunk.

    Raises:
        httpx.TimeoutException: The attempt took longer than ``deadline``.
        BodyTooLarge: The decoded body passed ``limit`` bytes.
        httpx.RequestError: As ``http.send``.
    """
    started = time.monotonic()
    response = http.send(request, stream=True)
    try:
        body = _Body(response, limit)
        if body.pending:
            for chunk in response.iter_raw():
                body.feed(chunk)
                if deadline is not None and time.monotonic() - started > deadline:
                    raise _late(request, deadline)
            body.finish()
    finally:
        response.close()
    if deadline is not None and time.monotonic() - started > deadline:
        raise _late(request, deadline)
    return response
