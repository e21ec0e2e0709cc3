"""A fast HTTP/1.1 keep-alive server answering canned bytes, run in its own process.

``python benchmarks/server.py`` binds 127.0.0.1 on a free port, prints the port on one line
and serves until killed. Plain asyncio Protocols with precomputed responses, so that the
server costs far less than any client it is measured against.

Routes:
    GET  /api/v3/runs/{id}            a 2 KB run
    GET  /api/v1/runs                 a page of ``page[size]`` runs (25 or 100); with 100,
                                      ``pagination.next`` cursors ``p1``... until the last
                                      page (200, or N with ``filter[taskIdentifier]=pages-N``)
    POST /api/v3/batches              the created batch
    POST /api/v3/batches/batch_1/items  the body (NDJSON, chunked) is read and dropped
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import parse_qs, urlsplit

import payloads


def _response(body: bytes, status: bytes = b"200 OK") -> bytes:
    head = b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    return head % (status, len(body)) + body


RUN = _response(payloads.retrieved_run())
CREATED = _response(payloads.BATCH_CREATED)
SEALED = _response(payloads.BATCH_SEALED)
NOT_FOUND = _response(b'{"error":"Not found"}', b"404 Not Found")
_PAGE_DATA: dict[int, bytes] = {}


def _page(target: str) -> bytes:
    query = parse_qs(urlsplit(target).query)
    size = int(query.get("page[size]", ["25"])[0])
    last = payloads.PAGES
    for task in query.get("filter[taskIdentifier]", []):
        if task.startswith("pages-"):
            last = int(task[6:])
    number = int(query.get("page[after]", ["p0"])[0][1:]) + 1
    if size not in _PAGE_DATA:  # every page holds the same runs; only the cursor changes
        _PAGE_DATA[size] = payloads.runs_page(size, None)[: -len(b',"pagination":{}}')]
    pagination = b'{"next":"p%d"}' % number if number < last else b"{}"
    return _response(_PAGE_DATA[size] + b',"pagination":' + pagination + b"}")


def _route(method: bytes, target: bytes) -> bytes:
    if method == b"GET" and target.startswith(b"/api/v3/runs/"):
        return RUN
    if method == b"GET" and target.startswith(b"/api/v1/runs"):
        return _page(target.decode())
    if method == b"POST" and target == b"/api/v3/batches":
        return CREATED
    if method == b"POST" and target.startswith(b"/api/v3/batches/"):
        return SEALED
    return NOT_FOUND


class HTTPProtocol(asyncio.Protocol):
    """One keep-alive connection: requests in, canned responses out, bodies skipped."""

    def __init__(self) -> None:
        self.buffer = b""
        self.pending = b""  # the response to send once the request body is read
        self.body_left = 0  # bytes of a Content-Length body still to skip
        self.chunked = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while buffer:
            if self.body_left:
                taken = min(self.body_left, len(buffer))
                self.body_left -= taken
                buffer = buffer[taken:]
                if self.body_left:
                    break
                self.transport.write(self.pending)
            elif self.chunked:
                end = buffer.find(b"\r\n")
                if end < 0:
                    break
                size = int(buffer[:end].split(b";")[0], 16)
                if size == 0:  # last chunk, no trailers: the body ends with an empty line
                    if len(buffer) < end + 4:
                        break
                    buffer = buffer[end + 4 :]
                    self.chunked = False
                    self.transport.write(self.pending)
                    continue
                if len(buffer) < end + 2 + size + 2:
                    break
                buffer = buffer[end + 2 + size + 2 :]
            else:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buffer[:end]
                buffer = buffer[end + 4 :]
                line, _, fields = head.partition(b"\r\n")
                method, target, _ = line.split(b" ", 2)
                self.pending = _route(method, target)
                if method == b"GET":
                    self.transport.write(self.pending)
                    continue
                lowered = fields.lower()
                if b"transfer-encoding: chunked" in lowered:
                    self.chunked = True
                else:
                    start = lowered.find(b"content-length:")
                    length = 0
                    if start >= 0:
                        length = int(lowered[start + 15 :].split(b"\r\n", 1)[0])
                    if length:
                        self.body_left = length
                    else:
                        self.transport.write(self.pending)
        self.buffer = buffer


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HTTPProtocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
