"""Operations of the realtime streams group, and a response body that reads like a socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import httpx

from tests.operations import Op

RUN = "run_cm3tv2gh50001rdc7k0e8k1q2"


class NetworkStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body sent chunk by chunk, each read waiting (a checkpoint) like a socket's,
    which records how many chunks were read and whether it was closed."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = list(chunks)
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import anyio

        for chunk in self.chunks:
            await anyio.lowlevel.checkpoint()
            self.sent += 1
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def _event_stream(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        stream=NetworkStream([b'id: 1-0\ndata: {"percent":100}\n\n']),
    )


def _read(stream: Any) -> Any:
    """A sync read is drained here; an async one is handed back (the test drains it)."""
    return list(stream) if hasattr(stream, "__iter__") else stream


OPERATIONS = [
    Op(
        "GET",
        "/realtime/v1/streams/{runId}/{streamKey}",
        lambda c: _read(c.streams.read(RUN, "progress")),
        _event_stream,
    ),
    Op(
        "PUT",
        "/realtime/v1/streams/{runId}/{target}/{streamKey}",
        lambda c: c.streams.create(RUN, "progress"),
        {"version": "v1"},
    ),
    Op(
        "POST",
        "/realtime/v1/streams/{runId}/{target}/{streamKey}/append",
        lambda c: c.streams.append(RUN, "progress", "halfway"),
        {"ok": True},
    ),
    Op(
        "POST",
        "/realtime/v1/streams/{runId}/input/{streamId}",
        lambda c: c.streams.send_input(RUN, "approval", {"approved": True}),
        {"ok": True},
    ),
]
