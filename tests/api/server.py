"""The real API server for tests: uvicorn in a thread on a free loopback port, over a Backend."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from posapp.services.backend import Backend


@dataclass(frozen=True, slots=True)
class Running:
    """A started server: where it listens and the app it serves."""

    url: str
    app: FastAPI
    backend: Backend


@contextmanager
def serving(app: FastAPI, backend: Backend) -> Iterator[Running]:
    """Serve ``app`` on 127.0.0.1 (a port the OS picks) until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", server_header=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="api-test-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        yield Running(f"http://127.0.0.1:{port}", app, backend)
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
