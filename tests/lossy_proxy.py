"""A TCP proxy on 127.0.0.1 that loses the answers of chosen requests to a real server.

It sits between the SDK and a live API: every request is forwarded whole, so the server acts
on it, and the server's whole answer is read. For a request matching a `Loss`, the answer is
then lost: the connection to the client is reset (``"drop"``), or the answer is held back
past the client's timeout (``"delay"``). That is the failure the SDK's retries must survive
without a second run: the server acted, the client never heard.

Each connection carries one request (the proxy asks the server to close after answering), so
request boundaries need no HTTP parsing beyond the head.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["Loss", "LossyProxy", "Relayed", "running_proxy"]


@dataclass
class Loss:
    """Lose the answer of the next request whose method and path match.

    Attributes:
        method: The request method.
        path: A path the request's path starts with.
        how: ``"drop"`` resets the client's connection once the server answered; ``"delay"``
            holds the answer for ``delay`` seconds, then sends it (to a client gone by then).
        delay: Seconds to hold the answer back (``"delay"`` only).
        exact: ``path`` must be the whole path, not a prefix of it.
    """

    method: str
    path: str
    how: Literal["drop", "delay"] = "drop"
    delay: float = 0.0
    exact: bool = False


@dataclass
class Relayed:
    """A request that went through the proxy, and what became of its answer."""

    method: str
    path: str
    status: int | None
    lost: str | None = None


@dataclass
class LossyProxy:
    """The proxy; use `running_proxy` to start one."""

    upstream_host: str
    upstream_port: int
    losses: list[Loss] = field(default_factory=list)
    relayed: list[Relayed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._closed = threading.Event()
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def lose(self, *losses: Loss) -> None:
        """Lose the answers of these requests (each applies once, in order of arrival)."""
        with self._lock:
            self.losses.extend(losses)

    def _take_loss(self, method: str, path: str) -> Loss | None:
        bare = path.split("?", 1)[0]
        with self._lock:
            for loss in self.losses:
                matches = bare == loss.path if loss.exact else bare.startswith(loss.path)
                if loss.method == method and matches:
                    self.losses.remove(loss)
                    return loss
        return None

    def serve(self) -> None:
        """Accept connections until `close` (run in a thread)."""
        self._listener.settimeout(0.2)
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def close(self) -> None:
        """Stop accepting connections."""
        self._closed.set()
        self._listener.close()

    def _relay(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            head, rest = _read_head(client)
            if head is None:
                return
            method, path = head.split(b" ", 2)[:2]
            upstream = socket.create_connection((self.upstream_host, self.upstream_port))
            upstream.sendall(_closing(head) + rest)
            # The rest of the body (a streamed batch) follows while the server answers.
            threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
            answer = _read_all(upstream)
            loss = self._take_loss(method.decode(), path.decode())
            record = Relayed(method.decode(), path.decode(), _status(answer))
            with self._lock:
                self.relayed.append(record)
            if loss is not None and loss.how == "drop":
                record.lost = "drop"
                # SO_LINGER with a zero timeout makes close() reset the connection.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # Wake the pump blocked reading this socket: until it lets go, closing it
                # sends nothing, and a client waiting for its answer never hears the reset.
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RD)
                return
            if loss is not None:
                record.lost = "delay"
                time.sleep(loss.delay)
            with contextlib.suppress(OSError):
                client.sendall(answer)
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.close()


def _read_head(sock: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _closing(head: bytes) -> bytes:
    # One request per connection: the server closes after its answer, which ends it.
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            target.sendall(chunk)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _status(answer: bytes) -> int | None:
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


@contextmanager
def running_proxy(upstream_url: str) -> Iterator[LossyProxy]:
    """A started `LossyProxy` in front of ``upstream_url`` (an http:// origin), closed after."""
    target = urlsplit(upstream_url)
    if target.scheme != "http" or target.hostname is None:
        raise ValueError("the lossy proxy relays plain http:// only")
    proxy = LossyProxy(target.hostname, target.port or 80)
    thread = threading.Thread(target=proxy.serve, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.close()
        thread.join(timeout=5)
