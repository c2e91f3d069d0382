"""A Unix-socket proxy in front of the test PostgreSQL that can lose the answer to a COMMIT.

The app connects to the proxy's socket; every byte is passed on both ways. Once armed with
:meth:`CommitEater.arm`, the next connection that sends ``COMMIT`` gets it delivered to the
server (which commits), but the server's answer is thrown away and the client's socket closed:
exactly what a client sees when the network or the server host fails between the commit and
its acknowledgement.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

# The simple-query message psycopg sends for Connection.commit(): 'Q', int32 length, "COMMIT\0".
COMMIT_MESSAGE = b"Q\x00\x00\x00\x0bCOMMIT\x00"
CHUNK = 65536


class CommitEater:
    """The proxy; use it as a context manager and connect to :attr:`url`."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self._upstream = server_socket(url)
        self._dir = tempfile.TemporaryDirectory(prefix="posapp-proxy-")
        port = query["port"][0]
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(Path(self._dir.name) / f".s.PGSQL.{port}"))
        self._listener.listen(64)
        query["host"] = [self._dir.name]
        self.url = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
        self._armed = threading.Event()
        self.eaten = threading.Event()
        self._closing = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                close_socket(sock)
        self._thread.join(timeout=5)
        self._dir.cleanup()

    def arm(self) -> None:
        """Lose the answer to the next COMMIT (once)."""
        self.eaten.clear()
        self._armed.set()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.connect(self._upstream)
            with self._lock:
                self._sockets += [client, server]
            lose = threading.Event()
            threading.Thread(target=self._up, args=(client, server, lose), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, lose), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, lose: threading.Event) -> None:
        """Client to server; note when an armed proxy passes a COMMIT on."""
        while data := _recv(client):
            if COMMIT_MESSAGE in data and self._armed.is_set():
                self._armed.clear()
                lose.set()
            try:
                server.sendall(data)
            except OSError:
                break
        close_socket(server)

    def _down(self, server: socket.socket, client: socket.socket, lose: threading.Event) -> None:
        """Server to client; after a COMMIT to lose, wait for its answer and cut the client off."""
        while data := _recv(server):
            if lose.is_set():  # this is the answer to the COMMIT: the server has committed
                self.eaten.set()
                break
            try:
                client.sendall(data)
            except OSError:
                break
        close_socket(client)
        close_socket(server)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(CHUNK)
    except OSError:
        return b""


def server_socket(url: str) -> str:
    """The Unix socket of the test server at ``url`` (its ``host`` folder and ``port``)."""
    query = parse_qs(urlsplit(url).query)
    return f"{query['host'][0]}/.s.PGSQL.{query['port'][0]}"


def close_socket(sock: socket.socket) -> None:
    """Shut ``sock`` down both ways and close it; a socket already gone is no error."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
