"""A programmable HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose.

Tests script `Fault`s; each incoming request takes the next one (the last one repeats).
Faults cover what a real network and a real API do wrong: refused connections, resets in the
middle of a body, stalls, answers dribbled a byte at a time, 5xx and 429 answers with their
headers, broken JSON, and bodies that expand enormously when decoded (`gzip_bomb`).
Everything runs over real sockets, so the SDK's httpx transport and connection pool are
exercised exactly as in production.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any


@dataclass
class Received:
    """A request as the server saw it."""

    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Fault:
    """What the server does with one request.

    Attributes:
        status: Status code of the answer.
        body: Raw body bytes to send.
        headers: Extra response headers.
        stall: Seconds to wait before answering (longer than the client's read timeout to
            provoke a timeout).
        reset_after: Send the head and this many body bytes, then reset the connection.
        truncate: Announce the full length but close after sending this many body bytes.
        close: Send the answer, then close the connection (no keep-alive).
        dribble: Send the body one byte at a time, this many seconds apart (each read stays
            under a read timeout, the whole answer does not).
        dribble_head: Dribble the status line and headers too.
        chunked: Send the body with chunked transfer encoding (no content-length).
        handler: Computes the answer from the request instead (returns a `Fault`).
    """

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    reset_after: int | None = None
    truncate: int | None = None
    close: bool = False
    dribble: float = 0.0
    dribble_head: bool = False
    chunked: bool = False
    handler: Callable[[Received], Fault] | None = None


def json_fault(status: int, payload: Any, **kwargs: Any) -> Fault:
    """A fault whose body is ``payload`` as JSON."""
    return Fault(status=status, body=json.dumps(payload).encode(), **kwargs)


class FaultServer:
    """The server; use `running()` to start one for a test."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.open_connections = 0
        self.connections_accepted = 0
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve_connection(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def script(self, *faults: Fault) -> None:
        """Answer the next requests with these faults, in order (the last one repeats).

        Replaces whatever was scripted before.
        """
        with self._lock:
            self._faults = list(faults)

    def _next_fault(self) -> Fault:
        with self._lock:
            if not self._faults:
                return Fault()
            return self._faults.pop(0) if len(self._faults) > 1 else self._faults[0]

    def _serve_connection(self, sock: socket.socket) -> None:
        with self._lock:
            self.open_connections += 1
            self.connections_accepted += 1
        reader = sock.makefile("rb")
        try:
            while True:
                request = _read_request(reader)
                if request is None:
                    return
                with self._lock:
                    self.received.append(request)
                fault = self._next_fault()
                if fault.handler is not None:
                    fault = fault.handler(request)
                if not self._answer(sock, fault):
                    return
        except OSError:
            return
        finally:
            reader.close()
            with self._lock:
                self.open_connections -= 1
            with contextlib.suppress(OSError):
                sock.close()

    def _answer(self, sock: socket.socket, fault: Fault) -> bool:
        if fault.stall:
            time.sleep(fault.stall)
        head = [f"HTTP/1.1 {fault.status} X"]
        if fault.chunked:
            head.append("transfer-encoding: chunked")
        else:
            head.append(f"content-length: {len(fault.body)}")
        if "content-type" not in {k.lower() for k in fault.headers}:
            head.append("content-type: application/json")
        head.extend(f"{k}: {v}" for k, v in fault.headers.items())
        if fault.close:
            head.append("connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode()
        if fault.dribble:
            if not fault.dribble_head:
                sock.sendall(data)
            dribbled = (data if fault.dribble_head else b"") + fault.body
            for index in range(len(dribbled)):
                sock.sendall(dribbled[index : index + 1])
                time.sleep(fault.dribble)
            return not fault.close
        if fault.chunked:
            step = 64 * 1024
            for start in range(0, len(fault.body), step):
                piece = fault.body[start : start + step]
                sock.sendall(data + f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                data = b""
            sock.sendall(data + b"0\r\n\r\n")
            return not fault.close
        if fault.reset_after is not None:
            sock.sendall(data + fault.body[: fault.reset_after])
            # SO_LINGER with a zero timeout makes close() send a TCP reset.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if fault.truncate is not None:
            sock.sendall(data + fault.body[: fault.truncate])
            sock.shutdown(socket.SHUT_RDWR)
            return False
        sock.sendall(data + fault.body)
        return not fault.close

    def start(self) -> None:
        """Serve in a background thread."""
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()


def _read_request(reader: Any) -> Received | None:
    line = reader.readline()
    if not line:
        return None
    method, raw_path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = reader.readline().decode("latin-1")
        if header in ("\r\n", "\n", ""):
            break
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = reader.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(reader.readline().strip(), 16)
            if size == 0:
                reader.readline()
                break
            chunks.append(reader.read(size))
            reader.readline()
        body = b"".join(chunks)
    return Received(method, raw_path, headers, body)


@contextmanager
def running() -> Iterator[FaultServer]:
    """A started `FaultServer`, stopped afterwards."""
    server = FaultServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@cache
def gzip_bomb(mebibytes: int) -> bytes:
    """A valid gzip body of about 1 KiB per MiB that decodes to ``mebibytes`` MiB of zeros.

    Built in about a second: after a full flush deflate starts afresh, so every MiB of
    zeros compresses to the same bytes, which are repeated.
    """
    mib = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    first = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(mib, crc)
    # b"\x03\x00": an empty final block; then the gzip trailer (CRC-32 and size mod 2**32).
    trailer = b"\x03\x00" + struct.pack("<II", crc, (mebibytes << 20) & 0xFFFFFFFF)
    return first + block * (mebibytes - 1) + trailer


def pool_is_reusable(client: Any) -> bool:
    """Whether every pooled connection of a trigger client is idle or closed (none leaked)."""
    connections = client._http._transport._pool.connections
    return all(c.is_idle() or c.is_closed() for c in connections)


def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
