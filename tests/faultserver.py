"""A programmable HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose.

Tests script `Fault`s; each incoming request takes the next one (the last one repeats).
Faults cover what a real network and a real API do wrong: refused connections, resets in the
middle of a body, stalls, 5xx and 429 answers with their headers, and broken JSON.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
        handler: Computes the answer from the request instead (returns a `Fault`).
    """

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    reset_after: int | None = None
    truncate: int | None = None
    close: bool = False
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
        head = [f"HTTP/1.1 {fault.status} X", f"content-length: {len(fault.body)}"]
        if "content-type" not in {k.lower() for k in fault.headers}:
            head.append("content-type: application/json")
        head.extend(f"{k}: {v}" for k, v in fault.headers.items())
        if fault.close:
            head.append("connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode()
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


def pool_is_reusable(client: Any) -> bool:
    """Whether every pooled connection of a trigger client is idle or closed (none leaked)."""
    connections = client._http._transport._pool.connections
    return all(c.is_idle() or c.is_closed() for c in connections)


def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
