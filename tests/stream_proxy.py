"""A TCP proxy on 127.0.0.1 that cuts an event stream off after its n-th event.

Bytes go both ways unchanged. In the answers coming back, the proxy finds the first response
whose head says ``text/event-stream``, counts its events (each ends with a blank line), and
once the n-th has been relayed whole it resets both connections: the client holds n events
and then sees its connection drop mid-answer, which is what a read must survive by resuming
after the last event id. Later streams pass untouched.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

__all__ = ["CuttingProxy", "cutting_proxy"]

_RESET = struct.pack("ii", 1, 0)


class CuttingProxy:
    """Relays to ``upstream`` and cuts the first event stream after ``events`` events."""

    def __init__(self, upstream: str, events: int) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._events = events
        self._lock = threading.Lock()
        self._armed = True
        self.cuts = 0
        """How many streams were cut."""
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        """Where clients connect."""
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self._upstream)
        with self._lock:
            self._sockets += [client, upstream]
        threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
        head = b""
        counting: bool | None = None  # None until the first answer's head is in
        count = 0
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                if counting is None:
                    head += data
                    end = head.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    with self._lock:
                        counting = self._armed and b"text/event-stream" in head[:end].lower()
                        if counting:
                            self._armed = False
                    client.sendall(head[: end + 4])
                    data = head[end + 4 :]
                if counting:
                    index = 0
                    while (found := data.find(b"\n\n", index)) >= 0:
                        count += 1
                        index = found + 2
                        if count == self._events:
                            client.sendall(data[:index])
                            self.cuts += 1
                            _reset(client)
                            _reset(upstream)
                            return
                client.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        """Stop accepting and close every relayed connection."""
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    # shutdown() acts at once, even while the other pump thread is blocked reading it.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@contextmanager
def cutting_proxy(upstream: str, events: int) -> Iterator[CuttingProxy]:
    """A running `CuttingProxy`, closed on exit."""
    proxy = CuttingProxy(upstream, events)
    try:
        yield proxy
    finally:
        proxy.close()
