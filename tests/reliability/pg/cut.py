"""A TCP proxy in front of the test PostgreSQL that the test can cut and restore (#21).

The register connects to ``127.0.0.1:<port>`` (so libpq's TCP limits apply); the proxy passes
every byte on to the server's Unix socket. :meth:`NetworkCut.cut` loses the network in one of two
ways, as shops lose it:

- ``"reset"``: every open connection is closed and new ones are closed at once (a server that
  restarts, a switch that resets);
- ``"silent"``: connections stay open but nothing passes either way (a pulled cable, a dead
  Wi-Fi): no error ever comes, only silence.

:meth:`NetworkCut.restore` lets traffic through again (old silent connections stay dead: they
are closed, as TCP would after its timeout).
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Literal, Self
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from tests.reliability.pg.proxy import CHUNK, close_socket, server_socket


class NetworkCut:
    """The proxy; use it as a context manager and connect to :attr:`url`."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self._upstream = server_socket(url)
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        query["host"], query["port"] = ["127.0.0.1"], [str(port)]
        self.url = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
        self._mode: Literal["open", "reset", "silent"] = "open"
        self._closing = False
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
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
        self._drop_all()
        self._thread.join(timeout=5)

    def cut(self, mode: Literal["reset", "silent"]) -> None:
        """Lose the network (see the module's text)."""
        with self._lock:
            self._mode = mode
        if mode == "reset":
            self._drop_all()

    def restore(self) -> None:
        """Let traffic through again; connections silenced during the cut are closed."""
        with self._lock:
            silenced = self._mode == "silent"
            self._mode = "open"
        if silenced:
            self._drop_all()

    @property
    def connections(self) -> int:
        """Open client connections through the proxy."""
        with self._lock:
            return len(self._pairs)

    def _drop_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            close_socket(client)
            close_socket(server)

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                mode = self._mode
            if mode == "reset":
                close_socket(client)
                continue
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                server.connect(self._upstream)
            except OSError:
                close_socket(client)
                continue
            with self._lock:
                self._pairs.append((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        while True:
            try:
                data = source.recv(CHUNK)
            except OSError:
                break
            if not data:
                break
            with self._lock:
                silent = self._mode == "silent"
            if silent:
                continue  # swallowed: the other side hears nothing
            try:
                target.sendall(data)
            except OSError:
                break
        close_socket(source)
        close_socket(target)
